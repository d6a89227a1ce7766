"""Sign-in sessions: the signed cookie a browser holds, and who holds it.

A signed-in browser holds a cookie with a random token, signed with the
server's secret (itsdangerous) so that a forged or altered cookie is refused
before the database is asked; the database keeps only the token's SHA-256, so a
copy of the database does not let anyone sign in. A session belongs to an
account or to a workshop guest; both are turned into the :class:`Identity`
that every permission check reads.
"""

from __future__ import annotations

import os
import secrets
import stat
from datetime import datetime, timedelta
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from strategy.core.access import Identity, Role
from strategy.core.db import Connection, database_now, database_url, transaction
from strategy.core.errors import StorageError
from strategy.core.shared import SharedReads
from strategy.identity.access_log import log
from strategy.identity.accounts import get_account, token_hash

COOKIE_NAME = "strategy_session"
DEFAULT_SESSION_HOURS = 12.0


def secret_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".secret")


def signing_secret(db_path: Path) -> str:
    """``STRATEGY_SECRET``, or a secret made once and kept beside the database.

    Kept on disk (owner-only) so that sign-ins survive a restart of the server."""
    configured = os.environ.get("STRATEGY_SECRET", "").strip()
    if configured:
        return configured
    if database_url() is not None:
        # Every app server must sign and check sign-ins with the same secret, and
        # none of them has a file the others see.
        raise StorageError("With PostgreSQL (STRATEGY_DATABASE_URL), set STRATEGY_SECRET to "
                           "a long random text, the same on every app server (for example "
                           "the output of: python -c \"import secrets; "
                           "print(secrets.token_urlsafe(48))\").")
    if str(db_path) == ":memory:":
        return _process_secret
    path = secret_path(db_path)
    known = _read_secrets.get(path)
    if known is not None:  # read on every page refresh: once is enough
        return known
    try:
        found = path.read_text("ascii").strip()
        _read_secrets[path] = found
        return found
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    made = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text("ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(made)
    return made


_process_secret = secrets.token_urlsafe(48)
# The secret file's contents by path, once read (it is never rewritten: a new secret
# would end every session; removing the file and restarting does that on purpose).
_read_secrets: dict[Path, str] = {}


def sign(secret: str, token: str) -> str:
    return TimestampSigner(secret, salt="strategy-session").sign(token).decode("ascii")


def unsign(secret: str, value: str, max_age_seconds: float) -> str | None:
    """The token inside a cookie value, or None if it was altered, forged or is too old."""
    try:
        raw = TimestampSigner(secret, salt="strategy-session").unsign(
            value, max_age=int(max_age_seconds))
    except (SignatureExpired, BadSignature):
        return None
    return raw.decode("ascii", errors="replace")


def session_hours() -> float:
    raw = os.environ.get("STRATEGY_SESSION_HOURS", "")
    try:
        hours = float(raw) if raw else DEFAULT_SESSION_HOURS
    except ValueError:
        return DEFAULT_SESSION_HOURS
    return hours if 0 < hours <= 24 * 90 else DEFAULT_SESSION_HOURS


def start_session(con: Connection, *, account_id: int | None = None, guest_id: int | None = None,
                  method: str, address: str, hours: float | None = None,
                  expires_at: datetime | None = None, id_token_hint: str | None = None) -> str:
    """Open a signed-in session; returns the token for the cookie.

    ``id_token_hint`` is the ID token of a single sign-on, kept so that signing out
    at the provider too can name the sign-in it ends."""
    token = secrets.token_urlsafe(32)
    ends = expires_at or database_now(con) + timedelta(hours=hours or session_hours())
    with transaction(con):
        con.execute("INSERT INTO sign_in_session (token_hash, account_id, guest_id, method, "
                    "address, expires_at, id_token_hint) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [token_hash(token), account_id, guest_id, method, address, ends,
                     id_token_hint])
        if account_id is not None:
            name = get_account(con, account_id).display_name
            log(con, "signed in", f"by {method}", who=name, account_id=account_id,
                address=address)
    return token


def end_session(con: Connection, token: str) -> None:
    with transaction(con):
        row = con.execute("UPDATE sign_in_session SET ended_at = current_timestamp WHERE "
                          "token_hash = ? AND ended_at IS NULL RETURNING account_id",
                          [token_hash(token)]).fetchone()
        forget_shared_identities()
        if row and row[0] is not None:
            log(con, "signed out", "", who=get_account(con, row[0]).display_name,
                account_id=row[0])


def was_guest(con: Connection, token: str) -> bool:
    """Whether this (ended) session was a workshop guest's."""
    row = con.execute("SELECT guest_id IS NOT NULL FROM sign_in_session WHERE token_hash = ?",
                      [token_hash(token)]).fetchone()
    return bool(row and row[0])


def single_sign_on_ended(con: Connection, token: str) -> bool:
    """Whether this session came from single sign-on, has ended, and the provider has
    not yet been asked to end its own sign-in."""
    row = con.execute("SELECT 1 FROM sign_in_session WHERE token_hash = ? AND ended_at IS NOT "
                      "NULL AND id_token_hint IS NOT NULL", [token_hash(token)]).fetchone()
    return row is not None


def take_id_token_hint(con: Connection, token: str) -> str | None:
    """The ID token of an ended single sign-on session, once: it is cleared as it is
    read, so a second visit does not send the person to the provider again. An open
    session gives nothing (it must be ended first, by a form that checks its origin)."""
    with transaction(con):
        row = con.execute("SELECT id_token_hint FROM sign_in_session WHERE token_hash = ? AND "
                          "ended_at IS NOT NULL AND id_token_hint IS NOT NULL",
                          [token_hash(token)]).fetchone()
        if row is None:
            return None
        con.execute("UPDATE sign_in_session SET id_token_hint = NULL WHERE token_hash = ?",
                    [token_hash(token)])
    return str(row[0])


def identity_for(con: Connection, token: str) -> Identity | None:
    """Who holds this session token, if it is still open; None otherwise."""
    row = con.execute(
        "SELECT s.account_id, s.guest_id FROM sign_in_session s WHERE s.token_hash = ? "
        "AND s.ended_at IS NULL AND s.expires_at > current_timestamp", [token_hash(token)]
    ).fetchone()
    if row is None:
        return None
    account_id, guest_id = row
    if account_id is not None:
        return account_identity(con, int(account_id))
    if guest_id is not None:
        return guest_identity(con, int(guest_id))
    return None


# Who holds a session, as the live refreshes of a page read it (the workshop wall,
# every few seconds in every guest's browser): kept for up to SHARED_SECONDS, longer
# than a refresh, so that most refreshes ask nothing of the database. Actions never
# use it — the app checks the person afresh before each one — and a session ended
# or a workshop closed through this process is dropped at once; a role changed
# shows in a refresh within SHARED_SECONDS (and in any action at once).
SHARED_SECONDS = 10.0
_shared: SharedReads[str, Identity | None] = SharedReads("identities")


def shared_identity_for(con: Connection, token: str) -> Identity | None:
    """:func:`identity_for`, at most SHARED_SECONDS old: for a page's refreshes only."""
    return _shared.get(token_hash(token), lambda: identity_for(con, token), SHARED_SECONDS)


def forget_shared_identities() -> None:
    """Sessions or roles changed: the next refresh reads them from the database."""
    _shared.forget()


def account_identity(con: Connection, account_id: int) -> Identity | None:
    row = con.execute("SELECT display_name, is_administrator FROM account WHERE id = ? AND "
                      "disabled_at IS NULL", [account_id]).fetchone()
    if row is None:
        return None
    rows = con.execute("SELECT org_id, role, team_id FROM membership WHERE account_id = ?",
                       [account_id]).fetchall()
    return Identity(kind="account", name=row[0], account_id=account_id,
                    is_administrator=bool(row[1]),
                    roles={r[0]: Role(r[1]) for r in rows}, teams={r[0]: r[2] for r in rows})


def guest_identity(con: Connection, guest_id: int) -> Identity | None:
    row = con.execute(
        "SELECT g.name, w.id, w.org_id, w.opened_at FROM workshop_guest g "
        "JOIN workshop w ON w.id = g.workshop_id WHERE g.id = ? AND w.closed_at IS NULL "
        "AND w.expires_at > current_timestamp", [guest_id]).fetchone()
    if row is None:
        return None
    name, workshop_id, org_id, opened_at = row
    return Identity(kind="guest", name=f"{name} (guest, workshop of {opened_at:%Y-%m-%d})",
                    guest_id=guest_id, workshop_id=workshop_id, workshop_org=org_id)
