"""Step 5 — accountability: owners, teams, acknowledgements and compliance."""

from __future__ import annotations

from datetime import date

import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.core.wording import counted
from strategy.people import personnel
from strategy.plan.steps import step
from strategy.service import accountability, standards
from strategy.service.accountability import ObservationInput
from strategy.ui import forms, session, sidebar, widgets

STEP = step("accountability")
OBSERVATIONS_PAGE = 100  # observations shown at a time


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    register = standards.list_standards(con, org.id)
    if not register:
        st.info("Set standards in step 4 first: accountability is per standard.")
        st.page_link(sidebar.PAGES["standards"], label="Go to step 4", icon=":material/rule:")
        return
    if not personnel.count_employees(con, org.id, active_on=date.today()):
        sidebar.staff_first("This step needs your staff: owners, acknowledgements and "
                            "observations are people.")
        return
    period = sidebar.period()
    target = accountability.compliance_target(con, org.id)
    rates = accountability.compliance(con, org.id, period, "standard")
    owned = accountability.owners_view(con, org.id, period, rates)
    assigned = accountability.assignments(con, org.id)
    cols = st.columns(4)
    cols[0].metric("Standards with an owner", f"{sum(bool(a.owner_id) for a in assigned)} of "
                                              f"{len(assigned)}")
    cols[1].metric(f"Below {target:g}% in {period}", sum(o.below_target for o in owned))
    cols[2].metric(f"Not observed in {period}", sum(o.unobserved for o in owned))
    total = sum(r.rate.whole for r in rates)
    met = sum(r.rate.part for r in rates)
    cols[3].metric(f"Compliance in {period}", f"{100 * met / total:.0f}%" if total else "no data",
                   help=f"{met} of {total} observations met the standard")

    teams = session.recordable_teams(con, org.id)
    sections = {
        "Owners view": lambda: _owners(owned, period, target),
        "Compliance": lambda: _compliance(con, org.id, period, target),
    }
    if teams is None:
        sections["Observations"] = lambda: _observation_log(con, org.id, period)
    else:
        sections["Record an observation"] = lambda: _observe(con, org.id, register,
                                                             period, teams)
    sections["Acknowledgements"] = lambda: _acknowledge(con, org.id, register)
    sections["Owners and teams"] = lambda: _assign(con, org.id, register, assigned)
    if not session.allowed(Permission.EDIT_PLAN):
        session.refused(Permission.EDIT_PLAN, "Setting owners, teams, acknowledgements and the "
                                         "compliance target")
    widgets.show_tabs("accountability_tab", sections)


def _owners(owned: list[accountability.OwnedStandard], period: Quarter, target: float) -> None:
    if not owned:
        st.info("No standard has an owner yet"
                + (": assign them in the last tab." if session.allowed(Permission.EDIT_PLAN)
                   else "."))
        return
    st.caption(f"Each owner's standards in {period}: compliance with the number of observations, "
               f"against the target of {target:g}%.")
    for owner in sorted({o.owner for o in owned}):
        mine = [o for o in owned if o.owner == owner]
        attention = sum(o.below_target or o.unobserved for o in mine)
        with st.expander(f"{md(owner)} · {counted(len(mine), 'standard')}"
                         + (f" · {attention} need attention" if attention else ""),
                         expanded=bool(attention)):
            widgets.table(
                [{"Standard": o.title, "Compliance": o.rate.text(),
                  "Status": "not observed" if o.unobserved else
                  "below target" if o.below_target else "on target"} for o in mine],
                hide_index=True, width="stretch", key=f"owner_{mine[0].owner_id}")


def _compliance(con: Connection, org_id: int, period: Quarter, target: float) -> None:
    if session.allowed(Permission.EDIT_PLAN):
        _target_form(con, org_id, target)
    else:
        st.caption(f"The compliance target is {target:g}%.")
    for by, label in (("standard", "Standard"), ("team", "Team"), ("owner", "Owner")):
        rows = accountability.compliance(con, org_id, period, by)
        st.markdown(f"**By {label.lower()}**")
        if not rows:
            st.caption(f"No observations in {period}.")
            continue
        widgets.table(
            [{label: r.name, "Met": r.rate.part, "Observations": r.rate.whole,
              "Compliance %": round(r.rate.value, 1) if r.rate.value is not None else None,
              "On target": "yes" if (r.rate.value or 0) >= target else "no"} for r in rows],
            hide_index=True, width="stretch", key=f"compliance_{by}",
            column_config={"Compliance %": st.column_config.ProgressColumn(
                min_value=0, max_value=100, format="%.0f%%")})


def _target_form(con: Connection, org_id: int, target: float) -> None:
    with st.form("compliance_target_form"):
        errors = forms.FieldErrors()
        new_target = st.number_input("Compliance target (%)", value=target, step=1.0,
                                     key="compliance_target", help="Above 0, at most 100.")
        errors.slot("compliance_target")
        if st.form_submit_button("Save target"):
            if new_target is None:
                errors.show(ValidationError({"compliance_target": "Enter the target: a "
                                                                  "percentage above 0."}))
            else:
                forms.attempt(lambda: accountability.set_compliance_target(con, org_id,
                                                                           new_target),
                              errors, success="Compliance target saved.")


def _observe(con: Connection, org_id: int, register: list[standards.Standard],
             period: Quarter, teams: dict[int, str]) -> None:
    """The observation form, offering only the teams (and their people) this person may
    record for, then the quarter's observations."""
    any_team = session.allowed(Permission.RECORD_ANY_TEAM)
    if not teams and not any_team:
        session.no_team("observations")
    else:
        _observation_form(con, org_id, register, teams, any_team)
    _observation_log(con, org_id, period)


def _observation_form(con: Connection, org_id: int, register: list[standards.Standard],
                      teams: dict[int, str],
                      any_team: bool) -> None:
    titles = {s.id: s.title for s in register}
    keys = forms.FormKeys("obs")
    errors = forms.FieldErrors()
    # Chosen above the form, where a search can run.
    person = widgets.person_picker(con, org_id, "The person observed (optional)", keys("employee"),
                                   active_on=date.today(),
                                   team_ids=None if any_team else list(teams),
                                   placeholder="(optional: or choose the team below)")
    employee_id = person[0] if person else None
    errors.slot("employee")
    with st.form("observation_add"):
        standard_id = st.selectbox("Standard", list(titles), format_func=titles.__getitem__,
                                   key=keys("standard"))
        left, right = st.columns(2)
        observed_on = widgets.date_field(left, "Observed on", date.today(), keys("date"))
        right.text_input("Observer", value=session.me().name, disabled=True, key=keys("observer"),
                         help="Observations are recorded as made by whoever is signed in.")
        errors.slot("observed_on")
        # A contributor has one team to choose: it starts chosen.
        team_id = st.selectbox("Team observed (or the person above)", list(teams),
                               format_func=teams.__getitem__, index=None if any_team else 0,
                               key=keys("team"), placeholder="Choose a team")
        errors.slot("team")
        met = st.radio("Was the standard met?", ["Met", "Not met"], horizontal=True,
                       key=keys("met")) == "Met"
        note = st.text_input("Note", key=keys("note"), max_chars=500)
        errors.slot("note")
        reason = forms.reason_field(con, org_id, keys("reason"), errors)
        if st.form_submit_button("Record observation", type="primary"):
            def add() -> None:
                accountability.add_observation(con, org_id, ObservationInput(
                    standard_id, observed_on, met, team_id, employee_id, note),
                    reason=reason)
                keys.renew()
            forms.attempt(add, errors, success="Observation recorded.")


def _observation_log(con: Connection, org_id: int, period: Quarter) -> None:
    total = accountability.count_observations(con, org_id, period)
    if not total:
        st.caption(f"No observations in {period}.")
        return
    # A large organisation makes thousands a quarter: they are read a page at a time.
    left, right = st.columns([1, 3])
    page = widgets.page_number("observations_page", total, OBSERVATIONS_PAGE, period, left)
    rows = accountability.list_observations(con, org_id, period, OBSERVATIONS_PAGE,
                                            (page - 1) * OBSERVATIONS_PAGE)
    right.caption(f"{total:,} observations in {period}"
                  + widgets.showing(total, page, OBSERVATIONS_PAGE, len(rows)))
    if session.allowed(Permission.HR_RECORDS):
        widgets.table(
            [{"Date": r[1], "Standard": r[2], "Team": r[3], "Person": r[4],
              "Result": "met" if r[5] else "not met", "Observer": r[6], "Note": r[7]}
             for r in rows], hide_index=True, width="stretch", key="observations_table")
    else:
        # Which person was observed, and notes about them, are personal records: the
        # other roles see the observations by team.
        widgets.table(
            [{"Date": r[1], "Standard": r[2], "Team": r[3],
              "Result": "met" if r[5] else "not met", "Observer": r[6]}
             for r in rows], hide_index=True, width="stretch", key="observations_table")


def _acknowledge(con: Connection, org_id: int, register: list[standards.Standard]) -> None:
    coverage = accountability.acknowledgement_coverage(con, org_id, date.today())
    if coverage:
        st.caption("Of each team's current staff × the standards that apply to the team, how "
                   "many acknowledgements are on record.")
        widgets.table(
            [{"Team": c.team, "Staff": c.staff, "Standards": c.standards,
              "Acknowledged": c.acknowledged.part, "Required": c.acknowledged.whole,
              "Coverage %": c.acknowledged.value} for c in coverage],
            hide_index=True, width="stretch", key="ack_coverage",
            column_config={"Coverage %": st.column_config.ProgressColumn(
                min_value=0, max_value=100, format="%.0f%%")})
    if not session.allowed(Permission.EDIT_PLAN):
        if not coverage:
            st.caption("No standard applies to a team yet, so no acknowledgements are due.")
        return
    titles = {s.id: s.title for s in register}
    keys = forms.FormKeys("ack")
    errors = forms.FieldErrors()
    # Chosen above the form, where a search can run.
    who = widgets.people_or_team(con, org_id, "Who acknowledged it", keys("employees"),
                                 active_on=date.today())
    errors.slot("employees")
    with st.form("ack_add"):
        standard_id = st.selectbox("Standard", list(titles), format_func=titles.__getitem__,
                                   key=keys("standard"))
        on = widgets.date_field(st, "On", date.today(), keys("date"))
        errors.slot("acknowledged_on")
        if st.form_submit_button("Record acknowledgements", type="primary"):
            def record() -> None:
                added = accountability.acknowledge(con, org_id, standard_id, list(who), on)
                keys.renew()
                forms.flash(f"{added} new acknowledgements recorded"
                            + (f"; {len(who) - added} were already on record." if added < len(who)
                               else "."))
            forms.attempt(record, errors)


def _assign(con: Connection, org_id: int, register: list[standards.Standard],
            assigned: list[accountability.Assignment]) -> None:
    widgets.table(
        [{"Standard": a.title, "Owner": a.owner, "Applies to": ", ".join(a.teams)}
         for a in assigned], hide_index=True, width="stretch", key="assignments_table")
    if not session.allowed(Permission.EDIT_PLAN):
        return
    by_id = {a.standard_id: a for a in assigned}
    titles = {s.id: s.title for s in register}
    standard_id = st.selectbox("Standard", list(titles), format_func=titles.__getitem__,
                               key="assign_standard")
    current = by_id[standard_id]
    teams = {t.id: t.name for t in personnel.list_teams(con, org_id)}
    errors = forms.FieldErrors()
    # Chosen above the form, where a search can run.
    chosen = widgets.person_picker(con, org_id, "Accountable owner", f"assign_owner_{standard_id}",
                                   active_on=date.today(),
                                   default=[current.owner_id] if current.owner_id else (),
                                   placeholder="Choose the owner")
    owner = chosen[0] if chosen else None
    errors.slot("owner")
    with st.form(f"assign_form_{standard_id}"):
        applies = st.multiselect("Teams it applies to", list(teams),
                                 default=[t for t in current.team_ids if t in teams],
                                 format_func=teams.__getitem__, key=f"assign_teams_{standard_id}")
        errors.slot("teams")
        if st.form_submit_button("Save", type="primary"):
            forms.attempt(lambda: accountability.assign(con, org_id, standard_id, owner,
                                                        list(applies)),
                          errors, success="Owner and teams saved.")


if __name__ == "__main__":
    render()
