"""Step 4 — service standards, what was promised outside, and how it was communicated.

A standard is concrete and observable: per channel, tied to a service quality,
with a measure, an internal target and the direction in which it is better.
Under-promise and over-deliver: an external promise stricter than the
internal target is flagged as a risk.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from strategy.core import access, audit
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
from strategy.core.vocabulary import AUDIENCES, COMMUNICATION_METHODS, DIRECTIONS, STANDARD_CHANNELS
from strategy.customers.needs import qualities

TEMPLATES_FILE = Path(__file__).resolve().parents[2] / "data" / "reference" / \
    "standard_templates.json"

_COLUMNS = ("id, title, description, channel, quality, measure, target, unit, direction, "
            "promise, promise_text, version")


@dataclass
class StandardInput:
    title: str
    channel: str
    quality: str
    description: str = ""
    measure: str = ""
    target: float | None = None
    unit: str = ""
    direction: str = "higher"
    promise: float | None = None
    promise_text: str = ""


@dataclass(frozen=True)
class Standard:
    id: int
    title: str
    description: str
    channel: str
    quality: str
    measure: str
    target: float | None
    unit: str
    direction: str
    promise: float | None
    promise_text: str
    version: int
    communications: int = 0

    @property
    def has_measurable_target(self) -> bool:
        return self.target is not None and bool(self.measure) and bool(self.unit)

    @property
    def over_promises(self) -> bool:
        """The outside world was promised more than the team is asked to deliver."""
        if self.promise is None or self.target is None:
            return False
        if self.direction == "lower":
            return self.promise < self.target
        return self.promise > self.target

    def flags(self) -> list[str]:
        found = []
        if not self.has_measurable_target:
            found.append("No measurable target")
        if self.over_promises:
            found.append("Promise stricter than target")
        if self.communications == 0:
            found.append("Not yet communicated")
        return found

    def target_text(self) -> str:
        if self.target is None:
            return ""
        sign = "≤" if self.direction == "lower" else "≥"
        return f"{sign} {self.target:g} {self.unit}".strip()


def _number(problems: dict[str, str], field: str, value: float | None, label: str) -> None:
    if value is not None and (not isinstance(value, int | float) or not math.isfinite(value)):
        problems[field] = f"{label} must be a number."


def _validate(con: Connection, org_id: int, data: StandardInput,
              exclude_id: int | None = None) -> dict[str, object]:
    problems: dict[str, str] = {}
    title = require_text(problems, "title", data.title, "The standard's title", 160)
    description = optional_text(problems, "description", data.description, "The description")
    measure = optional_text(problems, "measure", data.measure, "The measure", 200)
    unit = optional_text(problems, "unit", data.unit, "The unit", 30)
    promise_text = optional_text(problems, "promise_text", data.promise_text,
                                 "The promise's wording", 400)
    one_of(problems, "channel", data.channel, STANDARD_CHANNELS, "The channel")
    one_of(problems, "direction", data.direction, list(DIRECTIONS), "The direction")
    if data.quality not in qualities(con, org_id):
        problems["quality"] = "Choose the service quality this standard serves."
    _number(problems, "target", data.target, "The target")
    _number(problems, "promise", data.promise, "The promise")
    if data.target is not None and "target" not in problems:
        if not unit:
            problems["unit"] = ("A target needs a unit (for example rings, seconds, hours or %) "
                                "so people know what the number means.")
        if not measure:
            problems["measure"] = "Say what is measured, for example “Rings before answer”."
        if data.target < 0:
            problems["target"] = "The target cannot be negative."
        if unit == "%" and data.target > 100:
            problems["target"] = "A percentage target cannot be over 100."
    if data.promise is not None and "promise" not in problems:
        if data.target is None:
            problems["promise"] = ("Set the internal target first: a promise is compared with "
                                   "it, in the same unit.")
        elif data.promise < 0 or (unit == "%" and data.promise > 100):
            problems["promise"] = "The promise must be in the target's range and unit."
    if title and "title" not in problems:
        clash = con.execute(
            "SELECT 1 FROM standard WHERE org_id = ? AND lower(title) = lower(?) "
            "AND id IS DISTINCT FROM ?",
            [org_id, title, exclude_id],
        ).fetchone()
        if clash:
            problems["title"] = f"There is already a standard called “{title}”."
    raise_if(problems)
    return {
        "title": title, "description": description, "channel": data.channel,
        "quality": data.quality, "measure": measure, "target": data.target, "unit": unit,
        "direction": data.direction, "promise": data.promise, "promise_text": promise_text,
    }


def add_standard(con: Connection, org_id: int, data: StandardInput) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    with on_duplicate("title", lambda: f"There is already a standard called "
                      f"“{data.title.strip()}”."), transaction(con):
        values = _validate(con, org_id, data)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        row = con.execute(
            f"INSERT INTO standard (org_id, {columns}) VALUES (?, {marks}) RETURNING id",
            [org_id, *values.values()],
        ).fetchone()
        audit.record(con, org_id, "Standards", "added", f"Standard “{values['title']}”")
    assert row is not None
    return int(row[0])


def update_standard(con: Connection, org_id: int, standard_id: int, version: int,
                    data: StandardInput) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    with on_duplicate("title", lambda: f"There is already a standard called "
                      f"“{data.title.strip()}”."), transaction(con):
        before = get_standard(con, org_id, standard_id)
        values = _validate(con, org_id, data, exclude_id=standard_id)
        new_version = versioned_update(con, "standard", standard_id, org_id, version, values,
                                       "standard")
        changed = [name for name, value in values.items() if getattr(before, name) != value]
        detail = ""
        if {"target", "unit", "direction"} & set(changed):
            after = replace(before, target=data.target, unit=str(values["unit"]),
                            direction=data.direction)
            detail = f" (target {before.target_text() or 'none'} → " \
                     f"{after.target_text() or 'none'})"
        audit.record(con, org_id, "Standards", "edited",
                     f"Standard “{values['title']}”: {', '.join(changed) or 'no change'}{detail}")
        return new_version


def delete_standard(con: Connection, org_id: int, standard_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        gone = get_standard(con, org_id, standard_id)
        audit.record(con, org_id, "Standards", "deleted", f"Standard “{gone.title}”")
        # Table names are fixed here in code; only values are parameters.
        for table in ("standard_communication", "standard_owner", "standard_team",
                      "acknowledgement", "observation", "standard_result"):
            con.execute(f"DELETE FROM {table} WHERE org_id = ? AND standard_id = ?",
                        [org_id, standard_id])
        # Recognition, complaints and compliments stay on record; they just no longer
        # point at the standard.
        for table in ("recognition", "complaint"):
            con.execute(f"UPDATE {table} SET standard_id = NULL WHERE org_id = ? AND "
                        "standard_id = ?", [org_id, standard_id])
        con.execute("DELETE FROM standard WHERE org_id = ? AND id = ?", [org_id, standard_id])


def complaints_naming(con: Connection, org_id: int, standard_id: int) -> int:
    """How many complaints and compliments name the standard as breached (or kept): a
    deletion keeps them, without the standard."""
    row = con.execute("SELECT count(*) FROM complaint WHERE org_id = ? AND standard_id = ?",
                      [org_id, standard_id]).fetchone()
    return int(row[0]) if row else 0


def list_standards(con: Connection, org_id: int) -> list[Standard]:
    rows = con.execute(
        f"""
        SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))},
               (SELECT count(*) FROM standard_communication c WHERE c.standard_id = s.id)
        FROM standard s WHERE s.org_id = ? ORDER BY s.channel, lower(s.title)
        """,
        [org_id],
    ).fetchall()
    return [Standard(*row) for row in rows]


def get_standard(con: Connection, org_id: int, standard_id: int) -> Standard:
    for standard in list_standards(con, org_id):
        if standard.id == standard_id:
            return standard
    raise NotFoundError("That standard no longer exists; it may have been deleted.")


# --- Templates -----------------------------------------------------------------


def templates() -> list[StandardInput]:
    """The shipped library of standards drawn from common practice."""
    raw = json.loads(TEMPLATES_FILE.read_text("utf-8"))
    return [StandardInput(**item) for item in raw]


def add_from_template(con: Connection, org_id: int, title: str) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    for template in templates():
        if template.title == title:
            try:
                return add_standard(con, org_id, template)
            except ValidationError as exc:
                if "title" in exc.fields:
                    raise ValidationError({"template": f"“{title}” is already in your "
                                                       "register."}) from exc
                raise
    raise NotFoundError(f"There is no template called “{title}”.")


# --- Communication log -----------------------------------------------------------


@dataclass(frozen=True)
class Communication:
    id: int
    standard_id: int
    standard: str
    communicated_on: date
    audience: str
    method: str
    note: str


def add_communication(con: Connection, org_id: int, standard_id: int,
                      communicated_on: date | None, audience: str, method: str,
                      note: str = "", today: date | None = None) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    day = past_date(problems, "communicated_on", communicated_on, "The date communicated",
                    today)
    one_of(problems, "audience", audience, AUDIENCES, "The audience")
    if audience in COMMUNICATION_METHODS:
        one_of(problems, "method", method, COMMUNICATION_METHODS[audience], "The method")
    note = optional_text(problems, "note", note, "The note", 500)
    raise_if(problems)
    with transaction(con):
        get_standard(con, org_id, standard_id)
        row = con.execute(
            "INSERT INTO standard_communication (org_id, standard_id, communicated_on, "
            "audience, method, note) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [org_id, standard_id, day, audience, method, note],
        ).fetchone()
    assert row is not None
    return int(row[0])


def list_communications(con: Connection, org_id: int,
                        standard_id: int | None = None) -> list[Communication]:
    rows = con.execute(
        """
        SELECT c.id, c.standard_id, s.title, c.communicated_on, c.audience, c.method, c.note
        FROM standard_communication c JOIN standard s ON s.id = c.standard_id
        WHERE c.org_id = ? AND (? IS NULL OR c.standard_id = ?)
        ORDER BY c.communicated_on DESC, c.id DESC
        """,
        [org_id, standard_id, standard_id],
    ).fetchall()
    return [Communication(*row) for row in rows]


def delete_communication(con: Connection, org_id: int, communication_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        con.execute("DELETE FROM standard_communication WHERE org_id = ? AND id = ?",
                    [org_id, communication_id])
