"""AppTest: each role is shown only what it may use.

The domain refuses a write its role does not allow whatever the page shows; these tests
check the page itself: a viewer is offered no form, write button, import or write tab, a
leader is, and a contributor records observations and training for their own team only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from strategy.core.access import AccessDenied, Role
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.measures import reviews
from strategy.people import personnel, training
from strategy.people.personnel import EmployeeInput
from strategy.service import standards
from tests.identities import as_person, member, sign_in_app
from tests.test_pages import errors, open_app, open_tab, submit

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

# Buttons that change nothing: signing out, and building the review pack to download.
READ_BUTTONS = {"sign_out", "pack_build"}


@dataclass
class Seen:
    """Everything a person was offered on a page, over all of its tabs."""

    tabs: list[str]
    buttons: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    uploaders: int = 0
    columns: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)


def look_through(at: AppTest, tab_key: str | None) -> Seen:
    """Open every tab of the page in turn (only the open tab is drawn) and note what shows."""
    seen = Seen([t.label for t in at.tabs])
    labels: list[str | None] = [*seen.tabs] or [None]
    for label in labels:
        if label is not None and tab_key is not None:
            open_tab(at, tab_key, label)
        assert errors(at) == [], (label, errors(at))
        seen.buttons |= {b.label for b in at.button if b.key not in READ_BUTTONS}
        seen.forms |= {str(f.key) for f in at.form}
        seen.uploaders += len(at.file_uploader)
        seen.columns |= {c for d in at.dataframe for c in d.value.columns}
        seen.notices += [n.value for n in [*at.info, *at.warning, *at.caption]]
    return seen


@dataclass(frozen=True)
class PageCase:
    page: str
    tab_key: str | None
    # Tabs a leader has and a viewer has not, and tabs only a viewer has (renamed read
    # views of a tab whose form the viewer may not use).
    write_tabs: tuple[str, ...]
    viewer_tabs: tuple[str, ...]
    # Buttons (form submits included) a leader must be offered.
    leader_buttons: tuple[str, ...]
    # A table column the viewer still reads.
    read_column: str


CASES = [
    PageCase("step01_customers", "customers_tab", ("Add a segment", "Edit or delete"), (),
             ("Add segment", "Save changes", "Yes, delete"), "Served by"),
    PageCase("step02_needs", "needs_tab", ("Record an assessment", "Custom qualities"), (),
             ("Save assessment", "Save", "Add quality"), "Why they choose us"),
    PageCase("step04_standards", "standards_tab",
             ("Add a standard", "Template library", "Edit or delete"), (),
             ("Add standard", "Save changes", "Yes, delete", "Record communication"), "How"),
    PageCase("step05_accountability", "accountability_tab", ("Record an observation",),
             ("Observations",), ("Save target", "Record observation",
                                 "Record acknowledgements", "Save"), "Applies to"),
    PageCase("step06_line_of_sight", "sight_tab", (), (), ("Save", "Save and calculate"),
             "Moves"),
    PageCase("step07_training", "training_tab", ("Record completions",), ("Completions",),
             ("Record", "Save", "Add module"), "Required of teams"),
    PageCase("step10_measures", "measures_tab", ("Enter values",), (),
             ("Save value", "Save", "Add measure"), "Amber band"),
    PageCase("step11_review", None, (), (),
             (f"Start the review of {Quarter.current()}", "Update"), "Raised in"),
    PageCase("overview", None, (), (), (), ""),
]


@pytest.mark.demo
@pytest.mark.parametrize("case", CASES, ids=[c.page for c in CASES])
def test_a_viewer_is_offered_nothing_to_change_and_a_leader_is(
        demo: Organisation, case: PageCase, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Vera", demo.id, "viewer"))
    viewer = look_through(open_app(case.page), case.tab_key)
    sign_in_app(monkeypatch, member("Leo", demo.id, "leader"))
    leader = look_through(open_app(case.page), case.tab_key)

    assert viewer.buttons == set()
    assert viewer.forms == set()
    assert viewer.uploaders == 0
    assert not set(case.write_tabs) & set(viewer.tabs)
    assert set(case.write_tabs) <= set(leader.tabs)
    assert set(case.viewer_tabs) <= set(viewer.tabs)
    assert not set(case.viewer_tabs) & set(leader.tabs)
    assert set(case.leader_buttons) <= leader.buttons
    assert bool(leader.forms) == bool(case.leader_buttons)
    if case.page == "overview":
        assert leader.buttons == set() and viewer.tabs == []
        return
    # The viewer still reads the step, and is told why the rest is missing (once).
    assert case.read_column in viewer.columns
    refusals = [n for n in viewer.notices if "does not allow you to edit the plan" in n]
    assert refusals and all("(Viewer)" in n for n in refusals)
    assert not any("does not allow you" in n for n in leader.notices)


@pytest.mark.demo
def test_a_viewer_reads_an_open_review_but_cannot_edit_or_close_it(
        con: Connection, demo: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    review = reviews.start_review(con, demo.id, Quarter.current())
    reviews.save_review(con, demo.id, review.id, review.version, reviews.ReviewInput(
        date.today(), "Calls answered fast", "", [], "Hire two advisers"))
    sign_in_app(monkeypatch, member("Vera", demo.id, "viewer"))
    at = open_app("step11_review")
    viewer = look_through(at, "review_tab")
    assert viewer.tabs == ["Scorecard", "The review", "Actions", "What changed", "Past reviews"]
    assert (viewer.buttons, viewer.forms) == (set(), set())
    open_tab(at, "review_tab", "The review")
    text = " ".join(m.value for m in at.markdown)
    assert "Calls answered fast" in text and "Hire two advisers" in text

    sign_in_app(monkeypatch, member("Leo", demo.id, "leader"))
    leader = look_through(open_app("step11_review"), "review_tab")
    assert {"Save review", "Close the review", "Update", "Add action"} <= leader.buttons


def test_leaders_and_hr_add_teams_where_they_need_them_and_nobody_else_does(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A leader setting up step 1 adds the team that serves a segment there; renaming and
    removing teams stays with those who manage people."""
    sign_in_app(monkeypatch, member("Leo", org.id, "leader"))
    at = open_app("step01_customers")
    assert {"Add segment", "Add team"} <= {b.label for b in at.button}
    assert "can be added below the form" in at.multiselect(key="segment_new_0_teams").help
    with as_person("Leo", org.id, Role.LEADER):
        team = personnel.add_team(con, org.id, "Lifeguards")
        with pytest.raises(AccessDenied):
            personnel.rename_team(con, org.id, team, "Pool staff")
        with pytest.raises(AccessDenied):
            personnel.delete_team(con, org.id, team)
    with as_person("Hana", org.id, Role.HR):
        personnel.add_team(con, org.id, "Reception")
    for role in (Role.CONTRIBUTOR, Role.VIEWER):
        with as_person("Cy", org.id, role), pytest.raises(AccessDenied):
            personnel.add_team(con, org.id, "Cafe")
    assert [t.name for t in personnel.list_teams(con, org.id)] == ["Lifeguards", "Reception"]


# --- Contributors record for their own team only -------------------------------------


@dataclass(frozen=True)
class Staffed:
    desk: int
    field: int
    ann: int  # on the desk
    bob: int  # in the field
    standard: int


@pytest.fixture
def staffed(con: Connection, org: Organisation) -> Staffed:
    desk = personnel.add_team(con, org.id, "Desk")
    field_team = personnel.add_team(con, org.id, "Field")
    ann = personnel.add_employee(con, org.id, EmployeeInput("1", "Ann Lee", desk, date(2020, 1, 1)))
    bob = personnel.add_employee(con, org.id, EmployeeInput("2", "Bob Roy", field_team,
                                                            date(2020, 1, 1)))
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Answer by the third ring", "Phone", "Responsiveness", measure="Rings", target=3,
        unit="rings", direction="lower"))
    training.seed_curriculum(con, org.id)
    return Staffed(desk, field_team, ann, bob, standard)


def test_a_contributor_observes_only_their_own_team(
        con: Connection, org: Organisation, staffed: Staffed,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Cara", org.id, "contributor", team_id=staffed.desk))
    at = open_tab(open_app("step05_accountability"), "accountability_tab",
                  "Record an observation")
    team = at.selectbox(key="obs_0_team")
    assert (team.options, team.value) == (["Desk"], staffed.desk)
    assert at.selectbox(key="obs_0_employee").options == ["Ann Lee (1, Desk)"]
    at.radio(key="obs_0_met").set_value("Not met")
    submit(at, "Record observation")
    assert errors(at) == []
    rows = con.execute("SELECT team_id, employee_id, observer, met FROM observation "
                       "WHERE org_id = ?", [org.id]).fetchall()
    assert rows == [(staffed.desk, None, "Cara", False)]
    # Owners, acknowledgements and the target stay the leaders'.
    seen = look_through(at, "accountability_tab")
    assert seen.buttons == {"Record observation"}
    assert seen.forms == {"observation_add"}


def test_a_leader_observes_any_team(con: Connection, org: Organisation, staffed: Staffed,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Leo", org.id, "leader"))
    at = open_tab(open_app("step05_accountability"), "accountability_tab",
                  "Record an observation")
    team = at.selectbox(key="obs_0_team")
    assert (team.options, team.value) == (["Desk", "Field"], None)
    assert at.selectbox(key="obs_0_employee").options == ["Ann Lee (1, Desk)", "Bob Roy (2, Field)"]
    at.selectbox(key="obs_0_employee").set_value(staffed.bob)
    submit(at, "Record observation")
    rows = con.execute("SELECT team_id, employee_id, observer FROM observation "
                       "WHERE org_id = ?", [org.id]).fetchall()
    assert rows == [(staffed.field, staffed.bob, "Leo")]


def test_a_contributor_records_training_only_for_their_own_team(
        con: Connection, org: Organisation, staffed: Staffed,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Cara", org.id, "contributor", team_id=staffed.desk))
    at = open_tab(open_app("step07_training"), "training_tab", "Record completions")
    assert at.multiselect(key="completion_0_people").options == ["Ann Lee (1, Desk)"]
    assert "You record training for your own team: Desk." in [c.value for c in at.caption]
    at.multiselect(key="completion_0_people").set_value([staffed.ann])
    submit(at, "Record")
    assert errors(at) == []
    rows = con.execute("SELECT employee_id, passed FROM training_completion WHERE org_id = ?",
                       [org.id]).fetchall()
    assert rows == [(staffed.ann, True)]
    seen = look_through(at, "training_tab")
    assert seen.buttons == {"Record"} and seen.forms == {"completion_add"}


def test_a_whole_team_is_recorded_at_once_and_only_a_team_one_may_record_for(
        con: Connection, org: Organisation, staffed: Staffed,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Acknowledgements (a leader) and completions (a contributor, own team only) for
    everyone on a team's staff today; a leaver is not recorded."""
    for n in range(3, 6):
        personnel.add_employee(con, org.id, EmployeeInput(str(n), f"Desk {n}", staffed.desk,
                                                          date(2024, 1, 1)))
    personnel.add_employee(con, org.id, EmployeeInput(
        "9", "Gone", staffed.desk, date(2020, 1, 1), leave_date=date(2024, 6, 30),
        leave_kind="voluntary"))
    desk = {r[0] for r in con.execute("SELECT id FROM employee WHERE team_id = ? AND "
                                      "leave_date IS NULL", [staffed.desk]).fetchall()}
    sign_in_app(monkeypatch, member("Leo", org.id, "leader"))
    at = open_tab(open_app("step05_accountability"), "accountability_tab", "Acknowledgements")
    at.radio(key="ack_0_employees_mode").set_value("A whole team").run()
    at.selectbox(key="ack_0_employees_team").set_value(staffed.desk).run()
    assert "4 people on the staff of Desk today." in [c.value for c in at.caption]
    submit(at, "Record acknowledgements")
    assert errors(at) == []
    acknowledged = {r[0] for r in con.execute(
        "SELECT employee_id FROM acknowledgement WHERE standard_id = ?",
        [staffed.standard]).fetchall()}
    assert acknowledged == desk

    training.seed_curriculum(con, org.id)
    sign_in_app(monkeypatch, member("Cara", org.id, "contributor", team_id=staffed.desk))
    at = open_tab(open_app("step07_training"), "training_tab", "Record completions")
    at.radio(key="completion_0_people_mode").set_value("A whole team").run()
    assert at.selectbox(key="completion_0_people_team").options == ["Desk"]  # not Field
    at.selectbox(key="completion_0_people_team").set_value(staffed.desk).run()
    submit(at, "Record")
    assert errors(at) == []
    completed = {r[0] for r in con.execute("SELECT employee_id FROM training_completion "
                                           "WHERE org_id = ?", [org.id]).fetchall()}
    assert completed == desk


@pytest.mark.parametrize(("page", "tab_key", "tab", "what"), [
    ("step05_accountability", "accountability_tab", "Record an observation", "observations"),
    ("step07_training", "training_tab", "Record completions", "training completions"),
])
def test_a_contributor_without_a_team_is_told_to_ask_for_one(
        con: Connection, org: Organisation, staffed: Staffed, monkeypatch: pytest.MonkeyPatch,
        page: str, tab_key: str, tab: str, what: str) -> None:
    sign_in_app(monkeypatch, member("Dev", org.id, "contributor"))
    at = open_tab(open_app(page), tab_key, tab)
    (warning,) = [w.value for w in at.warning]
    assert warning == (f"You may record {what} for your own team only, and no team is set "
                       "for you: ask an administrator to set your team.")
    assert [b.key for b in at.button] == ["sign_out"]
    assert len(at.form) == 0
