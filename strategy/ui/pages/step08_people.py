"""Step 8 — recruiting and retaining: the workforce over the quarters, and hiring for
attitude."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.people import personnel, workforce
from strategy.plan.steps import step
from strategy.ui import forms, session, sidebar, widgets

STEP = step("people")
QUARTERS_SHOWN = 8


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    widgets.show_tabs("people_step_tab", {
        "Headcount, turnover and retention": lambda: _workforce(con, org.id, sidebar.period()),
        "Hiring for attitude": lambda: _hiring(con, org.id),
    })


def _pct(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _workforce(con: Connection, org_id: int, period: Quarter) -> None:
    if not session.allowed(Permission.HR_AGGREGATES):
        session.refused(Permission.HR_AGGREGATES, "The workforce figures")
        return
    if not personnel.count_employees(con, org_id):
        sidebar.staff_first("Headcount, turnover and retention are counted from your staff "
                            "records: there are none yet.")
        return
    quarters = [period.shift(-n) for n in range(QUARTERS_SHOWN - 1, -1, -1)]
    teams: dict[int | None, str] = {None: "All teams"}
    teams.update({t.id: t.name for t in personnel.list_teams(con, org_id)})
    team_id = st.selectbox("Team", list(teams), format_func=teams.__getitem__,
                           key="workforce_team_id")
    # Only the team shown is worked out: eight quarters, one query.
    figures = workforce.quarter_figures(con, org_id, quarters, team_id)
    mine = [workforce.TeamQuarter(q, teams[team_id], f)
            for q, f in zip(quarters, figures, strict=True)]
    now = mine[-1].figures
    cols = st.columns(4)
    today = date.today()
    if period.end < today:
        cols[0].metric(f"Headcount at the end of {period}", now.closing,
                       delta=now.closing - now.opening, delta_color="off")
    else:
        # A quarter still under way has no end-of-quarter headcount yet: today's.
        present = personnel.count_employees(
            con, org_id, active_on=today, team_ids=[team_id] if team_id is not None else None)
        cols[0].metric(f"Headcount today ({today:%-d %b})", present,
                       delta=present - now.opening, delta_color="off",
                       help=f"{period} is still under way: the change is since it began, and "
                            "its turnover and retention count the hires and leavers recorded "
                            "so far.")
    cols[1].metric("Turnover", f"{now.turnover:.1f}%" if now.turnover is not None else "—",
                   help=f"{now.leavers} leavers ÷ average headcount {now.average_headcount:g}")
    cols[2].metric("Retention", now.retention.text(),
                   help="Of those employed at the start of the quarter, the share still "
                        "employed at its end")
    cols[3].metric("Average tenure", f"{now.average_tenure_years:.1f} years"
                   if now.average_tenure_years is not None else "—")
    table = [{"Quarter": str(r.quarter), "Opening": r.figures.opening,
              "Hires": r.figures.hires, "Leavers (voluntary)": r.figures.leavers_voluntary,
              "Leavers (involuntary)": r.figures.leavers_involuntary,
              "Closing": r.figures.closing, "Turnover %": _pct(r.figures.turnover),
              "Retention %": _pct(r.figures.retention.value),
              "Retention n": r.figures.retention.whole,
              "Tenure (years)": _pct(r.figures.average_tenure_years)} for r in mine]
    frame = pd.DataFrame(table)
    long = frame.melt(id_vars=["Quarter"], value_vars=["Turnover %", "Retention %"],
                      var_name="Measure", value_name="Percent").dropna()
    # Turnover (a few per cent) and retention (near 100%) need their own scales.
    base = alt.Chart(long).encode(x=alt.X("Quarter:N", sort=None, axis=alt.Axis(labelAngle=0)))
    turnover = alt.layer(
        base.transform_filter("datum.Measure == 'Turnover %'").mark_line(point=True).encode(
            y=alt.Y("Percent:Q", title="Turnover %",
                    scale=widgets.value_scale(frame["Turnover %"])),
            tooltip=["Quarter", "Percent"]),
        base.transform_filter("datum.Measure == 'Retention %'").mark_line(
            point=True, strokeDash=[4, 3], color="#8a8a8a").encode(
            y=alt.Y("Percent:Q", title="Retention % (dashed)",
                    scale=widgets.value_scale(frame["Retention %"])),
            tooltip=["Quarter", "Percent"]),
    ).resolve_scale(y="independent").properties(title="Turnover and retention", height=260)
    flows = frame.melt(id_vars=["Quarter"], value_vars=["Hires", "Leavers (voluntary)",
                                                        "Leavers (involuntary)"],
                       var_name="Movement", value_name="People")
    bars = alt.Chart(flows).mark_bar().encode(
        x=alt.X("Quarter:N", sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("People:Q", scale=widgets.value_scale(flows["People"]), axis=widgets.COUNT_AXIS),
        color=alt.Color("Movement:N", legend=alt.Legend(orient="bottom", title=None)),
        xOffset="Movement:N", tooltip=["Quarter", "Movement", "People"]
    ).properties(title="Hires and leavers", height=260)
    left, right = st.columns(2)
    left.altair_chart(turnover, width="stretch", height=330, key="workforce_chart")
    right.altair_chart(bars, width="stretch", height=330, key="workforce_flows")
    widgets.table(frame, hide_index=True, width="stretch", key="workforce_table")
    if now.leavers and session.allowed(Permission.HR_RECORDS):
        reasons = workforce.leave_reasons(con, org_id, period.start, period.end, team_id)
        st.markdown(f"**Why people left in {period}**")
        widgets.table([{"Reason": k, "Leavers": v} for k, v in reasons.items()],
                      hide_index=True, key="leave_reasons")
    st.caption("Turnover = leavers in the quarter ÷ average of the opening and closing "
               "headcount. Retention = of the people employed as the quarter began, the share "
               "still employed as it ended. A leave date is the last day employed.")


def _hiring(con: Connection, org_id: int) -> None:
    criteria = workforce.list_criteria(con, org_id)
    st.caption("Service is mostly attitude and partly technique: weigh the scorecard "
               "accordingly, and score every candidate on the same criteria.")
    if not criteria:
        if st.button("Start from the suggested scorecard", key="seed_criteria", type="primary"):
            forms.attempt(lambda: workforce.seed_criteria(con, org_id),
                          success="Suggested criteria added; adjust them to your roles.")
    else:
        share = workforce.attitude_share(criteria)
        st.metric("Weight given to attitude", f"{share:.0f}%" if share is not None else "—")
        if share is not None and share <= 50:
            st.warning("Attitude carries half the weight or less: service depends more on "
                       "attitude than on technique.", icon=":material/balance:")
        widgets.table([{"Criterion": c.name, "Kind": c.kind, "Weight": c.weight}
                      for c in criteria], hide_index=True, key="criteria_table")
    if session.allowed(Permission.EDIT_PLAN):
        _add_criterion(con, org_id)
    if not criteria:
        return
    if not session.allowed(Permission.HR_RECORDS):
        session.refused(Permission.HR_RECORDS, "Scoring candidates")
        return
    _candidates(con, org_id, criteria)


def _add_criterion(con: Connection, org_id: int) -> None:
    keys = forms.FormKeys("criterion")
    with st.form("criterion_add"):
        errors = forms.FieldErrors()
        a, b, c = st.columns([3, 1, 1])
        name = a.text_input("New criterion", key=keys("name"), max_chars=120)
        kind = b.selectbox("Kind", workforce.KINDS, key=keys("kind"))
        weight = c.number_input("Weight", value=10.0, step=0.5, key=keys("weight"),
                                help="Any weight above zero; weights are compared, not summed "
                                     "to 100.")
        errors.slot("criterion", "kind", "weight")
        if st.form_submit_button("Add criterion"):
            def add() -> None:
                workforce.add_criterion(con, org_id, name, kind,
                                        weight if weight is not None else 0.0)
                keys.renew()
            forms.attempt(add, errors, success="Criterion added.")


def _candidates(con: Connection, org_id: int, criteria: list[workforce.Criterion]) -> None:
    st.subheader("Score a candidate", anchor=False)
    keys = forms.FormKeys("cand")
    with st.form("candidate_add"):
        errors = forms.FieldErrors()
        a, b = st.columns(2)
        candidate = a.text_input("Candidate", key=keys("name"), max_chars=120)
        role = b.text_input("Role", key=keys("role"), max_chars=80)
        errors.slot("candidate", "role")
        a, b = st.columns(2)
        interviewer = a.text_input("Interviewer", value=session.me().name,
                                   key=keys("interviewer"))
        when = widgets.date_field(b, "Interviewed on", date.today(), keys("date"))
        errors.slot("interviewer", "interviewed_on")
        scores = {}
        columns = st.columns(2)
        for index, criterion in enumerate(criteria):
            scores[criterion.id] = columns[index % 2].slider(
                f"{md(criterion.name)} ({criterion.kind}, weight {criterion.weight:g})", 1, 5, 3,
                key=keys(f"score_{criterion.id}"))
        errors.slot("scores")
        notes = st.text_area("Notes", key=keys("notes"), height=70)
        errors.slot("notes")
        if st.form_submit_button("Save scorecard", type="primary"):
            def add() -> None:
                workforce.score_candidate(con, org_id, candidate, role, interviewer, when,
                                          scores, notes)
                keys.renew()
            forms.attempt(add, errors, success="Scorecard saved.")
    candidates = workforce.list_candidates(con, org_id)
    if candidates:
        widgets.table([{"Interviewed": c.interviewed_on, "Candidate": c.name, "Role": c.role,
                       "Interviewer": c.interviewer, "Overall (0–100)": _pct(c.score),
                       "Attitude (0–100)": _pct(c.attitude_score), "Notes": c.notes}
                      for c in candidates], hide_index=True, width="stretch",
                     key="candidates_table")


if __name__ == "__main__":
    render()
