"""The quarterly review: frozen snapshot, locking, actions carried forward, what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from strategy.core import audit
from strategy.core.db import Connection
from strategy.core.errors import ConflictError, ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.customers import segments
from strategy.measures import reviews, scorecard
from strategy.measures.reviews import ReviewInput
from strategy.measures.scorecard import MeasureInput
from tests.identities import act_as, as_person

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)
Q3 = Quarter(2026, 3)


@pytest.fixture
def engagement(con: Connection, org: Organisation) -> int:
    measure = scorecard.add_measure(con, org.id, MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", target=75, amber_band=5))
    scorecard.set_value(con, org.id, measure, "2026-Q3", 72, today=TODAY)
    return measure


def _held(review: reviews.Review) -> ReviewInput:
    return ReviewInput(date(2026, 10, 8), "Phone standards", "Email backlog",
                       ["Measuring too much (\"measurement psychosis\")"], "Hire two advisers")


def test_closing_freezes_the_snapshot_and_locks_the_quarter(con: Connection, org: Organisation,
                                                            engagement: int) -> None:
    review = reviews.start_review(con, org.id, Q3)
    with pytest.raises(ValidationError, match="Enter the date the review was held"):
        reviews.close_review(con, org.id, review.id, today=TODAY)
    reviews.save_review(con, org.id, review.id, review.version, _held(review), today=TODAY)
    with as_person("Chair", org.id, "leader"):
        reviews.close_review(con, org.id, review.id, today=TODAY)
    closed = reviews.find_review(con, org.id, Q3)
    # Closed by whoever is signed in, never by a typed name.
    assert closed is not None and closed.closed and closed.closed_by == "Chair"
    assert closed.snapshot is not None
    (row,) = closed.snapshot
    assert (row["measure"], row["actual"], row["status"]) == ("Engagement", 72.0, "amber")

    # Later edits do not change the frozen snapshot, and need a reason.
    with pytest.raises(ValidationError, match="locked"):
        scorecard.set_value(con, org.id, engagement, "2026-Q3", 80, today=TODAY)
    scorecard.set_value(con, org.id, engagement, "2026-Q3", 80, reason="Survey re-weighted",
                        today=TODAY)
    again = reviews.find_review(con, org.id, Q3)
    assert again is not None and again.snapshot == closed.snapshot
    live = scorecard.scorecard(con, org.id, Q3, today=TODAY)
    assert live[0].actual.value == 80 and live[0].status == "green"

    with pytest.raises(ValidationError, match="is closed"):
        reviews.save_review(con, org.id, review.id, again.version, _held(review), today=TODAY)
    with pytest.raises(ValidationError, match="already closed"):
        reviews.close_review(con, org.id, review.id, today=TODAY)


def test_review_saves_are_versioned(con: Connection, org: Organisation) -> None:
    review = reviews.start_review(con, org.id, Q3)
    reviews.save_review(con, org.id, review.id, review.version, _held(review), today=TODAY)
    with pytest.raises(ConflictError):
        reviews.save_review(con, org.id, review.id, review.version, _held(review), today=TODAY)


def test_actions_are_carried_forward_until_closed(con: Connection, org: Organisation) -> None:
    q3 = reviews.start_review(con, org.id, Q3)
    first = reviews.add_action(con, org.id, q3.id, "Fix the email backlog", "Ann",
                               date(2026, 10, 31))
    reviews.add_action(con, org.id, q3.id, "Brief new starters", "Bob", date(2026, 12, 15))
    with pytest.raises(ValidationError) as info:
        reviews.add_action(con, org.id, q3.id, "", "", None)
    assert set(info.value.fields) == {"action", "owner", "due"}
    still_open = reviews.list_actions(con, org.id, only_open=True)
    assert [(a.description, a.raised_in) for a in still_open] == [
        ("Fix the email backlog", "2026-Q3"), ("Brief new starters", "2026-Q3")]
    assert still_open[0].overdue(TODAY) and not still_open[1].overdue(TODAY)
    reviews.set_action_status(con, org.id, first, "done")
    assert [a.description for a in reviews.list_actions(con, org.id, only_open=True)] == [
        "Brief new starters"]
    with pytest.raises(ValidationError):
        reviews.set_action_status(con, org.id, first, "forgotten")


def test_what_changed_since_the_previous_review(con: Connection, org: Organisation,
                                                engagement: int) -> None:
    act_as("Ann")
    q3 = reviews.start_review(con, org.id, Q3)
    reviews.save_review(con, org.id, q3.id, q3.version, _held(q3), today=TODAY)
    reviews.close_review(con, org.id, q3.id, today=TODAY)
    segments.add_segment(con, org.id, segments.SegmentInput("New segment", "external"))
    previous, changed = reviews.changes_since_previous(con, org.id, Quarter(2026, 4))
    assert previous is not None and previous.period == "2026-Q3"
    assert [(c.changed_by, c.summary) for c in changed] == [("Ann", "Segment “New segment”")]


def test_period_data_of_a_locked_quarter_needs_a_reason(con: Connection,
                                                        org: Organisation) -> None:
    from strategy.measures import impact
    from strategy.people import personnel, recognition
    from strategy.service import accountability, standards, vision

    con.execute("INSERT INTO review (org_id, period, closed_at, closed_by) VALUES "
                "(?, '2026-Q3', now(), 'Chair')", [org.id])
    team = personnel.add_team(con, org.id, "Desk")
    ann = personnel.add_employee(con, org.id, personnel.EmployeeInput(
        "1", "Ann", team, date(2020, 1, 1)), today=TODAY)
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Smile", "In person", "Friendliness"))
    value = vision.add_value(con, org.id, "Care")
    in_q3 = date(2026, 8, 14)
    attempts: list[Callable[[str | None], object]] = [
        lambda reason: impact.save(con, org.id, Q3, impact.Inputs(10, 1.0, 1, 0.5, 1.0),
                                   impact.Assumptions(), reason),
        lambda reason: accountability.add_observation(con, org.id, accountability.
                                                      ObservationInput(standard, in_q3,
                                                                       True, team),
                                                      today=TODAY, reason=reason),
        lambda reason: recognition.add_recognition(con, org.id, recognition.RecognitionInput(
            [ann], in_q3, "Mo", "manager", "Helped", value_id=value), today=TODAY,
            reason=reason),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="2026-Q3 was reviewed and is locked"):
            attempt(None)
        attempt("Found in last quarter's paperwork")
    reasons = [c.reason for c in audit.changes(con, org.id) if c.reason]
    assert reasons == ["Found in last quarter's paperwork"] * 3
    # Outside the locked quarter nothing is asked.
    impact.save(con, org.id, Quarter(2026, 4), impact.Inputs(10, 1.0, 1, 0.5, 1.0),
                impact.Assumptions())


@pytest.mark.parametrize(("quarter", "expected"), [
    (Quarter(2026, 4), "Done"),  # this quarter's review, held in its last weeks
    (Q3, "Done"),  # last quarter's, held after it ended
    (Quarter(2026, 2), "In progress"),  # too old to count for the plan as it is now
])
def test_step_11_is_done_when_a_recent_review_is_closed_with_decisions_and_actions(
        con: Connection, org: Organisation, quarter: Quarter, expected: str) -> None:
    from strategy.plan.steps import statuses

    review = reviews.start_review(con, org.id, quarter)
    held = ReviewInput(date(2026, 11, 20), "Phone standards", "", [], "Hire two advisers")
    reviews.save_review(con, org.id, review.id, review.version, held, today=TODAY)
    reviews.add_action(con, org.id, review.id, "Advertise the roles", "HR", date(2026, 12, 15))
    assert statuses(con, org.id, TODAY)[11].value == "In progress"  # not closed yet
    reviews.close_review(con, org.id, review.id, today=TODAY)
    assert statuses(con, org.id, TODAY)[11].value == expected


def test_a_review_is_not_saved_without_the_day_it_was_held(con: Connection,
                                                            org: Organisation) -> None:
    """Issue 22, item 7: only Close refused it; Save accepted an empty date."""
    review = reviews.start_review(con, org.id, Q3)
    undated = ReviewInput(None, "Phone standards", "", [], "")
    with pytest.raises(ValidationError, match="Enter the date the review was held"):
        reviews.save_review(con, org.id, review.id, review.version, undated, today=TODAY)
    stored = reviews.find_review(con, org.id, Q3)
    assert stored is not None and stored.what_worked == "" and stored.version == review.version
