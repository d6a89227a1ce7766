"""Step 9 — reward and recognition, and the views HR needs of it.

Records are never removed outright: a deletion marks the record deleted, and
every creation, edit and deletion is written to the history with who and when.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import past_date, raise_if, require_text
from strategy.core.db import Connection, transaction
from strategy.core.errors import ConflictError, NotFoundError, ValidationError
from strategy.core.periods import QUARTER_TABLE, Quarter, quarter_table
from strategy.core.rates import Rate
from strategy.core.safe_text import contains_pattern, to_csv

GIVER_KINDS = {"peer": "A colleague", "manager": "A manager", "customer": "A customer's compliment"}
REWARDS = ["thanks", "voucher", "points", "gift", "time off", "bonus"]
MAX_AMOUNT = 100_000.0


@dataclass
class RecognitionInput:
    recipients: list[int]
    given_on: date | None
    giver: str
    giver_kind: str
    what: str
    reward: str = "thanks"
    amount: float | None = None
    value_id: int | None = None
    standard_id: int | None = None


@dataclass(frozen=True)
class Recognition:
    id: int
    given_on: date
    giver: str
    giver_kind: str
    value_id: int | None
    value: str
    standard_id: int | None
    standard: str
    what: str
    reward: str
    amount: float | None
    version: int
    recipient_ids: tuple[int, ...]
    recipients: tuple[str, ...]
    teams: tuple[str, ...]
    created_by: str
    updated_by: str | None
    updated_at: datetime | None


def _validate(con: Connection, org_id: int, data: RecognitionInput,
              today: date | None) -> dict[str, object]:
    problems: dict[str, str] = {}
    day = past_date(problems, "given_on", data.given_on, "The date", today)
    giver = require_text(problems, "giver", data.giver, "Who gave it", 120)
    what = require_text(problems, "what", data.what, "What was done", 1000)
    if data.giver_kind not in GIVER_KINDS:
        problems["giver_kind"] = "Say whether it came from a colleague, a manager or a customer."
    if data.reward not in REWARDS:
        problems["reward"] = f"The reward must be one of: {', '.join(REWARDS)}."
    if data.amount is not None and (not math.isfinite(data.amount) or
                                    not 0 <= data.amount <= MAX_AMOUNT):
        problems["amount"] = f"The amount must be between 0 and {MAX_AMOUNT:,.0f}."
    if not data.recipients:
        problems["recipients"] = "Choose who is being recognised."
    else:
        found = con.execute(
            "SELECT count(*) FROM employee WHERE org_id = ? AND id IN (SELECT unnest(?))",
            [org_id, list(set(data.recipients))]).fetchone()
        if not found or found[0] != len(set(data.recipients)):
            problems["recipients"] = "One of those people is no longer on the staff list."
    if data.value_id is None and data.standard_id is None:
        problems["value"] = "Say which value or standard the behaviour reinforces."
    if data.value_id is not None and con.execute(
            "SELECT 1 FROM org_value WHERE org_id = ? AND id = ?",
            [org_id, data.value_id]).fetchone() is None:
        problems["value"] = "That value no longer exists."
    if data.standard_id is not None and con.execute(
            "SELECT 1 FROM standard WHERE org_id = ? AND id = ?",
            [org_id, data.standard_id]).fetchone() is None:
        problems["standard"] = "That standard no longer exists."
    raise_if(problems)
    return {"given_on": day, "giver": giver, "giver_kind": data.giver_kind,
            "value_id": data.value_id, "standard_id": data.standard_id, "what": what,
            "reward": data.reward, "amount": data.amount}


def _who() -> str:
    # "Recorded by" is the signed-in person, never a typed name.
    return audit.actor()


def _lock(con: Connection, org_id: int, day: object, reason: str | None) -> None:
    """Recognition dated in a reviewed quarter needs a reason, kept in the history."""
    if isinstance(day, date):
        period = f"{day:%Y-%m}"
        why = audit.check_unlocked(con, org_id, period, reason)
        if why:
            audit.record(con, org_id, "Recognition", "changed",
                         f"Recognition dated {day}", str(audit.quarter_of(period)), why)


# --- The tally per person and quarter -------------------------------------------------
# Each write adds rows of +1 (a person recognised in a quarter) or -1 (taken away
# by a correction or deletion) for exactly the change it makes. Rows are only ever
# added, so two people recording at the same moment never conflict over one; the
# readers add them up, and ``compact_tally`` folds them into one row each.


def _count_in(con: Connection, org_id: int, changes: Iterable[tuple[int, date, int]]) -> None:
    """Add (person, day, +1 or -1) changes to the tally, one row per person and quarter."""
    summed: dict[tuple[int, date], int] = {}
    for employee_id, day, change in changes:
        key = (employee_id, Quarter.containing(day).start)
        summed[key] = summed.get(key, 0) + change
    rows = [(e, q, n) for (e, q), n in summed.items() if n]
    if rows:
        con.execute(
            "INSERT INTO recognition_tally (org_id, employee_id, quarter_start, received) "
            "SELECT $org, unnest($people), unnest($quarters), unnest($changes)",
            {"org": org_id, "people": [r[0] for r in rows], "quarters": [r[1] for r in rows],
             "changes": [r[2] for r in rows]})


_RECOUNT = """
    INSERT INTO recognition_tally
    SELECT r.org_id, rr.employee_id, CAST(date_trunc('quarter', r.given_on) AS DATE), count(*)
    FROM recognition r JOIN recognition_recipient rr ON rr.recognition_id = r.id
    WHERE r.org_id = ? AND r.deleted_at IS NULL
    GROUP BY ALL
"""


def rebuild_tally(con: Connection, org_id: int) -> None:
    """Recount the organisation's tally from the records: after a bulk load."""
    with transaction(con):
        con.execute("DELETE FROM recognition_tally WHERE org_id = ?", [org_id])
        con.execute(_RECOUNT, [org_id])


def compact_tally(con: Connection) -> int:
    """Fold every organisation's +1/-1 rows into one row per person and quarter (run
    by ``migrate``, before the server starts). Returns the rows folded away."""
    with transaction(con):
        before = con.execute("SELECT count(*) FROM recognition_tally").fetchone()
        con.execute("CREATE TEMP TABLE folded AS SELECT org_id, employee_id, quarter_start, "
                    "CAST(sum(received) AS INTEGER) AS received FROM recognition_tally "
                    "GROUP BY ALL HAVING sum(received) <> 0")
        con.execute("DELETE FROM recognition_tally")
        con.execute("INSERT INTO recognition_tally SELECT * FROM folded")
        after = con.execute("SELECT count(*) FROM folded").fetchone()
        con.execute("DROP TABLE folded")
    return (before[0] if before else 0) - (after[0] if after else 0)


def check(con: Connection, org_id: int, data: RecognitionInput,
          today: date | None = None) -> None:
    """Raise ValidationError if the record could not be saved; writes nothing."""
    _validate(con, org_id, data, today)


def _insert(con: Connection, org_id: int, data: RecognitionInput, who: str,
            today: date | None, reason: str | None) -> int:
    values = _validate(con, org_id, data, today)
    _lock(con, org_id, values["given_on"], reason)
    row = con.execute(
        f"INSERT INTO recognition (org_id, {', '.join(values)}, created_by) "
        f"VALUES (?, {', '.join('?' for _ in values)}, ?) RETURNING id",
        [org_id, *values.values(), who]).fetchone()
    assert row is not None
    _add_recipients(con, org_id, int(row[0]), values["given_on"], data.recipients)
    con.execute("INSERT INTO recognition_history (org_id, recognition_id, action, done_by) "
                "VALUES (?, ?, 'created', ?)", [org_id, row[0], who])
    return int(row[0])


def _add_recipients(con: Connection, org_id: int, recognition_id: int, given_on: object,
                    recipients: Iterable[int]) -> None:
    # Each row carries the record's day (migration 21): who was recognised lately is
    # read from the recipients alone.
    for employee_id in sorted(set(recipients)):
        con.execute("INSERT INTO recognition_recipient (recognition_id, org_id, employee_id, "
                    "given_on) VALUES (?, ?, ?, ?)",
                    [recognition_id, org_id, employee_id, given_on])


def _created(con: Connection, org_id: int, records: list[RecognitionInput]) -> None:
    _count_in(con, org_id, ((e, d.given_on, 1) for d in records if d.given_on is not None
                            for e in set(d.recipients)))


def add_recognition(con: Connection, org_id: int, data: RecognitionInput,
                    today: date | None = None, reason: str | None = None) -> int:
    access.require(Permission.GIVE_RECOGNITION, org_id)
    who = _who()
    with transaction(con):
        new_id = _insert(con, org_id, data, who, today, reason)
        _created(con, org_id, [data])
        return new_id


def record_within(con: Connection, org_id: int, data: RecognitionInput,
                  today: date | None = None, reason: str | None = None) -> int:
    """Record one inside the caller's transaction (a compliment becoming a recognition
    stores both or neither); the caller has checked who may."""
    new_id = _insert(con, org_id, data, _who(), today, reason)
    _created(con, org_id, [data])
    return new_id


def add_many(con: Connection, org_id: int, records: list[RecognitionInput],
             today: date | None = None, reason: str | None = None) -> int:
    """Record several in one transaction: all of them or none."""
    access.require(Permission.MANAGE_PEOPLE, org_id)
    who = _who()
    with transaction(con):
        for data in records:
            _insert(con, org_id, data, who, today, reason)
        _created(con, org_id, records)
    return len(records)


def update_recognition(con: Connection, org_id: int, recognition_id: int, version: int,
                       data: RecognitionInput, today: date | None = None,
                       reason: str | None = None) -> None:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    who = _who()
    with transaction(con):
        before = get_recognition(con, org_id, recognition_id)
        values = _validate(con, org_id, data, today)
        _lock(con, org_id, before.given_on, reason)
        if values["given_on"] != before.given_on:
            _lock(con, org_id, values["given_on"], reason)
        changed = [k for k, v in values.items() if getattr(before, k) != v]
        if set(before.recipient_ids) != set(data.recipients):
            changed.append("recipients")
        row = con.execute(
            f"UPDATE recognition SET {', '.join(f'{k} = ?' for k in values)}, updated_by = ?, "
            "updated_at = now(), version = version + 1 "
            "WHERE org_id = ? AND id = ? AND version = ? AND deleted_at IS NULL RETURNING id",
            [*values.values(), who, org_id, recognition_id, version]).fetchone()
        if row is None:
            raise ConflictError("Someone else changed this recognition while you were editing "
                                "it; nothing was overwritten. Reload it and edit again.")
        con.execute("DELETE FROM recognition_recipient WHERE recognition_id = ?",
                    [recognition_id])
        _add_recipients(con, org_id, recognition_id, values["given_on"], data.recipients)
        con.execute("INSERT INTO recognition_history (org_id, recognition_id, action, done_by, "
                    "details) VALUES (?, ?, 'edited', ?, ?)",
                    [org_id, recognition_id, who, "changed " + ", ".join(changed)
                     if changed else "no change"])
        assert data.given_on is not None  # validated above
        _count_in(con, org_id, [*((e, before.given_on, -1) for e in before.recipient_ids),
                                *((e, data.given_on, 1) for e in set(data.recipients))])


def delete_recognition(con: Connection, org_id: int, recognition_id: int,
                       reason: str | None = None) -> None:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    who = _who()
    with transaction(con):
        before = get_recognition(con, org_id, recognition_id)
        _lock(con, org_id, before.given_on, reason)
        row = con.execute(
            "UPDATE recognition SET deleted_by = ?, deleted_at = now() "
            "WHERE org_id = ? AND id = ? AND deleted_at IS NULL RETURNING id",
            [who, org_id, recognition_id]).fetchone()
        if row is None:
            raise NotFoundError("That recognition was already deleted.")
        con.execute("UPDATE recognition_recipient SET live = false WHERE recognition_id = ?",
                    [recognition_id])
        con.execute("INSERT INTO recognition_history (org_id, recognition_id, action, done_by) "
                    "VALUES (?, ?, 'deleted', ?)", [org_id, recognition_id, who])
        _count_in(con, org_id, ((e, before.given_on, -1) for e in before.recipient_ids))


@dataclass
class LogFilter:
    start: date
    end: date
    team_id: int | None = None
    giver_kind: str | None = None
    employee_id: int | None = None
    # Part of a recipient's name, of the giver's or of what was done (any case).
    text: str | None = None


_LIST = """
    SELECT r.id, r.given_on, r.giver, r.giver_kind, r.value_id, coalesce(v.name, ''),
           r.standard_id, coalesce(s.title, ''), r.what, r.reward, r.amount, r.version,
           list(e.id ORDER BY e.name), list(e.name ORDER BY e.name),
           list(DISTINCT coalesce(t.name, '')), r.created_by, r.updated_by, r.updated_at
    FROM recognition r
    JOIN recognition_recipient rr ON rr.recognition_id = r.id
    JOIN employee e ON e.id = rr.employee_id
    LEFT JOIN team t ON t.id = e.team_id
    LEFT JOIN org_value v ON v.id = r.value_id
    LEFT JOIN standard s ON s.id = r.standard_id
"""


def _row(r: tuple[Any, ...]) -> Recognition:
    (rid, given_on, giver, giver_kind, value_id, value, standard_id, standard, what, reward,
     amount, version, recipient_ids, recipients, teams, created_by, updated_by, updated_at) = r
    return Recognition(rid, given_on, giver, giver_kind, value_id, value, standard_id, standard,
                       what, reward, amount, version, tuple(recipient_ids), tuple(recipients),
                       tuple(sorted(t for t in teams if t)), created_by, updated_by, updated_at)


def get_recognition(con: Connection, org_id: int, recognition_id: int) -> Recognition:
    access.require(Permission.HR_RECORDS, org_id)
    row = con.execute(_LIST + " WHERE r.org_id = ? AND r.id = ? AND r.deleted_at IS NULL "
                      "GROUP BY ALL", [org_id, recognition_id]).fetchone()
    if row is None:
        raise NotFoundError("That recognition no longer exists; it may have been deleted.")
    return _row(row)


# The recipients' own days (migration 21) keep the team's and the text's recipients to
# the dates asked for, not every recipient the organisation ever had.
_WHERE_BUT_TEXT = r"""
    WHERE r.org_id = $org AND r.deleted_at IS NULL AND r.given_on BETWEEN $start AND $end
      AND (CAST($kind AS VARCHAR) IS NULL OR r.giver_kind = $kind)
      AND (CAST($team AS BIGINT) IS NULL OR r.id IN (
            SELECT rr2.recognition_id FROM recognition_recipient rr2
            JOIN employee e2 ON e2.id = rr2.employee_id
            WHERE rr2.org_id = $org AND rr2.live AND rr2.given_on BETWEEN $start AND $end
              AND e2.team_id = $team))
      AND (CAST($employee AS BIGINT) IS NULL OR r.id IN (
            SELECT recognition_id FROM recognition_recipient WHERE employee_id = $employee))
"""
# The text is looked for in the record's own words and in its recipients' names.
_OWN_WORDS = r"(r.giver ILIKE $text ESCAPE '\' OR r.what ILIKE $text ESCAPE '\')"
_RECIPIENT_NAMED = r"""r.id IN (
            SELECT rr3.recognition_id FROM recognition_recipient rr3
            JOIN employee e3 ON e3.id = rr3.employee_id
            WHERE rr3.org_id = $org AND rr3.live AND rr3.given_on BETWEEN $start AND $end
              AND e3.org_id = $org AND e3.name ILIKE $text ESCAPE '\')"""
_WHERE = (_WHERE_BUT_TEXT + "      AND (CAST($text AS VARCHAR) IS NULL OR "
          + _OWN_WORDS + " OR " + _RECIPIENT_NAMED + ")\n")
# Counted in two parts that cannot overlap: the records whose own words match, and
# those that match only by a recipient's name. On PostgreSQL the first part can then
# come from the words' trigram index (pg.py); joined by OR to the recipients' list,
# every record of the dates was tested instead (a quarter searched: 105 -> 32 ms).
_COUNT = (
    "SELECT (SELECT count(*) FROM recognition r " + _WHERE_BUT_TEXT
    + "      AND (CAST($text AS VARCHAR) IS NULL OR " + _OWN_WORDS + "))"
    + " + (SELECT count(*) FROM recognition r " + _WHERE_BUT_TEXT
    + "      AND CAST($text AS VARCHAR) IS NOT NULL AND " + _OWN_WORDS
    + " IS NOT TRUE AND " + _RECIPIENT_NAMED + ")")


def _filter_params(org_id: int, filters: LogFilter) -> dict[str, object]:
    return {"org": org_id, "start": filters.start, "end": filters.end,
            "kind": filters.giver_kind, "team": filters.team_id,
            "employee": filters.employee_id, "text": contains_pattern(filters.text)}


def list_recognitions(con: Connection, org_id: int, filters: LogFilter,
                      limit: int | None = None, offset: int = 0) -> list[Recognition]:
    """The log, newest first; ``limit`` and ``offset`` give one page of it."""
    access.require(Permission.HR_RECORDS, org_id)
    # The page's records are chosen first; only they are joined to their people.
    page = ("WITH page AS (SELECT r.id FROM recognition r " + _WHERE
            + " ORDER BY r.given_on DESC, r.id DESC LIMIT $limit OFFSET $offset) ")
    rows = con.execute(
        page + _LIST.replace("FROM recognition r", "FROM page JOIN recognition r ON r.id = page.id")
        + " GROUP BY ALL ORDER BY r.given_on DESC, r.id DESC",
        {**_filter_params(org_id, filters), "limit": limit, "offset": offset}).fetchall()
    return [_row(r) for r in rows]


def count_recognitions(con: Connection, org_id: int, filters: LogFilter) -> int:
    access.require(Permission.HR_RECORDS, org_id)
    row = con.execute(_COUNT, _filter_params(org_id, filters)).fetchone()
    return int(row[0]) if row else 0


def history(con: Connection, org_id: int, recognition_id: int | None = None,
            limit: int = 200) -> list[tuple[object, ...]]:
    access.require(Permission.HR_RECORDS, org_id)
    return con.execute(
        "SELECT h.done_at, h.done_by, h.action, h.recognition_id, h.details "
        "FROM recognition_history h WHERE h.org_id = ? "
        "AND (CAST(? AS BIGINT) IS NULL OR h.recognition_id = ?) "
        "ORDER BY h.done_at DESC, h.id DESC LIMIT ?",
        [org_id, recognition_id, recognition_id, limit]).fetchall()


LOG_HEADERS = ["Date", "Recipients", "Teams", "Given by", "From", "Value", "Standard",
               "What was done", "Reward", "Amount", "Recorded by", "Last edited by"]


def log_csv(records: list[Recognition]) -> bytes:
    """The filtered log as CSV; text that could act as a formula stays text."""
    return to_csv(LOG_HEADERS, (
        [r.given_on.isoformat(), "; ".join(r.recipients), "; ".join(r.teams), r.giver,
         GIVER_KINDS[r.giver_kind], r.value, r.standard, r.what, r.reward, r.amount,
         r.created_by, r.updated_by or ""] for r in records))


# The same CSV written by DuckDB, for a log of any length. Each text cell loses its
# control characters and gains an apostrophe before a formula start, as
# safe_text.csv_cell does; then every cell is quoted as Python's csv module would.
_CLEAN = (r"list_transform({}, lambda c: regexp_replace(coalesce(c, ''), "
          r"'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]', '', 'g'))")
_AS_TEXT = (r"list_transform({}, lambda c: CASE WHEN regexp_matches(c, '^[=+\-@\t\r\n]') "
            r"THEN '''' || c ELSE c END)")
_QUOTED = (r"""list_transform({}, lambda c: CASE WHEN regexp_matches(c, '[",\r\n]') """
           r"""THEN '"' || replace(c, '"', '""') || '"' ELSE c END)""")


def _text_cells(cells: str) -> str:
    return _QUOTED.format(_AS_TEXT.format(_CLEAN.format(cells)))


def log_csv_for(con: Connection, org_id: int, filters: LogFilter) -> bytes:
    """The filtered log as CSV (UTF-8 with a byte-order mark), built in DuckDB: the
    same lines as ``log_csv`` of the listed records, without making them objects."""
    return b"".join(log_csv_chunks(con, org_id, filters))


CSV_LINES_PER_CHUNK = 5_000


def log_csv_chunks(con: Connection, org_id: int, filters: LogFilter,
                   lines: int = CSV_LINES_PER_CHUNK) -> Iterator[bytes]:
    """``log_csv_for`` in pieces of ``lines`` lines, read from the cursor as they are
    sent: a log of a million records is never held whole in the server's memory.

    The permission is checked now, when the download is asked for, not when the
    first piece is read."""
    access.require(Permission.HR_RECORDS, org_id)
    before = """[g.recipients, g.teams, r.giver,
                 CASE r.giver_kind WHEN 'peer' THEN $peer WHEN 'manager' THEN $manager
                                   ELSE $customer END,
                 coalesce(v.name, ''), coalesce(s.title, ''), r.what, r.reward]"""
    after = "[r.created_by, coalesce(r.updated_by, '')]"
    con.execute(
        f"""
        WITH chosen AS (SELECT r.id FROM recognition r {_WHERE}),
        grouped AS (
            SELECT rr.recognition_id AS id,
                   array_to_string(list(e.name ORDER BY e.name), '; ') AS recipients,
                   array_to_string(list_sort(list_filter(list(DISTINCT coalesce(t.name, '')),
                                                         lambda x: x <> '')), '; ') AS teams
            FROM chosen JOIN recognition_recipient rr ON rr.recognition_id = chosen.id
            JOIN employee e ON e.id = rr.employee_id LEFT JOIN team t ON t.id = e.team_id
            GROUP BY rr.recognition_id)
        SELECT array_to_string([strftime(r.given_on, '%Y-%m-%d')]
                               || {_text_cells(before)}
                               || [coalesce(CAST(r.amount AS VARCHAR), '')]
                               || {_text_cells(after)}, ',') || chr(13) || chr(10)
        FROM grouped g JOIN recognition r ON r.id = g.id
        LEFT JOIN org_value v ON v.id = r.value_id
        LEFT JOIN standard s ON s.id = r.standard_id
        ORDER BY r.given_on DESC, r.id DESC
        """, {**_filter_params(org_id, filters), "peer": GIVER_KINDS["peer"],
              "manager": GIVER_KINDS["manager"], "customer": GIVER_KINDS["customer"]})

    def pieces() -> Iterator[bytes]:
        yield to_csv(LOG_HEADERS, [])
        while batch := con.fetchmany(lines):
            yield "".join(row[0] for row in batch).encode("utf-8")

    return pieces()


# --- HR views ---------------------------------------------------------------------------
# "Staff in the period" means everyone employed on at least one day of it.

_STAFF = """
    staff AS (SELECT e.id, e.name, e.team_id FROM employee e WHERE e.org_id = $org
              AND e.hire_date <= $end AND (e.leave_date IS NULL OR e.leave_date >= $start)),
"""
_RECEIVED = """
    received AS (SELECT rr.employee_id, count(*) AS n FROM recognition_recipient rr
                 JOIN recognition r ON r.id = rr.recognition_id
                 WHERE r.org_id = $org AND r.deleted_at IS NULL
                   AND r.given_on BETWEEN $start AND $end
                 GROUP BY rr.employee_id)
"""
_RECEIVED_IN_QUARTER = """
    received AS (SELECT employee_id, sum(received) AS n FROM recognition_tally
                 WHERE org_id = $org AND quarter_start = $start
                 GROUP BY employee_id HAVING sum(received) <> 0)
"""


def _staff_and_received(org_id: int, start: date, end: date) -> tuple[str, dict[str, object]]:
    """Who was on the staff from ``start`` to ``end``, and what each received then:
    from the tally when the period is a whole quarter, else from the records."""
    quarter = Quarter.containing(start)
    whole = quarter.start == start and quarter.end == end
    return (_STAFF + (_RECEIVED_IN_QUARTER if whole else _RECEIVED),
            {"org": org_id, "start": start, "end": end})


@dataclass(frozen=True)
class TeamRecognition:
    team: str
    staff: int
    received: int
    recognised_people: int

    @property
    def per_head(self) -> float | None:
        return self.received / self.staff if self.staff else None


def per_head_by_team(con: Connection, org_id: int, start: date,
                     end: date) -> list[TeamRecognition]:
    ctes, params = _staff_and_received(org_id, start, end)
    rows = con.execute(
        "WITH " + ctes + """
        SELECT coalesce(t.name, '(no team)'), count(s.id), coalesce(sum(rc.n), 0),
               count(rc.employee_id)
        FROM staff s LEFT JOIN team t ON t.id = s.team_id
        LEFT JOIN received rc ON rc.employee_id = s.id
        GROUP BY 1 ORDER BY 1
        """, params).fetchall()
    return [TeamRecognition(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def per_head_series(con: Connection, org_id: int, quarters: Sequence[Quarter],
                    ends: Sequence[date], team_id: int | None = None) -> list[tuple[int, int]]:
    """(recognitions received, staff in the period) per quarter, each quarter running
    to its entry in ``ends``; one team's or everyone's: ``per_head_by_team``'s totals,
    for a scorecard's quarters, read from the tally. A quarter cut short (the current
    one, up to today) takes off what the records hold after its cut (usually nothing)."""
    cut_short = [e < q.end for q, e in zip(quarters, ends, strict=True)]
    rows = con.execute(
        "WITH " + QUARTER_TABLE + """,
        staff AS (SELECT q.label, q.qs, q.qe, e.id FROM q JOIN employee e
                      ON e.hire_date <= q.qe AND (e.leave_date IS NULL OR e.leave_date >= q.qs)
                  WHERE e.org_id = $org AND (CAST($team AS BIGINT) IS NULL OR e.team_id = $team)),
        -- From the tally's rows, each matched to its quarter and its person (by the
        -- primary key), not the staff of every quarter to the tally: on PostgreSQL,
        -- 213 -> 108 ms at the large organisation; the same on DuckDB.
        tallied AS (SELECT q.label, sum(t.received) AS n FROM recognition_tally t
                    JOIN q ON t.quarter_start = q.qs
                    JOIN employee e ON e.id = t.employee_id
                    WHERE t.org_id = $org AND e.hire_date <= q.qe
                      AND (e.leave_date IS NULL OR e.leave_date >= q.qs)
                      AND (CAST($team AS BIGINT) IS NULL OR e.team_id = $team)
                    GROUP BY q.label),
        -- Records after the earliest cut, found first (usually none), so that only
        -- their recipients are looked up.
        late AS MATERIALIZED (
            SELECT r.id, r.given_on FROM recognition r
            WHERE r.org_id = $org AND r.deleted_at IS NULL
              AND r.given_on > CAST($after AS DATE)),
        late_received AS MATERIALIZED (
            SELECT rr.employee_id, r.given_on,
                   CAST(date_trunc('quarter', r.given_on) AS DATE) AS qs
            FROM late r JOIN recognition_recipient rr ON rr.recognition_id = r.id),
        later AS (SELECT s.label, count(*) AS n
                  FROM late_received l JOIN staff s ON s.id = l.employee_id AND s.qs = l.qs
                  WHERE list_contains($cut, s.label) AND l.given_on > s.qe
                  GROUP BY s.label),
        -- Counted from the staff records, not from ``staff`` above: a CTE read twice
        -- is written out whole by PostgreSQL (131,000 rows at the large organisation).
        headcount AS (SELECT q.label, count(*) AS n FROM q JOIN employee e
                          ON e.hire_date <= q.qe
                         AND (e.leave_date IS NULL OR e.leave_date >= q.qs)
                      WHERE e.org_id = $org
                        AND (CAST($team AS BIGINT) IS NULL OR e.team_id = $team)
                      GROUP BY q.label)
        SELECT h.label, coalesce(t.n, 0) - coalesce(l.n, 0), h.n
        FROM headcount h LEFT JOIN tallied t USING (label) LEFT JOIN later l USING (label)
        """, {**quarter_table(quarters, ends), "org": org_id, "team": team_id,
         "cut": [str(q) for q, short in zip(quarters, cut_short, strict=True) if short],
         # The earliest cut as a value, not a subquery: none (no quarter cut short)
         # reads no record at all, and a date lets DuckDB skip the older row groups.
         "after": min((e for e, short in zip(ends, cut_short, strict=True) if short),
                      default=None)}
    ).fetchall()
    found = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    return [found.get(str(q), (0, 0)) for q in quarters]


@dataclass(frozen=True)
class Unrecognised:
    employee_id: int
    name: str
    team: str
    last_recognised: date | None


# Staff employed on the day who received nothing in the window: found by taking
# the window's recipients away from the staff, which reads only the window's records.
_OVERLOOKED = """
    WITH staff AS (SELECT e.id, e.name, e.team_id FROM employee e
                   WHERE e.org_id = $org AND e.hire_date <= $on
                     AND (e.leave_date IS NULL OR e.leave_date >= $on)),
    recent AS (SELECT DISTINCT employee_id FROM recognition_recipient
               WHERE org_id = $org AND live AND given_on BETWEEN $since AND $on),
    overlooked AS (SELECT * FROM staff WHERE id NOT IN (SELECT employee_id FROM recent))
"""


def not_recognised(con: Connection, org_id: int, on: date, days: int = 90) -> list[Unrecognised]:
    """Current staff with no recognition received in the ``days`` up to ``on``, those
    never recognised first, then the longest overlooked."""
    access.require(Permission.HR_RECORDS, org_id)
    if not 1 <= days <= 3650:
        raise ValidationError({"days": "Choose between 1 and 3650 days."})
    since = on - timedelta(days=days - 1)
    rows = con.execute(_OVERLOOKED + """
        -- When each was last recognised, looked up for just them (few), by their own
        -- records: never by reading every record of the organisation.
        SELECT o.id, o.name, coalesce(t.name, ''),
               (SELECT max(r.given_on) FROM recognition_recipient rr
                JOIN recognition r ON r.id = rr.recognition_id
                WHERE rr.org_id = $org AND rr.employee_id = o.id
                  AND r.deleted_at IS NULL AND r.given_on < $since) AS last_on
        FROM overlooked o LEFT JOIN team t ON t.id = o.team_id
        ORDER BY last_on NULLS FIRST, o.name
        """, {"org": org_id, "on": on, "since": since}).fetchall()
    return [Unrecognised(*r) for r in rows]


def count_not_recognised(con: Connection, org_id: int, on: date, days: int = 90) -> int:
    """How many current staff went unrecognised: a figure, not names, so anyone who
    reads the plan's progress may see it."""
    since = on - timedelta(days=days - 1)
    row = con.execute(_OVERLOOKED + " SELECT count(*) FROM overlooked",
                      {"org": org_id, "on": on, "since": since}).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Spread:
    staff: int
    top_tenth: int  # how many people make up the most-recognised tenth
    top_share: Rate  # recognitions to the top tenth, of all recognitions received
    never: int  # staff recognised not even once
    counts: list[int] = field(default_factory=list)


def spread(con: Connection, org_id: int, start: date, end: date) -> Spread:
    """How evenly recognition is spread: the share going to the most-recognised tenth.

    With perfectly even recognition the top tenth gets about 10%; the further
    above that, the more recognition concentrates on a few people."""
    ctes, params = _staff_and_received(org_id, start, end)
    rows = con.execute("WITH " + ctes + """
        SELECT coalesce(rc.n, 0) FROM staff s LEFT JOIN received rc ON rc.employee_id = s.id
        ORDER BY 1 DESC
        """, params).fetchall()
    counts = [int(r[0]) for r in rows]
    top = math.ceil(len(counts) / 10)
    return Spread(len(counts), top, Rate(sum(counts[:top]), sum(counts)),
                  sum(c == 0 for c in counts), counts)


def counts_by(con: Connection, org_id: int, start: date, end: date,
              by: str) -> list[tuple[str, int]]:
    """Recognitions per value or per standard in the period (those linked to one)."""
    join = {"value": "org_value x ON x.id = r.value_id",
            "standard": "standard x ON x.id = r.standard_id"}[by]
    name = {"value": "x.name", "standard": "x.title"}[by]
    rows = con.execute(
        f"""
        SELECT {name}, count(*) FROM recognition r JOIN {join}
        WHERE r.org_id = ? AND r.deleted_at IS NULL AND r.given_on BETWEEN ? AND ?
        GROUP BY 1 ORDER BY 2 DESC, 1
        """, [org_id, start, end]).fetchall()
    return [(r[0], int(r[1])) for r in rows]
