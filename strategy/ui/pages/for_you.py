"""For you: what the signed-in person has to do, each thing linked to where it is done."""

from __future__ import annotations

from datetime import date

import streamlit as st

from strategy.core.access import Permission
from strategy.core.safe_text import md
from strategy.identity import accounts
from strategy.people import personnel
from strategy.plan import for_you
from strategy.plan.for_you import HEADINGS, KINDS, ForYou, LateComplaint
from strategy.ui import forms, session, sidebar

# The complaints page's tabs (drawn by widgets.show_tabs under this key) and the one listing
# open and overdue complaints: a late complaint opens there, not on the form to record one.
COMPLAINTS_TAB, OPEN_COMPLAINTS = "complaints_tab", "Open and overdue"
ICONS = {"updates": ":material/monitoring:", "actions": ":material/task_alt:",
         "standards": ":material/rule:", "complaints": ":material/support_agent:",
         "training": ":material/school:"}


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    st.title("For you", anchor=False)
    today = date.today()
    st.caption(f"What is yours to do in {md(org.name)} on {today}: measure updates due, "
               "actions you own, standards you own that need attention this quarter, "
               "complaints past their promised date and required training not passed.")
    forms.show_flash()
    me = session.me()
    if me.account_id is None:
        st.info("A For you list belongs to an account: sign in with yours to see it.",
                icon=":material/person_off:")
        return
    employee_id = accounts.linked_person(con, me.account_id, org.id)
    if employee_id is None:
        _not_linked(org.name)
    else:
        person = personnel.get_employee(con, org.id, employee_id)
        st.caption(f"You are **{md(person.label)}** in the staff records.")
    items = for_you.items_for(con, org.id, employee_id, me.name, today)
    # Only what this person's role lets them do is theirs; the rest is handed over.
    mine, handed = for_you.split_for(con, org.id, items,
                                     lambda permission: me.may(permission, org.id))
    _show(mine, linked=employee_id is not None, handed=bool(handed))
    for handover in handed:
        with st.container(border=True, key=f"for_you_handover_{handover.kind}"):
            st.markdown(f"**{handover.heading}** · {len(handover.items)} · for someone else "
                        "to deal with")
            for item in handover.items:
                st.markdown(f"{ICONS[handover.kind]} {md(item.text())}")
            st.caption(md(handover.note()))


def _not_linked(org_name: str) -> None:
    missing = (f"Your account is not linked to a member of staff in {md(org_name)}, so this "
               "list cannot show the measures, standards, complaints and training that are "
               "yours: only review actions whose owner is your name.")
    if not session.allowed(Permission.MANAGE_ACCOUNTS):
        st.info(missing + " Ask an administrator to choose who you are on the Accounts and "
                "access page (Accounts → your account → Member of staff).",
                icon=":material/link_off:")
        return
    st.info(missing + " Choose who you are on the Accounts and access page (Accounts → your "
            "account → Member of staff). An account is linked where it has a role: as an "
            "administrator of everything, give yourself one in this organisation first.",
            icon=":material/link_off:")
    st.page_link(sidebar.PAGES["accounts"], label="Link your account on Accounts and access",
                 icon=":material/manage_accounts:")


def _show(items: ForYou, linked: bool, handed: bool) -> None:
    if items.empty:
        st.success(("Nothing else is waiting for you." if handed else
                    "Nothing is waiting for you.") if linked else
                   "No open review action names you as its owner.",
                   icon=":material/check_circle:")
        return
    for kind in KINDS:
        found = items.of(kind)
        if not found:
            continue
        page = sidebar.PAGES.get(for_you.PAGE_OF[kind])
        with st.container(border=True, key=f"for_you_{kind}"):
            st.markdown(f"**{HEADINGS[kind]}** · {len(found)}")
            for item in found:
                late = getattr(item, "overdue", False) or kind == "complaints"
                icon = ":material/warning:" if late else ICONS[kind]
                if page is None:
                    # The page that deals with these is not in this version of the app.
                    st.markdown(f"{icon} {md(item.text())}")
                elif isinstance(item, LateComplaint):
                    # A page link cannot choose the tab it opens on: a button sets it first.
                    if st.button(md(item.text()), icon=icon, type="tertiary",
                                 key=f"for_you_complaint_{item.complaint_id}"):
                        st.session_state[COMPLAINTS_TAB] = OPEN_COMPLAINTS
                        st.switch_page(page)
                else:
                    st.page_link(page, label=md(item.text()), icon=icon)
    st.caption("Overdue things are marked with a warning sign. Each line opens the page where "
               "it is dealt with.")


if __name__ == "__main__":
    render()
