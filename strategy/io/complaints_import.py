"""Importing complaints and compliments from a help desk's CSV or Excel export.

The person says which column is which (we guess from the usual headings), sees
every row checked, and imports only a clean file: all rows or none. A row whose
reference (ticket number) is already in the register updates that record, so the
next export of the same tickets brings their resolutions in without duplicates.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate
from strategy.core.db import Connection, transaction
from strategy.core.errors import ValidationError
from strategy.customers.needs import qualities
from strategy.io import sources
from strategy.io.dates import DateError
from strategy.io.mapping import Plan, Reading, decide_dates, is_left_out
from strategy.io.tabular import Table, normalise_header, parse_number, text
from strategy.measures import complaints
from strategy.measures.complaints import FEEDBACK_CHANNELS, GOODWILL_KINDS, Feedback, FeedbackInput

# Field -> (label, required, headings it is often exported under).
FIELDS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "reference": ("Reference", False, ("ticket", "ticket id", "ticket number", "case",
                                       "case number", "case id", "ref", "id", "issue key",
                                       "key", "number", "conversation number")),
    "kind": ("Complaint or compliment", False, ("type", "kind", "ticket type", "feedback type")),
    "received_on": ("Received on", True, ("date received", "received", "created", "created at",
                                          "created date", "date created", "opened", "date",
                                          "submitted")),
    "channel": ("Channel", True, ("source", "via", "medium", "contact channel")),
    "segment": ("Customer segment", False, ("segment", "customer type", "customer group")),
    "quality": ("Service quality", False, ("quality", "service quality")),
    "standard": ("Standard breached", False, ("standard", "standard breached")),
    "what_happened": ("What happened", True, ("description", "what happened", "details",
                                              "message", "comment", "comments", "subject",
                                              "body")),
    "owner": ("Owner", False, ("owner", "assignee", "assigned to", "agent", "handled by",
                               "owner number")),
    "promised_by": ("Promised by", False, ("promised by", "due", "due date", "due by",
                                           "sla due")),
    "promise": ("What was promised", False, ("promise", "promised")),
    "status": ("Status", False, ("status", "state", "ticket status")),
    "resolution": ("Resolution", False, ("resolution", "resolution notes", "solution")),
    "resolved_on": ("Resolved on", False, ("resolved", "resolved at", "date resolved",
                                           "resolved date", "solved at", "closed",
                                           "closed at")),
    "accepted": ("Customer accepted", False, ("accepted", "customer accepted")),
    "goodwill_kind": ("Goodwill gesture", False, ("goodwill", "goodwill gesture",
                                                  "compensation")),
    "goodwill_value": ("Goodwill value", False, ("goodwill value", "compensation value",
                                                 "compensation amount")),
    "followed_up_on": ("Followed up on", False, ("followed up", "follow up",
                                                 "follow up date", "followed up date")),
    "staff": ("Staff named", False, ("staff", "staff named", "praised staff")),
}

# How help desks name their channels, for the register's own.
_CHANNEL_WORDS = {
    "phone": "Phone", "telephone": "Phone", "call": "Phone", "voice": "Phone",
    "email": "Email", "e mail": "Email", "mail": "Email",
    "in person": "In person", "walk in": "In person", "counter": "In person",
    "web": "Web/chat", "chat": "Web/chat", "web chat": "Web/chat", "web form": "Web/chat",
    "web chat ": "Web/chat", "portal": "Web/chat", "field": "Field", "visit": "Field",
    "letter": "Letter", "post": "Letter", "social": "Social media", "social media": "Social media",
    "twitter": "Social media", "facebook": "Social media", "other": "Other",
}
# How help desks name a ticket's state: still open, or done.
_OPEN_WORDS = {"open", "new", "pending", "in progress", "on hold", "waiting", "hold",
               "assigned", "reopened", "escalated"}
_DONE_WORDS = {"solved", "resolved", "closed", "done", "complete", "completed", "fixed"}
_YES = {"yes", "y", "true", "1", "accepted"}
_NO = {"no", "n", "false", "0", "declined", "rejected"}


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """For each field, the file column that most likely holds it (or None)."""
    normalised = {normalise_header(h): h for h in headers if h}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for name, (label, _required, synonyms) in FIELDS.items():
        # The field's own label first: it is the heading of our template's column.
        choice = next((normalised[s] for s in (normalise_header(label), *synonyms)
                       if s in normalised and normalised[s] not in taken), None)
        mapping[name] = choice
        if choice:
            taken.add(choice)
    return mapping


DATE_FIELDS = ("received_on", "promised_by", "resolved_on", "followed_up_on")
LABELS = {name: label for name, (label, _r, _s) in FIELDS.items()}


def check_mapping(mapping: dict[str, str | None], headers: list[str],
                  reading: Reading | None = None) -> None:
    problems: dict[str, str] = {}
    for name, (label, required, _s) in FIELDS.items():
        column = mapping.get(name)
        every_row = reading is not None and reading.value(name, "") is not None
        if required and not column and not every_row:
            problems[name] = (f"Choose the column that holds “{label}”" + (
                " — or give every row one channel (on the command line --value "
                "'channel:*=Web/chat')" if name == "channel" else "") + ".")
        elif column and column not in headers:
            problems[name] = f"The file has no column “{column}”."
    for column, times in Counter(c for c in mapping.values() if c).items():
        if times > 1:
            problems["mapping"] = f"The column “{column}” is chosen for {times} fields."
    if problems:
        raise ValidationError(problems)


# Import field -> the form's field it fills.
_INPUT_FIELD = {"segment": "segment_id", "standard": "standard_id", "owner": "owner_id",
                "staff": "staff_ids"}


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, str]
    data: FeedbackInput | None = None
    existing: Feedback | None = None  # the record already holding this row's reference
    unchanged: bool = False  # ... and the row would change nothing in it
    problems: list[str] = field(default_factory=list)
    left_out: str = ""  # why the row is not imported: its type or status says so

    @property
    def existing_id(self) -> int | None:
        return self.existing.id if self.existing is not None else None


@dataclass
class Preview:
    where: str
    rows: list[Row]

    @property
    def problem_rows(self) -> list[Row]:
        return [r for r in self.rows if r.problems and not r.left_out]

    @property
    def kept(self) -> list[Row]:
        return [r for r in self.rows if not r.left_out]

    @property
    def left_out(self) -> Counter[str]:
        """Why rows are left out, and how many for each reason."""
        return Counter(r.left_out for r in self.rows if r.left_out)

    @property
    def clean(self) -> bool:
        return bool(self.kept) and not self.problem_rows

    def counts(self) -> tuple[int, int, int]:
        """(new records, records changed, records already as the file has them)."""
        kept = self.kept
        same = sum(r.unchanged for r in kept)
        updates = sum(r.existing is not None for r in kept) - same
        return len(kept) - updates - same, updates, same


def _merged(existing: Feedback, data: FeedbackInput, values: dict[str, str]) -> FeedbackInput:
    """The stored record with what the file says put in. A field the file has no column
    for, or a blank cell, keeps what the register holds: an owner, a promise or the staff
    named, added in the app, are not wiped by an export that does not carry them."""
    merged = existing.as_input()
    for name in FIELDS:
        if values.get(name) and name != "status":  # the status is checked, not kept
            attribute = _INPUT_FIELD.get(name, name)
            setattr(merged, attribute, getattr(data, attribute))
    return merged


# A compliment has no promise or resolution: a help desk closing its "thank you" ticket
# says nothing about it, so those columns are not read for a compliment.
_COMPLAINT_ONLY = {"promised_by": None, "promise": "", "resolution": "", "resolved_on": None,
                   "accepted": None, "goodwill_kind": "", "goodwill_value": None}


def _check_status(values: dict[str, str], meaning: str | None, data: FeedbackInput,
                  existing: Feedback | None, problems: list[str]) -> None:
    """The help desk's status against the record as it will be stored."""
    status = normalise_header(meaning or values.get("status", ""))
    if not status or data.kind != "complaint":
        return
    if status not in _OPEN_WORDS | _DONE_WORDS:
        problems.append(f"Status “{values['status']}” is neither open nor solved: say which — "
                        f"on the command line --value 'status:{values['status']}=solved' (or "
                        "=open, or ='leave out'); in the app, under Values.")
    elif status in _DONE_WORDS and data.resolved_on is None:
        if not any(p.startswith("Resolved on") for p in problems):
            problems.append(f"The ticket is “{values['status']}” but has no date resolved.")
    elif status in _OPEN_WORDS and data.resolved_on is not None:
        if existing is not None and existing.resolved_on is not None \
                and not values.get("resolved_on"):
            problems.append(f"The ticket is “{values['status']}” in the file but resolved in "
                            f"the register on {existing.resolved_on}: if it was reopened, "
                            "clear its resolution in the app first.")
        else:
            problems.append(f"The ticket is “{values['status']}” but has a date resolved "
                            f"({data.resolved_on}).")


def _same(a: FeedbackInput, b: FeedbackInput) -> bool:
    return replace(a, staff_ids=sorted(set(a.staff_ids))) == \
        replace(b, staff_ids=sorted(set(b.staff_ids)))


def _lookup(con: Connection, sql: str, org_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for record_id, name in con.execute(sql, [org_id]).fetchall():
        found.setdefault(str(name).strip().lower(), []).append(int(record_id))
    return found


def _named(values: dict[str, str], name: str, known: dict[str, list[int]], what: str,
           problems: list[str]) -> int | None:
    """The record a cell names (by its name, any case), or None; an unknown name is a
    problem of the row."""
    given = values.get(name, "")
    if not given:
        return None
    found = known.get(given.lower())
    if not found:
        problems.append(f"Unknown {what} “{given}”.")
        return None
    return found[0]


class _People:
    """Members of staff found by employee number, or by a name only one person has."""

    def __init__(self, con: Connection, org_id: int) -> None:
        self.numbers = _lookup(con, "SELECT id, number FROM employee WHERE org_id = ?", org_id)
        self.names = _lookup(con, "SELECT id, name FROM employee WHERE org_id = ?", org_id)

    def find(self, given: str, what: str, problems: list[str]) -> int | None:
        key = given.strip().lower()
        if key in self.numbers:
            return self.numbers[key][0]
        matches = self.names.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            problems.append(f"{len(matches)} people are called “{given}”: give the {what}'s "
                            "employee number instead.")
        else:
            problems.append(f"No member of staff has the number or name “{given}” ({what}).")
        return None


def _date(cells: dict[str, object], name: str, label: str, reading: Reading,
          problems: list[str]) -> date | None:
    try:
        return reading.date(name, cells.get(name))
    except DateError as exc:
        problems.append(f"{label}: {exc}.")
        return None


def said_kind(raw: str, meaning: str | None) -> str | None:
    """complaint, compliment, or None when the value does not say."""
    said = (meaning or raw).strip().lower()
    if "compliment" in said or "praise" in said or said in ("thanks", "thank you"):
        return "compliment"
    if "complaint" in said:
        return "complaint"
    return None


def preview(con: Connection, org_id: int, table: Table, mapping: dict[str, str | None],
            reading: Reading | None = None, today: date | None = None) -> Preview:
    """Check every row; nothing is written. ``reading`` says what the file's values
    mean and which way round its dates are; without it, each date column's order is
    decided from its own values."""
    access.require(Permission.EDIT_PLAN, org_id)
    decided = reading is not None
    reading = reading or Reading()
    check_mapping(mapping, table.headers, reading)
    if not decided:
        decide_dates(table, Plan("complaints", None, mapping, reading), DATE_FIELDS, LABELS)
    today = today or date.today()
    index = {name: table.headers.index(column) for name, column in mapping.items() if column}
    table.check(index.values())
    segments = _lookup(con, "SELECT id, name FROM segment WHERE org_id = ?", org_id)
    standards = _lookup(con, "SELECT id, title FROM standard WHERE org_id = ?", org_id)
    if "reference" in index:
        in_file = {text(raw[index["reference"]]) for raw in table.rows}  # type: ignore[arg-type]
        held = complaints.by_references(con, org_id, sorted(r for r in in_file if r))
    else:
        held = {}
    known = qualities(con, org_id)
    quality_names = {q.lower(): q for q in known}
    channels = {c.lower(): c for c in FEEDBACK_CHANNELS} | _CHANNEL_WORDS
    goodwill = {g.lower(): g for g in GOODWILL_KINDS}
    staff = _People(con, org_id)
    rows: list[Row] = []
    for position, raw in enumerate(table.rows):
        cells: dict[str, object] = {name: raw[i] for name, i in index.items()}
        values = {name: text(v) for name, v in cells.items()}  # type: ignore[arg-type]
        row = Row(table.line(position), values)
        problems = row.problems

        existing = held.get(values.get("reference", ""))
        kind_text = values.get("kind", "")
        kind_meaning = reading.value("kind", kind_text, any_other=False) \
            if "kind" in index else None
        if kind_meaning is None and "kind" in index and not said_kind(kind_text, None):
            # A value named nowhere, which does not say complaint or compliment itself
            # (a tag list without either): what "any other value" says of it.
            kind_meaning = reading.value("kind", kind_text)
        status_meaning = reading.value("status", values.get("status", "")) \
            if values.get("status") else None
        if is_left_out(kind_meaning):
            row.left_out = f"{FIELDS['kind'][0]} “{kind_text}”"
        elif status_meaning == sources.CANCELLED or is_left_out(status_meaning):
            row.left_out = f"status “{values['status']}”"
        if row.left_out:
            rows.append(row)
            continue
        # Without a kind (a column, or a blank cell), a known ticket keeps its kind and a
        # new one is a complaint.
        kind = existing.kind if existing is not None and not kind_text else "complaint"
        said = said_kind(kind_text, kind_meaning) if kind_text or kind_meaning else None
        if said:
            kind = said
        elif kind_text or kind_meaning:
            problems.append(f"{mapping.get('kind') or 'Type'} “{kind_text}” is neither a "
                            "complaint nor a compliment: say which it is, or leave such rows "
                            f"out — on the command line --value 'kind:{kind_text}=complaint' "
                            f"(or =compliment, or ='leave out'); in the app, under Values.")
        received = _date(cells, "received_on", "Received on", reading, problems)
        if received is None and not any(p.startswith("Received on") for p in problems):
            problems.append("Missing the date received.")
        channel_text = values.get("channel", "")
        meant = reading.value("channel", channel_text)
        channel = channels.get((meant or "").lower(), "") if meant else ""
        channel = channel or channels.get(normalise_header(channel_text)) or channels.get(
            channel_text.lower(), "")
        if not channel:
            problems.append(f"Unknown channel “{channel_text}”: say which of "
                            + ", ".join(FEEDBACK_CHANNELS) + " it is — on the command line "
                            f"--value 'channel:{channel_text or '*'}=Phone'; in the app, under "
                            "Values.")
        segment_id = _named(values, "segment", segments, "customer segment", problems)
        quality = ""
        if values.get("quality"):
            quality = quality_names.get(values["quality"].lower(), "")
            if not quality:
                problems.append(f"Unknown service quality “{values['quality']}”.")
        standard_id = _named(values, "standard", standards, "standard", problems)
        owner_id = staff.find(values["owner"], "owner", problems) if values.get("owner") \
            else None
        staff_ids = []
        for given in re.split(r"[;,]", values.get("staff", "")):
            if given.strip():
                found_id = staff.find(given, "person named", problems)
                if found_id is not None:
                    staff_ids.append(found_id)
        accepted = None
        answer = values.get("accepted", "").lower()
        if answer in _YES:
            accepted = True
        elif answer in _NO:
            accepted = False
        elif answer:
            problems.append(f"Customer accepted: “{values['accepted']}” is not yes or no.")
        goodwill_kind = ""
        if values.get("goodwill_kind"):
            goodwill_kind = goodwill.get(values["goodwill_kind"].lower(), "")
            if not goodwill_kind:
                problems.append(f"Unknown goodwill gesture “{values['goodwill_kind']}”: use "
                                + ", ".join(GOODWILL_KINDS) + ".")
        goodwill_value = None
        try:
            goodwill_value = parse_number(cells.get("goodwill_value"))  # type: ignore[arg-type]
        except ValueError as exc:
            problems.append(f"Goodwill value: {exc}.")
        resolved_on = _date(cells, "resolved_on", "Resolved on", reading, problems)
        data = FeedbackInput(
            kind, received, channel, values.get("what_happened", ""), segment_id, quality,
            standard_id, owner_id,
            _date(cells, "promised_by", "Promised by", reading, problems),
            values.get("promise", ""), values.get("resolution", ""),
            resolved_on, accepted,
            goodwill_kind, goodwill_value,
            _date(cells, "followed_up_on", "Followed up on", reading, problems),
            staff_ids, values.get("reference", ""))
        if kind == "compliment":
            data = replace(data, **_COMPLAINT_ONLY)  # type: ignore[arg-type]
            values = {k: v for k, v in values.items() if k not in _COMPLAINT_ONLY}
            row.values = values
        if existing is not None:
            row.existing = existing
            if kind_text and kind != existing.kind:
                problems.append(f"{data.reference} is a {existing.kind} in the register; this "
                                f"line says {kind}.")
            data = _merged(existing, data, values)
            row.unchanged = _same(data, existing.as_input())
        _check_status(values, status_meaning, data, existing, problems)
        row.data = data
        if not problems and not row.unchanged:
            try:
                complaints.validate(con, org_id, data, today, known, references_checked=True,
                                    imported=True)
            except ValidationError as exc:
                problems.extend(exc.fields.values())
        rows.append(row)
    repeated = Counter(r.data.reference for r in rows
                       if r.data and r.data.reference and not r.left_out)
    for row in rows:
        if row.data and row.data.reference and repeated[row.data.reference] > 1 \
                and not row.left_out:
            row.problems.append(f"The reference “{row.data.reference}” appears on more than "
                                "one line.")
    return Preview(table.where(), rows)


def import_feedback(con: Connection, org_id: int, checked: Preview, file_name: str,
                    reason: str | None = None,
                    today: date | None = None) -> tuple[int, int, int]:
    """Write every row of a clean preview in one transaction; returns (added, updated,
    unchanged). Rows that change nothing are left alone: they need no reason in a
    reviewed quarter and do not count as corrections to it."""
    access.require(Permission.EDIT_PLAN, org_id)
    if not checked.kept:
        raise ValidationError({"file": f"{checked.where} has no rows to import" + (
            f" ({sum(checked.left_out.values())} left out)" if checked.left_out else "")
            + "."})
    if checked.problem_rows:
        lines = ", ".join(str(r.line) for r in checked.problem_rows[:20])
        raise ValidationError({"file": f"{len(checked.problem_rows)} rows need fixing first "
                                       f"(lines {lines}); nothing was imported."})
    known = qualities(con, org_id)
    new = [r for r in checked.kept if r.existing is None]
    changed = [r for r in checked.kept if r.existing is not None and not r.unchanged]
    unchanged = len(checked.kept) - len(new) - len(changed)
    if not new and not changed:
        return 0, 0, unchanged
    with on_duplicate("file", lambda: "Some of these tickets were added to the register while "
                                      "the file was being checked, so nothing was imported. "
                                      "Check the file again and import it."), \
            transaction(con):
        days = [r.data.received_on for r in new + changed if r.data and r.data.received_on]
        days += [r.existing.received_on for r in changed if r.existing is not None]
        quarters, why = complaints.check_unlocked_days(con, org_id, days, reason)
        # Checked once more as they are written (one row's values at a time): a
        # refusal now still leaves nothing written, the transaction is rolled back.
        added_values = ((complaints.validate(con, org_id, row.data, today, known,
                                             references_checked=True, imported=True),
                         row.data.staff_ids) for row in new if row.data is not None)
        changed_values = []
        for row in changed:
            assert row.data is not None and row.existing is not None
            changed_values.append((row.existing.id, row.existing.version, complaints.validate(
                con, org_id, row.data, today, known, references_checked=True, imported=True),
                row.data.staff_ids))
        complaints.write_many(con, org_id, added_values, changed_values, added_count=len(new))
        audit.record(con, org_id, "Complaints", "imported",
                     f"{len(new)} added and {len(changed)} updated from {file_name}"
                     + (f" ({unchanged} already as in the file)" if unchanged else ""),
                     quarters, why)
    return len(new), len(changed), unchanged
