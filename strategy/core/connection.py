"""What the domain code asks of a database connection, whichever the database."""

from __future__ import annotations

from typing import Any, Protocol


class Connection(Protocol):
    """What the domain code asks of a database connection: DuckDB's connection, or
    :class:`strategy.core.pg.PgConnection`, which answers the same way on PostgreSQL.
    Statements are written in DuckDB's dialect with ``?`` or ``$name`` parameters."""

    def execute(self, query: str, parameters: Any = None, /) -> Connection: ...

    def executemany(self, query: str, parameters: Any = None, /) -> Connection: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def fetchmany(self, size: int = 1, /) -> list[tuple[Any, ...]]: ...

    @property
    def description(self) -> Any: ...

    def cursor(self) -> Connection: ...

    def close(self) -> None: ...
