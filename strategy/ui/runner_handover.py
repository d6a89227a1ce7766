"""A finished run's last messages reach the browser before the next run starts.

Streamlit (1.67) runs a session's script on a ScriptRunner thread, which hands each
message it draws to the server's event loop, and the event loop sends it. When a
fragment's refresh arrives after a run has finished but before the event loop has
handled that run's last messages, Streamlit makes a new ScriptRunner at once, and
then ignores what the finished one sent ("event from non-current ScriptRunner"): the
end of the run never reaches the browser. A toast is sent once, so it is lost.

In a busy room the event loop runs seconds behind, and this happened to a few of 600
answers at 200 guests: stored and on the wall, but their author never told "Added to
the wall" (bench/bench_workshop.py; a probe of the dropped events found each).

The fix: when a rerun finds the current runner finished, the new runner is made once
the event loop has handled what is already queued. The finished runner queued its
last messages before it could refuse the rerun, so they are handled, and sent, first.
Only the finished runner's own shutdown notice can still come later, and Streamlit
ignores that one as it does today. Whatever the browser asks meanwhile (a click, a
page change, Stop) waits behind that rerun and is then taken in the order it came, so
that an older refresh never overrides a newer click. A full rerun that stops a
running script (``runner.fastReruns``) is otherwise unchanged: what the stopped run
sent is meant to go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from streamlit.runtime.app_session import AppSession, AppSessionState

_LOGGER = logging.getLogger(__name__)

# What this relies on in Streamlit: checked by install() and by the tests, so that
# an upgrade that changes them is noticed rather than silently undoing the fix.
RELIES_ON = ("_create_scriptrunner", "request_rerun", "request_script_stop",
             "handle_backmsg_exception", "_call_soon_on_event_loop", "_scriptrunner",
             "_state")

_create_now: Callable[[AppSession, Any], None] | None = None
_rerun_now: Callable[[AppSession, Any], None] | None = None
_stop_now: Callable[[AppSession], None] | None = None

# A session's requests that came while its new runner waits to be made, in order.
_WAITING = "_handover_waiting"


def _waiting(session: AppSession) -> list[Callable[[], None]] | None:
    found: list[Callable[[], None]] | None = session.__dict__.get(_WAITING)
    return found


def create_after_handover(session: AppSession, rerun_data: Any) -> None:
    """Streamlit's ``AppSession._create_scriptrunner``, made to wait its turn when the
    current runner has finished but may still have messages on their way."""
    assert _create_now is not None, "install() first"
    finished = session._scriptrunner
    if finished is None:  # no runner, or a full rerun stopped it on purpose
        _create_now(session, rerun_data)
        return
    session.__dict__[_WAITING] = []

    def create() -> None:
        assert _create_now is not None
        waiting = _waiting(session) or []
        session.__dict__[_WAITING] = None
        if session._state != AppSessionState.SHUTDOWN_REQUESTED:
            try:
                _create_now(session, rerun_data)
            except Exception as exc:  # shown in the browser, as Streamlit does
                session.handle_backmsg_exception(exc)
        for request in waiting:  # what came meanwhile, in the order it came
            request()

    # Thread-safe (a file watcher may ask for a rerun), and behind what is queued.
    session._call_soon_on_event_loop(create)


def rerun_in_turn(session: AppSession, client_state: Any) -> None:
    """Streamlit's ``AppSession.request_rerun``, behind a rerun still waiting for its
    runner (see :func:`create_after_handover`)."""
    assert _rerun_now is not None, "install() first"
    waiting = _waiting(session)
    if waiting is not None:
        waiting.append(lambda: rerun_in_turn(session, client_state))
        return
    _rerun_now(session, client_state)


def stop_in_turn(session: AppSession) -> None:
    """Streamlit's ``AppSession.request_script_stop``, likewise in turn."""
    assert _stop_now is not None, "install() first"
    waiting = _waiting(session)
    if waiting is not None:
        waiting.append(lambda: stop_in_turn(session))
        return
    _stop_now(session)


def install() -> bool:
    """Put these in place of Streamlit's; whether they are."""
    global _create_now, _rerun_now, _stop_now
    if _create_now is not None:
        return True
    originals = [getattr(AppSession, name, None) for name in
                 ("_create_scriptrunner", "request_rerun", "request_script_stop",
                  "handle_backmsg_exception", "_call_soon_on_event_loop")]
    if any(original is None for original in originals):
        _LOGGER.warning("Streamlit's AppSession has changed: the runner handover fix "
                        "is not installed (see strategy/ui/runner_handover.py)")
        return False
    _create_now, _rerun_now, _stop_now = originals[:3]
    AppSession._create_scriptrunner = create_after_handover  # type: ignore[method-assign,assignment]
    AppSession.request_rerun = rerun_in_turn  # type: ignore[method-assign,assignment]
    AppSession.request_script_stop = stop_in_turn  # type: ignore[method-assign,assignment]
    return True
