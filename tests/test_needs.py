from __future__ import annotations

from datetime import date

import pytest

from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation, update_organisation
from strategy.customers import needs, segments
from strategy.customers.needs import AssessmentInput
from strategy.customers.segments import SegmentInput

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)


@pytest.fixture
def segment_id(con: Connection, org: Organisation) -> int:
    return segments.add_segment(con, org.id, SegmentInput("Households", "external"))


def _add(con: Connection, org: Organisation, segment_id: int, quality: str, imp: int,
         perf: int, source: str = "survey", asked: date = date(2026, 10, 1)) -> int:
    return needs.add_assessment(con, org.id, AssessmentInput(
        segment_id, quality, imp, perf, source, asked), today=TODAY)


def test_priorities_rank_by_gap_then_importance(con: Connection, org: Organisation,
                                                segment_id: int) -> None:
    _add(con, org, segment_id, "Courtesy", 3, 3)
    _add(con, org, segment_id, "Timeliness", 5, 3)
    _add(con, org, segment_id, "Accuracy", 4, 2)
    _add(con, org, segment_id, "Honesty", 2, 4)
    ranked = needs.priorities(con, org.id, today=TODAY)
    assert [(a.quality, a.gap) for a in ranked] == [
        ("Timeliness", 2), ("Accuracy", 2), ("Courtesy", 0), ("Honesty", -2)]


def test_only_the_latest_assessment_counts(con: Connection, org: Organisation,
                                           segment_id: int) -> None:
    _add(con, org, segment_id, "Timeliness", 5, 1, asked=date(2025, 1, 1))
    _add(con, org, segment_id, "Timeliness", 5, 4, asked=date(2026, 11, 1))
    latest = needs.list_assessments(con, org.id, latest_only=True, today=TODAY)
    assert [(a.performance, a.asked_on) for a in latest] == [(4, date(2026, 11, 1))]
    assert len(needs.list_assessments(con, org.id, today=TODAY)) == 2


def test_assumptions_and_stale_answers_are_flagged(con: Connection, org: Organisation,
                                                   segment_id: int) -> None:
    _add(con, org, segment_id, "Honesty", 4, 4, source="assumption")
    _add(con, org, segment_id, "Accuracy", 4, 4, asked=date(2026, 5, 25))  # 181 days
    _add(con, org, segment_id, "Courtesy", 4, 4, asked=date(2026, 5, 26))  # 180 days
    flags = {a.quality: (a.is_assumption, a.is_stale)
             for a in needs.list_assessments(con, org.id, today=TODAY)}
    assert flags == {"Honesty": (True, False), "Accuracy": (False, True),
                     "Courtesy": (False, False)}
    update_organisation(con, org.id, org.name, 30)
    stale = {a.quality for a in needs.list_assessments(con, org.id, today=TODAY) if a.is_stale}
    assert stale == {"Honesty", "Accuracy", "Courtesy"}
    assert needs.segments_without_evidence(con, org.id, TODAY) == ["Households"]


@pytest.mark.parametrize(("importance", "performance", "fields"), [
    (0, 3, {"importance"}), (6, 3, {"importance"}), (3, 9, {"performance"}),
    (2.5, 3, {"importance"}),
])
def test_scores_outside_1_to_5_are_refused(con: Connection, org: Organisation, segment_id: int,
                                           importance: int, performance: int,
                                           fields: set[str]) -> None:
    with pytest.raises(ValidationError) as info:
        _add(con, org, segment_id, "Courtesy", importance, performance)
    assert set(info.value.fields) == fields
    assert "1 to 5" in info.value.message
    assert needs.list_assessments(con, org.id, today=TODAY) == []


def test_future_date_and_unknown_quality_are_refused(con: Connection, org: Organisation,
                                                     segment_id: int) -> None:
    with pytest.raises(ValidationError) as info:
        needs.add_assessment(con, org.id, AssessmentInput(
            segment_id, "Telepathy", 3, 3, "survey", date(2026, 12, 1)), today=TODAY)
    assert set(info.value.fields) == {"asked_on", "quality"}
    assert "in the future" in info.value.fields["asked_on"]


def test_custom_qualities(con: Connection, org: Organisation, segment_id: int) -> None:
    needs.add_quality(con, org.id, "Sustainability")
    assert needs.qualities(con, org.id)[-1] == "Sustainability"
    _add(con, org, segment_id, "Sustainability", 4, 2)
    with pytest.raises(ValidationError, match="already in the list"):
        needs.add_quality(con, org.id, "accuracy")


def test_deleting_a_segment_takes_its_assessments(con: Connection, org: Organisation,
                                                  segment_id: int) -> None:
    _add(con, org, segment_id, "Courtesy", 4, 4)
    assert segments.dependents(con, org.id, segment_id).assessments == 1
    segments.delete_segment(con, org.id, segment_id)
    assert con.execute("SELECT count(*) FROM assessment").fetchone() == (0,)
