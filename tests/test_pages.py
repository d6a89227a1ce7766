"""Every page renders, and its main action writes what it should (widgets by key)."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from strategy.core import orgs
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.customers import needs, segments
from strategy.identity import workshops
from strategy.people import personnel
from strategy.plan.steps import STEPS
from strategy.service import standards, vision
from tests.identities import member, sign_in_app

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HOSTILE = "<b>bold</b> **strong** [link](http://evil.example) :red[x] $x$"


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page is not None:
        at.switch_page(f"strategy/ui/pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open a page's tab as a person clicks it (only the open tab's content is drawn)."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label == label)
    button.click().run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, column: str) -> Any:
    """The one table showing ``column`` (tables carry no key in AppTest)."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def plain(markdown: str) -> str:
    """What the person reads: the app escapes every Markdown character of user text."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("  \n", "\n").replace("\u2060", "")


def errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def successes(at: AppTest) -> list[str]:
    return [plain(s.value) for s in at.success]


@pytest.mark.parametrize("page", ["overview", "organisations", "people",
                                  *[s.page for s in STEPS if s.page],
                                  *[c.page for s in STEPS for c in s.companions]])
@pytest.mark.demo
def test_every_page_renders_the_demo(demo: Organisation, page: str) -> None:
    at = open_app(page)
    assert errors(at) == []
    assert at.title, page


@pytest.mark.demo
def test_overview_lists_all_eleven_steps_and_the_next(demo: Organisation) -> None:
    at = open_app()
    text = " ".join(m.value for m in at.markdown)
    for s in STEPS:
        if not s.available:
            assert f"{s.number}. {s.title}" in text
    assert any("Next:" in i.value and "step 2" in i.value for i in at.info)


def test_without_organisations_pages_point_to_settings(con: Connection) -> None:
    at = open_app("step01_customers")
    assert any("Create or choose an organisation" in i.value for i in at.info)


def test_create_an_organisation_and_switch_to_it(con: Connection, org: Organisation) -> None:
    at = open_app("organisations")
    assert at.selectbox(key="org_id").value == org.id
    at.text_input(key="org_new_0_name").input("Harbour Hotels")
    submit(at, "Create organisation")
    created = orgs.find_organisation(con, "Harbour Hotels")
    assert at.session_state["org_id"] == created.id
    assert at.selectbox(key="org_id").value == created.id
    assert any("Created" in s for s in successes(at))


def test_first_start_welcomes_and_offers_the_demo(con: Connection) -> None:
    at = open_app()
    assert [t.value for t in at.title] == ["Customer-service strategy planner"]
    submit(at, "Load the demo")
    (demo,) = orgs.list_organisations(con)
    assert at.selectbox(key="org_id").value == demo.id
    assert [t.value for t in at.title] == [demo.name.replace("(", "\\(").replace(")", "\\)")]


def test_duplicate_organisation_name_shows_message_and_writes_nothing(
        con: Connection, org: Organisation) -> None:
    at = open_app("organisations")
    at.text_input(key="org_new_0_name").input("acme services")
    submit(at, "Create organisation")
    assert any("already exists" in e for e in errors(at))
    assert len(orgs.list_organisations(con)) == 1


@pytest.mark.demo
def test_delete_needs_the_typed_name(con: Connection, demo: Organisation) -> None:
    at = open_app("organisations")
    assert not any("customer segments" in w.value for w in at.warning)  # asked for first
    at.toggle(key=f"org_delete_open_{demo.id}").set_value(True).run()
    warning = next(w.value for w in at.warning if "customer segments" in w.value)
    assert "12 customer segments" in warning and "1 vision statement," in warning
    assert "1 review," in warning and "survey responses" in warning  # one of each, or many
    at.text_input(key=f"org_delete_confirm_{demo.id}").input("wrong")
    submit(at, "Delete organisation")
    assert any("does not match" in e for e in errors(at))
    at.text_input(key=f"org_delete_confirm_{demo.id}").input(demo.name)
    submit(at, "Delete organisation")
    assert orgs.list_organisations(con) == []


def test_add_a_segment(con: Connection, org: Organisation) -> None:
    personnel.add_team(con, org.id, "Work planning")
    at = open_app("step01_customers")
    at.text_input(key="segment_new_0_name").input("Field crews")
    at.radio(key="segment_new_0_kind").set_value("internal")
    at.multiselect(key="segment_new_0_channels").set_value(["Phone", "Field"])
    at.multiselect(key="segment_new_0_teams").set_value(["Work planning"])
    submit(at, "Add segment")
    (segment,) = segments.list_segments(con, org.id)
    assert (segment.name, segment.kind, segment.channels, segment.serving_teams) == (
        "Field crews", "internal", ["Phone", "Field"], ["Work planning"])
    assert "Added the segment “Field crews”." in successes(at)


def test_segment_without_name_is_refused_beside_the_field(con: Connection,
                                                          org: Organisation) -> None:
    at = open_app("step01_customers")
    submit(at, "Add segment")
    assert errors(at) == ["The segment's name cannot be empty."]
    assert segments.list_segments(con, org.id) == []


def test_editing_a_segment_someone_else_saved_keeps_both(con: Connection,
                                                         org: Organisation) -> None:
    segment_id = segments.add_segment(con, org.id, segments.SegmentInput("Guests", "external"))
    at = open_tab(open_app("step01_customers"), "customers_tab", "Edit or delete")
    prefix = f"segment_edit_{segment_id}_0"
    # Someone else saves while this person is typing.
    other = segments.get_segment(con, org.id, segment_id)
    segments.update_segment(con, org.id, segment_id, other.version,
                             segments.SegmentInput("Guests", "external", "Theirs"))
    at.text_area(key=f"{prefix}_description").input("Mine")
    submit(at, "Save changes")
    assert any("Someone else saved this customer segment" in e for e in errors(at))
    assert segments.get_segment(con, org.id, segment_id).description == "Theirs"
    assert at.text_area(key=f"{prefix}_description").value == "Mine"


def test_a_segment_saved_on_step_2_is_not_someone_else_on_step_1(con: Connection,
                                                                  org: Organisation) -> None:
    """Issue 22, item 4: a person's own save elsewhere is not reported as a clash."""
    segment_id = segments.add_segment(con, org.id, segments.SegmentInput("Guests", "external"))
    at = open_tab(open_app("step01_customers"), "customers_tab", "Edit or delete")
    at.switch_page("strategy/ui/pages/step02_needs.py").run()
    at = open_tab(at, "needs_tab", "Expectations and choice")
    at.text_area(key=f"expect_{segment_id}_0_notes").input("They compare us with banks")
    submit(at, "Save")
    at.switch_page("strategy/ui/pages/step01_customers.py").run()
    at = open_tab(at, "customers_tab", "Edit or delete")
    assert not [i.value for i in at.info if "Someone else has saved" in i.value]
    at.text_area(key=f"segment_edit_{segment_id}_0_description").input("Hotel guests")
    submit(at, "Save changes")
    stored = segments.get_segment(con, org.id, segment_id)
    assert (stored.description, stored.expectation_notes) == (
        "Hotel guests", "They compare us with banks")


def test_hostile_text_is_shown_as_typed(con: Connection, org: Organisation) -> None:
    segments.add_segment(con, org.id, segments.SegmentInput(HOSTILE, "external"))
    at = open_app("step01_customers")
    (warning,) = [w.value for w in at.warning]
    # Every Markdown/HTML character arrives escaped, so the browser shows it literally.
    assert "\\<b\\>bold\\</b\\>" in warning
    assert "\\*\\*strong\\*\\*" in warning and "\\[link\\]" in warning
    assert "<b>" not in warning.replace("\\<b\\>", "")


def test_record_an_assessment(con: Connection, org: Organisation) -> None:
    segment_id = segments.add_segment(con, org.id, segments.SegmentInput("Guests", "external"))
    at = open_app("step02_needs")
    at.selectbox(key="assessment_0_segment").set_value(segment_id)
    at.selectbox(key="assessment_0_quality").set_value("Timeliness")
    at.slider(key="assessment_0_importance").set_value(5)
    at.slider(key="assessment_0_performance").set_value(2)
    at.selectbox(key="assessment_0_source").set_value("interview")
    at.text_area(key="assessment_0_notes").input("Eight guests at checkout")
    submit(at, "Save assessment")
    (saved,) = needs.list_assessments(con, org.id)
    assert (saved.quality, saved.importance, saved.performance, saved.source, saved.asked_on) \
        == ("Timeliness", 5, 2, "interview", date.today())
    assert table_with(at, "Rank").iloc[0]["Gap"] == 3


@pytest.mark.demo
def test_needs_page_flags_assumptions(con: Connection, demo: Organisation) -> None:
    at = open_app("step02_needs")
    assert any("Assumed, not asked" in w.value and "Regulator" in w.value for w in at.warning)
    assert any("Out of date" in w.value for w in at.warning)


def test_save_the_vision_and_a_value(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("step03_vision"), "vision_tab", "Vision and customer story")
    at.text_area(key=f"vision_{org.id}_0_statement").input("Service people rely on")
    at.text_area(key=f"vision_{org.id}_0_story").input("They rang me back when they said")
    submit(at, "Save vision")
    assert vision.get_vision(con, org.id).statement == "Service people rely on"
    open_tab(at, "vision_tab", "Values and behaviours")
    at.text_input(key="value_0_name").input("Own it")
    submit(at, "Add value")
    assert [v.name for v in vision.list_values(con, org.id)] == ["Own it"]


def test_brainstorm_entry_is_the_signed_in_persons(con: Connection, org: Organisation,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Priya", org.id, "contributor"))
    at = open_app("step03_vision")
    at.text_input(key="brainstorm_0_text").input(" ")
    submit(at, "Add to the wall")
    assert any("cannot be empty" in e for e in errors(at))
    assert vision.list_entries(con, org.id) == []
    at.text_input(key="brainstorm_0_text").input("Being listened to")
    submit(at, "Add to the wall")
    (entry,) = vision.list_entries(con, org.id)
    assert (entry.author, entry.text) == ("Priya", "Being listened to")
    cast = at.button(key=f"vote_{entry.id}")
    click(at, f"vote_{entry.id}")
    assert not at.exception
    assert vision.list_entries(con, org.id)[0].voters == ("Priya",)
    # The same click arriving again (a double tap, on the button as it was drawn)
    # meets a button that now takes the vote back: it does not undo the vote.
    cast.click().run()
    assert vision.list_entries(con, org.id)[0].voters == ("Priya",)
    # The card is its vote button: the answer, who gave it, the votes, and that this
    # person has voted.
    assert at.button(key=f"vote_{entry.id}_withdraw").label == \
        "Being listened to  \nPriya · 1 vote · Voted"
    time.sleep(0.5)  # a change of mind, a moment later, takes the vote back
    at.button(key=f"vote_{entry.id}_withdraw").click().run()
    assert vision.list_entries(con, org.id)[0].voters == ()
    assert at.button(key=f"vote_{entry.id}").label == \
        "Being listened to  \nPriya · 0 votes · Vote"


def test_the_wall_refreshes_less_often_in_a_larger_room(con: Connection,
                                                       org: Organisation) -> None:
    from strategy.ui.pages.step03_vision import refresh_seconds

    assert [refresh_seconds(n) for n in (0, 100, 101, 150, 151, 200, 260)] == \
        [2, 2, 3, 4, 5, 6, 9]
    workshop = workshops.open_workshop(con, org.id)
    con.execute("INSERT INTO workshop_guest (workshop_id, name) SELECT ?, 'Guest ' || n "
                "FROM range(120) r(n)", [workshop.id])
    vision.add_entry(con, org.id, "Being listened to")
    at = open_app("step03_vision")
    assert any("refreshed every 3 s" in c.value for c in at.caption)


def test_add_a_standard_and_flag_over_promising(con: Connection, org: Organisation) -> None:
    at = open_app("step04_standards")
    at.text_input(key="standard_new_0_title").input("Reply to emails within a day")
    at.selectbox(key="standard_new_0_channel").set_value("Email")
    at.selectbox(key="standard_new_0_quality").set_value("Timeliness")
    at.text_input(key="standard_new_0_measure").input("Time to first reply")
    at.number_input(key="standard_new_0_target").set_value(24)
    at.selectbox(key="standard_new_0_direction").set_value("lower")
    at.number_input(key="standard_new_0_promise").set_value(4)
    submit(at, "Add standard")
    assert errors(at) == ["A target needs a unit (for example rings, seconds, hours or %) so "
                          "people know what the number means."]
    assert standards.list_standards(con, org.id) == []
    at.text_input(key="standard_new_0_unit").input("hours")
    submit(at, "Add standard")
    (saved,) = standards.list_standards(con, org.id)
    assert (saved.target, saved.promise, saved.unit) == (24, 4, "hours")
    assert any("Over-promising" in w.value for w in at.warning)


def test_template_and_communication(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("step04_standards"), "standards_tab", "Template library")
    click(at, "template_add_0")
    (saved,) = standards.list_standards(con, org.id)
    assert saved.title == standards.templates()[0].title
    open_tab(at, "standards_tab", "Communication log")
    at.radio(key="comm_audience").set_value("external").run()
    at.selectbox(key="comm_0_method").set_value("Service charter")
    at.text_input(key="comm_0_note").input("Charter v2")
    submit(at, "Record communication")
    (logged,) = standards.list_communications(con, org.id)
    assert (logged.audience, logged.method, logged.note) == ("external", "Service charter",
                                                             "Charter v2")


def test_phrase_check_tab(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("step04_standards"), "standards_tab", "Phrase check")
    at.text_area(key="phrase_text").input("Unfortunately you will have to wait").run()
    table = table_with(at, "Say instead")
    assert list(table["Found"]) == ["Unfortunately", "you will have to"]


def test_unopenable_database_is_explained_in_the_app(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("my notes" * 500)
    monkeypatch.setenv("STRATEGY_DB", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    (message,) = errors(at)
    assert message.startswith(f"Cannot open the database file {bad}")
    assert "not a DuckDB database file" in message


def test_an_empty_value_reads_as_a_dash_not_none(con: Connection, org: Organisation) -> None:
    segments.add_segment(con, org.id, segments.SegmentInput(
        "Guests", "external", size=120, annual_value=None))
    segments.add_segment(con, org.id, segments.SegmentInput(
        "Agents", "external", size=None, annual_value=5000.0))
    at = open_app("step01_customers")
    table = table_with(at, "Annual value")
    assert sorted(table["Annual value"]) == ["5,000", "—"]
    assert sorted(table["Size"]) == ["120", "—"]
    assert "None" not in table.to_string()


@pytest.mark.demo
def test_the_overview_tells_written_standards_from_standards_met(con: Connection,
                                                                  demo: Organisation) -> None:
    """Issue 22, item 7: "needing attention" beside "below target" said nothing of how
    they differ."""
    at = open_app()
    metrics = {m.label: m for m in at.metric}
    assert "Standards needing attention" not in metrics
    writing = metrics["Standards to finish writing"]
    assert "step 4" in (writing.help or "") and "below target" in (writing.help or "")
    assert "Standards below target" in metrics


def test_the_first_behaviour_follows_the_first_value_without_a_reload(
        con: Connection, org: Organisation) -> None:
    """The value box was drawn empty before any value existed and stayed empty after
    the first was added, so "Add behaviour" said to add a value first."""
    from strategy.service import vision

    at = open_tab(open_app("step03_vision"), "vision_tab", "Values and behaviours")
    at.text_input(key="value_0_name").input("Ownership")
    submit(at, "Add value")
    at.text_input(key="behaviour_0_text").input("Calls back when promised")
    submit(at, "Add behaviour")
    assert errors(at) == []
    (value,) = vision.list_values(con, org.id)
    assert [text for _, text in value.behaviours] == ["Calls back when promised"]
