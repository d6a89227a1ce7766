"""The wall's refreshes may share who is signed in (issue 21); its actions never do."""

from __future__ import annotations

from typing import Any

import pytest

from strategy.core.access import Identity, acting
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.service import vision
from tests.identities import member

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


def test_every_action_reads_who_is_signed_in_afresh(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh may have drawn the wall for a session that has since ended; pressing
    Add then checks the session itself, and nothing is written."""
    from strategy.ui import forms, session

    leader = member("Lee", org.id, "leader")
    reads: list[bool] = []

    def holder(shared: bool = False) -> Identity | None:
        reads.append(shared)
        return leader if shared else None  # the shared copy is a second old

    monkeypatch.setattr(session, "request_identity", holder)
    assert session.recheck in forms.before_action
    added: list[int] = []
    with acting(leader):  # as the refresh left it
        done = forms.attempt(lambda: added.append(vision.add_entry(con, org.id, "Kept informed")),
                             rerun=False)
    assert not done and added == [] and vision.list_entries(con, org.id) == []
    assert reads == [False]  # read afresh, not shared


def test_a_vote_is_checked_against_who_is_signed_in_when_it_is_cast(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A vote is cast in its button's callback, after the wall was drawn: the session
    and the permission are read when it runs, not when the card was drawn."""
    from tests.test_pages import open_app

    with acting(member("Ann", org.id, "leader")):
        entry = vision.add_entry(con, org.id, "Being kept informed")
    priya = member("Priya", org.id, "contributor")
    identity: list[Identity | None] = [priya]
    monkeypatch.setattr("strategy.ui.session.request_identity",
                        lambda shared=False: identity[0])
    at = open_app("step03_vision")
    vote = at.button(key=f"vote_{entry}")
    assert not vote.disabled
    # Her role changes to viewer while the card is on her screen; then she presses it.
    identity[0] = member("Priya", org.id, "viewer")
    vote.click().run()
    assert vision.list_entries(con, org.id)[0].voters == ()
    assert [e.value for e in at.error] == [
        "Your role in this organisation \\(Viewer\\) does not allow you to take part in the "
        "brainstorm wall\\. Ask an administrator if you need it\\."]
    # Her session ends (signed out elsewhere) while the card is on her screen: nothing.
    identity[0] = priya
    at.run()
    vote = at.button(key=f"vote_{entry}")
    identity[0] = None
    vote.click().run()
    assert vision.list_entries(con, org.id)[0].voters == ()
    # Signed in again with her role: the same press counts.
    identity[0] = priya
    at.run()
    at.button(key=f"vote_{entry}").click().run()
    assert vision.list_entries(con, org.id)[0].voters == ("Priya",)


def test_a_room_draws_its_walls_a_few_at_a_time(con: Connection, org: Organisation) -> None:
    """A refresh waits while LIVE_DRAWING others draw, then draws: the thread that
    sends every browser its wall keeps its share of the server (issue 21)."""
    import threading

    from strategy.ui import session
    from tests.test_pages import open_app

    with acting(member("Ann", org.id, "leader")):
        vision.add_entry(con, org.id, "Being kept informed")
    at = open_app("step03_vision")
    taken = [session._drawing.acquire(timeout=5) for _ in range(session.LIVE_DRAWING)]
    assert all(taken)  # as many walls as may draw at once are drawing elsewhere
    drawn = threading.Event()

    def refresh() -> None:
        at.run()
        drawn.set()

    waiting = threading.Thread(target=refresh)
    waiting.start()
    try:
        assert not drawn.wait(1.5)  # this one waits its turn
    finally:
        for _ in taken:
            session._drawing.release()
    assert drawn.wait(60)
    waiting.join()
    assert not at.exception, at.exception
    assert any("Being kept informed" in b.label for b in at.button)


def test_added_to_the_wall_is_said_even_when_a_refresh_interrupts_it(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh asked for while the run after an add is drawing stops that run at its
    first element, which may be the toast: the run that follows still says it."""
    import streamlit as st
    from streamlit.runtime.scriptrunner_utils.exceptions import RerunException
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    from tests.test_pages import open_app

    with acting(member("Ann", org.id, "leader")):
        vision.add_entry(con, org.id, "Being kept informed")
    at = open_app("step03_vision")
    real_toast = st.toast
    interrupted: list[str] = []

    def toast(body: str, **kwargs: Any) -> object:
        if not interrupted:  # the refresh's request arrives as the toast is sent
            interrupted.append(body)
            page = get_script_run_ctx().page_script_hash  # type: ignore[union-attr]
            raise RerunException(RerunData(page_script_hash=page))
        return real_toast(body, **kwargs)

    monkeypatch.setattr(st, "toast", toast)
    next(t for t in at.text_input if "brainstorm" in str(t.key)) \
        .input("Calls returned the same day")
    next(b for b in at.button if b.label == "Add to the wall").click().run()
    assert not at.exception, at.exception
    assert interrupted == ["Added to the wall."]
    assert [t.value for t in at.toast] == ["Added to the wall."]


def test_an_answer_added_as_the_room_grows_past_a_step_is_kept(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wall redraws the page when the room grows past a step of its refresh. An
    Add pressed in that very refresh is done first: a rerun asked for before the form
    drops the press (issue 21: 20 of 200 first answers lost while a room joined)."""
    from strategy.identity import workshops
    from tests.test_pages import open_app

    with acting(member("Ann", org.id, "leader")):
        workshops.open_workshop(con, org.id)
    counted = [0]

    def guests(con: Connection, workshop_id: int) -> int:
        counted[0] += 1  # the page reads it, then its wall: the room grows in between
        return 0 if counted[0] <= 3 else 200

    monkeypatch.setattr(workshops, "shared_guest_count", guests)
    at = open_app("step03_vision")
    assert counted[0] == 2
    next(t for t in at.text_input if "brainstorm" in str(t.key)).input("Calls returned")
    next(b for b in at.button if b.label == "Add to the wall").click().run()
    assert not at.exception, at.exception
    assert [e.text for e in vision.list_entries(con, org.id)] == ["Calls returned"]
    assert any("refreshed every 6 s" in c.value for c in at.caption)
