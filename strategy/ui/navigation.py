"""Builds the app's navigation from the step registry and the permission table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from strategy.core import access
from strategy.core.access import Permission
from strategy.plan.steps import STEPS
from strategy.ui import sidebar

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def page_file(module: str) -> Path:
    return PAGES_DIR / f"{module}.py"


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the page's address
    module: str
    title: str
    section: str
    needs: Permission
    icon: str | None = None


def page_specs() -> list[PageSpec]:
    """Every page and what opening it needs: one list for navigation and tests."""
    specs = [PageSpec("overview", "overview", "Overview", "Plan", Permission.READ_PLAN,
                      ":material/dashboard:"),
             # Guests have no list: it is drawn from an account's staff record.
             PageSpec("for-you", "for_you", "For you", "Plan", Permission.READ_PLAN,
                      ":material/person_check:"),
             # Workshop guests open it too, to answer their workshop's round.
             PageSpec("self-check", "self_check", "Eleven-step self-check", "Plan",
                      Permission.SEE_SELF_CHECK, ":material/fact_check:"),
             # The workshop for the room: the facilitator opens it on the projector.
             PageSpec("projector", "projector", "Workshop projector", "Plan",
                      Permission.FACILITATE, ":material/cast:")]
    for s in STEPS:
        if s.page is not None:
            # Workshop guests see the vision page (its brainstorm wall) and nothing else.
            needs = Permission.VIEW_VISION if s.number == 3 else Permission.READ_PLAN
            specs.append(PageSpec(s.slug, s.page, f"{s.number}. {s.title}", "Strategy steps",
                                  needs))
        for c in s.companions:
            specs.append(PageSpec(c.slug, c.page, c.title, "Strategy steps",
                                  Permission.READ_PLAN, c.icon))
    specs += [
        PageSpec("staff", "people", "People and teams", "Settings", Permission.HR_RECORDS,
                 ":material/badge:"),
        PageSpec("organisations", "organisations", "Organisations", "Settings",
                 Permission.MANAGE_ORGANISATIONS, ":material/domain:"),
        PageSpec("accounts", "accounts", "Accounts and access", "Settings",
                 Permission.MANAGE_ACCOUNTS, ":material/manage_accounts:"),
    ]
    return specs


def may_open(spec: PageSpec, org_id: int | None) -> bool:
    return access.allowed(spec.needs, org_id)


def build() -> tuple[StreamlitPage, PageSpec]:
    """Register every page, show links to those the person may open.

    Every page is registered (hidden) so that one opened by its address without
    permission is answered with a plain refusal rather than a different page."""
    specs = page_specs()
    pages = {spec.key: st.Page(page_file(spec.module), title=spec.title, icon=spec.icon,
                               url_path=spec.key, default=spec.key == "overview")
             for spec in specs}
    sidebar.PAGES.update(pages)
    current = st.navigation(list(pages.values()), position="hidden")
    chosen = next(spec for spec in specs if pages[spec.key] is current)
    return current, chosen


def sidebar_links() -> None:
    org_id = st.session_state.get("org_id")
    section = None
    with st.sidebar:
        for spec in page_specs():
            if not may_open(spec, org_id):
                continue
            if spec.section != section:
                section = spec.section
                st.caption(section)
            st.page_link(sidebar.PAGES[spec.key], label=spec.title, icon=spec.icon)


def refuse(spec: PageSpec) -> None:
    st.title(spec.title)
    st.error(f"You do not have access to this page: your role does not allow you to "
             f"{spec.needs}.", icon=":material/lock:")
    identity = access.current()
    if identity.kind == "guest":
        st.page_link(sidebar.PAGES[next(s.key for s in page_specs()
                                        if s.needs is Permission.VIEW_VISION)],
                     label="Back to the workshop's brainstorm wall", icon=":material/forum:")
