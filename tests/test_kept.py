"""Results kept between readings (strategy.core.kept): step 7's training pairs, kept in
a table on PostgreSQL and made again after any committed change to what they are made
from; worked out at each reading on DuckDB. Either way the figures are those of the
reference, which counts every pair in Python, after every kind of change."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from strategy.core import pg
from strategy.core.db import Connection
from strategy.core.kept import TRACKED_TABLES, Kept
from strategy.core.orgs import Organisation, create_organisation
from strategy.core.pg import PgConnection
from strategy.people import personnel, training
from strategy.people.personnel import EmployeeInput
from tests import reference

TODAY = date(2026, 11, 22)
LATER = date(2027, 6, 1)
# A name from the code (checked by Kept), written into the SQL as a name; values are
# parameters.
KEPT = training.TRAINING_PAIRS.table


def _hire(con: Connection, org: Organisation, number: str, name: str, team: int | None,
          hired: date, role: str = "Adviser") -> int:
    return personnel.add_employee(con, org.id, EmployeeInput(number, name, team, hired, role),
                                  today=TODAY)


def _the_same_as_the_reference(con: Connection, org: Organisation) -> None:
    for on in (TODAY, LATER):
        assert training.figures(con, org.id, on).rows == reference.training_figures(
            con, org.id, on)
        assert training.overdue(con, org.id, on) == reference.overdue(con, org.id, on)
    days = [date(2026, 3, 31), TODAY, LATER]
    whole = [sum(r[2] for r in reference.training_figures(con, org.id, d)) for d in days]
    assert [rate.part for rate in training.coverage_series(con, org.id, days)] == whole


def _kept_rows(con: Connection, org: Organisation) -> int | None:
    """How many of the organisation's pairs PostgreSQL keeps (None: none made)."""
    made = con.execute("SELECT 1 FROM strategy_kept_built WHERE kept = ? AND org_id = ?",
                       [KEPT, org.id]).fetchone()
    if made is None:
        return None
    row = con.execute(f"SELECT count(*) FROM {KEPT} WHERE org_id = ?", [org.id]).fetchone()
    return int(row[0]) if row else 0


def _one_required(con: Connection, name: str) -> tuple[Organisation, int, int]:
    """An organisation where Ann must take the telephone module: (it, Ann, the module)."""
    org = create_organisation(con, name)
    team = personnel.add_team(con, org.id, "Desk")
    ann = _hire(con, org, "1", "Ann", team, date(2020, 1, 1))
    module = training.add_module(con, org.id, "Telephone skills")
    training.set_requirements(con, org.id, module, [team], [])
    return org, ann, module


@pytest.mark.both_databases
def test_training_figures_follow_every_change_to_what_they_are_made_from(
        con: Connection, org: Organisation, database: str) -> None:
    desk = personnel.add_team(con, org.id, "Desk")
    field = personnel.add_team(con, org.id, "Field")
    temporary = personnel.add_team(con, org.id, "Temporary")
    ann = _hire(con, org, "1", "Ann", desk, date(2020, 1, 1))
    bob = _hire(con, org, "2", "Bob", desk, date(2026, 10, 1))
    cy = _hire(con, org, "3", "Cy", field, date(2021, 1, 1), "Engineer")
    eve = _hire(con, org, "5", "Eve", temporary, date(2026, 1, 1))
    phone = training.add_module(con, org.id, "Telephone skills", due_within_days=30)
    safety = training.add_module(con, org.id, "Safety", due_within_days=60)
    training.set_requirements(con, org.id, phone, [desk], [])
    _the_same_as_the_reference(con, org)
    kept_before = _kept_rows(con, org) if database == "postgres" else None
    if database == "postgres":
        assert kept_before == 2  # Ann and Bob must take the telephone module

    changes: list[Callable[[], object]] = [
        # A completion passed, one failed, one passed later by someone else.
        lambda: training.record_completion(con, org.id, phone, [ann], date(2026, 3, 1),
                                           True, today=TODAY),
        lambda: training.record_completion(con, org.id, phone, [bob], date(2026, 11, 1),
                                           False, today=TODAY),
        # A role required in every team, from a date.
        lambda: training.set_requirements(con, org.id, safety, [], ["engineer"],
                                          since=date(2026, 9, 1)),
        # Someone hired, someone moving team and role, someone leaving.
        lambda: _hire(con, org, "4", "Dee", field, date(2026, 11, 1), "Engineer"),
        lambda: personnel.update_employee(
            con, org.id, bob, 1, EmployeeInput("2", "Bob", field, date(2026, 10, 1),
                                               "Engineer"), today=TODAY),
        lambda: personnel.update_employee(
            con, org.id, cy, 1, EmployeeInput("3", "Cy", field, date(2021, 1, 1), "Engineer",
                                              leave_date=date(2026, 11, 20),
                                              leave_kind="voluntary"), today=TODAY),
        # A team required to take a module, then gone with its requirement.
        lambda: training.set_requirements(con, org.id, safety, [temporary], ["engineer"]),
        lambda: personnel.update_employee(
            con, org.id, eve, 1, EmployeeInput("5", "Eve", desk, date(2026, 1, 1)),
            today=TODAY),
        lambda: personnel.delete_team(con, org.id, temporary),
        # A module gone, with its requirements and completions.
        lambda: training.delete_module(con, org.id, phone),
    ]
    for change in changes:
        change()
        _the_same_as_the_reference(con, org)
    if database == "postgres":
        # Counted from the kept rows, made again: the engineers must take safety (Bob
        # and Dee, and Cy, who has left but counts on the days before).
        assert _kept_rows(con, org) == 3


def test_a_change_committed_by_another_server_is_counted_at_the_next_reading(
        pg_con: PgConnection) -> None:
    org, ann, module = _one_required(pg_con, "Two servers")
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    other = PgConnection(pg_con.url)
    try:
        training.record_completion(other, org.id, module, [ann], date(2026, 5, 1), True,
                                   today=TODAY)
    finally:
        other.close()
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
    assert _kept_rows(pg_con, org) == 1


def test_a_change_committed_while_the_rows_are_made_is_not_lost(pg_con: PgConnection) -> None:
    """A write not yet committed when the rows are made is not in them; once committed,
    the next reading makes them again. (A flag set by the write and cleared by the
    making would be cleared here with the write left out.)"""
    org, ann, module = _one_required(pg_con, "Slow writer")
    writer = PgConnection(pg_con.url)
    try:
        writer.execute("BEGIN TRANSACTION")
        writer.execute("INSERT INTO training_completion (org_id, module_id, employee_id, "
                       "completed_on, passed) VALUES (?, ?, ?, ?, true)",
                       [org.id, module, ann, date(2026, 5, 1)])
        assert training.figures(pg_con, org.id, TODAY).overall.part == 0
        assert _kept_rows(pg_con, org) == 1
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1


def test_inside_a_transaction_the_figures_count_its_own_writes(pg_con: PgConnection) -> None:
    org, ann, module = _one_required(pg_con, "Own writes")
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    pg_con.execute("BEGIN TRANSACTION")
    pg_con.execute("INSERT INTO training_completion (org_id, module_id, employee_id, "
                   "completed_on, passed) VALUES (?, ?, ?, ?, true)",
                   [org.id, module, ann, date(2026, 5, 1)])
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
    pg_con.execute("ROLLBACK")
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0


def test_emptying_a_table_makes_every_organisation_count_again(pg_con: PgConnection) -> None:
    """A restore empties every table (TRUNCATE, which notes no rows) and fills it again."""
    counted = []
    for name in ("North", "South"):
        org, ann, module = _one_required(pg_con, name)
        training.record_completion(pg_con, org.id, module, [ann], date(2026, 5, 1), True,
                                   today=TODAY)
        assert training.figures(pg_con, org.id, TODAY).overall.part == 1
        counted.append(org)
    pg_con.execute("TRUNCATE training_completion")
    for org in counted:
        assert training.figures(pg_con, org.id, TODAY).overall.part == 0


def test_readers_at_once_make_the_rows_once(pg_con: PgConnection,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    org = create_organisation(pg_con, "Crowd")
    team = personnel.add_team(pg_con, org.id, "Desk")
    for number in range(1, 31):
        _hire(pg_con, org, str(number), f"Person {number}", team, date(2020, 1, 1))
    module = training.add_module(pg_con, org.id, "Telephone skills")
    training.set_requirements(pg_con, org.id, module, [team], [])
    expected = reference.training_figures(pg_con, org.id, TODAY)
    made: list[int] = []
    remake = PgConnection._remake

    def counted(self: PgConnection, kept: Kept, org_id: int) -> None:
        made.append(org_id)
        remake(self, kept, org_id)

    monkeypatch.setattr(PgConnection, "_remake", counted)
    found: list[Any] = []
    start = threading.Barrier(6)

    def read() -> None:
        cursor = pg_con.cursor()
        try:
            start.wait(10)
            found.append(training.figures(cursor, org.id, TODAY).rows)
        finally:
            cursor.close()

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(30)
    assert found == [expected] * 6
    assert made == [org.id]  # the others waited, then found them made


def _made_in(con: Connection, org: Organisation) -> str:
    row = con.execute("SELECT CAST(snapshot AS VARCHAR) FROM strategy_kept_built "
                      "WHERE kept = ? AND org_id = ?", [KEPT, org.id]).fetchone()
    assert row is not None
    return str(row[0])


def test_rows_are_made_again_only_after_a_change_of_their_organisation(
        pg_con: PgConnection) -> None:
    org, ann, module = _one_required(pg_con, "Steady")
    other, bo, theirs = _one_required(pg_con, "Other")
    training.figures(pg_con, org.id, TODAY)
    made = _made_in(pg_con, org)
    training.figures(pg_con, org.id, LATER)
    training.coverage_series(pg_con, org.id, [TODAY, LATER])
    training.record_completion(pg_con, other.id, theirs, [bo], date(2026, 5, 1), True,
                               today=TODAY)
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    assert _made_in(pg_con, org) == made
    training.record_completion(pg_con, org.id, module, [ann], date(2026, 5, 1), True,
                               today=TODAY)
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
    assert _made_in(pg_con, org) != made


def test_rows_brought_from_another_cluster_are_made_again_here(pg_con: PgConnection) -> None:
    """A dump restored into a new cluster brings the kept rows and their snapshot, whose
    transaction numbers are the old cluster's: often far ahead of the new one's, so that
    every change here would look older than the rows."""
    org, ann, module = _one_required(pg_con, "Moved")
    training.figures(pg_con, org.id, TODAY)
    pg_con.execute("UPDATE strategy_kept_built SET snapshot = "
                   "CAST('90000000:90000000:' AS pg_snapshot)")
    pg_con.execute("INSERT INTO strategy_kept_change (table_name, org_id, xid) "
                   "VALUES ('training_completion', ?, CAST('90000005' AS xid8))", [org.id])
    training.record_completion(pg_con, org.id, module, [ann], date(2026, 5, 1), True,
                               today=TODAY)
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
    # The old cluster's note is gone with the remaking: not made again at every reading.
    assert pg_con.execute("SELECT count(*) FROM strategy_kept_change WHERE "
                          "xid >= CAST('90000000' AS xid8)").fetchone() == (0,)
    made = _made_in(pg_con, org)
    training.figures(pg_con, org.id, TODAY)
    assert _made_in(pg_con, org) == made


def test_a_making_that_fails_lets_go_and_the_reading_counts_in_full(
        pg_con: PgConnection, caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace

    org, _, _ = _one_required(pg_con, "Failing")
    broken = replace(training.TRAINING_PAIRS, table="strategy_kept_broken_1",
                     query="SELECT no_such_column AS employee_id FROM employee")
    with caplog.at_level(logging.WARNING, logger="strategy.core.pg"):
        assert pg_con.keep(broken, org.id) is False
    assert "worked out in full" in caplog.text
    assert pg_con.url not in pg._not_kept  # a fault of this result, not of the database
    other = PgConnection(pg_con.url)
    try:  # the lock was let go: another server can make rows
        assert other.execute("SELECT pg_try_advisory_lock(?)", [pg._KEPT_LOCK]
                             ).fetchone() == (True,)
    finally:
        other.close()
    assert training.figures(pg_con, org.id, TODAY).overall.whole == 1


def test_where_changes_are_not_noted_the_figures_are_worked_out_in_full(
        pg_con: PgConnection, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """As on a PostgreSQL older than 13, where the notes cannot be made."""
    monkeypatch.setattr(pg, "_not_kept", set())
    org, ann, module = _one_required(pg_con, "Unnoted")
    for table in TRACKED_TABLES:
        for name in pg._change_triggers(table):
            pg_con._raw(f"DROP TRIGGER {name} ON {table}")
    pg_con._raw("DROP TABLE strategy_kept_built")
    with caplog.at_level(logging.WARNING, logger="strategy.core.pg"):
        assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    assert "worked out in full" in caplog.text
    training.record_completion(pg_con, org.id, module, [ann], date(2026, 5, 1), True,
                               today=TODAY)
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
    assert pg_con.url in pg._not_kept


def test_the_kept_tables_are_no_part_of_the_apps_schema(pg_con: PgConnection) -> None:
    """Not compared with DuckDB's, not backed up, not restored: made from the rest."""
    org = create_organisation(pg_con, "Schema")
    training.figures(pg_con, org.id, TODAY)
    assert pg_con.execute("SELECT to_regclass(?) IS NOT NULL", [KEPT]).fetchone() == (True,)
    assert not [t for t in pg_con.tables() if t.startswith("strategy_kept_")]


def test_a_kept_result_has_plain_names_for_sql() -> None:
    with pytest.raises(ValueError, match="not a plain name"):
        Kept("strategy_kept_x; DROP TABLE employee", (("team_id", "BIGINT"),), (),
             "SELECT 1 AS team_id")
    with pytest.raises(ValueError, match="not a plain name"):
        Kept("strategy_kept_example_1", (('a" text, "b', "BIGINT"),), (), "SELECT 1")


def test_a_kept_result_reads_only_tables_whose_changes_are_noted() -> None:
    with pytest.raises(ValueError, match="not noted: team"):
        Kept("strategy_kept_example_1", (("team_id", "BIGINT"),), ("employee", "team"),
             "SELECT id AS team_id FROM team WHERE org_id = $org")
    assert set(training.TRAINING_PAIRS.reads) <= set(TRACKED_TABLES)


def test_an_organisation_deleted_takes_no_kept_rows_with_it_and_leaves_none(
        pg_con: PgConnection) -> None:
    from strategy.core import orgs

    gone, _, _ = _one_required(pg_con, "Gone")
    staying, _, _ = _one_required(pg_con, "Staying")
    training.figures(pg_con, gone.id, TODAY)
    assert _kept_rows(pg_con, gone) == 1
    # What deleting it would remove is its own records, not PostgreSQL's kept rows.
    assert not [noun for noun in orgs.deletion_summary(pg_con, gone.id) if "kept" in noun]
    orgs.delete_organisation(pg_con, gone.id)
    # The next making of any organisation's rows drops those of one gone.
    training.figures(pg_con, staying.id, TODAY)
    assert pg_con.execute(f"SELECT count(*) FROM {KEPT} WHERE org_id = ?", [gone.id]
                          ).fetchone() == (0,)
    assert _kept_rows(pg_con, gone) is None


def test_a_trigger_made_again_at_start_makes_every_kept_result_again(
        pg_con: PgConnection) -> None:
    """Changes made while a trigger was missing (an upgrade that makes a table anew) or
    turned off were not noted: the start that puts it back counts them."""
    org, ann, module = _one_required(pg_con, "Upgraded")
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    pg_con._raw("DROP TRIGGER strategy_kept_training_completion_insert "
                "ON training_completion")
    training.record_completion(pg_con, org.id, module, [ann], date(2026, 5, 1), True,
                               today=TODAY)
    pg.open_postgres(pg_con.url).close()
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
    pg_con._raw("ALTER TABLE training_completion DISABLE TRIGGER "
                "strategy_kept_training_completion_delete")
    pg_con.execute("DELETE FROM training_completion")
    pg.open_postgres(pg_con.url).close()
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0


def test_bookkeeping_dropped_is_made_again_at_start_and_writes_go_on(
        pg_con: PgConnection) -> None:
    """Someone took the strategy_kept_ tables for a cache and dropped them: the next
    start makes them again (the triggers write to them), and a kept table dropped
    under its record is made again at the next reading, not an error."""
    org, ann, module = _one_required(pg_con, "Dropped")
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    pg_con._raw(f"DROP TABLE {KEPT}")
    assert training.figures(pg_con, org.id, TODAY).overall.part == 0
    pg_con._raw("DROP TABLE strategy_kept_change")
    pg.open_postgres(pg_con.url).close()
    training.record_completion(pg_con, org.id, module, [ann], date(2026, 5, 1), True,
                               today=TODAY)
    assert training.figures(pg_con, org.id, TODAY).overall.part == 1
