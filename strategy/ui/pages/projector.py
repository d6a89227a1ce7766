"""The workshop on the projector: the wall in large type for the room, the join code
in a corner, the brainstorm's countdown, then the answers adopted and the self-check's
results. Read from the back of the room; nothing to click but the view.

The facilitator opens it from the workshop panel on step 3's page (it opens in a new
tab: drag that to the projector and press F11)."""

from __future__ import annotations

import streamlit as st

from strategy.core.db import Connection, database_now
from strategy.core.safe_text import md
from strategy.core.wording import minutes_seconds
from strategy.identity import workshops
from strategy.plan import self_check
from strategy.service import vision
from strategy.ui import charts, session, sidebar, widgets
from strategy.ui.pages.step03_vision import REFRESH_SECONDS

VIEWS = ("Wall", "Adopted answers", "Self-check results")
TOP = 9  # the most-voted answers, three rows of three: readable from the back
JUST_ADDED = 3
ROW_PX = 52  # the self-check chart's rows, larger than on the page

# The room sees the content and nothing else: no sidebar, no toolbar, large type. Our
# own fixed styles (no text from anyone), scoped to this page's keyed containers.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding-top: 1.2rem !important; max-width: 100% !important; }
[class*="st-key-projector_card_"] p {
  font-size: 2.1rem; line-height: 1.25; font-weight: 600; }
[class*="st-key-projector_card_"] [data-testid="stCaptionContainer"] p {
  font-size: 1.3rem; font-weight: 400; }
[class*="st-key-projector_new_"] p { font-size: 1.6rem; line-height: 1.25; }
[class*="st-key-projector_new_"] [data-testid="stCaptionContainer"] p { font-size: 1.1rem; }
[class*="st-key-projector_adopted_"] p {
  font-size: 2.4rem; line-height: 1.3; font-weight: 600; }
.st-key-projector_code h2 { font-size: 3.4rem; letter-spacing: 0.3rem; }
.st-key-projector_code h2 code { font-size: inherit; }
.st-key-projector_code p { font-size: 1.3rem; }
.st-key-projector_clock h2 { font-size: 3.6rem; font-variant-numeric: tabular-nums; }
.st-key-projector_title h1 { font-size: 3rem; }
.st-key-projector_title p { font-size: 1.4rem; }
.st-key-projector_steps p { font-size: 1.35rem; line-height: 1.3; }
</style>"""


def render() -> None:
    org = sidebar.require_org()
    st.html(STYLE)
    view = st.segmented_control("View", VIEWS, default=VIEWS[0], key="projector_view",
                                label_visibility="collapsed") or VIEWS[0]
    _board(org.id, view)


@session.live_fragment(REFRESH_SECONDS)
def _board(org_id: int, view: str) -> None:
    con = session.db()
    workshop = workshops.current_workshop(con, org_id)
    main, corner = st.columns([4, 1], gap="large")
    with corner:
        _join(workshop)
        if workshop is not None and workshop.countdown_ends_at is not None:
            _clock(workshop.id)
    with main:
        if view == "Adopted answers":
            _adopted(con, org_id)
        elif view == "Self-check results":
            _self_check(con, org_id)
        else:
            _wall(con, org_id)


def _join(workshop: workshops.Workshop | None) -> None:
    with st.container(key="projector_code"):
        if workshop is None:
            st.caption("No workshop is open: open one on step 3's page to show its code here.")
            return
        st.markdown("Join with the code")
        st.markdown(f"## `{workshop.code}`")
        base = widgets.base_url()
        if base:
            link = workshops.join_link(base, workshop.code)
            st.image(workshops.qr_png(link), width="stretch")
            st.caption(md(link))


@st.fragment(run_every=1)
def _clock(workshop_id: int) -> None:
    """The countdown, redrawn every second (on the projector only: one browser)."""
    con = session.db()
    workshop = workshops.get_workshop(con, workshop_id)
    left = workshop.seconds_left(database_now(con))
    if left is None:
        return
    with st.container(key="projector_clock"):
        st.markdown(f"## {minutes_seconds(left)}" if left else "## Time's up")
        st.caption("left to add answers" if left else "Time to vote for the answers that "
                                                      "ring true.")


def _wall(con: Connection, org_id: int) -> None:
    entries = vision.wall_entries(con, org_id)  # most votes first
    with st.container(key="projector_title"):
        st.title("Customer service means …", anchor=False)
        st.markdown(f"{len(entries)} answer{'s' if len(entries) != 1 else ''} · "
                    f"{sum(e.votes for e in entries)} votes")
    if not entries:
        st.info("The wall is empty: the first answers appear here as people add them.")
        return
    top = entries[:TOP]
    columns = st.columns(3, gap="medium")
    for index, entry in enumerate(top):
        with columns[index % 3].container(border=True, key=f"projector_card_{entry.id}"):
            badge = " :green-badge[:material/check: Adopted]" if entry.adopted else ""
            st.markdown(f"{md(entry.text)}{badge}")
            st.caption(f"{_votes(entry.votes)} · {md(entry.author)}")
    newest = sorted((e for e in entries if e not in top), key=lambda e: (e.created_at, e.id),
                    reverse=True)[:JUST_ADDED]
    if newest:
        st.markdown("**Just added**")
        strip = st.columns(JUST_ADDED, gap="medium")
        for index, entry in enumerate(newest):
            with strip[index].container(border=True, key=f"projector_new_{entry.id}"):
                st.markdown(md(entry.text))
                st.caption(f"{_votes(entry.votes)} · {md(entry.author)}")
    more = len(entries) - len(top) - len(newest)
    if more > 0:
        st.caption(f"and {more} more on everyone's own wall")


def _adopted(con: Connection, org_id: int) -> None:
    with st.container(key="projector_title"):
        st.title("What we adopted", anchor=False)
        statement = vision.get_vision(con, org_id).statement
        if statement:
            st.markdown(f"Our vision: {md(statement)}")
    adopted = [e for e in vision.wall_entries(con, org_id) if e.adopted]
    if not adopted:
        st.info("Nothing adopted yet: the facilitator adopts answers from the wall's tools.")
        return
    columns = st.columns(2, gap="large")
    for index, entry in enumerate(adopted):
        with columns[index % 2].container(border=True, key=f"projector_adopted_{entry.id}"):
            st.markdown(md(entry.text))


def _self_check(con: Connection, org_id: int) -> None:
    with st.container(key="projector_title"):
        st.title("Where we stand: the eleven steps", anchor=False)
    held = self_check.latest_closed(con, org_id)
    if held is None:
        st.info("No self-check round has been closed yet: its results show here once the "
                "facilitator closes it.")
        return
    found = self_check.results(con, held.id)
    st.markdown(f"Round of {md(held.label)} · {held.respondents} taking part · results for "
                f"steps at least {held.min_group} people rated")
    if not any(not s.hidden for s in found.steps):
        st.info(f"Fewer than {held.min_group} people rated each step: {self_check.TOO_FEW}.")
        return
    left, right = st.columns([3, 2], gap="large")
    left.altair_chart(charts.self_check_chart(found, ROW_PX, label_size=20), width="stretch",
                      key="projector_chart")
    with right.container(key="projector_steps"):
        for s in found.steps:
            figure = (self_check.TOO_FEW if s.hidden
                      else f"{s.average:.1f}" + (" · disagree" if s.disagreement else ""))
            st.markdown(f"**{s.step}.** {s.title} — {figure}")


def _votes(n: int) -> str:
    return f"{n} vote{'s' if n != 1 else ''}"


if __name__ == "__main__":
    render()
