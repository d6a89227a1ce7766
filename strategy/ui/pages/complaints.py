"""Complaints and compliments: the service-recovery register, its figures and import."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.errors import StrategyError, ValidationError
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.core.wording import counted
from strategy.customers import needs, segments
from strategy.identity import accounts
from strategy.io import imports
from strategy.io.complaints_import import preview
from strategy.measures import complaints
from strategy.measures.complaints import (
    FEEDBACK_CHANNELS,
    GOODWILL_KINDS,
    KINDS,
    STATUSES,
    Feedback,
    FeedbackInput,
    RegisterFilter,
)
from strategy.people import personnel
from strategy.people.recognition import REWARDS
from strategy.plan.steps import companion
from strategy.service import standards, vision
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.import_panel import (
    done,
    mapped_setup,
    repeat_box,
    show_problems,
    template_button,
    upload,
)

STEP, PAGE = companion("complaints")
PAGE_SIZES = [50, 100, 500]
PRIVACY = ("The register keeps no personal data about customers beyond what you type: there "
           "is no field for a name, address or contact details, and the customer is described "
           "only by their segment. Write what happened without naming them.")
ACCEPTED = {None: "Not known yet", True: "Yes", False: "No"}


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    st.title(PAGE.title)
    counts = complaints.open_counts(con, org.id)
    st.caption(f"{PAGE.purpose} Part of step {STEP.number} ({STEP.title}): its figures are "
               "scorecard measures and feed step 6's impact model.")
    a, b, c = st.columns([1, 1, 3])
    a.metric("Open complaints", f"{counts.open:,}")
    b.metric("Overdue", f"{counts.overdue:,}", help="Open, and past the date promised to the "
                                                  "customer.")
    c.info(PRIVACY, icon=":material/shield_person:")
    forms.show_flash()
    period = sidebar.period()
    tabs = {}
    if session.allowed(Permission.RECORD_FEEDBACK):
        tabs["Record"] = lambda: _record(con, org.id)
    if session.allowed(Permission.READ_FEEDBACK):
        tabs["Open and overdue"] = lambda: _open(con, org.id)
        tabs["Register"] = lambda: _register(con, org.id, period)
    tabs["Figures"] = lambda: _figures(con, org.id, period)
    if session.allowed(Permission.EDIT_PLAN):
        tabs["Import"] = lambda: _import(con, org.id)
    if not session.allowed(Permission.READ_FEEDBACK):
        session.refused(Permission.READ_FEEDBACK, "The register's records")
    widgets.show_tabs("complaints_tab", tabs)


# --- The record form -------------------------------------------------------------------------


def _pickers(con: Connection, org_id: int, prefix: str, kind: str, current: Feedback | None,
             errors: forms.FieldErrors) -> tuple[int | None, list[int]]:
    """The owner (a complaint) or the staff named (a compliment): chosen above the form,
    where a search can run."""
    if kind == "complaint":
        # A new complaint is offered to whoever records it, when they are on the staff
        # list; the owner is chosen among the people employed today.
        me = session.me().account_id
        mine = accounts.linked_person(con, me, org_id) if me is not None else None
        if mine is not None and personnel.get_employee(con, org_id, mine).leave_date is not None:
            mine = None  # linked to someone who has left: no one is offered
        default = [current.owner_id] if current and current.owner_id else \
            ([mine] if current is None and mine is not None else [])
        owner = widgets.person_picker(con, org_id, "Owner (sees it through to the end)",
                                      f"{prefix}_owner", default=default,
                                      active_on=None if current else date.today())
        errors.slot("owner_id")
        return (owner[0] if owner else None), []
    named = widgets.person_picker(con, org_id, "Members of staff the compliment names",
                                  f"{prefix}_staff", multiple=True,
                                  default=current.staff_ids if current else (),
                                  placeholder="Choose people (optional)")
    errors.slot("staff_ids")
    return None, named


def _fields(con: Connection, org_id: int, prefix: str, kind: str, current: Feedback | None,
            owner_id: int | None, staff_ids: list[int], errors: forms.FieldErrors) -> FeedbackInput:
    c = current
    segment_names = {s.id: s.name for s in segments.list_segments(con, org_id)}
    titles = {s.id: s.title for s in standards.list_standards(con, org_id)}
    qualities = needs.qualities(con, org_id)
    if c and c.quality and c.quality not in qualities:
        qualities.append(c.quality)  # kept as stored, though no longer in step 2's list
    a, b, d = st.columns(3)
    received = widgets.date_field(a, "Received on", c.received_on if c else date.today(),
                                  f"{prefix}_received")
    channel = b.selectbox("Channel", FEEDBACK_CHANNELS,
                          index=FEEDBACK_CHANNELS.index(c.channel) if c and c.channel in
                          FEEDBACK_CHANNELS else 0, key=f"{prefix}_channel")
    reference = d.text_input("Reference (help desk ticket, optional)",
                             value=c.reference if c else "", key=f"{prefix}_reference",
                             max_chars=60)
    errors.slot("received_on", "channel", "reference")
    a, b, d = st.columns(3)
    segment_id = widgets.record_select(a, "Customer segment", list(segment_names),
                                       segment_names.__getitem__, f"{prefix}_segment",
                                       index=list(segment_names).index(c.segment_id)
                                       if c and c.segment_id in segment_names else None,
                                       placeholder="(not recorded)")
    quality = b.selectbox("Service quality", qualities,
                          index=qualities.index(c.quality) if c and c.quality in qualities
                          else None, key=f"{prefix}_quality", placeholder="(not recorded)")
    standard_id = widgets.record_select(
        d, "Standard breached" if kind == "complaint" else "Standard it shows kept",
        list(titles), titles.__getitem__, f"{prefix}_standard",
        index=list(titles).index(c.standard_id) if c and c.standard_id in titles else None,
        placeholder="(none)")
    errors.slot("segment_id", "quality", "standard_id")
    what = st.text_area("What happened, in the customer's words", value=c.what_happened if c
                        else "", key=f"{prefix}_what", height=90, max_chars=1000)
    errors.slot("what_happened")
    data = FeedbackInput(kind, received, channel, what, segment_id, quality or "", standard_id,
                         owner_id, staff_ids=staff_ids, reference=reference)
    if kind == "complaint":
        a, b = st.columns([1, 2])
        data.promised_by = widgets.date_field(a, "Promised by", c.promised_by if c else None,
                                              f"{prefix}_promised_by")
        data.promise = b.text_input("What was promised", value=c.promise if c else "",
                                    key=f"{prefix}_promise", max_chars=500)
        errors.slot("promised_by", "promise")
        st.markdown("**Resolution** (leave empty while it is open)")
        a, b, d = st.columns([1, 2, 1])
        data.resolved_on = widgets.date_field(a, "Resolved on", c.resolved_on if c else None,
                                              f"{prefix}_resolved_on")
        data.resolution = b.text_input("How it was resolved", value=c.resolution if c else "",
                                       key=f"{prefix}_resolution", max_chars=1000)
        data.accepted = d.selectbox("Customer accepted it", list(ACCEPTED),
                                    format_func=ACCEPTED.__getitem__,
                                    index=list(ACCEPTED).index(c.accepted) if c else 0,
                                    key=f"{prefix}_accepted")
        errors.slot("resolved_on", "resolution", "accepted")
        a, b = st.columns(2)
        goodwill = a.selectbox("Goodwill gesture", GOODWILL_KINDS,
                               index=GOODWILL_KINDS.index(c.goodwill_kind)
                               if c and c.goodwill_kind in GOODWILL_KINDS else None,
                               key=f"{prefix}_goodwill", placeholder="(none)")
        data.goodwill_kind = goodwill or ""
        data.goodwill_value = b.number_input("Its value (money)", value=c.goodwill_value
                                             if c else None, key=f"{prefix}_goodwill_value")
        errors.slot("goodwill_kind", "goodwill_value")
    data.followed_up_on = widgets.date_field(st, "Followed up on", c.followed_up_on if c else None,
                                             f"{prefix}_followed_up")
    errors.slot("followed_up_on", "kind")
    return data


def _record(con: Connection, org_id: int) -> None:
    keys = forms.FormKeys("feedback_new")
    # The choice outlives the form: several compliments in a row stay compliments.
    kind = st.radio("It is a", list(KINDS), format_func=KINDS.__getitem__, horizontal=True,
                    key="feedback_new_kind")
    errors = forms.FieldErrors()
    if kind == "complaint" and not personnel.count_employees(con, org_id,
                                                               active_on=date.today()):
        # Said before the form, not when the save is refused.
        sidebar.staff_first("A complaint needs an owner from your staff, who sees it through "
                            "to the end: there are no staff records yet. Compliments can be "
                            "recorded now.")
        return
    owner_id, staff_ids = _pickers(con, org_id, keys.prefix, kind, None, errors)
    with st.form(f"feedback_add_{kind}"):
        data = _fields(con, org_id, keys.prefix, kind, None, owner_id, staff_ids, errors)
        reason = forms.reason_field(con, org_id, keys("reason"), errors)
        if st.form_submit_button(f"Record {KINDS[kind].lower()}", type="primary"):
            def add() -> None:
                complaints.add_feedback(con, org_id, data, reason=reason)
                keys.renew()
            forms.attempt(add, errors, success=f"{KINDS[kind]} recorded.")


def _edit(con: Connection, org_id: int, record: Feedback) -> None:
    edit = forms.EditSession(f"feedback_edit_{record.id}", record.version,
                             f"complaint:{record.id}")
    edit.offer_reload("record")
    st.caption(f"Recorded by {md(record.recorded_by)}.")
    if not complaints.may_change(con, org_id, record):
        _read_only(record)
        if session.allowed(Permission.RECORD_FEEDBACK):
            st.caption("You may change the complaints and compliments you recorded or own; "
                       "ask its owner or a leader to change this one.")
    else:
        errors = forms.FieldErrors()
        owner_id, staff_ids = _pickers(con, org_id, edit.prefix, record.kind, record, errors)
        with st.form(f"feedback_edit_form_{record.id}"):
            data = _fields(con, org_id, edit.prefix, record.kind, record, owner_id, staff_ids,
                           errors)
            reason = forms.reason_field(con, org_id, f"{edit.prefix}_reason", errors)
            if st.form_submit_button("Save changes", type="primary"):
                def save() -> None:
                    edit.restart(saved_as=complaints.update_feedback(
                        con, org_id, record.id, edit.started_from, data, reason=reason))
                forms.attempt(save, errors, success=f"{KINDS[record.kind]} saved.")
    if record.kind == "compliment":
        _recognise(con, org_id, record, edit)
    if session.allowed(Permission.EDIT_PLAN):
        with st.popover("Delete this record", icon=":material/delete:"):
            st.write("The record leaves the register and its figures; the change history "
                     "keeps who deleted it and when.")
            why = forms.reason_field(con, org_id, f"feedback_delete_reason_{record.id}")
            if st.button("Yes, delete", key=f"feedback_delete_{record.id}", type="primary"):
                forms.attempt(lambda: complaints.delete_feedback(con, org_id, record.id, why),
                              success="Record deleted.")


def _read_only(record: Feedback) -> None:
    """The whole record, for someone who may read it but not change it."""
    fields = {"Received on": record.received_on, "Channel": record.channel,
              "Reference": record.reference, "Customer segment": record.segment,
              "Service quality": record.quality, "Standard": record.standard,
              "What happened": record.what_happened}
    if record.kind == "complaint":
        fields |= {"Owner": record.owner or "(no owner)", "Promised by": record.promised_by,
                   "What was promised": record.promise, "Resolved on": record.resolved_on,
                   "Resolution": record.resolution,
                   "Customer accepted it": ACCEPTED[record.accepted],
                   "Goodwill gesture": " ".join(
                       x for x in (record.goodwill_kind, f"{record.goodwill_value:,.2f}"
                                   if record.goodwill_value is not None else "") if x),
                   "Working days": record.resolve_days if record.resolve_days is not None
                   else record.open_days}
    else:
        fields["Staff named"] = ", ".join(record.staff)
    fields["Followed up on"] = record.followed_up_on
    widgets.table([{"Field": k, "Value": "" if v is None else str(v)} for k, v in fields.items()],
                  hide_index=True, width="stretch", key=f"feedback_read_{record.id}")


def _recognise(con: Connection, org_id: int, record: Feedback,
               edit: forms.EditSession) -> None:
    """A compliment naming staff becomes a recognition from a customer (step 9)."""
    if record.recognition_id is not None:
        st.success("This compliment is recorded as a recognition from a customer.",
                   icon=":material/workspace_premium:")
        if session.allowed(Permission.HR_RECORDS):  # only HR sees step 9's log of records
            st.page_link(sidebar.PAGES["recognition"], label="See it in step 9's log")
        return
    if not record.staff or not session.allowed(Permission.GIVE_RECOGNITION):
        return
    st.markdown(f"**Recognise {md(', '.join(record.staff))}** for this compliment: a "
                "recognition from a customer, dated the day it arrived, carrying the "
                "customer's words. Say which value or standard it shows (one is enough).")
    values = {v.id: v.name for v in vision.list_values(con, org_id)}
    titles = {s.id: s.title for s in standards.list_standards(con, org_id)}
    errors = forms.FieldErrors()
    with st.form(f"feedback_recognise_{record.id}"):
        a, b, c = st.columns([2, 2, 1])
        value_id = widgets.record_select(a, "Value it reinforces", list(values), values.__getitem__,
                                         f"recognise_value_{record.id}", index=None,
                                         placeholder="A value, or a standard beside")
        standard_id = widgets.record_select(
            b, "Standard it reinforces", list(titles), titles.__getitem__,
            f"recognise_standard_{record.id}",
            index=list(titles).index(record.standard_id) if record.standard_id in titles
            else None, placeholder="A standard, or a value beside")
        reward = c.selectbox("Reward", REWARDS, key=f"recognise_reward_{record.id}")
        errors.slot("value", "standard", "recognition", "staff_ids")
        reason = forms.reason_field(con, org_id, f"recognise_reason_{record.id}", errors)
        if st.form_submit_button("Record as recognition from a customer",
                                 icon=":material/workspace_premium:"):
            def recognise() -> None:
                complaints.recognise_compliment(con, org_id, record.id, record.version,
                                                value_id, standard_id, reward, reason=reason)
                # The record's version moved on by this person's own hand: its edit form
                # above carries on from it rather than reporting a clash.
                edit.moved_on(complaints.get_feedback(con, org_id, record.id).version)
            forms.attempt(recognise, errors,
                          success=f"Recognition from a customer recorded for "
                                  f"{', '.join(record.staff)}.")


# --- Lists -----------------------------------------------------------------------------------


def _rows(records: list[Feedback], today: date, compliments: bool) -> list[dict[str, object]]:
    if compliments:  # a compliment has no owner, promise or resolution
        return [{"Received": r.received_on, "Channel": r.channel, "Segment": r.segment,
                 "Staff named": ", ".join(r.staff), "What happened": r.what_happened,
                 "Recognised": "yes" if r.recognition_id else "",
                 "Reference": r.reference} for r in records]
    return [{"Received": r.received_on, "Kind": KINDS[r.kind],
             "Status": ("Overdue" if r.is_overdue(today) else "Open") if r.is_open()
             else ("Resolved" if r.kind == "complaint" else ""),
             "Promised by": r.promised_by,
             "Owner": r.owner or ("(no owner)" if r.kind == "complaint" else ""),
             "Segment": r.segment,
             "Quality": r.quality, "Standard": r.standard, "What happened": r.what_happened,
             "Resolved on": r.resolved_on,
             "Working days": r.resolve_days if r.resolve_days is not None else r.open_days,
             "Staff named": ", ".join(r.staff), "Reference": r.reference}
            for r in records]


def _listing(con: Connection, org_id: int, key: str, filters: RegisterFilter,
             caption: str) -> None:
    today = date.today()
    total = complaints.count_feedback(con, org_id, filters)
    a, b, c = st.columns([1, 1, 3])
    size = a.selectbox("Per page", PAGE_SIZES, key=f"{key}_size")
    page = widgets.page_number(f"{key}_page", total, size, (filters, size), b)
    records = complaints.list_feedback(con, org_id, filters, size, (page - 1) * size)
    c.caption(f"{caption}: {total:,}" + widgets.showing(total, page, size, len(records)))
    if not records:
        return
    compliments = filters.kind == "compliment" or filters.to_recognise
    widgets.table(_rows(records, today, compliments), hide_index=True, width="stretch",
                  key=f"{key}_table",
                  column_config={"Working days": st.column_config.NumberColumn(
                 help="To resolve, or open so far (Monday to Friday).")})
    # The reference (or the record's number) makes each label unique: Streamlit keeps a
    # choice as its text, and two records alike would open the wrong one.
    labels = {r.id: f"{r.received_on} · {KINDS[r.kind]} · {r.owner or ', '.join(r.staff)} · "
                    f"{r.what_happened[:50]} · {r.reference or f'#{r.id}'}" for r in records}
    chosen = widgets.record_select(st, "Open a record on this page", list(labels),
                                   labels.__getitem__, f"{key}_choice", index=None,
                                   placeholder="Choose a record to update, resolve or recognise"
                                   if session.allowed(Permission.RECORD_FEEDBACK)
                                   else "Choose a record to see all of it")
    if chosen is not None:
        try:
            record = complaints.get_feedback(con, org_id, chosen)
        except StrategyError as exc:
            st.error(md(exc.message))
            return
        _edit(con, org_id, record)


def _open(con: Connection, org_id: int) -> None:
    st.caption("Complaints not yet resolved, overdue ones (past the date promised) first. "
               "Choose one to record its resolution.")
    status = st.radio("Show", ["open", "overdue"], format_func=STATUSES.__getitem__,
                      horizontal=True, key="open_status")
    _listing(con, org_id, "open", RegisterFilter(status=status, today=date.today()),
             "Open complaints" if status == "open" else "Overdue complaints")
    waiting = complaints.count_feedback(con, org_id, RegisterFilter(to_recognise=True))
    if waiting:
        st.divider()
        st.markdown(f"**{counted(waiting, 'compliment')} naming staff, not yet recorded as "
                    "recognition**")
        _listing(con, org_id, "unrecognised", RegisterFilter(to_recognise=True),
                 "Compliments to recognise")


def _register(con: Connection, org_id: int, period: Quarter) -> None:
    segment_names = {s.id: s.name for s in segments.list_segments(con, org_id)}
    a, b, c, d = st.columns([1, 1, 1, 2])
    kind = a.selectbox("Kind", list(KINDS), format_func=KINDS.__getitem__, index=None,
                       key="register_kind", placeholder="Both")
    status = b.selectbox("Status", list(STATUSES), format_func=STATUSES.__getitem__,
                         index=None, key="register_status", placeholder="Any")
    segment_id = widgets.record_select(c, "Segment", list(segment_names), segment_names.__getitem__,
                                       "register_segment", index=None, placeholder="All")
    text = d.text_input("Search", key="register_text", max_chars=100,
                        placeholder="Words of what happened, the resolution or a reference")
    every = st.toggle("All dates (not only the quarter chosen in the sidebar)",
                      key="register_all_dates")
    filters = RegisterFilter(None if every else period.start, None if every else period.end,
                             kind, status, segment_id, text=text.strip() or None,
                             today=date.today())
    _listing(con, org_id, "register", filters,
             "Records" + ("" if every else f" received in {period}"))


# --- Figures ---------------------------------------------------------------------------------


def _figures(con: Connection, org_id: int, period: Quarter) -> None:
    target = complaints.target_days(con, org_id)
    today = date.today()
    quarters = [period.shift(n) for n in range(-7, 1)]
    trend = complaints.quarter_figures(con, org_id, quarters, today, target=target)
    this = trend[-1]
    st.caption(f"Complaints and compliments received in {period}. Time to resolve is counted "
               f"in working days (Monday to Friday) after the day received; the target is "
               f"{counted(target, 'working day')}.")
    cols = st.columns(5)
    cols[0].metric("Complaints received", f"{this.complaints:,}")
    cols[1].metric("Compliments received", f"{this.compliments:,}")
    cols[2].metric("Median days to resolve",
                   f"{this.median_days:g}" if this.median_days is not None else "—",
                   help=f"Working days (Monday to Friday), over the {this.resolved:,} "
                        "resolved so far (n).")
    cols[2].caption(f"n={this.resolved:,} resolved")
    cols[3].metric("Resolved within target", this.within_target.text(),
                   help="Of those whose outcome is known — resolved, or open longer than the "
                        "target already — the share resolved within it. One still open and "
                        "within its target is not counted either way.")
    cols[4].metric("Promises kept", this.promises_kept.text(),
                   help="Of those given a promised-by date whose outcome is known, the share "
                        "resolved by that date.")
    if this.goodwill_value:
        st.caption(f"Goodwill gestures given for these complaints: {this.goodwill_value:,.2f}.")

    left, right = st.columns(2)
    for column, by, title in ((left, "segment", "Complaints per segment"),
                              (right, "quality", "Complaints per service quality")):
        with column:
            st.markdown(f"**{title}**")
            _pareto(complaints.pareto(con, org_id, period.start, period.end, by), by)
    st.markdown("**Standards most often breached**")
    breached = complaints.standards_breached(con, org_id, period.start, period.end)
    if breached:
        widgets.table([{"Standard": b.name, "Complaints": b.count,
                        "Share of those naming a standard": f"{100 * b.count / sum(x.count for x in breached):.0f}%"}  # noqa: E501
                       for b in breached], hide_index=True, width="stretch", key="breached_table")
    else:
        st.caption(f"No complaint received in {period} names a standard.")

    st.markdown("**Per quarter**")
    frame = pd.DataFrame([{"Quarter": str(f.quarter), "Complaints": f.complaints,
                           "Compliments": f.compliments} for f in trend])
    long = frame.melt("Quarter", var_name="Kind", value_name="Received")
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X("Quarter:N", title=None, axis=alt.Axis(labelAngle=0)), xOffset="Kind:N",
        y=alt.Y("Received:Q", axis=widgets.COUNT_AXIS),
        color=alt.Color("Kind:N", scale=alt.Scale(range=["#c0392b", "#2e86c1"])),
        tooltip=["Quarter", "Kind", "Received"]).properties(height=220),
        width="stretch", key="feedback_trend")
    widgets.table([{"Quarter": str(f.quarter), "Complaints": f.complaints,
                    "Compliments": f.compliments,
                    "Median working days": f.median_days, "Resolved (n)": f.resolved,
                    "Within target": f.within_target.text(),
                    "Promises kept": f.promises_kept.text()}
                   for f in reversed(trend)], hide_index=True, width="stretch", key="trend_table")
    if session.allowed(Permission.EDIT_PLAN):
        _target(con, org_id, target)


def _pareto(bars: list[complaints.ParetoBar], by: str) -> None:
    if not bars:
        st.caption("None in this quarter.")
        return
    frame = pd.DataFrame([{"Name": b.name, "Complaints": b.count,
                           "Cumulative share": round(b.cumulative_share, 1)} for b in bars])
    order = list(frame["Name"])
    base = alt.Chart(frame).encode(x=alt.X("Name:N", sort=order, title=None,
                                           axis=alt.Axis(labelAngle=-30, labelLimit=160)))
    chart = alt.layer(
        base.mark_bar(color="#c0392b").encode(
            y=alt.Y("Complaints:Q", axis=widgets.COUNT_AXIS), tooltip=["Name", "Complaints"]),
        base.mark_line(point=True, color="#34495e").encode(
            y=alt.Y("Cumulative share:Q", scale=alt.Scale(domain=[0, 100]),
                    title="Cumulative share (%)"), tooltip=["Name", "Cumulative share"]),
    ).resolve_scale(y="independent").properties(height=260)
    st.altair_chart(chart, width="stretch", key=f"pareto_{by}")


def _target(con: Connection, org_id: int, target: int) -> None:
    errors = forms.FieldErrors()
    keys = forms.FormKeys("resolve_target")  # a fresh form after a save: no reason left in it
    with st.form("resolve_target_form"):
        days = st.number_input("Target: resolve complaints within … working days",
                               value=target, step=1, key=keys("days"),
                               help="A whole number from 1 to 60. It changes the share "
                                    "resolved within target in every quarter.")
        errors.slot("target_days")
        reason = forms.reason_field(con, org_id, keys("reason"), errors)
        if st.form_submit_button("Save target"):
            if days is None or days != int(days):
                errors.show(ValidationError({"target_days": "Enter a whole number of working "
                                                            "days from 1 to 60."}))
            else:
                def save() -> None:
                    complaints.set_target_days(con, org_id, int(days), reason)
                    keys.renew()
                forms.attempt(save, errors, success=f"Target set to {int(days)} working days.")


# --- Import ----------------------------------------------------------------------------------


def _import(con: Connection, org_id: int) -> None:
    st.caption("Upload your help desk's export (CSV or Excel .xlsx) as it comes — Zendesk, "
               "Freshdesk, Jira Service Management, ServiceNow, Help Scout — or our template. "
               "Check what each column and value means, see every row checked, and import: all "
               "rows or none. A ticket already in the register is updated, so next month's "
               "export brings resolutions in without duplicates.")
    template_button("complaints")
    got = upload("complaints", "Help desk export", "complaints_import_file")
    if got is None:
        return
    uploaded, table = got
    st.write(f"{len(table.rows):,} rows in {md(table.where())}.")
    errors = forms.FieldErrors()
    setup = mapped_setup(con, org_id, "complaints", uploaded.file_id, table, "complaints_map",
                         errors)
    if setup is None:
        return
    try:
        checked = preview(con, org_id, setup.table, setup.plan.columns, setup.plan.reading)
    except (ValidationError, StrategyError) as exc:
        if isinstance(exc, ValidationError):
            errors.show(exc)
        else:
            st.error(md(exc.message))
        return
    if checked.left_out:
        left = sum(checked.left_out.values())
        st.info(md(f"{counted(left, 'row')} will be left out: " + "; ".join(
            f"{n:,} with {why}" for why, n in checked.left_out.most_common(5)) + "."),
            icon=":material/filter_alt:")
    show_problems([(r.line, r.problems) for r in checked.problem_rows], len(checked.kept))
    widgets.table([{"Line": r.line, "Problems": " ".join(r.problems) or "ready",
                    "In the register": "" if r.problems else (
                        "already as in the file" if r.unchanged else "updated")
                    if r.existing is not None else "" if r.problems else "new",
                    "Reference": r.values.get("reference", ""),
                    "Received": str(r.data.received_on or "") if r.data else "",
                    "Kind": r.data.kind if r.data else "",
                    "Channel": r.data.channel if r.data else "",
                    "Resolved": str(r.data.resolved_on or "") if r.data else "",
                    "Owner": r.values.get("owner", ""),
                    "What happened": r.values.get("what_happened", "")}
                   for r in sorted(checked.kept, key=lambda r: (not r.problems, r.line))[:2000]],
                  hide_index=True, width="stretch", key="complaints_import_preview")
    again = repeat_box(con, org_id, "complaints", uploaded.getvalue(),
                       not setup.plan.columns.get("reference"), "complaints_import_again")
    reason = forms.reason_field(con, org_id, "complaints_import_reason")
    added, updated, same = checked.counts()
    if st.button(f"Import {len(checked.kept):,} rows ({added:,} new, {updated:,} updated, "
                 f"{same:,} unchanged)", type="primary", disabled=not checked.clean,
                 key="complaints_import_button"):
        def run() -> None:
            result = imports.import_file(
                con, org_id, "complaints", uploaded.name, uploaded.getvalue(),
                source=setup.source, columns=setup.columns, values=setup.values,
                date_order=setup.date_order, reason=reason or None,
                save_mapping=setup.save, again=again)
            done("complaints_import_file")
            forms.flash(f"Imported {uploaded.name}. {result.summary()}")
        forms.attempt(run)


if __name__ == "__main__":
    render()
