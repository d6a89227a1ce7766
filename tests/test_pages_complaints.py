"""The complaints and compliments page: record, resolve, recognise, figures, import."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from strategy.core import access
from strategy.core.access import AccessDenied, Role
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.measures import complaints
from strategy.measures.complaints import FeedbackInput, RegisterFilter
from strategy.people import recognition
from strategy.people.personnel import EmployeeInput, add_employee
from strategy.people.recognition import LogFilter
from tests.complaints_data import staff_an_organisation
from tests.identities import member, sign_in_app
from tests.test_pages import errors, open_app, open_tab, plain, successes, table_with

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

PAGE = "complaints"
TAB = "complaints_tab"


@pytest.fixture
def staffed(con: Connection, org: Organisation) -> dict[str, int]:
    return staff_an_organisation(con, org.id)


def _all(con: Connection, org: Organisation) -> list[complaints.Feedback]:
    return complaints.list_feedback(con, org.id, RegisterFilter())


def test_record_a_complaint_and_the_form_starts_empty(con: Connection, org: Organisation,
                                                      staffed: dict[str, int]) -> None:
    at = open_app(PAGE)
    assert "no personal data about customers" in plain(at.info[0].value)
    at.selectbox(key="feedback_new_0_owner").set_value(staffed["amara"])
    at.selectbox(key="feedback_new_0_segment").set_value(staffed["households"])
    at.selectbox(key="feedback_new_0_quality").set_value("Timeliness")
    at.text_area(key="feedback_new_0_what").input("Nobody called me back.")
    at.date_input(key="feedback_new_0_promised_by").set_value(date.today() + timedelta(days=2))
    at.text_input(key="feedback_new_0_promise").input("A call back")
    at.button(key="FormSubmitter:feedback_add_complaint-Record complaint").click().run()
    assert not at.exception and successes(at) == ["Complaint recorded."]
    (stored,) = _all(con, org)
    assert (stored.owner, stored.segment, stored.quality, stored.what_happened,
            stored.promise, stored.channel) == ("Amara Okafor", "Households", "Timeliness",
                                                "Nobody called me back.", "A call back",
                                                "Phone")
    # A fresh, empty form under new keys for the next one.
    assert at.text_area(key="feedback_new_1_what").value == ""
    assert at.selectbox(key="feedback_new_1_owner").value is None
    assert at.session_state[TAB] == "Record"


def test_a_complaint_without_an_owner_is_refused_beside_the_field(
        con: Connection, org: Organisation, staffed: dict[str, int]) -> None:
    at = open_app(PAGE)
    at.text_area(key="feedback_new_0_what").input("Rude on the phone")
    at.button(key="FormSubmitter:feedback_add_complaint-Record complaint").click().run()
    assert "Give the complaint one owner" in " ".join(errors(at))
    assert _all(con, org) == []
    # What was typed is still there to correct.
    assert at.text_area(key="feedback_new_0_what").value == "Rude on the phone"


def test_resolve_an_overdue_complaint(con: Connection, org: Organisation,
                                      staffed: dict[str, int]) -> None:
    received = date.today() - timedelta(days=10)
    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "complaint", received, "Email", "Bill wrong", owner_id=staffed["ben"],
        promised_by=received + timedelta(days=1), promise="A corrected bill"))
    at = open_tab(open_app(PAGE), TAB, "Open and overdue")
    assert list(table_with(at, "Promised by")["Status"]) == ["Overdue"]
    at.selectbox(key="open_choice").set_value(feedback_id).run()
    prefix = f"feedback_edit_{feedback_id}_0"
    at.date_input(key=f"{prefix}_resolved_on").set_value(date.today())
    at.text_input(key=f"{prefix}_resolution").input("Bill corrected, apologised")
    at.selectbox(key=f"{prefix}_accepted").set_value(True)
    at.button(key=f"FormSubmitter:feedback_edit_form_{feedback_id}-Save changes").click().run()
    assert not at.exception and successes(at) == ["Complaint saved."]
    stored = complaints.get_feedback(con, org.id, feedback_id)
    assert (stored.resolved_on, stored.resolution, stored.accepted) == (
        date.today(), "Bill corrected, apologised", True)
    assert at.session_state[TAB] == "Open and overdue"
    assert complaints.open_counts(con, org.id).open == 0


def test_a_compliment_naming_two_people_becomes_a_recognition(
        con: Connection, org: Organisation, staffed: dict[str, int]) -> None:
    at = open_app(PAGE)
    at.radio(key="feedback_new_kind").set_value("compliment").run()
    at.multiselect(key="feedback_new_0_staff").set_value([staffed["ben"], staffed["cleo"]])
    at.text_area(key="feedback_new_0_what").input("Ben and Cleo fixed it in an hour.")
    at.button(key="FormSubmitter:feedback_add_compliment-Record compliment").click().run()
    assert successes(at) == ["Compliment recorded."]
    (stored,) = _all(con, org)
    assert stored.staff == ("Ben Hall", "Cleo Diaz")

    at = open_tab(at, TAB, "Open and overdue")
    at.selectbox(key="unrecognised_choice").set_value(stored.id).run()
    at.selectbox(key=f"recognise_value_{stored.id}").set_value(staffed["value"])
    at.button(key=f"FormSubmitter:feedback_recognise_{stored.id}-Record as recognition from "
                  "a customer").click().run()
    assert not at.exception
    assert successes(at) == ["Recognition from a customer recorded for Ben Hall, Cleo Diaz."]
    (made,) = recognition.list_recognitions(con, org.id, LogFilter(date(2000, 1, 1),
                                                                   date.today()), 10)
    assert (made.giver_kind, made.what, sorted(made.recipients)) == (
        "customer", "Ben and Cleo fixed it in an hour.", ["Ben Hall", "Cleo Diaz"])
    assert complaints.count_feedback(con, org.id, RegisterFilter(to_recognise=True)) == 0


def test_recognising_a_compliment_opened_in_the_register_is_not_a_clash(
        con: Connection, org: Organisation, staffed: dict[str, int]) -> None:
    """Issue 22, item 4: the record's version moves on because of this person's own
    action, so its edit form must not say that someone else saved a newer version."""
    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date.today(), "Email", "Ben fixed it", staffed["households"],
        "Timeliness", staff_ids=[staffed["ben"]]))
    at = open_tab(open_app(PAGE), TAB, "Register")
    at.selectbox(key="register_choice").set_value(feedback_id).run()
    at.selectbox(key=f"recognise_value_{feedback_id}").set_value(staffed["value"])
    submit = f"FormSubmitter:feedback_recognise_{feedback_id}-Record as recognition from " \
             "a customer"
    at.button(key=submit).click().run()
    assert "Recognition from a customer recorded for Ben Hall." in successes(at)
    assert not [i.value for i in at.info if "Someone else has saved" in i.value]
    assert not [b for b in at.button if b.label == "Load the latest version"]
    # The record's own form still saves, from the version the recognition made.
    assert any(b.key == f"FormSubmitter:feedback_edit_form_{feedback_id}-Save changes"
               for b in at.button)
    at.button(key=f"FormSubmitter:feedback_edit_form_{feedback_id}-Save changes").click().run()
    assert "Compliment saved." in successes(at)


def test_figures_and_the_target(con: Connection, org: Organisation,
                                staffed: dict[str, int]) -> None:
    today = date.today()
    complaints.add_feedback(con, org.id, FeedbackInput(
        "complaint", today, "Phone", "Late", staffed["households"], "Timeliness",
        owner_id=staffed["amara"], resolution="Done", resolved_on=today))
    at = open_tab(open_app(PAGE), TAB, "Figures")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Complaints received"] == "1"
    assert shown["Median days to resolve"] == "0"
    assert shown["Resolved within target"] == "100% (n=1)"
    at.number_input(key="resolve_target_0_days").set_value(5)
    at.button(key="FormSubmitter:resolve_target_form-Save target").click().run()
    assert complaints.target_days(con, org.id) == 5
    # A fresh form after the save, showing the new target.
    assert at.number_input(key="resolve_target_1_days").value == 5
    at.number_input(key="resolve_target_1_days").set_value(0)
    at.button(key="FormSubmitter:resolve_target_form-Save target").click().run()
    assert "from 1 to 60" in " ".join(errors(at))
    assert complaints.target_days(con, org.id) == 5


def test_import_a_help_desk_export(con: Connection, org: Organisation,
                                   staffed: dict[str, int]) -> None:
    at = open_tab(open_app(PAGE), TAB, "Import")
    data = (b"Ticket,Created,Via,Details,Assignee\n"
            b"T-1,2026-10-02,Phone,Leak not fixed,E1\nT-2,2026-10-03,Email,No reply,E2\n")
    at.file_uploader(key="complaints_import_file_0").set_value(("desk.csv", data, "text/csv")).run()
    assert not at.exception
    assert "All 2 rows are ready to import." in successes(at)
    at.button(key="complaints_import_button").click().run()
    assert [f.reference for f in _all(con, org)] == ["T-2", "T-1"]


def test_a_viewer_reads_the_figures_but_records_nothing(
        con: Connection, org: Organisation, staffed: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Vic", org.id, Role.VIEWER))
    at = open_app(PAGE)
    tabs = [t.label for t in at.tabs]
    assert "Record" not in tabs and "Import" not in tabs and "Figures" in tabs


def test_the_impact_model_shows_the_register_and_keeps_what_was_typed(
        con: Connection, org: Organisation, staffed: dict[str, int]) -> None:
    from strategy.core.periods import Quarter
    from strategy.measures import impact
    from strategy.measures.impact import Assumptions, Inputs

    quarter = Quarter.current()
    impact.save(con, org.id, quarter, Inputs(10_000, 500.0, 50, 0.2, 300.0), Assumptions())
    complaints.add_feedback(con, org.id, FeedbackInput(
        "complaint", quarter.start, "Phone", "Late", owner_id=staffed["amara"],
        resolution="Done", resolved_on=quarter.start))
    at = open_tab(open_app("step06_line_of_sight"), "sight_tab", "Impact model")
    key = f"impact_{quarter}"
    shown = at.number_input(key=f"{key}_complaints_register")
    assert shown.value == 1 and shown.disabled
    assert at.number_input(key=f"{key}_quick_register").value == 100.0
    assert any("From the complaints register" in plain(c.value) for c in at.caption)
    assert {m.label: m.value for m in at.metric}["Dissatisfied customers"] == "27"
    at.number_input(key=f"{key}_customers").set_value(12_000)
    at.button(key=f"FormSubmitter:{key}_form-Save and calculate").click().run()
    saved = impact.load(con, org.id, quarter)
    assert saved is not None
    # The typed figures stay stored; the register's are worked in when it is read.
    assert (saved.inputs.active_customers, saved.inputs.complaints,
            saved.inputs.quick_resolution_share) == (12_000, 50, 0.2)


def test_two_alike_complaints_open_as_themselves(con: Connection, org: Organisation,
                                                 staffed: dict[str, int]) -> None:
    day = date.today() - timedelta(days=1)
    ids = [complaints.add_feedback(con, org.id, FeedbackInput(
        "complaint", day, "Phone", "Waited too long about billing", owner_id=staffed["amara"],
        quality="Timeliness")) for _ in range(2)]
    at = open_tab(open_app(PAGE), TAB, "Open and overdue")
    for feedback_id in ids:
        at.selectbox(key="open_choice").set_value(feedback_id).run()
        assert not at.exception
        assert at.selectbox(key="open_choice").value == feedback_id
        # The edit form shown is this record's, not its look-alike's.
        assert [t.key for t in at.text_area if (t.key or "").startswith("feedback_edit_")] == [
            f"feedback_edit_{feedback_id}_0_what"]


def test_an_edit_keeps_a_quality_no_longer_in_the_list(con: Connection, org: Organisation,
                                                       staffed: dict[str, int]) -> None:
    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "complaint", date.today(), "Phone", "Late", owner_id=staffed["amara"],
        quality="Timeliness"))
    con.execute("UPDATE complaint SET quality = 'Punctuality' WHERE id = ?", [feedback_id])
    at = open_tab(open_app(PAGE), TAB, "Open and overdue")
    at.selectbox(key="open_choice").set_value(feedback_id).run()
    prefix = f"feedback_edit_{feedback_id}_0"
    assert at.selectbox(key=f"{prefix}_quality").value == "Punctuality"
    at.text_input(key=f"{prefix}_promise").input("A call")
    at.date_input(key=f"{prefix}_promised_by").set_value(date.today())
    at.button(key=f"FormSubmitter:feedback_edit_form_{feedback_id}-Save changes").click().run()
    assert complaints.get_feedback(con, org.id, feedback_id).quality == "Punctuality"


def test_a_viewer_sees_a_whole_record_and_a_recorder_owns_by_default(
        con: Connection, org: Organisation, staffed: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from strategy.identity import accounts

    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "complaint", date.today(), "Phone", "Late again", owner_id=staffed["amara"],
        promised_by=date.today(), promise="A call"))
    # A contributor who neither recorded nor owns it reads all of it, and changes nothing.
    sign_in_app(monkeypatch, member("Cy", org.id, Role.CONTRIBUTOR, account_id=77))
    at = open_tab(open_app(PAGE), TAB, "Register")
    at.selectbox(key="register_choice").set_value(feedback_id).run()
    shown = dict(zip(table_with(at, "Field")["Field"], table_with(at, "Field")["Value"],
                     strict=True))
    assert (shown["What happened"], shown["Owner"], shown["What was promised"]) == (
        "Late again", "Amara Okafor", "A call")
    assert not [t for t in at.text_area if (t.key or "").startswith("feedback_edit_")]
    # A viewer reads the figures, not the customers' own words (see the roles table).
    vic = sign_in_app(monkeypatch, member("Vic", org.id, Role.VIEWER))
    at = open_app(PAGE)
    assert [t.label for t in at.tabs] == ["Figures"]
    assert any("register's records is not shown" in plain(i.value) for i in at.info)
    with access.acting(vic), pytest.raises(AccessDenied):
        complaints.list_feedback(con, org.id, RegisterFilter())

    account = accounts.create_account(con, "ben", "Ben Hall", "a long enough password").id
    accounts.set_role(con, account, org.id, Role.CONTRIBUTOR)
    accounts.set_person(con, account, org.id, staffed["ben"])
    sign_in_app(monkeypatch, member("Ben Hall", org.id, Role.CONTRIBUTOR, account_id=account))
    at = open_app(PAGE)
    assert at.selectbox(key="feedback_new_0_owner").value == staffed["ben"]
    # Once Ben has left, no one is offered: a leaver cannot own a new complaint.
    con.execute("UPDATE employee SET leave_date = DATE '2026-01-31', leave_kind = "
                "'voluntary' WHERE id = ?", [staffed["ben"]])
    at = open_app(PAGE)
    assert at.selectbox(key="feedback_new_0_owner").value is None


def test_people_who_have_left_are_not_offered_as_owners(con: Connection, org: Organisation,
                                                        staffed: dict[str, int]) -> None:
    add_employee(con, org.id, EmployeeInput("E9", "Lena Left", staffed["team"],
                                            date(2020, 1, 6), leave_date=date(2025, 6, 30),
                                            leave_kind="voluntary"))
    at = open_app(PAGE)
    offered = at.selectbox(key="feedback_new_0_owner").options
    assert "Amara Okafor (E1, Contact centre)" in offered and not any("Lena" in o for o in offered)


def test_the_register_says_no_owner_only_of_a_complaint(con: Connection, org: Organisation,
                                                        staffed: dict[str, int]) -> None:
    complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date.today(), "Email", "Thank you", staff_ids=[staffed["ben"]]))
    con.execute("INSERT INTO complaint (org_id, kind, received_on, what_happened, "
                "recorded_by) VALUES (?, 'complaint', current_date, 'Imported', 'x')", [org.id])
    at = open_tab(open_app(PAGE), TAB, "Register")
    owners = dict(zip(table_with(at, "Owner")["What happened"], table_with(at, "Owner")["Owner"],
                      strict=True))
    assert owners == {"Thank you": "", "Imported": "(no owner)"}
