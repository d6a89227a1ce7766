"""Step 2 — assess needs and wants: importance against performance, per segment."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.safe_text import md
from strategy.core.vocabulary import CHOICE_REASONS, EVIDENCE_SOURCES, EXPECTATION_FACTORS
from strategy.customers import needs, segments
from strategy.customers.needs import Assessment, AssessmentInput
from strategy.customers.segments import Segment
from strategy.plan.steps import step
from strategy.ui import forms, session, sidebar, widgets

STEP = step("needs")


def _chart(latest: list[Assessment]) -> alt.LayerChart | alt.FacetChart:
    frame = pd.DataFrame(
        [{"Segment": a.segment, "Quality": a.quality, "Importance": a.importance,
          "Performance": a.performance, "Gap": a.gap, "Source": a.source,
          "Asked": a.asked_on.isoformat()} for a in latest])
    # Several assessments often share a point on a 1–5 grid: spread them sideways
    # (the tooltip keeps the true scores) so none is hidden behind another.
    frame["Spread"] = frame.groupby(["Importance", "Performance"]).cumcount()
    group_size = frame.groupby(["Importance", "Performance"])["Spread"].transform("count")
    frame["x"] = frame["Performance"] + (frame["Spread"] - (group_size - 1) / 2) * 0.12
    points = alt.Chart(frame).mark_circle(size=140, opacity=0.85).encode(
        x=alt.X("x:Q", scale=alt.Scale(domain=[0.5, 5.5]),
                axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d"),
                title="Current performance (1–5)"),
        y=alt.Y("Importance:Q", scale=alt.Scale(domain=[0.5, 5.5]),
                axis=alt.Axis(values=[1, 2, 3, 4, 5]), title="Importance (1–5)"),
        color=alt.Color("Segment:N", legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=["Segment", "Quality", "Importance", "Performance", "Gap", "Source", "Asked"],
    )
    diagonal = alt.Chart(pd.DataFrame({"x": [0.5, 5.5], "y": [0.5, 5.5]})).mark_line(
        strokeDash=[4, 4], color="gray").encode(x="x:Q", y="y:Q")
    labels = alt.Chart(pd.DataFrame([
        {"x": 1.3, "y": 5.3, "text": "Fix first: matters, delivered poorly"},
        {"x": 4.7, "y": 0.7, "text": "Possible over-delivery"},
    ])).mark_text(color="gray", fontSize=11).encode(x="x:Q", y="y:Q", text="text:N")
    return alt.layer(diagonal, points, labels).properties(height=460)


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    listed = segments.list_segments(con, org.id)
    if not listed:
        st.info("Add customer segments in step 1 first: needs are assessed per segment.")
        st.page_link(sidebar.PAGES["customers"], label="Go to step 1", icon=":material/group:")
        return

    today = date.today()
    latest = needs.list_assessments(con, org.id, latest_only=True, today=today)
    ranked = needs.priorities(con, org.id, today=today)
    all_rows = needs.list_assessments(con, org.id, today=today)
    period = sidebar.period()

    cols = st.columns(4)
    cols[0].metric("Current assessments", len(latest))
    cols[1].metric(f"Asked in {period}", sum(period.contains(a.asked_on) for a in all_rows))
    cols[2].metric("Based on assumption", sum(a.is_assumption for a in latest))
    cols[3].metric(f"Older than {org.reassess_days} days", sum(a.is_stale for a in latest))

    assumed = [a for a in latest if a.is_assumption]
    stale = [a for a in latest if a.is_stale]
    if assumed:
        st.warning("**Assumed, not asked:** " + "; ".join(
            f"{md(a.segment)} – {md(a.quality)}" for a in assumed)
            + ". You cannot assume what customers expect: ask them.", icon=":material/help:")
    if stale:
        st.warning(f"**Out of date** (asked more than {org.reassess_days} days ago): " + "; ".join(
            f"{md(a.segment)} – {md(a.quality)} ({a.asked_on:%d %b %Y})" for a in stale)
            + ". Expectations move: ask again.", icon=":material/history:")
    unevidenced = needs.segments_without_evidence(con, org.id, today)
    if unevidenced:
        st.caption("Segments without a current, evidenced assessment: "
                   + ", ".join(md(n) for n in unevidenced))

    if latest:
        chart_col, table_col = st.columns(2)
        with chart_col:
            st.subheader("Importance against performance", anchor=False)
            st.altair_chart(_chart(latest), width="stretch", key="needs_chart")
        with table_col:
            st.subheader("Priorities", anchor=False)
            st.caption("Ranked by gap (importance − performance), then importance.")
            widgets.table(
                [{"Rank": i, "Gap": a.gap, "Segment": a.segment, "Quality": a.quality,
                  "Imp.": a.importance, "Perf.": a.performance,
                  "Flag": "assumption" if a.is_assumption else "stale" if a.is_stale else ""}
                 for i, a in enumerate(ranked, start=1)],
                hide_index=True, width="stretch", height=560, key="needs_priorities")

    by_id = {s.id: s for s in listed}
    if not session.allowed(Permission.EDIT_PLAN):
        session.refused(Permission.EDIT_PLAN, "Recording assessments and editing expectations")
        widgets.show_tabs("needs_tab", {
            "Expectations and choice": lambda: _expectations_read(listed),
            "All assessments": lambda: _history(con, org.id, all_rows),
        })
        return
    widgets.show_tabs("needs_tab", {
        "Record an assessment": lambda: _record(con, org.id, by_id, today),
        "Expectations and choice": lambda: _expectations(con, org.id, by_id),
        "All assessments": lambda: _history(con, org.id, all_rows),
        "Custom qualities": lambda: _qualities(con, org.id),
    })


def _record(con: Connection, org_id: int, by_id: dict[int, Segment], today: date) -> None:
    keys = forms.FormKeys("assessment")
    with st.form("assessment_add"):
        errors = forms.FieldErrors()
        left, right = st.columns(2)
        segment_id = left.selectbox("Segment", list(by_id), key=keys("segment"),
                                    format_func=lambda i: by_id[i].name)
        quality = right.selectbox("Service quality", needs.qualities(con, org_id),
                                  key=keys("quality"))
        errors.slot("segment", "quality")
        left, right = st.columns(2)
        importance = left.slider("How important is it to them?", 1, 5, 4,
                                 key=keys("importance"), help="1 = hardly, 5 = essential")
        performance = right.slider("How well do we deliver it today?", 1, 5, 3,
                                   key=keys("performance"), help="1 = poorly, 5 = excellently")
        errors.slot("importance", "performance")
        left, right = st.columns(2)
        source = left.selectbox("Evidence", EVIDENCE_SOURCES, key=keys("source"),
                                help="Choose “assumption” only if nobody asked; it will be "
                                     "flagged until someone does.")
        asked_on = widgets.date_field(right, "Date asked", today, keys("date"))
        errors.slot("source", "asked_on")
        notes = st.text_area("Notes", key=keys("notes"), height=70,
                             placeholder="Sample size, who was asked, what they said")
        errors.slot("notes")
        if st.form_submit_button("Save assessment", type="primary"):
            data = AssessmentInput(segment_id, quality, importance, performance, source,
                                   asked_on, notes)

            def add() -> None:
                needs.add_assessment(con, org_id, data)
                keys.renew()
            forms.attempt(add, errors, success=f"Saved: {by_id[segment_id].name} – {quality}.")


def _expectations(con: Connection, org_id: int, by_id: dict[int, Segment]) -> None:
    chosen = st.selectbox("Segment", list(by_id), key="expect_segment",
                          format_func=lambda i: by_id[i].name)
    segment = by_id[chosen]
    edit = forms.EditSession(f"expect_{segment.id}", segment.version, f"segment:{segment.id}")
    prefix = edit.prefix
    with st.form(f"expect_{segment.id}_form"):
        errors = forms.FieldErrors()
        factors = st.multiselect("What shapes their expectations", EXPECTATION_FACTORS,
                                 default=segment.expectation_factors, key=f"{prefix}_factors")
        errors.slot("expectation_factors")
        notes = st.text_area("How", value=segment.expectation_notes, key=f"{prefix}_notes",
                             height=70)
        errors.slot("expectation_notes")
        reasons = st.multiselect("Why they choose us", CHOICE_REASONS,
                                 default=segment.choice_reasons, key=f"{prefix}_reasons")
        errors.slot("choice_reasons")
        if st.form_submit_button("Save", type="primary"):
            def save() -> None:
                edit.restart(saved_as=segments.update_expectations(
                    con, org_id, segment.id, edit.started_from, list(factors), notes,
                    list(reasons)))
            forms.attempt(save, errors, success="Saved.")
    edit.offer_reload("segment")


def _expectations_read(segments: list[Segment]) -> None:
    """What the expectations form holds, for those who may read but not edit it."""
    widgets.table(
        # Nothing recorded reads as a dash, not as a blank.
        [{"Segment": s.name,
          "What shapes their expectations": ", ".join(s.expectation_factors) or None,
          "How": s.expectation_notes or None,
          "Why they choose us": ", ".join(s.choice_reasons) or None} for s in segments],
        hide_index=True, width="stretch", key="expectations_table")


def _history(con: Connection, org_id: int, all_rows: list[Assessment]) -> None:
    if not all_rows:
        st.caption("No assessments yet.")
        return
    widgets.table(
        [{"Asked": a.asked_on, "Segment": a.segment, "Quality": a.quality,
          "Importance": a.importance, "Performance": a.performance, "Gap": a.gap,
          "Evidence": a.source, "Notes": a.notes,
          "Flag": "assumption" if a.is_assumption else "stale" if a.is_stale else ""}
         for a in all_rows],
        hide_index=True, width="stretch", key="needs_history")
    if not session.allowed(Permission.EDIT_PLAN):
        return
    labels = {a.id: f"{a.asked_on} · {a.segment} · {a.quality}" for a in all_rows}
    doomed = widgets.record_select(st, "Delete an assessment entered by mistake", list(labels),
                                   labels.__getitem__, "assessment_delete_choice", index=None)
    if doomed is not None and st.button("Delete it", key="assessment_delete"):
        forms.attempt(lambda: needs.delete_assessment(con, org_id, doomed),
                      success="Assessment deleted.")


def _qualities(con: Connection, org_id: int) -> None:
    keys = forms.FormKeys("quality")
    with st.form("quality_add"):
        st.caption("Add a quality your customers name that is not on the standard list.")
        errors = forms.FieldErrors()
        name = st.text_input("Quality", key=keys("name"), max_chars=60)
        errors.slot("quality")
        if st.form_submit_button("Add quality"):
            def add() -> None:
                needs.add_quality(con, org_id, name)
                keys.renew()
            forms.attempt(add, errors, success=f"Added the quality “{name.strip()}”.")


if __name__ == "__main__":
    render()
