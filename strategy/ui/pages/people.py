"""People and teams: the staff list, adding and editing people, and the HR import."""

from __future__ import annotations

from datetime import date

import streamlit as st

from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.safe_text import md
from strategy.io import imports
from strategy.io.staff_import import (
    Preview,
    preview_employees,
)
from strategy.people import personnel
from strategy.people.personnel import LEAVE_KINDS, Employee, EmployeeInput, Team
from strategy.ui import forms, session, sidebar, widgets
from strategy.ui.import_panel import done, mapped_setup, show_problems, template_button, upload


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    st.title("People and teams", anchor=False)
    st.caption("The staff who deliver the service. This is personal data: keep it to what the "
               "plan needs.")
    forms.show_flash()
    teams = personnel.list_teams(con, org.id)
    today = date.today()
    everyone = personnel.count_employees(con, org.id)
    current = personnel.count_employees(con, org.id, active_on=today)
    cols = st.columns(3)
    cols[0].metric("Current staff", f"{current:,}")
    cols[1].metric("Teams", len(teams))
    cols[2].metric("Former staff on record", f"{everyone - current:,}")

    widgets.show_tabs("people_tab", {
        "Staff list": lambda: _staff_list(con, org.id, everyone, teams, today),
        "Add or edit a person": lambda: _edit_person(con, org.id, teams),
        "Teams": lambda: _teams(con, org.id, teams),
        "Import from HR": lambda: _import(con, org.id),
    })


STAFF_PAGE_SIZES = [50, 100, 500]


def _staff_list(con: Connection, org_id: int, everyone: int, teams: list[Team],
                today: date) -> None:
    if not everyone:
        st.info("No staff yet. Add people one by one, or import your HR system's export.")
        return
    names = {t.id: t.name for t in teams}
    a, b, c = st.columns([2, 2, 1])
    team_filter = a.multiselect("Teams", list(names), format_func=names.__getitem__,
                                key="staff_team_ids")
    text = b.text_input("Search", key="staff_text", max_chars=80,
                        placeholder="Part of a name or employee number")
    show = c.radio("Show", ["Current staff", "Everyone"], horizontal=True, key="staff_show")
    on = today if show == "Current staff" else None
    chosen_teams = list(team_filter) or None
    # Only the page in view is read: a large organisation has tens of thousands.
    total = personnel.count_employees(con, org_id, on, chosen_teams, text)
    a, b, c = st.columns([1, 1, 3])
    size = a.selectbox("People per page", STAFF_PAGE_SIZES, index=1, key="staff_page_size")
    page = widgets.page_number("staff_page", total, size, (chosen_teams, text, show, size), b)
    rows = personnel.find_employees(con, org_id, text, on, chosen_teams, size, (page - 1) * size)
    c.caption(f"{total:,} {'person' if total == 1 else 'people'}"
              + widgets.showing(total, page, size, len(rows)))
    widgets.table(
        [{"Number": e.number, "Name": e.name, "Team": e.team, "Role": e.role,
          "Manager": e.manager_number, "Hired": e.hire_date, "Left": e.leave_date,
          "Leaving": e.leave_kind or "", "Reason": e.leave_reason} for e in rows],
        hide_index=True, width="stretch", key="staff_table")


def _person_fields(prefix: str, current: Employee | None,
                   teams: list[Team]) -> tuple[EmployeeInput, forms.FieldErrors]:
    errors = forms.FieldErrors()
    c = current
    team_ids = [t.id for t in teams]
    names = {t.id: t.name for t in teams}
    left, right = st.columns(2)
    number = left.text_input("Employee number", value=c.number if c else "",
                             key=f"{prefix}_number", max_chars=40)
    name = right.text_input("Name", value=c.name if c else "", key=f"{prefix}_name",
                            max_chars=120)
    errors.slot("number", "name")
    left, right = st.columns(2)
    team_id = left.selectbox("Team", team_ids, format_func=names.__getitem__,
                             index=team_ids.index(c.team_id) if c and c.team_id in team_ids
                             else None, key=f"{prefix}_team", placeholder="Choose a team")
    role = right.text_input("Role", value=c.role if c else "", key=f"{prefix}_role",
                            max_chars=80)
    errors.slot("team", "role")
    left, right = st.columns(2)
    hire = widgets.date_field(left, "Hire date", c.hire_date if c else None, f"{prefix}_hire")
    manager = right.text_input("Manager's employee number", value=c.manager_number if c else "",
                               key=f"{prefix}_manager", max_chars=40)
    errors.slot("hire_date", "manager_number")
    a, b, d = st.columns(3)
    leave = widgets.date_field(a, "Leave date (last day employed)", c.leave_date if c else None,
                               f"{prefix}_leave")
    kinds = [None, *LEAVE_KINDS]
    kind = b.selectbox("Leaving was", kinds, format_func=lambda k: k or "—",
                       index=kinds.index(c.leave_kind) if c else 0, key=f"{prefix}_kind")
    reason = d.text_input("Reason for leaving", value=c.leave_reason if c else "",
                          key=f"{prefix}_reason", max_chars=300)
    errors.slot("leave_date", "leave_kind", "leave_reason")
    data = EmployeeInput(number, name, team_id, hire, role, manager, leave, kind, reason)
    return data, errors


def _edit_person(con: Connection, org_id: int, teams: list[Team]) -> None:
    if not teams:
        st.info("Add a team first (Teams tab): everyone belongs to one.")
        return
    picked = widgets.person_picker(con, org_id, "Person to edit", "person_choice",
                                   placeholder="None: add a new person below")
    chosen = picked[0] if picked else None
    if chosen is None:
        keys = forms.FormKeys("person_new")
        with st.form("person_add"):
            data, errors = _person_fields(keys.prefix, None, teams)
            if st.form_submit_button("Add person", type="primary"):
                def add() -> None:
                    personnel.add_employee(con, org_id, data)
                    keys.renew()
                forms.attempt(add, errors, success=f"Added {data.name.strip()}.")
        return
    person = personnel.get_employee(con, org_id, chosen)
    edit = forms.EditSession(f"person_{person.id}", person.version)
    with st.form(f"person_form_{person.id}"):
        data, errors = _person_fields(edit.prefix, person, teams)
        if st.form_submit_button("Save changes", type="primary"):
            def save() -> None:
                personnel.update_employee(con, org_id, person.id, edit.started_from, data)
                edit.restart()
            forms.attempt(save, errors, success=f"Saved {data.name.strip()}.")
    edit.offer_reload("person")


def _teams(con: Connection, org_id: int, teams: list[Team]) -> None:
    counts = personnel.team_headcounts(con, org_id, date.today())
    if teams:
        widgets.table([{"Team": t.name, "Current staff": counts.get(t.id, 0)} for t in teams],
                     hide_index=True, key="teams_table")
    keys = forms.FormKeys("team_new")
    with st.form("team_add"):
        errors = forms.FieldErrors()
        name = st.text_input("New team", key=keys("name"), max_chars=80)
        errors.slot("team")
        if st.form_submit_button("Add team"):
            def add() -> None:
                personnel.add_team(con, org_id, name)
                keys.renew()
            forms.attempt(add, errors, success=f"Added the team {name.strip()}.")
    if teams:
        names = {t.id: t.name for t in teams}
        change = forms.FormKeys("team_change")
        with st.form("team_change"):
            errors = forms.FieldErrors()
            team_id = widgets.record_select(st, "Team", list(names), names.__getitem__,
                                            "team_change_choice")
            new_name = st.text_input("Rename to", key=change("rename"), max_chars=80)
            errors.slot("team")
            rename, delete = st.columns(2)
            if rename.form_submit_button("Rename"):
                def do_rename() -> None:
                    personnel.rename_team(con, org_id, team_id, new_name)
                    change.renew()
                forms.attempt(do_rename, errors,
                              success=f"Renamed {names[team_id]} to {new_name.strip()}.")
            if delete.form_submit_button("Delete team"):
                forms.attempt(lambda: personnel.delete_team(con, org_id, team_id), errors,
                              success="Team deleted.")


def _import(con: Connection, org_id: int) -> None:
    st.caption("Upload your HR system's export (CSV or Excel .xlsx). Say which column is which, "
               "check the preview, and import: every row or none. Rows are matched on the "
               "employee number, so importing the same file again updates people.")
    template_button("employees")
    got = upload("employees", "Staff file", "import_file")
    if got is None:
        return
    uploaded, table = got
    st.write(f"{len(table.rows):,} rows in {md(table.where())}.")
    errors = forms.FieldErrors()
    setup = mapped_setup(con, org_id, "employees", uploaded.file_id, table, "map", errors)
    if setup is None:
        return
    create_teams = st.checkbox("Create teams that do not exist yet", key="import_new_teams")

    bar = st.progress(0.0, text="Checking the file") if len(table.rows) > 2000 else None

    def report(share: float, text: str) -> None:
        if bar is not None:
            bar.progress(min(share, 1.0), text=text)

    try:
        preview = preview_employees(con, org_id, setup.table, setup.plan.columns,
                                    setup.plan.reading, create_teams, progress=report)
    except ValidationError as exc:
        errors.show(exc)
        return
    if bar is not None:
        bar.empty()
    _show_preview(preview)
    added, updated = preview.counts()
    label = f"Import {len(preview.rows):,} people ({added:,} new, {updated:,} updated)"
    if st.button(label, type="primary", disabled=not preview.clean, key="import_button"):
        def run() -> None:
            with st.spinner("Importing"):
                result = imports.import_file(
                    con, org_id, "employees", uploaded.name, uploaded.getvalue(),
                    source=setup.source, columns=setup.columns, values=setup.values,
                    date_order=setup.date_order, create_teams=create_teams,
                    save_mapping=setup.save)
            done("import_file")
            forms.flash(f"Imported {uploaded.name}. {result.summary()}")

        forms.attempt(run)


def _show_preview(preview: Preview) -> None:
    if preview.new_teams:
        st.info("These teams will be created: " + ", ".join(md(t) for t in preview.new_teams))
    show_problems([(r.line, r.problems) for r in preview.problem_rows], len(preview.rows))
    widgets.table(
        # As it will be stored: dates read, the team without a Workday manager's name,
        # a manager named in the file turned into their number.
        [{"Line": r.line, "Problems": " ".join(r.problems) or "ready", "Number": r.values["number"],
          "Name": r.values["name"], "Team": r.team_name, "Role": r.values["role"],
          "Manager": r.employee.manager_number if r.employee else "",
          "Hired": str(r.employee.hire_date or "") if r.employee else "",
          "Left": str(r.employee.leave_date or "") if r.employee else "",
          "Leaving": (r.employee.leave_kind or "") if r.employee else ""}
         for r in sorted(preview.rows, key=lambda r: (not r.problems, r.line))[:2000]],
        hide_index=True, width="stretch", key="import_preview")


if __name__ == "__main__":
    render()
