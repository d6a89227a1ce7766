"""A quarter's (or a year's) measure values entered as one grid: measures down,
periods across, the way leaders keep them in a spreadsheet.

The page shows the grid filled with what is stored; the leader types or pastes
over it. :func:`plan_grid` says what each cell would do — new, changed,
unchanged, removed, or refused with the reason — and :func:`save_grid` writes
every change or none. A cell somebody else changed since the grid was opened
refuses the whole save: the person sees the newer value instead of overwriting
it unseen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.errors import ValidationError
from strategy.core.periods import Quarter
from strategy.io.tabular import parse_number
from strategy.measures import scorecard
from strategy.measures.scorecard import Measure, check_period, check_value

NEW, CHANGED, UNCHANGED, REMOVED, REFUSED = "new", "changed", "unchanged", "removed", "refused"
STATES = (NEW, CHANGED, REMOVED, REFUSED, UNCHANGED)
# How far back the grid reaches from the quarter being worked on.
QUARTERS_SHOWN = 8
MONTHS_SHOWN = 12

Key = tuple[int, str]  # (measure id, period)


def periods(cadence: str, quarter: Quarter, today: date | None = None) -> list[str]:
    """The grid's columns, oldest first, ending at ``quarter`` (its latest begun month)."""
    if cadence == "monthly":
        last = scorecard.entry_period("monthly", quarter, today)
        year, month = (int(p) for p in last.split("-"))
        index = year * 12 + month - 1
        return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - MONTHS_SHOWN + 1, index + 1)]
    return [str(quarter.shift(-n)) for n in range(QUARTERS_SHOWN - 1, -1, -1)]


def stored(con: Connection, org_id: int, measures: Sequence[Measure], columns: Sequence[str],
           scope: str = "all") -> dict[Key, float]:
    """The values held now for these measures and periods, in one query."""
    access.require(Permission.READ_SCORECARD, org_id)
    if not measures or not columns:
        return {}
    rows = con.execute(
        "SELECT measure_id, period, value FROM measure_value WHERE org_id = ? AND scope = ? "
        "AND list_contains(?, measure_id) AND list_contains(?, period)",
        [org_id, scope, [m.id for m in measures], list(columns)]).fetchall()
    return {(int(r[0]), str(r[1])): float(r[2]) for r in rows}


def read_cell(raw: object) -> float | None:
    """The number a cell holds (None when blank); ValueError says what is wrong."""
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+,\d{1,2}\s*%?\s*", raw):
        # "3,5" is a decimal comma; read as 35 it would be stored wrong, so ask.
        raise ValueError(f"write “{raw.strip()}” with a decimal point "
                         f"({raw.strip().replace(',', '.')})")
    return parse_number(raw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GridCell:
    measure_id: int
    measure: str
    period: str
    before: float | None  # as stored now
    after: float | None  # as the grid says
    state: str
    problem: str = ""


def shown(value: float | None) -> str:
    """A stored value as the grid shows it: every digit kept, no trailing ".0"."""
    return "" if value is None else format(value, ".15g")


def plan_grid(con: Connection, org_id: int, measures: Sequence[Measure], columns: Sequence[str],
              cells: Mapping[Key, object], opened_with: Mapping[Key, float],
              scope: str = "all", today: date | None = None) -> list[GridCell]:
    """What saving ``cells`` would do to each cell, and why any is refused.

    ``cells`` maps (measure id, period) to what the grid holds: text as typed or
    pasted, a number, or None/"" for an empty cell. ``opened_with`` is what was
    stored when the grid was drawn: a cell that still says that was not touched and
    is left alone, whatever happened to it since; a touched cell whose stored value
    has moved since is refused, so nobody overwrites a figure they never saw.
    """
    access.require(Permission.EDIT_PLAN, org_id)
    held = stored(con, org_id, measures, columns, scope)
    problem_scope = scorecard.check_scope(con, org_id, scope)
    plan: list[GridCell] = []
    for measure in measures:
        for period in columns:
            key = (measure.id, period)
            before, opened = held.get(key), opened_with.get(key)
            try:
                after = read_cell(cells.get(key))
            except ValueError as exc:
                plan.append(GridCell(measure.id, measure.name, period, before, None, REFUSED,
                                     f"{str(exc)[0].upper()}{str(exc)[1:]}."))
                continue
            if after == opened:
                plan.append(GridCell(measure.id, measure.name, period, before, before,
                                     UNCHANGED))
                continue
            problem = (f"{measure.name} is {scorecard.SOURCES[measure.source].lower()}; its "
                       "values are not entered by hand." if measure.source != "manual" else
                       problem_scope or check_period(measure.cadence, period, today))
            if not problem and after is not None and (wrong := check_value(measure.unit, after)):
                problem = f"{measure.name} {wrong}"
            if not problem and before != opened:
                done = "removed it" if before is None else f"entered {shown(before)}"
                problem = (f"Someone else {done} here after you opened the grid (it was "
                           f"{'empty' if opened is None else shown(opened)}).")
            if problem:
                plan.append(GridCell(measure.id, measure.name, period, before, after, REFUSED,
                                     problem))
                continue
            state = REMOVED if after is None else NEW if before is None else CHANGED
            plan.append(GridCell(measure.id, measure.name, period, before, after, state))
    return plan


@dataclass(frozen=True)
class GridSaved:
    written: int
    removed: int
    quarters: tuple[str, ...]

    def summary(self) -> str:
        parts = []
        if self.written:
            parts.append(f"{self.written} value{'s' if self.written != 1 else ''} saved")
        if self.removed:
            parts.append(f"{self.removed} removed")
        return (", ".join(parts) or "Nothing changed") + (
            f" ({', '.join(self.quarters)})." if self.quarters else ".")


def save_grid(con: Connection, org_id: int, measures: Sequence[Measure], columns: Sequence[str],
              cells: Mapping[Key, object], opened_with: Mapping[Key, float],
              scope: str = "all", reason: str | None = None,
              today: date | None = None) -> GridSaved:
    """Write every change in the grid, or nothing.

    Any refused cell (see :func:`plan_grid`) or a reviewed quarter without a reason
    refuses the whole save.
    """
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        plan = plan_grid(con, org_id, measures, columns, cells, opened_with, scope, today)
        refused = [c for c in plan if c.state == REFUSED]
        if refused:
            first = refused[0]
            raise ValidationError({"grid": (
                f"{len(refused)} cell{'s' if len(refused) != 1 else ''} cannot be saved "
                f"(first, {first.measure} {first.period}: {first.problem}) Nothing was saved: "
                "correct or clear the cells marked refused.")})
        changes = [c for c in plan if c.state in (NEW, CHANGED, REMOVED)]
        quarters = sorted({str(audit.quarter_of(c.period)) for c in changes})
        why = ""
        for quarter in quarters:
            why = audit.check_unlocked(con, org_id, quarter, reason) or why
        for c in changes:
            if c.after is None:
                con.execute("DELETE FROM measure_value WHERE org_id = ? AND measure_id = ? AND "
                            "period = ? AND scope = ?", [org_id, c.measure_id, c.period, scope])
            else:
                con.execute(
                    "INSERT INTO measure_value (org_id, measure_id, period, scope, value, "
                    "entered_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (measure_id, period, "
                    "scope) DO UPDATE SET value = excluded.value, entered_by = "
                    "excluded.entered_by, entered_at = now()",
                    [org_id, c.measure_id, c.period, scope, c.after, audit.actor()])
        if changes:
            where = "" if scope == "all" else f" ({scorecard.scope_label(con, scope)})"
            detail = "; ".join(
                f"{c.measure} {c.period}: "
                + ("removed" if c.after is None else
                   f"{shown(c.before)} → {shown(c.after)}" if c.before is not None
                   else shown(c.after))
                for c in changes)
            audit.record(con, org_id, "Measures", "values",
                         f"{len(changes)} values entered as a grid{where}: {detail}",
                         ", ".join(quarters), why)
    written = sum(c.after is not None for c in changes)
    return GridSaved(written, len(changes) - written, tuple(quarters))
