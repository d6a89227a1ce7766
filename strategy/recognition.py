"""Step 9 — reward and recognition, and the views HR needs of it.

Records are never removed outright: a deletion marks the record deleted, and
every creation, edit and deletion is written to the history with who and when.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from . import access, audit
from .access import Permission
from .checks import past_date, raise_if, require_text
from .db import Connection, transaction
from .errors import ConflictError, NotFoundError, ValidationError
from .periods import QUARTER_TABLE, Quarter, quarter_table
from .rates import Rate
from .safe_text import to_csv

GIVER_KINDS = {"peer": "A colleague", "manager": "A manager", "customer": "A customer's compliment"}
REWARDS = ["thanks", "voucher", "points", "gift", "time off", "bonus"]
MAX_AMOUNT = 100_000.0


@dataclass
class RecognitionInput:
    recipients: list[int]
    given_on: date | None
    giver: str
    giver_kind: str
    what: str
    reward: str = "thanks"
    amount: float | None = None
    value_id: int | None = None
    standard_id: int | None = None


@dataclass(frozen=True)
class Recognition:
    id: int
    given_on: date
    giver: str
    giver_kind: str
    value_id: int | None
    value: str
    standard_id: int | None
    standard: str
    what: str
    reward: str
    amount: float | None
    version: int
    recipient_ids: tuple[int, ...]
    recipients: tuple[str, ...]
    teams: tuple[str, ...]
    created_by: str
    updated_by: str | None
    updated_at: datetime | None


def _validate(con: Connection, org_id: int, data: RecognitionInput,
              today: date | None) -> dict[str, object]:
    problems: dict[str, str] = {}
    day = past_date(problems, "given_on", data.given_on, "The date", today)
    giver = require_text(problems, "giver", data.giver, "Who gave it", 120)
    what = require_text(problems, "what", data.what, "What was done", 1000)
    if data.giver_kind not in GIVER_KINDS:
        problems["giver_kind"] = "Say whether it came from a colleague, a manager or a customer."
    if data.reward not in REWARDS:
        problems["reward"] = f"The reward must be one of: {', '.join(REWARDS)}."
    if data.amount is not None and (not math.isfinite(data.amount) or
                                    not 0 <= data.amount <= MAX_AMOUNT):
        problems["amount"] = f"The amount must be between 0 and {MAX_AMOUNT:,.0f}."
    if not data.recipients:
        problems["recipients"] = "Choose who is being recognised."
    else:
        found = con.execute(
            "SELECT count(*) FROM employee WHERE org_id = ? AND id IN (SELECT unnest(?))",
            [org_id, list(set(data.recipients))]).fetchone()
        if not found or found[0] != len(set(data.recipients)):
            problems["recipients"] = "One of those people is no longer on the staff list."
    if data.value_id is None and data.standard_id is None:
        problems["value"] = "Say which value or standard the behaviour reinforces."
    if data.value_id is not None and con.execute(
            "SELECT 1 FROM org_value WHERE org_id = ? AND id = ?",
            [org_id, data.value_id]).fetchone() is None:
        problems["value"] = "That value no longer exists."
    if data.standard_id is not None and con.execute(
            "SELECT 1 FROM standard WHERE org_id = ? AND id = ?",
            [org_id, data.standard_id]).fetchone() is None:
        problems["standard"] = "That standard no longer exists."
    raise_if(problems)
    return {"given_on": day, "giver": giver, "giver_kind": data.giver_kind,
            "value_id": data.value_id, "standard_id": data.standard_id, "what": what,
            "reward": data.reward, "amount": data.amount}


def _who() -> str:
    # "Recorded by" is the signed-in person, never a typed name.
    return audit.actor()


def _lock(con: Connection, org_id: int, day: object, reason: str | None) -> None:
    """Recognition dated in a reviewed quarter needs a reason, kept in the history."""
    if isinstance(day, date):
        period = f"{day:%Y-%m}"
        why = audit.check_unlocked(con, org_id, period, reason)
        if why:
            audit.record(con, org_id, "Recognition", "changed",
                         f"Recognition dated {day}", str(audit.quarter_of(period)), why)


def check(con: Connection, org_id: int, data: RecognitionInput,
          today: date | None = None) -> None:
    """Raise ValidationError if the record could not be saved; writes nothing."""
    _validate(con, org_id, data, today)


def _insert(con: Connection, org_id: int, data: RecognitionInput, who: str,
            today: date | None, reason: str | None) -> int:
    values = _validate(con, org_id, data, today)
    _lock(con, org_id, values["given_on"], reason)
    row = con.execute(
        f"INSERT INTO recognition (org_id, {', '.join(values)}, created_by) "
        f"VALUES (?, {', '.join('?' for _ in values)}, ?) RETURNING id",
        [org_id, *values.values(), who]).fetchone()
    assert row is not None
    for employee_id in sorted(set(data.recipients)):
        con.execute("INSERT INTO recognition_recipient (recognition_id, org_id, employee_id) "
                    "VALUES (?, ?, ?)", [row[0], org_id, employee_id])
    con.execute("INSERT INTO recognition_history (org_id, recognition_id, action, done_by) "
                "VALUES (?, ?, 'created', ?)", [org_id, row[0], who])
    return int(row[0])


def add_recognition(con: Connection, org_id: int, data: RecognitionInput,
                    today: date | None = None, reason: str | None = None) -> int:
    access.require(Permission.GIVE_RECOGNITION, org_id)
    who = _who()
    with transaction(con):
        return _insert(con, org_id, data, who, today, reason)


def add_many(con: Connection, org_id: int, records: list[RecognitionInput],
             today: date | None = None, reason: str | None = None) -> int:
    """Record several in one transaction: all of them or none."""
    access.require(Permission.MANAGE_PEOPLE, org_id)
    who = _who()
    with transaction(con):
        for data in records:
            _insert(con, org_id, data, who, today, reason)
    return len(records)


def update_recognition(con: Connection, org_id: int, recognition_id: int, version: int,
                       data: RecognitionInput, today: date | None = None,
                       reason: str | None = None) -> None:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    who = _who()
    with transaction(con):
        before = get_recognition(con, org_id, recognition_id)
        values = _validate(con, org_id, data, today)
        _lock(con, org_id, before.given_on, reason)
        if values["given_on"] != before.given_on:
            _lock(con, org_id, values["given_on"], reason)
        changed = [k for k, v in values.items() if getattr(before, k) != v]
        if set(before.recipient_ids) != set(data.recipients):
            changed.append("recipients")
        row = con.execute(
            f"UPDATE recognition SET {', '.join(f'{k} = ?' for k in values)}, updated_by = ?, "
            "updated_at = now(), version = version + 1 "
            "WHERE org_id = ? AND id = ? AND version = ? AND deleted_at IS NULL RETURNING id",
            [*values.values(), who, org_id, recognition_id, version]).fetchone()
        if row is None:
            raise ConflictError("Someone else changed this recognition while you were editing "
                                "it; nothing was overwritten. Reload it and edit again.")
        con.execute("DELETE FROM recognition_recipient WHERE recognition_id = ?",
                    [recognition_id])
        for employee_id in sorted(set(data.recipients)):
            con.execute("INSERT INTO recognition_recipient (recognition_id, org_id, employee_id) "
                        "VALUES (?, ?, ?)", [recognition_id, org_id, employee_id])
        con.execute("INSERT INTO recognition_history (org_id, recognition_id, action, done_by, "
                    "details) VALUES (?, ?, 'edited', ?, ?)",
                    [org_id, recognition_id, who, "changed " + ", ".join(changed)
                     if changed else "no change"])


def delete_recognition(con: Connection, org_id: int, recognition_id: int,
                       reason: str | None = None) -> None:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    who = _who()
    with transaction(con):
        _lock(con, org_id, get_recognition(con, org_id, recognition_id).given_on, reason)
        row = con.execute(
            "UPDATE recognition SET deleted_by = ?, deleted_at = now() "
            "WHERE org_id = ? AND id = ? AND deleted_at IS NULL RETURNING id",
            [who, org_id, recognition_id]).fetchone()
        if row is None:
            raise NotFoundError("That recognition was already deleted.")
        con.execute("INSERT INTO recognition_history (org_id, recognition_id, action, done_by) "
                    "VALUES (?, ?, 'deleted', ?)", [org_id, recognition_id, who])


@dataclass
class LogFilter:
    start: date
    end: date
    team_id: int | None = None
    giver_kind: str | None = None
    employee_id: int | None = None


_LIST = """
    SELECT r.id, r.given_on, r.giver, r.giver_kind, r.value_id, coalesce(v.name, ''),
           r.standard_id, coalesce(s.title, ''), r.what, r.reward, r.amount, r.version,
           list(e.id ORDER BY e.name), list(e.name ORDER BY e.name),
           list(DISTINCT coalesce(t.name, '')), r.created_by, r.updated_by, r.updated_at
    FROM recognition r
    JOIN recognition_recipient rr ON rr.recognition_id = r.id
    JOIN employee e ON e.id = rr.employee_id
    LEFT JOIN team t ON t.id = e.team_id
    LEFT JOIN org_value v ON v.id = r.value_id
    LEFT JOIN standard s ON s.id = r.standard_id
"""


def _row(r: tuple[Any, ...]) -> Recognition:
    (rid, given_on, giver, giver_kind, value_id, value, standard_id, standard, what, reward,
     amount, version, recipient_ids, recipients, teams, created_by, updated_by, updated_at) = r
    return Recognition(rid, given_on, giver, giver_kind, value_id, value, standard_id, standard,
                       what, reward, amount, version, tuple(recipient_ids), tuple(recipients),
                       tuple(sorted(t for t in teams if t)), created_by, updated_by, updated_at)


def get_recognition(con: Connection, org_id: int, recognition_id: int) -> Recognition:
    access.require(Permission.HR_RECORDS, org_id)
    row = con.execute(_LIST + " WHERE r.org_id = ? AND r.id = ? AND r.deleted_at IS NULL "
                      "GROUP BY ALL", [org_id, recognition_id]).fetchone()
    if row is None:
        raise NotFoundError("That recognition no longer exists; it may have been deleted.")
    return _row(row)


def list_recognitions(con: Connection, org_id: int, filters: LogFilter) -> list[Recognition]:
    access.require(Permission.HR_RECORDS, org_id)
    rows = con.execute(
        _LIST + """
        WHERE r.org_id = ? AND r.deleted_at IS NULL AND r.given_on BETWEEN ? AND ?
          AND (CAST(? AS VARCHAR) IS NULL OR r.giver_kind = ?)
          AND (CAST(? AS BIGINT) IS NULL OR r.id IN (
                SELECT rr2.recognition_id FROM recognition_recipient rr2
                JOIN employee e2 ON e2.id = rr2.employee_id WHERE e2.team_id = ?))
          AND (CAST(? AS BIGINT) IS NULL OR r.id IN (
                SELECT recognition_id FROM recognition_recipient WHERE employee_id = ?))
        GROUP BY ALL ORDER BY r.given_on DESC, r.id DESC
        """,
        [org_id, filters.start, filters.end, filters.giver_kind, filters.giver_kind,
         filters.team_id, filters.team_id, filters.employee_id, filters.employee_id],
    ).fetchall()
    return [_row(r) for r in rows]


def history(con: Connection, org_id: int, recognition_id: int | None = None,
            limit: int = 200) -> list[tuple[object, ...]]:
    access.require(Permission.HR_RECORDS, org_id)
    return con.execute(
        "SELECT h.done_at, h.done_by, h.action, h.recognition_id, h.details "
        "FROM recognition_history h WHERE h.org_id = ? "
        "AND (CAST(? AS BIGINT) IS NULL OR h.recognition_id = ?) "
        "ORDER BY h.done_at DESC, h.id DESC LIMIT ?",
        [org_id, recognition_id, recognition_id, limit]).fetchall()


LOG_HEADERS = ["Date", "Recipients", "Teams", "Given by", "From", "Value", "Standard",
               "What was done", "Reward", "Amount", "Recorded by", "Last edited by"]


def log_csv(records: list[Recognition]) -> bytes:
    """The filtered log as CSV; text that could act as a formula stays text."""
    return to_csv(LOG_HEADERS, (
        [r.given_on.isoformat(), "; ".join(r.recipients), "; ".join(r.teams), r.giver,
         GIVER_KINDS[r.giver_kind], r.value, r.standard, r.what, r.reward, r.amount,
         r.created_by, r.updated_by or ""] for r in records))


# --- HR views ---------------------------------------------------------------------------
# "Staff in the period" means everyone employed on at least one day of it.

_STAFF = """
    staff AS (SELECT e.id, e.name, e.team_id FROM employee e WHERE e.org_id = ?
              AND e.hire_date <= ? AND (e.leave_date IS NULL OR e.leave_date >= ?)),
    received AS (SELECT rr.employee_id, count(*) AS n FROM recognition_recipient rr
                 JOIN recognition r ON r.id = rr.recognition_id
                 WHERE r.org_id = ? AND r.deleted_at IS NULL AND r.given_on BETWEEN ? AND ?
                 GROUP BY rr.employee_id)
"""


@dataclass(frozen=True)
class TeamRecognition:
    team: str
    staff: int
    received: int
    recognised_people: int

    @property
    def per_head(self) -> float | None:
        return self.received / self.staff if self.staff else None


def per_head_by_team(con: Connection, org_id: int, start: date,
                     end: date) -> list[TeamRecognition]:
    rows = con.execute(
        "WITH " + _STAFF + """
        SELECT coalesce(t.name, '(no team)'), count(s.id), coalesce(sum(rc.n), 0),
               count(rc.employee_id)
        FROM staff s LEFT JOIN team t ON t.id = s.team_id
        LEFT JOIN received rc ON rc.employee_id = s.id
        GROUP BY 1 ORDER BY 1
        """, [org_id, end, start, org_id, start, end]).fetchall()
    return [TeamRecognition(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def per_head_series(con: Connection, org_id: int, quarters: Sequence[Quarter],
                    ends: Sequence[date], team_id: int | None = None) -> list[tuple[int, int]]:
    """(recognitions received, staff in the period) per quarter, each quarter running
    to its entry in ``ends``; one team's or everyone's. ``per_head_by_team``'s totals,
    for a scorecard's quarters in one query."""
    rows = con.execute(
        "WITH " + QUARTER_TABLE + """,
        staff AS (SELECT q.label, e.id FROM q JOIN employee e
                      ON e.hire_date <= q.qe AND (e.leave_date IS NULL OR e.leave_date >= q.qs)
                  WHERE e.org_id = ? AND (CAST(? AS BIGINT) IS NULL OR e.team_id = ?)),
        -- Each record's quarter is worked out from its date, so the records meet the
        -- quarters (and then the staff) on equal keys rather than by date ranges.
        given AS (SELECT rr.employee_id, q.label, count(*) AS n
                  FROM recognition r JOIN recognition_recipient rr ON rr.recognition_id = r.id
                  JOIN q ON q.label = strftime(r.given_on, '%Y') || '-Q' || quarter(r.given_on)
                  WHERE r.org_id = ? AND r.deleted_at IS NULL
                    AND r.given_on BETWEEN (SELECT min(qs) FROM q) AND (SELECT max(qe) FROM q)
                    AND r.given_on BETWEEN q.qs AND q.qe
                  GROUP BY ALL),
        received AS (SELECT s.label, sum(g.n) AS n FROM staff s
                     JOIN given g ON g.employee_id = s.id AND g.label = s.label GROUP BY s.label),
        headcount AS (SELECT label, count(*) AS n FROM staff GROUP BY label)
        SELECT h.label, coalesce(r.n, 0), h.n FROM headcount h LEFT JOIN received r USING (label)
        """, [*quarter_table(quarters, ends), org_id, team_id, team_id, org_id]).fetchall()
    found = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    return [found.get(str(q), (0, 0)) for q in quarters]


@dataclass(frozen=True)
class Unrecognised:
    employee_id: int
    name: str
    team: str
    last_recognised: date | None


# Staff employed on the day who received nothing in the window: found by taking
# the window's recipients away from the staff, which reads only the window's records.
_OVERLOOKED = """
    WITH staff AS (SELECT e.id, e.name, e.team_id FROM employee e
                   WHERE e.org_id = $org AND e.hire_date <= $on
                     AND (e.leave_date IS NULL OR e.leave_date >= $on)),
    recent AS (SELECT DISTINCT rr.employee_id FROM recognition r
               JOIN recognition_recipient rr ON rr.recognition_id = r.id
               WHERE r.org_id = $org AND r.deleted_at IS NULL
                 AND r.given_on BETWEEN $since AND $on),
    overlooked AS (SELECT * FROM staff WHERE id NOT IN (SELECT employee_id FROM recent))
"""


def not_recognised(con: Connection, org_id: int, on: date, days: int = 90) -> list[Unrecognised]:
    """Current staff with no recognition received in the ``days`` up to ``on``, those
    never recognised first, then the longest overlooked."""
    access.require(Permission.HR_RECORDS, org_id)
    if not 1 <= days <= 3650:
        raise ValidationError({"days": "Choose between 1 and 3650 days."})
    since = on - timedelta(days=days - 1)
    rows = con.execute(_OVERLOOKED + """,
        last AS (SELECT rr.employee_id, max(r.given_on) AS given_on FROM recognition r
                 JOIN recognition_recipient rr ON rr.recognition_id = r.id
                 WHERE r.org_id = $org AND r.deleted_at IS NULL AND r.given_on < $since
                   AND rr.employee_id IN (SELECT id FROM overlooked)
                 GROUP BY rr.employee_id)
        SELECT o.id, o.name, coalesce(t.name, ''), l.given_on
        FROM overlooked o LEFT JOIN team t ON t.id = o.team_id
        LEFT JOIN last l ON l.employee_id = o.id
        ORDER BY l.given_on NULLS FIRST, o.name
        """, {"org": org_id, "on": on, "since": since}).fetchall()
    return [Unrecognised(*r) for r in rows]


def count_not_recognised(con: Connection, org_id: int, on: date, days: int = 90) -> int:
    """How many current staff went unrecognised: a figure, not names, so anyone who
    reads the plan's progress may see it."""
    since = on - timedelta(days=days - 1)
    row = con.execute(_OVERLOOKED + " SELECT count(*) FROM overlooked",
                      {"org": org_id, "on": on, "since": since}).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Spread:
    staff: int
    top_tenth: int  # how many people make up the most-recognised tenth
    top_share: Rate  # recognitions to the top tenth, of all recognitions received
    never: int  # staff recognised not even once
    counts: list[int] = field(default_factory=list)


def spread(con: Connection, org_id: int, start: date, end: date) -> Spread:
    """How evenly recognition is spread: the share going to the most-recognised tenth.

    With perfectly even recognition the top tenth gets about 10%; the further
    above that, the more recognition concentrates on a few people."""
    rows = con.execute("WITH " + _STAFF + """
        SELECT coalesce(rc.n, 0) FROM staff s LEFT JOIN received rc ON rc.employee_id = s.id
        ORDER BY 1 DESC
        """, [org_id, end, start, org_id, start, end]).fetchall()
    counts = [int(r[0]) for r in rows]
    top = math.ceil(len(counts) / 10)
    return Spread(len(counts), top, Rate(sum(counts[:top]), sum(counts)),
                  sum(c == 0 for c in counts), counts)


def counts_by(con: Connection, org_id: int, start: date, end: date,
              by: str) -> list[tuple[str, int]]:
    """Recognitions per value or per standard in the period (those linked to one)."""
    join = {"value": "org_value x ON x.id = r.value_id",
            "standard": "standard x ON x.id = r.standard_id"}[by]
    name = {"value": "x.name", "standard": "x.title"}[by]
    rows = con.execute(
        f"""
        SELECT {name}, count(*) FROM recognition r JOIN {join}
        WHERE r.org_id = ? AND r.deleted_at IS NULL AND r.given_on BETWEEN ? AND ?
        GROUP BY 1 ORDER BY 2 DESC, 1
        """, [org_id, start, end]).fetchall()
    return [(r[0], int(r[1])) for r in rows]
