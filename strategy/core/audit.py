"""The change history of the plan, and the locking of reviewed periods.

Who is acting is the signed-in person (or guest, or the command line) that
:mod:`strategy.core.access` holds for this request, so the domain functions record
who changed what without every signature carrying a name — and nobody can type
someone else's name into the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from strategy.core import access
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.periods import Quarter


def actor() -> str:
    """How the change history names the person acting now."""
    return access.current().name


def record(con: Connection, org_id: int, area: str, action: str, summary: str,
           period: str | None = None, reason: str = "") -> None:
    """Add a line to the change history; call inside the change's own transaction."""
    con.execute(
        "INSERT INTO change_log (org_id, changed_by, area, action, summary, period, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [org_id, actor(), area, action, summary[:500], period, reason.strip()])


@dataclass(frozen=True)
class Change:
    changed_at: datetime
    changed_by: str
    area: str
    action: str
    summary: str
    period: str | None
    reason: str


def changes(con: Connection, org_id: int, since: datetime | None = None,
            until: datetime | None = None, limit: int = 1000) -> list[Change]:
    rows = con.execute(
        "SELECT changed_at, changed_by, area, action, summary, period, reason FROM change_log "
        "WHERE org_id = ? AND (CAST(? AS TIMESTAMP) IS NULL OR changed_at > ?) "
        "AND (CAST(? AS TIMESTAMP) IS NULL OR changed_at <= ?) "
        "ORDER BY changed_at DESC, id DESC LIMIT ?",
        [org_id, since, since, until, until, limit]).fetchall()
    return [Change(*r) for r in rows]


def quarter_of(period: str) -> Quarter:
    """The quarter a period belongs to: ``2026-Q4`` itself, or ``2026-11``'s quarter."""
    if "-Q" in period.upper():
        return Quarter.parse(period)
    year, month = period.split("-")
    return Quarter(int(year), (int(month) - 1) // 3 + 1)


def locked_quarters(con: Connection, org_id: int) -> set[str]:
    rows = con.execute("SELECT period FROM review WHERE org_id = ? AND closed_at IS NOT NULL",
                       [org_id]).fetchall()
    return {row[0] for row in rows}


def check_unlocked(con: Connection, org_id: int, period: str, reason: str | None) -> str:
    """Refuse a change to a reviewed (locked) period unless a reason is given.

    Returns the reason to record ("" for an unlocked period)."""
    quarter = str(quarter_of(period))
    if quarter not in locked_quarters(con, org_id):
        return ""
    if not reason or not reason.strip():
        raise ValidationError({"reason": f"{quarter} was reviewed and is locked. Say why it "
                                         "must change; the reason is kept in the history."})
    return reason.strip()


def corrections_since(con: Connection, org_id: int, quarter: Quarter,
                      since: datetime) -> list[Change]:
    """Changes to a quarter's data recorded after ``since`` (a review's close), oldest first.

    A change names its quarter in ``period``; an import spanning several quarters names
    them all ("2026-Q2, 2026-Q3"). The review's own record and its actions are not data
    of the quarter, so they are left out.
    """
    rows = con.execute(
        "SELECT changed_at, changed_by, area, action, summary, period, reason FROM change_log "
        "WHERE org_id = ? AND changed_at > ? AND area NOT IN ('Review', 'Actions') "
        "AND list_contains(string_split(period, ', '), ?) ORDER BY changed_at, id",
        [org_id, since, str(quarter)]).fetchall()
    return [Change(*r) for r in rows]
