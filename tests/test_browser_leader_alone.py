"""In Chromium: a new organisation's leader completes steps 1 to 4 alone.

The leader is no administrator and the organisation has nothing yet: no teams, no
staff records, no segments. Steps 1 to 4 need nobody else (the overview says so): the
leader adds the team that serves each segment from step 1 itself, then records needs
backed by evidence, writes the vision and the values, and sets and communicates a
standard. Each step then reads "Done", on its own page and on the overview, and no
page on the way shows an error or a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from strategy.core.access import Identity, Role, acting
from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.identity import accounts
from strategy.plan.steps import STEPS
from tests.browser import PASSWORD, by_key, fill, open_page, settle, submit, username
from tests.conftest import RunningApp, database_copy, serve

pytestmark = pytest.mark.browser

ORG = "Harbour Leisure Trust"
LEADER = "Lena Leader"
TITLES = {s.number: s.title for s in STEPS}
# Each segment with the team that serves it (added by the leader in step 1), its
# channels, and the quality its customers were asked about in step 2.
SEGMENTS = [
    ("Swimmers and gym members", "external", "Front of house", ["In person", "Web/chat"],
     "Friendliness", "survey"),
    ("Pool and gym staff", "internal", "Maintenance", ["Phone", "Email"],
     "Timeliness", "interview"),
]


@pytest.fixture(scope="module")
def leader_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A new organisation whose only member is its leader; nothing else in it."""
    path = tmp_path_factory.mktemp("leader") / "strategy.duckdb"
    con = open_database(path)
    with acting(Identity.shell("Test set-up")):
        org = create_organisation(con, ORG)
        account = accounts.create_account(con, username(LEADER), LEADER, PASSWORD)
        accounts.set_role(con, account.id, org.id, Role.LEADER)
    con.close()
    yield from serve(path)


# --- Acting as a person does ---------------------------------------------------------


def no_errors(page: Any, where: str) -> None:
    """Neither a traceback nor an error message on the page."""
    assert page.get_by_test_id("stException").count() == 0, f"{where}: an exception shows"
    errors = page.get_by_test_id("stAlertContentError")
    assert errors.count() == 0, f"{where}: {errors.all_inner_texts()}"


def done(page: Any, where: str) -> None:
    """Let the app finish what the last action started, then check it went without error."""
    settle(page)
    no_errors(page, where)


def go_to(page: Any, link: str) -> None:
    """Open a page from the sidebar's links."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=link, exact=True).click()
    done(page, link)


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    done(page, f"tab {name}")


def choose(page: Any, key: str, option: str, several: bool = False) -> None:
    """Pick ``option`` in the select box or multiselect with ``key``."""
    by_key(page, key).locator("input").first.click()
    page.get_by_role("option", name=option, exact=True).click()
    if several:  # a multiselect's list stays open for more choices
        page.keyboard.press("Escape")


def save(page: Any, button: str, confirmation: str) -> None:
    """Press a form's button and wait for the message that says it was saved."""
    submit(page, button)
    no_errors(page, button)
    page.get_by_text(confirmation, exact=False).first.wait_for()


BADGE = ".stMarkdownBadge"
# A badge's words, without its icon's name (the icon is a ligature: its name is text).
WORDS = "badge => badge.lastChild.textContent.trim()"


def step_status(page: Any, number: int) -> str:
    """The badge under the step page's title."""
    page.get_by_role("heading", name=f"Step {number} · {TITLES[number]}").wait_for()
    return str(page.get_by_test_id("stMain").locator(BADGE).first.evaluate(WORDS))


def overview_status(page: Any, number: int) -> str:
    """The badge beside the step in the overview's list of the eleven steps."""
    return str(by_key(page, f"overview_step_{number}").locator(BADGE).first.evaluate(WORDS))


# --- The steps -----------------------------------------------------------------------


def step_1_customers(page: Any) -> None:
    go_to(page, f"1. {TITLES[1]}")
    assert step_status(page, 1) == "Not started"
    for number, (segment, kind, team, channels, *_) in enumerate(SEGMENTS):
        # The team that serves the segment does not exist yet: the leader adds it here.
        page.get_by_role("button", name="Add a team").click()
        fill(page, f"segment_team_new_{number}_name", team)
        save(page, "Add team", f"Added the team {team}")
        fill(page, f"segment_new_{number}_name", segment)
        by_key(page, f"segment_new_{number}_kind").get_by_text(kind, exact=True).click()
        fill(page, f"segment_new_{number}_description", f"Who the {team} team serves.")
        choose(page, f"segment_new_{number}_teams", team, several=True)
        for channel in channels:
            choose(page, f"segment_new_{number}_channels", channel, several=True)
        save(page, "Add segment", f"Added the segment “{segment}”.")
        # Done once there are customers on both sides, each served and reached.
        assert step_status(page, 1) == ("Done" if number else "In progress")


def step_2_needs(page: Any) -> None:
    go_to(page, f"2. {TITLES[2]}")
    assert step_status(page, 2) == "Not started"
    for number, (segment, _, _, _, quality, evidence) in enumerate(SEGMENTS):
        choose(page, f"assessment_{number}_segment", segment)
        choose(page, f"assessment_{number}_quality", quality)
        choose(page, f"assessment_{number}_source", evidence)
        fill(page, f"assessment_{number}_notes", f"Asked twelve people ({evidence}).")
        save(page, "Save assessment", f"Saved: {segment} – {quality}.")
        assert step_status(page, 2) == ("Done" if number else "In progress")


VALUES = [("Welcome", "Everyone is greeted as a guest.",
           "Greet each visitor by name at the desk"),
          ("Safety", "Nobody gets hurt.", "Check the pool water every two hours")]


def step_3_vision(page: Any) -> None:
    go_to(page, f"3. {TITLES[3]}")
    assert step_status(page, 3) == "Not started"
    open_tab(page, "Vision and customer story")
    page.get_by_role("textbox", name="Vision statement").fill(
        "The friendliest, safest place in town to swim and keep fit.")
    page.get_by_role("textbox", name="The story a customer should tell afterwards").fill(
        "They knew my name at the desk, the water was warm and clean, and when the "
        "lockers jammed someone fixed it while I swam.")
    save(page, "Save vision", "Vision saved.")
    assert step_status(page, 3) == "In progress"  # no values yet
    open_tab(page, "Values and behaviours")
    for number, (value, meaning, behaviour) in enumerate(VALUES):
        fill(page, f"value_{number}_name", value)
        fill(page, f"value_{number}_description", meaning)
        save(page, "Add value", f"Added the value “{value}”.")
        choose(page, "behaviour_value", value)
        fill(page, f"behaviour_{number}_text", behaviour)
        save(page, "Add behaviour", "Behaviour added.")
    assert step_status(page, 3) == "Done"


def step_4_standards(page: Any) -> None:
    go_to(page, f"4. {TITLES[4]}")
    assert step_status(page, 4) == "Not started"
    title = "Answer the phone within three rings"
    fill(page, "standard_new_0_title", title)
    fill(page, "standard_new_0_description", "Pick up, say the centre's name and your own.")
    choose(page, "standard_new_0_channel", "Phone")
    choose(page, "standard_new_0_quality", "Timeliness")
    fill(page, "standard_new_0_measure", "Rings before the phone is answered")
    fill(page, "standard_new_0_target", "3")
    fill(page, "standard_new_0_unit", "rings")
    choose(page, "standard_new_0_direction", "Lower is better")
    # Customers are promised less than the team's own target: five rings, not three.
    fill(page, "standard_new_0_promise", "5")
    fill(page, "standard_new_0_promise_text", "We answer within five rings.")
    save(page, "Add standard", f"Added the standard “{title}”.")
    assert step_status(page, 4) == "In progress"  # not yet communicated

    open_tab(page, "Communication log")
    choose(page, "comm_0_standard", title)
    choose(page, "comm_0_method", "Team briefing")
    fill(page, "comm_0_note", "Monday briefing, all front-of-house staff.")
    save(page, "Record communication", "Communication recorded.")
    assert step_status(page, 4) == "Done"


def test_a_new_organisations_leader_completes_steps_1_to_4_alone(leader_app: RunningApp,
                                                                 browser: Any,
                                                                 tmp_path: Path) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    open_page(page, leader_app.url + "/", who=LEADER)
    no_errors(page, "Overview")
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert f"Signed in as {LEADER} · Leader" in sidebar
    page.get_by_role("heading", name=ORG).wait_for()  # the only organisation, chosen
    # A new organisation: the overview says up front that steps 1 to 4 need nobody else.
    page.get_by_text("Steps 1 to 4 and 11 need nobody else").wait_for()

    step_1_customers(page)
    step_2_needs(page)
    step_3_vision(page)
    step_4_standards(page)

    go_to(page, "Overview")
    for number in (1, 2, 3, 4):
        assert overview_status(page, number) == "Done", f"step {number} on the overview"
    assert overview_status(page, 5) == "Not started"
    steps_done = page.get_by_test_id("stMetric").filter(has_text="Steps done")
    assert steps_done.get_by_test_id("stMetricValue").inner_text().startswith("4 of ")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    # What the leader did is what was stored, under the leader's hand.
    con = database_copy(leader_app)
    teams = {row[0] for row in con.execute("SELECT name FROM team").fetchall()}
    served = con.execute(
        "SELECT s.name, s.kind, t.name, s.channels FROM segment s JOIN segment_team st ON "
        "st.segment_id = s.id JOIN team t ON t.id = st.team_id ORDER BY s.id").fetchall()
    assessed = con.execute("SELECT source, asked_on FROM assessment ORDER BY id").fetchall()
    standard = con.execute("SELECT target, unit, direction, promise FROM standard").fetchall()
    staff = con.execute("SELECT count(*) FROM employee").fetchone()
    con.close()
    assert teams == {"Front of house", "Maintenance"}
    assert served == [(s, k, t, c) for s, k, t, c, *_ in SEGMENTS]
    assert assessed == [(e, date.today()) for *_, e in SEGMENTS]
    assert standard == [(3.0, "rings", "lower", 5.0)]
    assert staff == (0,)
    page.context.close()
