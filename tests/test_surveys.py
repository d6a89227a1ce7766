"""Survey figures on hand-worked examples, boundaries included."""

from __future__ import annotations

import pytest

from strategy.measures.surveys import score

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def test_nps_boundaries_6_7_and_8_9() -> None:
    # 6 is a detractor, 7 and 8 passives, 9 a promoter.
    result = score("nps", [6, 7, 8, 9])
    assert result.groups == {"promoters": 1, "passives": 2, "detractors": 1}
    assert result.value == 0.0
    assert result.counts_text() == "n=4 (1 promoters, 2 passives, 1 detractors)"


def test_nps_worked_example() -> None:
    # 5 promoters, 3 passives, 2 detractors of 10: 50% − 20% = +30.
    result = score("nps", [10, 9, 9, 10, 9, 8, 7, 7, 0, 6])
    assert (result.n, result.value) == (10, 30.0)


def test_nps_extremes() -> None:
    assert score("nps", [10, 9]).value == 100.0
    assert score("enps", [0, 6, 3]).value == -100.0


def test_blank_answers_are_not_counted() -> None:
    result = score("enps", [10, None, 3, None])
    assert (result.n, result.blanks, result.value) == (2, 2, 0.0)


def test_zero_responses_give_no_figure() -> None:
    for kind in ("nps", "enps", "csat", "effort"):
        result = score(kind, [])
        assert (result.n, result.value) == (0, None)
        assert result.counts_text() == "n=0"
    assert score("nps", [None, None]).value is None


def test_csat_counts_4_and_5_as_satisfied() -> None:
    result = score("csat", [5, 4, 3, 2, 1, 4, 5, 5])
    assert result.groups == {"satisfied": 5, "not satisfied": 3}
    assert result.value == pytest.approx(62.5)


def test_customer_effort_is_the_average_with_the_easy_share() -> None:
    result = score("effort", [1, 2, 2, 3, 5])
    assert result.value == pytest.approx(2.6)
    assert result.groups == {"easy (1–2)": 3, "other": 2}


@pytest.mark.parametrize(("kind", "bad"), [("nps", 11), ("nps", -1), ("csat", 0),
                                           ("csat", 6), ("effort", 2.5)])
def test_answers_outside_the_scale_are_refused(kind: str, bad: int) -> None:
    with pytest.raises(ValueError, match="whole numbers from"):
        score(kind, [bad])
