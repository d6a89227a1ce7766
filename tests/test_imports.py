"""Imports from templates and CSV: round trips through the review pack, and a corpus of
bad files each refused with a clear message and nothing written."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from strategy.core.db import Connection
from strategy.core.errors import StrategyError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.io.imports import KINDS, SHEETS, TEMPLATES, ImportRejected, run_import, template
from strategy.io.review_pack import build_pack
from strategy.io.tabular import MAX_BYTES
from strategy.measures import scorecard
from strategy.measures.scorecard import MeasureInput
from strategy.people import personnel, recognition
from strategy.service import vision

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
Q3 = Quarter(2026, 3)


def filled(kind: str, rows: list[list[Any]]) -> bytes:
    """The template with its example row replaced by ``rows``, as a person fills it."""
    book = load_workbook(io.BytesIO(template(kind)))
    sheet = book[SHEETS[kind]]
    sheet.delete_rows(2)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv(headers: list[str], rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in [headers, *rows]).encode()


@pytest.fixture
def setup(con: Connection, org: Organisation) -> dict[str, int]:
    team = personnel.add_team(con, org.id, "Desk")
    value = vision.add_value(con, org.id, "Own it")
    engagement = scorecard.add_measure(con, org.id, MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", target=75, amber_band=5))
    complaints = scorecard.add_measure(con, org.id, MeasureInput(
        "Written complaints", "customer", "count", "lower", "quarterly", target=2000))
    scorecard.add_measure(con, org.id, MeasureInput(
        "NPS", "customer", "NPS points", "higher", "quarterly", "survey", "nps", 30, 10))
    return {"team": team, "value": value, "engagement": engagement, "complaints": complaints}


def counts(con: Connection) -> tuple[int, ...]:
    tables = ("employee", "measure_value", "survey_response", "recognition", "team")
    return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                 for t in tables)


def test_templates_have_headings_notes_examples_and_lists() -> None:
    for kind in KINDS:
        book = load_workbook(io.BytesIO(template(kind)))
        assert book.sheetnames == [SHEETS[kind], "Notes"]
        sheet = book[SHEETS[kind]]
        headers = [c.value for c in sheet[1]]
        assert headers == [c.header for c in TEMPLATES[kind]]
        assert all(c.comment is not None for c in sheet[1])
        assert any(v is not None for v in next(sheet.iter_rows(min_row=2, values_only=True)))
        lists = {dv.formula1 for dv in sheet.data_validations.dataValidation}
        assert lists == {'"' + ",".join(c.choices) + '"' for c in TEMPLATES[kind] if c.choices}


def test_round_trip_every_template_through_the_review_pack(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    run = run_import
    assert run(con, org.id, "employees", "staff.xlsx", filled("employees", [
        ["E1", "Ann Lee", "Desk", "Adviser", None, date(2020, 1, 6), None, None, None],
        ["E2", "Bob Cho", "Desk", "Adviser", "E1", date(2026, 8, 3), None, None, None],
        ["E3", "Cy Diaz", "Desk", "Adviser", "E1", date(2021, 2, 1), date(2026, 9, 30),
         "voluntary", "Moved away"]]), today=TODAY) == 3
    assert run(con, org.id, "measures", "values.xlsx", filled("measures", [
        ["Engagement", "2026-Q3", 71.5, None],
        ["Written complaints", "2026-Q3", "1,240", None]]), today=TODAY) == 2
    assert run(con, org.id, "responses", "nps.xlsx", filled("responses", [
        [date(2026, 8, 1), 10, None], [date(2026, 8, 2), 9, None], [date(2026, 8, 3), 3, None],
        [date(2026, 8, 4), None, None]]), survey="nps", today=TODAY) == 4
    assert run(con, org.id, "recognition", "kudos.xlsx", filled("recognition", [
        [date(2026, 9, 2), "E1; E2", "Team leader", "manager", "Own it", None,
         "Stayed late for a customer", "voucher", 25]]), today=TODAY) == 1

    book = load_workbook(io.BytesIO(build_pack(con, org.id, Q3, today=TODAY)))
    scorecard = {row[0]: row for row in book["Scorecard"].iter_rows(min_row=2, values_only=True)}
    assert scorecard["Engagement"][6] == 71.5
    assert scorecard["Written complaints"][6] == 1240
    assert scorecard["NPS"][6] == pytest.approx(100 * (2 - 1) / 3)
    workforce = {row[0]: row for row in book["People"].iter_rows(min_row=2, max_row=3,
                                                                 values_only=True)}
    # Desk in Q3: opening Ann and Cy, Bob hired, Cy left on the last day.
    assert workforce["Desk"][1:6] == (2, 1, 1, 0, 2)
    log = list(book["Recognition"].iter_rows(values_only=True))
    kudos = [row for row in log if row and row[7] == "Stayed late for a customer"]
    assert kudos and kudos[0][1] == "Ann Lee; Bob Cho" and kudos[0][9] == 25


def test_a_csv_with_the_template_columns_is_accepted(con: Connection, org: Organisation,
                                                     setup: dict[str, int]) -> None:
    data = csv(["Measure", "Period", "Value", "Team or segment"],
               [["Engagement", "2026-Q2", "70", "Desk"]])
    assert run_import(con, org.id, "measures", "values.csv", data, today=TODAY) == 1
    scope = f"team:{setup['team']}"
    assert scorecard.entered_values(con, org.id, setup["engagement"], scope) == {"2026-Q2": 70.0}


def _two_sheets() -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Sheet A"
    first.append(["Measure", "Period", "Value"])
    first.append(["Engagement", "2026-Q3", 70])
    second = book.create_sheet("Sheet B")
    second.append(["Measure", "Period", "Value"])
    second.append(["Engagement", "2026-Q2", 71])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _merged() -> bytes:
    book = load_workbook(io.BytesIO(filled("measures", [["Engagement", "2026-Q3", 70, None]])))
    book[SHEETS["measures"]].merge_cells("A2:B2")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _formula() -> bytes:
    return filled("measures", [["Engagement", "2026-Q3", "=60+10", None]])


BadFile = tuple[str, str, Callable[[], bytes], str, dict[str, str]]
CORPUS: list[BadFile] = [
    ("not a spreadsheet", "photo.png", lambda: b"\x89PNG\r\n", "not a CSV or Excel", {}),
    ("password-protected", "locked.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 8
     + "EncryptedPackage".encode("utf-16-le"), "password-protected", {}),
    ("old .xls renamed .xlsx", "renamed.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 8
     + "Workbook".encode("utf-16-le"), "old Excel 97–2003 workbook (.xls) with a .xlsx", {}),
    ("corrupt workbook", "broken.xlsx", lambda: b"PK\x03\x04garbage", "not a readable Excel", {}),
    ("old Excel format", "old.xls", lambda: b"\xd0\xcf\x11\xe0", "old-style Excel file", {}),
    ("empty file", "empty.csv", lambda: b"", "empty.csv is empty", {}),
    ("headings only", "values.csv", lambda: b"Measure,Period,Value\n", "no rows to import", {}),
    ("over the upload limit", "huge.csv", lambda: b"x" * (MAX_BYTES + 1), "the limit is", {}),
    ("spreadsheet saved as .csv", "renamed.csv", lambda: template("measures"),
     "not a text (CSV) file", {}),
    ("missing column", "staff.csv",
     lambda: csv(["Employee number", "Name", "Team"], [["E1", "Ann", "Desk"]]),
     "has no column “Hire date”", {"kind": "employees"}),
    ("renamed column", "values.csv",
     lambda: csv(["Measure", "Period", "Amount"], [["Engagement", "2026-Q3", "70"]]),
     "has no column “Value”", {}),
    ("extra sheets", "two.xlsx", _two_sheets, "several sheets with data", {}),
    ("merged cells", "merged.xlsx", _merged, "merged cells (A2:B2)", {}),
    ("a formula where a value belongs", "formula.xlsx", _formula, "cell C2 holds a formula", {}),
    ("an impossible date", "kudos.csv",
     lambda: csv(["Date", "Recipients", "Given by", "From", "What was done", "Reward", "Value"],
                 [["31.02.2026", "E1", "Mo", "peer", "Helped", "thanks", "Own it"]]),
     "“31.02.2026” is not a real date", {"kind": "recognition"}),
    ("a date as words nobody reads", "kudos.csv",
     lambda: csv(["Date", "Recipients", "Given by", "From", "What was done", "Reward", "Value"],
                 [["next Tuesday", "E1", "Mo", "peer", "Helped", "thanks", "Own it"]]),
     "“next Tuesday” is not a date", {"kind": "recognition"}),
    ("a percentage over 100", "values.csv",
     lambda: csv(["Measure", "Period", "Value"], [["Engagement", "2026-Q3", "120"]]),
     "Engagement in % must be from 0 to 100", {}),
    ("a number with a decimal comma", "values.csv",
     lambda: csv(["Measure", "Period", "Value"], [["Engagement", "2026-Q3", "\"70,5\""]]),
     "“70,5” is not a number", {}),
    ("an unknown measure", "values.csv",
     lambda: csv(["Measure", "Period", "Value"], [["Happiness", "2026-Q3", "70"]]),
     "Unknown measure “Happiness”", {}),
    ("a month for a quarterly measure", "values.csv",
     lambda: csv(["Measure", "Period", "Value"], [["Engagement", "2026-08", "70"]]),
     "“2026-08” is not a quarter", {}),
    ("a survey answer of 11", "nps.csv",
     lambda: csv(["Date answered", "Score"], [["2026-08-01", "11"]]),
     "Score 11 is not a whole number from 0 to 10", {"kind": "responses", "survey": "nps"}),
    ("answers without saying the question", "nps.csv",
     lambda: csv(["Date answered", "Score"], [["2026-08-01", "9"]]),
     "Say which question", {"kind": "responses"}),
    ("an unknown employee number", "kudos.csv",
     lambda: csv(["Date", "Recipients", "Given by", "From", "What was done", "Reward", "Value"],
                 [["2026-09-01", "E404", "Mo", "peer", "Helped", "thanks", "Own it"]]),
     "No employee has the number “E404”", {"kind": "recognition"}),
    ("a reward not on the list", "kudos.csv",
     lambda: csv(["Date", "Recipients", "Given by", "From", "What was done", "Reward", "Value"],
                 [["2026-09-01", "E1", "Mo", "peer", "Helped", "a car", "Own it"]]),
     "The reward must be one of", {"kind": "recognition"}),
    ("duplicate employee numbers", "staff.csv",
     lambda: csv(["Employee number", "Name", "Team", "Hire date"],
                 [["E9", "Ann", "Desk", "2020-01-01"], ["E9", "Bob", "Desk", "2021-01-01"]]),
     "appears 2 times in the file", {"kind": "employees"}),
]


@pytest.mark.parametrize(("case", "name", "make", "message", "options"), CORPUS,
                         ids=[c[0] for c in CORPUS])
def test_bad_files_are_refused_and_nothing_is_written(
        con: Connection, org: Organisation, setup: dict[str, int], case: str, name: str,
        make: Callable[[], bytes], message: str, options: dict[str, str]) -> None:
    personnel.add_employee(con, org.id, personnel.EmployeeInput("E1", "Ann", setup["team"],
                                                                date(2020, 1, 1)))
    before = counts(con)
    kind = options.get("kind", "measures")
    with pytest.raises(StrategyError) as info:
        run_import(con, org.id, kind, name, make(), survey=options.get("survey"), today=TODAY)
    assert message in info.value.message, info.value.message
    if isinstance(info.value, ImportRejected):
        assert info.value.rows and all(r.line >= 2 for r in info.value.rows)
    assert name.split(".")[0] in info.value.message or (kind == "responses" and \
        "question" in info.value.message)
    assert counts(con) == before


def test_a_file_with_one_bad_row_writes_none_of_the_good_ones(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    data = csv(["Measure", "Period", "Value"], [["Engagement", "2026-Q1", "70"],
                                               ["Engagement", "2026-Q2", "71"],
                                               ["Engagement", "2026-Q3", "700"]])
    with pytest.raises(ImportRejected) as info:
        run_import(con, org.id, "measures", "values.csv", data, today=TODAY)
    assert [(r.line, r.problems) for r in info.value.rows] == [
        (4, ["Engagement in % must be from 0 to 100 (you entered 700)."])]
    assert scorecard.entered_values(con, org.id, setup["engagement"]) == {}


def test_recognition_rows_are_all_or_nothing(con: Connection, org: Organisation,
                                             setup: dict[str, int]) -> None:
    personnel.add_employee(con, org.id, personnel.EmployeeInput("E1", "Ann", setup["team"],
                                                                date(2020, 1, 1)))
    good = ["2026-09-01", "E1", "Mo", "peer", "Helped", "thanks", "Own it"]
    headers = ["Date", "Recipients", "Given by", "From", "What was done", "Reward", "Value"]
    with pytest.raises(ImportRejected):
        run_import(con, org.id, "recognition", "k.csv",
                   csv(headers, [good, [*good[:5], "thanks", "No such value"]]), today=TODAY)
    assert recognition.list_recognitions(con, org.id, recognition.LogFilter(
        date(2026, 1, 1), TODAY)) == []
    assert run_import(con, org.id, "recognition", "k.csv", csv(headers, [good, good]),
                      today=TODAY) == 2


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "strategy", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_import_and_template_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    assert cli("demo", "--db", str(db)).returncode == 0
    staff = tmp_path / "staff.xlsx"
    made = cli("template", "employees", "--out", str(staff))
    assert made.returncode == 0, made.stderr
    book = load_workbook(staff)
    sheet = book[SHEETS["employees"]]
    sheet.delete_rows(2)
    sheet.append(["N1", "Nia Obi", "Billing", "Billing officer", None, date(2026, 9, 1)])
    book.save(staff)
    ok = cli("import", "employees", str(staff), "--db", str(db), "--org",
             "Riverbend Water (demo)")
    assert ok.returncode == 0, ok.stderr
    assert "Imported employees from staff.xlsx" in ok.stdout and "1 added" in ok.stdout

    bad = tmp_path / "values.csv"
    bad.write_text("Measure,Period,Value\nEngagement,2026-Q1,70\nEngagement,2026-Q2,170\n"
                   "Happiness,2026-Q2,1\n", encoding="utf-8")
    refused = cli("import", "measures", str(bad), "--db", str(db), "--org",
                  "Riverbend Water (demo)")
    assert refused.returncode == 1
    assert "2 of 3 rows need fixing, so nothing was imported" in refused.stderr
    assert "Engagement in % must be from 0 to 100 (you entered 170). — line 3" in refused.stderr
    assert "Unknown measure “Happiness”. — line 4" in refused.stderr
    assert "Traceback" not in refused.stderr
    for command in ("import", "template", "export"):
        helped = cli(command, "--help")
        assert helped.returncode == 0 and "usage:" in helped.stdout
