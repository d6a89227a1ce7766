"""Results kept between readings: one query's rows per organisation, which PostgreSQL
keeps in a table of its own and DuckDB works out as it reads them.

Some figures rest on a large intermediate result that changes far less often than it
is read: step 7's figures rest on every (person, required module) pair with the day
it falls due and the day it was first passed, 46,000 rows at the large organisation.
DuckDB works them out in 13 ms; PostgreSQL took 68 ms, most of a training tab's time
there. So on PostgreSQL the pairs are kept in a table and read in 7 ms, and worked out
again only after a change to what they are made from.

How PostgreSQL knows they are out of date, across every app server and the command
line: triggers on the tables they are made from (:data:`TRACKED_TABLES`) note which
organisation's rows each committed statement changed and the transaction that did it;
each organisation's kept rows record the snapshot they were made in. Rows are up to
date while every change noted is visible in that snapshot (``strategy.core.pg``).
Nothing is locked by a write, and a change committed while the rows are being made is
seen as not yet in them.

The query is written once, in DuckDB's words; DuckDB (and PostgreSQL inside a
transaction, whose own uncommitted writes the kept rows cannot hold) reads it in place
of the kept table, so both databases count from the same SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from strategy.core.connection import Connection

# The tables whose changes PostgreSQL notes for the kept results: every table a kept
# result's query reads. Made in the database when the app starts (strategy.core.pg).
TRACKED_TABLES = ("employee", "training_module", "training_requirement",
                  "training_completion")

# Tables of the kept results and of their bookkeeping start so: they are no part of the
# app's schema (not migrated, not backed up, not compared with DuckDB's).
KEPT_PREFIX = "strategy_kept_"

# A kept table's and its columns' names go into SQL as names (a name cannot be a
# parameter): plain lower-case words only, checked when a result is defined in code.
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Kept:
    """One organisation's rows of ``query`` (DuckDB's words, ``$org`` the organisation),
    with ``columns`` (name, DuckDB type) in the order the query gives them, kept on
    PostgreSQL in ``table`` (its name carries a version: a changed query or columns get
    a new name, never an old table's rows)."""
    table: str
    columns: tuple[tuple[str, str], ...]
    reads: tuple[str, ...]
    query: str

    def __post_init__(self) -> None:
        unsafe = [name for name in (self.table, *(c for c, _ in self.columns))
                  if not _NAME.match(name)]
        if unsafe:
            raise ValueError(f"not a plain name for SQL: {', '.join(unsafe)}")
        if not self.table.startswith(KEPT_PREFIX):
            raise ValueError(f"a kept table's name starts with {KEPT_PREFIX}: {self.table}")
        untracked = sorted(set(self.reads) - set(TRACKED_TABLES))
        if untracked:
            # A change to a table not tracked would leave the kept rows out of date.
            raise ValueError(f"{self.table} reads tables whose changes are not noted: "
                             f"{', '.join(untracked)}")

    @property
    def names(self) -> str:
        return ", ".join(name for name, _ in self.columns)


def kept_rows(con: Connection, kept: Kept, org_id: int) -> str:
    """A subquery of the organisation's rows of ``kept`` (the statement binds ``$org``
    to ``org_id``): the kept table where the database keeps it up to date, else the
    query itself."""
    keep = getattr(con, "keep", None)
    if keep is not None and keep(kept, org_id):
        # Names checked by Kept; the organisation is the statement's parameter.
        return f"(SELECT {kept.names} FROM {kept.table} WHERE org_id = $org)"
    return f"({kept.query})"
