"""How numbers read: counted nouns, dashes for missing figures, chart scales."""

from __future__ import annotations

from strategy.core.wording import MISSING, counted, number


def test_counted_nouns_agree_with_their_number() -> None:
    assert counted(1, "standard") == "1 standard"
    assert counted(0, "standard") == "0 standards"
    assert counted(2_500, "person", "people") == "2,500 people"
    assert counted(1, "person", "people") == "1 person"


def test_a_missing_figure_reads_as_a_dash() -> None:
    assert number(None) == MISSING == "—"
    assert number(76.04) == "76.0"
    assert number(1234.5, 0) == "1,234"


def test_charts_of_equal_values_get_a_readable_scale() -> None:
    from strategy.ui.widgets import value_scale

    # All zero: an axis from 0 to 1 rather than one point labelled 0.000000.
    assert value_scale([0, 0, None]).to_dict() == {"domain": [0.0, 1.0]}
    assert value_scale([0.0, float("nan")]).to_dict() == {"domain": [0.0, 1.0]}
    # One repeated value on a scale that need not start at zero: a span around it.
    assert value_scale([72, 72], zero=False).to_dict() == {"domain": [71.0, 73.0]}
    # Values that differ keep the ordinary scale.
    assert value_scale([1, 5]).to_dict() == {"zero": True}
