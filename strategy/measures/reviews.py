"""Step 11 — the quarterly review: scorecard snapshot, lessons, decisions and actions.

Closing a review freezes the scorecard as it stood (later edits do not change
it) and locks the quarter: changing its data afterwards needs a reason, which
the change history keeps. Actions stay on every later review until closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import optional_text, raise_if, require_text
from strategy.core.db import Connection, transaction
from strategy.core.errors import ConflictError, NotFoundError, ValidationError
from strategy.core.periods import Quarter
from strategy.measures.scorecard import scorecard

PITFALLS = [
    "Weak commitment from management",
    "Low participation across levels",
    "Old-school management habits",
    "Measuring too much (\"measurement psychosis\")",
    "Blaming people instead of processes",
]
ACTION_STATUSES = ["open", "in progress", "done", "dropped"]
OPEN_STATUSES = ("open", "in progress")


@dataclass(frozen=True)
class Review:
    id: int
    period: str
    held_on: date | None
    what_worked: str
    what_did_not: str
    pitfalls: tuple[str, ...]
    decisions: str
    snapshot: list[dict[str, object]] | None
    closed_at: datetime | None
    closed_by: str | None
    version: int

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


_SELECT = ("SELECT id, period, held_on, what_worked, what_did_not, pitfalls, decisions, "
           "snapshot, closed_at, closed_by, version FROM review")


def _review(row: tuple[object, ...]) -> Review:
    (rid, period, held_on, worked, did_not, pitfalls, decisions, snapshot, closed_at, closed_by,
     version) = row
    return Review(rid, period, held_on, worked, did_not, tuple(pitfalls or ()),  # type: ignore[arg-type]
                  decisions, json.loads(snapshot) if snapshot else None,  # type: ignore[arg-type]
                  closed_at, closed_by, version)  # type: ignore[arg-type]


def find_review(con: Connection, org_id: int, quarter: Quarter) -> Review | None:
    row = con.execute(_SELECT + " WHERE org_id = ? AND period = ?",
                      [org_id, str(quarter)]).fetchone()
    return _review(row) if row else None


def list_reviews(con: Connection, org_id: int) -> list[Review]:
    rows = con.execute(_SELECT + " WHERE org_id = ? ORDER BY period DESC", [org_id]).fetchall()
    return [_review(r) for r in rows]


def start_review(con: Connection, org_id: int, quarter: Quarter) -> Review:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        con.execute("INSERT INTO review (org_id, period) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [org_id, str(quarter)])
        audit.record(con, org_id, "Review", "started", f"Review of {quarter}", str(quarter))
    found = find_review(con, org_id, quarter)
    assert found is not None
    return found


@dataclass
class ReviewInput:
    held_on: date | None
    what_worked: str
    what_did_not: str
    pitfalls: list[str]
    decisions: str


def save_review(con: Connection, org_id: int, review_id: int, version: int,
                data: ReviewInput, today: date | None = None) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    worked = optional_text(problems, "what_worked", data.what_worked, "What worked", 4000)
    did_not = optional_text(problems, "what_did_not", data.what_did_not, "What did not", 4000)
    decisions = optional_text(problems, "decisions", data.decisions, "The decisions", 4000)
    if data.held_on is None:
        problems["held_on"] = "Enter the date the review was held."
    elif data.held_on > (today or date.today()):
        problems["held_on"] = "The review date is in the future; enter the day it was held."
    if any(p not in PITFALLS for p in data.pitfalls):
        problems["pitfalls"] = "Choose pitfalls from the list."
    raise_if(problems)
    with transaction(con):
        current = _get(con, org_id, review_id)
        if current.closed:
            raise ValidationError({"review": f"The review of {current.period} is closed; its "
                                             "record can no longer change."})
        row = con.execute(
            "UPDATE review SET held_on = ?, what_worked = ?, what_did_not = ?, pitfalls = ?, "
            "decisions = ?, version = version + 1 WHERE org_id = ? AND id = ? AND version = ? "
            "RETURNING id",
            [data.held_on, worked, did_not, [p for p in PITFALLS if p in data.pitfalls],
             decisions, org_id, review_id, version]).fetchone()
        if row is None:
            raise ConflictError("Someone else saved this review while you were editing it; "
                                "nothing was overwritten. Your text is still in the form: load "
                                "the latest version and apply your change again.")
        audit.record(con, org_id, "Review", "edited", f"Review of {current.period}",
                     current.period)


def _get(con: Connection, org_id: int, review_id: int) -> Review:
    row = con.execute(_SELECT + " WHERE org_id = ? AND id = ?", [org_id, review_id]).fetchone()
    if row is None:
        raise NotFoundError("That review no longer exists.")
    return _review(row)


def _snapshot(con: Connection, org_id: int, quarter: Quarter,
              today: date | None) -> list[dict[str, object]]:
    return [{"measure": r.measure.name, "side": r.measure.side, "unit": r.measure.unit,
             "direction": r.measure.direction, "target": r.measure.target,
             "amber_band": r.measure.amber_band, "actual": r.actual.value,
             "previous": r.previous, "change": r.change, "status": r.status,
             "basis": r.actual.detail, "small_sample": r.small_sample}
            for r in scorecard(con, org_id, quarter, today=today)]


def close_review(con: Connection, org_id: int, review_id: int,
                 today: date | None = None) -> None:
    """Hold the review: freeze the scorecard and lock the quarter."""
    access.require(Permission.EDIT_PLAN, org_id)
    who = audit.actor()
    with transaction(con):
        current = _get(con, org_id, review_id)
        if current.closed:
            raise ValidationError({"review": f"The review of {current.period} is already "
                                             "closed."})
        if current.held_on is None:
            raise ValidationError({"held_on": "Enter the date the review was held before "
                                              "closing it."})
        snapshot = _snapshot(con, org_id, Quarter.parse(current.period), today)
        con.execute("UPDATE review SET snapshot = ?, closed_at = now(), closed_by = ?, "
                    "version = version + 1 WHERE id = ?",
                    [json.dumps(snapshot, default=str), who, review_id])
        audit.record(con, org_id, "Review", "closed",
                     f"Review of {current.period} held; the quarter is now locked",
                     current.period)


@dataclass(frozen=True)
class Action:
    id: int
    review_id: int
    raised_in: str
    description: str
    owner: str
    due: date
    status: str

    def overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.due < today


def add_action(con: Connection, org_id: int, review_id: int, description: str, owner: str,
               due: date | None) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    description = require_text(problems, "action", description, "The action", 500)
    owner = require_text(problems, "owner", owner, "The owner", 120)
    if due is None:
        problems["due"] = "Give the action a due date."
    raise_if(problems)
    with transaction(con):
        review = _get(con, org_id, review_id)
        row = con.execute("INSERT INTO review_action (org_id, review_id, description, owner, due) "
                          "VALUES (?, ?, ?, ?, ?) RETURNING id",
                          [org_id, review_id, description, owner, due]).fetchone()
        audit.record(con, org_id, "Actions", "added",
                     f"“{description}” for {owner} by {due}", review.period)
    assert row is not None
    return int(row[0])


def set_action_status(con: Connection, org_id: int, action_id: int, new_status: str) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    if new_status not in ACTION_STATUSES:
        raise ValidationError({"status": f"Status is one of {', '.join(ACTION_STATUSES)}."})
    with transaction(con):
        row = con.execute("UPDATE review_action SET status = ?, updated_at = now() "
                          "WHERE org_id = ? AND id = ? RETURNING description",
                          [new_status, org_id, action_id]).fetchone()
        if row is None:
            raise NotFoundError("That action no longer exists.")
        audit.record(con, org_id, "Actions", "status", f"“{row[0]}” is now {new_status}")


def list_actions(con: Connection, org_id: int, only_open: bool = False) -> list[Action]:
    rows = con.execute(
        "SELECT a.id, a.review_id, r.period, a.description, a.owner, a.due, a.status "
        "FROM review_action a JOIN review r ON r.id = a.review_id WHERE a.org_id = ? "
        "AND (NOT ? OR a.status IN ('open', 'in progress')) ORDER BY a.due, a.id",
        [org_id, only_open]).fetchall()
    return [Action(*r) for r in rows]


def previous_closed(con: Connection, org_id: int, quarter: Quarter) -> Review | None:
    row = con.execute(_SELECT + " WHERE org_id = ? AND period < ? AND closed_at IS NOT NULL "
                      "ORDER BY period DESC LIMIT 1", [org_id, str(quarter)]).fetchone()
    return _review(row) if row else None


def changes_since_previous(con: Connection, org_id: int,
                           quarter: Quarter) -> tuple[Review | None, list[audit.Change]]:
    """What changed in the plan since the previous review was closed."""
    previous = previous_closed(con, org_id, quarter)
    since = previous.closed_at if previous else None
    return previous, audit.changes(con, org_id, since=since)
