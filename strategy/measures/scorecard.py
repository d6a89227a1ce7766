"""Step 10 — measures of customers and employees, their values, and the scorecard.

A measure's value for a quarter (its "actual") comes from one of three sources:
entered by hand (for a monthly measure: the latest month entered in the
quarter), computed from survey responses answered in the quarter, or derived
from the app's own records. Status compares the actual with the target: green
when the target is met, amber within the amber band of it, red beyond; a
measure without a target or without data says so and is never coloured.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate, optional_text, raise_if, require_text
from strategy.core.db import (
    Connection,
    database_key,
    side_by_side,
    transaction,
    versioned_update,
)
from strategy.core.errors import NotFoundError, ValidationError
from strategy.core.periods import QUARTER_TABLE, Quarter, quarter_table
from strategy.core.shared import SharedReads
from strategy.measures.surveys import KINDS as SURVEY_KINDS
from strategy.measures.surveys import SurveyResult, from_counts

UNITS: dict[str, tuple[float | None, float | None]] = {
    "%": (0, 100), "NPS points": (-100, 100), "score (1–5)": (1, 5), "score (0–10)": (0, 10),
    "count": (0, None), "hours": (0, None), "days": (0, None), "per head": (0, None),
}
SIDES = ["customer", "employee"]
CADENCES = ["monthly", "quarterly"]
SOURCES = {"manual": "Entered by hand", "survey": "Computed from survey responses",
           "derived": "Derived from the app's records"}
# formula: (label, unit it is expressed in)
DERIVED = {
    "turnover": ("Turnover (step 8)", "%"),
    "retention": ("Retention (step 8)", "%"),
    "training_coverage": ("Training coverage (step 7)", "%"),
    "recognition_per_head": ("Recognition per head (step 9)", "per head"),
    "compliance_rate": ("Compliance rate (step 5)", "%"),
    "complaints": ("Complaints received (register; else the impact model)", "count"),
    "resolve_days": ("Median working days to resolve a complaint (register)", "days"),
    "resolved_within_target": ("Complaints resolved within target (register)", "%"),
    "compliments": ("Compliments received (register)", "count"),
}
# Figures the complaints register keeps per customer segment as well.
PER_SEGMENT = {"complaints", "resolve_days", "resolved_within_target", "compliments"}
SURVEY_UNITS = {"nps": "NPS points", "enps": "NPS points", "csat": "%", "effort": "score (1–5)"}
STATUSES = ["green", "amber", "red", "no target", "no data"]


@dataclass
class MeasureInput:
    name: str
    side: str
    unit: str
    direction: str
    cadence: str
    source: str = "manual"
    formula: str | None = None
    target: float | None = None
    amber_band: float | None = None
    owner_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class Measure:
    id: int
    name: str
    side: str
    unit: str
    direction: str
    target: float | None
    amber_band: float | None
    cadence: str
    owner_id: int | None
    owner: str
    source: str
    formula: str | None
    description: str
    version: int


STARTING_SET = [
    MeasureInput("CSAT", "customer", "%", "higher", "monthly", "survey", "csat", 85, 5,
                 description="Share of satisfied answers (4 or 5 of 5)."),
    MeasureInput("NPS", "customer", "NPS points", "higher", "quarterly", "survey", "nps", 30, 10,
                 description="% promoters (9–10) − % detractors (0–6)."),
    MeasureInput("Customer effort", "customer", "score (1–5)", "lower", "quarterly", "survey",
                 "effort", 2.0, 0.3, description="Average answer; 1 = very easy."),
    # Its target is the organisation's own (add_starting_set): no count suits every size.
    MeasureInput("Complaints", "customer", "count", "lower", "quarterly", "derived",
                 "complaints", None, None,
                 description="Complaints received a quarter, from the register (else the "
                             "impact model)."),
    MeasureInput("Resolution time", "customer", "hours", "lower", "monthly", "manual", None, 24,
                 8, description="Average hours from first contact to resolution."),
    MeasureInput("Customer retention", "customer", "%", "higher", "quarterly", "manual", None,
                 92, 2, description="Customers at the start of the quarter still with us at "
                                    "its end."),
    MeasureInput("Engagement", "employee", "%", "higher", "quarterly", "manual", None, 75, 5,
                 description="Share of staff engaged, from the engagement survey."),
    MeasureInput("eNPS", "employee", "NPS points", "higher", "quarterly", "survey", "enps", 20,
                 10, description="NPS asked of staff about the organisation as a workplace."),
    MeasureInput("Turnover", "employee", "%", "lower", "quarterly", "derived", "turnover", 4, 1,
                 description="Leavers ÷ average headcount in the quarter."),
    MeasureInput("Absence", "employee", "%", "lower", "monthly", "manual", None, 3.5, 0.5,
                 description="Working days lost to absence."),
    MeasureInput("Training coverage", "employee", "%", "higher", "quarterly", "derived",
                 "training_coverage", 90, 10, description="Required training passed."),
    MeasureInput("Recognition per head", "employee", "per head", "higher", "quarterly",
                 "derived", "recognition_per_head", 1.0, 0.25,
                 description="Recognitions received per member of staff in the quarter."),
]

_SELECT = """
    SELECT m.id, m.name, m.side, m.unit, m.direction, m.target, m.amber_band, m.cadence,
           m.owner_id, coalesce(e.name, ''), m.source, m.formula, m.description, m.version
    FROM measure m LEFT JOIN employee e ON e.id = m.owner_id
"""


def list_measures(con: Connection, org_id: int) -> list[Measure]:
    rows = con.execute(_SELECT + " WHERE m.org_id = ? ORDER BY m.side, m.id", [org_id]).fetchall()
    return [Measure(*r) for r in rows]


def get_measure(con: Connection, org_id: int, measure_id: int) -> Measure:
    row = con.execute(_SELECT + " WHERE m.org_id = ? AND m.id = ?",
                      [org_id, measure_id]).fetchone()
    if row is None:
        raise NotFoundError("That measure no longer exists.")
    return Measure(*row)


def _finite(problems: dict[str, str], field_name: str, value: float | None, label: str) -> None:
    if value is not None and not math.isfinite(value):
        problems[field_name] = f"{label} must be a number."


def _validate(con: Connection, org_id: int, data: MeasureInput,
              exclude_id: int | None) -> dict[str, object]:
    problems: dict[str, str] = {}
    name = require_text(problems, "name", data.name, "The measure's name", 80)
    description = optional_text(problems, "description", data.description, "The definition",
                                500)
    if data.side not in SIDES:
        problems["side"] = "Choose customer or employee."
    if data.unit not in UNITS:
        problems["unit"] = f"Choose a unit: {', '.join(UNITS)}."
    if data.direction not in ("higher", "lower"):
        problems["direction"] = "Say whether higher or lower is better."
    if data.cadence not in CADENCES:
        problems["cadence"] = "Choose monthly or quarterly."
    formula = data.formula
    if data.source == "survey":
        if formula not in SURVEY_KINDS:
            problems["formula"] = "Choose which survey figure it is (NPS, eNPS, CSAT, effort)."
        elif data.unit != SURVEY_UNITS[formula]:
            problems["unit"] = f"{SURVEY_KINDS[formula]} is measured in {SURVEY_UNITS[formula]}."
    elif data.source == "derived":
        if formula not in DERIVED:
            problems["formula"] = "Choose which of the app's figures it is."
        elif data.unit != DERIVED[formula][1]:
            problems["unit"] = f"{DERIVED[formula][0]} is measured in {DERIVED[formula][1]}."
        elif data.cadence != "quarterly":
            problems["cadence"] = "Figures derived from the app's records are quarterly."
    elif data.source == "manual":
        formula = None
    else:
        problems["source"] = "Choose where the values come from."
    _finite(problems, "target", data.target, "The target")
    _finite(problems, "amber_band", data.amber_band, "The amber band")
    if data.target is not None and "unit" not in problems and "target" not in problems:
        check = check_value(data.unit, data.target)
        if check:
            problems["target"] = "The target " + check
    if data.amber_band is not None and data.amber_band < 0:
        problems["amber_band"] = "The amber band is a distance from the target: zero or more."
    if data.amber_band is not None and data.target is None:
        problems["amber_band"] = "Set a target before an amber band around it."
    if name and "name" not in problems and con.execute(
            "SELECT 1 FROM measure WHERE org_id = ? AND lower(name) = lower(?) AND id IS "
            "DISTINCT FROM ?", [org_id, name, exclude_id]).fetchone():
        problems["name"] = f"There is already a measure called “{name}”."
    raise_if(problems)
    return {"name": name, "side": data.side, "unit": data.unit, "direction": data.direction,
            "target": data.target, "amber_band": data.amber_band, "cadence": data.cadence,
            "owner_id": data.owner_id, "source": data.source, "formula": formula,
            "description": description}


def add_measure(con: Connection, org_id: int, data: MeasureInput) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    with on_duplicate("name", lambda: f"There is already a measure called "
                      f"“{data.name.strip()}”."), transaction(con):
        values = _validate(con, org_id, data, None)
        row = con.execute(
            f"INSERT INTO measure (org_id, {', '.join(values)}) VALUES "
            f"(?, {', '.join('?' for _ in values)}) RETURNING id",
            [org_id, *values.values()]).fetchone()
        audit.record(con, org_id, "Measures", "added",
                     f"Measure “{values['name']}”, target {_target_text(data)}")
    assert row is not None
    return int(row[0])


def _target_text(data: MeasureInput | Measure) -> str:
    if data.target is None:
        return "none"
    sign = "≥" if data.direction == "higher" else "≤"
    band = f" (amber within {data.amber_band:g})" if data.amber_band else ""
    return f"{sign} {data.target:g} {data.unit}{band}"


def update_measure(con: Connection, org_id: int, measure_id: int, version: int,
                   data: MeasureInput) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    with on_duplicate("name", lambda: f"There is already a measure called "
                      f"“{data.name.strip()}”."), transaction(con):
        before = get_measure(con, org_id, measure_id)
        values = _validate(con, org_id, data, measure_id)
        new_version = versioned_update(con, "measure", measure_id, org_id, version, values,
                                       "measure")
        changed = [k for k, v in values.items() if getattr(before, k) != v]
        if {"target", "amber_band", "direction"} & set(changed):
            audit.record(con, org_id, "Targets", "edited",
                         f"{values['name']}: {_target_text(before)} → {_target_text(data)}")
        elif changed:
            audit.record(con, org_id, "Measures", "edited",
                         f"Measure “{values['name']}”: {', '.join(changed)}")
        return new_version


def delete_measure(con: Connection, org_id: int, measure_id: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        gone = get_measure(con, org_id, measure_id)
        con.execute("DELETE FROM measure_value WHERE org_id = ? AND measure_id = ?",
                    [org_id, measure_id])
        con.execute("DELETE FROM measure WHERE org_id = ? AND id = ?", [org_id, measure_id])
        audit.record(con, org_id, "Measures", "deleted", f"Measure “{gone.name}”")


@dataclass(frozen=True)
class ComplaintsBaseline:
    """The organisation's own complaints a quarter, from the register, to suggest a
    target from: a count that suits a trust of five would be green at once for a
    company of twenty thousand, and one that suits the company red for ever at the
    trust."""

    complaints: int
    quarters: int

    @property
    def per_quarter(self) -> float:
        return self.complaints / self.quarters

    @property
    def target(self) -> float:
        return float(math.floor(self.per_quarter * 0.9))  # a tenth fewer

    @property
    def band(self) -> float:
        return float(max(1, round(self.per_quarter * 0.1)))


def complaints_baseline(con: Connection, org_id: int,
                        today: date | None = None) -> ComplaintsBaseline | None:
    """Complaints recorded in the last four complete quarters, per quarter since the
    first of them with any (a register begun last quarter is not averaged over four)."""
    current = Quarter.containing(today or date.today())
    first, last = current.shift(-4), current.shift(-1)
    row = con.execute("SELECT count(*), min(received_on) FROM complaint WHERE org_id = ? AND "
                      "kind = 'complaint' AND received_on BETWEEN ? AND ?",
                      [org_id, first.start, last.end]).fetchone()
    if row is None or not row[0]:
        return None
    began = Quarter.containing(row[1])
    quarters = (last.year - began.year) * 4 + last.number - began.number + 1
    return ComplaintsBaseline(int(row[0]), quarters)


NO_COMPLAINTS_TARGET = (" No target yet: suggested from your own figures once the register "
                        "holds a quarter of complaints (a tenth below your average).")


def add_starting_set(con: Connection, org_id: int, today: date | None = None) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    have = {m.name.lower() for m in list_measures(con, org_id)}
    added = 0
    for data in STARTING_SET:
        if data.name.lower() not in have:
            fields = dict(data.__dict__)
            if data.formula == "complaints":
                # Scaled to the organisation: from its own register, or none yet.
                baseline = complaints_baseline(con, org_id, today)
                if baseline is None:
                    fields.update(target=None, amber_band=None,
                                  description=data.description + NO_COMPLAINTS_TARGET)
                else:
                    fields.update(target=baseline.target, amber_band=baseline.band,
                                  description=data.description + (
                                      f" Target: a tenth below the {baseline.per_quarter:,.0f} "
                                      f"a quarter recorded over the last "
                                      f"{baseline.quarters} quarter"
                                      f"{'s' if baseline.quarters != 1 else ''}."))
            add_measure(con, org_id, MeasureInput(**fields))
            added += 1
    return added


# --- Periods ---------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def months_of(quarter: Quarter) -> list[str]:
    return [f"{quarter.year}-{3 * (quarter.number - 1) + i:02d}" for i in (1, 2, 3)]


def check_period(cadence: str, period: str, today: date | None = None) -> str | None:
    """What is wrong with ``period`` for a measure of this cadence (None if fine)."""
    today = today or date.today()
    if cadence == "monthly":
        match = _MONTH.match(period)
        if not match:
            return f"“{period}” is not a month; write it like 2026-10."
        start = date(int(match.group(1)), int(match.group(2)), 1)
    else:
        try:
            start = Quarter.parse(period).start
        except ValidationError:
            return f"“{period}” is not a quarter; write it like 2026-Q4."
    if start > today:
        return f"{period} has not started yet."
    return None


def due_period(cadence: str, today: date | None = None) -> str:
    """The latest complete month or quarter: the period an update is due for."""
    today = today or date.today()
    if cadence == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return f"{last.year}-{last.month:02d}"
    return str(Quarter.containing(today).shift(-1))


def entry_period(cadence: str, quarter: Quarter, today: date | None = None) -> str:
    """The period a value typed while working on ``quarter`` belongs to, to start from.

    A quarterly measure's is the quarter itself; a monthly one's is the quarter's
    latest month that has begun (its first month, for a quarter still to come)."""
    if cadence != "monthly":
        return str(quarter)
    day = max(min(quarter.end, today or date.today()), quarter.start)
    return f"{day.year}-{day.month:02d}"


def check_value(unit: str, value: float) -> str | None:
    """What is wrong with ``value`` for the unit (None if it fits)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "must be a number."
    low, high = UNITS[unit]
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"
        return f"in {unit} must be {span} (you entered {value:g})."
    if unit == "count" and value != int(value):
        return "is a count: a whole number."
    return None


# --- Values ----------------------------------------------------------------------------


def scope_label(con: Connection, scope: str) -> str:
    if scope == "all":
        return "Whole organisation"
    kind, _, raw = scope.partition(":")
    # The table name comes from this fixed map, never from the scope text itself.
    table = {"team": "team", "segment": "segment"}.get(kind)
    if table is None or not raw.isdigit():
        return scope
    row = con.execute(f"SELECT name FROM {table} WHERE id = ?", [int(raw)]).fetchone()
    return f"{'Team' if kind == 'team' else 'Segment'}: {row[0]}" if row else scope


def check_scope(con: Connection, org_id: int, scope: str) -> str | None:
    if scope == "all":
        return None
    kind, _, raw = scope.partition(":")
    table = {"team": "team", "segment": "segment"}.get(kind)
    if table is None or not raw.isdigit() or con.execute(
            f"SELECT 1 FROM {table} WHERE org_id = ? AND id = ?", [org_id, int(raw)]
    ).fetchone() is None:
        return "Choose the whole organisation, a team or a segment."
    return None


def set_value(con: Connection, org_id: int, measure_id: int, period: str, value: float,
              scope: str = "all", reason: str | None = None, today: date | None = None) -> None:
    """Enter (or correct) a hand-entered value; a locked period needs a reason."""
    access.require(Permission.EDIT_PLAN, org_id)
    measure = get_measure(con, org_id, measure_id)
    problems: dict[str, str] = {}
    if measure.source != "manual":
        raise ValidationError({"measure": f"{measure.name} is {SOURCES[measure.source].lower()}"
                                          "; its values are not entered by hand."})
    period_problem = check_period(measure.cadence, period.strip(), today)
    if period_problem:
        problems["period"] = period_problem
    value_problem = check_value(measure.unit, value)
    if value_problem:
        problems["value"] = f"{measure.name} " + value_problem
    scope_problem = check_scope(con, org_id, scope)
    if scope_problem:
        problems["scope"] = scope_problem
    raise_if(problems)
    period = period.strip()
    with transaction(con):
        why = audit.check_unlocked(con, org_id, period, reason)
        before = con.execute("SELECT value FROM measure_value WHERE measure_id = ? AND period = ? "
                             "AND scope = ?", [measure_id, period, scope]).fetchone()
        con.execute(
            "INSERT INTO measure_value (org_id, measure_id, period, scope, value, entered_by) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (measure_id, period, scope) DO UPDATE SET "
            "value = excluded.value, entered_by = excluded.entered_by, entered_at = now()",
            [org_id, measure_id, period, scope, float(value), audit.actor()])
        where = "" if scope == "all" else f" ({scope_label(con, scope)})"
        change = f"{before[0]:g} → {value:g}" if before else f"{value:g}"
        audit.record(con, org_id, "Measures", "value", f"{measure.name} {period}{where}: {change}",
                     str(audit.quarter_of(period)), why)


def delete_value(con: Connection, org_id: int, measure_id: int, period: str, scope: str = "all",
                 reason: str | None = None) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    measure = get_measure(con, org_id, measure_id)
    with transaction(con):
        why = audit.check_unlocked(con, org_id, period, reason)
        gone = con.execute("DELETE FROM measure_value WHERE org_id = ? AND measure_id = ? AND "
                           "period = ? AND scope = ? RETURNING value",
                           [org_id, measure_id, period, scope]).fetchone()
        if gone is None:
            raise NotFoundError("That value was already removed.")
        audit.record(con, org_id, "Measures", "deleted",
                     f"{measure.name} {period}: {gone[0]:g}", str(audit.quarter_of(period)), why)


def entered_values(con: Connection, org_id: int, measure_id: int,
                   scope: str = "all") -> dict[str, float]:
    rows = con.execute("SELECT period, value FROM measure_value WHERE org_id = ? AND "
                       "measure_id = ? AND scope = ? ORDER BY period",
                       [org_id, measure_id, scope]).fetchall()
    return {r[0]: float(r[1]) for r in rows}


# --- Actuals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actual:
    value: float | None
    n: int | None = None  # answers or observations behind it, where that applies
    detail: str = ""
    survey: SurveyResult | None = None


def survey_result(con: Connection, org_id: int, kind: str, start: date, end: date,
                  scope: str = "all") -> SurveyResult:
    """A survey figure for any span of days, from answers counted in DuckDB."""
    rows = con.execute(
        "SELECT score, count(*) FROM survey_response WHERE org_id = ? AND kind = ? AND "
        "answered_on BETWEEN ? AND ? AND (? = 'all' OR scope = ?) GROUP BY score",
        [org_id, kind, start, end, scope, scope]).fetchall()
    return from_counts(kind, {r[0]: int(r[1]) for r in rows})


def _team(scope: str) -> int | None:
    return int(scope.split(":")[1]) if scope.startswith("team:") else None


def actual(con: Connection, org_id: int, measure: Measure, quarter: Quarter,
           scope: str = "all", today: date | None = None) -> Actual:
    """One measure's actual for one quarter (see ``actual_series`` for many)."""
    return actual_series(con, org_id, [measure], [quarter], scope, today)[measure.id][0]


# --- Actuals over many quarters, set-based -------------------------------------------------
# A scorecard shows every measure over eight quarters. Working out each quarter on
# its own re-read a measure's history per quarter and pulled raw rows into Python;
# here each source is one query over all the quarters, aggregated in DuckDB. The
# first, quarter-at-a-time version is kept in tests/reference.py, and the tests
# hold the two equal on generated data.


def survey_series(con: Connection, org_id: int, kinds: Sequence[str],
                  quarters: Sequence[Quarter], scope: str = "all",
                  ends: Sequence[date] | None = None) -> dict[tuple[str, str], SurveyResult]:
    """Each survey figure per quarter: {(kind, "2026-Q3"): result}, counted in SQL."""
    rows = con.execute(
        "WITH " + QUARTER_TABLE + """
        SELECT q.label, r.kind, r.score, count(*)
        FROM q JOIN survey_response r ON r.answered_on BETWEEN q.qs AND q.qe
        WHERE r.org_id = $org AND r.kind IN (SELECT unnest(CAST($kinds AS VARCHAR[])))
          AND ($scope = 'all' OR r.scope = $scope)
        GROUP BY ALL
        """, {**quarter_table(quarters, ends), "org": org_id, "kinds": list(kinds),
              "scope": scope}).fetchall()
    counts: dict[tuple[str, str], dict[int | None, int]] = {}
    for label, kind, answer, count in rows:
        counts.setdefault((kind, label), {})[answer] = int(count)
    return {(kind, str(q)): from_counts(kind, counts.get((kind, str(q)), {}))
            for kind in kinds for q in quarters}


def _manual_series(con: Connection, org_id: int, measures: Sequence[Measure],
                   quarters: Sequence[Quarter], scope: str) -> dict[int, list[Actual]]:
    periods = [p for q in quarters for p in (str(q), *months_of(q))]
    rows = con.execute(
        "SELECT measure_id, period, value FROM measure_value WHERE org_id = ? AND scope = ? "
        "AND measure_id IN (SELECT unnest(CAST(? AS BIGINT[]))) "
        "AND period IN (SELECT unnest(CAST(? AS VARCHAR[])))",
        [org_id, scope, [m.id for m in measures], periods]).fetchall()
    values: dict[int, dict[str, float]] = {}
    for measure_id, period, value in rows:
        values.setdefault(measure_id, {})[period] = float(value)
    result = {}
    for measure in measures:
        entered = values.get(measure.id, {})
        series = []
        for quarter in quarters:
            wanted = months_of(quarter) if measure.cadence == "monthly" else [str(quarter)]
            present = [p for p in wanted if p in entered]
            series.append(Actual(entered[present[-1]], detail=f"value for {present[-1]}")
                          if present else Actual(None))
        result[measure.id] = series
    return result


Series = dict[str, list["Actual"]]


def _derived_works(org_id: int, formulas: set[str], quarters: Sequence[Quarter], scope: str,
                   today: date) -> list[Callable[[Connection], Series]]:
    """The reads that work out the derived measures, each on its own: they need nothing
    of each other, so ``actual_series`` runs them side by side."""
    from strategy.measures import impact
    from strategy.people import recognition, training, workforce
    from strategy.service import accountability

    if scope.startswith("segment:"):
        def per_segment(con: Connection) -> Series:
            found: Series = {f: [Actual(None, detail="not kept per segment") for _ in quarters]
                             for f in formulas}
            if formulas & PER_SEGMENT:
                found.update(_register_series(con, org_id, formulas & PER_SEGMENT, quarters,
                                              int(scope.split(":", 1)[1]), today))
            return found
        return [per_segment]
    team = _team(scope)
    ends = [min(q.end, today) for q in quarters]
    works: list[Callable[[Connection], Series]] = []
    if formulas & {"turnover", "retention"}:
        def people(con: Connection) -> Series:
            figures = workforce.quarter_figures(con, org_id, quarters, team)
            return {
                "turnover": [Actual(f.turnover, None, f"{f.leavers} leavers, average headcount "
                                                      f"{f.average_headcount:g}")
                             for f in figures],
                "retention": [Actual(f.retention.value, f.retention.whole,
                                     f"{f.retained} of {f.opening} retained")
                              for f in figures]}
        works.append(people)
    if "training_coverage" in formulas:
        works.append(lambda con: {"training_coverage": [
            Actual(100 * r.part / r.whole if r.whole else None, r.whole,
                   f"{r.part} of {r.whole} passed")
            for r in training.coverage_series(con, org_id, ends, team)]})
    if "recognition_per_head" in formulas:
        works.append(lambda con: {"recognition_per_head": [
            Actual(received / headcount if headcount else None, headcount,
                   f"{received} recognitions, {headcount} staff")
            for received, headcount in recognition.per_head_series(con, org_id, quarters, ends,
                                                                   team)]})
    if "compliance_rate" in formulas:
        works.append(lambda con: {"compliance_rate": [
            Actual(100 * r.part / r.whole if r.whole else None, r.whole,
                   f"{r.part} of {r.whole} observations met")
            for r in accountability.compliance_series(con, org_id, quarters, team)]})
    register = formulas & (PER_SEGMENT - {"complaints"})
    if register:
        if team is None:
            works.append(lambda con: _register_series(con, org_id, register, quarters, None,
                                                      today))
        else:
            works.append(lambda con: {f: [Actual(None, detail="not kept per team")
                                          for _ in quarters] for f in register})
    if "complaints" in formulas:
        works.append(lambda con: {"complaints": [
            Actual(float(found[0]), detail=found[1]) if found is not None and team is None
            else Actual(None) for found in impact.complaints_series(con, org_id, list(quarters),
                                                                    today)]})
    return works


def _register_series(con: Connection, org_id: int, formulas: set[str],
                     quarters: Sequence[Quarter], segment_id: int | None,
                     today: date) -> dict[str, list[Actual]]:
    """The complaints register's figures for the quarters (all customers, or one
    segment's), counted over the complaints received in each quarter."""
    from strategy.measures import complaints

    figures = complaints.quarter_figures(con, org_id, quarters, today, segment_id)
    result: dict[str, list[Actual]] = {}
    if "complaints" in formulas:
        result["complaints"] = [Actual(float(f.complaints), detail="from the complaints "
                                       "register") if f.has_data else Actual(None)
                                for f in figures]
    if "compliments" in formulas:
        result["compliments"] = [Actual(float(f.compliments), detail="from the complaints "
                                        "register") if f.has_data else Actual(None)
                                 for f in figures]
    if "resolve_days" in formulas:
        result["resolve_days"] = [Actual(f.median_days, f.resolved,
                                         f"median of {f.resolved} resolved")
                                  if f.median_days is not None else Actual(None)
                                  for f in figures]
    if "resolved_within_target" in formulas:
        result["resolved_within_target"] = [
            Actual(f.within_target.value, f.within_target.whole,
                   f"{f.within_target.part} of {f.within_target.whole} with a known outcome")
            if f.within_target.whole else Actual(None) for f in figures]
    return result


def actual_series(con: Connection, org_id: int, measures: Sequence[Measure],
                  quarters: Sequence[Quarter], scope: str = "all",
                  today: date | None = None) -> dict[int, list[Actual]]:
    """Every measure's actual in every quarter (a list per measure id, in the order of
    ``quarters``): what ``actual`` gives one at a time, in a handful of queries."""
    today = today or date.today()
    begun = [q for q in quarters if q.start <= today]  # a quarter not yet begun has no data
    manual = [m for m in measures if m.source == "manual"]
    kinds = sorted({m.formula for m in measures if m.source == "survey" and m.formula})
    formulas = {m.formula or "" for m in measures if m.source == "derived"}
    found: dict[int, list[Actual]] = {m.id: [] for m in manual}
    surveys: dict[tuple[str, str], SurveyResult] = {}
    derived: Series = {f: [] for f in formulas}
    if begun:
        # The sources need nothing of each other: read at once, on cursors of their own
        # (on PostgreSQL, sessions of their own), rather than one after another.
        works: list[Callable[[Connection], Any]] = []
        if manual:
            works.append(lambda db: found.update(_manual_series(db, org_id, manual, begun,
                                                                scope)))
        if kinds:
            works.append(lambda db: surveys.update(survey_series(db, org_id, kinds, begun,
                                                                 scope)))
        def into_derived(work: Callable[[Connection], Series]) -> Callable[[Connection], None]:
            return lambda db: derived.update(work(db))
        if formulas:
            works.extend(into_derived(work)
                         for work in _derived_works(org_id, formulas, begun, scope, today))
        side_by_side(con, works)
    result = {}
    for measure in measures:
        if measure.source == "manual":
            series = found[measure.id]
        elif measure.source == "survey":
            series = []
            for q in begun:
                r = surveys[(measure.formula or "", str(q))]
                series.append(Actual(r.value, r.n, r.counts_text(), r))
        else:
            series = derived[measure.formula or ""]
        result[measure.id] = _place(quarters, begun, series)
    return result


def _place(quarters: Sequence[Quarter], begun: Sequence[Quarter],
           series: Sequence[Actual]) -> list[Actual]:
    by_quarter = dict(zip(begun, series, strict=True))
    return [by_quarter.get(q, Actual(None)) for q in quarters]


def status(value: float | None, target: float | None, band: float | None,
           direction: str) -> str:
    """green / amber / red against the target; "no target" and "no data" are not judged."""
    if target is None:
        return "no target"
    if value is None:
        return "no data"
    band = band or 0.0
    shortfall = target - value if direction == "higher" else value - target
    if shortfall <= 0:
        return "green"
    if shortfall <= band:
        return "amber"
    return "red"


# --- The scorecard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorecardRow:
    measure: Measure
    actual: Actual
    previous: float | None
    trend: list[float | None]
    trend_quarters: list[str]
    status: str
    small_sample: bool

    @property
    def change(self) -> float | None:
        if self.actual.value is None or self.previous is None:
            return None
        return self.actual.value - self.previous


def small_sample_threshold(con: Connection, org_id: int) -> int:
    row = con.execute("SELECT small_sample FROM organisation WHERE id = ?", [org_id]).fetchone()
    return int(row[0]) if row and row[0] is not None else 30


def set_small_sample_threshold(con: Connection, org_id: int, answers: int) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    if not 1 <= answers <= 100_000:
        raise ValidationError({"small_sample": "Choose a number of answers from 1 to 100,000."})
    with transaction(con):
        con.execute("UPDATE organisation SET small_sample = ? WHERE id = ?", [answers, org_id])


def scorecard(con: Connection, org_id: int, quarter: Quarter, scope: str = "all",
              quarters: int = 8, today: date | None = None) -> list[ScorecardRow]:
    threshold = small_sample_threshold(con, org_id)
    defined = list_measures(con, org_id)
    span = [quarter.shift(-n) for n in range(quarters - 1, -1, -1)]
    actuals = actual_series(con, org_id, defined, span, scope, today)
    rows = []
    for measure in defined:
        series = actuals[measure.id]
        now = series[-1]
        previous = series[-2].value if len(series) > 1 else None
        rows.append(ScorecardRow(
            measure, now, previous, [a.value for a in series], [str(q) for q in span],
            status(now.value, measure.target, measure.amber_band, measure.direction),
            now.survey is not None and 0 < now.survey.n < threshold))
    return rows


@dataclass(frozen=True)
class DueUpdate:
    measure: str
    period: str
    owner: str
    source: str
    # Which measure and whose: for each person's own list ("For you"). Not compared, so
    # an update due is the same update whoever looks it up.
    measure_id: int = field(default=0, compare=False)
    owner_id: int | None = field(default=None, compare=False)


def due_updates(con: Connection, org_id: int, today: date | None = None) -> list[DueUpdate]:
    """Measures whose value for the latest due period is missing."""
    today = today or date.today()
    due = []
    defined = [m for m in list_measures(con, org_id) if m.source != "derived"]
    periods = {m.id: due_period(m.cadence, today) for m in defined}
    # Which of the due values exist: one query for all of them, counted in DuckDB.
    rows = con.execute(
        """
        WITH wanted AS (SELECT unnest(CAST(? AS BIGINT[])) AS measure_id,
                               unnest(CAST(? AS VARCHAR[])) AS period,
                               unnest(CAST(? AS VARCHAR[])) AS kind,
                               unnest(CAST(? AS DATE[])) AS starts,
                               unnest(CAST(? AS DATE[])) AS ends)
        SELECT w.measure_id FROM wanted w
        WHERE (w.kind IS NULL AND EXISTS (SELECT 1 FROM measure_value v WHERE v.org_id = ?
                        AND v.measure_id = w.measure_id AND v.period = w.period
                        AND v.scope = 'all'))
           OR EXISTS (SELECT 1 FROM survey_response r WHERE r.org_id = ? AND r.kind = w.kind
                        AND r.score IS NOT NULL AND r.answered_on BETWEEN w.starts AND w.ends)
        """,
        [[m.id for m in defined], [periods[m.id] for m in defined],
         [m.formula if m.source == "survey" else None for m in defined],
         [_period_span(periods[m.id])[0] for m in defined],
         [_period_span(periods[m.id])[1] for m in defined], org_id, org_id]).fetchall()
    present = {r[0] for r in rows}
    for measure in defined:
        if measure.id not in present:
            due.append(DueUpdate(measure.name, periods[measure.id], measure.owner or "(no owner)",
                                 SOURCES[measure.source], measure.id, measure.owner_id))
    return due


def _period_span(period: str) -> tuple[date, date]:
    """First and last day of a month ("2026-10") or quarter ("2026-Q3")."""
    if "Q" in period:
        quarter = Quarter.parse(period)
        return quarter.start, quarter.end
    year, month = (int(x) for x in period.split("-"))
    start = date(year, month, 1)
    return start, (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- Employees and customers side by side ------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    lag: int  # quarters the customer measure trails the employee measure
    n: int  # paired quarters
    r: float | None
    pairs: list[tuple[str, float, float]] = field(default_factory=list)


MIN_PAIRS = 6


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def paired(employee: Sequence[float | None], customer: Sequence[float | None]) -> int:
    """How many quarters have a value for both measures."""
    return sum(e is not None and c is not None for e, c in zip(employee, customer, strict=True))


def most_paired(series: Mapping[int, Sequence[float | None]], employee: Sequence[int],
                customer: Sequence[int]) -> tuple[int, int] | None:
    """The employee and customer measure with the most quarters in common.

    Ties go to the pair with the most values in all, then to the first listed: a
    chart that opens on two measures with data says something; the first two
    defined may have none."""
    pairs = [(e, c) for e in employee for c in customer]
    if not pairs:
        return None
    return max(pairs, key=lambda p: (paired(series[p[0]], series[p[1]]),
                                     sum(v is not None for v in [*series[p[0]], *series[p[1]]]),
                                     -pairs.index(p)))


DEFAULT_PAIR_SECONDS = 300
_default_pairs: SharedReads[tuple[str, int, str, str, tuple[int, ...]],
                            tuple[int, int] | None] = SharedReads()


def default_pair(con: Connection, org_id: int, defined: Sequence[Measure],
                 quarters: Sequence[Quarter], scope: str = "all") -> tuple[int, int] | None:
    """The employee and customer measure to open the side-by-side chart on: the pair
    with the most quarters in common (:func:`most_paired`).

    Finding it reads every measure's quarters, the costly part at large; as a starting
    choice it is kept a few minutes (per database, organisation, quarters, scope and
    set of measures), so that each later run reads the chosen pair only."""
    employee = [m.id for m in defined if m.side == "employee"]
    customer = [m.id for m in defined if m.side == "customer"]

    def work_out() -> tuple[int, int] | None:
        found = actual_series(con, org_id, defined, quarters, scope)
        return most_paired({mid: [a.value for a in series] for mid, series in found.items()},
                           employee, customer)

    key = (database_key(), org_id, ",".join(str(q) for q in quarters), scope,
           tuple(m.id for m in defined))
    return _default_pairs.get(key, work_out, DEFAULT_PAIR_SECONDS)


def correlations(quarters: Sequence[str], employee: Sequence[float | None],
                 customer: Sequence[float | None], max_lag: int = 3) -> list[Correlation]:
    """How the employee measure in a quarter relates to the customer measure in the same
    quarter and the following ones (Pearson's r over the paired quarters)."""
    result = []
    for lag in range(max_lag + 1):
        pairs = [(quarters[i], e, c) for i in range(len(quarters) - lag)
                 if (e := employee[i]) is not None and (c := customer[i + lag]) is not None]
        r = pearson([p[1] for p in pairs], [p[2] for p in pairs])
        result.append(Correlation(lag, len(pairs), r, pairs))
    return result
