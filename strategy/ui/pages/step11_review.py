"""Step 11 — the quarterly review: scorecard, lessons, decisions, actions and what changed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.errors import StrategyError
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.core.wording import MISSING, counted, measure_value
from strategy.io import review_pack
from strategy.measures import reviews, scorecard
from strategy.measures.reviews import ACTION_STATUSES, PITFALLS, Review, ReviewInput
from strategy.plan.steps import step
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.pages.step10_measures import STATUS_COLOURS, show_scorecard

STEP = step("review")


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    period = sidebar.period()
    _pack(con, org.id, org.name, period)
    review = reviews.find_review(con, org.id, period)
    editor = session.allowed(Permission.EDIT_PLAN)
    if not editor:
        session.refused(Permission.EDIT_PLAN, "Starting, recording and closing reviews and their "
                                         "actions")
    if review is None:
        if not editor:
            st.info(f"There is no review of {period} yet.")
        else:
            st.info(f"There is no review of {period} yet. Start it to record the scorecard, "
                    "what worked, what did not, decisions and actions.")
            if st.button(f"Start the review of {period}", type="primary", key="review_start"):
                forms.attempt(lambda: reviews.start_review(con, org.id, period),
                              success=f"Review of {period} started.")
        _actions(con, org.id, None)
        return
    if review.closed:
        st.success(f"The review of {period} was held on {review.held_on} and closed by "
                   f"{md(review.closed_by or '')}. The quarter is locked: changing its data "
                   "asks for a reason.", icon=":material/lock:")
    widgets.show_tabs("review_tab", {
        "Scorecard": lambda: _scorecard(con, org.id, period, review),
        "The review": lambda: _record(con, org.id, review),
        "Actions": lambda: _actions(con, org.id, review),
        "What changed": lambda: _changes(con, org.id, period),
        "Past reviews": lambda: _past(con, org.id),
    })


def _pack(con: Connection, org_id: int, org_name: str, period: Quarter) -> None:
    """Build the Excel review pack on request, showing progress, then offer it."""
    key = f"pack_{org_id}_{period}"
    with st.container(border=True):
        left, right = st.columns([3, 2])
        sheets = review_pack.sheets_for(session.me(), org_id)
        left.markdown(f"**Review pack for {period}**, an Excel workbook to take into the "
                      f"meeting, with the sheets your role may see: {', '.join(sheets)}.")
        if not session.allowed(Permission.HR_RECORDS) and "Recognition" in sheets:
            left.caption("Its Recognition sheet counts recognition per value and standard; "
                         "the personal log is in HR's pack only.")
        if right.button("Build the review pack", key="pack_build", icon=":material/table:"):
            bar = st.progress(0.0, text="Starting")

            def show(share: float, text: str) -> None:
                bar.progress(min(share, 1.0), text=text)

            try:
                st.session_state[key] = review_pack.build_pack(
                    con, org_id, period, progress=show,
                    reads_at_once=review_pack.READS_AT_ONCE_IN_THE_SERVER)
            except StrategyError as exc:
                st.error(md(exc.message))
            bar.empty()
        if key in st.session_state:
            right.download_button("Download the review pack (.xlsx)", st.session_state[key],
                                  file_name=review_pack.pack_file_name(org_name, period),
                                  mime="application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet",
                                  on_click="ignore", key="pack_download",
                                  icon=":material/download:", type="primary")


def _scorecard(con: Connection, org_id: int, period: Quarter, review: Review) -> None:
    if review.snapshot is not None:
        # The same frozen card as the review pack: the figures of the meeting, and where
        # a figure has been corrected since, today's value and the change that made it.
        frozen = review_pack.card(con, org_id, period, date.today())
        st.caption("The scorecard as it stood when the review was closed; later corrections do "
                   "not change it" + (", but show beside it under “Now”." if frozen.differs
                                      else "."))
        if not frozen.lines:
            st.caption("No measures were defined then.")
            return
        shown = [{"Measure": line.name, "Of": line.side, "Unit": line.unit,
                 "Target": measure_value(line.target, line.unit),
                 "Actual": measure_value(line.actual, line.unit),
                 "Previous": measure_value(line.previous, line.unit), "Based on": line.basis,
                 "Status": line.status} for line in frozen.lines]
        if frozen.differs:
            for row, line in zip(shown, frozen.lines, strict=True):
                row["Now"] = (measure_value(line.now, line.unit)
                              if isinstance(line.now, int | float)
                              else line.now or "")
        styled = pd.DataFrame(shown).style.map(lambda s: STATUS_COLOURS.get(s, ""),
                                              subset=["Status"])
        st.dataframe(styled, hide_index=True, width="stretch", key="review_snapshot")
        if frozen.corrections:
            st.markdown(f"**{counted(len(frozen.corrections), 'correction')} to {period} since "
                        "the review was closed**")
            widgets.table([{"When": c.changed_at.strftime("%Y-%m-%d %H:%M"), "Who": c.changed_by,
                            "What": f"{c.area} {c.action}: {c.summary}", "Reason": c.reason}
                           for c in frozen.corrections], width="stretch", key="review_corrections")
        return
    rows = scorecard.scorecard(con, org_id, period)
    if not rows:
        st.info("No measures are defined yet (step 10).")
        return
    st.caption("The live scorecard; it is frozen when the review is closed.")
    show_scorecard(rows, key="review_scorecard")


def _read(review: Review) -> None:
    """The review as recorded, for those who may read but not edit it."""
    st.markdown(f"**Held on:** {review.held_on or MISSING}")
    left, right = st.columns(2)
    for column, title, text in ((left, "What worked", review.what_worked),
                                (right, "What did not", review.what_did_not)):
        column.markdown(f"**{title}**")
        column.markdown(md(text) if text.strip() else MISSING)
    st.markdown("**Pitfalls we saw this quarter:** "
                + (", ".join(md(p) for p in review.pitfalls) or MISSING))
    st.markdown("**Decisions and changes to the plan**")
    st.markdown(md(review.decisions) if review.decisions.strip() else MISSING)


def _record(con: Connection, org_id: int, review: Review) -> None:
    if not session.allowed(Permission.EDIT_PLAN):
        _read(review)
        return
    disabled = review.closed
    edit = forms.EditSession(f"review_{review.id}", review.version)
    with st.form(f"review_form_{review.id}"):
        errors = forms.FieldErrors()
        # A review is written on the day it is held, as a rule: today unless one is kept.
        held = widgets.date_field(st, "Held on", review.held_on or date.today(),
                                  f"{edit.prefix}_held", disabled=disabled)
        errors.slot("held_on")
        left, right = st.columns(2)
        worked = left.text_area("What worked", value=review.what_worked, height=140,
                                key=f"{edit.prefix}_worked", disabled=disabled)
        did_not = right.text_area("What did not", value=review.what_did_not, height=140,
                                  key=f"{edit.prefix}_did_not", disabled=disabled)
        errors.slot("what_worked", "what_did_not")
        pitfalls = st.multiselect("Pitfalls we saw this quarter", PITFALLS,
                                  default=list(review.pitfalls), key=f"{edit.prefix}_pitfalls",
                                  disabled=disabled)
        errors.slot("pitfalls")
        decisions = st.text_area("Decisions and changes to the plan", value=review.decisions,
                                 height=120, key=f"{edit.prefix}_decisions", disabled=disabled)
        errors.slot("decisions", "review")
        if st.form_submit_button("Save review", type="primary", disabled=disabled):
            data = ReviewInput(held, worked, did_not, list(pitfalls), decisions)

            def save() -> None:
                reviews.save_review(con, org_id, review.id, edit.started_from, data)
                edit.restart()
            forms.attempt(save, errors, success="Review saved.")
    edit.offer_reload("review")
    if not review.closed:
        with st.popover("Close the review and lock the quarter", icon=":material/lock:"):
            st.write("Closing freezes the scorecard as it stands now and locks "
                     f"{review.period}: later changes to its data will need a reason. Save the "
                     "review first.")
            if st.button("Close the review", key="review_close", type="primary"):
                def close() -> None:
                    reviews.close_review(con, org_id, review.id)
                    # Closing is this person's own change: the form shows the closed
                    # review afresh rather than offering "someone else's" newer version.
                    edit.restart()
                forms.attempt(close, success=f"The review of {review.period} is closed and the "
                                          "quarter locked.")


def _actions(con: Connection, org_id: int, review: Review | None) -> None:
    today = date.today()
    actions = reviews.list_actions(con, org_id)
    open_actions = [a for a in actions if a.status in reviews.OPEN_STATUSES]
    st.markdown(f"**{counted(len(open_actions), 'open action')}**, carried forward until "
                "closed")
    if open_actions:
        widgets.table([{"Action": a.description, "Owner": a.owner, "Due": a.due,
                       "Status": a.status, "Raised in": a.raised_in,
                       "Overdue": "yes" if a.overdue(today) else ""} for a in open_actions],
                     hide_index=True, width="stretch", key="open_actions")
    editor = session.allowed(Permission.EDIT_PLAN)
    if open_actions and editor:
        labels = {a.id: f"{a.description} ({a.owner}, due {a.due})" for a in open_actions}
        # The choice stands outside the form, so that the form follows it at once.
        chosen = widgets.record_select(st, "Update an action", list(labels), labels.__getitem__,
                                       "action_choice")
        _update_action(con, org_id, next(a for a in open_actions if a.id == chosen))
    if review is None or review.closed:
        return  # new actions are raised in an open review
    if editor:
        _add_action(con, org_id, review)
    done = [a for a in actions if a.status not in reviews.OPEN_STATUSES]
    if done:
        with st.expander(counted(len(done), "closed action")):
            widgets.table([{"Action": a.description, "Owner": a.owner, "Due": a.due,
                           "Status": a.status, "Raised in": a.raised_in} for a in done],
                         hide_index=True, width="stretch", key="closed_actions")


def _update_action(con: Connection, org_id: int, action: reviews.Action) -> None:
    """The chosen action's status, starting from the one it has. The key names the action
    and its status: a box keyed alike for every action would keep what it showed for the
    one chosen before (and the browser would send that back), so pressing Update could set
    an action "in progress" back to "open"."""
    with st.form(f"action_status_{action.id}"):
        errors = forms.FieldErrors()
        left, right = st.columns([1, 3], vertical_alignment="bottom")
        new_status = left.selectbox("Status", ACTION_STATUSES,
                                    index=ACTION_STATUSES.index(action.status),
                                    key=f"action_{action.id}_{action.status}_status")
        errors.slot("status")
        if right.form_submit_button("Update"):
            forms.attempt(lambda: reviews.set_action_status(con, org_id, action.id, new_status),
                          errors, success="Action updated.")


def _add_action(con: Connection, org_id: int, review: Review) -> None:
    keys = forms.FormKeys("action")
    with st.form("action_add"):
        st.markdown(f"**New action from the review of {review.period}**")
        errors = forms.FieldErrors()
        description = st.text_input("Action", key=keys("description"), max_chars=500)
        errors.slot("action")
        left, right = st.columns(2)
        owner = left.text_input("Owner", key=keys("owner"), max_chars=120)
        due = widgets.date_field(right, "Due", None, keys("due"))
        errors.slot("owner", "due")
        if st.form_submit_button("Add action", type="primary"):
            def add() -> None:
                reviews.add_action(con, org_id, review.id, description, owner, due)
                keys.renew()
            forms.attempt(add, errors, success="Action added.")


def _changes(con: Connection, org_id: int, period: Quarter) -> None:
    previous, changed = reviews.changes_since_previous(con, org_id, period)
    since = (f"since the review of {previous.period} was closed" if previous
             else "since the plan was started")
    st.caption(f"{counted(len(changed), 'change')} to the plan {since}, newest first.")
    if changed:
        widgets.table([{"When": c.changed_at.strftime("%Y-%m-%d %H:%M"), "Who": c.changed_by,
                       "Area": c.area, "What": f"{c.action}: {c.summary}",
                       "Quarter": c.period or "", "Reason": c.reason} for c in changed],
                     hide_index=True, width="stretch", key="changes_table")


def _past(con: Connection, org_id: int) -> None:
    past = reviews.list_reviews(con, org_id)
    widgets.table([{"Quarter": r.period, "Held on": r.held_on,
                   "Closed by": r.closed_by or "(open)",
                   "Decisions": r.decisions} for r in past],
                 hide_index=True, width="stretch", key="past_reviews")


if __name__ == "__main__":
    render()
