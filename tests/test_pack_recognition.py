"""The review pack's Recognition sheet: figures over every record, a capped log, a note.

A quarter can hold tens of thousands of recognitions; the pack carries the figures of
all of them and the latest ``LOG_LIMIT`` lines of the log, and says exactly how many it
leaves out and where they all are. The log's lines are those the Recognition page lists,
and only those who may see personal records get them.
"""

from __future__ import annotations

import io
import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from strategy.core import access
from strategy.core.access import AccessDenied, Role
from strategy.core.db import Connection, transaction
from strategy.core.orgs import Organisation, create_organisation
from strategy.core.periods import Quarter
from strategy.io.review_pack import LOG_LIMIT, build_pack, latest_log, recognition_by_month
from strategy.people import personnel, recognition
from strategy.service import standards, vision
from tests.identities import as_person

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

LAST = Quarter.current().shift(-1)
GIVERS = list(recognition.GIVER_KINDS)


def table_rows(ws: Any, name: str) -> list[dict[str, Any]]:
    first, last = ws.tables[name].ref.split(":")
    cells = list(ws[first:last])
    headings = [c.value for c in cells[0]]
    return [dict(zip(headings, (c.value for c in row), strict=True)) for row in cells[1:]]


def _setup(con: Connection, org: Organisation) -> tuple[list[int], int, int]:
    """Two teams of staff, one of them without a team; a value and a standard."""
    teams = [personnel.add_team(con, org.id, name) for name in ("Billing", "Aftercare")]
    staff = [personnel.add_employee(con, org.id, personnel.EmployeeInput(
        str(n), f"Person {n:02d}", teams[n % 2], date(2020, 1, 1))) for n in range(1, 13)]
    # Stored before a team was required: the log shows no team for them.
    con.execute("UPDATE employee SET team_id = NULL WHERE id IN (?, ?)", staff[4:6])
    value = vision.add_value(con, org.id, "Own it")
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Answer by the third ring", "Phone", "Responsiveness"))
    return staff, value, standard


def _generated(con: Connection, org: Organisation, count: int, seed: int = 7) -> None:
    """``count`` records over the quarter and either side of it: several recipients, days
    with many records (ties on the date), amounts and none, a few deleted."""
    staff, value, standard = _setup(con, org)
    rng = random.Random(seed)
    days = (LAST.end - LAST.start).days
    records = []
    for n in range(count):
        given = LAST.start + timedelta(days=rng.choice([0, 1, days // 2, days - 1, days,
                                                        rng.randrange(days + 1)]))
        if n % 9 == 0:
            given = LAST.start - timedelta(days=1 + n % 3)  # the quarter before
        records.append(recognition.RecognitionInput(
            rng.sample(staff, rng.choice([1, 1, 1, 2, 3])), given, f"Giver {n % 4}",
            rng.choice(GIVERS), f"Did thing {n}", rng.choice(["thanks", "voucher"]),
            rng.choice([None, 10.0, 25.5]), value_id=value if n % 3 else None,
            standard_id=standard if n % 3 == 0 or n % 4 == 0 else None))
    recognition.add_many(con, org.id, records, reason="generated")
    listed = recognition.list_recognitions(con, org.id, recognition.LogFilter(
        LAST.start, LAST.end))
    for gone in listed[::11]:
        recognition.delete_recognition(con, org.id, gone.id, reason="generated")


def _as_logged(r: recognition.Recognition) -> list[object]:
    """A record as the pack's log shows it (the pack's columns, the page's values)."""
    return [r.given_on, "; ".join(r.recipients), "; ".join(r.teams), r.giver,
            recognition.GIVER_KINDS[r.giver_kind], r.value, r.standard, r.what, r.reward,
            r.amount]


def test_the_pack_log_is_the_first_lines_of_the_page_log(con: Connection,
                                                         org: Organisation) -> None:
    _generated(con, org, 120)
    other = create_organisation(con, "Elsewhere")
    _generated(con, other, 30, seed=8)
    listed = recognition.list_recognitions(con, org.id, recognition.LogFilter(
        LAST.start, LAST.end))
    assert len(listed) > 60
    assert latest_log(con, org.id, LAST, None) == [_as_logged(r) for r in listed]
    for limit in (1, 7, 60):
        assert latest_log(con, org.id, LAST, limit) == [_as_logged(r) for r in listed[:limit]]


def test_the_monthly_figures_count_every_record(con: Connection, org: Organisation) -> None:
    _generated(con, org, 150)
    listed = recognition.list_recognitions(con, org.id, recognition.LogFilter(
        LAST.start, LAST.end))
    records: Counter[date] = Counter()
    recipients: dict[date | None, set[int]] = defaultdict(set)
    amounts: dict[date | None, float] = defaultdict(float)
    for r in listed:
        month = r.given_on.replace(day=1)
        records[month] += 1
        for key in (month, None):
            recipients[key].update(r.recipient_ids)
            amounts[key] += r.amount or 0
    figures = recognition_by_month(con, org.id, LAST)
    assert [f.month for f in figures] == [*sorted(records), None]
    for f in figures:
        assert f.recognitions == (records[f.month] if f.month else len(listed))
        assert f.people == len(recipients[f.month])
        assert f.amount == pytest.approx(amounts[f.month])


def _bulk(con: Connection, org: Organisation, count: int) -> None:
    """``count`` records in the quarter, straight into the tables (fast)."""
    staff, value, _ = _setup(con, org)
    with transaction(con):
        con.execute(
            """
            INSERT INTO recognition (org_id, given_on, giver, giver_kind, value_id, what,
                                     reward, amount, created_by)
            SELECT ?, CAST(? AS DATE) + CAST(i % 90 AS INTEGER), 'Bulk giver', 'peer', ?,
                   'Bulk recognition ' || i, 'points', 10, 'test'
            FROM range(?) t(i)
            """, [org.id, LAST.start, value, count])
        con.execute(
            """
            INSERT INTO recognition_recipient (recognition_id, org_id, employee_id, given_on)
            SELECT r.id, r.org_id, ?, r.given_on FROM recognition r WHERE r.org_id = ?
            """, [staff[0], org.id])


def test_a_quarter_over_the_limit_shows_the_latest_lines_and_says_how_many_are_left_out(
        con: Connection, org: Organisation) -> None:
    total = LOG_LIMIT + 234
    _bulk(con, org, total)
    book = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))
    ws = book["Recognition"]
    log = table_rows(ws, "RecognitionLog")
    assert len(log) == LOG_LIMIT
    listed = recognition.list_recognitions(con, org.id, recognition.LogFilter(
        LAST.start, LAST.end))
    assert [(r["Date"].date(), r["What was done"]) for r in log] == [
        (r.given_on, r.what) for r in listed[:LOG_LIMIT]]
    note = ws["A1"].value
    assert f"{total:,} recognitions in {LAST}" in note
    assert f"latest {LOG_LIMIT:,}" in note and "leaves out the other 234" in note
    assert f"back to {listed[LOG_LIMIT - 1].given_on:%Y-%m-%d}" in note
    assert "Recognition page" in note and "CSV" in note
    months = table_rows(ws, "RecognitionByMonth")
    assert months[-1]["Month"] == f"All of {LAST}"
    assert months[-1]["Recognitions"] == total and months[-1]["People recognised"] == 1
    assert sum(m["Recognitions"] for m in months[:-1]) == total
    assert months[-1]["Amount"] == pytest.approx(10 * total)
    assert table_rows(ws, "RecognitionByValue") == [
        {"Linked to": "Value", "Value or standard": "Own it", "Recognitions": total}]
    # Printed, the log's own heading repeats on every page after the figures'.
    header = int(ws.tables["RecognitionLog"].ref.split(":")[0].lstrip("A"))
    assert ws.print_title_rows == f"${header}:${header}"
    # What left the app is on the record, with how much of the log.
    detail = con.execute("SELECT detail FROM access_log WHERE event = 'download' "
                         "ORDER BY id DESC LIMIT 1").fetchone()
    assert detail is not None
    assert detail[0] == (f"review pack {LAST} with the recognition log "
                         f"({LOG_LIMIT:,} of {total:,} records)")


def test_a_quarter_within_the_limit_lists_every_record(con: Connection,
                                                       org: Organisation) -> None:
    _generated(con, org, 40)
    listed = recognition.list_recognitions(con, org.id, recognition.LogFilter(
        LAST.start, LAST.end))
    ws = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))["Recognition"]
    assert len(table_rows(ws, "RecognitionLog")) == len(listed)
    assert ws["A1"].value.startswith(f"{len(listed):,} recognitions in {LAST}. The figures "
                                     "count them all, and the log below lists every one.")
    # A smaller limit, as a caller may ask for, leaves out the rest and says so.
    ws = load_workbook(io.BytesIO(build_pack(con, org.id, LAST, log_limit=5)))["Recognition"]
    assert len(table_rows(ws, "RecognitionLog")) == 5
    assert f"leaves out the other {len(listed) - 5:,}" in ws["A1"].value


def test_the_log_and_its_lines_are_for_hr_only(con: Connection, org: Organisation) -> None:
    _generated(con, org, 30)
    names = {f"Person {n:02d}" for n in range(1, 13)}
    with as_person("Lee", org.id, Role.LEADER):
        with pytest.raises(AccessDenied):
            latest_log(con, org.id, LAST, 10)
        book = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))
        tables = {name for ws in book.worksheets for name in ws.tables}
        assert "RecognitionLog" not in tables and "RecognitionCounts" in tables
        cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
        assert not names & cells and not any("Did thing" in c for c in cells)
        assert recognition_by_month(con, org.id, LAST)[-1].recognitions > 0  # figures: yes
    with as_person("Cy", org.id, Role.CONTRIBUTOR), pytest.raises(AccessDenied):
        recognition_by_month(con, org.id, LAST)
    with as_person("Hana", org.id, Role.HR):
        assert access.current().may(access.Permission.HR_RECORDS, org.id)
        book = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))
        assert "RecognitionLog" in book["Recognition"].tables
