"""Settings: create, rename, configure and delete organisations; load the demo."""

from __future__ import annotations

import streamlit as st

from strategy.core import orgs
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.safe_text import md
from strategy.core.wording import counted
from strategy.demo.riverbend import DEMO_NAME, load_demo
from strategy.io import dates, mapping
from strategy.ui import forms, session, sidebar


def create_form(con: Connection) -> None:
    """Start a new, empty organisation and switch to it."""
    st.subheader("Start a new organisation", anchor=False)
    keys = forms.FormKeys("org_new")
    with st.form("org_create"):
        errors = forms.FieldErrors()
        new_name = st.text_input("Name of the new organisation", key=keys("name"),
                                 max_chars=120)
        errors.slot("name")
        if st.form_submit_button("Create organisation"):
            def create() -> None:
                created = orgs.create_organisation(con, new_name)
                sidebar.select_org(created.id)
                keys.renew()
            forms.attempt(create, errors, success=f"Created “{new_name.strip()}”. It is now "
                                               "the selected organisation: start with step 1.")


def demo_form(con: Connection, expanded: bool = False) -> None:
    """Load the demo organisation under a name of the person's choosing."""
    with st.expander("Load the demo organisation", expanded=expanded):
        st.write("A filled-in example plan for a regional water utility, useful for seeing "
                 "what a finished step looks like.")
        with st.form("org_demo"):
            errors = forms.FieldErrors()
            demo_name = st.text_input("Name for the demo", value=DEMO_NAME, key="org_demo_name")
            errors.slot("name")
            if st.form_submit_button("Load the demo"):
                def demo() -> None:
                    sidebar.select_org(load_demo(con, demo_name).id)
                forms.attempt(demo, errors, success="Demo organisation loaded.")


def render() -> None:
    con = session.db()
    st.title("Organisations")
    st.caption("Everything in a plan belongs to one organisation. Switch between them in the "
               "sidebar.")
    forms.show_flash()
    org = sidebar.current_org()

    if org is not None:
        st.subheader(f"Settings of {md(org.name)}", anchor=False)
        with st.form("org_settings"):
            errors = forms.FieldErrors()
            name = st.text_input("Name", value=org.name, key=f"org_name_{org.id}", max_chars=120)
            errors.slot("name")
            days = st.number_input(
                "Re-assess customer needs every (days)",
                value=org.reassess_days, step=1, key=f"org_reassess_{org.id}",
                help="From 1 to 3,650 days. Needs assessments older than this are flagged as "
                     "stale in step 2.")
            errors.slot("reassess_days")
            orders: list[str | None] = [None, *dates.ORDERS]
            order = st.radio(
                "Dates like 03/04/2026 in files you import", orders,
                index=orders.index(mapping.organisation_date_order(con, org.id)),
                format_func=lambda o: "Ask when a file cannot tell" if o is None else
                dates.ORDER_LABELS[o].capitalize(), key=f"org_date_order_{org.id}",
                help="A column of dates that could be read either way is read like this. "
                     "A column with a day over 12 always says its own order.")

            def save() -> None:
                orgs.update_organisation(con, org.id, name, int(days) if days is not None
                                         else 0)
                mapping.set_organisation_date_order(con, org.id, order)
            if st.form_submit_button("Save settings", type="primary"):
                forms.attempt(save, errors, success="Settings saved.")

    create_form(con)
    demo_form(con)

    if org is not None:
        st.subheader("Delete this organisation", anchor=False)
        # What deleting would remove is counted when someone means to delete: counting
        # every table of a large organisation on each visit would slow the page for
        # everyone who comes here to change a setting.
        if not st.toggle("Show what deleting it would remove", key=f"org_delete_open_{org.id}",
                         help="Then type its name to confirm the deletion."):
            return
        summary = orgs.deletion_summary(con, org.id)
        listed = ", ".join(counted(n, orgs.one_of(noun), noun)
                           for noun, n in summary.items()) or "no recorded work"
        st.warning(f"Deleting {md(org.name)} removes it with everything recorded for it: "
                   f"{listed}. This cannot be undone.", icon=":material/warning:")
        with st.form("org_delete"):
            errors = forms.FieldErrors()
            typed = st.text_input("Type the organisation's name to confirm",
                                  key=f"org_delete_confirm_{org.id}")
            errors.slot("confirm")
            if st.form_submit_button("Delete organisation", type="secondary"):
                def delete() -> None:
                    if typed.strip() != org.name:
                        raise ValidationError({"confirm": "The name you typed does not match; "
                                                          "nothing was deleted."})
                    orgs.delete_organisation(con, org.id)
                    sidebar.select_org(None)
                forms.attempt(delete, errors, success=f"Deleted “{org.name}”.")


if __name__ == "__main__":
    render()
