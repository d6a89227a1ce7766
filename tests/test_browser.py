"""In Chromium, as people use the app: one person building a plan, and a workshop."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser import by_key, fill, open_page, settle, submit
from tests.conftest import RunningApp

pytestmark = pytest.mark.browser


def choose(page: Any, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with ``key``."""
    by_key(page, key).locator("input").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def go(page: Any, title: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("link", name=title).click()
    settle(page)


def test_build_a_plan_and_find_it_after_reloading(app_server: RunningApp, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    open_page(page, app_server.url)
    # An empty database: the overview welcomes the person and offers to start.
    page.get_by_role("heading", name="Customer-service strategy planner").wait_for()
    fill(page, "org_new_0_name", "Harbour Hotels")
    submit(page, "Create organisation")
    page.get_by_text("Created “Harbour Hotels”").wait_for()

    go(page, "1. Identify your customers")
    fill(page, "segment_new_0_name", "Hotel guests")
    by_key(page, "segment_new_0_channels").locator("input").first.click()
    page.get_by_role("option", name="Phone", exact=True).click()
    page.keyboard.press("Escape")
    submit(page, "Add segment")
    page.get_by_text("Added the segment “Hotel guests”.").wait_for()

    go(page, "2. Assess needs and wants")
    choose(page, "assessment_0_quality", "Timeliness")
    slider = by_key(page, "assessment_0_importance").get_by_role("slider")
    slider.focus()
    page.keyboard.press("ArrowRight")  # 4 -> 5
    choose(page, "assessment_0_source", "interview")
    submit(page, "Save assessment")
    page.get_by_text("Saved: Hotel guests – Timeliness.").wait_for()

    go(page, "4. Set and communicate standards")
    fill(page, "standard_new_0_title", "Answer the reception phone by the third ring")
    fill(page, "standard_new_0_measure", "Rings before answer")
    fill(page, "standard_new_0_target", "3")
    fill(page, "standard_new_0_unit", "rings")
    submit(page, "Add standard")
    page.get_by_text("Added the standard “Answer the reception phone").wait_for()

    page.reload()
    settle(page)
    # The organisation is kept in the address, so a reload shows the same plan.
    assert "org=" in page.url
    go(page, "Overview")
    page.get_by_role("heading", name="Harbour Hotels").wait_for()
    page.get_by_text(re.compile(r"Hotel guests\s*– Timeliness: gap 2 \(importance 5, "
                                r"performance 3\)")).wait_for()
    go(page, "1. Identify your customers")
    page.get_by_role("tab", name="Edit or delete").click()
    settle(page)
    assert by_key(page, "segment_edit_choice").locator("input").first.input_value() \
        == "Hotel guests"
    go(page, "4. Set and communicate standards")
    page.get_by_role("tab", name="Edit or delete").click()
    settle(page)
    assert by_key(page, "standard_edit_choice").locator("input").first.input_value() \
        == "Answer the reception phone by the third ring"
    context.close()


def participant(browser: Any, app: RunningApp, name: str, path: str) -> Any:
    """A workshop participant's own browser, on the first organisation."""
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    page = context.new_page()
    open_page(page, f"{app.url}/", who=name)
    if page.get_by_role("heading", name="Customer-service strategy planner").count():
        fill(page, "org_new_0_name", "Workshop Org")
        submit(page, "Create organisation")
    open_page(page, f"{app.url}/{path}", who=name)
    return page


def test_workshop_participants_see_each_others_brainstorm_entries(
        app_server: RunningApp, browser: Any) -> None:
    pages = [participant(browser, app_server, name, "vision") for name in ("Priya", "Tom")]
    priya, tom = pages

    fill(priya, "brainstorm_0_text", "Being told before the water goes off")
    submit(priya, "Add to the wall")
    fill(tom, "brainstorm_0_text", "Someone who owns my problem")
    submit(tom, "Add to the wall")

    # Neither reloads: the wall refreshes itself every few seconds.
    tom.get_by_text("Being told before the water goes off").wait_for(timeout=15_000)
    priya.get_by_text("Someone who owns my problem").wait_for(timeout=15_000)
    priya.get_by_text("Tom · 0 votes").wait_for()

    # Priya votes for Tom's answer; Tom sees the vote arrive.
    priya_entry = priya.locator("[class*='st-key-vote_']", has_text="owns my problem")
    priya_entry.get_by_role("button", name="Vote").click()
    settle(priya)
    tom.get_by_text("Tom · 1 vote ·").wait_for(timeout=15_000)
    for page in pages:
        page.context.close()


def test_two_people_saving_the_vision_lose_nothing(app_server: RunningApp,
                                                   browser: Any) -> None:
    ana, ben = (participant(browser, app_server, name, "vision") for name in ("Ana", "Ben"))
    for page in (ana, ben):
        page.get_by_role("tab", name="Vision and customer story").click()
        settle(page)
    ana_box = ana.get_by_role("textbox", name="Vision statement")
    ben_box = ben.get_by_role("textbox", name="Vision statement")
    ana_box.fill("Service our customers can rely on, every time.")
    ben_box.fill("We own every customer's problem until it is solved.")
    submit(ana, "Save vision")
    ana.get_by_text("Vision saved.").wait_for()
    submit(ben, "Save vision")
    # Ben is told, and what he typed is still there; Ana's vision was not overwritten.
    ben.get_by_text(re.compile("Someone else saved the vision while you were editing")).wait_for()
    assert ben_box.input_value() == "We own every customer's problem until it is solved."
    ben.get_by_role("button", name="Load the latest version").click()
    settle(ben)
    ben.get_by_role("tab", name="Vision and customer story").click()
    settle(ben)
    assert ben.get_by_role("textbox", name="Vision statement").input_value() == \
        "Service our customers can rely on, every time."
    for page in (ana, ben):
        page.context.close()
