"""The schema's numbered migrations, the same on DuckDB and PostgreSQL.

Migrations are the numbered ``NNNN_name.sql`` files in ``strategy/core/migrations``.
They form an append-only list: each is applied once, in its own transaction
together with the row that records it, and a landed file is never edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from strategy.core.connection import Connection
from strategy.core.errors import StorageError

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """All migration files, in order; refuses gaps so none is ever skipped."""
    found: list[Migration] = []
    for entry in resources.files("strategy.core.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StorageError(
                f"Migration {expected:04d} is missing (found {migration.version:04d}_"
                f"{migration.name}.sql); the installation is incomplete."
            )
    return found


def applied_versions(con: Connection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: Connection) -> list[str]:
    """Apply the migrations not yet applied; return the names applied now."""
    done = applied_versions(con)
    applied: list[str] = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StorageError(
                f"Upgrading the database failed at migration {migration.version:04d}_"
                f"{migration.name}: {exc}. Nothing from that migration was kept."
            ) from exc
        applied.append(f"{migration.version:04d}_{migration.name}")
    if applied and isinstance(con, duckdb.DuckDBPyConnection):
        # Fold the write-ahead log into the file so the upgraded schema is durable
        # (PostgreSQL's commit is durable as it is).
        con.execute("CHECKPOINT")
    return applied


def newest_version() -> int:
    """The schema version this code brings a database to."""
    return available_migrations()[-1].version
