"""A finished run's last messages are sent before the next run starts
(strategy/ui/runner_handover.py), on Streamlit's own AppSession.

The race, as it happens in a full room: the event loop is handling a fragment's
refresh request while the messages of the run that just finished are still queued
behind it. Here the test's coroutine plays the request's handler: it queues the
finished runner's toast, as that runner's thread does, and then asks for the rerun."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock, patch

import pytest
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner import ScriptRunnerEvent

from strategy.ui import runner_handover

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def handover_installed() -> None:
    assert runner_handover.install()


def _session() -> AppSession:
    session = AppSession(script_data=ScriptData("/nowhere/app.py", is_hello=False),
                         uploaded_file_manager=MagicMock(), script_cache=MagicMock(),
                         message_enqueued_callback=None, user_info={})
    session.has_fragment = lambda fragment_id: True  # type: ignore[method-assign]
    return session


def _after_a_finished_run() -> tuple[AppSession, Any]:
    """A session whose runner has finished its run: it refuses to rerun."""
    session = _session()
    finished = MagicMock(name="finished runner")
    finished.request_rerun.return_value = False
    session._scriptrunner = finished
    return session, finished


async def _next_turns() -> None:
    """Let the event loop handle what is queued, and what that queues in turn."""
    for _ in range(3):
        await asyncio.sleep(0)


def _toast(body: str) -> ForwardMsg:
    message = ForwardMsg()
    message.delta.new_element.toast.body = body
    return message


def _toasts(session: AppSession) -> list[str]:
    return [m.delta.new_element.toast.body for m in session._browser_queue.flush()
            if m.WhichOneof("type") == "delta"
            and m.delta.new_element.WhichOneof("type") == "toast"]


@pytest.fixture
def new_runners() -> Iterator[list[Any]]:
    """Streamlit's ScriptRunner, replaced by stand-ins that record being made."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        runner = MagicMock(name=f"runner {len(made) + 1}")
        runner.made_for = kwargs["initial_rerun_data"]
        made.append(runner)
        return runner
    with patch("streamlit.runtime.app_session.ScriptRunner", side_effect=make):
        yield made


def _fragment_refresh() -> ClientState:
    state = ClientState()
    state.fragment_id = "wall"
    state.is_auto_rerun = True
    return state


def test_the_finished_runs_toast_reaches_the_browser(new_runners: list[Any]) -> None:
    async def race() -> tuple[list[str], Any]:
        session, finished = _after_a_finished_run()
        # The finished runner's thread queued its last message, the toast ...
        session._on_scriptrunner_event(finished, ScriptRunnerEvent.ENQUEUE_FORWARD_MSG,
                                       forward_msg=_toast("Added to the wall."))
        # ... and the event loop, behind, handles the browser's refresh first.
        session.request_rerun(_fragment_refresh())
        await _next_turns()
        return _toasts(session), session._scriptrunner

    toasts, runner = asyncio.run(race())
    assert toasts == ["Added to the wall."]  # Streamlit alone ignores it: []
    assert new_runners and runner is new_runners[-1]  # and the refresh does run
    assert len(new_runners) == 1


def test_a_refresh_while_a_run_is_under_way_is_taken_by_that_run(
        new_runners: list[Any]) -> None:
    async def running() -> AppSession:
        session = _session()
        busy = MagicMock(name="running runner")
        busy.request_rerun.return_value = True
        session._scriptrunner = busy
        session.request_rerun(_fragment_refresh())
        await asyncio.sleep(0)
        busy.request_rerun.assert_called_once()
        return session

    asyncio.run(running())
    assert new_runners == []


def test_a_whole_page_rerun_stops_the_run_and_starts_at_once(
        new_runners: list[Any]) -> None:
    async def whole_page() -> tuple[Any, Any]:
        session = _session()
        busy = MagicMock(name="running runner")
        session._scriptrunner = busy
        session.request_rerun(ClientState())  # no fragment: the whole page
        return busy, session._scriptrunner  # made in the same call, not later

    busy, runner = asyncio.run(whole_page())
    busy.request_stop.assert_called_once()
    assert new_runners == [runner]


def test_two_refreshes_in_the_gap_make_one_runner(new_runners: list[Any]) -> None:
    async def two() -> Any:
        session, _ = _after_a_finished_run()
        session.request_rerun(_fragment_refresh())
        session.request_rerun(_fragment_refresh())
        await _next_turns()
        return session._scriptrunner

    runner = asyncio.run(two())
    assert len(new_runners) == 1 and runner is new_runners[0]
    runner.request_rerun.assert_called_once()  # the second refresh joins the first's run


def _click_on(page: str) -> ClientState:
    state = ClientState()  # no fragment: the whole page, as a click or a page change
    state.page_name = page
    return state


def test_a_click_after_a_waiting_refresh_is_taken_after_it(new_runners: list[Any]) -> None:
    """Both come in one turn of the event loop: the refresh, which waits for the
    finished runner's messages, and then a click. The click must not be overridden
    by the older refresh: it is taken after it, as it came."""
    async def both() -> Any:
        session, _ = _after_a_finished_run()
        session.request_rerun(_fragment_refresh())
        session.request_rerun(_click_on("another page"))
        await _next_turns()
        return session._scriptrunner

    runner = asyncio.run(both())
    refresh, click = new_runners  # the refresh's runner first, then the click's
    assert refresh.made_for.fragment_id == "wall"
    refresh.request_stop.assert_called_once()  # a whole-page rerun stops the refresh
    assert runner is click and click.made_for.page_name == "another page"


def test_stop_pressed_while_a_refresh_waits_stops_it(new_runners: list[Any]) -> None:
    async def stopped() -> None:
        session, _ = _after_a_finished_run()
        session.request_rerun(_fragment_refresh())
        session.request_script_stop()
        await _next_turns()

    asyncio.run(stopped())
    (refresh,) = new_runners
    refresh.request_stop.assert_called_once()


def test_a_runner_that_cannot_start_is_said_in_the_browser() -> None:
    async def failing() -> list[BaseException]:
        session, _ = _after_a_finished_run()
        shown: list[BaseException] = []
        session.handle_backmsg_exception = shown.append  # type: ignore[method-assign,assignment]
        with patch("streamlit.runtime.app_session.ScriptRunner",
                   side_effect=RuntimeError("cannot start a thread")):
            session.request_rerun(_fragment_refresh())
            await _next_turns()
        return shown

    (shown,) = asyncio.run(failing())
    assert "cannot start a thread" in str(shown)


def test_no_runner_is_made_for_a_session_that_has_gone(new_runners: list[Any]) -> None:
    async def gone() -> None:
        session, _ = _after_a_finished_run()
        session.request_rerun(_fragment_refresh())
        session.shutdown()
        await _next_turns()

    asyncio.run(gone())
    assert new_runners == []


def test_what_the_fix_relies_on_is_still_there() -> None:
    async def made() -> AppSession:
        return _session()
    session = asyncio.run(made())
    for name in runner_handover.RELIES_ON:
        assert hasattr(session, name), name
    assert AppSession._create_scriptrunner is runner_handover.create_after_handover
    assert AppSession.request_rerun is runner_handover.rerun_in_turn
    assert AppSession.request_script_stop is runner_handover.stop_in_turn


def test_the_server_installs_it() -> None:
    # In a process of its own: this module's fixture has installed it here already.
    check = ("import strategy.ui.server\n"
             "from streamlit.runtime.app_session import AppSession\n"
             "from strategy.ui import runner_handover\n"
             "assert AppSession._create_scriptrunner is runner_handover.create_after_handover")
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True, timeout=120)
