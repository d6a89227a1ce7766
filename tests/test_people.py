"""Teams and employees, accountability (step 5), training (step 7), recognition (step 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from strategy.core.db import Connection
from strategy.core.errors import ConflictError, ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.people import personnel, recognition, training
from strategy.people.personnel import EmployeeInput
from strategy.people.recognition import LogFilter, RecognitionInput
from strategy.service import accountability, standards, vision
from strategy.service.accountability import ObservationInput
from tests.identities import act_as, as_person

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)
Q4 = Quarter(2026, 4)


@dataclass
class Staff:
    desk: int
    field: int
    ann: int
    bob: int
    cy: int
    dee: int  # left
    phone: int  # a standard
    email: int  # a standard
    own_it: int  # a value


@pytest.fixture
def staff(con: Connection, org: Organisation) -> Staff:
    desk = personnel.add_team(con, org.id, "Desk")
    field = personnel.add_team(con, org.id, "Field")

    def hire(number: str, name: str, team: int, hired: date, left: date | None = None,
             role: str = "Adviser") -> int:
        return personnel.add_employee(con, org.id, EmployeeInput(
            number, name, team, hired, role, leave_date=left,
            leave_kind="voluntary" if left else None), today=TODAY)

    ids = [hire("1", "Ann", desk, date(2020, 1, 1), role="Team leader"),
           hire("2", "Bob", desk, date(2026, 10, 1)),
           hire("3", "Cy", field, date(2021, 1, 1), role="Engineer"),
           hire("4", "Dee", field, date(2021, 1, 1), date(2026, 6, 30), role="Engineer")]
    phone = standards.add_standard(con, org.id, standards.StandardInput(
        "Answer by the third ring", "Phone", "Responsiveness", measure="Rings", target=3,
        unit="rings", direction="lower"))
    email = standards.add_standard(con, org.id, standards.StandardInput(
        "Reply within a day", "Email", "Timeliness", measure="Hours", target=24, unit="hours",
        direction="lower"))
    own_it = vision.add_value(con, org.id, "Own it")
    ann, bob, cy, dee = ids
    return Staff(desk, field, ann, bob, cy, dee, phone, email, own_it)


# --- People ---------------------------------------------------------------------


def test_employee_rules(con: Connection, org: Organisation, staff: Staff) -> None:
    cases = {
        "number": EmployeeInput("1", "Dup", staff.desk, date(2020, 1, 1)),
        "leave_date": EmployeeInput("9", "Eve", staff.desk, date(2024, 1, 1), leave_date=date(
            2023, 1, 1), leave_kind="voluntary"),
        "leave_kind": EmployeeInput("9", "Eve", staff.desk, date(2024, 1, 1),
                                    leave_date=date(2025, 1, 1)),
        "hire_date": EmployeeInput("9", "Eve", staff.desk, date(2027, 1, 1)),
        "team": EmployeeInput("9", "Eve", None, date(2024, 1, 1)),
        "manager_number": EmployeeInput("9", "Eve", staff.desk, date(2024, 1, 1),
                                        manager_number="9"),
    }
    for field_name, data in cases.items():
        with pytest.raises(ValidationError) as info:
            personnel.add_employee(con, org.id, data, today=TODAY)
        assert field_name in info.value.fields, field_name
    assert len(personnel.list_employees(con, org.id)) == 4
    assert [e.name for e in personnel.list_employees(con, org.id, active_on=TODAY)] == [
        "Ann", "Bob", "Cy"]


def test_employee_update_is_versioned(con: Connection, org: Organisation, staff: Staff) -> None:
    bob = personnel.get_employee(con, org.id, staff.bob)
    change = EmployeeInput("2", "Bob Brown", staff.desk, bob.hire_date, "Adviser")
    personnel.update_employee(con, org.id, bob.id, bob.version, change, today=TODAY)
    with pytest.raises(ConflictError):
        personnel.update_employee(con, org.id, bob.id, bob.version, change, today=TODAY)
    assert personnel.get_employee(con, org.id, bob.id).name == "Bob Brown"


def test_team_with_people_cannot_be_deleted(con: Connection, org: Organisation,
                                            staff: Staff) -> None:
    with pytest.raises(ValidationError, match="still has 2 people"):
        personnel.delete_team(con, org.id, staff.desk)
    empty = personnel.add_team(con, org.id, "Empty")
    personnel.delete_team(con, org.id, empty)
    assert [t.name for t in personnel.list_teams(con, org.id)] == ["Desk", "Field"]
    with pytest.raises(ValidationError, match="already a team"):
        personnel.add_team(con, org.id, "desk")


# --- Step 5: accountability ----------------------------------------------------------


def test_compliance_rate_per_standard_team_and_owner(con: Connection, org: Organisation,
                                                     staff: Staff) -> None:
    accountability.assign(con, org.id, staff.phone, staff.ann, [staff.desk])
    accountability.assign(con, org.id, staff.email, staff.cy, [staff.desk, staff.field])

    def observe(standard: int, met: bool, team: int | None = None,
                employee: int | None = None, day: date = date(2026, 10, 15)) -> None:
        accountability.add_observation(con, org.id, ObservationInput(
            standard, day, met, team, employee), today=TODAY)

    # Phone: 3 of 4 met in Q4 (one observed via Bob, which counts for his team).
    for met in (True, True, False):
        observe(staff.phone, met, team=staff.desk)
    observe(staff.phone, True, employee=staff.bob)
    observe(staff.phone, False, team=staff.desk, day=date(2026, 9, 30))  # Q3: not counted
    # Email: 1 of 2 met, one per team.
    observe(staff.email, True, team=staff.field)
    observe(staff.email, False, team=staff.desk)

    by_standard = {c.name: c.rate for c in accountability.compliance(con, org.id, Q4, "standard")}
    assert (by_standard["Answer by the third ring"].part,
            by_standard["Answer by the third ring"].whole) == (3, 4)
    assert by_standard["Answer by the third ring"].text() == "75% (n=4)"
    assert by_standard["Reply within a day"].text() == "50% (n=2)"
    by_team = {c.name: c.rate.text() for c in accountability.compliance(con, org.id, Q4, "team")}
    assert by_team == {"Desk": "60% (n=5)", "Field": "100% (n=1)"}
    by_owner = {c.name: c.rate.text() for c in accountability.compliance(con, org.id, Q4, "owner")}
    assert by_owner == {"Ann": "75% (n=4)", "Cy": "50% (n=2)"}

    owned = accountability.owners_view(con, org.id, Q4)
    assert [(o.owner, o.title, o.below_target, o.unobserved) for o in owned] == [
        ("Ann", "Answer by the third ring", True, False),
        ("Cy", "Reply within a day", True, False)]
    accountability.set_compliance_target(con, org.id, 70)
    assert [o.below_target for o in accountability.owners_view(con, org.id, Q4)] == [False, True]
    assert all(o.unobserved for o in accountability.owners_view(con, org.id, Quarter(2027, 1)))


def test_observation_needs_who_and_a_past_date(con: Connection, org: Organisation,
                                               staff: Staff) -> None:
    with pytest.raises(ValidationError) as info:
        accountability.add_observation(con, org.id, ObservationInput(
            staff.phone, date(2027, 1, 1), True), today=TODAY)
    assert set(info.value.fields) == {"observed_on", "team"}


def test_owner_must_be_current(con: Connection, org: Organisation, staff: Staff) -> None:
    with pytest.raises(ValidationError, match="current employee"):
        accountability.assign(con, org.id, staff.phone, staff.dee, [])


def test_acknowledgement_coverage(con: Connection, org: Organisation, staff: Staff) -> None:
    accountability.assign(con, org.id, staff.phone, staff.ann, [staff.desk])
    accountability.assign(con, org.id, staff.email, staff.ann, [staff.desk, staff.field])
    assert accountability.acknowledge(con, org.id, staff.phone, [staff.ann, staff.bob],
                                      date(2026, 11, 1), today=TODAY) == 2
    # Acknowledging twice does not double count.
    assert accountability.acknowledge(con, org.id, staff.phone, [staff.ann],
                                      date(2026, 11, 2), today=TODAY) == 0
    accountability.acknowledge(con, org.id, staff.email, [staff.cy, staff.dee],
                               date(2026, 5, 1), today=TODAY)
    coverage = {c.team: c for c in accountability.acknowledgement_coverage(con, org.id, TODAY)}
    # Desk: 2 people × 2 standards = 4 required, 2 acknowledged.
    assert (coverage["Desk"].staff, coverage["Desk"].standards,
            coverage["Desk"].acknowledged.text()) == (2, 2, "50% (n=4)")
    # Field: only Cy is still employed; 1 standard; acknowledged.
    assert coverage["Field"].acknowledged.text() == "100% (n=1)"


# --- Step 7: training ---------------------------------------------------------------


def test_training_coverage_and_overdue(con: Connection, org: Organisation, staff: Staff) -> None:
    assert training.seed_curriculum(con, org.id) == len(training.CURRICULUM)
    assert training.seed_curriculum(con, org.id) == 0
    modules = {m.name: m.id for m in training.list_modules(con, org.id)}
    complaints = modules["Responding to complaints"]
    phone = modules["Telephone skills"]
    # Required before anyone here was hired (no date): the clock starts at hiring.
    training.set_requirements(con, org.id, complaints, [staff.desk, staff.field], [])
    training.set_requirements(con, org.id, phone, [], ["Adviser"])
    training.record_completion(con, org.id, complaints, [staff.ann, staff.cy],
                               date(2026, 3, 1), True, 88, today=TODAY)
    training.record_completion(con, org.id, phone, [staff.bob], date(2026, 10, 20), False, 40,
                               today=TODAY)
    rows = {(c.team, c.module): c.covered.text()
            for c in training.coverage(con, org.id, TODAY)}
    assert rows == {
        ("Desk", "Responding to complaints"): "50% (n=2)",  # Ann yes, Bob no
        ("Desk", "Telephone skills"): "0% (n=1)",  # Bob (the only adviser) failed
        ("Field", "Responding to complaints"): "100% (n=1)",  # Cy; Dee has left
    }
    assert training.overall_coverage(con, org.id, TODAY).text() == "50% (n=4)"
    # Bob was hired on 1 October: with 90 days to complete, nothing is overdue yet.
    assert training.overdue(con, org.id, TODAY) == []
    late = training.overdue(con, org.id, date(2027, 1, 5))
    assert {(o.employee, o.module) for o in late} == {
        ("Bob", "Responding to complaints"), ("Bob", "Telephone skills")}
    assert late[0].due == date(2026, 12, 30)
    with pytest.raises(ValidationError, match="0 to 100"):
        training.record_completion(con, org.id, phone, [staff.bob], TODAY, True, 120,
                                   today=TODAY)


# --- Step 9: recognition -------------------------------------------------------------


def _thanks(staff: Staff, recipients: list[int], day: date, kind: str = "peer",
            what: str = "Stayed late to fix a leak") -> RecognitionInput:
    return RecognitionInput(recipients, day, "Manager Mo", kind, what, "voucher", 25.0,
                            value_id=staff.own_it)


def test_recognition_record_edit_delete_keep_history(con: Connection, org: Organisation,
                                                     staff: Staff) -> None:
    act_as("HR Hana")
    rid = recognition.add_recognition(con, org.id, _thanks(staff, [staff.ann, staff.bob],
                                                           date(2026, 11, 3)),
                                      today=TODAY)
    (saved,) = recognition.list_recognitions(con, org.id, LogFilter(Q4.start, Q4.end))
    assert saved.recipients == ("Ann", "Bob") and saved.teams == ("Desk",)
    changed = _thanks(staff, [staff.ann], date(2026, 11, 3))
    changed.amount = 30.0
    recognition.update_recognition(con, org.id, rid, saved.version, changed,
                                   today=TODAY)
    with pytest.raises(ConflictError):
        recognition.update_recognition(con, org.id, rid, saved.version, changed,
                                       today=TODAY)
    edited = recognition.get_recognition(con, org.id, rid)
    assert (edited.amount, edited.recipients, edited.updated_by) == (30.0, ("Ann",), "HR Hana")
    recognition.delete_recognition(con, org.id, rid)
    assert recognition.list_recognitions(con, org.id, LogFilter(Q4.start, Q4.end)) == []
    actions = [(h[1], h[2], h[4]) for h in recognition.history(con, org.id, rid)]
    assert actions == [("HR Hana", "deleted", ""),
                       ("HR Hana", "edited", "changed amount, recipients"),
                       ("HR Hana", "created", "")]


@pytest.mark.parametrize(("change", "field"), [
    ({"recipients": []}, "recipients"),
    ({"amount": -5.0}, "amount"),
    ({"amount": 1e9}, "amount"),
    ({"given_on": date(2027, 1, 1)}, "given_on"),
    ({"giver_kind": "robot"}, "giver_kind"),
    ({"value_id": None}, "value"),
    ({"what": " "}, "what"),
    ({"reward": "car"}, "reward"),
])
def test_bad_recognition_is_refused(con: Connection, org: Organisation, staff: Staff,
                                    change: dict[str, object], field: str) -> None:
    data = _thanks(staff, [staff.ann], date(2026, 11, 3))
    for key, value in change.items():
        setattr(data, key, value)
    with pytest.raises(ValidationError) as info:
        recognition.add_recognition(con, org.id, data, today=TODAY)
    assert field in info.value.fields
    assert con.execute("SELECT count(*) FROM recognition").fetchone() == (0,)


def test_recognition_is_recorded_by_whoever_is_signed_in(con: Connection, org: Organisation,
                                                         staff: Staff) -> None:
    with as_person("Hana Novak", org.id, "hr"):
        recognition.add_recognition(con, org.id, _thanks(staff, [staff.ann], TODAY), today=TODAY)
    (saved,) = recognition.list_recognitions(con, org.id, LogFilter(Q4.start, Q4.end))
    assert saved.created_by == "Hana Novak"


def test_hr_views(con: Connection, org: Organisation, staff: Staff) -> None:
    add = recognition.add_recognition
    for day in (date(2026, 10, 5), date(2026, 10, 20), date(2026, 11, 1)):
        add(con, org.id, _thanks(staff, [staff.ann], day), today=TODAY)
    add(con, org.id, _thanks(staff, [staff.ann, staff.cy], date(2026, 7, 1), "customer"),
        today=TODAY)
    per_team = {t.team: t for t in recognition.per_head_by_team(con, org.id, Q4.start, Q4.end)}
    # Q4 staff: Desk has Ann and Bob (3 received, all by Ann); Field has Cy (Dee left in June).
    assert (per_team["Desk"].staff, per_team["Desk"].received, per_team["Desk"].per_head) == (
        2, 3, 1.5)
    assert (per_team["Field"].staff, per_team["Field"].received) == (1, 0)

    unrecognised = recognition.not_recognised(con, org.id, TODAY, days=90)
    assert [(u.name, u.last_recognised) for u in unrecognised] == [
        ("Bob", None), ("Cy", date(2026, 7, 1))]
    assert [u.name for u in recognition.not_recognised(con, org.id, TODAY, days=200)] == ["Bob"]

    spread = recognition.spread(con, org.id, Q4.start, Q4.end)
    # Three staff in Q4 → the top tenth is one person (Ann), who received all 3.
    assert (spread.staff, spread.top_tenth, spread.top_share.text(), spread.never) == (
        3, 1, "100% (n=3)", 2)
    assert recognition.counts_by(con, org.id, Q4.start, Q4.end, "value") == [("Own it", 3)]
    assert recognition.counts_by(con, org.id, Q4.start, Q4.end, "standard") == []
    only_field = recognition.list_recognitions(con, org.id, LogFilter(
        date(2026, 1, 1), Q4.end, team_id=staff.field))
    assert [r.giver_kind for r in only_field] == ["customer"]


def test_log_csv_keeps_formulas_as_text(con: Connection, org: Organisation, staff: Staff) -> None:
    with as_person("@HR"):
        recognition.add_recognition(con, org.id, _thanks(
            staff, [staff.ann], date(2026, 11, 3), what='=HYPERLINK("http://evil","x")'),
            today=TODAY)
    records = recognition.list_recognitions(con, org.id, LogFilter(Q4.start, Q4.end))
    text = recognition.log_csv(records).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@HR" in text
    assert ",=HYPERLINK" not in text


def test_a_module_required_later_is_due_from_then_not_from_hiring(
        con: Connection, org: Organisation, staff: Staff) -> None:
    """Issue 22, item 7: the demo showed "Positive language: due 2019-02-13, overdue" for
    a module required long after the person was hired."""
    training.seed_curriculum(con, org.id)
    module = {m.name: m.id for m in training.list_modules(con, org.id)}["Positive language"]
    due_within = {m.id: m.due_within_days for m in training.list_modules(con, org.id)}[module]
    required_on = date(2026, 11, 1)  # Bob was hired on 1 October
    training.set_requirements(con, org.id, module, [staff.desk], [], since=required_on)
    late = training.overdue(con, org.id, required_on + timedelta(days=due_within + 1))
    assert {o.employee for o in late} == {"Ann", "Bob"}
    assert {o.due for o in late} == {required_on + timedelta(days=due_within)}
    assert training.overdue(con, org.id, required_on + timedelta(days=due_within - 1)) == []
    # Saving the module's requirements again (a role added) keeps the desk's date.
    training.set_requirements(con, org.id, module, [staff.desk], ["Adviser"],
                              since=date(2026, 12, 1))
    late = training.overdue(con, org.id, required_on + timedelta(days=due_within + 1))
    assert {o.due for o in late} == {required_on + timedelta(days=due_within)}
