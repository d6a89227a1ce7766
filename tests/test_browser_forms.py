"""In Chromium: what is saved is what the form shows, and a save keeps the person's place.

Each test here failed on the code before issue 8: a red (refused) date was saved as the
previous one, add forms kept the last record's fields, tabs jumped back to the first,
closing a review warned about "someone else", and the facilitator's tools on the
brainstorm wall needed a reload to appear.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.core.periods import Quarter
from strategy.customers import segments
from strategy.measures import reviews
from strategy.people import personnel, training
from strategy.people.personnel import EmployeeInput
from tests.browser import by_key, fill, open_page, settle, submit
from tests.conftest import RunningApp, serve
from tests.conftest import database_copy as database

pytestmark = pytest.mark.browser

TODAY = date.today()
FUTURE = "20990101"  # typed into a date field's segments: 2099-01-01


@pytest.fixture(scope="module")
def forms_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    folder = tmp_path_factory.mktemp("forms")
    path = folder / "strategy.duckdb"
    con = open_database(path)
    org = create_organisation(con, "Harbour Hotels")
    desk = personnel.add_team(con, org.id, "Front desk")
    personnel.add_team(con, org.id, "Housekeeping")
    personnel.add_employee(con, org.id, EmployeeInput("H1", "Ann Lee", desk, date(2022, 1, 1)))
    segments.add_segment(con, org.id, segments.SegmentInput("Hotel guests", "external"))
    training.seed_curriculum(con, org.id)
    review = reviews.start_review(con, org.id, Quarter.current())
    reviews.save_review(con, org.id, review.id, review.version, reviews.ReviewInput(
        TODAY, "Phones answered fast", "", [], "Hire two receptionists"))
    create_organisation(con, "Workshop wall")  # an empty brainstorm wall
    con.close()
    yield from serve(path)


def org_id(app: RunningApp, name: str) -> int:
    con = database(app)
    row = con.execute("SELECT id FROM organisation WHERE name = ?", [name]).fetchone()
    con.close()
    assert row is not None
    return int(row[0])


def new_page(browser: Any, app: RunningApp, path: str, who: str = "Ana",
             org: str = "Harbour Hotels") -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1500}).new_page()
    open_page(page, f"{app.url}/{path}?org={org_id(app, org)}", who=who)
    return page


def type_date(page: Any, key: str, digits: str) -> None:
    """Type a date into a date field's segments, as a person using the keyboard does."""
    by_key(page, key).locator("[data-type=year]").focus()
    page.keyboard.type(digits)
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")  # the calendar that opened with the focus


def choose(page: Any, key: str, option: str, several: bool = False) -> None:
    by_key(page, key).locator("input").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    if several:  # a multiselect's list stays open for more choices
        page.keyboard.press("Escape")


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)


def selected_tab(page: Any) -> str:
    return str(page.locator("[role=tab][aria-selected=true]").first.inner_text()).strip()


def test_a_refused_date_is_never_saved_as_the_previous_one(forms_app: RunningApp,
                                                           browser: Any) -> None:
    page = new_page(browser, forms_app, "needs")
    asked = TODAY - timedelta(days=13)
    choose(page, "assessment_0_quality", "Timeliness")
    type_date(page, "assessment_0_date", asked.strftime("%Y%m%d"))
    fill(page, "assessment_0_notes", "Eight guests at checkout")
    submit(page, "Save assessment")
    page.get_by_text("Saved: Hotel guests – Timeliness.").wait_for()
    # The form starts afresh: no notes carried over to the next assessment.
    assert by_key(page, "assessment_1_notes").locator("textarea").input_value() == ""

    choose(page, "assessment_1_quality", "Accuracy")
    type_date(page, "assessment_1_date", FUTURE)
    submit(page, "Save assessment")
    page.get_by_text("The date asked 2099-01-01 is in the future").wait_for()
    con = database(forms_app)
    stored = con.execute("SELECT quality, asked_on, notes FROM assessment ORDER BY id").fetchall()
    con.close()
    assert stored == [("Timeliness", asked, "Eight guests at checkout")]
    assert selected_tab(page) == "Record an assessment"
    page.context.close()


def test_a_future_hire_date_is_refused_and_the_tab_stays_open(forms_app: RunningApp,
                                                              browser: Any) -> None:
    page = new_page(browser, forms_app, "staff")
    open_tab(page, "Add or edit a person")
    fill(page, "person_new_0_number", "H2")
    fill(page, "person_new_0_name", "Bob Cho")
    choose(page, "person_new_0_team", "Front desk")
    type_date(page, "person_new_0_hire", FUTURE)
    submit(page, "Add person")
    page.get_by_text("The hire date 2099-01-01 is in the future").wait_for()
    assert page.get_by_text("Choose the employee's team.").count() == 0
    assert selected_tab(page) == "Add or edit a person"
    con = database(forms_app)
    assert con.execute("SELECT count(*) FROM employee WHERE number = 'H2'").fetchone() == (0,)
    con.close()

    # Corrected, it is added, the form is empty again and the tab is still open.
    type_date(page, "person_new_0_hire", (TODAY - timedelta(days=30)).strftime("%Y%m%d"))
    submit(page, "Add person")
    page.get_by_text("Added Bob Cho.").wait_for()
    assert selected_tab(page) == "Add or edit a person"
    assert by_key(page, "person_new_1_name").locator("input").input_value() == ""
    page.context.close()


def test_the_next_segment_does_not_inherit_the_last_ones_fields(forms_app: RunningApp,
                                                                browser: Any) -> None:
    page = new_page(browser, forms_app, "customers")
    fill(page, "segment_new_0_name", "Conference organisers")
    by_key(page, "segment_new_0_kind").get_by_text("internal", exact=True).click()
    choose(page, "segment_new_0_teams", "Housekeeping", several=True)
    choose(page, "segment_new_0_channels", "Email", several=True)
    submit(page, "Add segment")
    page.get_by_text("Added the segment “Conference organisers”.").wait_for()
    fresh = by_key(page, "segment_new_1_name")
    assert fresh.locator("input").input_value() == ""
    for key in ("segment_new_1_teams", "segment_new_1_channels"):
        assert by_key(page, key).locator("[data-baseweb=tag]").count() == 0
    assert by_key(page, "segment_new_1_kind").locator("input[type=radio]").first.is_checked()

    # A team that is missing is added from the step itself and joins People and teams.
    page.get_by_role("button", name="Add a team").click()
    fill(page, "segment_team_new_0_name", "Events")
    submit(page, "Add team")
    page.get_by_text("Added the team Events").wait_for()
    choose(page, "segment_new_1_teams", "Events", several=True)
    con = database(forms_app)
    assert ("Events",) in con.execute("SELECT name FROM team").fetchall()
    con.close()
    page.context.close()


def test_a_refused_score_says_why_and_keeps_the_tab(forms_app: RunningApp,
                                                    browser: Any) -> None:
    page = new_page(browser, forms_app, "training")
    open_tab(page, "Record completions")
    choose(page, "completion_0_people", "Ann Lee (H1, Front desk)", several=True)
    fill(page, "completion_0_score", "150")
    submit(page, "Record")
    page.get_by_text("A score is from 0 to 100 (you entered 150).").wait_for()
    assert selected_tab(page) == "Record completions"
    con = database(forms_app)
    assert con.execute("SELECT count(*) FROM training_completion").fetchone() == (0,)
    con.close()
    page.context.close()


def test_closing_a_review_shows_only_its_success(forms_app: RunningApp, browser: Any) -> None:
    page = new_page(browser, forms_app, "review", who="Chair")
    open_tab(page, "The review")
    page.get_by_role("button", name="Close the review and lock the quarter").click()
    page.get_by_role("button", name="Close the review", exact=True).click()
    settle(page)
    page.get_by_text(f"The review of {Quarter.current()} is closed").first.wait_for()
    assert page.get_by_text("Someone else has saved a newer version").count() == 0
    assert page.get_by_role("button", name="Load the latest version").count() == 0
    assert selected_tab(page) == "The review"
    page.context.close()


def test_the_facilitators_tools_appear_with_the_first_answer(forms_app: RunningApp,
                                                             browser: Any) -> None:
    facilitator = new_page(browser, forms_app, "vision", "Fay", org="Workshop wall")
    guest = new_page(browser, forms_app, "vision", "Gus", org="Workshop wall")
    tools = facilitator.get_by_text("Facilitator: merge duplicates, adopt into the vision")
    assert tools.count() == 0
    fill(guest, "brainstorm_0_text", "Someone who owns my problem")
    submit(guest, "Add to the wall")
    # The answer box is empty again for Gus's next answer.
    assert by_key(guest, "brainstorm_1_text").locator("input").input_value() == ""
    # Fay does not reload: the answer and her tools arrive on their own.
    facilitator.get_by_text("Someone who owns my problem").first.wait_for(timeout=15_000)
    tools.wait_for(timeout=15_000)
    tools.click()
    facilitator.get_by_text("Keep this answer").wait_for()
    # The tools stay open through the next refreshes of the wall.
    facilitator.wait_for_timeout(7_000)
    assert facilitator.get_by_text("Keep this answer").is_visible()
    con = database(forms_app)
    entries = con.execute("SELECT text FROM brainstorm_entry").fetchall()
    con.close()
    assert entries == [("Someone who owns my problem",)]
    for page in (facilitator, guest):
        page.context.close()


def test_the_facilitator_merges_a_likely_duplicate_with_one_click(forms_app: RunningApp,
                                                                 browser: Any) -> None:
    facilitator = new_page(browser, forms_app, "vision", "Fay", org="Workshop wall")
    guest = new_page(browser, forms_app, "vision", "Gus", org="Workshop wall")
    for text in ("Someone who owns my problem!", "Bills I can read"):
        box = guest.get_by_role("textbox", name="Customer service means …")
        box.fill(text)
        submit(guest, "Add to the wall")
    tools = facilitator.get_by_text("Facilitator: merge duplicates, adopt into the vision")
    tools.wait_for(timeout=15_000)
    tools.click()
    suggestion = facilitator.locator("[class*='st-key-likely_group_']")
    suggestion.first.wait_for(timeout=15_000)
    assert suggestion.count() == 1  # "Bills I can read" is like nothing else
    text = suggestion.inner_text()
    assert "Someone who owns my problem" in text and "Someone who owns my problem!" in text
    suggestion.get_by_role("button", name="Merge this into it").click()
    settle(facilitator)
    facilitator.get_by_text("No answers look alike just now.").wait_for(timeout=15_000)
    con = database(forms_app)
    rows = con.execute("SELECT text, merged_into IS NOT NULL FROM brainstorm_entry "
                       "ORDER BY id").fetchall()
    con.close()
    assert rows == [("Someone who owns my problem", False),
                    ("Someone who owns my problem!", True), ("Bills I can read", False)]
    # The guest's wall shows one card where there were two, without reloading.
    guest.wait_for_timeout(4_000)
    assert guest.locator("[class*='st-key-vote_']",
                         has_text="Someone who owns my problem").count() == 1
    for page in (facilitator, guest):
        page.context.close()
