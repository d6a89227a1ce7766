"""The systems an organisation's data comes from, and how each one exports it.

A source knows the headings its system writes for each of our fields, the
values it uses (statuses, channels, leaver types), and its quirks: extra
heading rows under the first (Qualtrics writes two, SurveyMonkey one), names
split into first and last, managers named rather than numbered, a team's name
carrying its manager in brackets (Workday). Recognising the source from a
file's headings lets an export import as the system wrote it; what a source
cannot know (which ticket types are complaints, a column of dates that could
be either order) is asked, and the answer can be saved for next month's file.

The headings and values follow each system's export as its documentation
describes it; they are written in the normalised form of
:func:`strategy.io.tabular.normalise_header`. A system that changes its export
shows as a file that is not recognised, and ``--source`` with ``--column``
still reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from strategy.core.errors import StrategyError
from strategy.io.tabular import normalise_header

# Help desks' ways of saying a ticket is still open, or done.
OPEN = "open"
SOLVED = "solved"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Source:
    key: str  # what --source takes
    name: str  # "Zendesk ticket export"
    kind: str  # which import: complaints, employees or responses
    # Our field -> the headings this system writes for it, best first (normalised).
    headings: dict[str, tuple[str, ...]]
    # Headings that together say a file came from this system (normalised).
    identify: tuple[str, ...]
    # Rows under the heading row that are headings too (question texts, import ids).
    extra_heading_rows: int = 0
    # Our field -> {the system's value (normalised): ours}.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # The order of 03/04/2026-style dates, where the system always writes one.
    date_order: str | None = None
    # A team's name ends with its manager in brackets: "Billing (Ann Lee)".
    team_in_brackets: bool = False

    def matches(self, normalised: set[str]) -> bool:
        return all(h in normalised for h in self.identify)


_TICKET_STATUS = {
    "new": OPEN, "open": OPEN, "pending": OPEN, "hold": OPEN, "on hold": OPEN,
    "waiting on customer": OPEN, "waiting on third party": OPEN, "waiting for customer": OPEN,
    "waiting for support": OPEN, "in progress": OPEN, "escalated": OPEN, "active": OPEN,
    "work in progress": OPEN, "awaiting info": OPEN, "reopened": OPEN,
    "solved": SOLVED, "resolved": SOLVED, "closed": SOLVED, "done": SOLVED,
    "canceled": CANCELLED, "cancelled": CANCELLED, "spam": CANCELLED,
}
_TICKET_CHANNEL = {
    "web form": "Web/chat", "web widget": "Web/chat", "feedback widget": "Web/chat",
    "portal": "Web/chat", "chat": "Web/chat", "messaging": "Web/chat", "native messaging":
    "Web/chat", "self service": "Web/chat", "virtual agent": "Web/chat", "web": "Web/chat",
    "email": "Email", "outbound email": "Email", "mail": "Email",
    "phone": "Phone", "phone call incoming": "Phone", "phone call outgoing": "Phone",
    "voicemail": "Phone", "call": "Phone",
    "walk in": "In person", "in person": "In person",
    "facebook": "Social media", "twitter": "Social media", "x corp": "Social media",
    "instagram direct": "Social media", "whatsapp": "Social media", "forum": "Social media",
}
_LEAVE_KIND = {
    "voluntary": "voluntary", "involuntary": "involuntary",
    "resignation voluntary": "voluntary", "termination involuntary": "involuntary",
    "resignation": "voluntary", "retirement": "voluntary", "dismissal": "involuntary",
    "terminate employee voluntary": "voluntary", "terminate employee involuntary":
    "involuntary", "employee": "voluntary", "employer": "involuntary",
    "resigned": "voluntary", "redundancy": "involuntary", "layoff": "involuntary",
}

SOURCES: tuple[Source, ...] = (
    # --- Help desks ---------------------------------------------------------------------
    # Which tickets are complaints is said by a tag ("complaint", "compliment") or a
    # ticket type an organisation adds; a ticket tagged with neither is left out.
    Source("zendesk", "Zendesk ticket export", "complaints", {
        "reference": ("id",), "kind": ("tags", "ticket type"), "received_on": ("created at",),
        "channel": ("via",), "what_happened": ("description", "subject"),
        "owner": ("assignee",), "status": ("status",), "resolved_on": ("solved at",),
        "promised_by": ("due date",)},
        identify=("id", "requester", "assignee", "via", "created at"),
        values={"status": _TICKET_STATUS, "channel": _TICKET_CHANNEL,
                "kind": {"*": "leave out"}}),
    Source("freshdesk", "Freshdesk ticket export", "complaints", {
        "reference": ("ticket id",), "kind": ("type",), "received_on": ("created time",),
        "channel": ("source",), "what_happened": ("description", "subject"),
        "owner": ("agent",), "status": ("status",), "resolved_on": ("resolved time",),
        "promised_by": ("due by time",)},
        identify=("ticket id", "created time", "source", "agent"),
        values={"status": _TICKET_STATUS, "channel": _TICKET_CHANNEL}),
    Source("jira", "Jira Service Management export", "complaints", {
        "reference": ("issue key",), "kind": ("issue type", "custom field request type"),
        "received_on": ("created",), "what_happened": ("description", "summary"),
        "owner": ("assignee",), "status": ("status",), "resolved_on": ("resolved",),
        "promised_by": ("due date",), "resolution": ("resolution",)},
        identify=("issue key", "issue type", "summary"),
        values={"status": _TICKET_STATUS, "channel": _TICKET_CHANNEL}),
    Source("servicenow", "ServiceNow incident export", "complaints", {
        "reference": ("number",), "kind": ("category",),
        "received_on": ("opened", "opened at", "sys created on"),
        "channel": ("channel", "contact type"),
        "what_happened": ("description", "short description"),
        "owner": ("assigned to",), "status": ("state", "incident state"),
        "resolved_on": ("resolved", "resolved at"), "resolution": ("close notes",)},
        identify=("number", "short description", "state"),
        values={"status": _TICKET_STATUS, "channel": _TICKET_CHANNEL}),
    Source("helpscout", "Help Scout conversation export", "complaints", {
        "reference": ("number", "conversation number"), "kind": ("tags",),
        "received_on": ("created at", "date created"), "channel": ("type",),
        "what_happened": ("subject", "preview"), "owner": ("assigned to", "assignee"),
        "status": ("status",), "resolved_on": ("closed at",)},
        identify=("mailbox", "customer email", "status"),
        values={"status": _TICKET_STATUS, "channel": _TICKET_CHANNEL,
                "kind": {"*": "leave out"}}),
    # --- HR systems ---------------------------------------------------------------------
    Source("bamboohr", "BambooHR employee report", "employees", {
        "number": ("employee number",), "first_name": ("first name", "preferred name"),
        "last_name": ("last name",), "team": ("department",), "role": ("job title",),
        "manager_number": ("reporting to", "reports to", "supervisor"),
        "hire_date": ("hire date", "original hire date"),
        "leave_date": ("termination date",), "leave_kind": ("termination type",),
        "leave_reason": ("termination reason",)},
        identify=("employee number", "first name", "last name", "hire date"),
        values={"leave_kind": _LEAVE_KIND}),
    Source("workday", "Workday worker report", "employees", {
        "number": ("employee id", "worker id"), "name": ("worker", "legal name"),
        "team": ("supervisory organization", "cost center"),
        "role": ("business title", "job profile", "position"),
        "manager_number": ("manager", "worker s manager"),
        "hire_date": ("hire date", "original hire date"),
        "leave_date": ("termination date",),
        "leave_kind": ("termination category", "termination type"),
        "leave_reason": ("primary termination reason", "termination reason")},
        identify=("worker", "supervisory organization"),
        values={"leave_kind": _LEAVE_KIND}, team_in_brackets=True),
    Source("personio", "Personio employee export", "employees", {
        "number": ("id",), "first_name": ("first name",), "last_name": ("last name",),
        "team": ("department",), "role": ("position",), "manager_number": ("supervisor",),
        "hire_date": ("hire date",), "leave_date": ("termination date",),
        "leave_kind": ("termination type",), "leave_reason": ("termination reason",)},
        identify=("id", "first name", "last name", "supervisor", "position"),
        values={"leave_kind": _LEAVE_KIND}, date_order="dmy"),
    Source("hibob", "HiBob people export", "employees", {
        "number": ("employee id",), "first_name": ("first name",), "last_name": ("last name",),
        "name": ("display name",), "team": ("department",), "role": ("job title",),
        "manager_number": ("reports to",), "hire_date": ("start date",),
        "leave_date": ("termination date",), "leave_kind": ("termination type",),
        "leave_reason": ("termination reason",)},
        identify=("employee id", "display name", "reports to", "start date"),
        values={"leave_kind": _LEAVE_KIND}),
    Source("adp", "ADP employee report", "employees", {
        "number": ("associate id", "file number"),
        "first_name": ("legal first name", "first name"),
        "last_name": ("legal last name", "last name"),
        "team": ("home department description", "department description"),
        "role": ("job title description", "job title"),
        "manager_number": ("reports to name", "reports to"),
        "hire_date": ("hire date", "hire rehire date"), "leave_date": ("termination date",),
        "leave_kind": ("voluntary involuntary termination flag", "termination type"),
        "leave_reason": ("termination reason description", "termination reason")},
        identify=("associate id",), values={"leave_kind": _LEAVE_KIND}, date_order="mdy"),
    # --- Survey tools -------------------------------------------------------------------
    Source("qualtrics", "Qualtrics survey export", "responses", {
        "response_id": ("responseid", "response id"),
        "answered_on": ("recordeddate", "recorded date", "enddate", "end date"),
        "group": ("department", "team", "segment")},
        identify=("responseid", "recordeddate"), extra_heading_rows=2),
    Source("surveymonkey", "SurveyMonkey response export", "responses", {
        "response_id": ("respondent id",), "answered_on": ("end date", "start date"),
        "group": ("department", "team", "segment", "custom data 1")},
        identify=("respondent id", "collector id"), extra_heading_rows=1, date_order="mdy"),
    Source("googleforms", "Google Forms responses", "responses", {
        "answered_on": ("timestamp",), "group": ("department", "team", "segment")},
        identify=("timestamp",)),
    Source("msforms", "Microsoft Forms responses", "responses", {
        "response_id": ("id",), "answered_on": ("completion time", "start time"),
        "group": ("department", "team", "segment")},
        identify=("id", "start time", "completion time")),
    Source("typeform", "Typeform responses", "responses", {
        "response_id": ("number", "response id", "network id"),
        "answered_on": ("submit date utc", "start date utc"),
        "group": ("department", "team", "segment")},
        identify=("submit date utc",)),
    Source("delighted", "Delighted responses", "responses", {
        "response_id": ("response id",), "score": ("score",),
        "answered_on": ("created", "created at", "response timestamp"),
        "group": ("department", "team", "segment")},
        identify=("response id", "score", "comment", "person id")),
    Source("cultureamp", "Culture Amp survey export", "responses", {
        "response_id": ("response id",), "answered_on": ("submitted at", "completed at"),
        "group": ("department", "team")},
        identify=("response id", "submitted at", "survey")),
)

BY_KEY = {s.key: s for s in SOURCES}


def for_kind(kind: str) -> list[Source]:
    return [s for s in SOURCES if s.kind == kind]


def detect(kind: str, headers: Sequence[str]) -> Source | None:
    """The system that wrote a file with these headings, if one is recognised: the
    one that recognises the most of them wins (several may share "Status")."""
    normalised = {normalise_header(h) for h in headers if h}
    found = [s for s in for_kind(kind) if s.matches(normalised)]
    if not found:
        return None
    return max(found, key=lambda s: (len(s.identify), sum(
        any(h in normalised for h in options) for options in s.headings.values())))


def named(kind: str, key: str) -> Source:
    source = BY_KEY.get(key.strip().lower())
    if source is None or source.kind != kind:
        choices = ", ".join(s.key for s in for_kind(kind))
        raise StrategyError(f"“{key}” is not a source of this import; the sources are "
                            f"{choices}.")
    return source
