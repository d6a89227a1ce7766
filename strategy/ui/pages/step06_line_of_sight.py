"""Step 6 — line of sight from each team's standards to company results, and the impact
model."""

from __future__ import annotations

import math
from dataclasses import asdict, fields
from datetime import datetime

import altair as alt
import pandas as pd
import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.core.wording import counted
from strategy.measures import complaints, impact
from strategy.measures.impact import ASSUMPTION_NOTES, Assumptions, Inputs
from strategy.plan.steps import step
from strategy.service import line_of_sight, standards
from strategy.ui import forms, session, sidebar, widgets

STEP = step("line-of-sight")


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    period = sidebar.period()
    if not session.allowed(Permission.EDIT_PLAN):
        session.refused(Permission.EDIT_PLAN, "Linking standards to results and editing the impact "
                                         "model")
    widgets.show_tabs("sight_tab", {
        "Each team's line of sight": lambda: _sightlines(con, org.id, period),
        "What each standard moves": lambda: _links(con, org.id),
        "Impact model": lambda: _model(con, org.id, period),
    })


def _sightlines(con: Connection, org_id: int, period: Quarter) -> None:
    lines = line_of_sight.line_of_sight(con, org_id, period)
    if not lines:
        st.info("No standard applies to a team yet. Give standards their teams in step 5 "
                "(it opens once the staff are in People and teams, which HR or an "
                "administrator keeps).")
        return
    teams = sorted({line.team for line in lines})
    team = st.selectbox("Team", teams, key="sight_team")
    mine = [line for line in lines if line.team == team]
    moved = sorted({r for line in mine for r in line.results})
    st.markdown(f"**{md(team)}** keeps {counted(len(mine), 'standard')}, which move: "
                + (", ".join(moved) if moved else "no linked results yet") + ".")
    widgets.table(
        [{"Standard": line.standard, "Moves": ", ".join(line.results) or "—",
          f"Team's compliance in {period}": line.compliance.text()} for line in mine],
        hide_index=True, width="stretch", key="sight_table")
    unlinked = [line.standard for line in mine if not line.results]
    if unlinked:
        st.warning("Link these to the results they move (next tab): "
                   + "; ".join(md(u) for u in unlinked), icon=":material/link_off:")


def _links(con: Connection, org_id: int) -> None:
    register = standards.list_standards(con, org_id)
    if not register:
        st.info("Set standards in step 4 first.")
        return
    results = line_of_sight.results_of(con, org_id)
    if session.allowed(Permission.EDIT_PLAN):
        _links_form(con, org_id, register, results)
    widgets.table([{"Standard": s.title, "Moves": ", ".join(results.get(s.id, [])) or "—"}
                  for s in register], hide_index=True, width="stretch", key="links_table")


def _links_form(con: Connection, org_id: int, register: list[standards.Standard],
                results: dict[int, list[str]]) -> None:
    titles = {s.id: s.title for s in register}
    standard_id = st.selectbox("Standard", list(titles), format_func=titles.__getitem__,
                               key="links_standard")
    with st.form(f"links_form_{standard_id}"):
        errors = forms.FieldErrors()
        chosen = st.multiselect("Company results this standard moves", line_of_sight.RESULTS,
                                default=results.get(standard_id, []),
                                key=f"links_results_{standard_id}")
        errors.slot("results")
        if st.form_submit_button("Save", type="primary"):
            forms.attempt(lambda: line_of_sight.set_results(con, org_id, standard_id, list(chosen)),
                          errors, success="Saved.")


def _figure(entered: float | None) -> float:
    # An emptied field is not a number: the model's check refuses it beside the field
    # ("Enter a number of zero or more") instead of saving a zero nobody typed.
    return math.nan if entered is None else float(entered)


def _whole(entered: float | None) -> int:
    if entered is None or entered != int(entered):
        return -1  # refused by the model's check, like any negative count
    return int(entered)


def _model(con: Connection, org_id: int, period: Quarter) -> None:
    st.caption(f"For {period}, the quarter chosen in the sidebar.")
    saved = impact.load(con, org_id, period)
    editor = session.allowed(Permission.EDIT_PLAN)
    start = saved or impact.latest_before(con, org_id, period)
    if saved is None:
        st.info(f"Nothing saved for {period} yet" + (", so the form starts from the last "
                                                     "saved period." if start and editor
                                                     else "."))
    # The complaints register, where it has records of the quarter, supplies the
    # complaints and the share resolved quickly; the page says which source counts.
    blank = impact.Saved(Inputs(0, 0.0, 0, 0.0, 0.0), Assumptions(), datetime.now())
    sourced = impact.with_register(start or blank, complaints.impact_feed(
        con, org_id, [period])[0], period, complaints.target_days(con, org_id))
    st.caption(md(sourced.note))
    if editor:
        _model_form(con, org_id, period, sourced, (start or blank).inputs)
    if saved is not None:
        effective = impact.effective(con, org_id, period)
        assert effective is not None
        _model_result(effective.saved)


def _model_form(con: Connection, org_id: int, period: Quarter, start: impact.Sourced,
                typed: Inputs) -> None:
    """``start``: the model as shown (the register's figures where it has them);
    ``typed``: the numbers typed in before, kept when the register supplies them."""
    inputs = start.saved.inputs
    assumptions = start.saved.assumptions
    key = f"impact_{period}"
    with st.form(f"{key}_form"):
        errors = forms.FieldErrors()
        a, b, c = st.columns(3)
        customers = a.number_input("Active customers", step=1,
                                   value=inputs.active_customers, key=f"{key}_customers")
        value = b.number_input("Annual value per customer", step=10.0,
                               value=inputs.value_per_customer, key=f"{key}_value")
        cost = c.number_input("Cost of winning a new customer", step=10.0,
                              value=inputs.acquisition_cost, key=f"{key}_cost")
        errors.slot("active_customers", "value_per_customer", "acquisition_cost")
        a, b = st.columns(2)
        # Figures from the register are shown, not typed: the register keeps them.
        # (A box the register fills has a key of its own: the browser would otherwise
        # send back what it showed before as if it were typed.)
        received = a.number_input(
            f"Complaints in {period}" + (" (from the register)" if start.complaints_from_register
                                         else ""), step=1, value=inputs.complaints,
            key=f"{key}_complaints" + ("_register" if start.complaints_from_register else ""),
            disabled=start.complaints_from_register)
        quick = b.number_input(
            "Complaints resolved quickly (%)" + (" (from the register)"
                                                 if start.quick_from_register else ""),
            step=5.0, value=inputs.quick_resolution_share * 100,
            key=f"{key}_quick" + ("_register" if start.quick_from_register else ""),
            disabled=start.quick_from_register)
        errors.slot("complaints", "quick_resolution_share")
        with st.expander("Assumptions (edit them to match your own evidence)"):
            values: dict[str, float] = {}
            for f in fields(Assumptions):
                label, note = ASSUMPTION_NOTES[f.name]
                current = getattr(assumptions, f.name)
                share = f.name in ("return_if_quick", "leave_for_indifference")
                entered = _figure(st.number_input(label + (" (%)" if share else ""),
                                                  value=current * 100 if share else current,
                                                  key=f"{key}_{f.name}", help=note))
                values[f.name] = entered / 100 if share else entered
            errors.slot(*ASSUMPTION_NOTES)
        reason = forms.reason_field(con, org_id, f"{key}_reason", errors)
        if st.form_submit_button("Save and calculate", type="primary"):
            # The register's figures are shown, not typed: what was typed stays stored,
            # for the day the quarter has no register data.
            new_inputs = Inputs(
                _whole(customers), _figure(value),
                typed.complaints if start.complaints_from_register else _whole(received),
                typed.quick_resolution_share if start.quick_from_register
                else _figure(quick) / 100, _figure(cost))
            forms.attempt(lambda: impact.save(con, org_id, period, new_inputs,
                                              Assumptions(**values), reason),
                          errors, success=f"Impact model saved for {period}.")


def _model_result(saved: impact.Saved) -> None:
    result = impact.calculate(saved.inputs, saved.assumptions)
    st.caption(f"Saved {saved.updated_at:%d %b %Y %H:%M}.")
    cols = st.columns(4)
    cols[0].metric("Dissatisfied customers", f"{result.dissatisfied:,.0f}",
                   help=f"{saved.inputs.complaints:,} who complained and about "
                        f"{result.silent:,.0f} who did not")
    cols[1].metric("People hearing about it", f"{result.word_of_mouth:,.0f}")
    cols[2].metric("Revenue at risk (a year)", f"{result.revenue_at_risk:,.0f}",
                   help="Money, in the currency of the annual value per customer.")
    cols[3].metric("Revenue won back (a year)",
                   f"{result.win_back_revenue:,.0f}",
                   help=f"Money, in the currency of the annual value per customer, kept by "
                        f"resolving every complaint quickly: about "
                        f"{result.win_back_customers:,.1f} customers who would stay, times "
                        "what each is worth a year.")
    st.write(
        f"Replacing the customers at risk would cost about **{result.replace_cost:,.0f}**; "
        f"keeping them costs about **{result.keep_cost:,.0f}**. Of those who leave, about "
        f"{result.lost_to_indifference:,.0f} would go because of indifferent service, and it "
        f"would take some {result.good_moments_needed:,.0f} good experiences to make up for "
        "the bad ones.")
    chart = pd.DataFrame([
        {"Who": "Complained", "People": saved.inputs.complaints, "Group": "Unhappy customers"},
        {"Who": "Unhappy, said nothing", "People": result.silent, "Group": "Unhappy customers"},
        {"Who": "Heard about it", "People": result.word_of_mouth, "Group": "Word of mouth"},
    ])
    st.altair_chart(
        alt.Chart(chart).mark_bar().encode(
            y=alt.Y("Who:N", sort=None, title=None),
            x=alt.X("People:Q", title="People", scale=widgets.value_scale(chart["People"]),
                    axis=alt.Axis(format=",.0f")),
            color=alt.Color("Group:N", legend=None), tooltip=["Who", "People"],
        ).properties(height=160),
        width="stretch", key="impact_chart")
    with st.expander("How this is worked out"):
        st.markdown(
            "- Dissatisfied customers = complaints × (1 + silent ones per complaint), at most "
            "all active customers.\n"
            "- People hearing about it = dissatisfied × people told per bad experience.\n"
            "- Revenue at risk = dissatisfied × annual value per customer.\n"
            "- Revenue won back = complaints not resolved quickly × share who stay when "
            "resolved quickly × annual value (money, a year).\n"
            "- Replacing = dissatisfied × cost of a new customer; keeping = that ÷ the "
            "replace-to-keep ratio.")
        widgets.table([{"Assumption": ASSUMPTION_NOTES[k][0], "Value": v, "Why": ASSUMPTION_NOTES[
            k][1]} for k, v in asdict(saved.assumptions).items()], hide_index=True,
            width="stretch", key="impact_assumptions")



if __name__ == "__main__":
    render()
