"""The review pack, read back with openpyxl: sheets, values, charts, formats, safety."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation, create_organisation
from strategy.core.periods import Quarter
from strategy.customers import segments
from strategy.io.review_pack import SHEETS, Book, Column, build_pack, pack_file_name
from strategy.measures import reviews, scorecard
from strategy.people import personnel, recognition
from strategy.service import standards, vision
from tests.identities import act_as, as_person

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parent.parent
LAST = Quarter.current().shift(-1)
# (Leading tabs and line breaks cannot reach a pack: entries are trimmed when saved.)
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "-2+3", "@cmd",
           "=1+1", "=Me"]
# Sheets holding one long table, whose heading row is printed on every page.
ONE_TABLE = {"Scorecard", "Trends", "Standards & owners", "Training", "Recognition"}


def workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def table_rows(ws: Any, name: str) -> list[dict[str, Any]]:
    """The body of a named table, each row as {heading: value}."""
    first, last = ws.tables[name].ref.split(":")
    cells = list(ws[first:last])
    headings = [c.value for c in cells[0]]
    return [dict(zip(headings, (c.value for c in row), strict=True)) for row in cells[1:]]


@pytest.mark.demo
def test_the_demo_pack_holds_what_the_database_holds(con: Connection,
                                                     demo: Organisation) -> None:
    seen: list[float] = []
    data = build_pack(con, demo.id, LAST, progress=lambda share, _t: seen.append(share))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    book = workbook(data)
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        # One page wide (fitToWidth left out means 1), as many pages tall as it takes.
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.tables, ws.title

    # The demo's review of LAST is closed: the scorecard is the frozen one, which nothing
    # has changed since.
    review = reviews.find_review(con, demo.id, LAST)
    assert review is not None and review.snapshot is not None
    sheet = book["Scorecard"]
    assert sheet.freeze_panes == "A2"
    assert sheet["G1"].value == "Actual at the review"
    assert "Now" not in [c.value for c in sheet[1]]
    expected = {r.measure.name: r for r in scorecard.scorecard(con, demo.id, LAST)}
    frozen = {str(s["measure"]): s for s in review.snapshot}
    rows = list(sheet.iter_rows(min_row=2, max_row=len(expected) + 1, values_only=True))
    assert len(rows) == len(expected) == len(frozen)
    for name, _side, unit, direction, target, _band, actual, previous, change, status, _b in rows:
        row = expected[name]
        assert (unit, direction, target) == (row.measure.unit, row.measure.direction,
                                             row.measure.target)
        assert actual == pytest.approx(frozen[name]["actual"])
        assert actual == pytest.approx(row.actual.value) if row.actual.value is not None \
            else actual is None
        assert previous == pytest.approx(row.previous) if row.previous is not None \
            else previous is None
        assert str(change).startswith("=IF(") and str(status).startswith("=IF(")
    rules = [rule for rng in sheet.conditional_formatting for rule in rng.rules]
    assert {rule.formula[0] for rule in rules} == {'$J2="green"', '$J2="amber"', '$J2="red"'}

    assert len(book["Trends"]._charts) == 2
    in_db = recognition.list_recognitions(con, demo.id, recognition.LogFilter(LAST.start,
                                                                              LAST.end))
    assert len(table_rows(book["Recognition"], "RecognitionLog")) == len(in_db)
    review_sheet = book["Review"]
    assert review_sheet["B1"].value == str(LAST)
    assert review_sheet["B3"].value == "closed by Executive team"

    summary = book["Summary"]
    assert summary["B2"].value == demo.name and summary["B3"].value == str(LAST)
    counts = table_rows(summary, "StatusCounts")[0]
    assert counts["Measures"] == len(frozen)
    for status in scorecard.STATUSES:
        heading = status.capitalize()
        assert counts[heading] == sum(1 for s in frozen.values() if s["status"] == status)
    headline = {r["Measure"]: r for r in table_rows(summary, "Headline")}
    assert {n: (pytest.approx(r["Actual at the review"]), r["Status"])
            for n, r in headline.items()} == {n: (s["actual"], s["status"])
                                              for n, s in frozen.items()}
    assert [r["Of"] for r in headline.values()] == sorted(
        (r["Of"] for r in headline.values()), key=lambda side: side != "customer")
    steps = table_rows(summary, "Steps")
    assert [s["Step"] for s in steps] == list(range(1, 12))
    actions = table_rows(summary, "OpenActions")
    in_db_actions = reviews.list_actions(con, demo.id, only_open=True)
    assert [(a["Open action"], a["Owner"], a["Due"].date()) for a in actions] == [
        (a.description, a.owner, a.due) for a in in_db_actions]
    assert "SummaryCorrections" not in summary.tables


def _engagement(con: Connection, org: Organisation) -> int:
    return scorecard.add_measure(con, org.id, scorecard.MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", target=75, amber_band=5))


def _close(con: Connection, org: Organisation, quarter: Quarter) -> None:
    review = reviews.start_review(con, org.id, quarter)
    reviews.save_review(con, org.id, review.id, review.version, reviews.ReviewInput(
        quarter.end + timedelta(days=5), "Worked", "Did not", [], "Decided"),
        today=quarter.end + timedelta(days=10))
    reviews.close_review(con, org.id, review.id, today=quarter.end + timedelta(days=10))


def test_a_closed_quarter_shows_the_frozen_figures_and_the_corrections_since(
        con: Connection, org: Organisation) -> None:
    engagement = _engagement(con, org)
    scorecard.set_value(con, org.id, engagement, str(LAST), 74)
    scorecard.set_value(con, org.id, engagement, str(LAST), 76)  # before the close: no reason
    _close(con, org, LAST)
    act_as("Ana Ruiz")
    with pytest.raises(ValidationError):
        scorecard.set_value(con, org.id, engagement, str(LAST), 77)
    scorecard.set_value(con, org.id, engagement, str(LAST), 77,
                        reason="Late survey returns counted")
    scorecard.set_value(con, org.id, engagement, str(LAST.shift(1)), 78)  # another quarter

    book = workbook(build_pack(con, org.id, LAST))
    rows = table_rows(book["Scorecard"], "Scorecard")
    assert len(rows) == 1
    assert rows[0]["Actual at the review"] == 76  # what the review page shows
    assert rows[0]["Now"] == 77  # and what the figure is today, beside it
    assert str(rows[0]["Status"]).startswith("=IF(")  # still our live formula
    captions = [c.value for c in book["Scorecard"]["A"] if isinstance(c.value, str)]
    assert any("frozen" in c or "as it stood then" in c for c in captions)

    summary = book["Summary"]
    headline = table_rows(summary, "Headline")
    assert (headline[0]["Actual at the review"], headline[0]["Now"]) == (76, 77)
    assert table_rows(summary, "StatusCounts")[0]["Green"] == 1  # 76 ≥ 75 at the review
    corrections = table_rows(summary, "SummaryCorrections")
    assert len(corrections) == 1  # not the change before the close, nor another quarter's
    assert corrections[0]["Corrected since the review"] == f"Engagement {LAST}: 76 → 77"
    assert corrections[0]["Reason"] == "Late survey returns counted"
    assert corrections[0]["By"] == "Ana Ruiz"
    assert isinstance(corrections[0]["When"], datetime)
    on_review = table_rows(book["Review"], "Corrections")
    assert [(r["Corrected since the review"], r["Reason"], r["By"]) for r in on_review] == [
        (f"Engagement {LAST}: 76 → 77", "Late survey returns counted", "Ana Ruiz")]
    said = " ".join(str(c.value) for c in summary["B"] if isinstance(c.value, str))
    assert "1 change to" in said and "Now column" in said


def test_an_open_review_keeps_the_live_scorecard(con: Connection, org: Organisation) -> None:
    engagement = _engagement(con, org)
    scorecard.set_value(con, org.id, engagement, str(LAST), 76)
    reviews.start_review(con, org.id, LAST)
    scorecard.set_value(con, org.id, engagement, str(LAST), 77)
    book = workbook(build_pack(con, org.id, LAST))
    rows = table_rows(book["Scorecard"], "Scorecard")
    assert rows[0]["Actual"] == 77 and "Now" not in rows[0]
    assert "SummaryCorrections" not in book["Summary"].tables
    assert "Corrections" not in book["Review"].tables


def test_the_pack_file_name_carries_the_organisation_and_quarter() -> None:
    q4 = Quarter(2026, 4)
    assert pack_file_name("Acme Health", q4) == "Review pack - Acme Health - 2026-Q4.xlsx"
    nasty = pack_file_name('A/B\\C: "D" <E> | F? * G\x07\tH\n. ', q4)
    assert nasty == "Review pack - A B C D E F G H - 2026-Q4.xlsx"
    assert not set('<>:"/\\|?*') & set(nasty)
    long = pack_file_name("Riverbend " * 40, q4)
    assert len(long) <= 100 and long.endswith(" - 2026-Q4.xlsx") and "  " not in long
    assert pack_file_name("///", q4) == "Review pack - 2026-Q4.xlsx"
    assert pack_file_name("Café Müller & Söhne", q4) == (
        "Review pack - Café Müller & Söhne - 2026-Q4.xlsx")


@pytest.mark.demo
def test_the_training_figures_are_read_once_for_the_sheet_and_the_steps(
        con: Connection, demo: Organisation, training_reads: list[date]) -> None:
    """Step 7's status on the Summary and the Training sheet count the same figures on
    the same day: read once, and the sheet holds them."""
    from strategy.people import training
    from strategy.plan.steps import statuses

    book = workbook(build_pack(con, demo.id, LAST))
    on = min(LAST.end, date.today())
    assert training_reads == [on]
    expected = training.figures(con, demo.id, on)
    assert [(r["Team"], r["Module"], r["Passed"], r["Required"])
            for r in table_rows(book["Training"], "Training")] == \
        [(c.team, c.module, c.covered.part, c.covered.whole) for c in expected.coverage] != []
    assert statuses(con, demo.id, on, lambda _: expected) == statuses(con, demo.id, on)


def test_every_sheet_prints_with_a_header_footer_print_area_and_fitted_rows(
        con: Connection) -> None:
    org = create_organisation(con, "Smith & Sons")
    engagement = _engagement(con, org)
    scorecard.set_value(con, org.id, engagement, str(LAST), 76)
    segments.add_segment(con, org.id, segments.SegmentInput(
        "Households", "external", description="People who pay their own water bill, "
        "including tenants whose landlord passes the charge on, and everyone on a payment "
        "plan or a social tariff. " * 3))
    book = workbook(build_pack(con, org.id, LAST))
    for ws in book.worksheets:
        assert ws.oddHeader.left.text == "Smith && Sons", ws.title  # "&" escaped
        assert str(LAST) in ws.oddHeader.right.text
        assert ws.oddFooter.right.text == "Page &P of &N"
        assert ws.print_area, ws.title
        heading = "$1:$1" if ws.title in ONE_TABLE else None
        # Under the figures (or the line counting them): the table's own heading repeats.
        for long_table in ("RecognitionLog", "OpenComplaints"):
            if long_table in ws.tables:
                top = ws.tables[long_table].ref.split(":")[0].lstrip("A")
                heading = f"${top}:${top}"
        assert ws.print_title_rows == heading, ws.title
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.data_type == "f":
                    continue
                assert cell.alignment.wrap_text, (ws.title, cell.coordinate)
                height = ws.row_dimensions[cell.row].height
                assert height is not None, (ws.title, cell.coordinate)
                # A rough bound of our own: Arial 10 fits at most ~1.5 characters per unit
                # of column width, and a line needs 12 points.
                spans = [r for r in ws.merged_cells.ranges if cell.coordinate in r]
                columns = range(cell.column, (spans[0].max_col if spans else cell.column) + 1)
                width = sum(ws.column_dimensions[chr(64 + c)].width or 8.43 for c in columns)
                lines = sum(math.ceil(max(len(p), 1) / (1.5 * width))
                            for p in cell.value.split("\n"))
                assert height >= 12 * lines, (ws.title, cell.coordinate, cell.value)
    description = next(c for c in book["Customers"]["H"] if c.value and len(c.value) > 100)
    assert book["Customers"].row_dimensions[description.row].height > 60


def test_a_stray_control_character_in_stored_text_does_not_break_the_pack(
        con: Connection, org: Organisation) -> None:
    segments.add_segment(con, org.id, segments.SegmentInput("Households", "external"))
    review = reviews.start_review(con, org.id, LAST)
    # Stored before validation caught such characters, or written by another tool.
    con.execute("UPDATE segment SET name = ?, description = ? WHERE org_id = ?",
                ["House\x01holds", "a\x0bb\x1fc", org.id])
    con.execute("UPDATE review SET what_worked = ? WHERE id = ?",
                ["=\x08Phones\x02 answered", review.id])
    book = workbook(build_pack(con, org.id, LAST))
    assert table_rows(book["Customers"], "Segments")[0]["Segment"] == "Households"
    assert table_rows(book["Customers"], "Segments")[0]["Description"] == "abc"
    worked = book["Review"]["B4"]
    assert worked.value == "=Phones answered"
    assert worked.data_type == "s" and worked.quotePrefix  # still text after cleaning


def test_hostile_text_stays_text(con: Connection, org: Organisation) -> None:
    team = personnel.add_team(con, org.id, HOSTILE[3])
    employee = personnel.add_employee(con, org.id, personnel.EmployeeInput(
        "1", HOSTILE[0], team, date(2020, 1, 1)))
    value = vision.add_value(con, org.id, HOSTILE[1])
    for name in HOSTILE:
        segments.add_segment(con, org.id, segments.SegmentInput(name, "external",
                                                                description=HOSTILE[2]))
    standards.add_standard(con, org.id, standards.StandardInput(HOSTILE[2], "Phone",
                                                                "Courtesy"))
    scorecard.add_measure(con, org.id, scorecard.MeasureInput(
        HOSTILE[1], "employee", "%", "higher", "quarterly", target=50))
    with as_person(HOSTILE[5]):  # the recorder's name travels into the pack too
        recognition.add_recognition(con, org.id, recognition.RecognitionInput(
            [employee], LAST.start, HOSTILE[4], "peer", HOSTILE[0], value_id=value))
    book = workbook(build_pack(con, org.id, LAST))
    texts = {ws.cell(row=r, column=c).value for ws in book.worksheets
             for r in range(1, ws.max_row + 1) for c in range(1, ws.max_column + 1)}
    assert set(HOSTILE) <= texts
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    # Only our own scorecard formulas, in the Change and Status columns.
                    assert ws.title == "Scorecard" and cell.column_letter in "IJ", cell
                if isinstance(cell.value, str) and cell.value in HOSTILE:
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell)


@pytest.mark.demo
def test_building_twice_gives_the_same_cells(con: Connection, demo: Organisation) -> None:
    def cells(data: bytes) -> list[tuple[str, str, object, object]]:
        book = workbook(data)
        return [(ws.title, cell.coordinate, cell.value, ws.row_dimensions[cell.row].height)
                for ws in book.worksheets for row in ws.iter_rows() for cell in row] + [
            (ws.title, letter, dimension.width, ws.print_area)
            for ws in book.worksheets for letter, dimension in ws.column_dimensions.items()]
    assert cells(build_pack(con, demo.id, LAST)) == cells(build_pack(con, demo.id, LAST))


def test_a_new_organisation_gives_a_pack_of_empty_tables(con: Connection,
                                                         org: Organisation) -> None:
    book = workbook(build_pack(con, org.id, LAST))
    assert book.sheetnames == SHEETS
    assert book["Scorecard"]["A2"].value == "(none)"
    assert book["Trends"]._charts == []
    for ws in book.worksheets:  # the print area holds every cell, text across cells too
        last = ws.print_area.split(":")[-1]
        last_col = column_index_from_string(last.lstrip("$").rstrip("0123456789").rstrip("$"))
        assert last_col >= ws.max_column, ws.title
        assert all(r.max_col <= last_col for r in ws.merged_cells.ranges), ws.title


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_export_from_the_command_line(tmp_path: Path, demo_template: Path) -> None:
    out = tmp_path / "pack.xlsx"
    ok = run("export", "--db", str(demo_template), "--org", "Riverbend Water (demo)",
             "--period", str(LAST), "--out", str(out))
    assert ok.returncode == 0, ok.stderr
    assert workbook(out.read_bytes()).sheetnames == SHEETS
    named = run("export", "--db", str(demo_template), "--org", "Riverbend Water (demo)",
                "--period", str(LAST), cwd=tmp_path)
    assert named.returncode == 0, named.stderr
    default = tmp_path / f"Review pack - Riverbend Water (demo) - {LAST}.xlsx"
    assert default.name == pack_file_name("Riverbend Water (demo)", LAST)
    assert workbook(default.read_bytes()).sheetnames == SHEETS
    for args, message in (
            (["--org", "Nobody", "--period", str(LAST)], "There is no organisation called"),
            (["--org", "Riverbend Water (demo)", "--period", "2026-Q9"], "is not a quarter"),
    ):
        bad = run("export", "--db", str(demo_template), *args, "--out", str(out))
        assert bad.returncode == 1 and message in bad.stderr and "Traceback" not in bad.stderr
    missing = run("export", "--db", str(demo_template))
    assert missing.returncode == 2 and "--org" in missing.stderr
    wrong = run("export", "--db", str(demo_template), "--org", "Riverbend Water (demo)",
                "--period", str(LAST), "--out", str(tmp_path / "pack.csv"))
    assert wrong.returncode == 1 and "should end in .xlsx" in wrong.stderr


def test_headings_that_differ_only_in_case_still_make_a_table() -> None:
    book = Book("Org", LAST, date(2026, 12, 1))
    ws = book.sheet("Summary")
    book.table(ws, "Figures", 1, [Column("NPS"), Column("nps"), Column("Nps", 8, "0.0")],
               [[1, 2, Decimal("2.5")]])
    sheet = workbook(book.save())["Summary"]
    assert table_rows(sheet, "Figures") == [{"NPS": 1, "nps (2)": 2, "Nps (3)": 2.5}]
    assert sheet["C2"].number_format == "0.0"


def test_trends_carry_every_measure_with_data_and_summary_groups_the_empty_ones(
        con: Connection, org: Organisation) -> None:
    """A young plan: the suggested measures, eight quarters of Customer retention only."""
    scorecard.add_starting_set(con, org.id)
    retention = next(m.id for m in scorecard.list_measures(con, org.id)
                     if m.name == "Customer retention")
    for back in range(8):
        scorecard.set_value(con, org.id, retention, str(LAST.shift(-back)), 90 + back % 3)
    defined = [m.name for m in scorecard.list_measures(con, org.id)]

    book = workbook(build_pack(con, org.id, LAST))
    trends = book["Trends"]
    rows = table_rows(trends, "Trends")
    assert list(rows[0]) == ["Quarter", "Customer retention (%)"]
    assert [r["Customer retention (%)"] for r in rows] == [
        90 + back % 3 for back in range(7, -1, -1)]
    (chart,) = trends._charts  # the customer chart only: no employee measure has data
    assert [s.val.numRef.f for s in chart.series] == ["Trends!$B$2:$B$9"]
    said = " ".join(str(c.value) for c in trends["A"] if isinstance(c.value, str))
    empty = [n for n in defined if n != "Customer retention"]
    assert f"No values in {LAST.shift(-7)} – {LAST} for: {', '.join(empty)}." in said

    headline = table_rows(book["Summary"], "Headline")
    assert len(headline) == 2  # the measure with data, and one line for the rest
    assert headline[0]["Measure"] == "Customer retention"
    customers_first = sorted(empty, key=lambda n: next(
        m.side != "customer" for m in scorecard.list_measures(con, org.id) if m.name == n))
    assert headline[1]["Measure"] == (f"No data for {LAST} ({len(empty)}): "
                                      + ", ".join(customers_first))
    assert headline[1]["Status"] == "no data"
    counts = table_rows(book["Summary"], "StatusCounts")[0]
    # Complaints has no target yet in a new organisation: counted as such, grouped too.
    assert (counts["Measures"], counts["No data"], counts["No target"]) == (
        len(defined), len(empty) - 1, 1)
