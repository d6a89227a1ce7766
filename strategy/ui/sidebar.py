"""The sidebar's choices: the organisation and the period a person works in.

Both are kept in the address (``?org=…&period=…``) so a reload or a shared link
keeps them. ``PAGES`` holds the app's pages by key, filled in by
``strategy.ui.navigation`` on every run, so pages can link to each other.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.orgs import Organisation, list_organisations
from strategy.core.periods import Quarter, quarter_choices
from strategy.core.safe_text import md
from strategy.identity import sessions
from strategy.ui.session import allowed, db, session_token

# The app's pages by key, filled in by ``strategy.ui.navigation`` on every run
# so that pages can link to each other.
PAGES: dict[str, Any] = {}


def select_org(org_id: int | None) -> None:
    """Make ``org_id`` the selected organisation from the next script run on.

    The sidebar's selectbox owns ``org_id`` once drawn, so a page asks for the
    change here and the sidebar applies it before drawing the selectbox again.
    """
    st.session_state["_next_org"] = org_id


def sidebar() -> None:
    con = db()
    identity = access.current()
    orgs = [o for o in list_organisations(con)
            if identity.is_administrator or o.id in identity.org_ids]
    if "_next_org" in st.session_state:
        st.session_state["org_id"] = st.session_state.pop("_next_org")
    with st.sidebar:
        if orgs:
            ids = [o.id for o in orgs]
            wanted = st.session_state.get("org_id") or _query_int("org")
            if wanted not in ids:
                wanted = ids[0]
            st.session_state["org_id"] = wanted
            names = {o.id: o.name for o in orgs}
            st.selectbox("Organisation", ids, key="org_id", format_func=names.__getitem__)
        else:
            st.session_state.pop("org_id", None)
            if identity.may(Permission.MANAGE_ORGANISATIONS):
                st.caption("No organisation yet: create one on the Organisations page.")
            else:
                st.caption("You are not a member of any organisation yet: ask an administrator "
                           "to give you a role.")

        choices = quarter_choices()
        wanted_period = st.session_state.get("period") or st.query_params.get("period")
        if wanted_period not in choices:
            wanted_period = str(Quarter.current())
        st.session_state["period"] = wanted_period
        st.selectbox("Period", choices, key="period",
                     help="The quarter your dated work belongs to.")
        role = identity.role_in(st.session_state.get("org_id"))
        st.caption(f"Signed in as **{md(identity.name)}**"
                   + (f" · {role.label}" if role else ""))
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            token = session_token()
            if token:
                sessions.end_session(con, token)
            st.rerun()
    # Keep the choices in the address so a reload or a shared link keeps them.
    params: dict[str, str] = {"period": st.session_state["period"]}
    if st.session_state.get("org_id"):
        params["org"] = str(st.session_state["org_id"])
    st.query_params.from_dict(params)


def _query_int(name: str) -> int | None:
    raw = st.query_params.get(name)
    return int(raw) if raw and raw.isdigit() else None


def current_org() -> Organisation | None:
    org_id = st.session_state.get("org_id")
    if not org_id:
        return None
    if not access.current().may(Permission.READ_PLAN, org_id) and \
            not access.current().may(Permission.VIEW_VISION, org_id):
        return None
    for org in list_organisations(db()):
        if org.id == org_id:
            return org
    return None


def require_org() -> Organisation:
    org = current_org()
    if org is None:
        if access.current().may(Permission.MANAGE_ORGANISATIONS):
            st.info("Create or choose an organisation first.")
            st.page_link(PAGES["organisations"], label="Go to Organisations",
                         icon=":material/domain:")
        else:
            st.info("You are not a member of any organisation yet: ask an administrator to "
                    "give you a role.")
        st.stop()
    return org


def period() -> Quarter:
    return Quarter.parse(st.session_state.get("period") or str(Quarter.current()))


def staff_first(why: str) -> None:
    """Say that this part waits for the staff records, and who keeps them.

    Whoever may open People and teams gets a link; anyone else is told who adds the
    staff, rather than a link to a page that would refuse them."""
    st.info(why, icon=":material/badge:")
    if allowed(Permission.HR_RECORDS):
        st.page_link(PAGES["staff"], label="Go to People and teams", icon=":material/badge:")
    else:
        st.caption("HR or an administrator adds the staff under People and teams, or "
                   "imports them from your HR system. Your role does not open that page.")
