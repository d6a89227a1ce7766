"""Step 5 — owners, the teams a standard applies to, acknowledgements, compliance.

Compliance rate = observations where the standard was met ÷ all observations,
for the chosen period; it is always reported with the number of observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import optional_text, past_date, raise_if
from strategy.core.db import Connection, transaction
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.periods import QUARTER_TABLE, Quarter, quarter_table
from strategy.core.rates import Rate


def compliance_target(con: Connection, org_id: int) -> float:
    row = con.execute("SELECT compliance_target FROM organisation WHERE id = ?",
                      [org_id]).fetchone()
    return float(row[0]) if row and row[0] is not None else 90.0


def set_compliance_target(con: Connection, org_id: int, target: float) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    if not 0 < target <= 100:
        raise ValidationError({"compliance_target": "The compliance target is a percentage "
                                                    "above 0 and at most 100."})
    with transaction(con):
        con.execute("UPDATE organisation SET compliance_target = ? WHERE id = ?",
                    [target, org_id])


def _standard_exists(con: Connection, org_id: int, standard_id: int) -> None:
    if con.execute("SELECT 1 FROM standard WHERE org_id = ? AND id = ?",
                   [org_id, standard_id]).fetchone() is None:
        raise NotFoundError("That standard no longer exists.")


def assign(con: Connection, org_id: int, standard_id: int, owner_id: int | None,
           team_ids: list[int]) -> None:
    """Set the standard's accountable owner and the teams it applies to."""
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        _standard_exists(con, org_id, standard_id)
        if owner_id is not None and con.execute(
                "SELECT 1 FROM employee WHERE org_id = ? AND id = ? AND leave_date IS NULL",
                [org_id, owner_id]).fetchone() is None:
            raise ValidationError({"owner": "The owner must be a current employee."})
        known = {row[0] for row in con.execute("SELECT id FROM team WHERE org_id = ?",
                                               [org_id]).fetchall()}
        if not set(team_ids) <= known:
            raise ValidationError({"teams": "One of those teams no longer exists."})
        con.execute("DELETE FROM standard_owner WHERE standard_id = ?", [standard_id])
        if owner_id is not None:
            con.execute("INSERT INTO standard_owner (standard_id, org_id, employee_id) "
                        "VALUES (?, ?, ?)", [standard_id, org_id, owner_id])
        con.execute("DELETE FROM standard_team WHERE standard_id = ?", [standard_id])
        for team_id in sorted(set(team_ids)):
            con.execute("INSERT INTO standard_team (standard_id, org_id, team_id) "
                        "VALUES (?, ?, ?)", [standard_id, org_id, team_id])


@dataclass(frozen=True)
class Assignment:
    standard_id: int
    title: str
    owner_id: int | None
    owner: str
    team_ids: tuple[int, ...]
    teams: tuple[str, ...]


def assignments(con: Connection, org_id: int) -> list[Assignment]:
    rows = con.execute(
        """
        SELECT s.id, s.title, o.employee_id, coalesce(e.name, ''),
               list(st.team_id ORDER BY t.name) FILTER (WHERE st.team_id IS NOT NULL),
               list(t.name ORDER BY t.name) FILTER (WHERE t.name IS NOT NULL)
        FROM standard s
        LEFT JOIN standard_owner o ON o.standard_id = s.id
        LEFT JOIN employee e ON e.id = o.employee_id
        LEFT JOIN standard_team st ON st.standard_id = s.id
        LEFT JOIN team t ON t.id = st.team_id
        WHERE s.org_id = ?
        GROUP BY s.id, s.title, o.employee_id, e.name
        ORDER BY lower(s.title)
        """,
        [org_id],
    ).fetchall()
    return [Assignment(r[0], r[1], r[2], r[3], tuple(r[4] or ()), tuple(r[5] or ()))
            for r in rows]


def acknowledge(con: Connection, org_id: int, standard_id: int, employee_ids: list[int],
                on: date | None, today: date | None = None) -> int:
    """Record that staff acknowledged a standard; returns how many were new."""
    access.require(Permission.EDIT_PLAN, org_id)
    problems: dict[str, str] = {}
    day = past_date(problems, "acknowledged_on", on, "The date acknowledged", today)
    if not employee_ids:
        problems["employees"] = "Choose who acknowledged the standard."
    raise_if(problems)
    with transaction(con):
        _standard_exists(con, org_id, standard_id)
        # One statement for a whole team of thousands; only this organisation's staff.
        added = con.execute(
            "INSERT INTO acknowledgement (org_id, standard_id, employee_id, acknowledged_on, "
            "recorded_by) SELECT ?, ?, e.id, ?, ? FROM employee e "
            "WHERE e.org_id = ? AND list_contains(?, e.id) ON CONFLICT DO NOTHING RETURNING id",
            [org_id, standard_id, day, audit.actor(), org_id, list(employee_ids)]).fetchall()
    return len(added)


@dataclass(frozen=True)
class Coverage:
    team: str
    staff: int
    standards: int
    acknowledged: Rate  # acknowledged (person, standard) pairs of those required


# Everyone in a team must acknowledge each of its standards: what is required is its
# staff times its standards, counted, not listed pair by pair (a hundred thousand pairs
# at the large organisation). One acknowledgement per person and standard (a unique
# key), so those of current staff for their own team's standards are counted as they are.
_STAFF_AND_ACKNOWLEDGED = """
    staff AS (
        SELECT id, team_id FROM employee
        WHERE org_id = $org AND hire_date <= $on AND (leave_date IS NULL OR leave_date >= $on)
    ), people AS (
        SELECT team_id, count(*) AS n FROM staff GROUP BY team_id
    ), counted AS (
        SELECT s.team_id, a.standard_id FROM acknowledgement a
        JOIN staff s ON s.id = a.employee_id
        JOIN standard_team st ON st.standard_id = a.standard_id AND st.team_id = s.team_id
        WHERE a.org_id = $org AND a.acknowledged_on <= $on
    )
"""


def acknowledgement_coverage(con: Connection, org_id: int, on: date) -> list[Coverage]:
    """Per team: of its current staff × the standards that apply to it, how many are
    acknowledged."""
    rows = con.execute(
        "WITH " + _STAFF_AND_ACKNOWLEDGED + """,
        applies AS (
            SELECT team_id, count(*) AS n FROM standard_team WHERE org_id = $org GROUP BY team_id
        ), acknowledged AS (
            SELECT team_id, count(*) AS n FROM counted GROUP BY team_id
        )
        SELECT t.name, coalesce(p.n, 0), coalesce(x.n, 0), coalesce(k.n, 0),
               coalesce(p.n, 0) * coalesce(x.n, 0)
        FROM team t LEFT JOIN people p ON p.team_id = t.id
        LEFT JOIN applies x ON x.team_id = t.id LEFT JOIN acknowledged k ON k.team_id = t.id
        WHERE t.org_id = $org ORDER BY lower(t.name)
        """,
        {"org": org_id, "on": on},
    ).fetchall()
    return [Coverage(r[0], int(r[1]), int(r[2]), Rate(int(r[3]), int(r[4]))) for r in rows]


def acknowledged_standards(con: Connection, org_id: int, on: date, share: float) -> set[int]:
    """The standards acknowledged by at least ``share`` % of the current staff of their
    teams on ``on`` (step 5's "done")."""
    return {int(row[0]) for row in con.execute(
        "WITH " + _STAFF_AND_ACKNOWLEDGED + """,
        required AS (
            SELECT st.standard_id, sum(p.n) AS n
            FROM standard_team st JOIN people p ON p.team_id = st.team_id
            WHERE st.org_id = $org GROUP BY st.standard_id
        ), acknowledged AS (
            SELECT standard_id, count(*) AS n FROM counted GROUP BY standard_id
        )
        SELECT r.standard_id FROM required r
        LEFT JOIN acknowledged k ON k.standard_id = r.standard_id
        WHERE coalesce(k.n, 0) >= $share / 100 * r.n
        """, {"org": org_id, "on": on, "share": share}).fetchall()}


@dataclass
class ObservationInput:
    standard_id: int
    observed_on: date | None
    met: bool
    team_id: int | None = None
    employee_id: int | None = None
    note: str = ""


def add_observation(con: Connection, org_id: int, data: ObservationInput,
                    today: date | None = None, reason: str | None = None) -> int:
    problems: dict[str, str] = {}
    # The team observed, and the team of the person observed: a contributor may
    # record neither outside their own team.
    if data.team_id is not None or data.employee_id is None:
        access.require_team(org_id, data.team_id)
    if data.employee_id is not None:
        row = con.execute("SELECT team_id FROM employee WHERE org_id = ? AND id = ?",
                          [org_id, data.employee_id]).fetchone()
        access.require_team(org_id, row[0] if row else None)
    day = past_date(problems, "observed_on", data.observed_on, "The date observed", today)
    # The observer is whoever records the observation: never typed in.
    observer = audit.actor()
    note = optional_text(problems, "note", data.note, "The note", 500)
    if data.team_id is None and data.employee_id is None:
        problems["team"] = "Say which team or which employee was observed."
    raise_if(problems)
    with transaction(con):
        _standard_exists(con, org_id, data.standard_id)
        why = audit.check_unlocked(con, org_id, f"{day:%Y-%m}", reason)
        if why:
            audit.record(con, org_id, "Accountability", "added",
                         f"Observation dated {day}", str(audit.quarter_of(f"{day:%Y-%m}")), why)
        team_id = data.team_id
        if data.employee_id is not None:
            row = con.execute("SELECT team_id FROM employee WHERE org_id = ? AND id = ?",
                              [org_id, data.employee_id]).fetchone()
            if row is None:
                raise ValidationError({"employee": "That employee no longer exists."})
            team_id = team_id or row[0]  # observing a person observes their team too
        inserted = con.execute(
            "INSERT INTO observation (org_id, standard_id, observed_on, observer, team_id, "
            "employee_id, met, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [org_id, data.standard_id, day, observer, team_id, data.employee_id, data.met,
             note]).fetchone()
    assert inserted is not None
    return int(inserted[0])


def delete_observation(con: Connection, org_id: int, observation_id: int) -> None:
    access.require(Permission.RECORD_ANY_TEAM, org_id)
    with transaction(con):
        con.execute("DELETE FROM observation WHERE org_id = ? AND id = ?",
                    [org_id, observation_id])


@dataclass(frozen=True)
class Compliance:
    key: int | None
    name: str
    rate: Rate


_GROUPS = {
    "standard": ("s.id", "s.title", "standard s ON s.id = o.standard_id"),
    "team": ("t.id", "coalesce(t.name, '(no team)')", "team t ON t.id = o.team_id"),
    "owner": ("e.id", "coalesce(e.name, '(no owner)')",
              "standard_owner so ON so.standard_id = o.standard_id "
              "LEFT JOIN employee e ON e.id = so.employee_id"),
}


def compliance(con: Connection, org_id: int, period: Quarter, by: str) -> list[Compliance]:
    """Compliance rate per standard, team or owner for the period (observed ones only)."""
    key, name, join = _GROUPS[by]  # identifiers from this module, never user text
    rows = con.execute(
        f"""
        SELECT {key}, {name}, count(*) FILTER (WHERE o.met), count(*)
        FROM observation o LEFT JOIN {join}
        WHERE o.org_id = ? AND o.observed_on BETWEEN ? AND ?
        GROUP BY ALL ORDER BY 2
        """,
        [org_id, period.start, period.end],
    ).fetchall()
    return [Compliance(r[0], r[1], Rate(int(r[2]), int(r[3]))) for r in rows]


def compliance_series(con: Connection, org_id: int, quarters: Sequence[Quarter],
                      team_id: int | None = None) -> list[Rate]:
    """Observations met of observations made, per quarter (one team's or all):
    ``compliance``'s totals for a scorecard's quarters in one query."""
    rows = con.execute(
        "WITH " + QUARTER_TABLE + """
        SELECT q.label, count(*) FILTER (WHERE o.met), count(*)
        FROM q JOIN observation o ON o.observed_on BETWEEN q.qs AND q.qe
        WHERE o.org_id = $org AND (CAST($team AS BIGINT) IS NULL OR o.team_id = $team)
        GROUP BY q.label
        """, {**quarter_table(quarters), "org": org_id, "team": team_id}).fetchall()
    found = {r[0]: Rate(int(r[1]), int(r[2])) for r in rows}
    return [found.get(str(q), Rate(0, 0)) for q in quarters]


@dataclass(frozen=True)
class OwnedStandard:
    owner_id: int
    owner: str
    standard_id: int
    title: str
    rate: Rate
    below_target: bool
    unobserved: bool


def owners_view(con: Connection, org_id: int, period: Quarter,
                rates: list[Compliance] | None = None) -> list[OwnedStandard]:
    """Each owner's standards and their compliance in ``period``; ``rates``: the
    compliance per standard in ``period`` when the caller has read it already."""
    target = compliance_target(con, org_id)
    if rates is None:
        rates = compliance(con, org_id, period, "standard")
    by_standard = {c.key: c.rate for c in rates}
    rows = con.execute(
        """
        SELECT e.id, e.name, s.id, s.title FROM standard_owner so
        JOIN employee e ON e.id = so.employee_id JOIN standard s ON s.id = so.standard_id
        WHERE so.org_id = ? ORDER BY lower(e.name), lower(s.title)
        """,
        [org_id],
    ).fetchall()
    result = []
    for owner_id, owner, standard_id, title in rows:
        rate = by_standard.get(standard_id, Rate(0, 0))
        result.append(OwnedStandard(owner_id, owner, standard_id, title, rate,
                                    rate.value is not None and rate.value < target,
                                    rate.whole == 0))
    return result


def list_observations(con: Connection, org_id: int, period: Quarter, limit: int | None = None,
                      offset: int = 0) -> list[tuple[object, ...]]:
    """The period's observations, newest first, with names resolved for display;
    ``limit`` and ``offset`` give one page of them."""
    return con.execute(
        """
        SELECT o.id, o.observed_on, s.title, coalesce(t.name, ''), coalesce(e.name, ''),
               o.met, o.observer, o.note
        FROM observation o JOIN standard s ON s.id = o.standard_id
        LEFT JOIN team t ON t.id = o.team_id LEFT JOIN employee e ON e.id = o.employee_id
        WHERE o.org_id = ? AND o.observed_on BETWEEN ? AND ?
        ORDER BY o.observed_on DESC, o.id DESC LIMIT ? OFFSET ?
        """,
        [org_id, period.start, period.end, limit, offset],
    ).fetchall()


def count_observations(con: Connection, org_id: int, period: Quarter) -> int:
    row = con.execute("SELECT count(*) FROM observation o JOIN standard s ON s.id = "
                      "o.standard_id WHERE o.org_id = ? AND o.observed_on BETWEEN ? AND ?",
                      [org_id, period.start, period.end]).fetchone()
    return int(row[0]) if row else 0
