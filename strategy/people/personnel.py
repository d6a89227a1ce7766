"""Teams and employees: the people who deliver the service (personal data)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.checks import (
    on_duplicate,
    one_of,
    optional_text,
    past_date,
    raise_if,
    require_text,
)
from strategy.core.db import Connection, transaction, versioned_update
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.safe_text import contains_pattern

LEAVE_KINDS = ["voluntary", "involuntary"]


@dataclass(frozen=True)
class Team:
    id: int
    name: str


@dataclass(frozen=True)
class Employee:
    id: int
    number: str
    name: str
    team_id: int | None
    team: str
    role: str
    manager_number: str
    hire_date: date
    leave_date: date | None
    leave_kind: str | None
    leave_reason: str
    version: int

    def employed_on(self, day: date) -> bool:
        return self.hire_date <= day and (self.leave_date is None or self.leave_date >= day)

    @property
    def label(self) -> str:
        """How pickers and lists tell people apart: two Sam Lees differ by team at a
        glance, and by number always."""
        return f"{self.name} ({self.number}, {self.team})" if self.team else \
            f"{self.name} ({self.number})"


# --- Teams -----------------------------------------------------------------------


def list_teams(con: Connection, org_id: int) -> list[Team]:
    rows = con.execute("SELECT id, name FROM team WHERE org_id = ? ORDER BY lower(name)",
                       [org_id]).fetchall()
    return [Team(*row) for row in rows]


def add_team(con: Connection, org_id: int, name: str) -> int:
    access.require(Permission.ADD_TEAMS, org_id)
    problems: dict[str, str] = {}
    name = require_text(problems, "team", name, "The team's name", 80)
    raise_if(problems)
    with on_duplicate("team", lambda: f"There is already a team called “{name}”."), \
            transaction(con):
        if con.execute("SELECT 1 FROM team WHERE org_id = ? AND lower(name) = lower(?)",
                       [org_id, name]).fetchone():
            raise ValidationError({"team": f"There is already a team called “{name}”."})
        row = con.execute("INSERT INTO team (org_id, name) VALUES (?, ?) RETURNING id",
                          [org_id, name]).fetchone()
    assert row is not None
    return int(row[0])


def rename_team(con: Connection, org_id: int, team_id: int, name: str) -> None:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    problems: dict[str, str] = {}
    name = require_text(problems, "team", name, "The team's name", 80)
    raise_if(problems)
    with on_duplicate("team", lambda: f"There is already a team called “{name}”."), \
            transaction(con):
        if con.execute("SELECT 1 FROM team WHERE org_id = ? AND lower(name) = lower(?) "
                       "AND id <> ?", [org_id, name, team_id]).fetchone():
            raise ValidationError({"team": f"There is already a team called “{name}”."})
        if con.execute("UPDATE team SET name = ? WHERE org_id = ? AND id = ? RETURNING id",
                       [name, org_id, team_id]).fetchone() is None:
            raise NotFoundError("That team no longer exists.")


def delete_team(con: Connection, org_id: int, team_id: int) -> None:
    """Delete an empty team; a team with people in it must be emptied first."""
    access.require(Permission.MANAGE_PEOPLE, org_id)
    with transaction(con):
        row = con.execute("SELECT count(*) FROM employee WHERE org_id = ? AND team_id = ?",
                          [org_id, team_id]).fetchone()
        if row and row[0]:
            raise ValidationError({"team": f"The team still has {row[0]} people (current or "
                                           "former); move them to another team first."})
        # Table names are fixed here in code; only values are parameters.
        for table in ("standard_team", "training_requirement", "segment_team"):
            con.execute(f"DELETE FROM {table} WHERE org_id = ? AND team_id = ?",
                        [org_id, team_id])
        con.execute("UPDATE observation SET team_id = NULL WHERE org_id = ? AND team_id = ?",
                    [org_id, team_id])
        con.execute("DELETE FROM team WHERE org_id = ? AND id = ?", [org_id, team_id])


# --- Employees ---------------------------------------------------------------------

_SELECT = """
    SELECT e.id, e.number, e.name, e.team_id, coalesce(t.name, ''), e.role, e.manager_number,
           e.hire_date, e.leave_date, e.leave_kind, e.leave_reason, e.version
    FROM employee e LEFT JOIN team t ON t.id = e.team_id
"""


def list_employees(con: Connection, org_id: int, active_on: date | None = None) -> list[Employee]:
    """Everyone (or, with ``active_on``, those employed that day), by name."""
    rows = con.execute(
        _SELECT + " WHERE e.org_id = ? AND (CAST(? AS DATE) IS NULL OR (e.hire_date <= ? AND "
        "(e.leave_date IS NULL OR e.leave_date >= ?))) ORDER BY lower(e.name), e.number",
        [org_id, active_on, active_on, active_on],
    ).fetchall()
    return [Employee(*row) for row in rows]


_CHOOSABLE = """
    WHERE e.org_id = $org
      AND (CAST($on AS DATE) IS NULL OR (e.hire_date <= $on AND
                                         (e.leave_date IS NULL OR e.leave_date >= $on)))
      AND (CAST($teams AS BIGINT[]) IS NULL OR list_contains($teams, e.team_id))
      AND (CAST($text AS VARCHAR) IS NULL OR e.name ILIKE $text ESCAPE '\\'
           OR e.number ILIKE $text ESCAPE '\\')
"""


def _choosable(org_id: int, active_on: date | None, team_ids: Sequence[int] | None,
               text: str) -> dict[str, object]:
    return {"org": org_id, "on": active_on,
            "teams": list(team_ids) if team_ids is not None else None,
            "text": contains_pattern(text)}


def count_employees(con: Connection, org_id: int, active_on: date | None = None,
                    team_ids: Sequence[int] | None = None, text: str = "") -> int:
    """How many people are on record (with ``active_on``: employed that day; with
    ``team_ids``: in those teams; with ``text``: whose name or number contains it)."""
    row = con.execute("SELECT count(*) FROM employee e " + _CHOOSABLE,
                      _choosable(org_id, active_on, team_ids, text)).fetchone()
    return int(row[0]) if row else 0


def staff_ids(con: Connection, org_id: int, team_id: int, on: date) -> list[int]:
    """The ids of a team's staff employed on ``on``: a whole team recorded at once."""
    rows = con.execute("SELECT e.id FROM employee e " + _CHOOSABLE + " ORDER BY e.id",
                       _choosable(org_id, on, [team_id], "")).fetchall()
    return [int(r[0]) for r in rows]


def find_employees(con: Connection, org_id: int, text: str = "", active_on: date | None = None,
                   team_ids: Sequence[int] | None = None, limit: int | None = None,
                   offset: int = 0) -> list[Employee]:
    """People whose name or employee number contains ``text`` (any case), by name;
    ``limit`` and ``offset`` give one page of them."""
    rows = con.execute(
        # Someone whose number or name is exactly what was typed comes first, then
        # names starting with it, then the rest, each by name.
        _SELECT + _CHOOSABLE + """
        ORDER BY (lower(e.number) = lower($exact) OR lower(e.name) = lower($exact)) DESC,
                 starts_with(lower(e.name), lower($exact)) DESC, lower(e.name), e.number
        LIMIT $limit OFFSET $offset""",
        {**_choosable(org_id, active_on, team_ids, text), "exact": text.strip(),
         "limit": limit, "offset": offset}).fetchall()
    return [Employee(*row) for row in rows]


def team_headcounts(con: Connection, org_id: int, on: date) -> dict[int, int]:
    """Staff employed on ``on`` per team id."""
    rows = con.execute("SELECT team_id, count(*) FROM employee WHERE org_id = ? AND team_id IS "
                       "NOT NULL AND hire_date <= ? AND (leave_date IS NULL OR leave_date >= ?) "
                       "GROUP BY team_id", [org_id, on, on]).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def list_roles(con: Connection, org_id: int) -> list[str]:
    """The roles people hold, as typed, in order."""
    rows = con.execute("SELECT DISTINCT role FROM employee WHERE org_id = ? AND role <> '' "
                       "ORDER BY role", [org_id]).fetchall()
    return [r[0] for r in rows]


def employees_by_id(con: Connection, org_id: int, ids: Sequence[int]) -> dict[int, Employee]:
    rows = con.execute(_SELECT + " WHERE e.org_id = ? AND list_contains(?, e.id)",
                       [org_id, list(ids)]).fetchall()
    return {row[0]: Employee(*row) for row in rows}


def get_employee(con: Connection, org_id: int, employee_id: int) -> Employee:
    row = con.execute(_SELECT + " WHERE e.org_id = ? AND e.id = ?",
                      [org_id, employee_id]).fetchone()
    if row is None:
        raise NotFoundError("That employee no longer exists.")
    return Employee(*row)


@dataclass
class EmployeeInput:
    number: str
    name: str
    team_id: int | None
    hire_date: date | None
    role: str = ""
    manager_number: str = ""
    leave_date: date | None = None
    leave_kind: str | None = None
    leave_reason: str = ""


def check_employee(data: EmployeeInput, today: date | None = None) -> dict[str, str]:
    """Problems with one employee's details (shared by the form and the import)."""
    problems: dict[str, str] = {}
    require_text(problems, "number", data.number, "The employee number", 40)
    require_text(problems, "name", data.name, "The name", 120)
    optional_text(problems, "role", data.role, "The role", 80)
    optional_text(problems, "manager_number", data.manager_number, "The manager's number", 40)
    optional_text(problems, "leave_reason", data.leave_reason, "The reason for leaving", 300)
    if data.team_id is None:
        problems["team"] = "Choose the employee's team."
    hire = past_date(problems, "hire_date", data.hire_date, "The hire date", today)
    if data.leave_date is not None:
        if data.hire_date is not None and data.leave_date < hire:
            problems["leave_date"] = (f"The leave date {data.leave_date.isoformat()} is before "
                                      f"the hire date {hire.isoformat()}.")
        if data.leave_kind is None:
            problems["leave_kind"] = "Say whether leaving was voluntary or involuntary."
        else:
            one_of(problems, "leave_kind", data.leave_kind, LEAVE_KINDS, "The kind of leaving")
    elif data.leave_kind is not None or data.leave_reason.strip():
        problems["leave_date"] = "Enter the leave date, or clear the reason for leaving."
    if data.manager_number.strip() and data.manager_number.strip() == data.number.strip():
        problems["manager_number"] = "An employee cannot be their own manager."
    return problems


def _values(data: EmployeeInput) -> dict[str, object]:
    return {
        "number": data.number.strip(), "name": data.name.strip(), "team_id": data.team_id,
        "role": data.role.strip(), "manager_number": data.manager_number.strip(),
        "hire_date": data.hire_date, "leave_date": data.leave_date,
        "leave_kind": data.leave_kind if data.leave_date else None,
        "leave_reason": data.leave_reason.strip() if data.leave_date else "",
    }


def _check_against_store(con: Connection, org_id: int, data: EmployeeInput,
                         problems: dict[str, str], exclude_id: int | None) -> None:
    if data.team_id is not None and con.execute(
            "SELECT 1 FROM team WHERE org_id = ? AND id = ?", [org_id, data.team_id]
    ).fetchone() is None:
        problems["team"] = "That team no longer exists; choose another."
    if "number" not in problems and con.execute(
            "SELECT 1 FROM employee WHERE org_id = ? AND number = ? AND id IS DISTINCT FROM ?",
            [org_id, data.number.strip(), exclude_id]).fetchone():
        problems["number"] = f"Employee number {data.number.strip()} is already in use."


def add_employee(con: Connection, org_id: int, data: EmployeeInput,
                 today: date | None = None) -> int:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    problems = check_employee(data, today)
    with on_duplicate("number", lambda: f"Employee number {data.number.strip()} is already "
                      "in use."), transaction(con):
        _check_against_store(con, org_id, data, problems, None)
        raise_if(problems)
        values = _values(data)
        row = con.execute(
            f"INSERT INTO employee (org_id, {', '.join(values)}) VALUES "
            f"(?, {', '.join('?' for _ in values)}) RETURNING id",
            [org_id, *values.values()],
        ).fetchone()
    assert row is not None
    return int(row[0])


def update_employee(con: Connection, org_id: int, employee_id: int, version: int,
                    data: EmployeeInput, today: date | None = None) -> int:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    problems = check_employee(data, today)
    with on_duplicate("number", lambda: f"Employee number {data.number.strip()} is already "
                      "in use."), transaction(con):
        _check_against_store(con, org_id, data, problems, employee_id)
        raise_if(problems)
        return versioned_update(con, "employee", employee_id, org_id, version, _values(data),
                                "employee")


def teams_by_name(con: Connection, org_id: int) -> dict[str, int]:
    return {t.name.lower(): t.id for t in list_teams(con, org_id)}


def get_team_name(con: Connection, org_id: int, team_id: int) -> str:
    row = con.execute("SELECT name FROM team WHERE org_id = ? AND id = ?",
                      [org_id, team_id]).fetchone()
    if row is None:
        raise NotFoundError("That team no longer exists.")
    return str(row[0])
