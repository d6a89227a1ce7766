"""Importing employees from an HR system's CSV or Excel export.

The person says which column is which (we guess from the headers), sees every
row with its problems, and imports only a clean file: all rows or none. Rows
are matched on the employee number, so importing the same file again updates
people instead of duplicating them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate
from strategy.core.db import Connection, incoming_rows, transaction
from strategy.core.errors import ValidationError
from strategy.io.dates import DateError
from strategy.io.mapping import Plan, Reading, decide_dates
from strategy.io.tabular import Cell, Table, normalise_header, text
from strategy.people.personnel import LEAVE_KINDS, EmployeeInput, check_employee, teams_by_name

# Field -> (label, required, header names it is often exported under).
FIELDS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "number": ("Employee number", True, ("employee number", "employee no", "employee id",
                                         "emp no", "staff number", "staff id", "payroll number",
                                         "number", "id")),
    "name": ("Name", True, ("name", "full name", "employee name", "employee", "worker")),
    "first_name": ("First name", False, ("first name", "given name", "forename",
                                         "legal first name")),
    "last_name": ("Last name", False, ("last name", "surname", "family name",
                                       "legal last name")),
    "team": ("Team", True, ("team", "department", "dept", "unit")),
    "role": ("Role", False, ("role", "job title", "position", "title", "job")),
    "manager_number": ("Manager (number or name)", False, (
        "manager s number", "manager number", "manager id", "manager employee number",
        "manager", "line manager", "reports to", "reporting to", "supervisor")),
    "hire_date": ("Hire date", True, ("hire date", "start date", "date hired", "hired",
                                      "joined", "date joined", "start")),
    "leave_date": ("Leave date", False, ("leave date", "leaving date", "end date",
                                         "termination date", "left", "date left")),
    "leave_kind": ("Voluntary or involuntary", False, ("voluntary or involuntary",
                                                       "leave type", "leaver type",
                                                       "leaving type", "termination type",
                                                       "voluntary involuntary", "leave kind")),
    "leave_reason": ("Reason for leaving", False, ("leave reason", "reason for leaving",
                                                   "leaving reason", "termination reason",
                                                   "reason")),
}

_KIND_WORDS = {"voluntary": "voluntary", "v": "voluntary", "resigned": "voluntary",
               "resignation": "voluntary", "involuntary": "involuntary", "i": "involuntary",
               "dismissed": "involuntary", "dismissal": "involuntary",
               "redundancy": "involuntary"}

_MISSING = {"number": "Missing employee number.", "name": "Missing name.",
            "team": "Missing team.", "hire_date": "Missing hire date."}

Progress = Callable[[float, str], None]


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """For each field, the file column that most likely holds it (or None)."""
    normalised = {normalise_header(h): h for h in headers if h}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for field_name, (label, _required, synonyms) in FIELDS.items():
        # The field's own label first: it is the heading of our template's column.
        choice = next((normalised[s] for s in (normalise_header(label), *synonyms)
                       if s in normalised and normalised[s] not in taken), None)
        mapping[field_name] = choice
        if choice:
            taken.add(choice)
    return mapping


@dataclass
class PreviewRow:
    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    employee: EmployeeInput | None = None
    team_name: str = ""
    existing: bool = False


@dataclass
class Preview:
    where: str
    rows: list[PreviewRow]
    new_teams: list[str]

    @property
    def problem_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.problems]

    @property
    def clean(self) -> bool:
        return bool(self.rows) and not self.problem_rows

    def counts(self) -> tuple[int, int]:
        updates = sum(r.existing for r in self.rows)
        return len(self.rows) - updates, updates


DATE_FIELDS = ("hire_date", "leave_date")
LABELS = {name: label for name, (label, _r, _s) in FIELDS.items()}


def _split_name(mapping: dict[str, str | None]) -> bool:
    return bool(mapping.get("first_name") and mapping.get("last_name"))


def check_mapping(mapping: dict[str, str | None], headers: list[str]) -> None:
    problems: dict[str, str] = {}
    for field_name, (label, required, _s) in FIELDS.items():
        column = mapping.get(field_name)
        if field_name == "name" and not column and _split_name(mapping):
            continue  # the name is the first and last name together
        if required and not column:
            problems[field_name] = f"Choose the column that holds “{label}”."
        elif column and column not in headers:
            problems[field_name] = f"The file has no column “{column}”."
    used = Counter(c for c in mapping.values() if c)
    for column, times in used.items():
        if times > 1:
            problems["mapping"] = f"The column “{column}” is chosen for {times} fields."
    if problems:
        raise ValidationError(problems)


class _Managers:
    """A manager column as HR systems fill it: an employee number, or a name ("Ann Lee",
    or "Lee, Ann") of someone in the file or on the staff list, kept as their number."""

    def __init__(self, con: Connection, org_id: int, people: list[tuple[str, str]]) -> None:
        stored = con.execute("SELECT number, name FROM employee WHERE org_id = ?",
                             [org_id]).fetchall()
        self.numbers = {str(n).strip().lower() for n, _ in stored} | {
            n.strip().lower() for n, _ in people if n}
        self.names: dict[str, set[str]] = {}
        for number, name in [*stored, *people]:
            if number and name:
                self.names.setdefault(_name_key(str(name)), set()).add(str(number).strip())

    def number(self, given: str, problems: list[str]) -> str:
        if not given or given.strip().lower() in self.numbers:
            return given
        found = self.names.get(_name_key(given), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            problems.append(f"Manager: {len(found)} people are called “{given}”: give the "
                            "manager's employee number instead.")
        elif not re.search(r"[A-Za-z]{2,}[ ,]", given):
            return given  # a number of someone not (yet) on the list, as before
        else:
            problems.append(f"Manager “{given}” is neither an employee number nor the name of "
                            "one person in the file or on the staff list. Add them, or leave "
                            "managers out (--column manager_number=).")
        return ""


def _name_key(name: str) -> str:
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return " ".join(name.lower().split())


def _names_in_team_column(rows: list[list[Cell]], team: int, names: set[str]) -> str | None:
    """A team column that holds people's names (a manager column chosen by mistake)."""
    values = [text(r[team]) for r in rows if text(r[team])]
    if len(values) < 3:
        return None
    people = [v for v in values if _name_key(v) in names]
    return people[0] if len(people) * 2 > len(values) else None


def preview_employees(con: Connection, org_id: int, table: Table,
                      mapping: dict[str, str | None], reading: Reading | None = None,
                      create_teams: bool = False, today: date | None = None,
                      progress: Progress | None = None) -> Preview:
    """Check every row; nothing is written. ``reading`` says what the file's values
    mean and which way round its dates are; without it, each date column's order is
    decided from its own values."""
    access.require(Permission.MANAGE_PEOPLE, org_id)
    check_mapping(mapping, table.headers)
    if reading is None:
        reading = Reading()
        decide_dates(table, Plan("employees", None, mapping, reading), DATE_FIELDS, LABELS)
    index = {column: table.headers.index(column) for column in mapping.values() if column}
    table.check(index.values())
    teams = teams_by_name(con, org_id)
    known_numbers = {row[0] for row in con.execute(
        "SELECT number FROM employee WHERE org_id = ?", [org_id]).fetchall()}

    def cell(raw: list[Cell], name: str) -> Cell:
        column = mapping.get(name)
        return raw[index[column]] if column else None

    def name_of(raw: list[Cell]) -> str:
        full = text(cell(raw, "name"))
        if full or not _split_name(mapping):
            return full
        return " ".join(p for p in (text(cell(raw, "first_name")),
                                    text(cell(raw, "last_name"))) if p)

    in_file = [(text(cell(r, "number")), name_of(r)) for r in table.rows]
    numbers = Counter(n for n, _ in in_file if n)
    team_column = mapping.get("team")
    if team_column:
        misplaced = _names_in_team_column(table.rows, index[team_column],
                                          {_name_key(n) for _, n in in_file if n})
        if misplaced:
            raise ValidationError({"team": f"The column “{mapping['team']}” chosen for the team "
                                           f"holds people's names (such as “{misplaced}”), not "
                                           "teams. Choose the column of teams or departments "
                                           "(on the command line --column team=HEADING)."})
    managers = _Managers(con, org_id, in_file)
    new_teams: set[str] = set()
    preview_rows: list[PreviewRow] = []
    total = max(len(table.rows), 1)
    for position, raw in enumerate(table.rows):
        if progress and position % 500 == 0:
            progress(position / total, f"Checking row {position + 1:,} of {total:,}")
        cells = {f: cell(raw, f) for f in mapping}
        values = {f: text(v) for f, v in cells.items()}
        values["name"] = name_of(raw)
        row = PreviewRow(table.line(position), values)
        dates: dict[str, date | None] = {}
        for date_field in DATE_FIELDS:
            try:
                dates[date_field] = reading.date(date_field, cells[date_field])
            except DateError as exc:
                row.problems.append(f"{FIELDS[date_field][0]}: {exc}.")
                dates[date_field] = None
        kind_text = values["leave_kind"]
        meaning = reading.value("leave_kind", kind_text) if kind_text else None
        said = normalise_header(meaning or kind_text)
        kind = _KIND_WORDS.get(said) if kind_text else None
        if kind_text and kind is None:
            # "Terminate Employee > Voluntary > Resignation" says it in passing.
            kind = "involuntary" if "involuntary" in said.split() else \
                "voluntary" if "voluntary" in said.split() else None
        if kind_text and kind is None:
            row.problems.append(f"Voluntary or involuntary: “{kind_text}” is not one of "
                                f"{', '.join(LEAVE_KINDS)} — say which it is (on the command "
                                f"line --value 'leave_kind:{kind_text}=voluntary'; in the app, "
                                "under Values).")
        team_name = reading.team(values["team"])
        team_id = teams.get(team_name.lower())
        if team_name and team_id is None:
            if create_teams:
                new_teams.add(team_name)
                team_id = -1  # created on import
            else:
                row.problems.append(f"Unknown team “{team_name}”: add it on the People page, "
                                    "or tick “create teams that do not exist yet” "
                                    "(--create-teams).")
        number = values["number"]
        if number and numbers[number] > 1:
            row.problems.append(f"Employee number {number} appears {numbers[number]} times in "
                                "the file.")
        employee = EmployeeInput(
            number=number, name=values["name"], team_id=team_id if team_name else None,
            hire_date=dates["hire_date"], role=values["role"],
            manager_number=managers.number(values["manager_number"], row.problems),
            leave_date=dates["leave_date"], leave_kind=kind,
            leave_reason=values["leave_reason"])
        problems = check_employee(employee, today)
        if team_name:
            problems.pop("team", None)  # an unknown team is reported above
        if values["hire_date"] and dates["hire_date"] is None:
            problems.pop("hire_date", None)  # unparseable, reported above
        for key, message in problems.items():
            missing = key in _MISSING and not values.get(key)
            row.problems.append(_MISSING[key] if missing else message)
        row.employee = employee
        row.team_name = team_name
        row.existing = number in known_numbers
        preview_rows.append(row)
    if progress:
        progress(1.0, f"Checked {len(table.rows):,} rows")
    return Preview(table.where(), preview_rows, sorted(new_teams, key=str.lower))


def _record(row: PreviewRow, teams: dict[str, int]) -> tuple[object, ...]:
    e = row.employee
    assert e is not None
    return (e.number.strip(), e.name.strip(), teams[row.team_name.lower()], e.role.strip(),
            e.manager_number.strip(), e.hire_date, e.leave_date,
            e.leave_kind if e.leave_date else None,
            e.leave_reason.strip() if e.leave_date else "")


def import_employees(con: Connection, org_id: int, preview: Preview,
                     progress: Progress | None = None) -> tuple[int, int]:
    """Write every row of a clean preview in one transaction; returns (added, updated)."""
    access.require(Permission.MANAGE_PEOPLE, org_id)
    if not preview.rows:
        raise ValidationError({"file": f"{preview.where} has no employee rows to import."})
    if preview.problem_rows:
        lines = ", ".join(str(r.line) for r in preview.problem_rows[:20])
        raise ValidationError({"file": f"{len(preview.problem_rows)} rows need fixing first "
                                       f"(lines {lines}); nothing was imported."})
    total = len(preview.rows)
    # Another import or form adding the same people or teams at the same moment.
    with on_duplicate("file", lambda: "Someone else added some of these employees or teams "
                      "while this file was being imported, so nothing was imported. Check the "
                      "file again and import it."), transaction(con):
        teams = teams_by_name(con, org_id)
        for name in preview.new_teams:
            if name.lower() not in teams:
                row = con.execute("INSERT INTO team (org_id, name) VALUES (?, ?) RETURNING id",
                                  [org_id, name]).fetchone()
                assert row is not None
                teams[name.lower()] = int(row[0])
        if progress:
            progress(0.2, f"Writing {total:,} rows")
        # One set-based write instead of a statement per row: the rows travel as a file
        # of typed columns (values, never SQL text) and are merged on the number.
        columns = {"number": "VARCHAR", "name": "VARCHAR", "team_id": "BIGINT",
                   "role": "VARCHAR", "manager_number": "VARCHAR", "hire_date": "DATE",
                   "leave_date": "DATE", "leave_kind": "VARCHAR", "leave_reason": "VARCHAR"}
        records = (_record(r, teams) for r in preview.rows)
        with incoming_rows(con, columns, records) as (source, params):
            existing = con.execute(
                f"SELECT count(*) FROM {source} AS i JOIN employee e "
                "ON e.org_id = ? AND e.number = i.number", [*params, org_id]).fetchone()
            updated = int(existing[0]) if existing else 0
            con.execute(
                f"""
                UPDATE employee SET name = i.name, team_id = i.team_id, role = i.role,
                    manager_number = i.manager_number, hire_date = i.hire_date,
                    leave_date = i.leave_date, leave_kind = i.leave_kind,
                    leave_reason = i.leave_reason, version = employee.version + 1
                FROM {source} AS i
                WHERE employee.org_id = ? AND employee.number = i.number
                """, [*params, org_id])
            con.execute(
                f"""
                INSERT INTO employee (org_id, number, name, team_id, role, manager_number,
                                      hire_date, leave_date, leave_kind, leave_reason)
                SELECT ?, i.number, i.name, i.team_id, i.role, i.manager_number, i.hire_date,
                       i.leave_date, i.leave_kind, i.leave_reason
                FROM {source} AS i
                WHERE NOT EXISTS (SELECT 1 FROM employee e
                                  WHERE e.org_id = ? AND e.number = i.number)
                """, [org_id, *params, org_id])
    added = total - updated
    if progress:
        progress(1.0, f"Imported {total:,} rows")
    return added, updated
