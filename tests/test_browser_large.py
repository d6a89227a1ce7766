"""In Chromium, an organisation above the pickers' search threshold (400 staff, 250
recognitions): HR finds two people by typing, records a recognition, and finds it
again through the log's search after paging; the staff list pages too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from strategy.core import access
from strategy.core.db import open_database, transaction
from strategy.core.orgs import create_organisation
from strategy.core.periods import Quarter
from strategy.people import personnel, recognition
from strategy.people.recognition import RecognitionInput
from strategy.service import vision
from strategy.ui.widgets import SEARCH_ABOVE
from tests.browser import by_key, fill, open_page, settle, submit
from tests.conftest import RunningApp, serve

pytestmark = pytest.mark.browser
STAFF = 400


@pytest.fixture(scope="module")
def large_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    path = tmp_path_factory.mktemp("large") / "strategy.duckdb"
    con = open_database(path)
    with access.acting(access.Identity.shell("Loader")):
        org = create_organisation(con, "Northwind Care")
        team = personnel.add_team(con, org.id, "Home visits")
        with transaction(con):
            con.execute("INSERT INTO employee (org_id, number, name, team_id, hire_date) "
                        "SELECT ?, 'N' || i, 'Carer ' || i, ?, DATE '2021-01-01' "
                        "FROM range(?) t(i)", [org.id, team, STAFF])
        personnel.add_employee(con, org.id, personnel.EmployeeInput(
            "Z1", "Zadie Quill", team, date(2022, 5, 1)))
        personnel.add_employee(con, org.id, personnel.EmployeeInput(
            "Z2", "Zeno Quillan", team, date(2022, 5, 1)))
        value = vision.add_value(con, org.id, "Kindness")
        ids = [e.id for e in personnel.find_employees(con, org.id, "Carer", limit=250)]
        recognition.add_many(con, org.id, [
            RecognitionInput([i], date.today(), "A family", "customer", f"Visit note {n}",
                             value_id=value) for n, i in enumerate(ids)])
    con.close()
    assert STAFF > SEARCH_ABOVE
    yield from serve(path)


def test_find_people_by_typing_record_and_find_the_record_in_the_log(
        large_app: RunningApp, browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    open_page(page, f"{large_app.url}/recognition", who="Hana")
    page.get_by_text(f"Search among {STAFF + 2:,} people.").wait_for()
    fill(page, "rec_new_0_recipients_find", "quill")
    page.keyboard.press("Enter")
    settle(page)
    by_key(page, "rec_new_0_recipients").locator("input").first.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    assert [t for t in options.all_inner_texts() if t != "Select all"] == [
        "Zadie Quill (Z1, Home visits)", "Zeno Quillan (Z2, Home visits)"]
    options.filter(has_text="Zadie Quill (Z1, Home visits)").click()
    settle(page)
    page.keyboard.press("Escape")
    by_key(page, "rec_new_0_recipients").locator("input").first.click()
    page.get_by_role("option", name="Zeno Quillan (Z2, Home visits)").click()
    settle(page)
    page.keyboard.press("Escape")
    by_key(page, "rec_new_0_value").locator("input").first.click()
    page.get_by_role("option", name="Kindness").click()
    settle(page)
    fill(page, "rec_new_0_what", "Covered each other's rounds in the snow")
    submit(page, "Record recognition")
    page.get_by_text("Recognition recorded.").wait_for()
    # The form is fresh: nobody chosen, the search box empty.
    assert by_key(page, "rec_new_1_recipients_find").locator("input").input_value() == ""

    page.get_by_role("tab", name="Log").click()
    settle(page)
    quarter = Quarter.current()
    page.get_by_text(f"251 records in {quarter}; showing 1–100.").wait_for()
    by_key(page, "log_page").locator("input").fill("3")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_text(f"251 records in {quarter}; showing 201–251.").wait_for()
    fill(page, "log_text", "snow")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_text(f"1 record in {quarter} match.").wait_for()
    page.get_by_role("link", name="Download as CSV").wait_for()
    # The record as stored: both people, the text as typed.
    by_key(page, "log_choice").locator("input").first.click()
    page.get_by_role("option", name=re.compile(
        "Zadie Quill, Zeno Quillan · Covered each other's rounds in the snow")).wait_for()
    page.context.close()


def test_the_staff_list_pages_and_searches(large_app: RunningApp, browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    open_page(page, f"{large_app.url}/staff", who="Hana")
    page.get_by_text(re.compile(rf"^{STAFF + 2} people; showing 1–100\.$")).wait_for()
    fill(page, "staff_text", "quill")
    page.keyboard.press("Enter")
    settle(page)
    page.get_by_text(re.compile(r"^2 people\.$")).wait_for()
    page.context.close()


def test_a_record_renamed_by_a_save_can_be_saved_again(large_app: RunningApp,
                                                       browser: Any) -> None:
    """The box that chose the record keeps it after its text changes, so a second
    correction is saved too (the browser sends back the text it showed)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    open_page(page, f"{large_app.url}/staff", who="Hana")
    page.get_by_role("tab", name="Add or edit a person").click()
    settle(page)
    fill(page, "person_choice_find", "Carer 17")
    page.keyboard.press("Enter")
    settle(page)
    by_key(page, "person_choice").locator("input").first.click()
    page.get_by_role("option", name="Carer 17 (N17, Home visits)").click()
    settle(page)
    for name in ("Carer Seventeen", "Carer Seventeen Jones"):
        field = page.locator("[class*='st-key-person_'][class*='_name'] input").first
        field.fill(name)
        submit(page, "Save changes")
        page.get_by_text(f"Saved {name}.").wait_for()
        assert not page.get_by_text("Something went wrong").count()
    assert page.locator("[class*='st-key-person_'][class*='_name'] input").first.input_value() \
        == "Carer Seventeen Jones"

    page.goto(f"{large_app.url}/recognition")
    settle(page)
    page.get_by_role("tab", name="Log").click()
    settle(page)
    fill(page, "log_text", "Visit note 42")
    page.keyboard.press("Enter")
    settle(page)
    by_key(page, "log_choice").locator("input").first.click()
    page.get_by_role("option", name=re.compile("Visit note 42$")).click()
    settle(page)
    for text in ("Visit note 42, corrected", "Visit note 42, corrected twice"):
        by_key(page, "log_choice").wait_for()
        box = page.locator("[class*='st-key-rec_edit_'][class*='_what'] textarea").first
        box.fill(text)
        submit(page, "Save changes")
        page.get_by_text("Recognition updated.").first.wait_for()
    # The box still holds the record, under its new text.
    chosen = by_key(page, "log_choice").locator("input").first
    assert chosen.input_value().endswith("· Visit note 42, corrected twice")
    page.context.close()
