"""Turnover, retention and tenure on hand-worked examples."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from strategy.core.periods import Quarter
from strategy.people.personnel import Employee
from strategy.people.workforce import by_quarter_and_team, figures

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

Q = Quarter(2026, 1)  # 1 Jan – 31 Mar 2026


def person(number: str, hired: date, left: date | None = None, kind: str | None = None,
           team: str = "Desk", reason: str = "") -> Employee:
    return Employee(int(number), number, f"P{number}", 1, team, "", "", hired, left,
                    kind if left else None, reason, 1)


def test_a_worked_quarter() -> None:
    staff = [
        person("1", date(2020, 1, 1)),                                    # stays
        person("2", date(2021, 6, 1)),                                    # stays
        person("3", date(2022, 3, 1), date(2026, 2, 10), "voluntary", reason="Pay"),
        person("4", date(2023, 5, 5), date(2026, 3, 31), "involuntary"),  # last day of Q
        person("5", date(2026, 2, 1)),                                    # hired in Q
        person("6", date(2026, 1, 1), date(2026, 3, 1), "voluntary"),     # in and out
        person("7", date(2019, 1, 1), date(2025, 12, 31), "voluntary"),   # left before Q
        person("8", date(2026, 4, 1)),                                    # hired after Q
    ]
    f = figures(staff, Q.start, Q.end)
    # Opening: 1, 2, 3, 4 (7 left the day before; 6 was hired on the first day).
    assert f.opening == 4
    # Closing: 1, 2, 5 (4's last day was 31 March, so 4 is gone at the close).
    assert f.closing == 3
    assert (f.hires, f.leavers_voluntary, f.leavers_involuntary) == (2, 2, 1)
    assert f.closing == f.opening + f.hires - f.leavers
    assert f.average_headcount == 3.5
    assert f.turnover == pytest.approx(100 * 3 / 3.5)  # 85.7%
    assert (f.retention.part, f.retention.whole) == (2, 4)  # 1 and 2 of the opening four
    assert f.retention.value == 50.0
    assert f.reasons == {"Pay": 1, "(no reason given)": 2}
    # Tenure at 31 March 2026 of 1, 2 and 5.
    days = [(Q.end - date(2020, 1, 1)).days, (Q.end - date(2021, 6, 1)).days,
            (Q.end - date(2026, 2, 1)).days]
    assert f.average_tenure_years == pytest.approx(sum(days) / 3 / 365.25)


def test_leaving_on_the_first_day_counts_at_the_opening_and_as_a_leaver() -> None:
    f = figures([person("1", date(2025, 1, 1), date(2026, 1, 1), "voluntary")], Q.start, Q.end)
    assert (f.opening, f.closing, f.leavers) == (1, 0, 1)
    assert f.turnover == 200.0  # one leaver over an average headcount of 0.5
    assert f.retention.value == 0.0


def test_an_empty_period() -> None:
    f = figures([], Q.start, Q.end)
    assert (f.opening, f.closing, f.hires, f.leavers) == (0, 0, 0, 0)
    assert f.turnover is None
    assert f.retention.value is None and f.retention.text() == "no data (n=0)"
    assert f.average_tenure_years is None


def test_a_quiet_quarter_has_zero_turnover_and_full_retention() -> None:
    f = figures([person("1", date(2020, 1, 1)), person("2", date(2024, 1, 1))],
                Q.start, Q.end)
    assert f.turnover == 0.0
    assert f.retention.text() == "100% (n=2)"


def test_per_team_and_whole_organisation() -> None:
    staff = [person("1", date(2020, 1, 1), team="Desk"),
             person("2", date(2020, 1, 1), date(2026, 2, 1), "voluntary", team="Field")]
    rows = by_quarter_and_team(staff, [Q])
    assert [(r.team, r.figures.leavers) for r in rows] == [
        ("All teams", 1), ("Desk", 0), ("Field", 1)]


def test_candidate_scores_weigh_attitude() -> None:
    from strategy.people.workforce import Criterion, attitude_share, weighted_score

    criteria = [Criterion(1, "Warmth", "attitude", 60.0), Criterion(2, "Ownership", "attitude",
                                                                    20.0),
                Criterion(3, "Systems", "technique", 20.0)]
    assert attitude_share(criteria) == 80.0
    assert attitude_share([]) is None
    # All 5s -> 100, all 1s -> 0; a 1–5 scale rescaled to 0–100.
    assert weighted_score(criteria, {1: 5, 2: 5, 3: 5}) == 100.0
    assert weighted_score(criteria, {1: 1, 2: 1, 3: 1}) == 0.0
    # Great technique cannot make up for poor attitude: (60×2 + 20×2 + 20×5) / 100 = 2.6.
    assert weighted_score(criteria, {1: 2, 2: 2, 3: 5}) == pytest.approx((2.6 - 1) / 4 * 100)
    assert weighted_score(criteria, {}) is None


def test_scoring_a_candidate_needs_every_criterion(con: Any, org: Any) -> None:
    from strategy.core.errors import ValidationError
    from strategy.people import workforce

    workforce.seed_criteria(con, org.id)
    criteria = workforce.list_criteria(con, org.id)
    with pytest.raises(ValidationError, match="Score every criterion"):
        workforce.score_candidate(con, org.id, "Jo", "Adviser", "Panel", date(2026, 1, 5),
                                  {criteria[0].id: 4}, today=date(2026, 2, 1))
    with pytest.raises(ValidationError, match="from 1 to 5"):
        workforce.score_candidate(con, org.id, "Jo", "Adviser", "Panel", date(2026, 1, 5),
                                  {c.id: 6 for c in criteria}, today=date(2026, 2, 1))
    workforce.score_candidate(con, org.id, "Jo", "Adviser", "Panel", date(2026, 1, 5),
                              {c.id: 4 for c in criteria}, today=date(2026, 2, 1))
    (jo,) = workforce.list_candidates(con, org.id)
    assert (jo.score, jo.attitude_score) == (75.0, 75.0)
