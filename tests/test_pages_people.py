"""AppTest for the people pages (steps 5–9 and People and teams): each main action."""

from __future__ import annotations

from datetime import date

import pytest

from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.measures import impact
from strategy.people import personnel, recognition, training, workforce
from strategy.people.personnel import EmployeeInput
from strategy.people.recognition import REWARDS, LogFilter
from strategy.service import accountability, standards, vision
from tests.identities import member, sign_in_app
from tests.test_pages import click, errors, open_app, open_tab, plain, submit, table_with

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


@pytest.fixture
def team(con: Connection, org: Organisation) -> int:
    return personnel.add_team(con, org.id, "Desk")


@pytest.fixture
def ann(con: Connection, org: Organisation, team: int) -> int:
    return personnel.add_employee(con, org.id, EmployeeInput("1", "Ann Lee", team, date(2020, 1, 1),
                                                             "Adviser"))


@pytest.fixture
def standard(con: Connection, org: Organisation) -> int:
    return standards.add_standard(con, org.id, standards.StandardInput(
        "Answer by the third ring", "Phone", "Responsiveness", measure="Rings", target=3,
        unit="rings", direction="lower"))


def test_add_a_team_and_a_person(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("people"), "people_tab", "Teams")
    at.text_input(key="team_new_0_name").input("Billing")
    submit(at, "Add team")
    (billing,) = personnel.list_teams(con, org.id)
    open_tab(at, "people_tab", "Add or edit a person")
    at.text_input(key="person_new_0_number").input("E7")
    at.text_input(key="person_new_0_name").input("Ravi Shah")
    at.selectbox(key="person_new_0_team").set_value(billing.id)
    at.date_input(key="person_new_0_hire").set_value(date(2024, 5, 1))
    submit(at, "Add person")
    (ravi,) = personnel.list_employees(con, org.id)
    assert (ravi.number, ravi.name, ravi.team, ravi.hire_date) == (
        "E7", "Ravi Shah", "Billing", date(2024, 5, 1))


def test_person_leaving_before_hire_is_refused(con: Connection, org: Organisation,
                                               team: int) -> None:
    at = open_tab(open_app("people"), "people_tab", "Add or edit a person")
    at.text_input(key="person_new_0_number").input("E8")
    at.text_input(key="person_new_0_name").input("Lee")
    at.selectbox(key="person_new_0_team").set_value(team)
    at.date_input(key="person_new_0_hire").set_value(date(2024, 5, 1))
    at.date_input(key="person_new_0_leave").set_value(date(2024, 1, 1))
    at.selectbox(key="person_new_0_kind").set_value("voluntary")
    submit(at, "Add person")
    assert errors(at) == ["The leave date 2024-01-01 is before the hire date 2024-05-01."]
    assert personnel.list_employees(con, org.id) == []


def test_import_shows_problems_then_imports_the_fixed_file(con: Connection, org: Organisation,
                                                           team: int) -> None:
    bad = b"Employee ID,Name,Team,Start date\nE1,Ann,Desk,2020-01-01\nE2,Bob,Nowhere,2021-01-01\n"
    at = open_tab(open_app("people"), "people_tab", "Import from HR")
    at.file_uploader(key="import_file_0").set_value(("hr.csv", bad, "text/csv")).run()
    assert not at.exception
    (problem,) = errors(at)
    assert "1 of 2 rows need fixing" in problem and "Line 3: Unknown team “Nowhere”" in problem
    assert at.button(key="import_button").disabled
    assert personnel.list_employees(con, org.id) == []
    fixed = bad.replace(b"Nowhere", b"Desk")
    at.file_uploader(key="import_file_0").set_value(("hr.csv", fixed, "text/csv")).run()
    assert errors(at) == []
    click(at, "import_button")
    assert {e.number for e in personnel.list_employees(con, org.id)} == {"E1", "E2"}
    assert any("2 added." in plain(s.value) for s in at.success)


def test_assign_owner_and_record_an_observation(con: Connection, org: Organisation, team: int,
                                                ann: int, standard: int) -> None:
    at = open_tab(open_app("step05_accountability"), "accountability_tab", "Owners and teams")
    at.selectbox(key=f"assign_owner_{standard}").set_value(ann)
    at.multiselect(key=f"assign_teams_{standard}").set_value([team])
    submit(at, "Save")
    (assigned,) = accountability.assignments(con, org.id)
    assert (assigned.owner, assigned.teams) == ("Ann Lee", ("Desk",))
    open_tab(at, "accountability_tab", "Record an observation")
    at.selectbox(key="obs_0_team").set_value(team)
    at.radio(key="obs_0_met").set_value("Not met")
    submit(at, "Record observation")
    rates = accountability.compliance(con, org.id, Quarter.containing(date.today()), "standard")
    assert [r.rate.text() for r in rates] == ["0% (n=1)"]
    open_tab(at, "accountability_tab", "Acknowledgements")
    at.multiselect(key="ack_0_employees").set_value([ann])
    submit(at, "Record acknowledgements")
    coverage = accountability.acknowledgement_coverage(con, org.id, date.today())
    assert [c.acknowledged.text() for c in coverage] == ["100% (n=1)"]


def test_observation_without_team_or_person_is_refused(con: Connection, org: Organisation,
                                                       ann: int, standard: int) -> None:
    at = open_tab(open_app("step05_accountability"), "accountability_tab",
                  "Record an observation")
    assert at.text_input(key="obs_0_observer").value == "Test administrator"
    submit(at, "Record observation")
    assert errors(at) == ["Say which team or which employee was observed."]


def test_save_the_impact_model(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("step06_line_of_sight"), "sight_tab", "Impact model")
    key = f"impact_{Quarter.current()}"
    at.number_input(key=f"{key}_customers").set_value(10_000)
    at.number_input(key=f"{key}_value").set_value(500.0)
    at.number_input(key=f"{key}_complaints").set_value(20)
    at.number_input(key=f"{key}_quick").set_value(50.0)
    at.number_input(key=f"{key}_cost").set_value(300.0)
    submit(at, "Save and calculate")
    saved = impact.load(con, org.id, Quarter.current())
    assert saved is not None and saved.inputs.quick_resolution_share == 0.5
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Dissatisfied customers"] == "540"
    assert metrics["Revenue at risk (a year)"] == "270,000"


def test_record_training_and_check_language(con: Connection, org: Organisation,
                                            ann: int) -> None:
    training.seed_curriculum(con, org.id)
    at = open_tab(open_app("step07_training"), "training_tab", "Record completions")
    module = training.list_modules(con, org.id)[0]
    at.selectbox(key="completion_module").set_value(module.id)
    at.multiselect(key="completion_0_people").set_value([ann])
    at.number_input(key="completion_0_score").set_value(91.0)
    submit(at, "Record")
    rows = training.list_completions(con, org.id, date(2000, 1, 1), date.today())
    assert [(r[1], r[3], r[4], r[5]) for r in rows] == [("Ann Lee", module.name, True, 91.0)]
    open_tab(at, "training_tab", "Language check")
    at.text_area(key="language_text").input("No problem, just a second").run()
    assert list(table_with(at, "Say instead")["Found"]) == ["No problem", "just a second"]


def test_workforce_table_and_a_candidate(con: Connection, org: Organisation, ann: int) -> None:
    at = open_app("step08_people")
    quarters = list(table_with(at, "Turnover %")["Quarter"])
    assert len(quarters) == 8 and quarters[-1] == str(Quarter.current())
    open_tab(at, "people_step_tab", "Hiring for attitude")
    click(at, "seed_criteria")
    criteria = workforce.list_criteria(con, org.id)
    assert workforce.attitude_share(criteria) == 80.0
    at.text_input(key="cand_0_name").input("Jordan")
    at.text_input(key="cand_0_interviewer").input("Panel")
    for criterion in criteria:
        at.slider(key=f"cand_0_score_{criterion.id}").set_value(5)
    submit(at, "Save scorecard")
    (candidate,) = workforce.list_candidates(con, org.id)
    assert (candidate.name, candidate.score) == ("Jordan", 100.0)


def test_recognise_someone_then_edit_and_delete(con: Connection, org: Organisation,
                                                ann: int, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    value = vision.add_value(con, org.id, "Own it")
    sign_in_app(monkeypatch, member("Hana (HR)", org.id, "hr"))
    at = open_app("step09_recognition")
    at.multiselect(key="rec_new_0_recipients").set_value([ann])
    at.selectbox(key="rec_new_0_value").set_value(value)
    at.text_input(key="rec_new_0_giver").input("Team leader")
    at.text_area(key="rec_new_0_what").input("Called the customer back as promised")
    submit(at, "Record recognition")
    period = Quarter.current()
    (saved,) = recognition.list_recognitions(con, org.id, LogFilter(period.start, period.end))
    assert (saved.recipients, saved.created_by, saved.value) == (("Ann Lee",), "Hana (HR)",
                                                                 "Own it")
    open_tab(at, "recognition_tab", "Log")
    at.selectbox(key="log_choice").set_value(saved.id).run()
    at.text_area(key=f"rec_edit_{saved.id}_0_what").input("Called back within the hour")
    submit(at, "Save changes")
    assert recognition.get_recognition(con, org.id, saved.id).what == \
        "Called back within the hour"
    click(at, f"rec_delete_{saved.id}")
    assert recognition.list_recognitions(con, org.id, LogFilter(period.start, period.end)) == []
    actions = [h[2] for h in recognition.history(con, org.id, saved.id)]
    assert actions == ["deleted", "edited", "created"]


def test_a_half_filled_recognition_survives_a_look_at_another_tab(
        con: Connection, org: Organisation, ann: int, monkeypatch: pytest.MonkeyPatch) -> None:
    value = vision.add_value(con, org.id, "Own it")
    sign_in_app(monkeypatch, member("Hana (HR)", org.id, "hr"))
    at = open_app("step09_recognition")
    at.multiselect(key="rec_new_0_recipients").set_value([ann])
    at.selectbox(key="rec_new_0_value").set_value(value)
    at.selectbox(key="rec_new_0_reward").set_value(REWARDS[1])
    at.number_input(key="rec_new_0_amount").set_value(25)
    at.text_area(key="rec_new_0_what").input("Stayed late to fix a booking").run()
    open_tab(at, "recognition_tab", "HR views")
    open_tab(at, "recognition_tab", "Log")
    open_tab(at, "recognition_tab", "Recognise someone")
    assert at.multiselect(key="rec_new_0_recipients").value == [ann]
    assert at.selectbox(key="rec_new_0_value").value == value
    assert at.selectbox(key="rec_new_0_reward").value == REWARDS[1]
    assert at.number_input(key="rec_new_0_amount").value == 25
    assert at.text_area(key="rec_new_0_what").value == "Stayed late to fix a booking"
    submit(at, "Record recognition")
    period = Quarter.current()
    (saved,) = recognition.list_recognitions(con, org.id, LogFilter(period.start, period.end))
    assert (saved.what, saved.value, saved.reward, saved.amount) == (
        "Stayed late to fix a booking", "Own it", REWARDS[1], 25)
    # Saved: the next one starts empty, and so does a later look at the tab.
    assert at.text_area(key="rec_new_1_what").value == ""
    open_tab(at, "recognition_tab", "HR views")
    open_tab(at, "recognition_tab", "Recognise someone")
    assert at.multiselect(key="rec_new_1_recipients").value == []


def test_the_filled_staff_template_imports_on_the_people_page(con: Connection,
                                                              org: Organisation,
                                                              team: int) -> None:
    from tests.test_imports import filled

    data = filled("employees", [["T1", "Tess Ng", "Desk", "Adviser", None, date(2023, 5, 2),
                                 None, None, None]])
    at = open_tab(open_app("people"), "people_tab", "Import from HR")
    at.file_uploader(key="import_file_0").set_value(("staff.xlsx", data, "application/"
                                                     "octet-stream")).run()
    assert errors(at) == []
    click(at, "import_button")
    assert [e.name for e in personnel.list_employees(con, org.id)] == ["Tess Ng"]


def test_a_team_required_on_the_page_is_due_from_today(con: Connection, org: Organisation,
                                                        ann: int, team: int) -> None:
    """Issue 22, item 7: a module required of a team today is not overdue for those
    hired years ago; it is due within its days of today."""
    training.seed_curriculum(con, org.id)
    module = training.list_modules(con, org.id)[0]
    at = open_tab(open_app("step07_training"), "training_tab", "Modules and who takes them")
    at.selectbox(key="req_module").set_value(module.id).run()
    at.multiselect(key=f"req_teams_{module.id}").set_value([team])
    submit(at, "Save")
    assert con.execute("SELECT required_since FROM training_requirement WHERE team_id = ?",
                       [team]).fetchall() == [(date.today(),)]
    assert training.overdue(con, org.id, date.today()) == []


def test_the_training_pages_status_is_the_overviews(con: Connection, org: Organisation,
                                                   team: int, ann: int) -> None:
    """The page counts lateness once for its figures and its status: the badge still
    says what the overview's step list says, as the training moves on."""
    from strategy.plan.steps import Status, statuses
    from strategy.ui.widgets import STATUS_BADGE

    def badge() -> str:
        labels = {label for label, _, _ in STATUS_BADGE.values()}
        shown = [label for label in labels
                 for m in open_app("step07_training").markdown if label in m.value]
        assert len(shown) == 1, shown
        return shown[0]

    assert badge() == STATUS_BADGE[statuses(con, org.id)[7]][0] == "Not started"
    training.seed_curriculum(con, org.id)
    module = training.list_modules(con, org.id)[0]
    training.set_requirements(con, org.id, module.id, [team], [])
    assert training.count_overdue(con, org.id, date.today()) == 1  # Ann, hired in 2020
    assert badge() == STATUS_BADGE[statuses(con, org.id)[7]][0] == "In progress"
    training.record_completion(con, org.id, module.id, [ann], date.today(), True, 90.0)
    assert statuses(con, org.id)[7] is Status.DONE
    assert badge() == "Done"
