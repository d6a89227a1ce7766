"""This browser's session: the database cursor for a run, who is signed in, and
what their role lets them do.

Who is signed in is read again from the cookie on every run, and actions that
run later (a download's builder, a fragment's rerun) act as the person signed in
when they run.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import duckdb
import streamlit as st

from strategy.core import access
from strategy.core import db as storage
from strategy.core.access import AccessDenied, Identity, Permission
from strategy.core.errors import StorageError
from strategy.core.safe_text import md
from strategy.identity import sessions, sso
from strategy.people.personnel import list_teams
from strategy.ui import forms
from strategy.ui.forms import guard


def db() -> storage.Connection:
    """A cursor for this script run (or fragment run) on the shared connection.

    One connection for the whole server (the sign-in checks use it too); each run
    takes its own cursor, because a DuckDB connection must not be used from two
    threads at once."""
    try:
        return storage.shared_connection().cursor()
    except StorageError as exc:
        st.error(md(exc.message), icon=":material/database:")
        st.stop()
    except duckdb.FatalException:
        # A fatal error invalidates the whole database instance: reopen next run.
        storage.forget_shared()
        st.error("The database stopped working and will be reopened. Please reload the page.")
        st.stop()
    raise AssertionError("unreachable")


def request_identity(shared: bool = False) -> Identity | None:
    """The person this browser signed in as, checked again on every run.

    The server refuses a browser without a session before the app runs; checking
    here as well means a session ended meanwhile (signed out in another tab, an
    account disabled, a workshop closed) ends at the person's next action."""
    raw = st.context.cookies.get(sessions.COOKIE_NAME)
    if not raw:
        return None
    token = sessions.unsign(sessions.signing_secret(storage.database_path()), raw,
                            sessions.session_hours() * 3600)
    if token is None:
        return None
    if shared:  # a live refresh: see sessions.shared_identity_for
        return sessions.shared_identity_for(db(), token)
    return sessions.identity_for(db(), token)


def session_token() -> str | None:
    raw = st.context.cookies.get(sessions.COOKIE_NAME)
    if not raw:
        return None
    return sessions.unsign(sessions.signing_secret(storage.database_path()), raw,
                           sessions.session_hours() * 3600)


def sign_in_gate(shared: bool = False) -> Identity:
    """The signed-in person, made the one acting for this run; or stop the page.

    ``shared``: a live refresh, which may read who holds the session as another
    refresh read it up to a second ago; every action checks afresh
    (:func:`recheck`, run by ``forms.attempt``)."""
    identity = request_identity(shared)
    access.set_current(identity)
    if identity is None:
        token = session_token()
        if token and sessions.was_guest(db(), token):
            st.title("The workshop has ended")
            st.write("Thank you for taking part: what you added stays on the wall. To join "
                     "another workshop, use its code.")
            st.link_button("Join a workshop", "/join")
        else:
            st.title("You are signed out")
            st.write("Your session has ended: you signed out, or it expired.")
            if token and sso.configured() and sessions.single_sign_on_ended(db(), token):
                label = sso.provider_label()
                st.write(f"You are still signed in to {md(label)} in this browser, so "
                         f"“Sign in with {md(label)}” would let anyone at this computer "
                         "straight back in. On a shared computer, sign out there too.")
                st.link_button(f"Sign out of {label} too", "/signout/provider",
                               type="primary")
                st.link_button("Sign in again", "/signin")
            else:
                st.link_button("Sign in again", "/signin", type="primary")
        st.stop()
    assert identity is not None
    return identity


# How many live refreshes draw at once in this process; the others wait their turn.
# Streamlit sends what every session draws from one thread, which needs Python's lock
# like the threads that draw. A room of 200 guests had a hundred refreshes drawing at
# once, so that thread got a sliver of the lock: walls went 20-40 s without reaching
# their browsers while their next refreshes were drawn and thrown away
# (bench/bench_workshop.py, "quiet"). Two at a time keeps both cores busy (a query lets
# go of the lock) and leaves the sending thread its share.
LIVE_DRAWING = 2
_drawing = threading.BoundedSemaphore(LIVE_DRAWING)


def live_fragment(run_every: float) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A fragment that refreshes on its own, every ``run_every`` seconds.

    Its reruns happen without the rest of the page: each checks again who is signed
    in (a workshop closed meanwhile ends here), and a failure is a message, never
    a traceback. At most LIVE_DRAWING of them draw at once."""
    def wrap(draw: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(draw)
        def body(*args: Any, **kwargs: Any) -> None:
            with _drawing, guard():
                sign_in_gate(shared=True)
                draw(*args, **kwargs)
        return st.fragment(run_every=run_every)(body)
    return wrap


def recheck() -> None:
    """Who is signed in, read afresh before an action: a refresh may have read it
    shared (see :func:`sign_in_gate`), an action never does."""
    identity = request_identity()
    access.set_current(identity)
    if identity is None:
        raise AccessDenied("Your session has ended: sign in again (or join the workshop "
                           "again) to carry on.")


forms.before_action.append(recheck)


def me() -> Identity:
    return access.current()


def as_me(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download's builder that acts as the person who pressed the button, as they
    are when it runs (see :func:`deferred`)."""
    return deferred(build, session_token())


def deferred(build: Callable[[], bytes], token: str | None,
             con: storage.Connection | None = None) -> Callable[[], bytes]:
    """``build``, to be run later — by Streamlit, when a download button is pressed,
    on a worker thread of its own where nobody is signed in.

    Who is acting is read again from the session when it runs, not carried over
    from when the page was drawn: an account demoted, disabled or signed out in
    the meantime is refused (its permission checks see its roles of now), and
    nothing is built."""
    fallback = None if token else request_identity  # no cookie: tests draw pages so

    def run() -> bytes:
        cursor = con if con is not None else storage.shared_connection().cursor()
        identity = sessions.identity_for(cursor, token) if token else \
            (fallback() if fallback is not None else None)
        if identity is None:
            raise AccessDenied("You have been signed out since this page was shown: sign in "
                               "again to download.")
        with access.acting(identity):
            return build()
    return run


def allowed(permission: Permission) -> bool:
    """Whether the person acting may do this in the organisation chosen in the sidebar."""
    return access.allowed(permission, st.session_state.get("org_id"))


def recordable_teams(con: storage.Connection, org_id: int) -> dict[int, str] | None:
    """The teams this person may record observations and training for, by id.

    Every team (leaders, HR, administrators), a contributor's own team, no team (a
    contributor without one), or None when the role records nothing. The domain checks
    the same rule (``access.require_team``); this keeps the pickers to what will be
    accepted."""
    teams = {t.id: t.name for t in list_teams(con, org_id)}
    if allowed(Permission.RECORD_ANY_TEAM):
        return teams
    if not allowed(Permission.RECORD_OWN_TEAM):
        return None
    own = me().team_in(org_id)
    return {own: teams[own]} if own in teams else {}


def no_team(what: str) -> None:
    st.warning(f"You may record {what} for your own team only, and no team is set for you: "
               "ask an administrator to set your team.", icon=":material/group_off:")


def refused(permission: Permission, what: str) -> None:
    """Say plainly why a section is not shown (instead of leaving a gap)."""
    role = access.current().role_in(st.session_state.get("org_id"))
    label = role.label if role else "no role"
    st.info(f"{what} is not shown: your role ({label}) does not allow you to {permission}.",
            icon=":material/lock:")
