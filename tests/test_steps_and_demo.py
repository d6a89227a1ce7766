from __future__ import annotations

from datetime import date, timedelta

import pytest

from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.customers import needs, segments
from strategy.customers.needs import AssessmentInput
from strategy.customers.segments import SegmentInput
from strategy.demo.riverbend import load_demo, load_demo_if_empty
from strategy.measures import impact
from strategy.people import personnel, recognition, training, workforce
from strategy.plan.steps import STEPS, Status, next_step, statuses
from strategy.service import accountability, line_of_sight, standards, vision
from strategy.ui.navigation import page_file

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def test_registry_has_the_eleven_steps_in_order() -> None:
    assert [s.number for s in STEPS] == list(range(1, 12))
    assert len({s.slug for s in STEPS}) == 11
    assert all(s.title and s.purpose and s.done_when for s in STEPS)
    for s in STEPS:
        if s.page is not None:
            assert page_file(s.page).is_file(), s.page
            assert s.status_check is not None


def test_empty_organisation(con: Connection, org: Organisation) -> None:
    current = statuses(con, org.id)
    for s in STEPS:
        expected = Status.NOT_STARTED if s.available else Status.UNAVAILABLE
        assert current[s.number] is expected
    upcoming = next_step(con, org.id)
    assert upcoming is not None and upcoming.number == 1


def test_statuses_follow_the_data(con: Connection, org: Organisation) -> None:
    today = date(2026, 11, 22)
    ext = segments.add_segment(con, org.id, SegmentInput("Shoppers", "external"))
    assert statuses(con, org.id, today)[1] is Status.IN_PROGRESS
    for team in ("IT", "Store"):
        personnel.add_team(con, org.id, team)
    segments.add_segment(con, org.id, SegmentInput("Warehouse", "internal", serving_teams=["IT"],
                                                   channels=["Email"]))
    seg = segments.get_segment(con, org.id, ext)
    segments.update_segment(con, org.id, ext, seg.version, SegmentInput(
        "Shoppers", "external", serving_teams=["Store"], channels=["In person"]))
    assert statuses(con, org.id, today)[1] is Status.DONE

    for segment in segments.list_segments(con, org.id):
        needs.add_assessment(con, org.id, AssessmentInput(
            segment.id, "Courtesy", 4, 3, "assumption", today), today=today)
    assert statuses(con, org.id, today)[2] is Status.IN_PROGRESS
    for segment in segments.list_segments(con, org.id):
        needs.add_assessment(con, org.id, AssessmentInput(
            segment.id, "Courtesy", 4, 3, "survey", today), today=today)
    assert statuses(con, org.id, today)[2] is Status.DONE

    vision.add_entry(con, org.id, "Listening")
    assert statuses(con, org.id, today)[3] is Status.IN_PROGRESS
    vision.save_vision(con, org.id, 0, "Vision", "Story")
    value = vision.add_value(con, org.id, "Care")
    assert statuses(con, org.id, today)[3] is Status.IN_PROGRESS
    vision.add_behaviour(con, org.id, value, "Ask how they are")
    assert statuses(con, org.id, today)[3] is Status.DONE

    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Reply fast", "Email", "Timeliness", measure="Hours", target=8, unit="hours",
        direction="lower"))
    assert statuses(con, org.id, today)[4] is Status.IN_PROGRESS
    standards.add_communication(con, org.id, standard, today, "internal", "Team briefing",
                                today=today)
    assert statuses(con, org.id, today)[4] is Status.DONE
    upcoming = next_step(con, org.id, today)
    assert upcoming is not None and upcoming.number == 5


def test_people_step_statuses_follow_the_data(con: Connection, org: Organisation) -> None:
    today = date(2026, 11, 22)
    for n in range(5, 10):
        assert statuses(con, org.id, today)[n] is Status.NOT_STARTED
    team = personnel.add_team(con, org.id, "Desk")
    ann = personnel.add_employee(con, org.id, personnel.EmployeeInput(
        "1", "Ann", team, date(2020, 1, 1), "Adviser"), today=today)
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Reply fast", "Email", "Timeliness", measure="Hours", target=8, unit="hours",
        direction="lower"))

    accountability.assign(con, org.id, standard, ann, [team])
    assert statuses(con, org.id, today)[5] is Status.IN_PROGRESS
    accountability.acknowledge(con, org.id, standard, [ann], today, today=today)
    accountability.add_observation(con, org.id, accountability.ObservationInput(
        standard, today, True, team), today=today)
    assert statuses(con, org.id, today)[5] is Status.DONE

    line_of_sight.set_results(con, org.id, standard, ["Customer retention"])
    assert statuses(con, org.id, today)[6] is Status.IN_PROGRESS
    impact.save(con, org.id, Quarter.containing(today), impact.Inputs(100, 1.0, 1, 0.5, 1.0),
                impact.Assumptions())
    assert statuses(con, org.id, today)[6] is Status.DONE

    training.seed_curriculum(con, org.id)
    module = training.list_modules(con, org.id)[0]
    training.set_requirements(con, org.id, module.id, [team], [])
    assert statuses(con, org.id, today)[7] is Status.IN_PROGRESS  # Ann is long overdue
    training.record_completion(con, org.id, module.id, [ann], today, True, today=today)
    assert statuses(con, org.id, today)[7] is Status.DONE

    assert statuses(con, org.id, today)[8] is Status.IN_PROGRESS  # staff, but no criteria
    workforce.seed_criteria(con, org.id)
    assert statuses(con, org.id, today)[8] is Status.DONE

    value = vision.add_value(con, org.id, "Care")
    recognition.add_recognition(con, org.id, recognition.RecognitionInput(
        [ann], today - timedelta(days=100), "Mo", "manager", "Helped", value_id=value),
        today=today)
    assert statuses(con, org.id, today)[9] is Status.IN_PROGRESS
    recognition.add_recognition(con, org.id, recognition.RecognitionInput(
        [ann], today, "Mo", "manager", "Helped again", value_id=value), today=today)
    assert statuses(con, org.id, today)[9] is Status.DONE
    upcoming = next_step(con, org.id, today)
    assert upcoming is not None and upcoming.number == 1


def test_demo_is_coherent(con: Connection) -> None:
    today = date(2026, 11, 22)
    org = load_demo(con, today=today)
    counts = segments.segment_counts(con, org.id)
    assert counts["external"] >= 5 and counts["internal"] >= 4
    assessments = needs.list_assessments(con, org.id, today=today)
    assert len({a.source for a in assessments}) >= 4
    assert any(a.is_assumption for a in assessments) and any(a.is_stale for a in assessments)
    assert len(vision.list_values(con, org.id)) >= 3
    assert len(vision.list_entries(con, org.id)) >= 6
    register = standards.list_standards(con, org.id)
    assert len(register) >= 15
    assert {s.channel for s in register} >= {"Phone", "Email", "In person", "Web/chat", "Field"}
    current = statuses(con, org.id, today)
    assert all(current[n] is not Status.NOT_STARTED for n in range(1, 10))

    # The people half: about sixty staff in several teams, with leavers in most quarters.
    staff = personnel.list_employees(con, org.id)
    active = [e for e in staff if e.leave_date is None]
    assert 50 <= len(active) <= 70 and len({e.team for e in active}) >= 5
    quarters = [Quarter.containing(today).shift(-n) for n in range(8)]
    figures = [workforce.figures(staff, q.start, q.end) for q in quarters]
    assert sum(f.leavers > 0 for f in figures) >= 5 and sum(f.hires > 0 for f in figures) >= 5
    assert all(a.owner for a in accountability.assignments(con, org.id))
    assert accountability.compliance(con, org.id, Quarter.containing(today), "standard")
    assert training.overall_coverage(con, org.id, today).whole > 50
    assert con.execute("SELECT count(*) FROM recognition").fetchone()[0] >= 250  # type: ignore[index]


def test_demo_only_loads_into_an_empty_database(con: Connection, org: Organisation) -> None:
    assert load_demo_if_empty(con) is None
    con.execute("DELETE FROM organisation")
    loaded = load_demo_if_empty(con)
    assert loaded is not None and loaded.name == "Riverbend Water (demo)"


def test_step_5_needs_the_teams_staff_to_acknowledge_not_one_of_them(
        con: Connection, org: Organisation) -> None:
    """One acknowledgement among 25 staff (4 %) used to make step 5 Done."""
    today = date(2026, 11, 22)
    team = personnel.add_team(con, org.id, "Desk")
    staff = [personnel.add_employee(con, org.id, personnel.EmployeeInput(
        str(n), f"Person {n}", team, date(2020, 1, 1)), today=today) for n in range(25)]
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Reply fast", "Email", "Timeliness", measure="Hours", target=8, unit="hours",
        direction="lower"))
    accountability.assign(con, org.id, standard, staff[0], [team])
    accountability.add_observation(con, org.id, accountability.ObservationInput(
        standard, today, True, team), today=today)
    accountability.acknowledge(con, org.id, standard, staff[:1], today, today=today)
    assert statuses(con, org.id, today)[5] is Status.IN_PROGRESS
    accountability.acknowledge(con, org.id, standard, staff[:22], today, today=today)  # 88 %
    assert statuses(con, org.id, today)[5] is Status.IN_PROGRESS
    accountability.acknowledge(con, org.id, standard, staff[:23], today, today=today)  # 92 %
    assert statuses(con, org.id, today)[5] is Status.DONE


@pytest.mark.demo
def test_the_demos_outstanding_training_is_recent(con: Connection, demo: Organisation) -> None:
    """The demo once told people their training had been due since 2019: an organisation
    that chases training has only recent hires' modules outstanding."""
    from strategy.plan import for_you

    today = date.today()
    staff = [r[0] for r in con.execute("SELECT id FROM employee WHERE org_id = ? AND "
                                       "leave_date IS NULL", [demo.id]).fetchall()]
    lists = for_you.lists_for(con, demo.id, [for_you.Person(e, "") for e in staff], today)
    outstanding = [t for items in lists for t in items.training]
    assert all(t.due >= today - timedelta(days=60) for t in outstanding), outstanding
