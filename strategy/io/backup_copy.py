"""A backup's database file, made from DuckDB's export of the database, in a process
of its own.

``strategy/io/backup.py`` exports the database (``EXPORT DATABASE``: the schema, and
each table's rows as Parquet) in one read transaction of the app's own connection,
which streams within the app server's memory limit. This script then builds the
backup's database file from that export: it runs as a separate process, so that the
memory DuckDB needs to build the copy's indexes is that process's, given back when
it ends, instead of staying with the app server (a backup at the large
organisation lifted the server from 388 to 531 MiB when it was copied in-process).

It prints each table's fingerprint (rows, and a sum of the rows' hashes) as JSON,
for the caller to check against the database it exported. It imports nothing but
DuckDB and the standard library, as it runs as a plain script (``python -P``),
and opens the copy with the settings the app opens its database with (given as JSON).
"""

from __future__ import annotations

import json
import sys
from typing import Any


def literal(text: str) -> str:
    """``text`` as an SQL string literal, for the two statements that take no
    parameter (EXPORT and IMPORT DATABASE): only paths this app made reach it."""
    if "\0" in text:
        raise ValueError("a path with a NUL character")
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fingerprints(con: Any, database: str) -> dict[str, list[int]]:
    """Each table of ``database``: its row count and the sum of its rows' hashes, in
    one query (table names come from the catalogue, never from people)."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = "
        "'main' ORDER BY table_name", [database]).fetchall()]
    if not names:
        return {}
    query = " UNION ALL ".join(
        f"SELECT ? AS t, count(*) AS n, coalesce(sum(hash(r)::HUGEINT), 0)::VARCHAR AS h "
        f"FROM {ident(database)}.main.{ident(n)} AS r" for n in names)
    return {str(t): [int(n), int(h)] for t, n, h in con.execute(query, names).fetchall()}


def main(argv: list[str]) -> int:
    import duckdb

    exported, copy, config = argv
    try:
        con = duckdb.connect(copy, config=json.loads(config))
        try:
            con.execute(f"IMPORT DATABASE {literal(exported)}")
            row = con.execute("SELECT current_database()").fetchone()
            print(json.dumps(fingerprints(con, str(row[0]) if row else "")))
        finally:
            con.close()  # folds the copy's log into its file
    except (duckdb.Error, OSError, ValueError) as exc:
        print(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
