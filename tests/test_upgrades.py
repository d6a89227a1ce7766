"""Upgrades from every earlier schema level keep every row of the demo organisation.

For each level k the test builds the schema as release k left it (migrations 1..k
only), fills it with the demo's rows — every table that existed then, the columns
it had then — keeps a frozen copy, opens it as the app does (which applies the
rest), and compares every row of every old table with the frozen copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from strategy.core import db
from strategy.core.db import CONNECT_CONFIG, available_migrations, open_database

LEVELS = range(1, len(available_migrations()))


def _columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """Each table's columns, in order."""
    found: dict[str, list[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? "
            "ORDER BY table_name, column_index", [database]).fetchall():
        found.setdefault(table, []).append(column)
    return found


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY table_name",
        [database]).fetchall()]


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


# Values a migration rewrites on purpose, compared as the later schema keeps them:
# before migration 12 "no reference" was '' (the column was NOT NULL), then NULL.
_WAS = {("complaint", "reference"): "coalesce(\"reference\", '')"}
_NOW = {("complaint", "reference"): "nullif(\"reference\", '')"}


def _read(table: str, columns: list[str], how: dict[tuple[str, str], str]) -> str:
    return ", ".join(how.get((table, c), f'"{c}"') for c in columns)


def build_level(path: Path, level: int, demo: Path) -> None:
    """A database at schema ``level`` holding the demo's rows, as that release kept them."""
    old = duckdb.connect(str(path), config=CONNECT_CONFIG)
    old.execute(f"ATTACH '{demo}' AS demo (READ_ONLY)")
    old.execute("BEGIN TRANSACTION")  # one commit, not one per statement: much faster
    db.applied_versions(old)
    for migration in available_migrations()[:level]:
        old.execute(migration.sql)
        old.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [migration.version, migration.name])
    (here,) = old.execute("SELECT current_database()").fetchone() or ("",)
    theirs, ours = _columns(old, "demo"), _columns(old, here)
    for table in _tables(old, here):
        if table == "schema_migrations" or table not in theirs:
            continue
        shared = [c for c in ours[table] if c in theirs[table]]
        old.execute(f'INSERT INTO "{table}" ({_quoted(shared)}) '
                    f'SELECT {_read(table, shared, _WAS if level < 12 else {})} '
                    f'FROM demo."{table}"')
    if "serving_teams" in ours["segment"]:
        # Before migration 4 a segment named its serving teams as text.
        old.execute("UPDATE segment SET serving_teams = coalesce((SELECT list(t.name ORDER BY "
                    "t.name) FROM demo.segment_team st JOIN demo.team t ON t.id = st.team_id "
                    "WHERE st.segment_id = segment.id), [])")
    old.execute("COMMIT")
    old.execute("DETACH demo")
    old.close()


@pytest.mark.parametrize("level", LEVELS)
def test_every_row_survives_the_upgrade_from_level(tmp_path: Path, demo_template: Path,
                                                   level: int) -> None:
    path = tmp_path / "strategy.duckdb"
    build_level(path, level, demo_template)
    frozen = tmp_path / "frozen.duckdb"
    shutil.copyfile(path, frozen)

    con = open_database(path)
    assert db.applied_versions(con) == {m.version for m in available_migrations()}
    con.close()

    check = duckdb.connect(config=CONNECT_CONFIG)
    check.execute(f"ATTACH '{frozen}' AS old (READ_ONLY)")
    check.execute(f"ATTACH '{path}' AS new (READ_ONLY)")
    check.execute(f"ATTACH '{demo_template}' AS demo (READ_ONLY)")
    counts: dict[str, int] = {}
    before, after = _columns(check, "old"), _columns(check, "new")
    for table in _tables(check, "old"):
        if table == "schema_migrations":
            continue
        shared = [c for c in before[table] if c in after[table]]
        cols = _read(table, shared, _NOW)
        for first, second in (("old", "new"), ("new", "old")):
            (differ,) = check.execute(
                f'SELECT count(*) FROM (SELECT {cols} FROM {first}."{table}" EXCEPT ALL '
                f'SELECT {cols} FROM {second}."{table}")').fetchone() or (0,)
            assert differ == 0, f"{table}: {differ} rows of {first} are not in {second}"
        (counts[table],) = check.execute(f'SELECT count(*) FROM new."{table}"').fetchone() \
            or (0,)

    # The test is about real data: the demo's rows of each era are there.
    assert counts["organisation"] == 1
    assert counts["segment"] == 12 and counts["org_value"] == 4
    assert counts["brainstorm_entry"] == 8 and counts["standard"] == 16
    if level >= 2:
        assert counts["employee"] == 74 and counts["recognition"] == 320
        assert counts["observation"] > 100 and counts["training_completion"] > 100
    if level >= 3:
        assert counts["measure"] == 12 and counts["measure_value"] > 0
        assert counts["review"] == 1 and counts["survey_response"] > 1000

    # Teams named in segments before migration 4 became linked teams.
    links = ("SELECT s.name, t.name FROM {db}.segment_team st JOIN {db}.segment s ON s.id = "
             "st.segment_id JOIN {db}.team t ON t.id = st.team_id ORDER BY ALL")
    assert check.execute(links.format(db="new")).fetchall() == \
        check.execute(links.format(db="demo")).fetchall()
    # Columns added by later migrations hold their defaults.
    if 2 <= level < 6:
        assert check.execute("SELECT DISTINCT recorded_by FROM new.acknowledgement"
                             ).fetchall() == [("",)]
    if level < 3:
        assert check.execute("SELECT DISTINCT small_sample FROM new.organisation"
                             ).fetchall() == [(30,)]
    # The recognition tally (migration 8) counts the records already there.
    if 2 <= level < 8:
        tally = ("SELECT employee_id, quarter_start, sum(received) FROM {db}.recognition_tally "
                 "GROUP BY ALL ORDER BY ALL")
        assert check.execute(tally.format(db="new")).fetchall() == \
            check.execute(tally.format(db="demo")).fetchall() != []
    # Each recipient row took its record's day and standing (migration 21).
    if 2 <= level < 21:
        days = ("SELECT rr.recognition_id, rr.employee_id, rr.given_on, rr.live "
                "FROM {db}.recognition_recipient rr ORDER BY ALL")
        assert check.execute(days.format(db="new")).fetchall() == \
            check.execute(days.format(db="demo")).fetchall() != []
    if 9 <= level < 12:  # "no reference" is NULL now, and the demo's complaints are there
        assert check.execute("SELECT count(*), count(reference) FROM new.complaint"
                             ).fetchone() == (counts["complaint"], 0) != (0, 0)
    check.close()


def test_a_ticket_held_twice_before_migration_12_keeps_its_number_once(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    old = duckdb.connect(str(path), config=CONNECT_CONFIG)
    db.applied_versions(old)
    for migration in available_migrations()[:11]:
        old.execute(migration.sql)
        old.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    [migration.version, migration.name])
    old.execute("INSERT INTO complaint (id, org_id, kind, reference, received_on, "
                "what_happened, recorded_by) VALUES (1, 7, 'complaint', 'HD-1', DATE "
                "'2026-10-01', 'a', 'x'), (2, 7, 'complaint', 'HD-1', DATE '2026-10-02', 'b', "
                "'x'), (3, 8, 'complaint', 'HD-1', DATE '2026-10-03', 'c', 'x'), (4, 7, "
                "'complaint', '', DATE '2026-10-04', 'd', 'x')")
    old.close()
    con = open_database(path)
    assert con.execute("SELECT id, reference FROM complaint ORDER BY id").fetchall() == [
        (1, "HD-1"), (2, "HD-1 (record 2)"), (3, "HD-1"), (4, None)]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO complaint (org_id, kind, reference, received_on, "
                    "what_happened, recorded_by) VALUES (7, 'complaint', 'HD-1', DATE "
                    "'2026-10-05', 'e', 'x')")
    con.close()


def test_there_is_a_level_for_every_earlier_migration() -> None:
    assert list(LEVELS) == [m.version for m in available_migrations()[:-1]]
