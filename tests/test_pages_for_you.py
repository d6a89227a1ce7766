"""AppTest: the For you page, the overview's totals, and linking an account to a member of
staff on the Accounts page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from strategy.core.access import Identity, Role
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.identity import accounts
from strategy.people import personnel
from strategy.plan import for_you
from strategy.plan.for_you import KINDS
from tests.identities import member, sign_in_app
from tests.test_for_you import Acme, build_acme
from tests.test_pages import HOSTILE, click, errors, open_app, plain, successes

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases


@pytest.fixture
def acme(con: Connection, org: Organisation) -> Acme:
    return build_acme(con, org)


def _account(con: Connection, org: Organisation, name: str, role: Role = Role.CONTRIBUTOR,
             employee: int | None = None) -> accounts.Account:
    account = accounts.create_account(con, name.lower().replace(" ", "."), name,
                                      "a long enough secret")
    accounts.set_role(con, account.id, org.id, role)
    if employee is not None:
        accounts.set_person(con, account.id, org.id, employee)
    return account


def links(at: Any) -> list[tuple[str, str]]:
    """Each page link in the page's body: (what it says, the page it opens)."""
    return [(plain(link.proto.label), link.proto.page) for link in at.main.get("page_link")]


def text(at: Any) -> str:
    return " ".join(plain(e.value) for kind in ("info", "success", "caption", "markdown")
                    for e in getattr(at, kind))


def test_a_linked_person_sees_each_thing_linked_to_its_page(
        con: Connection, acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    annie = _account(con, acme.org, "Annie", Role.LEADER, employee=acme.ann)
    sign_in_app(monkeypatch, member("Annie", acme.org.id, Role.LEADER, account_id=annie.id))
    at = open_app("for_you")
    assert errors(at) == []
    assert [t.value for t in at.title] == ["For you"]
    assert "You are **Ann Lee (1, Desk)** in the staff records." in text(at)
    mine = for_you.items_for(con, acme.org.id, acme.ann, "Annie", date.today())
    # Every thing, in the order of the kinds, opening the page where it is dealt with; a
    # complaint is a button, which opens its page on the open and overdue complaints.
    assert links(at) == [(item.text(), for_you.PAGE_OF[kind]) for kind in KINDS
                         for item in mine.of(kind) if kind != "complaints"]
    assert {page for _, page in links(at)} == {"measures", "review", "accountability",
                                               "training"}
    assert [plain(b.label) for b in at.main.button] == [
        item.text() for item in mine.of("complaints")]
    assert "Fix the email backlog: due 2026-06-30, overdue (open; raised in the 2026-Q1 " \
        "review)" in [label for label, _ in links(at)]
    # Nothing of Bob's.
    assert not [label for label, _ in links(at) if "vans" in label or "Safety" in label]


def test_a_contributor_is_asked_only_what_their_role_can_do(
        con: Connection, acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    """Annie owns measures and review actions but contributes: entering values and
    updating actions are for those who edit the plan. Her list hands them over, naming
    the organisation's leaders, and links only what she can do."""
    _account(con, acme.org, "Lena Leader", Role.LEADER)
    _account(con, acme.org, "Hal HR", Role.HR)
    annie = _account(con, acme.org, "Annie", employee=acme.ann)
    sign_in_app(monkeypatch, member("Annie", acme.org.id, Role.CONTRIBUTOR,
                                    account_id=annie.id))
    at = open_app("for_you")
    assert errors(at) == []
    mine = for_you.items_for(con, acme.org.id, acme.ann, "Annie", date.today())
    assert mine.updates and mine.actions  # she owns both kinds
    assert {page for _, page in links(at)} == {"accountability", "training"}
    shown = text(at)
    assert "**Measure updates due for measures you own** · " \
        f"{len(mine.updates)} · for someone else to deal with" in shown
    assert "**Actions you own** · " f"{len(mine.actions)} · for someone else to deal with" \
        in shown
    assert ("Your role does not allow you to edit the plan, its measures and reviews. A leader "
            "or an administrator (here, Lena Leader) can: send them the figures.") in shown
    listed: list[for_you.Item] = [*mine.updates, *mine.actions]
    for item in listed:
        assert item.text() in shown  # listed, not linked
    assert not [label for label, _ in links(at) if label == mine.updates[0].text()]


def test_a_late_complaint_opens_the_open_and_overdue_complaints(
        con: Connection, acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    annie = _account(con, acme.org, "Annie", employee=acme.ann)
    sign_in_app(monkeypatch, member("Annie", acme.org.id, Role.CONTRIBUTOR,
                                    account_id=annie.id))
    # Seen before on its first tab: the tab the page remembers gives way.
    at = open_app("complaints")
    assert at.session_state["complaints_tab"] == "Record"
    at.switch_page("strategy/ui/pages/for_you.py").run()
    late = for_you.items_for(con, acme.org.id, acme.ann, "Annie", date.today()).of(
        "complaints")[0]
    assert isinstance(late, for_you.LateComplaint)
    click(at, f"for_you_complaint_{late.complaint_id}")
    assert errors(at) == []
    # The complaints page, on its open and overdue tab, not on the form to record one.
    assert [t.value for t in at.title] == ["Complaints and compliments"]
    assert [t.label for t in at.tabs][:2] == ["Record", "Open and overdue"]
    assert at.session_state["complaints_tab"] == "Open and overdue"
    assert at.radio(key="open_status").value == "open"  # drawn in that tab only


def test_without_a_link_the_page_says_what_to_do(
        con: Connection, acme: Acme, monkeypatch: pytest.MonkeyPatch) -> None:
    annie = _account(con, acme.org, "Annie", Role.LEADER)
    sign_in_app(monkeypatch, member("Annie", acme.org.id, Role.LEADER, account_id=annie.id))
    at = open_app("for_you")
    assert errors(at) == []
    (notice,) = [plain(i.value) for i in at.info]
    assert notice.startswith("Your account is not linked to a member of staff in Acme "
                             "Services") and "Accounts and access page" in notice
    # Only the action naming the account's name shown; no link to Accounts for a contributor.
    assert [label for label, _ in links(at)] == [
        "Rewrite the call script: due 2026-05-01, overdue (in progress; raised in the 2026-Q1 "
        "review)"]


def test_an_administrator_without_a_link_is_offered_the_accounts_page(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    ada = accounts.create_account(con, "ada", "Ada", "a long enough secret",
                                  is_administrator=True)
    sign_in_app(monkeypatch, Identity(kind="account", name="Ada", account_id=ada.id,
                                      is_administrator=True))
    at = open_app("for_you")
    assert links(at) == [("Link your account on Accounts and access", "accounts")]
    assert [plain(s.value) for s in at.success] == [
        "No open review action names you as its owner."]


def test_the_shell_has_no_list(con: Connection, org: Organisation) -> None:
    at = open_app("for_you")  # as the tests' administrator, who has no account
    assert [plain(i.value) for i in at.info] == [
        "A For you list belongs to an account: sign in with yours to see it."]


def test_the_overview_shows_the_organisations_totals(con: Connection, acme: Acme,
                                                     training_reads: list[date]) -> None:
    at = open_app()
    # Step 7's status and the training counts come from one reading of the figures.
    assert training_reads == [date.today()]
    totals = for_you.org_totals(con, acme.org.id, date.today())
    shown = {m.proto.label: (m.value, m.proto.delta) for m in at.metric}
    assert {k: v for k, v in shown.items() if k in {
        "Measure updates due", "Review actions open", "Standards below target",
        "Complaints open", "Training not passed"}} == {
        "Measure updates due": (str(totals.updates_due), ""),
        "Review actions open": ("3", f"{totals.actions_overdue} overdue"),
        "Standards below target": (str(totals.standards_red),
                                   f"{totals.standards_unobserved} not observed"),
        "Complaints open": ("4", f"{totals.complaints_overdue} overdue"),
        "Training not passed": ("3", f"{totals.training_overdue} overdue")}
    assert ("What is yours: For you", "for-you") in links(at)


def test_an_administrator_links_an_account_on_the_accounts_page(
        con: Connection, acme: Acme) -> None:
    o = acme.org.id
    annie = _account(con, acme.org, "Ann Lee")
    at = open_app("accounts")
    at.selectbox(key="account_chosen").set_value(annie.id).run()
    assert "Now: nobody" in text(at)
    # The staff record with the account's name is offered.
    assert any("Ann Lee (1, Desk) in the staff records has the same name." in plain(i.value)
               for i in at.info)
    click(at, f"person_suggested_{annie.id}_{o}")
    assert accounts.linked_person(con, annie.id, o) == acme.ann
    assert successes(at) == ["Ann Lee is Ann Lee (1, Desk)."]
    assert "Now: Ann Lee (1, Desk)" in text(at)
    # Choose someone else with the picker, then nobody.
    at.selectbox(key=f"person_{annie.id}_{o}_1_pick").set_value(acme.bob).run()
    click(at, f"person_save_{annie.id}_{o}")
    assert accounts.linked_person(con, annie.id, o) == acme.bob
    click(at, f"person_clear_{annie.id}_{o}")
    assert accounts.linked_person(con, annie.id, o) is None
    assert successes(at) == ["Ann Lee is linked to nobody now."]


def test_a_person_already_linked_elsewhere_is_refused_in_words(
        con: Connection, acme: Acme) -> None:
    o = acme.org.id
    _account(con, acme.org, "Annie", employee=acme.ann)
    other = _account(con, acme.org, "Other")
    at = open_app("accounts")
    at.selectbox(key="account_chosen").set_value(other.id).run()
    at.selectbox(key=f"person_{other.id}_{o}_0_pick").set_value(acme.ann).run()
    click(at, f"person_save_{other.id}_{o}")
    assert errors(at) == ["Ann Lee (1) is already linked to the account “Annie”: one account "
                          "per person."]
    assert accounts.linked_person(con, other.id, o) is None


def test_a_staff_name_is_shown_as_typed_on_the_link_button(
        con: Connection, acme: Acme) -> None:
    o = acme.org.id
    desk = personnel.list_teams(con, o)[0].id
    hostile = personnel.add_employee(con, o, personnel.EmployeeInput("9", HOSTILE, desk,
                                                                     date(2026, 1, 5)))
    account = _account(con, acme.org, HOSTILE)
    at = open_app("accounts")
    at.selectbox(key="account_chosen").set_value(account.id).run()
    button = at.button(key=f"person_suggested_{account.id}_{o}")
    # A button's label is Markdown: a name typed by HR must not become a link or an image.
    assert plain(button.label) == f"Link to {HOSTILE} (9, Desk)"
    assert "](http" not in button.label and "<b>" not in button.label
    click(at, f"person_suggested_{account.id}_{o}")
    assert accounts.linked_person(con, account.id, o) == hostile
