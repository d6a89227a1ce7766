"""`python -m strategy remind`: each person's list by e-mail, through a real SMTP server
(aiosmtpd) that the test starts on this machine."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from strategy.core.access import Role
from strategy.core.db import Connection
from strategy.core.errors import StrategyError
from strategy.core.orgs import Organisation, create_organisation
from strategy.identity import accounts
from strategy.io import remind as reminders
from strategy.io.remind import SmtpSettings
from strategy.people import personnel
from tests.conftest import free_port
from tests.test_for_you import TODAY, _complaint, build_acme

ROOT = Path(__file__).resolve().parent.parent
SENDER = "strategy@acme.example"

ANNIE_BODY = """\
Hello Annie,

Here is what is on your list in Acme Services on 2026-05-20.

Measure updates due (1)
- Absence: the value for 2026-04 (due since 2026-05-01)

Actions you own (2)
- Rewrite the call script: due 2026-05-01, overdue (in progress; raised in
  the 2026-Q1 review)
- Fix the email backlog: due 2026-06-30 (open; raised in the 2026-Q1 review)

Standards you own that need attention this quarter (2)
- Thank the customer: not observed in 2026-Q2
- Answer within 3 rings: 1 of 2 observations met it (50%) in 2026-Q2, below
  the 90% target

Complaints past their promised date (1)
- “Bill sent twice and no reply”: received 2026-05-01, promised “A call
  back” by 2026-05-10

Required training not passed (2)
- Listening: due 2026-04-05, overdue
- Phone skills: due 2027-01-05

Open your list: https://plan.acme.example/for-you

Sent by the customer-service strategy planner because your account is linked
to a member of staff. An administrator can change that on the Accounts and
access page.
"""


@dataclass
class Inbox:
    """What the SMTP server received: one entry per message."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def linked(con: Connection, org: Organisation, _temporary_database: Path) -> Path:
    add_linked_accounts(con, org)
    con.close()  # the command opens the file itself
    return _temporary_database


def add_linked_accounts(con: Connection, org: Organisation) -> None:
    """Acme with accounts: Annie (Ann Lee, a leader, has an address), Bob S (no address), Carol
    (nothing due), Dave (not linked), Eve (disabled), Frank (an address the server refuses)."""
    acme = build_acme(con, org)
    o = org.id
    office = personnel.add_team(con, o, "Office")
    field_team = personnel.teams_by_name(con, o)["field"]
    carol = personnel.add_employee(con, o, personnel.EmployeeInput("3", "Carol", office,
                                                                   date(2025, 1, 1)))
    eve = personnel.add_employee(con, o, personnel.EmployeeInput("4", "Eve", field_team,
                                                                 date(2025, 1, 1)))
    frank = personnel.add_employee(con, o, personnel.EmployeeInput("5", "Frank", field_team,
                                                                   date(2025, 1, 1)))
    for username, name, address, employee in [
            ("annie", "Annie", "annie@acme.example", acme.ann),
            ("bobby", "Bob S", None, acme.bob),
            ("carol", "Carol", "carol@acme.example", carol),
            ("dave", "Dave", "dave@acme.example", None),
            ("eve", "Eve", "eve@acme.example", eve),
            ("frank", "Frank", "frank@acme.example", frank)]:
        account = accounts.create_account(con, username, name, "a long enough secret", address)
        # Annie leads: her list holds measure updates and review actions, which only
        # those who edit the plan deal with. The others contribute.
        accounts.set_role(con, account.id, o, Role.LEADER if username == "annie"
                          else Role.CONTRIBUTOR)
        if employee is not None:
            accounts.set_person(con, account.id, o, employee)
        if username == "eve":
            accounts.set_disabled(con, account.id, True)


def remind(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    settings = {k: v for k, v in os.environ.items() if not k.startswith("STRATEGY_SMTP_")}
    settings.pop("STRATEGY_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "strategy", "remind", "--db", str(db), "--today", "2026-05-20",
         *args], cwd=ROOT, env={**settings, **env}, capture_output=True, text=True,
        timeout=120, check=False)


def smtp_env(port: int, **more: str) -> dict[str, str]:
    return {"STRATEGY_SMTP_HOST": "127.0.0.1", "STRATEGY_SMTP_PORT": str(port),
            "STRATEGY_SMTP_FROM": SENDER, "STRATEGY_SMTP_SECURITY": "none",
            "STRATEGY_BASE_URL": "https://plan.acme.example/", **more}


def test_each_linked_person_with_an_address_gets_their_list(
        linked: Path, inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    server.refuse = {"frank@acme.example"}
    result = remind(linked, **smtp_env(port))
    # Frank's address was refused: said plainly, the others still went, exit status 1.
    assert result.returncode == 1, result.stderr
    assert result.stderr == ("Error: the mail server refused frank@acme.example: 550 5.1.1 "
                             "No such mailbox here\n")
    assert result.stdout == (
        "Sent 1 e-mail through 127.0.0.1; 1 linked account with nothing due, 1 linked account "
        "with something due but no e-mail address.\n")
    ((sender, recipients, mail),) = server.received
    assert (sender, recipients) == (SENDER, ["annie@acme.example"])
    assert mail["Subject"] == "For you: 8 things to do in Acme Services"
    assert mail["To"] == "Annie <annie@acme.example>"
    assert mail["From"] == f"Strategy planner <{SENDER}>"
    assert mail.get_content_type() == "text/plain"
    # SMTP carries lines ending in CR LF.
    assert mail.get_content().replace("\r\n", "\n") == ANNIE_BODY
    # The access log says what was sent.
    import duckdb

    con = duckdb.connect(str(linked), read_only=True)
    assert con.execute("SELECT detail FROM access_log WHERE event = 'reminders sent'"
                       ).fetchall() == [("1 e-mail sent, 1 refused (Acme Services)",)]
    con.close()


def test_a_dry_run_prints_the_emails_and_sends_nothing(
        linked: Path, inbox: tuple[Inbox, int]) -> None:
    server, port = inbox
    result = remind(linked, "--dry-run", "--org", "Acme Services", **smtp_env(port))
    assert result.returncode == 0, result.stderr
    assert server.received == []
    assert result.stdout.startswith(
        "To: Annie <annie@acme.example>\nSubject: For you: 8 things to do in Acme Services\n\n"
        + ANNIE_BODY)
    assert "To: Frank <frank@acme.example>\nSubject: For you: 1 thing to do in Acme" \
        in result.stdout
    assert result.stdout.endswith(
        "Dry run, nothing sent: 2 e-mails to send; 1 linked account with nothing due, 1 linked "
        "account with something due but no e-mail address.\n")
    for absent in ("carol@", "dave@", "eve@", "Bob S"):
        assert absent not in result.stdout
    # Without a mail server a dry run still shows what would go.
    assert remind(linked, "--dry-run").returncode == 0


def test_without_a_mail_server_it_says_so_and_sends_nothing(linked: Path) -> None:
    result = remind(linked)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: E-mail is not set up: set STRATEGY_SMTP_HOST and "
                                    "STRATEGY_SMTP_FROM")
    assert "Traceback" not in result.stderr


def test_mail_server_problems_are_sentences(linked: Path, inbox: tuple[Inbox, int]) -> None:
    _, port = inbox
    # The test server offers no STARTTLS, which is what is asked for by default.
    result = remind(linked, **smtp_env(port, STRATEGY_SMTP_SECURITY="starttls"))
    assert result.returncode == 1
    assert result.stderr == (f"Error: The mail server 127.0.0.1:{port} does not offer STARTTLS: "
                             "set STRATEGY_SMTP_SECURITY to ssl (usually port 465), or to none "
                             "for a relay on this machine. Nothing was sent.\n")
    closed = free_port()
    result = remind(linked, **smtp_env(closed))
    assert result.returncode == 1
    assert result.stderr == (f"Error: Cannot send through the mail server 127.0.0.1:{closed}: "
                             "the connection was refused (is the host and port right?). "
                             "Nothing was sent.\n")
    result = remind(linked, "--org", "Nowhere", **smtp_env(port))
    assert result.returncode == 1 and "Nowhere" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("env", "problem"), [
    ({"STRATEGY_SMTP_HOST": "mail.example"}, "STRATEGY_SMTP_FROM must be the address"),
    ({"STRATEGY_SMTP_HOST": "mail.example", "STRATEGY_SMTP_FROM": "a@b.example",
      "STRATEGY_SMTP_SECURITY": "tls"}, "STRATEGY_SMTP_SECURITY is “tls”"),
    ({"STRATEGY_SMTP_HOST": "mail.example", "STRATEGY_SMTP_FROM": "a@b.example",
      "STRATEGY_SMTP_PORT": "smtp"}, "STRATEGY_SMTP_PORT is “smtp”"),
    ({"STRATEGY_SMTP_HOST": "mail.example", "STRATEGY_SMTP_FROM": "a@b.example",
      "STRATEGY_SMTP_USER": "ann"}, "both STRATEGY_SMTP_USER and STRATEGY_SMTP_PASSWORD"),
    ({"STRATEGY_SMTP_HOST": "mail.example", "STRATEGY_SMTP_FROM": "a@b.example",
      "STRATEGY_SMTP_USER": "ann", "STRATEGY_SMTP_PASSWORD": "x",
      "STRATEGY_SMTP_SECURITY": "none"}, "unencrypted to mail.example"),
])
def test_settings_are_checked(env: dict[str, str], problem: str) -> None:
    with pytest.raises(StrategyError, match=problem):
        SmtpSettings.from_environment(env)


def test_settings_and_their_defaults() -> None:
    assert SmtpSettings.from_environment({}) is None
    assert SmtpSettings.from_environment({"STRATEGY_SMTP_HOST": "mail.example",
                                          "STRATEGY_SMTP_FROM": "a@b.example"}) == \
        SmtpSettings("mail.example", 587, "a@b.example", "starttls")
    assert SmtpSettings.from_environment({
        "STRATEGY_SMTP_HOST": "mail.example", "STRATEGY_SMTP_FROM": "a@b.example",
        "STRATEGY_SMTP_SECURITY": "SSL", "STRATEGY_SMTP_USER": "ann",
        "STRATEGY_SMTP_PASSWORD": "secret"}) == \
        SmtpSettings("mail.example", 465, "a@b.example", "ssl", "ann", "secret")


def test_one_email_per_account_with_a_part_per_organisation(
        con: Connection, org: Organisation) -> None:
    acme = build_acme(con, org)
    beta = create_organisation(con, "Beta Water")
    desk = personnel.add_team(con, beta.id, "Desk")
    ann_at_beta = personnel.add_employee(con, beta.id, personnel.EmployeeInput(
        "77", "Ann Lee", desk, date(2024, 1, 1)))
    _complaint(con, beta.id, ann_at_beta, date(2026, 5, 1), date(2026, 5, 4),
               what="No water since Monday")
    annie = accounts.create_account(con, "annie", "Annie", "a long enough secret",
                                    "annie@acme.example")
    for where, employee in ((org.id, acme.ann), (beta.id, ann_at_beta)):
        accounts.set_role(con, annie.id, where, Role.LEADER)
        accounts.set_person(con, annie.id, where, employee)
    planned = reminders.plan(con, [org.id, beta.id], TODAY)
    ((recipient, parts),) = planned.letters
    assert [p.org_name for p in parts] == ["Acme Services", "Beta Water"]
    assert reminders.subject(parts) == "For you: 9 things to do"
    text = reminders.body(recipient, parts, TODAY)
    assert "Here is what is on your lists on 2026-05-20.\n\nAcme Services\n=============\n" \
        in text
    assert text.endswith(
        "\nBeta Water\n==========\n\nComplaints past their promised date (1)\n"
        "- “No water since Monday”: received 2026-05-01, promised by 2026-05-04\n\n"
        "Open the strategy planner and choose For you to deal with them.\n\n"
        "Sent by the customer-service strategy planner because your account is linked\n"
        "to a member of staff. An administrator can change that on the Accounts and\n"
        "access page.\n")
    # Only the organisations asked for.
    ((_, only_beta),) = reminders.plan(con, [beta.id], TODAY).letters
    assert reminders.subject(only_beta) == "For you: 1 thing to do in Beta Water"


def test_a_contributors_email_hands_over_what_their_role_cannot_do(
        con: Connection, org: Organisation) -> None:
    acme = build_acme(con, org)
    lena = accounts.create_account(con, "lena", "Lena Leader", "a long enough secret")
    accounts.set_role(con, lena.id, org.id, Role.LEADER)
    annie = accounts.create_account(con, "annie", "Annie", "a long enough secret",
                                    "annie@acme.example")
    accounts.set_role(con, annie.id, org.id, Role.CONTRIBUTOR)
    accounts.set_person(con, annie.id, org.id, acme.ann)
    ((recipient, (part,)),) = reminders.plan(con, [org.id], TODAY).letters
    assert (part.items.updates, part.items.actions) == ((), ())
    assert [h.kind for h in part.handed] == ["updates", "actions"]
    theirs = part.items.count
    assert reminders.subject([part]) == f"For you: {theirs} things to do in Acme Services"
    text = reminders.body(recipient, [part], TODAY)
    assert "\nMeasure updates due (" not in text
    updates = part.handed[0]
    assert (f"\nMeasure updates due for measures you own, for someone else to deal with "
            f"({len(updates.items)})\n- {updates.items[0].text()}") in text
    assert ("Your role does not allow you to edit the plan, its measures and reviews. A\n"
            "leader or an administrator (here, Lena Leader) can: send them the figures.") \
        in text
