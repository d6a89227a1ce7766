"""Comparing whole databases in tests: "nothing was written", "every row survived"."""

from __future__ import annotations

from strategy.core.db import Connection


def fingerprint(con: Connection) -> dict[str, tuple[int, int]]:
    """Each table's row count and a checksum over all its rows (order-free)."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "ORDER BY table_name").fetchall()]
    result = {}
    for table in tables:
        count, total = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{table}" t'
        ).fetchone() or (0, 0)
        result[table] = (int(count), int(total))
    return result
