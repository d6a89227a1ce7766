"""The review pack, read back with openpyxl: sheets, values, charts, formats, safety."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from strategy import customers, measures, people, recognition, standards, vision
from strategy.db import Connection
from strategy.orgs import Organisation
from strategy.periods import Quarter
from strategy.review_pack import SHEETS, build_pack

ROOT = Path(__file__).resolve().parent.parent
LAST = Quarter.current().shift(-1)
# (Leading tabs and line breaks cannot reach a pack: entries are trimmed when saved.)
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "-2+3", "@cmd",
           "=1+1", "=Me"]


def workbook(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


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
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.tables, ws.title

    scorecard = book["Scorecard"]
    assert scorecard.freeze_panes == "A2"
    expected = {r.measure.name: r for r in measures.scorecard(con, demo.id, LAST)}
    rows = list(scorecard.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(expected)
    for name, _side, unit, direction, target, _band, actual, previous, change, status, _b in rows:
        row = expected[name]
        assert (unit, direction, target) == (row.measure.unit, row.measure.direction,
                                             row.measure.target)
        assert actual == pytest.approx(row.actual.value) if row.actual.value is not None \
            else actual is None
        assert previous == pytest.approx(row.previous) if row.previous is not None \
            else previous is None
        assert str(change).startswith("=IF(") and str(status).startswith("=IF(")
    rules = [rule for rng in scorecard.conditional_formatting for rule in rng.rules]
    assert {rule.formula[0] for rule in rules} == {'$J2="green"', '$J2="amber"', '$J2="red"'}

    assert len(book["Trends"]._charts) == 2
    log = book["Recognition"].tables["RecognitionLog"]
    first, last = log.ref.split(":")
    in_db = recognition.list_recognitions(con, demo.id, recognition.LogFilter(LAST.start,
                                                                              LAST.end))
    assert int(last[1:]) - int(first[1:]) == len(in_db)
    review = book["Review"]
    assert review["B1"].value == str(LAST)
    assert review["B3"].value == "closed by Executive team"
    summary = book["Summary"]
    assert summary["B2"].value == demo.name and summary["B3"].value == str(LAST)


def test_hostile_text_stays_text(con: Connection, org: Organisation) -> None:
    team = people.add_team(con, org.id, HOSTILE[3])
    employee = people.add_employee(con, org.id, people.EmployeeInput(
        "1", HOSTILE[0], team, date(2020, 1, 1)))
    value = vision.add_value(con, org.id, HOSTILE[1])
    for name in HOSTILE:
        customers.add_segment(con, org.id, customers.SegmentInput(name, "external",
                                                                  description=HOSTILE[2]))
    standards.add_standard(con, org.id, standards.StandardInput(HOSTILE[2], "Phone",
                                                                "Courtesy"))
    measures.add_measure(con, org.id, measures.MeasureInput(
        HOSTILE[1], "employee", "%", "higher", "quarterly", target=50))
    recognition.add_recognition(con, org.id, recognition.RecognitionInput(
        [employee], LAST.start, HOSTILE[4], "peer", HOSTILE[0], value_id=value), HOSTILE[5])
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
    def cells(data: bytes) -> list[tuple[str, str, object]]:
        return [(ws.title, cell.coordinate, cell.value) for ws in workbook(data).worksheets
                for row in ws.iter_rows() for cell in row]
    assert cells(build_pack(con, demo.id, LAST)) == cells(build_pack(con, demo.id, LAST))


def test_a_new_organisation_gives_a_pack_of_empty_tables(con: Connection,
                                                         org: Organisation) -> None:
    book = workbook(build_pack(con, org.id, LAST))
    assert book.sheetnames == SHEETS
    assert book["Scorecard"]["A2"].value == "(none)"
    assert book["Trends"]._charts == []


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_export_from_the_command_line(tmp_path: Path, demo_template: Path) -> None:
    out = tmp_path / "pack.xlsx"
    ok = run("export", "--db", str(demo_template), "--org", "Riverbend Water (demo)",
             "--period", str(LAST), "--out", str(out))
    assert ok.returncode == 0, ok.stderr
    assert workbook(out.read_bytes()).sheetnames == SHEETS
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
