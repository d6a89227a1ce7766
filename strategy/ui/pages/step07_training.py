"""Step 7 — training: modules, who must take them, completions, coverage, language check."""

from __future__ import annotations

from datetime import date

import streamlit as st

from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.safe_text import md
from strategy.core.wording import counted
from strategy.people import personnel, training
from strategy.plan.steps import step, training_status
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.phrase_check import show_phrase_check

STEP = step("training")


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    today = date.today()
    # Coverage and lateness per team and module, read once for the step's status, the
    # figures and both tabs; the list of who is late (thousands in a large
    # organisation) is read a page at a time on the Overdue tab, together with the
    # figures when that tab is open for HR.
    late_page: tuple[int, list[training.Overdue]] | None = None
    if st.session_state.get("training_tab") == OVERDUE_TAB \
            and session.allowed(Permission.HR_RECORDS):
        asked = max(1, int(st.session_state.get("overdue_page") or 1))
        figures, shown = training.figures_and_overdue(
            con, org.id, today, OVERDUE_PAGE, (asked - 1) * OVERDUE_PAGE)
        late_page = (asked, shown)
    else:
        figures = training.figures(con, org.id, today)
    overall, late = figures.overall, figures.overdue
    widgets.step_header(STEP, training_status(con, org.id, today, figures))
    modules = training.list_modules(con, org.id)
    cols = st.columns(3)
    cols[0].metric("Training coverage", overall.text(),
                   help="Passed, of all required (person, module) pairs for current staff")
    cols[1].metric("Overdue", f"{late:,}")
    cols[2].metric("Modules", len(modules))

    teams = session.recordable_teams(con, org.id)
    sections = {
        "Coverage": lambda: _coverage(figures),
        OVERDUE_TAB: lambda: _overdue(con, org.id, today, figures, late_page),
    }
    if teams is None:
        sections["Completions"] = lambda: _completion_log(con, org.id)
    else:
        sections["Record completions"] = lambda: _completions(con, org.id, modules, teams)
    sections["Modules and who takes them"] = lambda: _modules(con, org.id, modules)
    sections["Language check"] = _language_check
    if not session.allowed(Permission.EDIT_PLAN):
        session.refused(Permission.EDIT_PLAN, "Adding modules and saying who takes them")
    widgets.show_tabs("training_tab", sections)


def _coverage(figures: training.TrainingFigures) -> None:
    rows = figures.coverage
    if rows:
        widgets.table(
            [{"Team": r.team, "Module": r.module, "Passed": r.covered.part,
              "Required": r.covered.whole, "Coverage %": r.covered.value} for r in rows],
            hide_index=True, width="stretch", key="training_coverage",
            column_config={"Coverage %": st.column_config.ProgressColumn(
                min_value=0, max_value=100, format="%.0f%%")})
    else:
        st.info("No module is required of anyone yet" + (
            ": say who takes each module." if session.allowed(Permission.EDIT_PLAN) else "."))


OVERDUE_TAB = "Overdue"  # its label, which the tabs keep as the open tab's
OVERDUE_PAGE = 200  # people shown at a time
COMPLETIONS_PAGE = 200


def _overdue(con: Connection, org_id: int, today: date, figures: training.TrainingFigures,
             read: tuple[int, list[training.Overdue]] | None) -> None:
    """``read``: the page already read with the figures, and its number."""
    late = figures.overdue
    if not late:
        st.success("No required training is overdue.", icon=":material/check:")
    elif session.allowed(Permission.HR_RECORDS):
        page = widgets.page_number("overdue_page", late, OVERDUE_PAGE, today)
        # Read again only when the page box moved it (a new day, or past the last page).
        shown = read[1] if read is not None and read[0] == page else training.overdue(
            con, org_id, today, OVERDUE_PAGE, (page - 1) * OVERDUE_PAGE)
        st.caption(f"{late:,} overdue, longest overdue first"
                   + widgets.showing(late, page, OVERDUE_PAGE, len(shown)))
        widgets.table([{"Person": o.employee, "Number": o.number, "Team": o.team,
                        "Module": o.module, "Was due": o.due} for o in shown],
                     hide_index=True, width="stretch", key="training_overdue")
    else:
        # Who is late is a personal record: other roles see how many, per team and module.
        widgets.table([{"Team": team, "Module": module, "Overdue": n}
                       for team, module, n in figures.overdue_by_team],
                      hide_index=True, width="stretch", key="training_overdue")
        st.caption("Counts per team and module; HR sees who.")


def _language_check() -> None:
    st.caption("Paste a script, an email or a standard: phrases that put customers off are "
               "highlighted, with better wording.")
    text = st.text_area("Text to check", key="language_text", height=160)
    if text.strip():
        show_phrase_check(text, key="language_hits")


def _completions(con: Connection, org_id: int, modules: list[training.Module],
                 teams: dict[int, str]) -> None:
    """The completion form, offering only the people this person may record for, then the
    quarter's completions."""
    if not modules:
        st.info("Add modules first." if session.allowed(Permission.EDIT_PLAN) else
                "No training modules yet.")
        return
    any_team = session.allowed(Permission.RECORD_ANY_TEAM)
    if not personnel.count_employees(con, org_id, active_on=date.today()):
        sidebar.staff_first("Completions are recorded for members of staff: there are none "
                            "yet.")
    elif not teams and not any_team:
        session.no_team("training completions")
    else:
        _completion_form(con, org_id, modules, teams, any_team)
    _completion_log(con, org_id)


def _completion_form(con: Connection, org_id: int, modules: list[training.Module],
                     teams: dict[int, str], any_team: bool) -> None:
    names = {m.id: m.name for m in modules}
    if not any_team:
        st.caption(f"You record training for your own team: {md(', '.join(teams.values()))}.")
    keys = forms.FormKeys("completion")
    errors = forms.FieldErrors()
    # Chosen above the form, where a search can run: current staff of the teams this
    # person may record for.
    who = widgets.people_or_team(con, org_id, "Who completed it", keys("people"),
                                 active_on=date.today(),
                                 team_ids=None if any_team else list(teams))
    errors.slot("employees")
    with st.form("completion_add"):
        # The module stays chosen after a save: completions of one course come in batches.
        module_id = st.selectbox("Module", list(names), format_func=names.__getitem__,
                                 key="completion_module")
        a, b, c = st.columns(3)
        on = widgets.date_field(a, "Completed on", date.today(), keys("date"))
        passed = b.radio("Result", ["Passed", "Not passed"], key=keys("passed"),
                         horizontal=True) == "Passed"
        score = c.number_input("Score (optional, 0–100)", value=None, key=keys("score"))
        errors.slot("completed_on", "score")
        if st.form_submit_button("Record", type="primary"):
            def record() -> None:
                training.record_completion(con, org_id, module_id, list(who), on, passed,
                                           score)
                keys.renew()
            forms.attempt(record, errors, success="Completions recorded.")


def _completion_log(con: Connection, org_id: int) -> None:
    """The quarter's completions, by name: HR's, and a contributor's own team's."""
    if not session.allowed(Permission.HR_RECORDS):
        own = session.me().team_in(org_id) if session.allowed(Permission.RECORD_OWN_TEAM) else None
        if own is None:
            st.caption("Who completed which training, by name, is for HR to see; coverage "
                       "per team and module is on the Coverage tab.")
            return
    else:
        own = None
    period = sidebar.period()
    # Counted, and read a page at a time: a large organisation records thousands a quarter.
    total = training.count_completions(con, org_id, period.start, period.end, own)
    page = widgets.page_number("completions_page", total, COMPLETIONS_PAGE, (period, own))
    rows = training.list_completions(con, org_id, period.start, period.end, own,
                                     COMPLETIONS_PAGE, (page - 1) * COMPLETIONS_PAGE)
    st.caption(f"{counted(total, 'completion')} in {period}"
               + widgets.showing(total, page, COMPLETIONS_PAGE, len(rows)))
    if rows:
        widgets.table([{"Date": r[0], "Person": r[1], "Team": r[2], "Module": r[3],
                       "Result": "passed" if r[4] else "not passed", "Score": r[5],
                       "Recorded by": r[6]}
                      for r in rows], hide_index=True, width="stretch",
                     key="completions_table")


def _modules(con: Connection, org_id: int, modules: list[training.Module]) -> None:
    if modules:
        widgets.table([{"Module": m.name, "Topic": m.topic, "Due within (days of hire)":
                       m.due_within_days, "Required of teams": ", ".join(m.teams),
                       "Required of roles": ", ".join(m.roles), "About": m.description}
                      for m in modules], hide_index=True, width="stretch",
                     key="modules_table")
    elif not session.allowed(Permission.EDIT_PLAN):
        st.caption("No training modules yet.")
    if not session.allowed(Permission.EDIT_PLAN):
        return
    missing = [name for name, *_ in training.CURRICULUM
               if name.lower() not in {m.name.lower() for m in modules}]
    if missing and st.button(f"Add the starting curriculum ({len(missing)} modules)",
                             key="seed_curriculum"):
        forms.attempt(lambda: training.seed_curriculum(con, org_id),
                      success="Starting curriculum added.")
    if modules:
        names = {m.id: m.name for m in modules}
        module_id = st.selectbox("Who must take", list(names), format_func=names.__getitem__,
                                 key="req_module")
        module = next(m for m in modules if m.id == module_id)
        teams = {t.id: t.name for t in personnel.list_teams(con, org_id)}
        roles = sorted(set(personnel.list_roles(con, org_id))
                       | set(module.roles))
        if not teams:
            st.caption("No teams yet: a leader, HR or an administrator adds them (step 1, "
                       "under Teams that serve them, or People and teams). Roles can be "
                       "required meanwhile.")
        with st.form(f"req_form_{module_id}"):
            chosen_teams = st.multiselect("Teams", list(teams), format_func=teams.__getitem__,
                                          default=[i for i, n in teams.items()
                                                   if n in module.teams],
                                          key=f"req_teams_{module_id}")
            chosen_roles = st.multiselect("Roles, in any team", roles, default=list(module.roles),
                                          key=f"req_roles_{module_id}",
                                          accept_new_options=True)
            if st.form_submit_button("Save", type="primary"):
                # Newly required of a team or role: due from today for those hired
                # before, never overdue the moment it is set.
                forms.attempt(lambda: training.set_requirements(
                    con, org_id, module_id, list(chosen_teams), list(chosen_roles),
                    since=date.today()),
                    success="Saved who must take the module.")
    keys = forms.FormKeys("module")
    with st.form("module_add"):
        errors = forms.FieldErrors()
        a, b, c = st.columns([3, 2, 1])
        name = a.text_input("New module", key=keys("name"), max_chars=120)
        topic = b.text_input("Topic", key=keys("topic"), max_chars=60)
        due = c.number_input("Due within (days)", value=90, step=1, key=keys("due"),
                             help="From 1 to 3,650 days after the hire date.")
        errors.slot("module", "topic", "due_within_days")
        description = st.text_area("What it covers", key=keys("description"), height=70)
        errors.slot("description")
        if st.form_submit_button("Add module"):
            def add() -> None:
                training.add_module(con, org_id, name, topic, description,
                                    int(due) if due is not None else 0)
                keys.renew()
            forms.attempt(add, errors, success=f"Added the module {name.strip()}.")


if __name__ == "__main__":
    render()
