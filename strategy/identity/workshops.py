"""Workshops that participants join by a short code, as guests without an account.

A facilitator (a leader or an administrator) opens a workshop for one
organisation. Guests who join see only the vision page and its brainstorm wall.
Closing the workshop (or its code expiring after 12 hours) ends every guest's
session: they are out at their next action.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.checks import raise_if, require_text
from strategy.core.db import Connection, database_now, transaction
from strategy.core.errors import NotFoundError, StrategyError, ValidationError
from strategy.core.shared import SharedReads
from strategy.core.wording import counted
from strategy.identity.access_log import log
from strategy.identity.sessions import forget_shared_identities, start_session

CODE_HOURS = 12
# No 0/O, 1/I/L: a code read off a projector must not be mistyped.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
MAX_GUEST_NAME = 40


@dataclass(frozen=True)
class Workshop:
    id: int
    org_id: int
    org_name: str
    code: str
    opened_by: str
    opened_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    countdown_ends_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"workshop of {self.opened_at:%Y-%m-%d}"

    def seconds_left(self, now: datetime) -> int | None:
        """Whole seconds of the countdown left at ``now`` (0 once it is over), or None
        when no countdown is set."""
        if self.countdown_ends_at is None:
            return None
        return max(0, math.ceil((self.countdown_ends_at - now).total_seconds()))


@dataclass(frozen=True)
class Guest:
    id: int
    name: str
    joined_at: datetime
    signed_in: bool


_COLUMNS = ("w.id, w.org_id, o.name, w.code, w.opened_by, w.opened_at, w.expires_at, "
            "w.closed_at, w.countdown_ends_at")
MAX_COUNTDOWN_MINUTES = 60


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def open_workshop(con: Connection, org_id: int) -> Workshop:
    """Open a workshop (or return the one already open) for the organisation."""
    facilitator = access.require(Permission.FACILITATE, org_id)
    existing = current_workshop(con, org_id)
    if existing is not None:
        return existing
    with transaction(con):
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if con.execute("SELECT 1 FROM workshop WHERE code = ?", [code]).fetchone() is None:
                break
        row = con.execute(
            "INSERT INTO workshop (org_id, code, opened_by, opened_by_account, expires_at) "
            "VALUES (?, ?, ?, ?, current_timestamp + to_hours(CAST(? AS INTEGER))) RETURNING id",
            [org_id, code, facilitator.name, facilitator.account_id, CODE_HOURS]).fetchone()
        assert row is not None
        log(con, "workshop opened", f"code {code}", org_id=org_id)
    _changed(org_id)
    return get_workshop(con, int(row[0]))


def get_workshop(con: Connection, workshop_id: int) -> Workshop:
    row = con.execute(f"SELECT {_COLUMNS} FROM workshop w JOIN organisation o ON o.id = w.org_id "
                      "WHERE w.id = ?", [workshop_id]).fetchone()
    if row is None:
        raise NotFoundError("That workshop no longer exists.")
    return Workshop(*row)


def current_workshop(con: Connection, org_id: int) -> Workshop | None:
    row = con.execute(
        f"SELECT {_COLUMNS} FROM workshop w JOIN organisation o ON o.id = w.org_id "
        "WHERE w.org_id = ? AND w.closed_at IS NULL AND w.expires_at > current_timestamp "
        "ORDER BY w.opened_at DESC LIMIT 1", [org_id]).fetchone()
    return Workshop(*row) if row else None


# The open workshop as every guest's wall shows it (its countdown), shared between
# their refreshes like the wall itself (see vision.wall_entries): a change made here
# shows at once, one made by another app server within a second.
_SHARED_SECONDS = 1.0
_shared: SharedReads[int, Workshop | None] = SharedReads("workshops")


def shared_current_workshop(con: Connection, org_id: int) -> Workshop | None:
    return _shared.get(org_id, lambda: current_workshop(con, org_id), _SHARED_SECONDS)


def _changed(org_id: int) -> None:
    _shared.forget(org_id)


def find_open(con: Connection, code: str) -> Workshop:
    row = con.execute(
        f"SELECT {_COLUMNS} FROM workshop w JOIN organisation o ON o.id = w.org_id "
        "WHERE w.code = ?", [normalise_code(code)]).fetchone()
    if row is None:
        raise NotFoundError("There is no workshop with that code. Check the code on the screen.")
    workshop = Workshop(*row)
    if workshop.closed_at is not None:
        raise StrategyError("This workshop has been closed by its facilitator.")
    if workshop.expires_at <= database_now(con):
        raise StrategyError("This workshop's code has expired. Ask the facilitator for a new "
                            "one.")
    return workshop


def join(con: Connection, code: str, name: str, address: str) -> tuple[Workshop, str]:
    """Join a workshop as a guest; returns the workshop and the session token."""
    workshop = find_open(con, code)
    problems: dict[str, str] = {}
    name = require_text(problems, "name", name, "Your name", MAX_GUEST_NAME)
    if name and any(ch in name for ch in "()<>"):
        problems["name"] = "Write your name without brackets."
    raise_if(problems)
    with transaction(con):
        taken = con.execute("SELECT 1 FROM workshop_guest WHERE workshop_id = ? AND lower(name) "
                            "= ?", [workshop.id, name.lower()]).fetchone()
        if taken:
            raise ValidationError({"name": f"Someone called “{name}” has joined already: add "
                                           "an initial or your team."})
        row = con.execute("INSERT INTO workshop_guest (workshop_id, name) VALUES (?, ?) "
                          "RETURNING id", [workshop.id, name]).fetchone()
        assert row is not None
    token = start_session(con, guest_id=int(row[0]), method="workshop code", address=address,
                          expires_at=workshop.expires_at)
    with transaction(con):
        log(con, "guest joined", f"{name}, code {workshop.code}", org_id=workshop.org_id,
            who=f"{name} (guest)", address=address)
    return workshop, token


_counted: SharedReads[int, int] = SharedReads("workshop guests")


def shared_guest_count(con: Connection, workshop_id: int) -> int:
    """How many have joined the workshop, read at most every few seconds: every guest's
    wall asks, to refresh less often in a larger room."""
    def count() -> int:
        row = con.execute("SELECT count(*) FROM workshop_guest WHERE workshop_id = ?",
                          [workshop_id]).fetchone()
        return int(row[0]) if row else 0
    return _counted.get(workshop_id, count, 5.0)


def guests(con: Connection, workshop_id: int) -> list[Guest]:
    rows = con.execute(
        "SELECT g.id, g.name, g.joined_at, EXISTS (SELECT 1 FROM sign_in_session s WHERE "
        "s.guest_id = g.id AND s.ended_at IS NULL AND s.expires_at > current_timestamp) "
        "FROM workshop_guest g WHERE g.workshop_id = ? ORDER BY g.joined_at, g.id",
        [workshop_id]).fetchall()
    return [Guest(*r) for r in rows]


def close_workshop(con: Connection, workshop_id: int) -> int:
    """Close the workshop; every guest is signed out. Returns how many were in."""
    workshop = get_workshop(con, workshop_id)
    access.require(Permission.FACILITATE, workshop.org_id)
    with transaction(con):
        con.execute("UPDATE workshop SET closed_at = current_timestamp WHERE id = ? AND "
                    "closed_at IS NULL", [workshop_id])
        ended = con.execute(
            "UPDATE sign_in_session SET ended_at = current_timestamp WHERE ended_at IS NULL "
            "AND guest_id IN (SELECT id FROM workshop_guest WHERE workshop_id = ?) "
            "RETURNING guest_id", [workshop_id]).fetchall()
        log(con, "workshop closed", f"code {workshop.code}, "
            f"{counted(len(ended), 'guest')} signed out", org_id=workshop.org_id)
    _changed(workshop.org_id)
    forget_shared_identities()
    return len(ended)


def start_countdown(con: Connection, workshop_id: int, minutes: int | None) -> Workshop:
    """Start (or restart) the brainstorm's countdown: ``minutes`` from now."""
    workshop = get_workshop(con, workshop_id)
    access.require(Permission.FACILITATE, workshop.org_id)
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not 1 <= minutes <= MAX_COUNTDOWN_MINUTES:
        raise ValidationError({"countdown": f"A countdown is from 1 to {MAX_COUNTDOWN_MINUTES} "
                                            "minutes."})
    if workshop.closed_at is not None:
        raise StrategyError("This workshop has been closed.")
    with transaction(con):
        con.execute("UPDATE workshop SET countdown_ends_at = current_timestamp + "
                    "to_minutes(CAST(? AS INTEGER)) WHERE id = ?", [minutes, workshop_id])
    _changed(workshop.org_id)
    return get_workshop(con, workshop_id)


def stop_countdown(con: Connection, workshop_id: int) -> Workshop:
    workshop = get_workshop(con, workshop_id)
    access.require(Permission.FACILITATE, workshop.org_id)
    with transaction(con):
        con.execute("UPDATE workshop SET countdown_ends_at = NULL WHERE id = ?", [workshop_id])
    _changed(workshop.org_id)
    return get_workshop(con, workshop_id)


def join_link(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/join/{code}"


@lru_cache(maxsize=32)
def qr_png(link: str) -> bytes:
    """The join link as a QR code (PNG) for the projector and for phones to scan.
    Kept: the wall redraws it every few seconds."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2, dark="#0f3d46")
    return buffer.getvalue()
