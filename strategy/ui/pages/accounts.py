"""Settings: accounts, their roles in each organisation, and the access log."""

from __future__ import annotations

from datetime import date

import streamlit as st

from strategy.core import db as storage
from strategy.core import orgs
from strategy.core.access import ACCOUNT_ROLES, ROLE_PERMISSIONS, Permission, Role
from strategy.core.db import Connection
from strategy.core.pg import shown_address
from strategy.core.safe_text import md
from strategy.identity import access_log, accounts, sessions
from strategy.io import backup, downloads
from strategy.people import personnel
from strategy.ui import forms, session, widgets


def render() -> None:
    con = session.db()
    st.title("Accounts and access", anchor=False)
    st.caption("Who may sign in, their role in each organisation, and the record of sign-ins, "
               "account changes and downloads of personal data. Passwords are never shown.")
    forms.show_flash()
    widgets.show_tabs("accounts_tab", {
        "Accounts": lambda: _accounts(con),
        "Add an account": lambda: _add(con),
        "Roles": _roles_table,
        "Access log": lambda: _log(con),
        "Backup": lambda: _backup(con),
    })


def _accounts(con: Connection) -> None:
    everyone = accounts.list_accounts(con)
    member_of: dict[int, list[str]] = {}
    for m in accounts.memberships(con):
        member_of.setdefault(m.account_id, []).append(f"{m.org_name}: {m.role.label}")
    widgets.table([{"User name": a.username, "Name": a.display_name, "E-mail": a.email or "",
                    "Roles": "Administrator of everything" if a.is_administrator
                    else "; ".join(member_of.get(a.id, [])) or "none yet",
                    "Signs in with": ("password" if a.has_password else "") +
                    (" and " if a.has_password and a.sso_subject else "") +
                    ("single sign-on" if a.sso_subject else ""),
                    "Status": "disabled" if a.disabled_at else "active"} for a in everyone],
                  key="accounts_list", width="stretch")
    chosen = st.selectbox("Account to change", [a.id for a in everyone], index=None,
                          format_func={a.id: f"{a.display_name} ({a.username})"
                                       for a in everyone}.__getitem__,
                          key="account_chosen", placeholder="Choose an account")
    account = next((a for a in everyone if a.id == chosen), None)
    if account is None:
        return
    org_id = _role_form(con, account)
    if org_id is not None:
        _person_link(con, account, org_id)
    _details_form(con, account)
    _password_form(con, account)
    label = "Enable the account" if account.disabled_at else "Disable the account"
    if st.button(label, key=f"account_disable_{account.id}"):
        forms.attempt(lambda: accounts.set_disabled(con, account.id, account.disabled_at is None),
                      success=f"{account.display_name}: "
                           f"{'enabled' if account.disabled_at else 'disabled and signed out'}.")


def _role_form(con: Connection, account: accounts.Account) -> int | None:
    """The role in the organisation chosen here (returned, for the link below)."""
    st.subheader(f"Role of {md(account.display_name)} in an organisation", anchor=False)
    everything = orgs.list_organisations(con)
    if not everything:
        st.info("There is no organisation yet.")
        return None
    current = {m.org_id: m for m in accounts.memberships(con, account.id)}
    if current:
        st.caption("Now: " + "; ".join(
            f"{md(m.org_name)}: {m.role.label}"
            + (" (from single sign-on)" if m.source != "administrator" else "")
            for m in current.values()))
    # The organisation is chosen outside the form, so the role and team below show
    # what this person has there now, and the teams are that organisation's.
    org_id = st.selectbox("Organisation", [o.id for o in everything],
                          key=f"role_org_{account.id}",
                          format_func={o.id: o.name for o in everything}.__getitem__)
    held = current.get(org_id)
    keys = forms.FormKeys(f"role_{account.id}_{org_id}")
    with st.form(f"role_form_{account.id}"):
        errors = forms.FieldErrors()
        choices = ["", *[r.value for r in ACCOUNT_ROLES]]
        role = st.selectbox("Role", choices, key=keys("role"),
                            index=choices.index(held.role.value) if held else 0,
                            format_func=lambda r: Role(r).label if r else "No role here")
        errors.slot("role")
        teams = personnel.list_teams(con, org_id) if org_id else []
        team_ids = [None, *[t.id for t in teams]]
        team = st.selectbox("Own team (contributors record observations and training for it)",
                            team_ids, key=keys("team"),
                            index=team_ids.index(held.team_id)
                            if held and held.team_id in team_ids else 0,
                            format_func=lambda t: "—" if t is None else
                            next(x.name for x in teams if x.id == t))
        errors.slot("team")
        if st.form_submit_button("Save the role"):
            def save() -> None:
                accounts.set_role(con, account.id, org_id, role or None, team)
                keys.renew()
            forms.attempt(save, errors, success=f"Role of {account.display_name} saved.")
    return int(org_id)


def _person_link(con: Connection, account: accounts.Account, org_id: int) -> None:
    """Which member of staff the account is in the organisation chosen above.

    The picker searches as it is typed into, so it stands outside a form."""
    st.markdown(f"**Member of staff** in this organisation: {md(account.display_name)}'s "
                "For you list and reminder e-mails show what this person owns and the "
                "training they need.")
    held = next((m for m in accounts.memberships(con, account.id, org_id)), None)
    if held is None:
        st.caption("Give the account a role in this organisation first.")
        return
    current = held.employee_id
    shown = personnel.employees_by_id(con, org_id, [current]) if current is not None else {}
    st.caption("Now: " + (md(shown[current].label) if current in shown else "nobody"))
    keys = forms.FormKeys(f"person_{account.id}_{org_id}")
    suggested = accounts.suggested_person(con, account.id, org_id) if current is None else None
    if suggested is not None:
        match = personnel.get_employee(con, org_id, suggested)
        st.info(f"{md(match.label)} in the staff records has the same name.",
                icon=":material/lightbulb:")
        # A button's label is Markdown: the name, typed by HR, is shown as typed.
        if st.button(f"Link to {md(match.label)}",
                     key=f"person_suggested_{account.id}_{org_id}"):
            def take() -> None:
                accounts.set_person(con, account.id, org_id, suggested)
                keys.renew()
            forms.attempt(take, success=f"{account.display_name} is {match.label}.")
    chosen = widgets.person_picker(con, org_id, "Member of staff", keys("pick"),
                                   active_on=date.today(),
                                   default=[current] if current is not None else [])
    errors = forms.FieldErrors()
    errors.slot("person")
    save, clear = st.columns(2)
    if save.button("Save the member of staff", key=f"person_save_{account.id}_{org_id}",
                   disabled=not chosen or chosen[0] == current):
        def link() -> None:
            accounts.set_person(con, account.id, org_id, chosen[0])
            keys.renew()
        forms.attempt(link, errors, success=f"{account.display_name}'s member of staff saved.")
    if current is not None and clear.button("Link to nobody",
                                            key=f"person_clear_{account.id}_{org_id}"):
        def unlink() -> None:
            accounts.set_person(con, account.id, org_id, None)
            keys.renew()
        forms.attempt(unlink, errors, success=f"{account.display_name} is linked to nobody now.")


def _details_form(con: Connection, account: accounts.Account) -> None:
    keys = forms.FormKeys(f"details_{account.id}")
    with st.form(f"details_form_{account.id}"):
        errors = forms.FieldErrors()
        name = st.text_input("Name shown", value=account.display_name, key=keys("name"),
                             max_chars=80)
        errors.slot("display_name")
        email = st.text_input("E-mail", value=account.email or "", key=keys("email"),
                              max_chars=200)
        errors.slot("email")
        admin = st.checkbox("Administrator of everything (all organisations, accounts, the "
                            "access log)", value=account.is_administrator, key=keys("admin"))
        errors.slot("is_administrator")
        if st.form_submit_button("Save the details"):
            def save() -> None:
                accounts.update_account(con, account.id, name, email or None, admin)
                keys.renew()
            forms.attempt(save, errors, success=f"{name.strip()} saved.")


def _password_form(con: Connection, account: accounts.Account) -> None:
    keys = forms.FormKeys(f"password_{account.id}")
    with st.form(f"password_form_{account.id}"):
        errors = forms.FieldErrors()
        password = st.text_input("New password", type="password", key=keys("password"),
                                 help=f"At least {accounts.MIN_PASSWORD} characters. Everyone "
                                      "signed in with the old password is signed out.")
        errors.slot("password")
        if st.form_submit_button("Set the password"):
            def save() -> None:
                accounts.set_password(con, account.id, password)
                keys.renew()
            forms.attempt(save, errors, success=f"New password set for {account.display_name}.")


def _add(con: Connection) -> None:
    keys = forms.FormKeys("account_new")
    with st.form("account_add"):
        errors = forms.FieldErrors()
        username = st.text_input("User name or e-mail (what they type to sign in)",
                                 key=keys("username"), max_chars=120)
        errors.slot("username")
        name = st.text_input("Name shown to others", key=keys("name"), max_chars=80)
        errors.slot("display_name")
        email = st.text_input("E-mail (optional)", key=keys("email"), max_chars=200)
        errors.slot("email")
        password = st.text_input("First password", type="password", key=keys("password"),
                                 help="Tell it to the person in private; they can sign in "
                                      "with it at once.")
        errors.slot("password")
        admin = st.checkbox("Administrator of everything", key=keys("admin"))
        if st.form_submit_button("Add the account"):
            def add() -> None:
                accounts.create_account(con, username, name, password, email or None, admin)
                keys.renew()
            forms.attempt(add, errors, success=f"Added {name.strip()}. Give them a role in an "
                                            "organisation on the Accounts tab.")


def _roles_table() -> None:
    st.caption("What each role may do. An account has one role in each organisation it "
               "belongs to.")
    roles = [r for r in Role]
    widgets.table([{"Permission": str(p).capitalize(),
                    **{r.label: "✓" if p in ROLE_PERMISSIONS[r] else "" for r in roles}}
                   for p in Permission], key="roles_table", width="stretch")


def _log(con: Connection) -> None:
    kinds = ["", "signed in", "sign-in failed", "sign-in slowed", "download", "role changed",
             "account added", "workshop opened", "workshop closed", "restore", "person linked",
             "reminders sent"]
    kind = st.selectbox("Show", kinds, key="access_kind",
                        format_func=lambda k: k.capitalize() if k else "Everything")
    entries = access_log.access_log(con, 500, kind or None)
    widgets.table([{"When": f"{e.logged_at:%Y-%m-%d %H:%M:%S}", "Who": e.who,
                    "Organisation": e.organisation or "", "Event": e.event, "Detail": e.detail,
                    "Address": e.address or ""} for e in entries],
                  key="access_log_table", width="stretch")
    st.caption(f"The latest {len(entries)} entries. The download holds all of them.")
    # Sent by the app server as it is read, its permission checked when the link is
    # followed: someone whose role was taken away meanwhile gets a refusal, not the file.
    token = session.session_token()
    if token is not None:
        st.link_button("Download the access log (CSV)", downloads.link(
            sessions.signing_secret(storage.database_path()), token, downloads.ACCESS_LOG),
            icon=":material/download:")


def _backup(con: Connection) -> None:
    path = storage.database_path()
    url = storage.database_url()
    where = (f"in PostgreSQL, `{shown_address(url)}`" if url
             else f"one file, `{path}`")
    st.write(f"The whole database — every organisation, account and record — is {where} "
             f"(schema version {backup.schema_version(con)}). A backup copies it into a zip "
             "file that records the schema version, the time and a checksum, while everyone "
             "keeps working.")
    # Made when the link is followed and sent from a file by the app server: a
    # database of hundreds of megabytes is never held in the server's memory.
    token = session.session_token()
    if token is not None:
        st.link_button("Download a backup of the whole database", downloads.backup_link(
            sessions.signing_secret(storage.database_path()), token),
            icon=":material/download:", type="primary")
    st.caption("The download is recorded in the access log. Keep backups somewhere other "
               "than this server.")
    st.subheader("Putting a backup back", anchor=False)
    if url:
        st.write("On a server with the same STRATEGY_DATABASE_URL, run (the app may keep "
                 "running):")
        st.code("python -m strategy restore strategy-backup-YYYYMMDD-HHMMSS.zip",
                language="sh")
        st.caption("The restore checks the file first: that it is a backup of this app, is "
                   "not damaged and is not newer than this version. What the database holds "
                   "now is kept as a backup first (strategy-before-restore-YYYYMMDD-HHMMSS."
                   "zip); then every table is replaced in one step, and everyone signs in "
                   "again. A backup of the DuckDB file restores here too.")
        return
    st.write("Stop the app, then on the server run:")
    st.code(f"python -m strategy restore strategy-backup-YYYYMMDD-HHMMSS.zip --db {path}",
            language="sh")
    st.caption("The restore checks the file first: that it is a backup of this app, is not "
               "damaged and is not newer than this version. The database it replaces is kept "
               "beside it (…before-restore-YYYYMMDD-HHMMSS), and everyone signs in again.")


if __name__ == "__main__":
    render()
