"""A grid of measure values — measures down, periods across — saved all or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from strategy.core import audit
from strategy.core.access import AccessDenied, Role
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.io import value_grid
from strategy.io.value_grid import CHANGED, NEW, REFUSED, REMOVED, UNCHANGED
from strategy.measures import scorecard
from strategy.measures.scorecard import Measure, MeasureInput
from tests.identities import as_person

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)
Q4 = Quarter(2026, 4)
COLUMNS = ["2026-Q1", "2026-Q2", "2026-Q3"]


def _measures(con: Connection, org: Organisation) -> list[Measure]:
    for name, side, unit in (("Engagement", "employee", "%"), ("NPS", "customer", "NPS points"),
                             ("Complaints", "customer", "count")):
        scorecard.add_measure(con, org.id, MeasureInput(name, side, unit, "higher", "quarterly"))
    return scorecard.list_measures(con, org.id)


def _by_name(measures: list[Measure]) -> dict[str, Measure]:
    return {m.name: m for m in measures}


def _held(con: Connection, org: Organisation, measures: list[Measure]) -> dict[tuple[str, str],
                                                                               float]:
    names = {m.id: m.name for m in measures}
    return {(names[k[0]], k[1]): v for k, v in
            value_grid.stored(con, org.id, measures, COLUMNS).items()}


def test_the_columns_end_at_the_quarter_worked_on() -> None:
    assert value_grid.periods("quarterly", Q4, TODAY) == [
        "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    months = value_grid.periods("monthly", Q4, TODAY)
    # The quarter's latest begun month is the last column: December has not begun.
    assert (months[0], months[-1], len(months)) == ("2025-12", "2026-11", 12)


def test_a_pasted_block_is_sorted_into_new_changed_removed_unchanged_and_refused(
        con: Connection, org: Organisation) -> None:
    measures = _measures(con, org)
    m = _by_name(measures)
    scorecard.set_value(con, org.id, m["Engagement"].id, "2026-Q1", 70, today=TODAY)
    scorecard.set_value(con, org.id, m["Engagement"].id, "2026-Q2", 71, today=TODAY)
    scorecard.set_value(con, org.id, m["NPS"].id, "2026-Q1", 20, today=TODAY)
    opened = value_grid.stored(con, org.id, measures, COLUMNS)
    cells = {(m["Engagement"].id, "2026-Q1"): "70.0",        # the same number, written longer
             (m["Engagement"].id, "2026-Q2"): "73",          # changed
             (m["Engagement"].id, "2026-Q3"): " 74 % ",      # new, as a spreadsheet copies it
             (m["NPS"].id, "2026-Q1"): "",                   # cleared: removed
             (m["NPS"].id, "2026-Q2"): "-12",
             (m["NPS"].id, "2026-Q3"): "150",                # NPS runs -100 to 100
             (m["Complaints"].id, "2026-Q1"): "3,5",         # a decimal comma
             (m["Complaints"].id, "2026-Q2"): "1,204",       # thousands
             (m["Complaints"].id, "2026-Q3"): "twelve"}
    plan = {(c.measure, c.period): c for c in value_grid.plan_grid(
        con, org.id, measures, COLUMNS, cells, opened, today=TODAY)}
    assert {k: c.state for k, c in plan.items()} == {
        ("Engagement", "2026-Q1"): UNCHANGED, ("Engagement", "2026-Q2"): CHANGED,
        ("Engagement", "2026-Q3"): NEW, ("NPS", "2026-Q1"): REMOVED,
        ("NPS", "2026-Q2"): NEW, ("NPS", "2026-Q3"): REFUSED,
        ("Complaints", "2026-Q1"): REFUSED, ("Complaints", "2026-Q2"): NEW,
        ("Complaints", "2026-Q3"): REFUSED}
    assert (plan[("Engagement", "2026-Q2")].before, plan[("Engagement", "2026-Q2")].after) == (
        71, 73)
    assert plan[("Complaints", "2026-Q2")].after == 1204
    assert "-100 to 100" in plan[("NPS", "2026-Q3")].problem
    assert plan[("Complaints", "2026-Q1")].problem == "Write “3,5” with a decimal point (3.5)."
    assert "“twelve” is not a number" in plan[("Complaints", "2026-Q3")].problem

    # One refused cell: nothing at all is written.
    with pytest.raises(ValidationError, match="3 cells cannot be saved") as refused:
        value_grid.save_grid(con, org.id, measures, COLUMNS, cells, opened, today=TODAY)
    assert "Nothing was saved" in refused.value.message
    assert _held(con, org, measures) == {("Engagement", "2026-Q1"): 70,
                                         ("Engagement", "2026-Q2"): 71, ("NPS", "2026-Q1"): 20}

    cells[(m["NPS"].id, "2026-Q3")] = "15"
    cells[(m["Complaints"].id, "2026-Q1")] = "3"
    cells[(m["Complaints"].id, "2026-Q3")] = ""
    with as_person("Priya"):
        saved = value_grid.save_grid(con, org.id, measures, COLUMNS, cells, opened, today=TODAY)
    assert (saved.written, saved.removed) == (6, 1)
    assert saved.summary() == "6 values saved, 1 removed (2026-Q1, 2026-Q2, 2026-Q3)."
    assert _held(con, org, measures) == {
        ("Engagement", "2026-Q1"): 70, ("Engagement", "2026-Q2"): 73,
        ("Engagement", "2026-Q3"): 74, ("NPS", "2026-Q2"): -12, ("NPS", "2026-Q3"): 15,
        ("Complaints", "2026-Q1"): 3, ("Complaints", "2026-Q2"): 1204}
    (latest,) = audit.changes(con, org.id, limit=1)
    assert latest.changed_by == "Priya"
    assert "7 values entered as a grid" in latest.summary
    assert "Engagement 2026-Q2: 71 → 73" in latest.summary
    assert "NPS 2026-Q1: removed" in latest.summary


def test_a_reviewed_quarter_needs_a_reason_for_the_whole_grid(con: Connection,
                                                              org: Organisation) -> None:
    measures = _measures(con, org)
    m = _by_name(measures)
    con.execute("INSERT INTO review (org_id, period, closed_at, closed_by) VALUES "
                "(?, '2026-Q2', now(), 'Chair')", [org.id])
    cells = {(m["Engagement"].id, "2026-Q2"): "71", (m["Engagement"].id, "2026-Q3"): "72"}
    with pytest.raises(ValidationError, match="2026-Q2 was reviewed and is locked"):
        value_grid.save_grid(con, org.id, measures, COLUMNS, cells, {}, today=TODAY)
    assert _held(con, org, measures) == {}  # not even the unlocked quarter's value
    value_grid.save_grid(con, org.id, measures, COLUMNS, cells, {},
                         reason="The survey closed late", today=TODAY)
    assert _held(con, org, measures) == {("Engagement", "2026-Q2"): 71,
                                         ("Engagement", "2026-Q3"): 72}
    (latest,) = audit.changes(con, org.id, limit=1)
    assert latest.reason == "The survey closed late"


def test_a_value_someone_else_entered_meanwhile_is_never_overwritten_unseen(
        con: Connection, org: Organisation) -> None:
    measures = _measures(con, org)
    m = _by_name(measures)
    opened = value_grid.stored(con, org.id, measures, COLUMNS)  # all empty
    cells = {(m["Engagement"].id, "2026-Q1"): "70", (m["NPS"].id, "2026-Q1"): ""}
    # Meanwhile a colleague enters both cells.
    scorecard.set_value(con, org.id, m["Engagement"].id, "2026-Q1", 68, today=TODAY)
    scorecard.set_value(con, org.id, m["NPS"].id, "2026-Q1", 30, today=TODAY)
    plan = {(c.measure, c.period): c for c in value_grid.plan_grid(
        con, org.id, measures, COLUMNS, cells, opened, today=TODAY)}
    # The cell this person typed in is refused; the one they left alone stays as the
    # colleague entered it (an empty cell in their grid is not a removal).
    assert plan[("Engagement", "2026-Q1")].state == REFUSED
    assert plan[("Engagement", "2026-Q1")].problem == (
        "Someone else entered 68 here after you opened the grid (it was empty).")
    assert plan[("NPS", "2026-Q1")].state == UNCHANGED
    with pytest.raises(ValidationError, match="Someone else entered 68"):
        value_grid.save_grid(con, org.id, measures, COLUMNS, cells, opened, today=TODAY)
    assert _held(con, org, measures) == {("Engagement", "2026-Q1"): 68, ("NPS", "2026-Q1"): 30}


def test_periods_not_begun_and_computed_measures_are_refused(con: Connection,
                                                             org: Organisation) -> None:
    measures = _measures(con, org)
    scorecard.add_measure(con, org.id, MeasureInput("NPS from surveys", "customer", "NPS points",
                                                    "higher", "quarterly", source="survey",
                                                    formula="nps"))
    measures = scorecard.list_measures(con, org.id)
    m = _by_name(measures)
    cells = {(m["Engagement"].id, "2027-Q1"): "70", (m["NPS from surveys"].id, "2026-Q1"): "40"}
    plan = {(c.measure, c.period): c for c in value_grid.plan_grid(
        con, org.id, measures, [*COLUMNS, "2027-Q1"], cells, {}, today=TODAY)}
    assert plan[("Engagement", "2027-Q1")].problem == "2027-Q1 has not started yet."
    assert "not entered by hand" in plan[("NPS from surveys", "2026-Q1")].problem


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.HR, Role.VIEWER])
def test_only_those_who_edit_the_plan_save_a_grid(con: Connection, org: Organisation,
                                                  role: Role) -> None:
    measures = _measures(con, org)
    cells = {(measures[0].id, "2026-Q1"): "70"}
    with as_person("Someone", org.id, role), pytest.raises(AccessDenied):
        value_grid.save_grid(con, org.id, measures, COLUMNS, cells, {}, today=TODAY)
    assert _held(con, org, measures) == {}
