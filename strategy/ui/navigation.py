"""Builds the app's navigation from the step registry."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from strategy.steps import STEPS

from . import context

PAGES_DIR = Path(__file__).resolve().parent / "pages"


def page_file(module: str) -> Path:
    return PAGES_DIR / f"{module}.py"


def build() -> StreamlitPage:
    # Pages are files (each ends by calling its render()) so that AppTest can
    # switch to them just as a person clicks through the navigation.
    home = st.Page(page_file("overview"), title="Overview", icon=":material/dashboard:",
                   url_path="overview", default=True)
    steps = [s for s in STEPS if s.page is not None]
    step_pages = [
        st.Page(page_file(s.page), title=f"{s.number}. {s.title}", url_path=s.slug)
        for s in steps if s.page is not None
    ]
    orgs = st.Page(page_file("organisations"), title="Organisations", icon=":material/domain:",
                   url_path="organisations")
    staff = st.Page(page_file("people"), title="People and teams", icon=":material/badge:",
                    url_path="staff")
    context.PAGES.update({"overview": home, "organisations": orgs, "staff": staff})
    context.PAGES.update({s.slug: page for s, page in zip(steps, step_pages, strict=True)})
    return st.navigation({"Plan": [home], "Strategy steps": step_pages, "Settings": [staff, orgs]},
                         expanded=True)
