"""Step 4 — standards and expectations: the register, templates, communication, wording."""

from __future__ import annotations

from datetime import date
from functools import partial

import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.phrases import check_phrases
from strategy.core.safe_text import md
from strategy.core.vocabulary import AUDIENCES, COMMUNICATION_METHODS, DIRECTIONS, STANDARD_CHANNELS
from strategy.core.wording import kept_without
from strategy.customers import needs
from strategy.plan.steps import step
from strategy.service import standards
from strategy.service.standards import Standard, StandardInput
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.phrase_check import show_phrase_check

STEP = step("standards")


def _standard_form(con: Connection, org_id: int, prefix: str,
                   current: Standard | None) -> tuple[StandardInput, forms.FieldErrors]:
    errors = forms.FieldErrors()
    c = current
    quality_options = needs.qualities(con, org_id)
    title = st.text_input("Standard", value=c.title if c else "", key=f"{prefix}_title",
                          max_chars=160, placeholder="e.g. Reply to emails within one working day")
    errors.slot("title")
    description = st.text_area("What people do, in observable terms",
                               value=c.description if c else "", key=f"{prefix}_description",
                               height=70)
    errors.slot("description")
    left, right = st.columns(2)
    channel = left.selectbox("Channel", STANDARD_CHANNELS, key=f"{prefix}_channel",
                             index=STANDARD_CHANNELS.index(c.channel) if c else 0)
    quality = right.selectbox("Service quality it serves", quality_options,
                              key=f"{prefix}_quality",
                              index=quality_options.index(c.quality)
                              if c and c.quality in quality_options else 0)
    errors.slot("channel", "quality")
    measure = st.text_input("Measure", value=c.measure if c else "", key=f"{prefix}_measure",
                            max_chars=200, placeholder="e.g. Time to first personal reply")
    errors.slot("measure")
    a, b, d = st.columns(3)
    target = a.number_input("Internal target", value=c.target if c else None,
                            key=f"{prefix}_target", format="%g", placeholder="number")
    unit = b.text_input("Unit", value=c.unit if c else "", key=f"{prefix}_unit", max_chars=30,
                        placeholder="rings, seconds, hours, %")
    direction = d.selectbox("Better when", list(DIRECTIONS), format_func=DIRECTIONS.__getitem__,
                            key=f"{prefix}_direction",
                            index=list(DIRECTIONS).index(c.direction) if c else 0)
    errors.slot("target", "unit", "direction")
    a, b = st.columns([1, 2])
    promise = a.number_input("External promise (optional)", value=c.promise if c else None,
                             key=f"{prefix}_promise", format="%g", placeholder="same unit",
                             help="What customers are told, in the target's unit. Promise no "
                                  "more than the target: under-promise, over-deliver.")
    promise_text = b.text_input("Wording of the promise", value=c.promise_text if c else "",
                                key=f"{prefix}_promise_text", max_chars=400)
    errors.slot("promise", "promise_text")
    data = StandardInput(title=title, channel=channel, quality=quality, description=description,
                         measure=measure, target=target, unit=unit, direction=direction,
                         promise=promise, promise_text=promise_text)
    return data, errors


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    register = standards.list_standards(con, org.id)

    cols = st.columns(4)
    cols[0].metric("Standards", len(register))
    cols[1].metric("Without a measurable target",
                   sum(not s.has_measurable_target for s in register))
    cols[2].metric("Promise stricter than target", sum(s.over_promises for s in register))
    cols[3].metric("Not yet communicated", sum(s.communications == 0 for s in register))

    if register:
        channel_filter = st.pills("Channel", STANDARD_CHANNELS, selection_mode="multi",
                                  key="standards_channel_filter")
        shown = [s for s in register if not channel_filter or s.channel in channel_filter]
        widgets.table(
            [{"Standard": s.title, "Channel": s.channel, "Quality": s.quality,
              "Measure": s.measure, "Target": s.target_text(),
              "Promise": f"{s.promise:g} {s.unit}" if s.promise is not None else "",
              "Communicated": s.communications, "Flags": ", ".join(s.flags())}
             for s in shown],
            hide_index=True, width="stretch", key="standards_table")
        risky = [s for s in register if s.over_promises]
        if risky:
            st.warning("**Over-promising:** customers are promised more than the team's own "
                       "target for " + "; ".join(
                           f"{md(s.title)} (target {md(s.target_text())}, promise "
                           f"{s.promise:g} {md(s.unit)})" for s in risky)
                       + ". Promise less than you deliver.", icon=":material/warning:")
    else:
        st.info("No standards yet." + (" Start from the template library or write your own."
                                       if session.allowed(Permission.EDIT_PLAN) else ""))

    if not session.allowed(Permission.EDIT_PLAN):
        session.refused(Permission.EDIT_PLAN, "Adding and editing standards")
        widgets.show_tabs("standards_tab", {
            "Communication log": lambda: _communications(con, org.id, register),
            "Phrase check": lambda: _phrase_check(register),
        })
        return
    widgets.show_tabs("standards_tab", {
        "Add a standard": lambda: _add(con, org.id),
        "Template library": lambda: _templates(con, org.id, register),
        "Edit or delete": lambda: _edit(con, org.id, register),
        "Communication log": lambda: _communications(con, org.id, register),
        "Phrase check": lambda: _phrase_check(register),
    })


def _add(con: Connection, org_id: int) -> None:
    keys = forms.FormKeys("standard_new")
    with st.form("standard_add"):
        data, errors = _standard_form(con, org_id, keys.prefix, None)
        if st.form_submit_button("Add standard", type="primary"):
            def add() -> None:
                standards.add_standard(con, org_id, data)
                keys.renew()
            forms.attempt(add, errors, success=f"Added the standard “{data.title.strip()}”."
                          + _wording_note(data))


def _phrase_check(register: list[Standard]) -> None:
    st.caption("Checks wording against phrases that put customers off, and suggests "
               "better ones.")
    labels = {s.id: s.title for s in register}
    chosen = st.selectbox("Check a standard", list(labels), index=None,
                          format_func=labels.__getitem__, key="phrase_standard",
                          placeholder="Choose a standard, or paste text below")
    if chosen is not None:
        s = next(x for x in register if x.id == chosen)
        show_phrase_check("\n".join(filter(None, [s.title, s.description, s.promise_text])),
                          key="phrase_hits_standard")
    text = st.text_area("Or paste any wording", key="phrase_text", height=100)
    if text.strip():
        show_phrase_check(text, key="phrase_hits_text")


def _wording_note(data: StandardInput) -> str:
    hits = check_phrases(" ".join([data.title, data.description, data.promise_text]))
    if not hits:
        return ""
    return (" Its wording uses phrases to avoid (" + ", ".join(h.phrase for h in hits)
            + "): see the phrase check tab.")


def _templates(con: Connection, org_id: int, register: list[Standard]) -> None:
    st.caption("Standards drawn from common practice. Add one, then adjust its target to suit.")
    have = {s.title.lower() for s in register}
    for index, template in enumerate(standards.templates()):
        with st.container(border=True, key=f"template_box_{index}"):
            text_col, button_col = st.columns([6, 1])
            text_col.markdown(f"**{md(template.title)}** · {template.channel} · "
                              f"{template.quality}")
            sign = "≤" if template.direction == "lower" else "≥"
            text_col.caption(f"{md(template.description)} Target: {template.measure} "
                             f"{sign} {template.target:g} {template.unit}")
            added = template.title.lower() in have
            if button_col.button("Added" if added else "Add", key=f"template_add_{index}",
                                 disabled=added, icon=":material/add:"):
                forms.attempt(partial(standards.add_from_template, con, org_id, template.title),
                              success=f"Added “{template.title}” to the register.")


def _edit(con: Connection, org_id: int, register: list[Standard]) -> None:
    if not register:
        st.caption("Add a standard first.")
        return
    by_id = {s.id: s for s in register}
    chosen = widgets.record_select(st, "Standard", list(by_id), lambda i: by_id[i].title,
                                   "standard_edit_choice")
    current = by_id[chosen]
    edit = forms.EditSession(f"standard_edit_{current.id}", current.version)
    with st.form(f"standard_edit_form_{current.id}"):
        data, errors = _standard_form(con, org_id, edit.prefix, current)
        if st.form_submit_button("Save changes", type="primary"):
            def save() -> None:
                standards.update_standard(con, org_id, current.id, edit.started_from, data)
                edit.restart()
            forms.attempt(save, errors, success="Standard saved." + _wording_note(data))
    edit.offer_reload("standard")
    with st.popover("Delete this standard", icon=":material/delete:"):
        naming = standards.complaints_naming(con, org_id, current.id)
        st.write(f"Delete {md(current.title)} and its {current.communications} "
                 "communication records?" + kept_without(naming, "standard"))
        if st.button("Yes, delete", key=f"standard_delete_{current.id}", type="primary"):
            forms.attempt(lambda: standards.delete_standard(con, org_id, current.id),
                          success=f"Deleted “{current.title}”.")


def _communications(con: Connection, org_id: int, register: list[Standard]) -> None:
    if not register:
        st.caption("Add a standard first." if session.allowed(Permission.EDIT_PLAN)
                   else "No standards yet.")
        return
    if session.allowed(Permission.EDIT_PLAN):
        _record_communication(con, org_id, register)
    log = standards.list_communications(con, org_id)
    period = sidebar.period()
    st.caption(f"{sum(period.contains(c.communicated_on) for c in log)} communications in "
               f"{period}; {len(log)} in all.")
    if log:
        widgets.table(
            [{"Date": c.communicated_on, "Standard": c.standard, "Audience": c.audience,
              "How": c.method, "Note": c.note} for c in log],
            hide_index=True, width="stretch", key="communications_table")


def _record_communication(con: Connection, org_id: int, register: list[Standard]) -> None:
    labels = {s.id: s.title for s in register}
    audience = st.radio("Audience", AUDIENCES, horizontal=True, key="comm_audience",
                        format_func=lambda a: "Staff (internal)" if a == "internal"
                        else "Customers (external)")
    keys = forms.FormKeys("comm")
    with st.form("communication_add"):
        errors = forms.FieldErrors()
        standard_id = st.selectbox("Standard", list(labels), format_func=labels.__getitem__,
                                   key=keys("standard"))
        left, right = st.columns(2)
        method = left.selectbox("How", COMMUNICATION_METHODS[audience], key=keys("method"))
        when = widgets.date_field(right, "When", date.today(), keys("date"))
        errors.slot("method", "communicated_on", "audience")
        note = st.text_input("Note", key=keys("note"), max_chars=500)
        errors.slot("note")
        if st.form_submit_button("Record communication", type="primary"):
            def add() -> None:
                standards.add_communication(con, org_id, standard_id, when, audience, method,
                                            note)
                keys.renew()
            forms.attempt(add, errors, success="Communication recorded.")


if __name__ == "__main__":
    render()
