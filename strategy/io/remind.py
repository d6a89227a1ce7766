"""Reminder e-mails: each person's "For you" list, as one plain-text e-mail.

Meant for a weekly cron job (``python -m strategy remind``). Mail goes through
the SMTP server named by environment variables (see :class:`SmtpSettings`);
without one, the command says so and stops, or with ``--dry-run`` prints the
e-mails it would send.

Who gets one: every active account with an e-mail address that is linked to a
member of staff in an organisation and has something on its list there. An
account linked in several organisations gets one e-mail with a part for each.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from strategy.core.access import ROLE_PERMISSIONS, Role
from strategy.core.db import Connection, transaction
from strategy.core.errors import StrategyError
from strategy.core.orgs import find_organisation, list_organisations
from strategy.core.wording import counted
from strategy.identity import access_log
from strategy.plan.for_you import HEADINGS, KINDS, ForYou, Handover, Person, lists_for, split_for

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send, from ``STRATEGY_SMTP_*`` environment variables."""

    host: str
    port: int
    sender: str
    security: str = "starttls"
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings, None when no mail server is configured at all, or an error
        saying which setting is wrong."""
        env = os.environ if env is None else env
        host = env.get("STRATEGY_SMTP_HOST", "").strip()
        if not host:
            return None
        sender = env.get("STRATEGY_SMTP_FROM", "").strip()
        if "@" not in sender:
            raise StrategyError("STRATEGY_SMTP_FROM must be the address the reminders come "
                                "from, such as strategy@example.org.")
        security = env.get("STRATEGY_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        if security not in SECURITY:
            raise StrategyError(f"STRATEGY_SMTP_SECURITY is “{security}”: use "
                                f"{', '.join(SECURITY)}.")
        raw_port = env.get("STRATEGY_SMTP_PORT", "").strip()
        try:
            port = int(raw_port) if raw_port else DEFAULT_PORTS[security]
        except ValueError:
            port = 0
        if not 0 < port < 65536:
            raise StrategyError(f"STRATEGY_SMTP_PORT is “{raw_port}”: give a port number such "
                                "as 587.")
        user = env.get("STRATEGY_SMTP_USER", "").strip() or None
        password = env.get("STRATEGY_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            raise StrategyError("Set both STRATEGY_SMTP_USER and STRATEGY_SMTP_PASSWORD, or "
                                "neither.")
        if password is not None and security == "none" and host.lower() not in LOCAL_HOSTS:
            # A password sent without encryption can be read by anyone on the way.
            raise StrategyError("STRATEGY_SMTP_SECURITY=none would send the password "
                                f"unencrypted to {host}: use starttls or ssl.")
        return cls(host, port, sender, security, user, password)


NOT_CONFIGURED = ("E-mail is not set up: set STRATEGY_SMTP_HOST and STRATEGY_SMTP_FROM (and, "
                  "as the server needs, STRATEGY_SMTP_PORT, STRATEGY_SMTP_SECURITY, "
                  "STRATEGY_SMTP_USER, STRATEGY_SMTP_PASSWORD). Nothing was sent; "
                  "--dry-run shows the e-mails without sending them.")


@dataclass(frozen=True)
class Recipient:
    account_id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class Part:
    """One organisation's list in someone's e-mail."""

    org_name: str
    items: ForYou
    # What the person owns but their role cannot deal with, and who can.
    handed: tuple[Handover, ...] = ()


@dataclass(frozen=True)
class Plan:
    """Who gets an e-mail, and who does not and why (to say so, not to hide it)."""

    letters: list[tuple[Recipient, list[Part]]]
    nothing_due: int  # linked accounts whose lists are empty
    no_address: int  # linked accounts with something due but no e-mail address


def plan(con: Connection, org_ids: Sequence[int], today: date) -> Plan:
    """Everyone's lists in these organisations, gathered per account."""
    rows = con.execute(
        """
        SELECT m.org_id, o.name, a.id, a.display_name, a.email, m.employee_id, m.role
        FROM membership m JOIN account a ON a.id = m.account_id
        JOIN organisation o ON o.id = m.org_id
        JOIN employee e ON e.id = m.employee_id AND e.org_id = m.org_id
        WHERE m.employee_id IS NOT NULL AND a.disabled_at IS NULL
          AND list_contains(CAST(? AS BIGINT[]), m.org_id)
        ORDER BY lower(o.name), lower(a.display_name), a.id
        """, [list(org_ids)]).fetchall()
    members: dict[int, list[tuple[str, Recipient, int, Role]]] = {}
    for org_id, org_name, account_id, name, email, employee_id, role in rows:
        members.setdefault(org_id, []).append(
            (org_name, Recipient(account_id, name, email or None), employee_id, Role(role)))
    parts: dict[int, tuple[Recipient, list[Part]]] = {}
    for org_id, found in members.items():
        lists = lists_for(con, org_id, [Person(e, r.name) for _, r, e, _ in found], today)
        for (org_name, recipient, _, role), items in zip(found, lists, strict=True):
            entry = parts.setdefault(recipient.account_id, (recipient, []))
            # The e-mail asks of each person only what their role lets them do.
            allowed = ROLE_PERMISSIONS[role]
            mine, handed = split_for(con, org_id, items, allowed.__contains__)
            if not mine.empty or handed:
                entry[1].append(Part(org_name, mine, handed))
    letters = [(r, p) for r, p in parts.values() if p and r.email]
    return Plan(letters, sum(not p for _, p in parts.values()),
                sum(bool(p) and not r.email for r, p in parts.values()))


def subject(parts: Sequence[Part]) -> str:
    count = sum(p.items.count for p in parts)
    handed = sum(len(h.items) for p in parts for h in p.handed)
    what = (f"{counted(count, 'thing')} to do" if count else
            f"{counted(handed, 'thing')} to pass on")
    where = f" in {parts[0].org_name}" if len(parts) == 1 else ""
    # Header text: no line breaks whatever an organisation is called.
    return " ".join(f"For you: {what}{where}".split())


def body(recipient: Recipient, parts: Sequence[Part], today: date,
         base_url: str | None = None) -> str:
    """The e-mail's text: a greeting, then each list grouped by kind, with dates.

    Lines are wrapped for plain-text mail readers; an item's further lines are
    indented under its dash."""
    lines = [f"Hello {recipient.name},", ""]
    if len(parts) == 1:
        lines += _wrap(f"Here is what is on your list in {parts[0].org_name} on {today}.")
    else:
        lines += _wrap(f"Here is what is on your lists on {today}.")
    for part in parts:
        if len(parts) > 1:
            lines += ["", part.org_name, "=" * min(len(part.org_name), WIDTH)]
        for kind in KINDS:
            items = part.items.of(kind)
            if items:
                lines += ["", f"{HEADINGS[kind]} ({len(items)})"]
                for item in items:
                    lines += _wrap(f"- {item.text()}", "  ")
        for handover in part.handed:
            lines += ["", f"{handover.heading}, for someone else to deal with "
                          f"({len(handover.items)})"]
            for item in handover.items:
                lines += _wrap(f"- {item.text()}", "  ")
            lines += _wrap(handover.note())
    lines.append("")
    if base_url:
        lines.append(f"Open your list: {base_url.rstrip('/')}/for-you")
    else:
        lines += _wrap("Open the strategy planner and choose For you to deal with them.")
    lines.append("")
    lines += _wrap("Sent by the customer-service strategy planner because your account is "
                   "linked to a member of staff. An administrator can change that on the "
                   "Accounts and access page.")
    return "\n".join(lines) + "\n"


WIDTH = 76


def _wrap(text: str, indent: str = "") -> list[str]:
    # Typed text may hold line breaks of its own: each item stays one paragraph.
    return textwrap.wrap(" ".join(text.split()), WIDTH, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


def message(recipient: Recipient, parts: Sequence[Part], sender: str, today: date,
            base_url: str | None = None) -> EmailMessage:
    assert recipient.email is not None
    mail = EmailMessage()
    mail["Subject"] = subject(parts)
    mail["From"] = Address("Strategy planner", addr_spec=sender)
    mail["To"] = Address(recipient.name, addr_spec=recipient.email)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(body(recipient, parts, today, base_url))
    return mail


@dataclass(frozen=True)
class Draft:
    """An e-mail as a dry run shows it."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Report:
    """What one run did, in the words the command prints.

    The command prints it whether it ran the reminders itself or the running app
    did (the app sends it back as JSON), so both ways read the same."""

    dry_run: bool
    drafts: list[Draft]  # a dry run's e-mails; empty when they were sent
    host: str | None  # the mail server they went through
    sent: list[str]
    refused: list[tuple[str, str]]  # address, why
    nothing_due: int
    no_address: int

    def output(self) -> tuple[list[str], list[str], int]:
        """The lines for standard output and standard error, and the exit status."""
        skipped = (f"{counted(self.nothing_due, 'linked account')} with nothing due, "
                   f"{counted(self.no_address, 'linked account')} with something due but no "
                   "e-mail address.")
        if self.dry_run:
            shown = [f"To: {d.to}\nSubject: {d.subject}\n\n{d.body}" for d in self.drafts]
            return ([*shown, f"Dry run, nothing sent: {counted(len(self.drafts), 'e-mail')} "
                             f"to send; {skipped}"], [], 0)
        errors = [f"Error: the mail server refused {address}: {why}"
                  for address, why in self.refused]
        return ([f"Sent {counted(len(self.sent), 'e-mail')} through {self.host}; {skipped}"],
                errors, 1 if self.refused else 0)

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run,
                "drafts": [{"to": d.to, "subject": d.subject, "body": d.body}
                           for d in self.drafts],
                "host": self.host, "sent": self.sent,
                "refused": [[address, why] for address, why in self.refused],
                "nothing_due": self.nothing_due, "no_address": self.no_address}

    @classmethod
    def from_json(cls, data: Any) -> Report:
        """The report in the app's answer; ValueError if it is not one."""
        try:
            report = cls(
                dry_run=_typed(data["dry_run"], bool),
                drafts=[Draft(_typed(d["to"], str), _typed(d["subject"], str),
                              _typed(d["body"], str)) for d in _typed(data["drafts"], list)],
                host=None if data["host"] is None else _typed(data["host"], str),
                sent=[_typed(a, str) for a in _typed(data["sent"], list)],
                refused=[(_typed(a, str), _typed(w, str))
                         for a, w in _typed(data["refused"], list)],
                nothing_due=_typed(data["nothing_due"], int),
                no_address=_typed(data["no_address"], int))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a reminder report: {exc}") from exc
        return report


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"{value!r} is not a {kind.__name__}")
    return value


def run(con: Connection, org_name: str | None, today: date, *, dry_run: bool,
        env: Mapping[str, str] | None = None, not_configured: str = NOT_CONFIGURED) -> Report:
    """Plan everyone's e-mail and send it (or, for a dry run, only show it).

    ``env`` holds the settings (STRATEGY_SMTP_*, STRATEGY_BASE_URL) of the process
    that runs this: the command's, or the app's when the command asks the app.
    Sending is recorded in the access log as the person acting."""
    env = os.environ if env is None else env
    settings = SmtpSettings.from_environment(env)
    if settings is None and not dry_run:
        raise StrategyError(not_configured)
    chosen = [find_organisation(con, org_name)] if org_name else list_organisations(con)
    planned = plan(con, [o.id for o in chosen], today)
    base_url = env.get("STRATEGY_BASE_URL", "").strip() or None
    sender = settings.sender if settings else "strategy@localhost"
    mails = [message(r, parts, sender, today, base_url) for r, parts in planned.letters]
    if dry_run:
        return Report(True, [Draft(str(m["To"]), str(m["Subject"]), m.get_content())
                             for m in mails], None, [], [], planned.nothing_due,
                      planned.no_address)
    assert settings is not None
    outcome = send(settings, mails)
    where = ", ".join(o.name for o in chosen) or "no organisation"
    with transaction(con):
        access_log.log(con, "reminders sent", f"{counted(len(outcome.sent), 'e-mail')} sent, "
                       f"{len(outcome.refused)} refused ({where})")
    return Report(False, [], settings.host, outcome.sent, outcome.refused,
                  planned.nothing_due, planned.no_address)


@dataclass(frozen=True)
class Outcome:
    sent: list[str]  # addresses
    refused: list[tuple[str, str]]  # address, why


def send(settings: SmtpSettings, mails: Sequence[EmailMessage]) -> Outcome:
    """Send over one connection; a recipient the server refuses does not stop the rest."""
    sent: list[str] = []
    refused: list[tuple[str, str]] = []
    where = f"{settings.host}:{settings.port}"
    try:
        server: smtplib.SMTP
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=30,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=30)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user and settings.password:
                server.login(settings.user, settings.password)
            for mail in mails:
                to = str(mail["To"].addresses[0].addr_spec)
                try:
                    server.send_message(mail)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPSenderRefused) as exc:
                    refused.append((to, _reason(exc)))
                else:
                    sent.append(to)
    except smtplib.SMTPAuthenticationError as exc:
        raise StrategyError(f"The mail server {where} refused the user name or password "
                            f"({_reason(exc)}). {_so_far(sent)}") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise StrategyError(f"The mail server {where} does not offer STARTTLS: set "
                            "STRATEGY_SMTP_SECURITY to ssl (usually port 465), or to none for "
                            f"a relay on this machine. {_so_far(sent)}") from exc
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise StrategyError(f"Cannot send through the mail server {where}: {_reason(exc)}. "
                            f"{_so_far(sent)}") from exc
    return Outcome(sent, refused)


def _so_far(sent: Sequence[str]) -> str:
    return f"{counted(len(sent), 'e-mail')} went out before that." if sent else \
        "Nothing was sent."


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else raw


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(text)}" for code, text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer within 30 seconds"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused (is the host and port right?)"
    return str(exc) or type(exc).__name__
