"""In Chromium: a compliment that names two members of staff is recorded, and one click
makes it a recognition from a customer that step 9's log shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from strategy.core import access
from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.customers.segments import SegmentInput, add_segment
from strategy.people import personnel
from strategy.service import vision
from tests.browser import by_key, fill, open_page, settle, submit
from tests.conftest import RunningApp, serve

pytestmark = pytest.mark.browser
WORDS = "Ben and Cleo stayed until the water was back on. Thank you both!"


@pytest.fixture(scope="module")
def feedback_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    path = tmp_path_factory.mktemp("complaints") / "strategy.duckdb"
    con = open_database(path)
    with access.acting(access.Identity.shell("Loader")):
        org = create_organisation(con, "Riverside Water")
        team = personnel.add_team(con, org.id, "Field operations")
        for number, name in (("E1", "Amara Okafor"), ("E2", "Ben Hall"), ("E3", "Cleo Diaz")):
            personnel.add_employee(con, org.id, personnel.EmployeeInput(number, name, team,
                                                                        date(2021, 4, 1)))
        add_segment(con, org.id, SegmentInput("Households", "external"))
        vision.add_value(con, org.id, "Own it")
    con.close()
    yield from serve(path)


def _choose(page: Any, key: str, option: str, several: bool = False) -> None:
    by_key(page, key).locator("input").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)
    if several:  # a multiselect stays open for the next choice
        page.keyboard.press("Escape")


def test_a_compliment_naming_two_people_becomes_a_recognition(feedback_app: RunningApp,
                                                              browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    open_page(page, f"{feedback_app.url}/complaints", who="Hana")
    page.get_by_text("no personal data about customers").wait_for()
    by_key(page, "feedback_new_kind").get_by_text("Compliment").click()
    settle(page)
    _choose(page, "feedback_new_0_staff", "Ben Hall (E2, Field operations)", several=True)
    _choose(page, "feedback_new_0_staff", "Cleo Diaz (E3, Field operations)", several=True)
    _choose(page, "feedback_new_0_segment", "Households")
    fill(page, "feedback_new_0_what", WORDS)
    submit(page, "Record compliment")
    page.get_by_text("Compliment recorded.").wait_for()

    page.get_by_role("tab", name="Open and overdue").click()
    settle(page)
    page.get_by_text("1 compliment naming staff, not yet recorded as recognition").wait_for()
    # The label ends with the record's number, which makes each one unique.
    by_key(page, "unrecognised_choice").locator("input").first.click()
    page.get_by_role("option", name=re.compile(re.escape(
        f"{date.today()} · Compliment · Ben Hall, Cleo Diaz · {WORDS[:50]} · #"))).click()
    settle(page)
    page.get_by_text("Recognise Ben Hall, Cleo Diaz for this compliment").wait_for()
    # The form's keys carry the record's id: find the value box by the start of its key.
    page.locator("[class*='st-key-recognise_value_'] input").first.click()
    page.get_by_role("option", name="Own it", exact=True).click()
    settle(page)
    # (Its icon's name is part of the button's accessible name.)
    page.get_by_role("button", name=re.compile("Record as recognition from a customer")).click()
    settle(page)
    page.get_by_text("Recognition from a customer recorded for Ben Hall, Cleo Diaz.").wait_for()
    # The tab stays where the person was, and the compliment has left the waiting list.
    assert page.get_by_role("tab", name="Open and overdue", selected=True).count() == 1
    assert page.get_by_text("naming staff, not yet recorded as recognition").count() == 0

    page.goto(f"{feedback_app.url}/recognition")
    settle(page)
    page.get_by_role("tab", name="Log").click()
    settle(page)
    by_key(page, "log_choice").locator("input").first.click()
    page.get_by_role("option", name=f"{date.today()} · Ben Hall, Cleo Diaz · {WORDS[:50]}",
                     exact=True).wait_for()
    page.context.close()



FRESHDESK = ("Ticket ID,Subject,Description,Status,Priority,Source,Type,Agent,Group,"
             "Created time,Due by Time,Resolved time,Closed time\n")


def _freshdesk(first: int) -> str:
    return FRESHDESK + "".join([
        f"{first},Wrong bill,Billed twice,Resolved,Medium,Email,Complaint,Amara Okafor,"
        "Billing,2026-04-02 10:00:00,,2026-04-03 15:30:00,\n",
        f"{first + 1},Kind words,Ben was patient,Closed,Low,Feedback Widget,Compliment,,,"
        "2026-04-03 12:00:00,,,2026-04-03 12:30:00\n",
        f"{first + 2},Tariffs,Which tariff?,Open,Low,Portal,Question,Ben Hall,,"
        "2026-04-06 08:00:00,,,\n"])


def test_a_help_desk_export_mapped_once_imports_next_month_in_one_step(
        feedback_app: RunningApp, browser: Any, tmp_path: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 2400}).new_page()
    open_page(page, f"{feedback_app.url}/complaints", who="Hana")
    page.get_by_role("tab", name="Import").click()
    settle(page)
    march = tmp_path / "tickets-march.csv"
    march.write_text(_freshdesk(201), encoding="utf-8")
    by_key(page, "complaints_import_file_0").locator("input[type='file']").set_input_files(
        str(march))
    settle(page)
    page.get_by_text("Read as a Freshdesk ticket export.", exact=True).wait_for()
    page.get_by_text("1 of 3 rows need fixing").wait_for()
    # Say once what the help desk's "Question" type means, and keep it.
    question = page.get_by_test_id("stSelectbox").filter(has_text="Question (1)")
    question.locator("input").first.click()
    page.get_by_role("option", name="leave out", exact=True).click()
    settle(page)
    page.get_by_text("1 row will be left out").wait_for()
    page.get_by_text(re.compile("^Save these choices for the next file from Freshdesk")).click()
    settle(page)
    page.get_by_role("button", name=re.compile(r"^Import 2 rows \(2 new")).click()
    settle(page)
    page.get_by_text(re.compile(r"Imported tickets-march\.csv\..*2 added.*1 left out")).wait_for()
    page.get_by_text(re.compile("are saved for the next file from Freshdesk")).wait_for()

    # Next month's export: recognised, read with the saved choices, one click.
    april = tmp_path / "tickets-april.csv"
    april.write_text(_freshdesk(301), encoding="utf-8")
    by_key(page, "complaints_import_file_1").locator("input[type='file']").set_input_files(
        str(april))
    settle(page)
    page.get_by_text(re.compile("^Using the choices saved by Hana")).wait_for()
    page.get_by_text("All 2 rows are ready to import.").wait_for()
    page.screenshot(path=str(tmp_path / "import-saved-mapping.png"), full_page=True)
    page.get_by_role("button", name=re.compile(r"^Import 2 rows \(2 new")).click()
    settle(page)
    page.get_by_text(re.compile(r"Imported tickets-april\.csv\..*saved choices.*2 added")
                     ).wait_for()
    page.context.close()
