"""Service recovery: the complaints and compliments register, and its figures.

A complaint is recorded when it arrives, given one owner (a member of staff) who
resolves it rather than passing the customer on, promised a resolution by a date,
resolved, and followed up. Compliments come in the same way and can name members
of staff; the register turns such a compliment into a recognition record "from a
customer" (step 9).

Nothing about the customer is kept beyond what people type: their segment, the
channel, and what happened in their words.

Time to resolve is counted in **working days** (Monday to Friday; public holidays
are not known to the app): the days after the day it was received, up to and
including the day it was resolved. Received on a Friday and resolved the next
Monday is one working day; resolved the day it came in is none.

The figures of a quarter are about the complaints **received** in it (a cohort),
so a quarter's complaints, their time to resolve and the share resolved within
target always describe the same complaints:

- median time to resolve: over those resolved so far (n = how many);
- resolved within target: of those whose outcome is known — resolved, or open
  for longer than the target already — the share resolved within the target
  (n = how many). One still open and within its target is not counted either way.
- promises kept: of those given a promised-by date whose outcome is known
  (resolved, or open past that date), the share resolved by it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate, optional_text, raise_if, require_text
from strategy.core.db import Connection, incoming_rows, transaction, versioned_update
from strategy.core.errors import ConflictError, NotFoundError, ValidationError
from strategy.core.periods import QUARTER_TABLE, Quarter, quarter_table
from strategy.core.rates import Rate
from strategy.core.safe_text import contains_pattern
from strategy.core.vocabulary import CHANNELS
from strategy.customers.needs import qualities
from strategy.identity import accounts
from strategy.people import recognition
from strategy.people.recognition import RecognitionInput

KINDS = {"complaint": "Complaint", "compliment": "Compliment"}
FEEDBACK_CHANNELS = [*CHANNELS, "Letter", "Social media", "Other"]
GOODWILL_KINDS = ["Replacement", "Refund", "Discount", "Credit", "Gift", "Apology visit", "Other"]
MAX_GOODWILL = 1_000_000.0
DEFAULT_TARGET_DAYS = 2
STATUSES = {"open": "Open", "overdue": "Overdue (promise passed)", "resolved": "Resolved"}

# Weekdays from 1 January 1900 (a Monday) up to and including the day: the number of
# working days from received to resolved is the difference of two such counts.
_EPOCH = date(1900, 1, 1)


def _weekdays_sql(day: str) -> str:
    """SQL for the weekdays from 1900-01-01 to ``day`` inclusive (``day`` is code, not
    user text)."""
    days = f"(({day}) + 1 - DATE '1900-01-01')"
    return f"(5 * ({days} // 7) + least({days} % 7, 5))"


def _working_days_sql(start: str, end: str) -> str:
    return f"({_weekdays_sql(end)} - {_weekdays_sql(start)})"


RESOLVE_DAYS_SQL = _working_days_sql("c.received_on", "c.resolved_on")


def working_days(received_on: date, resolved_on: date) -> int:
    """Working days after ``received_on`` up to and including ``resolved_on``."""
    count, day = 0, received_on
    while day < resolved_on:
        day += timedelta(days=1)
        count += day.weekday() < 5
    return count


@dataclass(slots=True)  # slots: an import holds one per row of a 50,000-row export
class FeedbackInput:
    """What the record form holds (a complaint's own fields are left empty for a
    compliment)."""

    kind: str
    received_on: date | None
    channel: str
    what_happened: str
    segment_id: int | None = None
    quality: str = ""
    standard_id: int | None = None
    owner_id: int | None = None
    promised_by: date | None = None
    promise: str = ""
    resolution: str = ""
    resolved_on: date | None = None
    accepted: bool | None = None
    goodwill_kind: str = ""
    goodwill_value: float | None = None
    followed_up_on: date | None = None
    staff_ids: list[int] = field(default_factory=list)
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Feedback:
    id: int
    kind: str
    reference: str
    received_on: date
    channel: str
    segment_id: int | None
    segment: str
    quality: str
    standard_id: int | None
    standard: str
    what_happened: str
    recorded_by: str
    owner_id: int | None
    owner: str
    promised_by: date | None
    promise: str
    resolution: str
    resolved_on: date | None
    accepted: bool | None
    goodwill_kind: str
    goodwill_value: float | None
    followed_up_on: date | None
    recognition_id: int | None
    version: int
    staff_ids: tuple[int, ...]
    staff: tuple[str, ...]
    resolve_days: int | None
    open_days: int | None  # working days open so far (an open complaint), as of the read
    recorded_by_account: int | None = None

    def is_open(self) -> bool:
        return self.kind == "complaint" and self.resolved_on is None

    def is_overdue(self, today: date) -> bool:
        return self.is_open() and self.promised_by is not None and self.promised_by < today

    def as_input(self) -> FeedbackInput:
        return FeedbackInput(
            self.kind, self.received_on, self.channel, self.what_happened, self.segment_id,
            self.quality, self.standard_id, self.owner_id, self.promised_by, self.promise,
            self.resolution, self.resolved_on, self.accepted, self.goodwill_kind,
            self.goodwill_value, self.followed_up_on, list(self.staff_ids), self.reference)


# --- The organisation's target ------------------------------------------------------------


def target_days(con: Connection, org_id: int) -> int:
    row = con.execute("SELECT resolve_target_days FROM organisation WHERE id = ?",
                      [org_id]).fetchone()
    return int(row[0]) if row and row[0] is not None else DEFAULT_TARGET_DAYS


def set_target_days(con: Connection, org_id: int, days: int,
                    reason: str | None = None) -> None:
    """A new target changes the share resolved within it in every quarter, reviewed
    ones too (their frozen scorecards keep what the review saw): with a reviewed
    quarter, the change needs a reason, kept in the history."""
    access.require(Permission.EDIT_PLAN, org_id)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        raise ValidationError({"target_days": "The target is a whole number of working days "
                                              "from 1 to 60."})
    with transaction(con):
        locked = sorted(audit.locked_quarters(con, org_id))
        why = ""
        for quarter in locked:
            why = audit.check_unlocked(con, org_id, quarter, reason)
        con.execute("UPDATE organisation SET resolve_target_days = ? WHERE id = ?",
                    [days, org_id])
        audit.record(con, org_id, "Complaints", "target set",
                     f"Complaints to be resolved within {days} working days",
                     ", ".join(locked) or None, why)


# --- Checking and storing -------------------------------------------------------------------


def _exists(con: Connection, table: str, org_id: int, record_id: int) -> bool:
    # ``table`` is a name from this module, never user text.
    return con.execute(f"SELECT 1 FROM {table} WHERE org_id = ? AND id = ?",
                       [org_id, record_id]).fetchone() is not None


def _check_date(problems: dict[str, str], name: str, value: date | None, label: str,
                received: date | None, today: date) -> None:
    if value is None:
        return
    if value > today:
        problems[name] = f"{label} {value.isoformat()} is in the future."
    elif received is not None and value < received:
        problems[name] = f"{label} {value.isoformat()} is before the day it was received " \
                         f"({received.isoformat()})."


def validate(con: Connection, org_id: int, data: FeedbackInput, today: date | None = None,
             known_qualities: Sequence[str] | None = None,
             references_checked: bool = False,
             exclude_id: int | None = None, imported: bool = False) -> dict[str, object]:
    """The values to store, or ValidationError saying what to fix (writes nothing).

    An import that has already found the segment, standard, owner and staff among
    the organisation's own records says so (``references_checked``) and passes the
    qualities, so that checking a long file does not ask the database per row.

    ``imported``: a help desk's export holds tickets as the help desk has them — some not
    yet assigned, some solved without notes — so an owner and a resolution's text are
    not required of it; a person recording one in the app gives both."""
    today = today or date.today()
    problems: dict[str, str] = {}

    def exists(table: str, record_id: int) -> bool:
        return references_checked or _exists(con, table, org_id, record_id)

    if data.kind not in KINDS:
        problems["kind"] = "Say whether it is a complaint or a compliment."
    complaint = data.kind == "complaint"
    received = data.received_on
    if received is None:
        problems["received_on"] = "Say when it was received."
    elif received > today:
        problems["received_on"] = f"The date received {received.isoformat()} is in the future."
    if data.channel not in FEEDBACK_CHANNELS:
        problems["channel"] = "Choose the channel it came through: " \
                              + ", ".join(FEEDBACK_CHANNELS) + "."
    what = require_text(problems, "what_happened", data.what_happened,
                        "What happened (in the customer's words)", 1000)
    reference = optional_text(problems, "reference", data.reference, "The reference", 60)
    if reference and not references_checked and "reference" not in problems:
        held = con.execute("SELECT received_on FROM complaint WHERE org_id = ? AND reference = ? "
                           "AND id IS DISTINCT FROM ?", [org_id, reference, exclude_id]
                           ).fetchone()
        if held is not None:
            problems["reference"] = _reference_taken(reference, held[0])
    if data.segment_id is not None and not exists("segment", data.segment_id):
        problems["segment_id"] = "That customer segment no longer exists."
    quality = (data.quality or "").strip()
    if quality and quality not in (known_qualities if known_qualities is not None
                                        else qualities(con, org_id)):
        problems["quality"] = f"“{quality}” is not one of the service qualities."
    if data.standard_id is not None and not exists("standard", data.standard_id):
        problems["standard_id"] = "That standard no longer exists."
    if data.owner_id is not None and not exists("employee", data.owner_id):
        problems["owner_id"] = "The owner is no longer on the staff list."
    promise = optional_text(problems, "promise", data.promise, "What was promised", 500)
    resolution = optional_text(problems, "resolution", data.resolution, "The resolution", 1000)
    goodwill_kind = (data.goodwill_kind or "").strip()
    if complaint:
        if data.owner_id is None and "owner_id" not in problems and not imported:
            problems["owner_id"] = "Give the complaint one owner, who sees it through to the end."
        if promise and data.promised_by is None:
            problems["promised_by"] = "Say by when the promise is to be kept."
        _check_date(problems, "promised_by", data.promised_by, "The promised-by date",
                    received, date.max)
        _check_date(problems, "resolved_on", data.resolved_on, "The date resolved", received,
                    today)
        if data.resolved_on is not None and not resolution and "resolution" not in problems \
                and not imported:
            problems["resolution"] = "Say how it was resolved."
        if resolution and data.resolved_on is None and "resolved_on" not in problems:
            problems["resolved_on"] = "Say when it was resolved (or leave the resolution empty " \
                                      "while it is open)."
        if data.accepted is not None and data.resolved_on is None:
            problems["accepted"] = "Whether the customer accepted it is known once it is resolved."
        if goodwill_kind and goodwill_kind not in GOODWILL_KINDS:
            problems["goodwill_kind"] = "Choose the kind of goodwill gesture: " \
                                        + ", ".join(GOODWILL_KINDS) + "."
        if data.goodwill_value is not None:
            value = data.goodwill_value
            if not math.isfinite(value) or not 0 <= value <= MAX_GOODWILL:
                problems["goodwill_value"] = f"The gesture's value is between 0 and " \
                                             f"{MAX_GOODWILL:,.0f}."
            elif not goodwill_kind and "goodwill_kind" not in problems:
                problems["goodwill_kind"] = "Say what the goodwill gesture was."
        if data.staff_ids:
            problems["staff_ids"] = "Staff are named on compliments; a complaint has one owner."
    else:
        extra = [label for value, label in (
            (data.promised_by or promise, "promise"), (data.resolved_on or resolution,
                                                         "resolution"),
            (data.accepted is not None, "acceptance"),
            (goodwill_kind or data.goodwill_value is not None, "goodwill gesture"))
            if value]
        if extra:
            problems["kind"] = "A compliment has no " + ", ".join(extra) + \
                               ": record it as a complaint, or leave those empty."
        staff = set(data.staff_ids)
        if staff and not references_checked and con.execute(
                "SELECT count(*) FROM employee WHERE org_id = ? AND id IN (SELECT unnest(?))",
                [org_id, list(staff)]).fetchone() != (len(staff),):
            problems["staff_ids"] = "One of the people named is no longer on the staff list."
    _check_date(problems, "followed_up_on", data.followed_up_on, "The follow-up date",
                received, today)
    raise_if(problems)
    return {"kind": data.kind, "reference": reference or None, "received_on": received,
            "channel": data.channel, "segment_id": data.segment_id, "quality": quality,
            "standard_id": data.standard_id, "what_happened": what, "owner_id": data.owner_id,
            "promised_by": data.promised_by if complaint else None,
            "promise": promise if complaint else "",
            "resolution": resolution if complaint else "",
            "resolved_on": data.resolved_on if complaint else None,
            "accepted": data.accepted if complaint else None,
            "goodwill_kind": goodwill_kind if complaint else "",
            "goodwill_value": data.goodwill_value if complaint else None,
            "followed_up_on": data.followed_up_on}


def _reference_taken(reference: str, received_on: object) -> str:
    return f"The reference “{reference}” is already in the register (received {received_on})."


def check_unlocked_days(con: Connection, org_id: int, days: Sequence[date],
                        reason: str | None) -> tuple[str, str]:
    """A record dated in a reviewed quarter needs a reason. Returns (quarters, reason)."""
    quarters = sorted({str(Quarter.containing(d)) for d in days})
    why = ""
    for quarter in quarters:
        why = audit.check_unlocked(con, org_id, quarter, reason) or why
    return ", ".join(quarters), why


def set_staff(con: Connection, org_id: int, feedback_id: int, staff_ids: Sequence[int]) -> None:
    con.execute("DELETE FROM complaint_staff WHERE complaint_id = ?", [feedback_id])
    if staff_ids:
        con.execute("INSERT INTO complaint_staff (complaint_id, org_id, employee_id) "
                    "SELECT ?, ?, unnest(?)", [feedback_id, org_id, sorted(set(staff_ids))])


def insert_record(con: Connection, org_id: int, values: dict[str, object],
                  staff_ids: Sequence[int]) -> int:
    row = con.execute(
        f"INSERT INTO complaint (org_id, {', '.join(values)}, recorded_by, "
        f"recorded_by_account) VALUES (?, {', '.join('?' for _ in values)}, ?, ?) RETURNING id",
        [org_id, *values.values(), audit.actor(), access.current().account_id]).fetchone()
    assert row is not None
    set_staff(con, org_id, int(row[0]), staff_ids)
    return int(row[0])


# The stored columns ``validate`` returns, with their SQL types, for writing many at once.
COLUMN_TYPES = {
    "kind": "VARCHAR", "reference": "VARCHAR", "received_on": "DATE", "channel": "VARCHAR",
    "segment_id": "BIGINT", "quality": "VARCHAR", "standard_id": "BIGINT",
    "what_happened": "VARCHAR", "owner_id": "BIGINT", "promised_by": "DATE",
    "promise": "VARCHAR", "resolution": "VARCHAR", "resolved_on": "DATE",
    "accepted": "BOOLEAN", "goodwill_kind": "VARCHAR", "goodwill_value": "DOUBLE",
    "followed_up_on": "DATE",
}


def write_many(con: Connection, org_id: int,
               added: Iterable[tuple[dict[str, object], Sequence[int]]],
               changed: Sequence[tuple[int, int, dict[str, object], Sequence[int]]], *,
               added_count: int) -> None:
    """Insert ``added`` (values, staff; ``added_count`` of them) and update ``changed``
    (id, version read, values, staff) in a few set-based statements, inside the
    caller's transaction. A record saved by someone else since its version was read
    is refused, as one by one. ``added`` is read once, as the rows are written, so a
    long import never holds all its values at once. The values travel as a file of
    typed columns (see ``incoming_rows``), never as SQL."""
    written: list[tuple[int, Sequence[int]]] = []
    if added_count:
        ids = [int(r[0]) for r in con.execute("SELECT nextval('id_seq') FROM range(?)",
                                              [added_count]).fetchall()]

        def rows() -> Iterator[list[object]]:
            for record_id, (values, staff) in zip(ids, added, strict=True):
                written.append((record_id, staff))
                yield [record_id, *(values[n] for n in COLUMN_TYPES)]
        with incoming_rows(con, {"id": "BIGINT", **COLUMN_TYPES}, rows()) as (source, params):
            con.execute(
                f"INSERT INTO complaint (id, org_id, recorded_by, recorded_by_account, "
                f"{', '.join(COLUMN_TYPES)}) SELECT i.id, ?, ?, CAST(? AS INTEGER), "
                f"{', '.join(f'i.{n}' for n in COLUMN_TYPES)} FROM {source} AS i",
                [org_id, audit.actor(), access.current().account_id, *params])
    if changed:
        updates = ([c[0], c[1], *(c[2][n] for n in COLUMN_TYPES)] for c in changed)
        with incoming_rows(con, {"id": "BIGINT", "read_version": "INTEGER", **COLUMN_TYPES},
                           updates) as (source, params):
            row = con.execute(
                "UPDATE complaint SET "
                + ", ".join(f"{n} = i.{n}" for n in COLUMN_TYPES)
                + f", version = complaint.version + 1 FROM {source} AS i "
                "WHERE complaint.id = i.id AND complaint.org_id = ? "
                "AND complaint.version = i.read_version", [*params, org_id]).fetchone()
        if row is None or int(row[0]) != len(changed):
            raise ConflictError("Someone changed or deleted some of these records while the "
                                "file was being checked, so nothing was imported. Check the "
                                "file again and import it.")
        written += [(c[0], c[3]) for c in changed]
    if written:
        con.execute("DELETE FROM complaint_staff WHERE complaint_id IN "
                    "(SELECT unnest(CAST(? AS BIGINT[])))", [[i for i, _ in written]])
        pairs = [(i, e) for i, staff in written for e in sorted(set(staff))]
        if pairs:
            con.execute("INSERT INTO complaint_staff (complaint_id, org_id, employee_id) "
                        "SELECT unnest(CAST(? AS BIGINT[])), ?, unnest(CAST(? AS BIGINT[]))",
                        [[p[0] for p in pairs], org_id, [p[1] for p in pairs]])


def by_references(con: Connection, org_id: int, references: Sequence[str]) -> dict[str, Feedback]:
    """The records holding these references (help-desk ticket numbers)."""
    access.require(Permission.READ_FEEDBACK, org_id)
    rows = con.execute(_select("SELECT c.id FROM complaint c WHERE c.org_id = ? AND "
                               "c.reference IN (SELECT unnest(CAST(? AS VARCHAR[])))"),
                       [date.today(), org_id, list(references)]).fetchall()
    return {f.reference: f for f in (_feedback(r) for r in rows)}


def _summary(values: dict[str, object]) -> str:
    what = str(values["what_happened"])
    return f"{KINDS[str(values['kind'])]} received {values['received_on']}: " \
           f"{what[:80]}{'…' if len(what) > 80 else ''}"


def may_change(con: Connection, org_id: int, record: Feedback) -> bool:
    """Whoever may manage the register changes any record; someone who records
    complaints changes those they recorded or own (as their linked member of staff)."""
    identity = access.current()
    if identity.may(Permission.MANAGE_FEEDBACK, org_id):
        return True
    if not identity.may(Permission.RECORD_FEEDBACK, org_id):
        return False
    if record.recorded_by_account is not None:
        if record.recorded_by_account == identity.account_id:
            return True
    elif record.recorded_by == identity.name:  # recorded before accounts were kept
        return True
    if record.owner_id is None or identity.account_id is None:
        return False
    return accounts.linked_person(con, identity.account_id, org_id) == record.owner_id


def _require_change(con: Connection, org_id: int, record: Feedback) -> None:
    access.require(Permission.RECORD_FEEDBACK, org_id)
    if not may_change(con, org_id, record):
        raise access.AccessDenied(
            "You may change the complaints and compliments you recorded or own; this one "
            f"was recorded by {record.recorded_by}. Ask its owner or a leader.")


def add_feedback(con: Connection, org_id: int, data: FeedbackInput, today: date | None = None,
                 reason: str | None = None) -> int:
    """Record a complaint or a compliment; returns its id."""
    access.require(Permission.RECORD_FEEDBACK, org_id)
    with on_duplicate("reference", lambda: _reference_taken(data.reference.strip(), "just now")
                      ), transaction(con):
        values = validate(con, org_id, data, today)
        quarters, why = check_unlocked_days(con, org_id, [data.received_on or date.today()], reason)
        new_id = insert_record(con, org_id, values, data.staff_ids)
        audit.record(con, org_id, "Complaints", "recorded", _summary(values), quarters, why)
        return new_id


def update_feedback(con: Connection, org_id: int, feedback_id: int, version: int,
                    data: FeedbackInput, today: date | None = None,
                    reason: str | None = None) -> int:
    """Save a changed record if nobody saved it since ``version``; returns the new version."""
    access.require(Permission.RECORD_FEEDBACK, org_id)
    with on_duplicate("reference", lambda: _reference_taken(data.reference.strip(), "just now")
                      ), transaction(con):
        before = get_feedback(con, org_id, feedback_id)
        _require_change(con, org_id, before)
        values = validate(con, org_id, data, today, exclude_id=feedback_id)
        if before.recognition_id is not None and data.kind != before.kind:
            raise ValidationError({"kind": "This compliment is recorded as a recognition, so it "
                                           "stays a compliment."})
        days = [before.received_on, *([data.received_on] if data.received_on else [])]
        quarters, why = check_unlocked_days(con, org_id, days, reason)
        new_version = versioned_update(con, "complaint", feedback_id, org_id, version, values,
                                       "record")
        set_staff(con, org_id, feedback_id, data.staff_ids)
        changed = [name.replace("_", " ") for name, value in values.items()
                   if getattr(before, name) != (value if name != "reference" else value or "")]
        if sorted(before.staff_ids) != sorted(set(data.staff_ids)):
            changed.append("staff named")
        audit.record(con, org_id, "Complaints", "edited",
                     f"{_summary(values)} ({', '.join(changed) or 'no change'})", quarters, why)
        return new_version


def delete_feedback(con: Connection, org_id: int, feedback_id: int,
                    reason: str | None = None) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    with transaction(con):
        before = get_feedback(con, org_id, feedback_id)
        quarters, why = check_unlocked_days(con, org_id, [before.received_on], reason)
        con.execute("DELETE FROM complaint_staff WHERE complaint_id = ?", [feedback_id])
        con.execute("DELETE FROM complaint WHERE org_id = ? AND id = ?", [org_id, feedback_id])
        audit.record(con, org_id, "Complaints", "deleted",
                     _summary({"kind": before.kind, "received_on": before.received_on,
                               "what_happened": before.what_happened}), quarters, why)


def recognise_compliment(con: Connection, org_id: int, feedback_id: int, version: int,
                         value_id: int | None, standard_id: int | None, reward: str = "thanks",
                         today: date | None = None, reason: str | None = None) -> int:
    """Turn a compliment naming staff into a recognition record from a customer, with
    the compliment's words; returns the recognition's id. Done once per compliment, by
    anyone who may give recognition and record compliments — as recognising a colleague
    is — whoever recorded the compliment."""
    access.require(Permission.GIVE_RECOGNITION, org_id)
    access.require(Permission.RECORD_FEEDBACK, org_id)
    with transaction(con):
        compliment = get_feedback(con, org_id, feedback_id)
        if compliment.kind != "compliment":
            raise ValidationError({"kind": "Only a compliment becomes a recognition."})
        if compliment.recognition_id is not None:
            raise ValidationError({"recognition": "This compliment was already recorded as "
                                                  "a recognition."})
        if not compliment.staff_ids:
            raise ValidationError({"staff_ids": "Name the members of staff the compliment is "
                                                "about first."})
        # The giver is at most 120 characters; a long segment name is cut to fit.
        segment = compliment.segment if len(compliment.segment) <= 100 else \
            compliment.segment[:99] + "…"
        giver = f"A customer ({segment})" if segment else "A customer"
        data = RecognitionInput(list(compliment.staff_ids), compliment.received_on, giver,
                                "customer", compliment.what_happened, reward, None, value_id,
                                standard_id if standard_id is not None or value_id is not None
                                else compliment.standard_id)
        recognition_id = recognition.record_within(con, org_id, data, today, reason)
        versioned_update(con, "complaint", feedback_id, org_id, version,
                         {"recognition_id": recognition_id}, "compliment")
        audit.record(con, org_id, "Complaints", "recognised",
                     f"Compliment of {compliment.received_on} recorded as a recognition of "
                     f"{', '.join(compliment.staff)}", str(Quarter.containing(
                         compliment.received_on)))
        return recognition_id


# --- Reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilter:
    start: date | None = None
    end: date | None = None
    kind: str | None = None
    status: str | None = None  # "open", "overdue" or "resolved" (complaints)
    segment_id: int | None = None
    owner_id: int | None = None
    text: str | None = None
    today: date | None = None
    # Compliments that name staff and have not been made a recognition yet.
    to_recognise: bool = False


def _where(org_id: int, f: RegisterFilter) -> tuple[str, list[object]]:
    today = f.today or date.today()
    clauses = ["c.org_id = ?"]
    params: list[object] = [org_id]
    if f.start is not None:
        clauses.append("c.received_on >= ?")
        params.append(f.start)
    if f.end is not None:
        clauses.append("c.received_on <= ?")
        params.append(f.end)
    if f.kind is not None:
        clauses.append("c.kind = ?")
        params.append(f.kind)
    if f.status in ("open", "overdue"):
        clauses.append("c.kind = 'complaint' AND c.resolved_on IS NULL")
        if f.status == "overdue":
            clauses.append("c.promised_by < ?")
            params.append(today)
    elif f.status == "resolved":
        clauses.append("c.kind = 'complaint' AND c.resolved_on IS NOT NULL")
    if f.segment_id is not None:
        clauses.append("c.segment_id = ?")
        params.append(f.segment_id)
    if f.owner_id is not None:
        clauses.append("c.owner_id = ?")
        params.append(f.owner_id)
    if f.to_recognise:
        clauses.append("c.kind = 'compliment' AND c.recognition_id IS NULL AND EXISTS "
                       "(SELECT 1 FROM complaint_staff cs WHERE cs.complaint_id = c.id)")
    pattern = contains_pattern(f.text)
    if pattern is not None:
        clauses.append("(c.what_happened ILIKE ? ESCAPE '\\' OR c.reference ILIKE ? ESCAPE '\\' "
                       "OR c.resolution ILIKE ? ESCAPE '\\')")
        params += [pattern, pattern, pattern]
    return " AND ".join(clauses), params


def _select(chosen: str) -> str:
    """The records that ``chosen`` picks (a query of complaint ids; its parameters follow
    the day the working days are counted to), each with its staff, owner and working
    days. Only the chosen records are given them: worked out for every complaint before
    a page was taken, the register's page of 500 took 67 ms at the large organisation."""
    return f"""
    WITH t AS (SELECT CAST(? AS DATE) AS today), chosen AS ({chosen}),
    named AS (
        -- Both lists in one order, ties by id, so each id stands beside its name.
        SELECT cs.complaint_id, list(cs.employee_id ORDER BY e.name, e.id) AS ids,
               list(e.name ORDER BY e.name, e.id) AS names
        FROM complaint_staff cs JOIN employee e ON e.id = cs.employee_id
        WHERE cs.complaint_id IN (SELECT id FROM chosen)
        GROUP BY cs.complaint_id
    )
    SELECT c.id, c.kind, coalesce(c.reference, ''), c.received_on, c.channel, c.segment_id,
           coalesce(s.name, ''), c.quality, c.standard_id, coalesce(st.title, ''),
           c.what_happened, c.recorded_by, c.owner_id, coalesce(o.name, ''), c.promised_by,
           c.promise, c.resolution, c.resolved_on, c.accepted, c.goodwill_kind,
           c.goodwill_value, c.followed_up_on, c.recognition_id, c.version,
           coalesce(n.ids, []), coalesce(n.names, []),
           CASE WHEN c.resolved_on IS NOT NULL THEN {RESOLVE_DAYS_SQL} END,
           CASE WHEN c.kind = 'complaint' AND c.resolved_on IS NULL
                THEN {_working_days_sql("c.received_on", "t.today")} END,
           c.recorded_by_account
    FROM chosen JOIN complaint c ON c.id = chosen.id CROSS JOIN t
    LEFT JOIN named n ON n.complaint_id = c.id
    LEFT JOIN segment s ON s.id = c.segment_id
    LEFT JOIN standard st ON st.id = c.standard_id
    LEFT JOIN employee o ON o.id = c.owner_id
    """


def _feedback(row: tuple[object, ...]) -> Feedback:
    values = list(row)
    values[24] = tuple(values[24])  # type: ignore[arg-type]
    values[25] = tuple(values[25])  # type: ignore[arg-type]
    return Feedback(*values)  # type: ignore[arg-type]


def get_feedback(con: Connection, org_id: int, feedback_id: int) -> Feedback:
    access.require(Permission.READ_FEEDBACK, org_id)
    row = con.execute(_select("SELECT c.id FROM complaint c WHERE c.org_id = ? AND c.id = ?"),
                      [date.today(), org_id, feedback_id]).fetchone()
    if row is None:
        raise NotFoundError("That complaint or compliment was deleted by someone else.")
    return _feedback(row)


def count_feedback(con: Connection, org_id: int, filters: RegisterFilter) -> int:
    access.require(Permission.READ_FEEDBACK, org_id)
    where, params = _where(org_id, filters)
    row = con.execute(f"SELECT count(*) FROM complaint c WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0


def list_feedback(con: Connection, org_id: int, filters: RegisterFilter, limit: int = 100,
                  offset: int = 0) -> list[Feedback]:
    """Newest first; overdue ones first when listing open complaints."""
    access.require(Permission.READ_FEEDBACK, org_id)
    where, params = _where(org_id, filters)
    order = "c.promised_by NULLS LAST, c.received_on, c.id" if filters.status in (
        "open", "overdue") else "c.received_on DESC, c.id DESC"
    # The page is taken from the complaints alone; then its records are filled in.
    rows = con.execute(_select(f"SELECT c.id FROM complaint c WHERE {where} "
                               f"ORDER BY {order} LIMIT ? OFFSET ?") + f" ORDER BY {order}",
                       [filters.today or date.today(), *params, limit, offset]).fetchall()
    return [_feedback(r) for r in rows]


@dataclass(frozen=True)
class OpenCounts:
    open: int
    overdue: int


def open_counts(con: Connection, org_id: int, today: date | None = None) -> OpenCounts:
    """Complaints not yet resolved, and those of them past their promised-by date."""
    access.require(Permission.READ_PLAN, org_id)
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE promised_by < ?) FROM complaint "
        "WHERE org_id = ? AND kind = 'complaint' AND resolved_on IS NULL",
        [today or date.today(), org_id]).fetchone()
    return OpenCounts(int(row[0]), int(row[1])) if row else OpenCounts(0, 0)


# --- Figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterFigures:
    """The complaints and compliments received in one quarter (see the module's notes)."""

    quarter: Quarter
    complaints: int
    compliments: int
    resolved: int
    median_days: float | None
    within_target: Rate
    promises_kept: Rate
    goodwill_value: float

    @property
    def has_data(self) -> bool:
        return bool(self.complaints or self.compliments)


def quarter_figures(con: Connection, org_id: int, quarters: Sequence[Quarter],
                    today: date | None = None, segment_id: int | None = None,
                    target: int | None = None) -> list[QuarterFigures]:
    """Each quarter's figures in one query."""
    access.require(Permission.READ_PLAN, org_id)
    today = today or date.today()
    target = target_days(con, org_id) if target is None else target
    elapsed = _working_days_sql("c.received_on", "CAST($today AS DATE)")
    rows = con.execute(
        "WITH " + QUARTER_TABLE + f""", c AS (
            SELECT c.*, CASE WHEN c.kind = 'complaint' AND c.resolved_on IS NOT NULL
                             THEN {RESOLVE_DAYS_SQL} END AS days,
                   {elapsed} AS elapsed
            FROM complaint c
            WHERE c.org_id = $org AND (CAST($segment AS BIGINT) IS NULL
                                       OR c.segment_id = $segment))
        SELECT q.label,
               count(*) FILTER (WHERE c.kind = 'complaint'),
               count(*) FILTER (WHERE c.kind = 'compliment'),
               count(c.days),
               median(c.days),
               count(*) FILTER (WHERE c.days <= $target),
               count(*) FILTER (WHERE c.kind = 'complaint'
                                AND (c.days IS NOT NULL OR c.elapsed > $target)),
               count(*) FILTER (WHERE c.kind = 'complaint' AND c.resolved_on <= c.promised_by),
               count(*) FILTER (WHERE c.kind = 'complaint' AND c.promised_by IS NOT NULL
                                AND (c.resolved_on IS NOT NULL OR c.promised_by < $today)),
               coalesce(sum(c.goodwill_value) FILTER (WHERE c.kind = 'complaint'), 0)
        FROM q JOIN c ON c.received_on BETWEEN q.qs AND q.qe
        GROUP BY q.label
        """, {**quarter_table(quarters), "org": org_id, "segment": segment_id,
              "target": target, "today": today}).fetchall()
    found = {r[0]: r for r in rows}
    result = []
    for quarter in quarters:
        r = found.get(str(quarter))
        if r is None:
            result.append(QuarterFigures(quarter, 0, 0, 0, None, Rate(0, 0), Rate(0, 0), 0.0))
        else:
            result.append(QuarterFigures(quarter, int(r[1]), int(r[2]), int(r[3]),
                                         float(r[4]) if r[4] is not None else None,
                                         Rate(int(r[5]), int(r[6])), Rate(int(r[7]), int(r[8])),
                                         float(r[9])))
    return result


@dataclass(frozen=True)
class ParetoBar:
    name: str
    count: int
    cumulative_share: float  # percent of all the complaints counted, up to this bar


def pareto(con: Connection, org_id: int, start: date, end: date, by: str) -> list[ParetoBar]:
    """Complaints received between the dates per segment or per service quality, most
    first, with the running share (the few causes behind most complaints)."""
    access.require(Permission.READ_PLAN, org_id)
    group = {"segment": "coalesce(s.name, '(segment not recorded)')",
             "quality": "coalesce(nullif(c.quality, ''), '(quality not recorded)')",
             "standard": "st.title"}[by]
    joins = {"segment": "LEFT JOIN segment s ON s.id = c.segment_id",
             "quality": "", "standard": "JOIN standard st ON st.id = c.standard_id"}[by]
    rows = con.execute(
        f"""SELECT name, n, 100.0 * sum(n) OVER (ORDER BY n DESC, lower(name), name
                                               ROWS UNBOUNDED PRECEDING) / sum(n) OVER ()
            FROM (SELECT {group} AS name, count(*) AS n FROM complaint c {joins}
                  WHERE c.org_id = ? AND c.kind = 'complaint' AND c.received_on BETWEEN ? AND ?
                  GROUP BY 1)
            ORDER BY n DESC, lower(name), name""", [org_id, start, end]).fetchall()
    return [ParetoBar(str(name), int(count), float(share)) for name, count, share in rows]


def standards_breached(con: Connection, org_id: int, start: date, end: date) -> list[ParetoBar]:
    """The standards complaints said were breached, most often first."""
    return pareto(con, org_id, start, end, "standard")


@dataclass(frozen=True)
class ImpactFeed:
    """What the register says for the impact model's two complaint inputs."""

    complaints: int
    within_target: Rate

    @property
    def quick_share(self) -> float | None:
        value = self.within_target.value
        return value / 100 if value is not None else None


def impact_feed(con: Connection, org_id: int, quarters: Sequence[Quarter],
                today: date | None = None) -> list[ImpactFeed | None]:
    """Per quarter, the register's complaints and quick-resolution share — None for a
    quarter without complaints in the register, where the model keeps its typed numbers."""
    figures = quarter_figures(con, org_id, quarters, today)
    # A quarter with compliments only says nothing about complaints: the typed count stays.
    return [ImpactFeed(f.complaints, f.within_target) if f.complaints else None
            for f in figures]

