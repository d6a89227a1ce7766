"""For you: each person's list and the organisation's totals, on a hand-built organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from strategy.core.access import AccessDenied, Role, acting
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation, create_organisation
from strategy.core.periods import Quarter
from strategy.core.rates import Rate
from strategy.identity import access_log, accounts
from strategy.measures import reviews, scorecard
from strategy.measures.scorecard import MeasureInput
from strategy.people import personnel, training
from strategy.plan import for_you
from strategy.plan.for_you import (
    ForYou,
    LateComplaint,
    OrgTotals,
    OwnedAction,
    Person,
    StandardToWatch,
    TrainingToPass,
    UpdateDue,
)
from strategy.service import accountability, standards
from strategy.service.accountability import ObservationInput
from tests.identities import member

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 5, 20)  # in 2026-Q2; the latest complete month is 2026-04


@dataclass
class Acme:
    org: Organisation
    ann: int
    bob: int
    ids: dict[str, int]


def _complaint(con: Connection, org_id: int, owner: int | None, received: date,
               promised: date | None, resolved: date | None = None, kind: str = "complaint",
               what: str = "Waited an hour on the phone", promise: str = "") -> int:
    row = con.execute(
        "INSERT INTO complaint (org_id, kind, received_on, what_happened, recorded_by, owner_id, "
        "promised_by, promise, resolved_on) VALUES (?, ?, ?, ?, 'Test', ?, ?, ?, ?) RETURNING id",
        [org_id, kind, received, what, owner, promised, promise, resolved]).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def acme(con: Connection, org: Organisation) -> Acme:
    return build_acme(con, org)


def build_acme(con: Connection, org: Organisation) -> Acme:
    """Ann Lee owns one of everything (and things that must not show); Bob Stone a few."""
    o = org.id
    desk = personnel.add_team(con, o, "Desk")
    field = personnel.add_team(con, o, "Field")
    ann = personnel.add_employee(con, o, personnel.EmployeeInput("1", "Ann Lee", desk,
                                                                 date(2026, 1, 5),
                                                                 role="Adviser"))
    bob = personnel.add_employee(con, o, personnel.EmployeeInput("2", "Bob Stone", field,
                                                                 date(2020, 1, 1), role="Engineer"))
    ids: dict[str, int] = {}

    # Measures: Ann's Absence has no value for April (due); her Resolution time has one.
    ids["absence"] = scorecard.add_measure(con, o, MeasureInput(
        "Absence", "employee", "%", "lower", "monthly", owner_id=ann))
    resolution = scorecard.add_measure(con, o, MeasureInput(
        "Resolution time", "customer", "hours", "lower", "monthly", owner_id=ann))
    scorecard.set_value(con, o, resolution, "2026-04", 20, today=TODAY)
    ids["engagement"] = scorecard.add_measure(con, o, MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", owner_id=bob))

    # Review actions: the owner is free text.
    review = reviews.start_review(con, o, Quarter(2026, 1))
    ids["backlog"] = reviews.add_action(con, o, review.id, "Fix the email backlog",
                                        "  ann   LEE ", date(2026, 6, 30))
    ids["script"] = reviews.add_action(con, o, review.id, "Rewrite the call script", "Annie",
                                       date(2026, 5, 1))
    reviews.set_action_status(con, o, ids["script"], "in progress")
    done = reviews.add_action(con, o, review.id, "Brief new starters", "Ann Lee",
                              date(2026, 4, 1))
    reviews.set_action_status(con, o, done, "done")
    ids["bob_action"] = reviews.add_action(con, o, review.id, "Order new vans", "Bob Stone",
                                           date(2026, 4, 1))

    # Standards: red, unobserved this quarter (seen last quarter), on target; Bob's; nobody's.
    def standard(title: str, owner: int | None) -> int:
        sid = standards.add_standard(con, o, standards.StandardInput(title, "Phone",
                                                                     "Responsiveness"))
        accountability.assign(con, o, sid, owner, [desk])
        return sid

    def observe(sid: int, day: date, met: bool) -> None:
        accountability.add_observation(con, o, ObservationInput(sid, day, met, team_id=desk),
                                       today=TODAY)

    ids["rings"] = standard("Answer within 3 rings", ann)
    observe(ids["rings"], date(2026, 4, 2), True)
    observe(ids["rings"], date(2026, 5, 2), False)
    ids["thank"] = standard("Thank the customer", ann)
    observe(ids["thank"], date(2026, 3, 31), True)
    greet = standard("Greet by name", ann)
    observe(greet, date(2026, 4, 10), True)
    observe(greet, date(2026, 5, 10), True)
    standard("Check the van", bob)
    standard("Nobody's standard", None)

    # Complaints: Ann's overdue one; her open one not yet due, resolved one, a compliment;
    # Bob's overdue one; one with no owner and no promise.
    ids["late"] = _complaint(con, o, ann, date(2026, 5, 1), date(2026, 5, 10),
                             what="Bill  sent twice\nand no reply", promise="A call back")
    _complaint(con, o, ann, date(2026, 5, 15), date(2026, 5, 25))
    _complaint(con, o, ann, date(2026, 5, 1), date(2026, 5, 5), resolved=date(2026, 5, 6))
    _complaint(con, o, ann, date(2026, 5, 1), date(2026, 5, 2), kind="compliment")
    ids["bob_late"] = _complaint(con, o, bob, date(2026, 4, 20), date(2026, 5, 1))
    _complaint(con, o, None, date(2026, 5, 18), None)

    # Training: Desk must take Listening (90 days; Ann failed it once) and Complaints
    # (passed); advisers (any case) Phone skills (365 days); Field Safety (Bob, long overdue).
    def module(name: str, days: int, teams: list[int], roles: list[str]) -> int:
        mid = training.add_module(con, o, name, due_within_days=days)
        training.set_requirements(con, o, mid, teams, roles)
        return mid

    ids["listening"] = module("Listening", 90, [desk], [])
    passed = module("Complaints", 90, [desk], [])
    ids["phone"] = module("Phone skills", 365, [], ["adviser"])
    ids["safety"] = module("Safety", 30, [field], [])
    training.record_completion(con, o, ids["listening"], [ann], date(2026, 3, 1), passed=False,
                               today=TODAY)
    training.record_completion(con, o, passed, [ann], date(2026, 3, 1), passed=True,
                               today=TODAY)
    return Acme(org, ann, bob, ids)


def ann_list(a: Acme) -> ForYou:
    i = a.ids
    return ForYou(
        updates=(UpdateDue(i["absence"], "Absence", "2026-04", date(2026, 5, 1)),),
        actions=(OwnedAction(i["script"], "Rewrite the call script", date(2026, 5, 1),
                             "in progress", "2026-Q1", overdue=True),
                 OwnedAction(i["backlog"], "Fix the email backlog", date(2026, 6, 30), "open",
                             "2026-Q1", overdue=False)),
        standards=(StandardToWatch(i["thank"], "Thank the customer", Rate(0, 0), 90.0,
                                   "2026-Q2"),
                   StandardToWatch(i["rings"], "Answer within 3 rings", Rate(1, 2), 90.0,
                                   "2026-Q2")),
        complaints=(LateComplaint(i["late"], date(2026, 5, 1), date(2026, 5, 10), "A call back",
                                  "Bill  sent twice\nand no reply"),),
        training=(TrainingToPass(i["listening"], "Listening", date(2026, 4, 5), overdue=True),
                  TrainingToPass(i["phone"], "Phone skills", date(2027, 1, 5), overdue=False)))


def test_a_persons_list_holds_exactly_what_they_own(con: Connection, acme: Acme) -> None:
    mine = for_you.items_for(con, acme.org.id, acme.ann, "Annie", TODAY)
    assert mine == ann_list(acme)
    assert mine.count == 8 and not mine.empty


def test_the_lines_read_as_sentences_with_dates(con: Connection, acme: Acme) -> None:
    mine = for_you.items_for(con, acme.org.id, acme.ann, "Annie", TODAY)
    assert [item.text() for kind in for_you.KINDS for item in mine.of(kind)] == [
        "Absence: the value for 2026-04 (due since 2026-05-01)",
        "Rewrite the call script: due 2026-05-01, overdue (in progress; raised in the 2026-Q1 "
        "review)",
        "Fix the email backlog: due 2026-06-30 (open; raised in the 2026-Q1 review)",
        "Thank the customer: not observed in 2026-Q2",
        "Answer within 3 rings: 1 of 2 observations met it (50%) in 2026-Q2, below the 90% "
        "target",
        "“Bill sent twice and no reply”: received 2026-05-01, promised “A call back” by "
        "2026-05-10",
        "Listening: due 2026-04-05, overdue",
        "Phone skills: due 2027-01-05",
    ]


def test_someone_else_sees_none_of_it(con: Connection, acme: Acme) -> None:
    i = acme.ids
    assert for_you.items_for(con, acme.org.id, acme.bob, "Bob", TODAY) == ForYou(
        updates=(UpdateDue(i["engagement"], "Engagement", "2026-Q1", date(2026, 4, 1)),),
        actions=(OwnedAction(i["bob_action"], "Order new vans", date(2026, 4, 1), "open",
                             "2026-Q1", overdue=True),),
        standards=(StandardToWatch(
            next(a.standard_id for a in accountability.assignments(con, acme.org.id)
                 if a.title == "Check the van"), "Check the van", Rate(0, 0), 90.0,
            "2026-Q2"),),
        complaints=(LateComplaint(i["bob_late"], date(2026, 4, 20), date(2026, 5, 1), "",
                                  "Waited an hour on the phone"),),
        training=(TrainingToPass(i["safety"], "Safety", date(2020, 1, 31), overdue=True),))


def test_without_a_linked_person_only_actions_in_their_name(con: Connection, acme: Acme) -> None:
    unlinked = for_you.items_for(con, acme.org.id, None, " annie", TODAY)
    assert unlinked == ForYou(actions=ann_list(acme).actions[:1])
    assert for_you.items_for(con, acme.org.id, None, "Nobody at all", TODAY).empty
    # An empty name matches no action, even one whose owner is blank after trimming.
    assert for_you.items_for(con, acme.org.id, None, "   ", TODAY).empty


def test_everyone_at_once_equals_each_alone(con: Connection, acme: Acme) -> None:
    everyone = [Person(acme.bob, "Bob"), Person(None, "Annie"), Person(acme.ann, "Annie")]
    assert for_you.lists_for(con, acme.org.id, everyone, TODAY) == [
        for_you.items_for(con, acme.org.id, p.employee_id, p.name, TODAY) for p in everyone]


def test_org_totals_add_up_everyone_owned_or_not(con: Connection, acme: Acme) -> None:
    assert for_you.org_totals(con, acme.org.id, TODAY) == OrgTotals(
        quarter="2026-Q2", updates_due=2, actions_open=3, actions_overdue=2, standards_red=1,
        standards_unobserved=3, complaints_open=4, complaints_overdue=2,
        training_not_passed=3, training_overdue=2)
    # A new quarter starts with nothing observed: every standard is unobserved again.
    later = for_you.org_totals(con, acme.org.id, date(2026, 7, 1))
    assert (later.quarter, later.standards_red, later.standards_unobserved) == ("2026-Q3", 0, 5)


def test_an_empty_organisation_has_nothing_to_do(con: Connection, org: Organisation) -> None:
    assert for_you.org_totals(con, org.id, TODAY) == OrgTotals("2026-Q2", 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert for_you.items_for(con, org.id, None, "Anyone", TODAY).empty


def test_only_your_own_list_without_hr_rights(con: Connection, acme: Acme) -> None:
    o = acme.org.id
    cat = accounts.create_account(con, "cat", "Cat", "a long enough secret")
    accounts.set_role(con, cat.id, o, Role.VIEWER)
    accounts.set_person(con, cat.id, o, acme.bob)
    with acting(member("Cat", o, Role.VIEWER, account_id=cat.id)):
        assert for_you.items_for(con, o, acme.bob, "Cat", TODAY).training  # her own
        assert for_you.org_totals(con, o, TODAY).training_not_passed == 3  # a count only
        with pytest.raises(AccessDenied, match="personal HR records"):
            for_you.items_for(con, o, acme.ann, "Cat", TODAY)
        with pytest.raises(AccessDenied):
            for_you.lists_for(con, o, [Person(acme.bob, "Cat")], TODAY)
    with acting(member("Hana", o, Role.HR)):
        assert for_you.items_for(con, o, acme.ann, "Annie", TODAY) == ann_list(acme)
    elsewhere = create_organisation(con, "Elsewhere")
    with acting(member("Cat", elsewhere.id, Role.LEADER)):
        with pytest.raises(AccessDenied):
            for_you.org_totals(con, o, TODAY)
        with pytest.raises(AccessDenied):
            for_you.items_for(con, o, None, "Cat", TODAY)


def test_linking_an_account_to_a_member_of_staff(con: Connection, acme: Acme) -> None:
    o = acme.org.id
    annie = accounts.create_account(con, "annie", "Ann Lee", "a long enough secret")
    with pytest.raises(ValidationError, match="give them a role first"):
        accounts.set_person(con, annie.id, o, acme.ann)
    accounts.set_role(con, annie.id, o, Role.CONTRIBUTOR)
    assert accounts.linked_person(con, annie.id, o) is None
    assert accounts.suggested_person(con, annie.id, o) == acme.ann  # same name, any case
    accounts.set_person(con, annie.id, o, acme.ann)
    assert accounts.linked_person(con, annie.id, o) == acme.ann
    # A new role keeps the link; one person is one account.
    accounts.set_role(con, annie.id, o, Role.LEADER)
    assert [(m.role, m.employee_id) for m in accounts.memberships(con, annie.id)] == [
        (Role.LEADER, acme.ann)]
    other = accounts.create_account(con, "other", "Other", "a long enough secret")
    accounts.set_role(con, other.id, o, Role.VIEWER)
    with pytest.raises(ValidationError, match="already linked to the account “Ann Lee”"):
        accounts.set_person(con, other.id, o, acme.ann)
    elsewhere = create_organisation(con, "Elsewhere")
    stranger = personnel.add_employee(con, elsewhere.id, personnel.EmployeeInput(
        "9", "Sam", personnel.add_team(con, elsewhere.id, "Yard"), date(2025, 1, 1)))
    with pytest.raises(ValidationError, match="not in this organisation"):
        accounts.set_person(con, other.id, o, stranger)
    accounts.set_person(con, annie.id, o, None)
    assert accounts.linked_person(con, annie.id, o) is None
    logged = [e.detail for e in access_log.access_log(con, event="person linked")]
    assert logged == ["Ann Lee is no member of staff in Acme Services",
                      "Ann Lee is Ann Lee (1) in Acme Services"]
    # Only administrators link accounts.
    with acting(member("Hana", o, Role.HR)), pytest.raises(AccessDenied):
        accounts.set_person(con, annie.id, o, acme.ann)
