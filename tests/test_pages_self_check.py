"""AppTest: the self-check page — rating, opening and closing rounds, the figures, who sees what."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from strategy.core import access
from strategy.core.access import Identity, Role
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.identity import sessions, workshops
from strategy.plan import self_check
from tests.identities import member, sign_in_app
from tests.test_pages import HOSTILE, click, errors, open_app, open_tab, plain, submit, successes

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

PAGE = "self_check"


FIVE = (1, 2, 3, 4, 5)  # the fewest answers that show a step's figures


def leader(org: Organisation, n: int) -> Identity:
    return member(f"Leader {n}", org.id, Role.LEADER, account_id=2000 + n)


def rate_in_app(at: AppTest, round_id: int, ratings: dict[int, int], generation: int = 0) -> None:
    for step, rating in ratings.items():
        at.radio(key=f"self_check_answer_{round_id}_{generation}_step_{step}").set_value(rating)
    submit(at, "Save my ratings")


def figures(at: AppTest) -> Any:
    (frame,) = [d.value for d in at.dataframe if "Spread" in d.value.columns]
    return frame.set_index("Step")


def texts(at: AppTest) -> str:
    return "\n".join(plain(str(e.value)).replace("**", "")
                     for kind in ("markdown", "caption", "info", "error")
                     for e in getattr(at, kind))


def test_a_leader_rates_the_steps_and_changes_them(con: Connection, org: Organisation,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10), "Spring")
    me = sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    assert [t.label for t in at.tabs] == ["Your ratings", "Results", "All rounds"]
    assert "0 people have answered so far" in texts(at)
    rate_in_app(at, held.id, {s: (s % 5) + 1 for s in range(1, 12)})
    assert any("Your ratings are saved (11 of 11 steps)" in s for s in successes(at))
    with access.acting(me):
        assert self_check.my_ratings(con, held.id) == {s: (s % 5) + 1 for s in range(1, 12)}
    # The form shows what was saved, and a change replaces it.
    assert at.radio(key=f"self_check_answer_{held.id}_1_step_1").value == 2
    assert "1 person has answered so far" in texts(at)
    rate_in_app(at, held.id, {1: 5}, generation=1)
    with access.acting(me):
        assert self_check.my_ratings(con, held.id)[1] == 5
    assert con.execute("SELECT count(*) FROM self_check_answer").fetchone() == (11,)


def test_a_facilitator_opens_a_round_and_closes_it_to_show_the_figures(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    earlier = self_check.open_round(con, org.id, date(2025, 12, 1), "Winter")
    for n in FIVE:
        with access.acting(leader(org, n)):
            self_check.answer(con, earlier.id, {1: 2})
    self_check.close_round(con, earlier.id)
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    at.text_input(key="self_check_open_0_title").input("Leadership, Q1")
    at.date_input(key="self_check_open_0_held_on").set_value(date(2026, 3, 10))
    submit(at, "Open the round")
    held = self_check.open_round_of(con, org.id)
    assert held is not None
    assert (held.title, held.held_on, held.is_open, held.workshop_id) == (
        "Leadership, Q1", date(2026, 3, 10), True, None)
    assert any("Round opened" in s for s in successes(at))
    # Five leaders rate: step 1 as 1, 2, 3, 5 and 5 (average 16/5 = 3.2, spread
    # √((4.84+1.44+0.04+3.24+3.24)/5) = √2.56 = 1.6); the rest 4.
    for n, first in zip(FIVE, (1, 2, 3, 5, 5), strict=True):
        with access.acting(leader(org, n)):
            self_check.answer(con, held.id, {1: first, **dict.fromkeys(range(2, 12), 4)})
    at.run()
    assert "5 people have answered so far" in texts(at)
    open_tab(at, "self_check_tab", "Results")
    assert at.selectbox(key="self_check_round").value == earlier.id  # the only closed one
    click(at, "self_check_close")
    assert not self_check.get_round(con, held.id).is_open
    # The page moves to the new round's figures.
    assert at.session_state["self_check_tab"] == "Results"
    assert at.selectbox(key="self_check_round").value == held.id
    shown = figures(at)
    one = shown.loc["1. Identify your customers"]
    assert (one["Average"], one["Spread"], one["n"]) == ("3.2", "1.6", "5")
    assert one["Plan status"] == "Not started"
    assert one["Change"] == "+1.2"  # the winter round averaged 2
    assert one["Note"] == "disagree, rated higher"
    two = shown.loc["2. Assess needs and wants"]
    assert (two["Average"], two["Spread"]) == ("4.0", "0.0")
    assert "Start the discussion with: 1. Identify your customers (spread 1.6)" in texts(at)
    assert [m.value for m in at.metric][:2] == ["5", "1"]
    assert at.get("vega_lite_chart")  # the chart is drawn
    assert "Figures for steps rated by at least 5 people; spread = population standard " \
        "deviation, to one decimal." in texts(at)
    assert "Thin line: lowest to highest rating. Orange" in texts(at)
    # Nothing on the page tells who answered what.
    assert "Leader 2" not in texts(at) and "account:" not in shown.to_string()


def test_figures_are_withheld_below_five_answers(con: Connection, org: Organisation,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    # Four leaders: 1, 2, 4, 5 on every step. Shown, the average 3 and spread 1.58 would tell
    # the one who said 1 that the others said 2, 4 and 5 — so nothing is shown.
    for n, rating in ((1, 1), (2, 2), (3, 4), (4, 5)):
        with access.acting(leader(org, n)):
            self_check.answer(con, held.id, dict.fromkeys(range(1, 12), rating))
    self_check.close_round(con, held.id)
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_tab(open_app(PAGE), "self_check_tab", "Results")
    assert "11 steps had fewer than 5 answers, too few answers to show without revealing " \
        "them: only their number is shown." in texts(at)
    shown = figures(at)
    assert set(shown["Average"]) == {"—"} and set(shown["Spread"]) == {"—"}
    assert set(shown["Change"]) == {"—"}
    assert set(shown["n"]) == {"4"}
    assert set(shown["Note"]) == {"too few answers to show without revealing them"}
    assert not at.get("vega_lite_chart")
    assert [m.value for m in at.metric][:2] == ["4", "0"]


def _group_box(at: AppTest) -> Any:
    (box,) = [n for n in at.number_input if n.label == "Smallest group that sees results"]
    return box


def test_the_rule_is_said_before_anyone_answers(con: Connection, org: Organisation,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Everyone learns before rating from how many answers the figures show."""
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    assert "Results show how many gave each rating, the average and the spread, for the " \
        "steps at least that many people rated; below it, only how many answered. " \
        "Everyone sees this number before they rate." in texts(at)
    assert _group_box(at).value == 5
    submit(at, "Open the round")
    held = self_check.open_round_of(con, org.id)
    assert held is not None and held.min_group == 5
    (notice,) = [i.value for i in at.info if "show only once" in i.value]
    assert notice == self_check.PRIVACY == self_check.privacy(5)
    assert notice.startswith("A step's results (how many gave each rating, the average, the "
                             "spread) show only once at least 5 people have rated it; below "
                             "that only the number of answers shows")
    assert "not who gave which" in notice and "read off" not in notice
    # The page's help says it too.
    assert self_check.PRIVACY in self_check.READING


def test_a_smaller_group_chosen_when_opening_is_said_before_anyone_answers(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    _group_box(at).set_value(3)
    submit(at, "Open the round")
    held = self_check.open_round_of(con, org.id)
    assert held is not None and held.min_group == 3
    (notice,) = [i.value for i in at.info if "show only once" in i.value]
    assert notice == self_check.privacy(3) and "In a group of 3" in notice
    assert any("the steps at least 3 people rated" in m for m in texts(at).splitlines())


def test_a_viewer_reads_the_figures_and_is_offered_no_form(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    for n in FIVE:
        with access.acting(leader(org, n)):
            self_check.answer(con, held.id, {1: 2})
    self_check.close_round(con, held.id)
    self_check.open_round(con, org.id, date(2026, 6, 10))
    sign_in_app(monkeypatch, member("Vera", org.id, Role.VIEWER, account_id=9))
    at = open_app(PAGE)
    assert [t.label for t in at.tabs] == ["Results", "All rounds"]
    assert not at.form and [b.key for b in at.button] == ["sign_out"]
    assert any("does not allow you to answer the eleven-step self-check" in i.value
               for i in at.info)
    open_tab(at, "self_check_tab", "Results")
    assert figures(at).loc["1. Identify your customers", "Average"] == "2.0"
    open_tab(at, "self_check_tab", "All rounds")
    (rounds,) = [d.value for d in at.dataframe if "Held on" in d.value.columns]
    assert len(rounds) == 2 and rounds["Closed"].iloc[0] == "open"


def test_a_guest_answers_their_workshop_s_round(con: Connection, org: Organisation,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    workshop = workshops.open_workshop(con, org.id)
    _, token = workshops.join(con, workshop.code, "Gwen", "test")
    guest = sessions.identity_for(con, token)
    assert guest is not None
    sign_in_app(monkeypatch, guest)
    leaders_only = self_check.open_round(con, org.id, date(2026, 3, 10))
    at = open_app(PAGE)
    assert [t.label for t in at.tabs] == ["Your ratings", "Results"]
    assert "No self-check round is open for your workshop" in texts(at)
    assert "There is no round for you to answer" in texts(at)
    self_check.close_round(con, leaders_only.id)

    ours = self_check.open_round(con, org.id, date(2026, 3, 11), workshop_id=workshop.id)
    at = open_app(PAGE)
    assert "open to the workshop's guests" in texts(at)
    rate_in_app(at, ours.id, {1: 4, 2: 3})
    assert con.execute("SELECT respondent, count(*) FROM self_check_answer GROUP BY ALL"
                       ).fetchall() == [(f"guest:{guest.guest_id}", 2)]
    # The leaders' earlier round is not theirs to see.
    open_tab(at, "self_check_tab", "Results")
    assert "No round has been closed yet" in texts(at)


def test_a_facilitator_opens_a_round_for_the_workshop_s_guests(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    workshop = workshops.open_workshop(con, org.id)
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    assert at.checkbox(key="self_check_open_0_guests").value is True
    submit(at, "Open the round")
    (held,) = self_check.list_rounds(con, org.id)
    assert held.workshop_id == workshop.id


def test_the_round_s_title_is_shown_as_typed(con: Connection, org: Organisation,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    self_check.open_round(con, org.id, date(2026, 3, 10), HOSTILE[:80])
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    (line,) = [m.value for m in at.markdown if "Open round" in m.value]
    assert HOSTILE[:80] in plain(line)
    assert "<b>" not in line and "](http" not in line


def test_a_save_after_the_round_closed_is_refused_in_words(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    held = self_check.open_round(con, org.id, date(2026, 3, 10))
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    self_check.close_round(con, held.id)  # by the facilitator, meanwhile
    rate_in_app(at, held.id, {1: 3})
    assert any("closed this round" in e for e in errors(at))
    assert con.execute("SELECT count(*) FROM self_check_answer").fetchone() == (0,)


@pytest.mark.demo
def test_the_demo_shows_last_quarter_s_figures(demo: Organisation,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member("Leo", demo.id, Role.LEADER, account_id=1))
    at = open_tab(open_app(PAGE), "self_check_tab", "Results")
    assert errors(at) == []
    shown = figures(at)
    assert len(shown) == 11 and "—" not in set(shown["Average"])
    assert "Start the discussion with: 9. Reward and recognise" in texts(at)


def test_the_previous_round_s_title_is_shown_as_typed(con: Connection, org: Organisation,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for held_on, title in ((date(2025, 12, 1), HOSTILE[:80]), (date(2026, 3, 10), "Spring")):
        held = self_check.open_round(con, org.id, held_on, title)
        for n in FIVE:
            with access.acting(leader(org, n)):
                self_check.answer(con, held.id, {1: 3})
        self_check.close_round(con, held.id)
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_tab(open_app(PAGE), "self_check_tab", "Results")
    (line,) = [c.value for c in at.caption if "Change: since the round of" in c.value]
    assert f"since the round of 2025-12-01 · {HOSTILE[:80]}." in plain(line)
    assert "<b>" not in line and "](http" not in line and "**strong" not in line


def test_two_untitled_rounds_on_the_same_day_are_told_apart(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[self_check.Round] = []
    for rating in (2, 4):
        one = self_check.open_round(con, org.id, date(2026, 3, 10))
        for n in FIVE:
            with access.acting(leader(org, n)):
                self_check.answer(con, one.id, {1: rating})
        held.append(self_check.close_round(con, one.id))
    first, second = held
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_tab(open_app(PAGE), "self_check_tab", "Results")
    box = at.selectbox(key="self_check_round")
    assert box.value == second.id
    assert figures(at).loc["1. Identify your customers", "Average"] == "4.0"
    # A box keeps its choice as the text shown: with two equal texts, choosing one opened
    # the other (the last with that text).
    assert len(set(box.options)) == 2
    for chosen, average in ((first, "2.0"), (second, "4.0"), (first, "2.0")):
        at.selectbox(key="self_check_round").set_value(chosen.id).run()
        assert not at.exception
        assert at.selectbox(key="self_check_round").value == chosen.id
        assert figures(at).loc["1. Identify your customers", "Average"] == average


def test_with_a_round_open_the_facilitator_is_told_why_there_is_no_open_button(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A leader come to open a workshop's round finds one open (the demo leaves one): the
    page says one is open at a time, and what closing it does, beside the close button."""
    self_check.open_round(con, org.id, date(2026, 3, 10), "Leaders")
    sign_in_app(monkeypatch, leader(org, 1))
    at = open_app(PAGE)
    assert not [b for b in at.button if b.label == "Open the round"]
    assert at.button(key="self_check_close").label == "Close the round and show the figures"
    said = texts(at)
    assert "One round is open at a time: to open another — for a workshop, say — close this " \
        "one first. Closing it makes its answers final and publishes its figures" in said
    assert "before the workshop" not in said
    assert "close the workshop" not in said  # not a workshop's round
    # A round open to a workshop's guests: close it before closing the workshop.
    with access.acting(leader(org, 1)):
        self_check.close_round(con, self_check.open_round_of(con, org.id).id)  # type: ignore[union-attr]
    workshop = workshops.open_workshop(con, org.id)
    self_check.open_round(con, org.id, date(2026, 3, 11), workshop_id=workshop.id)
    at = open_app(PAGE)
    assert "Close the round before you close the workshop, so that the guests see its " \
        "figures too." in texts(at)
    # Someone who cannot open or close rounds is not told how.
    sign_in_app(monkeypatch, member("Vera", org.id, Role.VIEWER, account_id=9))
    assert "One round is open at a time" not in texts(open_app(PAGE))
