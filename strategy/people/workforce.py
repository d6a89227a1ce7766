"""Step 8 — headcount, hires, leavers, turnover and retention, and hiring for attitude.

For a period from ``start`` to ``end`` (both inclusive), where a leave date is
the last day someone was employed:

- opening headcount: hired before ``start`` and not gone before it
  (hire_date < start and (no leave date or leave_date >= start))
- closing headcount: hired by ``end`` and still employed after it
  (hire_date <= end and (no leave date or leave_date > end))
- hires: hire_date in the period; leavers: leave_date in the period, so
  closing = opening + hires − leavers
- turnover = leavers ÷ average headcount, the average being
  (opening + closing) ÷ 2
- retention = of the opening headcount, the share still employed at the close
- average tenure: of the closing headcount, years from hire to ``end``
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate, optional_text, past_date, raise_if, require_text
from strategy.core.db import Connection, transaction
from strategy.core.errors import ValidationError
from strategy.core.periods import QUARTER_TABLE, Quarter, quarter_table
from strategy.core.rates import Rate
from strategy.people.personnel import Employee


@dataclass(frozen=True)
class PeriodFigures:
    opening: int
    closing: int
    hires: int
    leavers_voluntary: int
    leavers_involuntary: int
    retained: int
    average_tenure_years: float | None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def leavers(self) -> int:
        return self.leavers_voluntary + self.leavers_involuntary

    @property
    def average_headcount(self) -> float:
        return (self.opening + self.closing) / 2

    @property
    def turnover(self) -> float | None:
        """Leavers ÷ average headcount, as a percentage; None with nobody employed."""
        average = self.average_headcount
        return 100.0 * self.leavers / average if average else None

    @property
    def retention(self) -> Rate:
        return Rate(self.retained, self.opening)


def figures(employees: Iterable[Employee], start: date, end: date) -> PeriodFigures:
    opening = closing = hires = voluntary = involuntary = retained = 0
    tenure_days: list[int] = []
    reasons: Counter[str] = Counter()
    for e in employees:
        at_open = e.hire_date < start and (e.leave_date is None or e.leave_date >= start)
        at_close = e.hire_date <= end and (e.leave_date is None or e.leave_date > end)
        opening += at_open
        closing += at_close
        retained += at_open and at_close
        hires += start <= e.hire_date <= end
        if e.leave_date is not None and start <= e.leave_date <= end:
            if e.leave_kind == "involuntary":
                involuntary += 1
            else:
                voluntary += 1
            reasons[e.leave_reason or "(no reason given)"] += 1
        if at_close:
            tenure_days.append((end - e.hire_date).days)
    tenure = sum(tenure_days) / len(tenure_days) / 365.25 if tenure_days else None
    return PeriodFigures(opening, closing, hires, voluntary, involuntary, retained, tenure,
                         dict(reasons.most_common()))


@dataclass(frozen=True)
class TeamQuarter:
    quarter: Quarter
    team: str
    figures: PeriodFigures


def by_quarter_and_team(employees: list[Employee], quarters: list[Quarter]) -> list[TeamQuarter]:
    """Figures per quarter for every team and for the whole organisation ("All teams")."""
    teams = sorted({e.team for e in employees}, key=str.lower)
    result = []
    for quarter in quarters:
        result.append(TeamQuarter(quarter, "All teams",
                                  figures(employees, quarter.start, quarter.end)))
        for team in teams:
            members = [e for e in employees if e.team == team]
            result.append(TeamQuarter(quarter, team, figures(members, quarter.start, quarter.end)))
    return result


# The same definitions, set-based in DuckDB: every quarter (and every team) in one
# query, so a 20,000-person organisation never becomes 20,000 Python objects.
# ``figures`` above stays the readable reference; tests hold the two equal.

_FIGURES = """
    WITH """ + QUARTER_TABLE + """,
    s AS (SELECT e.hire_date, e.leave_date, e.leave_kind, coalesce(t.name, '') AS team
          FROM employee e LEFT JOIN team t ON t.id = e.team_id
          WHERE e.org_id = $org AND (CAST($team AS BIGINT) IS NULL OR e.team_id = $team)),
    f AS (SELECT q.label, s.team, s.leave_kind,
                 s.hire_date < q.qs AND (s.leave_date IS NULL OR s.leave_date >= q.qs) AS at_open,
                 s.hire_date <= q.qe AND (s.leave_date IS NULL OR s.leave_date > q.qe)
                     AS at_close,
                 s.hire_date BETWEEN q.qs AND q.qe AS hired,
                 coalesce(s.leave_date BETWEEN q.qs AND q.qe, false) AS gone,
                 q.qe - s.hire_date AS days
          FROM q CROSS JOIN s)
    SELECT label, {team}, count(*) FILTER (WHERE at_open), count(*) FILTER (WHERE at_close),
           count(*) FILTER (WHERE hired),
           count(*) FILTER (WHERE gone AND leave_kind IS DISTINCT FROM 'involuntary'),
           count(*) FILTER (WHERE gone AND leave_kind = 'involuntary'),
           count(*) FILTER (WHERE at_open AND at_close),
           CAST(coalesce(sum(days) FILTER (WHERE at_close), 0) AS BIGINT)
    FROM f GROUP BY {groups}
"""


def _period_figures(row: tuple[Any, ...]) -> PeriodFigures:
    opening, closing, hires, voluntary, involuntary, retained, days = (int(x) for x in row)
    # Divided here exactly as ``figures`` does, so the two agree to the last digit.
    tenure = days / closing / 365.25 if closing else None
    return PeriodFigures(opening, closing, hires, voluntary, involuntary, retained, tenure)


def quarter_figures(con: Connection, org_id: int, quarters: Sequence[Quarter],
                    team_id: int | None = None) -> list[PeriodFigures]:
    """Headcount figures for each quarter, for one team or (None) the whole organisation.

    Leavers' reasons are personal records: ask ``leave_reasons`` for them."""
    rows = con.execute(_FIGURES.format(team="NULL", groups="label"),
                       {**quarter_table(quarters), "org": org_id, "team": team_id}).fetchall()
    found = {r[0]: _period_figures(r[2:]) for r in rows}
    empty = PeriodFigures(0, 0, 0, 0, 0, 0, None)
    return [found.get(str(q), empty) for q in quarters]


def team_quarter_figures(con: Connection, org_id: int,
                         quarters: Sequence[Quarter]) -> list[TeamQuarter]:
    """Per quarter, the whole organisation ("All teams") and then each team by name —
    what ``by_quarter_and_team`` gives, without reasons."""
    rows = con.execute(
        _FIGURES.format(team="team", groups="GROUPING SETS ((label), (label, team))"),
        {**quarter_table(quarters), "org": org_id, "team": None}).fetchall()
    by_quarter: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_quarter.setdefault(row[0], []).append(row)
    result = []
    for quarter in quarters:
        found = by_quarter.get(str(quarter), [])
        # An organisation without staff still has its (empty) whole-organisation row.
        whole = [r for r in found if r[1] is None] or [(str(quarter), None, 0, 0, 0, 0, 0, 0, 0)]
        teams = sorted((r for r in found if r[1] is not None), key=lambda r: str(r[1]).lower())
        for row in whole:
            result.append(TeamQuarter(quarter, "All teams", _period_figures(row[2:])))
        result.extend(TeamQuarter(quarter, row[1], _period_figures(row[2:])) for row in teams)
    return result


def leave_reasons(con: Connection, org_id: int, start: date, end: date,
                  team_id: int | None = None) -> dict[str, int]:
    """Why people left between ``start`` and ``end``, most frequent first (HR records)."""
    access.require(Permission.HR_RECORDS, org_id)
    rows = con.execute(
        "SELECT coalesce(nullif(leave_reason, ''), '(no reason given)') AS reason, count(*) "
        "FROM employee WHERE org_id = ? AND leave_date BETWEEN ? AND ? "
        "AND (CAST(? AS BIGINT) IS NULL OR team_id = ?) GROUP BY 1 ORDER BY 2 DESC, 1",
        [org_id, start, end, team_id, team_id]).fetchall()
    return {r[0]: int(r[1]) for r in rows}


# --- Hiring for attitude -------------------------------------------------------------

KINDS = ["attitude", "technique"]
DEFAULT_CRITERIA = [
    ("Warmth and courtesy with people", "attitude", 20.0),
    ("Takes ownership of problems", "attitude", 20.0),
    ("Listens before answering", "attitude", 15.0),
    ("Stays calm under pressure", "attitude", 15.0),
    ("Positive, clear language", "attitude", 10.0),
    ("Product and process knowledge", "technique", 10.0),
    ("Systems and tools", "technique", 10.0),
]


@dataclass(frozen=True)
class Criterion:
    id: int
    name: str
    kind: str
    weight: float


def list_criteria(con: Connection, org_id: int) -> list[Criterion]:
    rows = con.execute("SELECT id, name, kind, weight FROM hiring_criterion WHERE org_id = ? "
                       "ORDER BY kind, id", [org_id]).fetchall()
    return [Criterion(*r) for r in rows]


def add_criterion(con: Connection, org_id: int, name: str, kind: str, weight: float) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    name = require_text(problems, "criterion", name, "The criterion", 120)
    if kind not in KINDS:
        problems["kind"] = "Choose attitude or technique."
    if not weight > 0 or not math.isfinite(weight) or weight > 1000:
        problems["weight"] = "The weight must be above zero and at most 1,000."
    raise_if(problems)
    with on_duplicate("criterion", lambda: f"“{name}” is already a criterion."), \
            transaction(con):
        if con.execute("SELECT 1 FROM hiring_criterion WHERE org_id = ? AND lower(name) = "
                       "lower(?)", [org_id, name]).fetchone():
            raise ValidationError({"criterion": f"“{name}” is already a criterion."})
        row = con.execute("INSERT INTO hiring_criterion (org_id, name, kind, weight) "
                          "VALUES (?, ?, ?, ?) RETURNING id",
                          [org_id, name, kind, weight]).fetchone()
    assert row is not None
    return int(row[0])


def seed_criteria(con: Connection, org_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    if not list_criteria(con, org_id):
        for name, kind, weight in DEFAULT_CRITERIA:
            add_criterion(con, org_id, name, kind, weight)


def attitude_share(criteria: list[Criterion]) -> float | None:
    total = sum(c.weight for c in criteria)
    return 100 * sum(c.weight for c in criteria if c.kind == "attitude") / total if total else None


def weighted_score(criteria: list[Criterion], scores: dict[int, int]) -> float | None:
    """The candidate's score out of 100: weighted average of 1–5 scores, rescaled."""
    scored = [c for c in criteria if c.id in scores]
    total = sum(c.weight for c in scored)
    if not total:
        return None
    average = sum(c.weight * scores[c.id] for c in scored) / total
    return (average - 1) / 4 * 100


def score_candidate(con: Connection, org_id: int, name: str, role: str, interviewer: str,
                    interviewed_on: date | None, scores: dict[int, int], notes: str = "",
                    today: date | None = None) -> int:
    access.require(Permission.HR_RECORDS, org_id)
    problems: dict[str, str] = {}
    name = require_text(problems, "candidate", name, "The candidate's name", 120)
    interviewer = require_text(problems, "interviewer", interviewer, "The interviewer", 120)
    role = optional_text(problems, "role", role, "The role", 80)
    notes = optional_text(problems, "notes", notes, "The notes")
    day = past_date(problems, "interviewed_on", interviewed_on, "The interview date", today)
    criteria = {c.id for c in list_criteria(con, org_id)}
    if set(scores) != criteria:
        problems["scores"] = "Score every criterion from 1 to 5."
    if any(not 1 <= s <= 5 for s in scores.values()):
        problems["scores"] = "Scores are from 1 to 5."
    raise_if(problems)
    with transaction(con):
        row = con.execute(
            "INSERT INTO candidate (org_id, name, role, interviewer, interviewed_on, notes) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            [org_id, name, role, interviewer, day, notes]).fetchone()
        assert row is not None
        for criterion_id, score in scores.items():
            con.execute("INSERT INTO candidate_score (candidate_id, criterion_id, score) "
                        "VALUES (?, ?, ?)", [row[0], criterion_id, score])
    return int(row[0])


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    role: str
    interviewer: str
    interviewed_on: date
    notes: str
    score: float | None
    attitude_score: float | None


def list_candidates(con: Connection, org_id: int) -> list[Candidate]:
    access.require(Permission.HR_RECORDS, org_id)
    criteria = list_criteria(con, org_id)
    attitude = [c for c in criteria if c.kind == "attitude"]
    scores: dict[int, dict[int, int]] = {}
    for candidate_id, criterion_id, score in con.execute(
            "SELECT cs.candidate_id, cs.criterion_id, cs.score FROM candidate_score cs "
            "JOIN candidate c ON c.id = cs.candidate_id WHERE c.org_id = ?", [org_id]).fetchall():
        scores.setdefault(candidate_id, {})[criterion_id] = score
    rows = con.execute("SELECT id, name, role, interviewer, interviewed_on, notes FROM candidate "
                       "WHERE org_id = ? ORDER BY interviewed_on DESC, id DESC",
                       [org_id]).fetchall()
    return [Candidate(r[0], r[1], r[2], r[3], r[4], r[5],
                      weighted_score(criteria, scores.get(r[0], {})),
                      weighted_score(attitude, scores.get(r[0], {}))) for r in rows]
