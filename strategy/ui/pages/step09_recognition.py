"""Step 9 — reward and recognition: record it, and the views HR needs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from strategy.core import db as storage
from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.core.wording import counted
from strategy.identity import sessions
from strategy.io import downloads
from strategy.people import personnel, recognition
from strategy.people.recognition import (
    GIVER_KINDS,
    REWARDS,
    LogFilter,
    Recognition,
    RecognitionInput,
)
from strategy.plan.steps import step
from strategy.service import standards, vision
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.import_panel import import_panel

STEP = step("recognition")


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    if not personnel.count_employees(con, org.id):
        sidebar.staff_first("This step needs your staff: recognition is given to people.")
        return
    period = sidebar.period()
    # Each role sees the tabs it may use: a leader the figures per team, HR the
    # personal log as well.
    tabs = {}
    if session.allowed(Permission.GIVE_RECOGNITION):
        tabs["Recognise someone"] = lambda: _record(con, org.id)
    if session.allowed(Permission.HR_AGGREGATES):
        tabs["HR views"] = lambda: _hr_views(con, org.id, period)
    if session.allowed(Permission.HR_RECORDS):
        tabs["Log"] = lambda: _log(con, org.id, period)
    if not tabs:
        session.refused(Permission.GIVE_RECOGNITION, "Recognition")
        return
    widgets.show_tabs("recognition_tab", tabs)


def _recipients(con: Connection, org_id: int, prefix: str, current: Recognition | None,
                on: date, errors: forms.FieldErrors,
                draft: forms.Draft | None = None) -> list[int]:
    """Who is recognised: chosen above the form, where a search can run (the people
    employed on the day, and an edited record's own recipients)."""
    key = f"{prefix}_recipients"
    start = current.recipient_ids if current else ()
    chosen = widgets.person_picker(con, org_id, "Who is being recognised", key,
                                   multiple=True, active_on=on,
                                   default=draft.get(key, start) if draft else start)
    errors.slot("recipients")
    return chosen


FIELDS = ("date", "giver", "kind", "value", "standard", "what", "reward", "amount")


def _fields(con: Connection, org_id: int, prefix: str, current: Recognition | None,
            recipients: list[int], errors: forms.FieldErrors,
            draft: forms.Draft | None = None) -> RecognitionInput:
    c = current

    def start(field: str, default: Any) -> Any:
        """The value a field starts from: the record's, or what was typed before the
        person looked at another tab."""
        return draft.get(f"{prefix}_{field}", default) if draft else default

    def position(options: list[Any], field: str, default: Any) -> int | None:
        chosen = start(field, default)
        return options.index(chosen) if chosen in options else None

    values = {v.id: v.name for v in vision.list_values(con, org_id)}
    titles = {s.id: s.title for s in standards.list_standards(con, org_id)}
    a, b, d = st.columns(3)
    given_on = widgets.date_field(a, "When", start("date", c.given_on if c else date.today()),
                                  f"{prefix}_date")
    giver = b.text_input("Given by", value=start("giver", c.giver if c else session.me().name),
                         key=f"{prefix}_giver", max_chars=120)
    kinds = list(GIVER_KINDS)
    kind = d.selectbox("From", kinds, format_func=GIVER_KINDS.__getitem__,
                       index=position(kinds, "kind", c.giver_kind if c else kinds[0]) or 0,
                       key=f"{prefix}_kind")
    errors.slot("given_on", "giver", "giver_kind")
    a, b = st.columns(2)
    value_id = a.selectbox("Value it reinforces", list(values), format_func=values.__getitem__,
                           index=position(list(values), "value", c.value_id if c else None),
                           key=f"{prefix}_value", placeholder="(optional)")
    standard_id = b.selectbox("Standard it reinforces", list(titles),
                              format_func=titles.__getitem__,
                              index=position(list(titles), "standard",
                                             c.standard_id if c else None),
                              key=f"{prefix}_standard", placeholder="(optional)")
    errors.slot("value", "standard")
    what = st.text_area("What they did", value=start("what", c.what if c else ""),
                        key=f"{prefix}_what", height=80, max_chars=1000)
    errors.slot("what")
    a, b = st.columns(2)
    reward = a.selectbox("Reward", REWARDS,
                         index=position(list(REWARDS), "reward", c.reward if c else REWARDS[0])
                         or 0, key=f"{prefix}_reward")
    amount = b.number_input("Amount (money or points, optional)",
                            value=start("amount", c.amount if c else None),
                            key=f"{prefix}_amount")
    errors.slot("reward", "amount")
    return RecognitionInput(list(recipients), given_on, giver, kind, what, reward, amount,
                            value_id, standard_id)


def _record(con: Connection, org_id: int) -> None:
    st.caption("Recognise the behaviour, not just the person: say which value or standard it "
               "reinforces. You are kept as whoever recorded it.")
    if session.allowed(Permission.MANAGE_PEOPLE):
        with st.expander("Import records from a spreadsheet"):
            import_panel(con, org_id, "recognition")
    keys = forms.FormKeys("rec_new")
    # Kept across a look at another tab; the fields are drawn outside st.form so that
    # what is typed reaches the server before the tab changes.
    draft = forms.Draft(keys.prefix)
    errors = forms.FieldErrors()
    recipients = _recipients(con, org_id, keys.prefix, None, date.today(), errors, draft)
    with st.container(border=True, key="recognition_add"):
        data = _fields(con, org_id, keys.prefix, None, recipients, errors, draft)
        reason = forms.reason_field(con, org_id, keys("reason"), errors)
        draft.keep([keys("recipients"), *(keys(f) for f in FIELDS)])
        if st.button("Record recognition", type="primary", key=keys("save")):
            def add() -> None:
                recognition.add_recognition(con, org_id, data, reason=reason)
                draft.clear()
                keys.renew()
            forms.attempt(add, errors, success="Recognition recorded.")


def _hr_views(con: Connection, org_id: int, period: Quarter) -> None:
    st.caption(f"{period}, the quarter chosen in the sidebar ({period.start:%d %b} to "
               f"{period.end:%d %b %Y}).")
    spread = recognition.spread(con, org_id, period.start, period.end)
    total = spread.top_share.whole
    cols = st.columns(3)
    cols[0].metric(f"Recognitions received in {period}", f"{total:,}",
                   help="Counted per person recognised, by the staff of the period: a record "
                        "naming three people counts three times here and once in the log.")
    cols[1].metric("Share going to the most-recognised tenth",
                   f"{spread.top_share.value:.0f}%" if spread.top_share.value is not None else "—",
                   help=f"The {spread.top_tenth} most-recognised of {spread.staff} staff received "
                        f"{spread.top_share.part} of {total}. With an even spread this would be "
                        "about 10%.")
    cols[2].metric(f"Staff not recognised in {period}",
                   f"{spread.never:,} of {spread.staff:,}",
                   help=f"Staff employed at some time in {period} who received no recognition "
                        "between its first and last day.")

    st.markdown("**Recognition per head, by team**")
    teams = recognition.per_head_by_team(con, org_id, period.start, period.end)
    widgets.table([{"Team": t.team, "Staff in the period": t.staff, "Recognitions": t.received,
                   "Per head": round(t.per_head, 2) if t.per_head is not None else None,
                   "People recognised": t.recognised_people} for t in teams],
                 hide_index=True, width="stretch", key="per_head_table")

    days = st.number_input("Not recognised in the last … days", value=90, step=15,
                           key="unrecognised_days", help="From 1 to 3,650 days.")
    if days is None or not 1 <= days <= 3650:
        st.error("Choose a number of days from 1 to 3,650.")
    elif session.allowed(Permission.HR_RECORDS):
        _overlooked(con, org_id, period, int(days))
    else:
        session.refused(Permission.HR_RECORDS, "Who was not recognised")

    left, right = st.columns(2)
    for column, by, title in ((left, "value", "By value"), (right, "standard", "By standard")):
        counts = recognition.counts_by(con, org_id, period.start, period.end, by)
        with column:
            st.markdown(f"**{title}**")
            if counts:
                frame = pd.DataFrame(counts, columns=["Name", "Recognitions"])
                height = 60 + 26 * len(counts)
                st.altair_chart(alt.Chart(frame).mark_bar().encode(
                    y=alt.Y("Name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
                    x=alt.X("Recognitions:Q", axis=alt.Axis(tickMinStep=1)),
                    tooltip=["Name", "Recognitions"]).properties(height=height),
                    width="stretch", height=height, key=f"counts_{by}")
            else:
                st.caption("None in this period.")


def _overlooked(con: Connection, org_id: int, period: Quarter, days: int) -> None:
    until = min(period.end, date.today())
    overlooked = recognition.not_recognised(con, org_id, until, days)
    since = until - timedelta(days=days - 1)
    st.markdown(f"**{counted(len(overlooked), 'person', 'people')} on the staff on "
                f"{until:%d %b %Y} not recognised in the {days} days from {since:%d %b %Y} "
                f"to {until:%d %b %Y}**")
    if overlooked:
        widgets.table([{"Person": u.name, "Team": u.team,
                       "Last recognised": u.last_recognised.isoformat() if u.last_recognised
                       else "never"} for u in overlooked],
                     hide_index=True, width="stretch", key="unrecognised_table")



LOG_PAGE_SIZES = [50, 100, 500]


def _log(con: Connection, org_id: int, period: Quarter) -> None:
    teams = {t.id: t.name for t in personnel.list_teams(con, org_id)}
    a, b, c = st.columns([1, 1, 2])
    team_id = a.selectbox("Team", list(teams), format_func=teams.__getitem__, index=None,
                          key="log_team", placeholder="All teams")
    kind = b.selectbox("From", list(GIVER_KINDS), format_func=GIVER_KINDS.__getitem__,
                       index=None, key="log_kind", placeholder="Anyone")
    text = c.text_input("Search", key="log_text", max_chars=100,
                        placeholder="Part of a name, the giver or what was done")
    filters = LogFilter(period.start, period.end, team_id, kind, text=text.strip() or None)
    # A quarter's log can run to tens of thousands of lines: it is counted, and only
    # the page in view is read and sent to the browser.
    total = recognition.count_recognitions(con, org_id, filters)
    a, b, c = st.columns([1, 1, 3])
    size = a.selectbox("Records per page", LOG_PAGE_SIZES, index=1, key="log_page_size")
    page = widgets.page_number("log_page", total, size, (filters, size), b)
    records = recognition.list_recognitions(con, org_id, filters, size, (page - 1) * size)
    c.caption(f"{counted(total, 'record')} in {period}"
              + (" match" if filters.team_id or filters.giver_kind or filters.text else "")
              + widgets.showing(total, page, size, len(records)))
    widgets.table([{"Date": r.given_on, "Recipients": ", ".join(r.recipients),
                    "Teams": ", ".join(r.teams), "Given by": r.giver,
                    "From": GIVER_KINDS[r.giver_kind], "Value": r.value, "Standard": r.standard,
                    "What": r.what, "Reward": r.reward, "Amount": r.amount,
                    "Recorded by": r.created_by, "Edited by": r.updated_by or ""}
                   for r in records], hide_index=True, width="stretch", key="recognition_log")

    if not records:
        return
    # Every matching record, not just this page: streamed by the app server from a
    # cursor when the link is followed (its permission checked then, the download
    # logged), never held whole in memory for as long as this page is open.
    token = session.session_token()
    if token is not None:
        st.link_button(f"Download all {total:,} as CSV" if total > len(records)
                       else "Download as CSV", downloads.recognition_log_link(
                           sessions.signing_secret(storage.database_path()), token, org_id,
                           filters), icon=":material/download:")
    labels = {r.id: f"{r.given_on} · {', '.join(r.recipients)} · {r.what[:50]}" for r in records}
    chosen = widgets.record_select(st, "Edit or delete a record on this page", list(labels),
                                   labels.__getitem__, "log_choice", index=None)
    if chosen is None:
        return
    record = next(r for r in records if r.id == chosen)
    edit = forms.EditSession(f"rec_edit_{record.id}", record.version)
    errors = forms.FieldErrors()
    recipients = _recipients(con, org_id, edit.prefix, record, record.given_on, errors)
    with st.form(f"rec_edit_form_{record.id}"):
        data = _fields(con, org_id, edit.prefix, record, recipients, errors)
        reason = forms.reason_field(con, org_id, f"{edit.prefix}_reason", errors)
        if st.form_submit_button("Save changes", type="primary"):
            def save() -> None:
                recognition.update_recognition(con, org_id, record.id, edit.started_from, data,
                                               reason=reason)
                edit.restart()
            forms.attempt(save, errors, success="Recognition updated.")
    with st.popover("Delete this record", icon=":material/delete:"):
        st.write("The record leaves the log and the HR views; the history keeps who deleted "
                 "it and when.")
        why = forms.reason_field(con, org_id, f"rec_delete_reason_{record.id}")
        if st.button("Yes, delete", key=f"rec_delete_{record.id}", type="primary"):
            forms.attempt(lambda: recognition.delete_recognition(con, org_id, record.id,
                                                                 why),
                          success="Recognition deleted.")
    history = recognition.history(con, org_id, record.id)
    widgets.table([{"When": h[0], "Who": h[1], "What": h[2], "Details": h[4]} for h in history],
                 hide_index=True, width="stretch", key="recognition_history")


if __name__ == "__main__":
    render()
