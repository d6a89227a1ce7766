"""Storage: migrations and opening the database file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from strategy.core import db, schema
from strategy.core.db import available_migrations, migrate, open_database, transaction
from strategy.core.errors import ConflictError, StorageError


def test_fresh_database_gets_every_migration_recorded(tmp_path: Path) -> None:
    con = open_database(tmp_path / "new.duckdb")
    versions = [row[0] for row in con.execute(
        "SELECT version FROM schema_migrations ORDER BY version").fetchall()]
    assert versions == [m.version for m in available_migrations()]
    assert con.execute("SELECT count(*) FROM organisation").fetchone() == (0,)


def test_migrating_twice_does_nothing(tmp_path: Path) -> None:
    con = open_database(tmp_path / "twice.duckdb")
    con.execute("INSERT INTO organisation (name) VALUES (?)", ["Kept"])
    assert migrate(con) == []
    assert con.execute("SELECT name FROM organisation").fetchall() == [("Kept",)]
    count = con.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count == (len(available_migrations()),)


def test_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "reopen.duckdb"
    con = open_database(path)
    con.execute("INSERT INTO organisation (name) VALUES (?)", ["Survivor"])
    con.close()
    again = open_database(path)
    assert again.execute("SELECT name FROM organisation").fetchall() == [("Survivor",)]


def test_a_gap_in_the_migrations_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real = db.available_migrations()

    class FakeEntry:
        def __init__(self, name: str, text: str) -> None:
            self.name = name
            self._text = text

        def read_text(self, encoding: str) -> str:
            return self._text

    class FakeFolder:
        def iterdir(self) -> list[FakeEntry]:
            entries = [FakeEntry(f"{m.version:04d}_{m.name}.sql", m.sql) for m in real]
            return [*entries, FakeEntry(f"{len(real) + 2:04d}_skipped_one.sql", "SELECT 1")]

    monkeypatch.setattr("importlib.resources.files", lambda _package: FakeFolder())
    with pytest.raises(StorageError, match="is missing"):
        db.available_migrations()


def test_a_failing_migration_keeps_nothing(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    con = open_database(tmp_path / "failing.duckdb")
    broken = db.Migration(len(available_migrations()) + 1, "broken",
                          "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;")
    monkeypatch.setattr(schema, "available_migrations",
                        lambda: [*available_migrations(), broken])
    with pytest.raises(StorageError, match="broken"):
        migrate(con)
    tables = {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    assert "half_done" not in tables
    assert broken.version not in db.applied_versions(con)


def test_not_a_database_file_names_the_file_and_cause(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes, not a database" * 200)
    with pytest.raises(StorageError) as info:
        open_database(path)
    assert str(path) in info.value.message
    assert "not a DuckDB database file" in info.value.message


def test_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    path = blocker / "sub" / "strategy.duckdb"
    with pytest.raises(StorageError) as info:
        open_database(path)
    assert str(path) in info.value.message
    assert "folder cannot be created" in info.value.message


def test_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a folder"):
        open_database(tmp_path)


def test_file_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    open_database(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StorageError) as info:
            open_database(path)
        assert str(path) in info.value.message
        assert "another program is using it" in info.value.message
    finally:
        holder.communicate("\n", timeout=10)


def test_database_path_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATEGY_DB", "/somewhere/plan.duckdb")
    assert db.database_path() == Path("/somewhere/plan.duckdb")
    monkeypatch.delenv("STRATEGY_DB")
    assert db.database_path() == Path("data/strategy.duckdb")
    assert db.database_path("x.duckdb") == Path("x.duckdb")


def test_transaction_rolls_back_on_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(RuntimeError), transaction(con):
        con.execute("INSERT INTO organisation (name) VALUES (?)", ["Half"])
        raise RuntimeError("boom")
    assert con.execute("SELECT count(*) FROM organisation").fetchone() == (0,)


def test_concurrent_update_of_one_row_becomes_a_conflict(
        con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO organisation (name) VALUES (?)", ["Shared"])
    other = con.cursor()
    other.execute("BEGIN TRANSACTION")
    other.execute("UPDATE organisation SET reassess_days = 90")
    with pytest.raises(ConflictError, match="try again"), transaction(con):
        con.execute("UPDATE organisation SET reassess_days = 30")
    other.execute("COMMIT")
    assert con.execute("SELECT reassess_days FROM organisation").fetchone() == (90,)


def test_a_database_from_the_first_release_is_upgraded_with_its_data(tmp_path: Path) -> None:
    """Build the schema as release one left it, with a row in it, then open it."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    first = available_migrations()[0]
    db.applied_versions(old)
    old.execute(first.sql)
    old.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [first.version, first.name])
    old.execute("INSERT INTO organisation (name) VALUES ('Old Org')")
    old.execute("INSERT INTO segment (org_id, name, kind, channels) "
                "SELECT id, 'Old customers', 'external', ['Phone'] FROM organisation")
    old.close()

    con = open_database(path)
    assert con.execute("SELECT name, channels FROM segment").fetchall() == [
        ("Old customers", ["Phone"])]
    assert db.applied_versions(con) == {m.version for m in available_migrations()}
    assert con.execute("SELECT count(*) FROM employee").fetchone() == (0,)


def test_segment_team_names_become_linked_teams_on_upgrade(tmp_path: Path) -> None:
    """Before migration 4 a segment listed its serving teams as typed names; the upgrade
    makes each name one of the organisation's teams (reusing a team that exists in any
    letter case) and links the segment to it."""
    path = tmp_path / "v3.duckdb"
    old = duckdb.connect(str(path))
    db.applied_versions(old)
    for migration in available_migrations()[:3]:
        old.execute(migration.sql)
        old.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [migration.version, migration.name])
    old.execute("INSERT INTO organisation (name) VALUES ('North'), ('South')")
    old.execute("INSERT INTO team (org_id, name) SELECT id, 'Billing' FROM organisation "
                "WHERE name = 'North'")
    old.execute("INSERT INTO segment (org_id, name, kind, serving_teams, channels) "
                "SELECT id, 'Homes', 'external', ['billing', ' Field ', 'Field', ''], ['Phone'] "
                "FROM organisation WHERE name = 'North'")
    old.execute("INSERT INTO segment (org_id, name, kind, serving_teams) "
                "SELECT id, 'Shops', 'external', ['Billing'] FROM organisation "
                "WHERE name = 'South'")
    old.close()

    con = open_database(path)
    teams = con.execute("SELECT o.name, t.name FROM team t JOIN organisation o "
                        "ON o.id = t.org_id ORDER BY ALL").fetchall()
    assert teams == [("North", "Billing"), ("North", "Field"), ("South", "Billing")]
    from strategy.customers.segments import list_segments
    orgs = dict(con.execute("SELECT name, id FROM organisation").fetchall())
    assert [(s.name, s.serving_teams, s.channels) for s in list_segments(con, orgs["North"])] \
        == [("Homes", ["Billing", "Field"], ["Phone"])]
    assert [s.serving_teams for s in list_segments(con, orgs["South"])] == [["Billing"]]


INCOMING = [(1, 'a "quoted", comma\nnew line\r\nand =SUM(1)', None, date(2026, 1, 2), True, 2.5),
            (2, "", "  spaced  ", None, None, 0.1 + 0.2),
            (3, "NULL", "\\N", date(1999, 12, 31), False, None),
            (4, "üñï ✓ " + "x" * 3000, '""', None, None, -1e-9)]
INCOMING_COLUMNS = {"id": "BIGINT", "a": "VARCHAR", "b": "VARCHAR", "d": "DATE",
                    "f": "BOOLEAN", "v": "DOUBLE"}


def test_incoming_rows_keep_every_value_as_it_is(tmp_path: Path) -> None:
    """Rows written for a set-based statement read back exactly: text with quotes, commas
    and line breaks, an empty text apart from a missing one, dates, numbers, booleans."""
    from strategy.core.db import incoming_rows

    con = open_database(tmp_path / "rows.duckdb")
    with incoming_rows(con, INCOMING_COLUMNS, INCOMING) as (source, params):
        assert con.execute(f"SELECT * FROM {source} AS i ORDER BY id", params).fetchall() == \
            [tuple(r) for r in INCOMING]
        folder = Path(str(params[0])).parent
        assert folder.exists()
    assert not folder.exists()  # the file is gone once the statement has run


def test_incoming_rows_on_postgres_keep_every_value_and_leave_nothing(pg_con: Any) -> None:
    from strategy.core.db import incoming_rows

    with incoming_rows(pg_con, INCOMING_COLUMNS, INCOMING) as (source, params):
        assert params == []
        assert pg_con.execute(f"SELECT * FROM {source} AS i ORDER BY id", params
                              ).fetchall() == [tuple(r) for r in INCOMING]
    assert pg_con.execute("SELECT count(*) FROM pg_tables WHERE tablename = ?",
                          [source]).fetchone() == (0,)


# --- Reads side by side ----------------------------------------------------------------


class _Counting:
    """A connection that counts the cursors taken from it and can run out of them."""

    def __init__(self, spare: int) -> None:
        self.spare, self.lent, self.closed = spare, 0, 0

    def spare_cursor(self) -> _Counting | None:
        if self.lent >= self.spare:
            return None
        self.lent += 1
        return self

    def cursor(self) -> _Counting:
        self.lent += 1
        return self

    def close(self) -> None:
        self.closed += 1


def test_reads_side_by_side_use_at_most_four_sessions_and_none_more_inside() -> None:
    """A page's reads at once take at most SIDE_BY_SIDE cursors; a read that is itself
    made of reads side by side (the scorecard within the overview) runs them in turn on
    its own cursor: a server's sessions are shared by everyone's pages."""
    from strategy.core.db import SIDE_BY_SIDE, side_by_side

    con = _Counting(spare=100)
    inner = [lambda c, n=n: n for n in range(5)]
    found = side_by_side(con, [lambda c: side_by_side(c, inner)] * 6)  # type: ignore[arg-type]
    assert found == [[0, 1, 2, 3, 4]] * 6
    assert con.lent == con.closed == SIDE_BY_SIDE


def test_reads_side_by_side_wait_their_turn_when_no_session_is_spare() -> None:
    from strategy.core.db import side_by_side

    for spare, lent in ((0, 0), (1, 1)):
        con = _Counting(spare=spare)
        order: list[int] = []
        works = [lambda c, n=n, order=order: order.append(n) or n  # type: ignore[misc]
                 for n in range(3)]
        assert side_by_side(con, works) == [0, 1, 2]  # type: ignore[arg-type]
        assert order == [0, 1, 2] and con.lent == con.closed == lent


def test_the_first_error_of_reads_side_by_side_is_raised() -> None:
    from strategy.core.db import side_by_side

    def fails(message: str) -> Any:
        def work(con: Any) -> Any:
            raise ValueError(message)
        return work

    with pytest.raises(ValueError, match="second"):
        side_by_side(_Counting(spare=4),  # type: ignore[arg-type]
                     [lambda c: 1, fails("second"), fails("third")])


def test_a_reading_several_works_need_is_made_once_and_shared() -> None:
    """The overview's training figures: step 7's status and the to-do counts both need
    them. Read once, whichever work asks first, side by side or in turn; an error of
    that one reading reaches every work that needed it."""
    from strategy.core.db import ReadOnce, side_by_side

    for spare in (4, 0):
        reads: list[object] = []

        def read(con: Any, reads: list[object] = reads) -> int:
            time.sleep(0.05)  # long enough for the other works to ask meanwhile
            reads.append(con)
            return 7

        figures = ReadOnce(read)
        found = side_by_side(_Counting(spare=spare),  # type: ignore[arg-type]
                             [lambda c, n=n, f=figures: f(c) + n  # type: ignore[misc]
                              for n in range(4)])
        assert found == [7, 8, 9, 10] and len(reads) == 1

    def broken(con: Any) -> int:
        raise ValueError("the figures could not be read")

    failing = ReadOnce(broken)
    with pytest.raises(ValueError, match="could not be read"):
        side_by_side(_Counting(spare=4),  # type: ignore[arg-type]
                     [lambda c: failing(c), lambda c: failing(c) + 1])
    with pytest.raises(ValueError, match="could not be read"):
        failing(None)  # type: ignore[arg-type]
