"""The impact model on a hand-worked example."""

from __future__ import annotations

import pytest

from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.measures.impact import Assumptions, Inputs, calculate, latest_before, load, save

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def test_worked_example_with_the_published_figures() -> None:
    # 20 complaints, 26 silent each: 540 dissatisfied of 10,000 customers worth 500 a year.
    r = calculate(Inputs(active_customers=10_000, value_per_customer=500.0, complaints=20,
                         quick_resolution_share=0.5, acquisition_cost=300.0))
    assert r.dissatisfied == 540
    assert r.silent == 520
    assert r.word_of_mouth == 5_400
    assert r.revenue_at_risk == 270_000
    # Half of the 20 complaints were slow; 75% of those 10 would have stayed.
    assert r.win_back_customers == 7.5
    assert r.win_back_revenue == 3_750
    assert r.replace_cost == 162_000
    assert r.keep_cost == pytest.approx(162_000 / 5.5)
    assert r.lost_to_indifference == pytest.approx(540 * 0.68)
    assert r.good_moments_needed == 540 * 12


def test_assumptions_are_editable_and_dissatisfied_is_capped() -> None:
    r = calculate(Inputs(100, 10.0, 50, 1.0, 5.0), Assumptions(silent_per_complaint=9))
    assert r.dissatisfied == 100  # 50 × 10 = 500 capped at the 100 customers
    assert r.win_back_customers == 0  # every complaint already resolved quickly


def test_no_complaints_means_nothing_at_risk() -> None:
    r = calculate(Inputs(5_000, 200.0, 0, 0.0, 50.0))
    assert (r.dissatisfied, r.revenue_at_risk, r.word_of_mouth) == (0, 0, 0)


@pytest.mark.parametrize(("inputs", "assumptions", "field"), [
    (Inputs(-1, 1.0, 1, 0.5, 1.0), Assumptions(), "active_customers"),
    (Inputs(1, 1.0, 1, 1.5, 1.0), Assumptions(), "quick_resolution_share"),
    (Inputs(1, float("nan"), 1, 0.5, 1.0), Assumptions(), "value_per_customer"),
    (Inputs(1, 1.0, 1, 0.5, 1.0), Assumptions(return_if_quick=1.2), "return_if_quick"),
    (Inputs(1, 1.0, 1, 0.5, 1.0), Assumptions(replace_to_keep_ratio=0), "replace_to_keep_ratio"),
])
def test_bad_inputs_are_refused(inputs: Inputs, assumptions: Assumptions, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        calculate(inputs, assumptions)
    assert field in info.value.fields


def test_saved_per_period(con: Connection, org: Organisation) -> None:
    q3, q4 = Quarter(2026, 3), Quarter(2026, 4)
    save(con, org.id, q3, Inputs(10, 1.0, 2, 0.5, 3.0), Assumptions(told_per_bad_experience=7))
    saved = load(con, org.id, q3)
    assert saved is not None
    assert saved.inputs == Inputs(10, 1.0, 2, 0.5, 3.0)
    assert saved.assumptions.told_per_bad_experience == 7
    assert load(con, org.id, q4) is None
    previous = latest_before(con, org.id, q4)
    assert previous is not None and previous.inputs.complaints == 2
    save(con, org.id, q3, Inputs(10, 1.0, 4, 0.5, 3.0), Assumptions())
    again = load(con, org.id, q3)
    assert again is not None and again.inputs.complaints == 4
