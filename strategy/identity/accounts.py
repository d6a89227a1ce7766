"""Accounts, passwords, roles, signing in with a password, and the set-up link.

Passwords are hashed with Argon2id (argon2-cffi) and never logged, shown or
exported. Once a password is accepted, ``strategy.identity.sessions`` opens the
session the browser's cookie holds; what happens is written to the access log
(``strategy.identity.access_log``).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from strategy.core import access
from strategy.core.access import ACCOUNT_ROLES, Permission, Role
from strategy.core.checks import clean, optional_text, raise_if, require_text
from strategy.core.db import Connection, database_now, transaction
from strategy.core.errors import ConflictError, NotFoundError, StrategyError, ValidationError
from strategy.identity.access_log import log

MIN_PASSWORD = 10
MAX_PASSWORD = 256

# Guessing: after this many failures within the window, for one account or from
# one address, each further attempt waits for a delay that doubles.
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MAX_DELAY_SECONDS = 15 * 60
# Sign-ins from one address whose passwords may be checked at the same moment before
# they count as guesses: a workshop room behind one venue's address.
IN_FLIGHT_PER_ADDRESS = 30
IN_FLIGHT_SECONDS = 60
MAX_ACCOUNT_DELAY_SECONDS = 60

SETUP_LINK_HOURS = 24

_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile


# --- Passwords and token hashes ------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check, so timing does not tell which
        # accounts have passwords.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()



# --- Accounts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    email: str | None
    is_administrator: bool
    has_password: bool
    sso_subject: str | None
    created_at: datetime
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class Membership:
    account_id: int
    org_id: int
    org_name: str
    role: Role
    team_id: int | None
    source: str = "administrator"  # or "single sign-on"
    # Which member of staff the account is here: whose "For you" list it sees.
    employee_id: int | None = None


_ACCOUNT_COLUMNS = ("id, username, display_name, email, is_administrator, "
                    "password_hash IS NOT NULL, sso_subject, created_at, disabled_at")


def _account(row: tuple[object, ...]) -> Account:
    return Account(*row)  # type: ignore[arg-type]


def account_count(con: Connection) -> int:
    row = con.execute("SELECT count(*) FROM account").fetchone()
    return int(row[0]) if row else 0


def list_accounts(con: Connection) -> list[Account]:
    access.require(Permission.MANAGE_ACCOUNTS)
    rows = con.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM account ORDER BY lower(display_name), id"
                       ).fetchall()
    return [_account(r) for r in rows]


def get_account(con: Connection, account_id: int) -> Account:
    row = con.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM account WHERE id = ?", [account_id]
                      ).fetchone()
    if row is None:
        raise NotFoundError("That account does not exist.")
    return _account(row)


def find_account(con: Connection, username: str) -> Account:
    row = con.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM account WHERE username_key = ?",
                      [clean(username).lower()]).fetchone()
    if row is None:
        raise NotFoundError(f"There is no account “{clean(username)}”.")
    return _account(row)


def check_password(problems: dict[str, str], password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        problems["password"] = (f"The password needs at least {MIN_PASSWORD} characters; a few "
                                "words in a row make a good one.")
    elif len(password) > MAX_PASSWORD:
        problems["password"] = f"Keep the password to {MAX_PASSWORD} characters."
    elif username and password.strip().lower() == username.strip().lower():
        problems["password"] = "The password cannot be the user name."


def _check_account(con: Connection, username: str, display_name: str, email: str | None,
                   exclude_id: int | None = None) -> tuple[str, str, str | None]:
    problems: dict[str, str] = {}
    username = require_text(problems, "username", username, "The user name or e-mail", 120)
    display_name = require_text(problems, "display_name", display_name, "The name shown", 80)
    email_text = optional_text(problems, "email", email, "The e-mail address", 200) or None
    if username and any(ch.isspace() for ch in username):
        problems["username"] = "The user name cannot contain spaces."
    if email_text and "@" not in email_text:
        problems["email"] = "The e-mail address needs an @."
    if username and "username" not in problems:
        clash = con.execute("SELECT 1 FROM account WHERE username_key = ? AND id IS DISTINCT "
                            "FROM ?", [username.lower(), exclude_id]).fetchone()
        if clash:
            problems["username"] = f"There is already an account “{username}”."
    if display_name and "display_name" not in problems:
        clash = con.execute("SELECT 1 FROM account WHERE lower(display_name) = ? AND id IS "
                            "DISTINCT FROM ?", [display_name.lower(), exclude_id]).fetchone()
        if clash:
            # The change history names people by this name: two alike would be one.
            problems["display_name"] = (f"Another account is already shown as “{display_name}”: "
                                        "add an initial or a team.")
    raise_if(problems)
    return username, display_name, email_text


def create_account(con: Connection, username: str, display_name: str, password: str | None,
                   email: str | None = None, is_administrator: bool = False,
                   sso_subject: str | None = None, *, first_setup: bool = False) -> Account:
    """Add an account. Only an administrator may, except the first one at set-up."""
    if not first_setup:
        access.require(Permission.MANAGE_ACCOUNTS)
    username, display_name, email = _check_account(con, username, display_name, email)
    if password is not None:
        problems: dict[str, str] = {}
        check_password(problems, password, username)
        raise_if(problems)
    hashed = hash_password(password) if password is not None else None
    with transaction(con):
        row = con.execute(
            "INSERT INTO account (username, username_key, display_name, email, password_hash, "
            "is_administrator, sso_subject) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [username, username.lower(), display_name, email, hashed, is_administrator,
             sso_subject]).fetchone()
        assert row is not None
        role = "administrator" if is_administrator else "no role yet"
        log(con, "account added", f"{display_name} ({username}), {role}",
            who=None if not first_setup else display_name, account_id=int(row[0]))
    return get_account(con, int(row[0]))


def update_account(con: Connection, account_id: int, display_name: str, email: str | None,
                   is_administrator: bool) -> None:
    actor = access.require(Permission.MANAGE_ACCOUNTS)
    current = get_account(con, account_id)
    _, display_name, email = _check_account(con, current.username, display_name, email,
                                            exclude_id=account_id)
    if actor.account_id == account_id and current.is_administrator and not is_administrator:
        raise ValidationError({"is_administrator": "You cannot take away your own "
                                                   "administrator rights: ask another "
                                                   "administrator."})
    with transaction(con):
        if current.is_administrator and not is_administrator:
            _keep_an_administrator(con, account_id)
        con.execute("UPDATE account SET display_name = ?, email = ?, is_administrator = ? "
                    "WHERE id = ?", [display_name, email, is_administrator, account_id])
        if current.is_administrator != is_administrator:
            log(con, "role changed", f"{display_name}: administrator of everything "
                f"{'given' if is_administrator else 'taken away'}", account_id=account_id)
        if current.display_name != display_name or current.email != email:
            log(con, "account edited", f"{current.display_name} → {display_name}",
                account_id=account_id)


def _keep_an_administrator(con: Connection, leaving_id: int) -> None:
    row = con.execute("SELECT count(*) FROM account WHERE is_administrator AND disabled_at IS "
                      "NULL AND id <> ?", [leaving_id]).fetchone()
    if not row or not row[0]:
        raise ValidationError({"is_administrator": "This is the only active administrator: "
                                                   "make someone else administrator first."})


def set_password(con: Connection, account_id: int, password: str) -> None:
    """An administrator's reset, or a person changing their own password."""
    actor = access.current()
    if actor.account_id != account_id:
        access.require(Permission.MANAGE_ACCOUNTS)
    account = get_account(con, account_id)
    problems: dict[str, str] = {}
    check_password(problems, password, account.username)
    raise_if(problems)
    with transaction(con):
        con.execute("UPDATE account SET password_hash = ? WHERE id = ?",
                    [hash_password(password), account_id])
        # A new password also lifts any slowing that guessing at the old one caused.
        con.execute("DELETE FROM sign_in_attempt WHERE username_key = ? AND NOT succeeded",
                    [account.username.lower()])
        # Everyone signed in with the old password is signed out.
        con.execute("UPDATE sign_in_session SET ended_at = current_timestamp WHERE account_id = "
                    "? AND ended_at IS NULL", [account_id])
        log(con, "password reset" if actor.account_id != account_id else "password changed",
            account.display_name, account_id=account_id)


def set_disabled(con: Connection, account_id: int, disabled: bool) -> None:
    actor = access.require(Permission.MANAGE_ACCOUNTS)
    account = get_account(con, account_id)
    if disabled and actor.account_id == account_id:
        raise ValidationError({"disabled": "You cannot disable your own account."})
    with transaction(con):
        if disabled and account.is_administrator:
            _keep_an_administrator(con, account_id)
        con.execute("UPDATE account SET disabled_at = CASE WHEN ? THEN current_timestamp END "
                    "WHERE id = ?", [disabled, account_id])
        if disabled:
            con.execute("UPDATE sign_in_session SET ended_at = current_timestamp WHERE "
                        "account_id = ? AND ended_at IS NULL", [account_id])
        log(con, "account disabled" if disabled else "account enabled", account.display_name,
            account_id=account_id)


def memberships(con: Connection, account_id: int | None = None,
                org_id: int | None = None) -> list[Membership]:
    rows = con.execute(
        "SELECT m.account_id, m.org_id, o.name, m.role, m.team_id, "
        "coalesce(m.source, 'administrator'), m.employee_id FROM membership m "
        "JOIN organisation o ON o.id = m.org_id "
        "WHERE (CAST(? AS INTEGER) IS NULL OR m.account_id = ?) "
        "AND (CAST(? AS INTEGER) IS NULL OR m.org_id = ?) ORDER BY o.name, m.account_id",
        [account_id, account_id, org_id, org_id]).fetchall()
    return [Membership(r[0], r[1], r[2], Role(r[3]), r[4], r[5], r[6]) for r in rows]


def set_role(con: Connection, account_id: int, org_id: int, role: Role | str | None,
             team_id: int | None = None, source: str = "administrator") -> None:
    """Give an account a role in an organisation (None: take it out of the organisation)."""
    access.require(Permission.MANAGE_ACCOUNTS)
    account = get_account(con, account_id)
    org = con.execute("SELECT name FROM organisation WHERE id = ?", [org_id]).fetchone()
    if org is None:
        raise NotFoundError("That organisation no longer exists.")
    if role is not None:
        try:
            role = Role(role)
        except ValueError:
            role = None if role == "" else role
        if not isinstance(role, Role) or role not in ACCOUNT_ROLES:
            choices = ", ".join(r.value for r in ACCOUNT_ROLES)
            raise ValidationError({"role": f"The role must be one of: {choices}."})
    if team_id is not None:
        team = con.execute("SELECT 1 FROM team WHERE id = ? AND org_id = ?", [team_id, org_id]
                           ).fetchone()
        if team is None:
            raise ValidationError({"team": "That team is not in this organisation."})
    with transaction(con):
        before = con.execute("SELECT role, employee_id FROM membership WHERE account_id = ? "
                             "AND org_id = ?", [account_id, org_id]).fetchone()
        con.execute("DELETE FROM membership WHERE account_id = ? AND org_id = ?",
                    [account_id, org_id])
        if role is not None:
            # A new role keeps the member of staff the account is linked to.
            con.execute("INSERT INTO membership (account_id, org_id, role, team_id, source, "
                        "employee_id) VALUES (?, ?, ?, ?, ?, ?)",
                        [account_id, org_id, role.value, team_id, source,
                         before[1] if before else None])
        old = Role(before[0]).label if before else "no role"
        new = role.label if isinstance(role, Role) else "no role"
        log(con, "role changed", f"{account.display_name}: {old} → {new}"
            + (" (single sign-on group)" if source != "administrator" else ""), org_id=org_id,
            account_id=account_id)


def linked_person(con: Connection, account_id: int, org_id: int) -> int | None:
    """The member of staff (employee id) the account is in this organisation, if set."""
    row = con.execute("SELECT employee_id FROM membership WHERE account_id = ? AND org_id = ?",
                      [account_id, org_id]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def suggested_person(con: Connection, account_id: int, org_id: int) -> int | None:
    """The one current member of staff whose name is the account's name shown (any
    case, spaces trimmed): a likely link to offer, never made without being asked."""
    rows = con.execute(
        "SELECT e.id FROM employee e JOIN account a ON a.id = ? WHERE e.org_id = ? AND "
        "e.leave_date IS NULL AND lower(trim(e.name)) = lower(trim(a.display_name)) LIMIT 2",
        [account_id, org_id]).fetchall()
    return int(rows[0][0]) if len(rows) == 1 else None


def set_person(con: Connection, account_id: int, org_id: int, employee_id: int | None) -> None:
    """Say which member of staff the account is in an organisation (None: nobody).

    What people own (standards, measures, complaints) and the training they need is
    recorded against staff records; this link is how an account finds its own."""
    access.require(Permission.MANAGE_ACCOUNTS)
    account = get_account(con, account_id)
    with transaction(con):
        member = con.execute("SELECT o.name FROM membership m JOIN organisation o ON "
                             "o.id = m.org_id WHERE m.account_id = ? AND m.org_id = ?",
                             [account_id, org_id]).fetchone()
        if member is None:
            raise ValidationError({"person": f"{account.display_name} has no role in this "
                                             "organisation: give them a role first."})
        name = None
        if employee_id is not None:
            row = con.execute("SELECT name, number FROM employee WHERE org_id = ? AND id = ?",
                              [org_id, employee_id]).fetchone()
            if row is None:
                raise ValidationError({"person": "That member of staff is not in this "
                                                 "organisation."})
            name = f"{row[0]} ({row[1]})"
            taken = con.execute(
                "SELECT a.display_name FROM membership m JOIN account a ON a.id = m.account_id "
                "WHERE m.org_id = ? AND m.employee_id = ? AND m.account_id <> ?",
                [org_id, employee_id, account_id]).fetchone()
            if taken is not None:
                raise ValidationError({"person": f"{name} is already linked to the account "
                                                 f"“{taken[0]}”: one account per person."})
        con.execute("UPDATE membership SET employee_id = ? WHERE account_id = ? AND org_id = ?",
                    [employee_id, account_id, org_id])
        log(con, "person linked", f"{account.display_name} is "
            + (name if name else "no member of staff") + f" in {member[0]}", org_id=org_id,
            account_id=account_id)


# --- Signing in ----------------------------------------------------------------------


class SignInRefused(StrategyError):
    """Wrong name or password, a disabled account, or too many attempts."""

    title = "Not signed in"

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


def required_wait(con: Connection, username_key: str, address: str,
                  now: datetime | None = None) -> int:
    """Seconds to wait before the next attempt for this account or from this address.

    An account's count starts again after it signs in, and its delay stops growing at
    a minute, so a stranger cannot lock someone out for long; an address's delay
    grows to a quarter of an hour.

    An attempt still being checked counts against its own account at once (parallel
    guesses at one password are slowed as serial ones), but against the address only
    beyond ``IN_FLIGHT_PER_ADDRESS``: a room behind one venue's address signing in
    together is not a guesser. One left in flight by a crash counts as failed after
    ``IN_FLIGHT_SECONDS``."""
    now = now or database_now(con)
    since = now - FAILURE_WINDOW
    row = con.execute(
        """
        WITH recent AS (SELECT *, coalesce(in_flight, false) AND attempted_at > ? AS flying
                        FROM sign_in_attempt WHERE attempted_at > ?),
        signed_in AS (SELECT coalesce(max(attempted_at), ?) AS ok_at FROM recent
                      WHERE username_key = ? AND succeeded)
        SELECT count(*) FILTER (WHERE r.username_key = ? AND r.attempted_at > s.ok_at),
               max(r.attempted_at) FILTER (WHERE r.username_key = ? AND r.attempted_at > s.ok_at),
               count(*) FILTER (WHERE r.address = ? AND NOT r.flying),
               max(r.attempted_at) FILTER (WHERE r.address = ? AND NOT r.flying),
               count(*) FILTER (WHERE r.address = ? AND r.flying)
        FROM recent r CROSS JOIN signed_in s WHERE NOT r.succeeded
        """, [now - timedelta(seconds=IN_FLIGHT_SECONDS), since, since, username_key,
              username_key, username_key, address, address, address]
    ).fetchone()
    assert row is not None
    address_failures, address_last = int(row[2]), row[3]
    beyond = int(row[4]) - IN_FLIGHT_PER_ADDRESS
    if beyond > 0:  # more in flight at once than a room sends: count the excess now
        address_failures, address_last = address_failures + beyond, now
    waits = []
    for failures, last, cap in ((int(row[0]), row[1], MAX_ACCOUNT_DELAY_SECONDS),
                                (address_failures, address_last, MAX_DELAY_SECONDS)):
        if failures >= FREE_FAILURES and last is not None:
            delay = min(2 ** (failures - FREE_FAILURES), cap)
            waits.append((last + timedelta(seconds=delay) - now).total_seconds())
    return max(0, int(-(-max(waits, default=0) // 1)))


# Checking the count and recording an attempt happen under one lock, so attempts
# sent in parallel are counted before any of them is heard.
_attempts = threading.Lock()


def _begin_attempt(con: Connection, key: str, address: str) -> int:
    """Record an attempt as in flight, or refuse it."""
    with _attempts:
        wait = required_wait(con, key, address)
        if wait:
            with transaction(con):
                # One line a minute is enough to show the guessing in the access log.
                recent = con.execute(
                    "SELECT 1 FROM access_log WHERE event = 'sign-in slowed' AND who = ? AND "
                    "address IS NOT DISTINCT FROM ? AND logged_at > current_timestamp - "
                    "INTERVAL 1 MINUTE", [key or "unknown", address]).fetchone()
                if recent is None:
                    log(con, "sign-in slowed", f"for “{key}”: {wait} s to wait",
                        who=key or "unknown", address=address)
            raise SignInRefused(f"Too many failed attempts. Wait {wait} seconds, then try "
                                "again.", wait_seconds=wait)
        row = con.execute("INSERT INTO sign_in_attempt (username_key, address, succeeded, "
                          "in_flight) VALUES (?, ?, false, true) RETURNING id",
                          [key, address]).fetchone()
    assert row is not None
    return int(row[0])


def authenticate(con: Connection, username: str, password: str, address: str) -> Account:
    """The account for this name and password, or :class:`SignInRefused`."""
    key = clean(username).lower()[:200]
    attempt = _begin_attempt(con, key, address)
    succeeded = False
    try:
        row = con.execute("SELECT id, password_hash, disabled_at FROM account WHERE "
                          "username_key = ?", [key]).fetchone()
        ok = verify_password(row[1] if row else None, password)
        refused = SignInRefused("That user name and password do not match an account. "
                                "Check both and try again.")
        if ok and row is not None and row[2] is not None:
            # The same words as a wrong password: otherwise a guesser learns the password
            # was right. The person hears why from their administrator, who sees it here.
            with transaction(con):
                log(con, "sign-in refused", "the account is disabled", who=key,
                    account_id=row[0], address=address)
            raise refused
        if not ok or row is None:
            with transaction(con):
                log(con, "sign-in failed", "wrong user name or password", who=key or "unknown",
                    account_id=row[0] if row else None, address=address)
            raise refused
        succeeded = True
    finally:
        # Settled either way: a failure now counts against the address too.
        con.execute("UPDATE sign_in_attempt SET succeeded = ?, in_flight = false WHERE id = ?",
                    [succeeded, attempt])
    if _hasher.check_needs_rehash(str(row[1])):
        con.execute("UPDATE account SET password_hash = ? WHERE id = ?",
                    [hash_password(password), row[0]])
    return get_account(con, int(row[0]))


def join_wait(con: Connection, address: str) -> int:
    """Seconds this address must wait before trying another workshop code."""
    return required_wait(con, f"workshop code from {address}", address)


def record_wrong_code(con: Connection, address: str) -> None:
    with transaction(con):
        con.execute("INSERT INTO sign_in_attempt (username_key, address, succeeded) VALUES "
                    "(?, ?, false)", [f"workshop code from {address}", address])



# --- The first administrator -----------------------------------------------------------


def setup_link_token(con: Connection) -> str | None:
    """A one-time token that creates the first administrator (None once one exists)."""
    if account_count(con):
        return None
    token = secrets.token_urlsafe(24)
    with transaction(con):
        con.execute("INSERT INTO setup_token (token_hash, expires_at) VALUES (?, "
                    "current_timestamp + to_hours(CAST(? AS INTEGER)))",
                    [token_hash(token), SETUP_LINK_HOURS])
    return token


def setup_token_valid(con: Connection, token: str) -> bool:
    if account_count(con):
        return False
    row = con.execute("SELECT 1 FROM setup_token WHERE token_hash = ? AND used_at IS NULL AND "
                      "expires_at > current_timestamp", [token_hash(token)]).fetchone()
    return row is not None


def create_first_administrator(con: Connection, token: str, username: str, display_name: str,
                               password: str) -> Account:
    """Use the one-time link: claimed first, so two people opening it at once cannot
    both become the first administrator."""
    used = ("This set-up link was used already or has expired. Run `python -m strategy user "
            "add NAME --role admin` on the server, or restart the app for a new link.")
    try:
        with transaction(con):
            claimed = con.execute(
                "UPDATE setup_token SET used_at = current_timestamp WHERE token_hash = ? AND "
                "used_at IS NULL AND expires_at > current_timestamp AND NOT EXISTS (SELECT 1 "
                "FROM account) RETURNING 1", [token_hash(token)]).fetchone()
    except ConflictError as exc:
        raise StrategyError(used) from exc
    if claimed is None:
        raise StrategyError(used)
    try:
        return create_account(con, username, display_name, password, is_administrator=True,
                              first_setup=True)
    except StrategyError:
        # A mistake in the form: the link stays usable for the corrected one.
        con.execute("UPDATE setup_token SET used_at = NULL WHERE token_hash = ?",
                    [token_hash(token)])
        raise
