"""Bad input of every kind is refused in words and writes nothing; racing saves of the
same name get the same words as the check; what is stored never breaks an export.

The corpus is generated here from a few base files and forms, so each class of
failure (control characters anywhere, numbers that are not finite or too large,
repeated headings, foreign file formats, unknown references) is tried on every
import and every form that could meet it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import pytest

from strategy.core import access, orgs
from strategy.core.db import Connection
from strategy.core.errors import ConflictError, StrategyError, ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.core.safe_text import to_csv
from strategy.customers import segments
from strategy.io.imports import run_import
from strategy.io.review_pack import build_pack
from strategy.measures import scorecard
from strategy.people import personnel, recognition, training, workforce
from strategy.service import standards, vision
from tests.conftest import TEST_ADMIN
from tests.tables import fingerprint

TODAY = date.today()
LAST = Quarter.containing(TODAY).shift(-1)
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"]


@dataclass(frozen=True)
class Plan:
    org: Organisation
    team: int
    segment: int
    employee: int
    value: int
    measure: int


@pytest.fixture
def plan(con: Connection, org: Organisation) -> Plan:
    team = personnel.add_team(con, org.id, "Desk")
    segment = segments.add_segment(con, org.id, segments.SegmentInput(
        "Households", "external", serving_teams=["Desk"]))
    employee = personnel.add_employee(con, org.id, personnel.EmployeeInput(
        "E1", "Ann Lee", team, date(2020, 1, 1)))
    value = vision.add_value(con, org.id, "Own it")
    measure = scorecard.add_measure(con, org.id, scorecard.MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", target=70))
    return Plan(org, team, segment, employee, value, measure)


# --- Files ------------------------------------------------------------------------

# A good file for each import, as CSV lines; each case spoils it one way.
GOOD = {
    "employees": ["Employee number,Name,Team,Hire date", "E2,Bo Chen,Desk,2021-05-03"],
    "measures": ["Measure,Period,Value,Team or segment", f"Engagement,{LAST},72.5,"],
    "responses": ["Date answered,Score,Segment or team",
                  f"{LAST.start + timedelta(days=3)},9,Households"],
    "recognition": ["Date,Recipients,Given by,From,Value,What was done,Reward,Amount",
                    f"{TODAY},E1,Team leader,manager,Own it,Called back,thanks,"],
}
NUMBER_COLUMN = {"measures": 2, "responses": 1, "recognition": 7}


@dataclass(frozen=True)
class FileCase:
    kind: str
    name: str
    data: bytes
    expected: str

    def __str__(self) -> str:
        return f"{self.kind}-{self.name}"


def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _replace_cell(lines: list[str], column: int, value: str) -> list[str]:
    cells = lines[1].split(",")
    cells[column] = value
    return [lines[0], ",".join(cells)]


def file_cases() -> Iterator[FileCase]:
    for kind, lines in GOOD.items():
        for char in CONTROLS:
            code = f"U+{ord(char):04X}"
            # In a heading, in a cell of the first row, and far past the first 4 KB.
            yield FileCase(kind, f"control {code} in heading", _csv(
                [lines[0].replace(",", char + ",", 1), lines[1]]), "control character")
            bad_cell = lines[1].split(",")
            bad_cell[1] = bad_cell[1] + char + "x"
            yield FileCase(kind, f"control {code} in cell", _csv(
                [lines[0], ",".join(bad_cell)]), "control character")
            if kind == "employees":
                filler = [f"E{100 + i},Person {i},Desk,2021-05-03" for i in range(300)]
                yield FileCase(kind, f"control {code} after 4 KB", _csv(
                    [lines[0], *filler, f"E999,Late{char}comer,Desk,2021-05-03"]),
                    "control character")
        heading = lines[0].split(",")
        yield FileCase(kind, "repeated heading", _csv(
            [",".join([*heading, heading[1]]), lines[1] + ",extra"]), "twice")
        yield FileCase(kind, "repeated heading in other case", _csv(
            [",".join([*heading, heading[0].upper()]), lines[1] + ",extra"]), "twice")
        if kind in NUMBER_COLUMN:
            for raw in ("inf", "-inf", "Infinity", "NaN", "nan", "1e400", "-1e999"):
                yield FileCase(kind, f"number {raw}", _csv(
                    _replace_cell(lines, NUMBER_COLUMN[kind], raw)), "")
        yield FileCase(kind, "old xls renamed", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
                       "old Excel 97–2003 workbook")
        yield FileCase(kind, "encrypted workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                       + "EncryptedPackage".encode("utf-16-le"), "password-protected")
        yield FileCase(kind, "workbook named csv", b"PK\x03\x04" + bytes(100),
                       "is a spreadsheet, not a text (CSV) file")
    yield FileCase("responses", "unknown segment", _csv(
        _replace_cell(GOOD["responses"], 2, "Martians")), "Unknown segment “Martians”")
    yield FileCase("measures", "unknown team or segment", _csv(
        _replace_cell(GOOD["measures"], 3, "Martians")), "Unknown team or segment")


FILE_CASES = list(file_cases())


def _import(con: Connection, plan: Plan, kind: str, name: str, data: bytes) -> int:
    file_name = name if name.endswith((".csv", ".xlsx")) else f"{kind}.csv"
    if data.startswith(b"\xd0\xcf") or (data.startswith(b"PK") and "named csv" not in name):
        file_name = f"{kind}.xlsx"
    return run_import(con, plan.org.id, kind, file_name, data,
                      survey="nps" if kind == "responses" else None, today=TODAY)


@pytest.mark.parametrize("case", FILE_CASES, ids=str)
def test_a_bad_file_is_refused_in_words_and_nothing_is_written(
        con: Connection, plan: Plan, case: FileCase) -> None:
    before = fingerprint(con)
    with pytest.raises(StrategyError) as refused:
        _import(con, plan, case.kind, case.name, case.data)
    message = refused.value.message + " ".join(
        " ".join(row.problems) for row in getattr(refused.value, "rows", []))
    if case.name.startswith("number"):
        assert "finite number" in message or "is not a number" in message, message
    else:
        assert case.expected in message, message
    assert "Traceback" not in message and "duckdb" not in message.lower()
    assert fingerprint(con) == before


def test_the_good_files_import(con: Connection, plan: Plan) -> None:
    for kind, lines in GOOD.items():
        assert _import(con, plan, kind, kind, _csv(lines)) == 1, kind
    # The template's "Segment or team" column is read: the answer belongs to the segment.
    (scope,) = con.execute("SELECT scope FROM survey_response").fetchone() or ()
    assert scope == f"segment:{plan.segment}"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "cp1252"])
def test_text_files_in_every_encoding_spreadsheets_save_are_read(
        con: Connection, plan: Plan, encoding: str) -> None:
    # Excel's "Unicode Text" is UTF-16 with tabs between the cells.
    text = "Employee number\tName\tTeam\tHire date\nE7\tZoë Müller\tDesk\t2021-05-03\n"
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    assert _import(con, plan, "employees", "staff.txt", data) == 1
    assert personnel.list_employees(con, plan.org.id)[-1].name == "Zoë Müller"


# --- Forms (the domain functions behind them) ------------------------------------------


@dataclass(frozen=True)
class FormCase:
    name: str
    action: Callable[[Connection, Plan], object]
    field: str

    def __str__(self) -> str:
        return self.name


def _text_forms(text: str) -> list[tuple[str, Callable[[Connection, Plan], object], str]]:
    return [
        ("organisation name", lambda c, p: orgs.create_organisation(c, f"Org{text}"), "name"),
        ("segment name", lambda c, p: segments.add_segment(c, p.org.id, segments.SegmentInput(
            f"Seg{text}", "external")), "name"),
        ("segment description", lambda c, p: segments.add_segment(
            c, p.org.id, segments.SegmentInput("Shops", "external", description=f"a{text}")),
         "description"),
        ("team name", lambda c, p: personnel.add_team(c, p.org.id, f"Team{text}"), "team"),
        ("employee name", lambda c, p: personnel.add_employee(c, p.org.id, personnel.EmployeeInput(
            "E9", f"Name{text}", p.team, date(2020, 1, 1))), "name"),
        ("employee role", lambda c, p: personnel.add_employee(c, p.org.id, personnel.EmployeeInput(
            "E9", "Cy", p.team, date(2020, 1, 1), role=f"Role{text}")), "role"),
        ("value name", lambda c, p: vision.add_value(c, p.org.id, f"Care{text}"), "value_name"),
        ("vision statement", lambda c, p: vision.save_vision(c, p.org.id, 0, f"We{text}", ""),
         "statement"),
        ("brainstorm entry", lambda c, p: vision.add_entry(c, p.org.id, f"Kind{text}"),
         "entry"),
        ("standard title", lambda c, p: standards.add_standard(c, p.org.id,
                                                               standards.StandardInput(
            f"Answer{text}", "Phone", "Responsiveness")), "title"),
        ("measure name", lambda c, p: scorecard.add_measure(c, p.org.id, scorecard.MeasureInput(
            f"NPS{text}", "customer", "NPS points", "higher", "quarterly")), "name"),
        ("training module", lambda c, p: training.add_module(c, p.org.id, f"Listen{text}"),
         "module"),
        ("hiring criterion", lambda c, p: workforce.add_criterion(
            c, p.org.id, f"Warmth{text}", "attitude", 5), "criterion"),
        ("recognition text", lambda c, p: recognition.add_recognition(
            c, p.org.id, recognition.RecognitionInput(
                [p.employee], TODAY, "Mo", "manager", f"Helped{text}", value_id=p.value),
            today=TODAY), "what"),
    ]


def _set_value(c: Connection, p: Plan, v: float) -> None:
    scorecard.set_value(c, p.org.id, p.measure, str(LAST), v, today=TODAY)


def _add_target(c: Connection, p: Plan, v: float) -> object:
    return scorecard.add_measure(c, p.org.id, scorecard.MeasureInput(
        "Odd", "customer", "%", "higher", "quarterly", target=v))


def _recognise(c: Connection, p: Plan, v: float) -> object:
    return recognition.add_recognition(c, p.org.id, recognition.RecognitionInput(
        [p.employee], TODAY, "Mo", "manager", "Helped", value_id=p.value, reward="voucher",
        amount=v), today=TODAY)


def form_cases() -> Iterator[FormCase]:
    for char in ("\x00", "\x0b", "\x1b", "\x7f"):
        for name, action, field in _text_forms(char):
            yield FormCase(f"{name} with U+{ord(char):04X}", action, field)
    numbers: list[tuple[str, Callable[[Connection, Plan], object], str]] = [
        ("segment size of three billion", lambda c, p: segments.add_segment(
            c, p.org.id, segments.SegmentInput("Big", "external", size=3_000_000_000)), "size"),
        ("infinite annual value", lambda c, p: segments.add_segment(
            c, p.org.id, segments.SegmentInput("Rich", "external", annual_value=float("inf"))),
         "annual_value"),
        ("infinite criterion weight", lambda c, p: workforce.add_criterion(
            c, p.org.id, "Grit", "attitude", float("inf")), "weight"),
        ("not-a-number criterion weight", lambda c, p: workforce.add_criterion(
            c, p.org.id, "Grit", "attitude", float("nan")), "weight"),
    ]
    for value in (float("inf"), float("-inf"), float("nan")):
        numbers += [(f"measure value {value}", partial(_set_value, v=value), "value"),
                    (f"measure target {value}", partial(_add_target, v=value), "target"),
                    (f"recognition amount {value}", partial(_recognise, v=value), "amount")]
    for name, action, field in numbers:
        yield FormCase(name, action, field)


FORM_CASES = list(form_cases())


@pytest.mark.parametrize("case", FORM_CASES, ids=str)
def test_a_bad_form_is_refused_beside_its_field_and_nothing_is_written(
        con: Connection, plan: Plan, case: FormCase) -> None:
    before = fingerprint(con)
    with pytest.raises(ValidationError) as refused:
        case.action(con, plan)
    assert case.field in refused.value.fields, refused.value.fields
    assert fingerprint(con) == before


def test_the_corpus_is_large() -> None:
    assert len(FILE_CASES) + len(FORM_CASES) >= 150


# --- What is already stored never breaks an export ------------------------------------


def test_control_characters_already_stored_do_not_break_the_pack_or_csv(
        con: Connection, plan: Plan) -> None:
    recognition.add_recognition(con, plan.org.id, recognition.RecognitionInput(
        [plan.employee], LAST.start, "Mo", "manager", "Helped", value_id=plan.value),
        reason="test", today=TODAY)
    # As if written by an older version that let them through.
    con.execute("UPDATE recognition SET what = 'Hel\x0bped\x01 =1+1', giver = 'M\x00o'")
    con.execute("UPDATE employee SET name = 'Ann\x1b Lee'")
    data = build_pack(con, plan.org.id, LAST)
    assert data[:2] == b"PK"
    log = recognition.list_recognitions(con, plan.org.id, recognition.LogFilter(
        LAST.start, LAST.end))
    text = recognition.log_csv(log).decode("utf-8-sig")
    assert "\x0b" not in text and "\x00" not in text and "\x01" not in text
    assert to_csv(["a"], [["=1\x0b"]]).decode("utf-8-sig").splitlines()[1] == "'=1"


# --- Races on unique names --------------------------------------------------------------


def race(con: Connection, attempts: int, action: Callable[[Connection, int], Any]
         ) -> list[object]:
    """Run ``action`` from several threads at once, each on its own cursor."""
    start = threading.Barrier(attempts)
    outcomes: list[object] = [None] * attempts

    def run(index: int) -> None:
        cursor = con.cursor()
        with access.acting(TEST_ADMIN):
            start.wait()
            try:
                outcomes[index] = action(cursor, index)
            except Exception as exc:  # what the person would be told
                outcomes[index] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


RACES: list[tuple[str, Callable[[Connection, Plan], Callable[[Connection, int], Any]], str]] = [
    ("segment", lambda con, p: lambda c, i: segments.add_segment(
        c, p.org.id, segments.SegmentInput("Shops", "external")),
     "There is already a segment called “Shops”"),
    ("team", lambda con, p: lambda c, i: personnel.add_team(c, p.org.id, "Field"),
     "There is already a team called “Field”"),
    ("employee number", lambda con, p: lambda c, i: personnel.add_employee(
        c, p.org.id, personnel.EmployeeInput("E5", f"Person {i}", p.team, date(2020, 1, 1))),
     "Employee number E5 is already in use"),
    ("organisation", lambda con, p: lambda c, i: orgs.create_organisation(c, "Twin"),
     "An organisation called “Twin” already exists"),
    ("value", lambda con, p: lambda c, i: vision.add_value(c, p.org.id, "Care"),
     "The value “Care” is already listed"),
    ("standard", lambda con, p: lambda c, i: standards.add_standard(
        c, p.org.id, standards.StandardInput("Greet", "Phone", "Courtesy")),
     "There is already a standard called “Greet”"),
    ("measure", lambda con, p: lambda c, i: scorecard.add_measure(
        c, p.org.id, scorecard.MeasureInput("CSAT", "customer", "%", "higher", "quarterly")),
     "There is already a measure called"),
    ("module", lambda con, p: lambda c, i: training.add_module(c, p.org.id, "Listening"),
     "There is already a module called “Listening”"),
    ("criterion", lambda con, p: lambda c, i: workforce.add_criterion(
        c, p.org.id, "Warmth", "attitude", 3), "“Warmth” is already a criterion"),
    ("first save of the vision", lambda con, p: lambda c, i: vision.save_vision(
        c, p.org.id, 0, f"Vision {i}", ""), "Someone else saved"),
]


@pytest.mark.parametrize(("what", "make", "message"), RACES, ids=[r[0] for r in RACES])
def test_racing_saves_of_one_name_get_the_checks_words(
        con: Connection, plan: Plan, what: str,
        make: Callable[[Connection, Plan], Callable[[Connection, int], Any]],
        message: str) -> None:
    outcomes = race(con, 6, make(con, plan))
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failures) == len(outcomes) - 1, outcomes
    for failure in failures:
        # Either the check saw the first save, or the database refused the racing one,
        # or DuckDB stopped the conflicting transaction: all three read as words.
        assert isinstance(failure, ValidationError | ConflictError), repr(failure)
        assert message in failure.message or "Someone else" in failure.message, failure.message


def test_racing_votes_of_one_person_leave_one_vote(con: Connection, plan: Plan) -> None:
    entry = vision.add_entry(con, plan.org.id, "Being listened to")
    outcomes = race(con, 2, lambda c, i: vision.set_vote(c, plan.org.id, entry))
    assert not [o for o in outcomes if isinstance(o, Exception) and
                not isinstance(o, ConflictError)], outcomes
    (listed,) = vision.list_entries(con, plan.org.id)
    assert listed.votes == 1
