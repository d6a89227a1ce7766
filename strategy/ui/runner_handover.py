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
ignores that one as it does today. A full rerun that stops a running script
(``runner.fastReruns``) is unchanged: what the stopped run sent is meant to go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from streamlit.runtime.app_session import AppSession, AppSessionState

_LOGGER = logging.getLogger(__name__)

# What this relies on in Streamlit: checked by install() and by the tests, so that
# an upgrade that changes them is noticed rather than silently undoing the fix.
RELIES_ON = ("_create_scriptrunner", "_scriptrunner", "_event_loop", "_state")

_create_now: Callable[[AppSession, Any], None] | None = None


def create_after_handover(session: AppSession, rerun_data: Any) -> None:
    """Streamlit's ``AppSession._create_scriptrunner``, made to wait its turn when the
    current runner has finished but may still have messages on their way."""
    assert _create_now is not None, "install() first"
    finished = session._scriptrunner
    if finished is None:  # no runner, or a full rerun stopped it on purpose
        _create_now(session, rerun_data)
        return

    def create() -> None:
        if session._state == AppSessionState.SHUTDOWN_REQUESTED:
            return  # the browser went away meanwhile
        current = session._scriptrunner
        if current is None or current is finished:
            _create_now(session, rerun_data)
        elif not current.request_rerun(rerun_data):
            # Another request made a runner meanwhile, and it has finished too.
            create_after_handover(session, rerun_data)
        # else: that runner, still running, takes this rerun as any other

    session._event_loop.call_soon(create)


def install() -> bool:
    """Put :func:`create_after_handover` in place of Streamlit's; whether it is."""
    global _create_now
    if _create_now is not None:
        return True
    original = getattr(AppSession, "_create_scriptrunner", None)
    if original is None:
        _LOGGER.warning("Streamlit's AppSession has changed: the runner handover fix "
                        "is not installed (see strategy/ui/runner_handover.py)")
        return False
    _create_now = original
    AppSession._create_scriptrunner = create_after_handover  # type: ignore[method-assign,assignment]
    return True
