"""In Chromium: a leader and four workshop guests rate the steps, each in their own session,
having been told first that figures show only from five answers; the figures show for all
five once the facilitator closes the round — never anyone's own ratings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from strategy.core.access import Identity, Role, acting
from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.identity import accounts
from tests.browser import PASSWORD, join_workshop, open_page, settle
from tests.conftest import RunningApp, serve

pytestmark = pytest.mark.browser

STEP_TITLES = ["1. Identify your customers", "2. Assess needs and wants",
               "3. Establish a service vision", "4. Set and communicate standards",
               "5. Make people accountable", "6. Show how service moves results",
               "7. Train for the behaviours", "8. Recruit and retain good people",
               "9. Reward and recognise", "10. Measure satisfaction regularly",
               "11. Review and modify the strategy"]


@pytest.fixture(scope="module")
def workshop_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    path = tmp_path_factory.mktemp("self_check") / "strategy.duckdb"
    con = open_database(path)
    with acting(Identity.shell("Test set-up")):
        org = create_organisation(con, "Harbour Hotels")
        for username, name in (("leo", "Leo Leader"), ("lia", "Lia Leader"),
                               ("lou", "Lou Leader")):
            account = accounts.create_account(con, username, name, PASSWORD)
            accounts.set_role(con, account.id, org.id, Role.LEADER)
    con.close()
    yield from serve(path)


def new_page(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()


def rate(page: Any, first: int, rest: int) -> None:
    """Rate step 1 as ``first`` and every other step as ``rest``, then save."""
    for index, title in enumerate(STEP_TITLES):
        rating = first if index == 0 else rest
        group = page.get_by_role("radiogroup", name=title)
        group.get_by_text(re.compile(rf"^{rating} ·")).click()
    page.get_by_role("button", name="Save my ratings").click()
    settle(page)
    page.get_by_text("Your ratings are saved (11 of 11 steps)").wait_for()


def markdown_with(page: Any, start: str) -> str:
    block = page.locator("[data-testid='stMarkdownContainer']", has_text=start).first
    return str(block.inner_text()).strip()


def taking_part(page: Any) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text="People taking part")
    return str(metric.get_by_test_id("stMetricValue").inner_text()).strip()


def test_a_leader_and_four_guests_answer_and_see_only_the_figures(
        workshop_app: RunningApp, browser: Any) -> None:
    app = workshop_app
    leader = new_page(browser)
    open_page(leader, app.url + "/vision", who="leo")
    leader.get_by_text("Workshop: let participants join by code").click()
    settle(leader)  # the expander opens before its button is pressed
    leader.get_by_role("button", name="Open a workshop").click()
    settle(leader)
    code = leader.locator(".st-key-workshop_panel h2").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", code), code

    # The facilitator opens a round for the workshop's guests.
    open_page(leader, app.url + "/self-check")
    leader.get_by_text("Open a self-check round").click()
    settle(leader)  # on a busy machine the expander may still be opening
    leader.get_by_label("Title (optional)").fill("Harbour workshop")
    assert leader.get_by_label(re.compile(r"Let the guests of the open workshop")).is_checked()
    leader.get_by_role("button", name="Open the round").click()
    settle(leader)
    leader.get_by_text("Open round:").wait_for()
    assert "open to the workshop's guests" in markdown_with(leader, "Open round:")

    guests = []
    for name in ("Gwen", "Gary", "Gill", "Greg"):
        page = new_page(browser)
        join_workshop(page, app.url, code, name)
        # The sidebar offers a guest the self-check beside the brainstorm wall.
        page.get_by_test_id("stSidebar").get_by_role(
            "link", name="Eleven-step self-check").click()
        page.wait_for_url(re.compile(r".*/self-check.*"))
        settle(page)
        assert page.get_by_role("tab").all_inner_texts() == ["Your ratings", "Results"]
        # Before rating, each is told that a smaller group would see no figures.
        page.get_by_text(re.compile(r"show only once at least 5 people have rated it")
                         ).wait_for()
        guests.append(page)
    gwen, gary, gill, greg = guests

    # Step 1: 1, 2, 3, 5 and 5 — average 3.2, spread √((4.84+1.44+0.04+3.24+3.24)/5) = 1.6.
    # Every other step: 3, 5, 4, 4 and 4 — average 4, spread √(2/5) = 0.63, shown as 0.6.
    rate(leader, 1, 3)
    rate(gwen, 2, 3)
    rate(gary, 3, 4)
    rate(gill, 5, 4)
    rate(greg, 5, 4)
    # Gwen changes her mind about the other steps: her answers are replaced, not added.
    assert gwen.get_by_role("radiogroup", name=STEP_TITLES[1]).get_by_role(
        "radio", name=re.compile(r"^3 ·")).is_checked()
    rate(gwen, 2, 5)

    open_page(leader, app.url + "/self-check")
    assert "5 people have answered so far" in markdown_with(leader, "answered so far")
    # Nobody sees figures while answers can still change.
    assert leader.get_by_test_id("stMetric").count() == 0
    leader.get_by_role("button", name="Close the round and show the figures").click()
    settle(leader)
    leader.get_by_text("Round closed: the figures are under Results.").wait_for()
    assert taking_part(leader) == "5"
    said = markdown_with(leader, "Start the discussion with")
    assert said == "Start the discussion with: 1. Identify your customers (spread 1.6)"

    for page in guests:
        page.reload()
        settle(page)
        page.get_by_role("tab", name="Results").click()
        settle(page)
        assert taking_part(page) == "5"
        assert markdown_with(page, "Start the discussion with").endswith("(spread 1.6)")
        html = page.content()
        # No one's ratings, nor who gave them: only the figures over all five.
        assert "account:" not in html and "guest:" not in html
        # (The facilitator who closed the round is named; who answered is not.)
        other = "Gary" if page is gwen else "Gwen"
        assert other not in html
        assert page.get_by_role("tab", name="All rounds").count() == 0

    # The leader sees the round among all rounds, kept with its date.
    leader.get_by_role("tab", name="All rounds").click()
    settle(leader)
    leader.get_by_text("Every round is kept").wait_for()
    for page in (leader, *guests):
        page.context.close()


def test_a_team_of_three_chooses_to_see_its_results(workshop_app: RunningApp,
                                                     browser: Any, tmp_path: Any) -> None:
    """Issue 21: the facilitator lowers the smallest group to 3 when opening the round;
    each is told so before rating; the results show how many gave each rating."""
    app = workshop_app
    leo = new_page(browser)
    open_page(leo, app.url + "/self-check", who="leo")
    leo.get_by_text("Open a self-check round").click()
    leo.get_by_label("Title (optional)").fill("Leadership team")
    leo.get_by_label("Smallest group that sees results", exact=True).fill("3")
    leo.get_by_role("button", name="Open the round").click()
    settle(leo)
    assert "the steps at least 3 people rated" in markdown_with(leo, "answered so far")
    others = []
    for who in ("lia", "lou"):
        page = new_page(browser)
        open_page(page, app.url + "/self-check", who=who)
        # Told before rating what a group of three gives away.
        page.get_by_text(re.compile(r"show only once at least 3 people have rated it")).wait_for()
        assert page.get_by_text(re.compile(r"In a group of 3, each person who rated can work "
                                           r"out what the other 2 gave")).count() == 1
        others.append(page)
    lia, lou = others
    # Step 1: 1, 3, 5; every other step: 4, 4, 5.
    rate(leo, 1, 4)
    rate(lia, 3, 4)
    rate(lou, 5, 5)
    open_page(leo, app.url + "/self-check")
    leo.get_by_role("button", name="Close the round and show the figures").click()
    settle(leo)
    leo.get_by_text("Round closed: the figures are under Results.").wait_for()
    assert taking_part(leo) == "3"
    leo.get_by_text("Figures for steps rated by at least 3 people").wait_for()
    # Figures for three (the table of how many gave each rating is drawn on a canvas:
    # tests/test_self_check.py checks its numbers; the screenshot was looked at).
    said = markdown_with(leo, "Start the discussion with")
    assert said == "Start the discussion with: 1. Identify your customers (spread 1.6)"
    assert leo.get_by_text("too few answers").count() == 0
    # The table comes with the figures, but may be drawn a moment after them.
    leo.get_by_test_id("stDataFrame").first.wait_for()
    assert leo.get_by_test_id("stDataFrame").count() == 1
    leo.screenshot(path=str(tmp_path / "self-check-three.png"), full_page=True)
    for page in (leo, lia, lou):
        page.context.close()
