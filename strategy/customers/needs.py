"""Step 2 — what each segment needs and wants, and how well we deliver it today.

Importance and current performance are both scored 1–5. The gap (importance −
performance) ranks the priorities: a quality that matters a lot and is poorly
delivered comes first. Only the latest assessment of each segment and quality
counts, because expectations move and an old answer is a weaker one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import (
    on_duplicate,
    one_of,
    optional_text,
    past_date,
    raise_if,
    require_text,
    score,
)
from strategy.core.db import Connection, transaction
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.vocabulary import ASSUMPTION, EVIDENCE_SOURCES, SERVICE_QUALITIES


@dataclass(frozen=True)
class Assessment:
    id: int
    segment_id: int
    segment: str
    quality: str
    importance: int
    performance: int
    source: str
    asked_on: date
    notes: str
    is_assumption: bool
    is_stale: bool

    @property
    def gap(self) -> int:
        return self.importance - self.performance


def qualities(con: Connection, org_id: int) -> list[str]:
    """The domain's service qualities followed by the organisation's own."""
    rows = con.execute(
        "SELECT name FROM service_quality WHERE org_id = ? ORDER BY lower(name)", [org_id]
    ).fetchall()
    return [*SERVICE_QUALITIES, *(row[0] for row in rows)]


def add_quality(con: Connection, org_id: int, name: str) -> str:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    name = require_text(problems, "quality", name, "The quality's name", 60)
    raise_if(problems)
    if name.lower() in (q.lower() for q in qualities(con, org_id)):
        raise ValidationError({"quality": f"“{name}” is already in the list of qualities."})
    with on_duplicate("quality", lambda: f"“{name}” is already in the list of qualities."), \
            transaction(con):
        con.execute("INSERT INTO service_quality (org_id, name) VALUES (?, ?)", [org_id, name])
    return name


@dataclass
class AssessmentInput:
    segment_id: int
    quality: str
    importance: int
    performance: int
    source: str
    asked_on: date | None
    notes: str = ""


def add_assessment(con: Connection, org_id: int, data: AssessmentInput,
                   today: date | None = None) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    score(problems, "importance", data.importance, "Importance")
    score(problems, "performance", data.performance, "Current performance")
    one_of(problems, "source", data.source, EVIDENCE_SOURCES, "The evidence source")
    asked_on = past_date(problems, "asked_on", data.asked_on, "The date asked", today)
    notes = optional_text(problems, "notes", data.notes, "The notes")
    if data.quality not in qualities(con, org_id):
        problems["quality"] = "Choose a quality from the list, or add your own first."
    if con.execute("SELECT 1 FROM segment WHERE org_id = ? AND id = ?",
                   [org_id, data.segment_id]).fetchone() is None:
        problems["segment"] = "Choose a customer segment (add one in step 1 first)."
    raise_if(problems)
    with transaction(con):
        row = con.execute(
            "INSERT INTO assessment (org_id, segment_id, quality, importance, performance, "
            "source, asked_on, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [org_id, data.segment_id, data.quality, int(data.importance),
             int(data.performance), data.source, asked_on, notes],
        ).fetchone()
        audit.record(con, org_id, "Needs", "added",
                     f"Assessment of {data.quality}: importance {int(data.importance)}, "
                     f"performance {int(data.performance)} ({data.source}, {asked_on})")
    assert row is not None
    return int(row[0])


def delete_assessment(con: Connection, org_id: int, assessment_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        row = con.execute("DELETE FROM assessment WHERE org_id = ? AND id = ? "
                          "RETURNING quality, asked_on", [org_id, assessment_id]).fetchone()
        if row is None:
            raise NotFoundError("That assessment no longer exists.")
        audit.record(con, org_id, "Needs", "deleted", f"Assessment of {row[0]} ({row[1]})")


def _stale_before(con: Connection, org_id: int, today: date | None) -> date:
    row = con.execute("SELECT reassess_days FROM organisation WHERE id = ?", [org_id]).fetchone()
    days = int(row[0]) if row else 180
    return (today or date.today()) - timedelta(days=days)


def list_assessments(con: Connection, org_id: int, latest_only: bool = False,
                     today: date | None = None) -> list[Assessment]:
    """Assessments, newest first; with ``latest_only`` one per segment and quality."""
    cutoff = _stale_before(con, org_id, today)
    rows = con.execute(
        """
        SELECT a.id, a.segment_id, s.name, a.quality, a.importance, a.performance,
               a.source, a.asked_on, a.notes,
               row_number() OVER (PARTITION BY a.segment_id, a.quality
                                  ORDER BY a.asked_on DESC, a.id DESC) AS recency
        FROM assessment a JOIN segment s ON s.id = a.segment_id
        WHERE a.org_id = ?
        ORDER BY a.asked_on DESC, lower(s.name), a.quality
        """,
        [org_id],
    ).fetchall()
    return [
        Assessment(id=row[0], segment_id=row[1], segment=row[2], quality=row[3],
                   importance=row[4], performance=row[5], source=row[6], asked_on=row[7],
                   notes=row[8], is_assumption=row[6] == ASSUMPTION, is_stale=row[7] < cutoff)
        for row in rows
        if not latest_only or row[9] == 1
    ]


def priorities(con: Connection, org_id: int, today: date | None = None) -> list[Assessment]:
    """Latest assessments ranked by gap, then importance: the first is the top priority."""
    latest = list_assessments(con, org_id, latest_only=True, today=today)
    return sorted(latest, key=lambda a: (-a.gap, -a.importance, a.segment, a.quality))


def segments_without_evidence(con: Connection, org_id: int,
                              today: date | None = None) -> list[str]:
    """Segments with no current, evidenced (not assumed) assessment."""
    evidenced = {a.segment for a in list_assessments(con, org_id, True, today)
                 if not a.is_assumption and not a.is_stale}
    rows = con.execute("SELECT name FROM segment WHERE org_id = ? ORDER BY lower(name)",
                       [org_id]).fetchall()
    return [row[0] for row in rows if row[0] not in evidenced]
