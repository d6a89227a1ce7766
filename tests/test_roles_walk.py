"""Every page and every export, for every role: what is shown and what is refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from strategy.core import access
from strategy.core.access import AccessDenied, Identity, Permission, Role
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.demo.people import LEAVE_REASONS, WHAT
from strategy.identity import access_log, accounts, sessions, workshops
from strategy.io import review_pack
from strategy.people import recognition
from strategy.ui.navigation import page_specs
from tests.identities import member, sign_in_app
from tests.test_pages import open_app, open_tab

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

ROLES = [Role.ADMINISTRATOR, Role.LEADER, Role.HR, Role.CONTRIBUTOR, Role.VIEWER, Role.GUEST]
# Recognition texts and leavers' reasons of the demo; one-word reasons such as
# "Performance" are also ordinary words (a team is called that), so only phrases.
PERSONAL = [*WHAT, *[r for reasons in LEAVE_REASONS.values() for r in reasons if " " in r]]
REFUSAL = "You do not have access to this page"


def identity_for(role: Role, org: Organisation, con: Connection) -> Identity:
    if role is Role.ADMINISTRATOR:
        return Identity(kind="account", name="Ada", is_administrator=True)
    if role is Role.GUEST:
        workshop = workshops.open_workshop(con, org.id)
        _, token = workshops.join(con, workshop.code, "Gus", "test")
        guest = sessions.identity_for(con, token)
        assert guest is not None
        return guest
    return member(role.label, org.id, role)


def shown_text(at: Any) -> str:
    """Everything a person could read on the page: text, tables, choices."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "info",
                 "error", "warning", "success", "metric", "code"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(at, kind):
            parts.extend(str(o) for o in widget.options)
    return "\n".join(parts)


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
@pytest.mark.demo
def test_every_page_for_every_role(demo: Organisation, con: Connection, role: Role,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    identity = sign_in_app(monkeypatch, identity_for(role, demo, con))
    at = open_app()
    for spec in page_specs():
        at.switch_page(f"strategy/ui/pages/{spec.module}.py").run()
        assert not at.exception, (spec.key, at.exception)
        text = shown_text(at)
        allowed = identity.may(spec.needs, demo.id)
        refused = REFUSAL in text
        assert refused is not allowed, (role, spec.key)
        if not allowed:
            # A refused page says so and shows nothing else of the organisation.
            assert [t.value for t in at.title] == [spec.title]
            assert not at.dataframe and not at.metric, (role, spec.key)
        else:
            assert not [e.value for e in at.error], (role, spec.key, at.error)
        if not identity.may(Permission.HR_RECORDS, demo.id):
            leaked = [t for t in PERSONAL if t in text]
            assert not leaked, (role, spec.key, leaked)
    # The sidebar offers exactly the pages this role may open.
    links = {getattr(link, "label", "") for link in at.sidebar.get("page_link")}
    assert links == {s.title for s in page_specs() if identity.may(s.needs, demo.id)}


@pytest.mark.parametrize(("role", "tabs"), [
    (Role.HR, ["Recognise someone", "HR views", "Log"]),
    (Role.LEADER, ["Recognise someone", "HR views"]),
    (Role.CONTRIBUTOR, ["Recognise someone"]),
], ids=["hr", "leader", "contributor"])
@pytest.mark.demo
def test_only_hr_sees_the_recognition_log(demo: Organisation, con: Connection, role: Role,
                                          tabs: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_app(monkeypatch, member(role.label, demo.id, role))
    at = open_app("step09_recognition")
    assert [t.label for t in at.tabs] == tabs
    if "Log" in tabs:
        at = open_tab(at, "recognition_tab", "Log")
        # Its CSV link needs a browser's session (tests/test_downloads.py follows it).
        assert any(w in shown_text(at) for w in WHAT)


@pytest.mark.parametrize("role", ROLES[:-1], ids=[r.value for r in ROLES[:-1]])
@pytest.mark.demo
def test_every_export_for_every_role(demo: Organisation, con: Connection, role: Role) -> None:
    identity = identity_for(role, demo, con)
    quarter = Quarter.containing(date.today()).shift(-1)
    with access.acting(identity):
        # The review pack: every role that reads the scorecard gets one, with what it may see.
        book = load_workbook(__import__("io").BytesIO(
            review_pack.build_pack(con, demo.id, quarter)))
        assert book.sheetnames == review_pack.sheets_for(identity, demo.id)
        tables = {name for ws in book.worksheets for name in ws.tables}
        assert ("RecognitionLog" in tables) is identity.may(Permission.HR_RECORDS, demo.id)
        cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
        if not identity.may(Permission.HR_RECORDS, demo.id):
            assert not [t for t in PERSONAL if t in cells]
        # The recognition log's CSV is built from records only HR may list.
        log_filter = recognition.LogFilter(quarter.start, quarter.end)
        if identity.may(Permission.HR_RECORDS, demo.id):
            assert recognition.log_csv(recognition.list_recognitions(con, demo.id, log_filter))
        else:
            with pytest.raises(AccessDenied):
                recognition.list_recognitions(con, demo.id, log_filter)
        # The access log is the administrators' alone.
        if role is Role.ADMINISTRATOR:
            assert access_log.access_log_csv(con).startswith(b"\xef\xbb\xbfWhen,Who")
        else:
            with pytest.raises(AccessDenied):
                access_log.access_log_csv(con)


@pytest.mark.demo
def test_a_guest_gets_no_pack_and_no_records(demo: Organisation, con: Connection) -> None:
    guest = identity_for(Role.GUEST, demo, con)
    with access.acting(guest):
        with pytest.raises(AccessDenied):
            review_pack.build_pack(con, demo.id, Quarter.containing(date.today()))
        with pytest.raises(AccessDenied):
            recognition.list_recognitions(con, demo.id, recognition.LogFilter(
                date(2020, 1, 1), date.today()))


def test_the_accounts_page_shows_a_role_and_saving_keeps_it(con: Connection,
                                                            org: Organisation) -> None:
    from tests.test_pages import submit

    cory = accounts.create_account(con, "cory", "Cory", "a long enough secret")
    accounts.set_role(con, cory.id, org.id, Role.CONTRIBUTOR)
    at = open_app("accounts")
    at.selectbox(key="account_chosen").set_value(cory.id).run()
    role = at.selectbox(key=f"role_{cory.id}_{org.id}_0_role")
    assert role.value == "contributor"
    submit(at, "Save the role")
    assert [m.role for m in accounts.memberships(con, cory.id)] == [Role.CONTRIBUTOR]
    at.selectbox(key=f"role_{cory.id}_{org.id}_1_role").set_value("viewer")
    submit(at, "Save the role")
    assert [m.role for m in accounts.memberships(con, cory.id)] == [Role.VIEWER]
