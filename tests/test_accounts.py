"""Accounts, passwords, sessions, the slowing of guessing, roles and workshops."""

from __future__ import annotations

import os
import stat
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from strategy.core import access
from strategy.core.access import ROLE_PERMISSIONS, AccessDenied, Identity, Permission, Role
from strategy.core.db import Connection
from strategy.core.errors import StrategyError, ValidationError
from strategy.core.orgs import Organisation, create_organisation
from strategy.identity import access_log, accounts, sessions, workshops
from strategy.service import vision
from tests.identities import as_person, member

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

PASSWORD = "a long enough secret"


def _account(con: Connection, name: str = "hana", admin: bool = False) -> accounts.Account:
    return accounts.create_account(con, name, name.title(), PASSWORD, is_administrator=admin)


# --- Passwords -----------------------------------------------------------------------


def test_passwords_are_argon2id_and_never_stored_plain(con: Connection) -> None:
    account = _account(con)
    (stored,) = con.execute("SELECT password_hash FROM account WHERE id = ?",
                            [account.id]).fetchone() or ()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.verify_password(stored, PASSWORD + "!")
    assert not accounts.verify_password(None, PASSWORD)
    assert not accounts.verify_password("not a hash", PASSWORD)


@pytest.mark.parametrize(("password", "problem"), [
    ("short", "at least 10 characters"),
    ("x" * 257, "Keep the password to 256"),
    ("HanaHanaHana", "cannot be the user name"),
])
def test_weak_passwords_are_refused_and_nothing_is_written(con: Connection, password: str,
                                                           problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        accounts.create_account(con, "hanahanahana", "Hana", password)
    assert accounts.account_count(con) == 0


def test_user_names_and_shown_names_are_unique_ignoring_case(con: Connection) -> None:
    _account(con, "hana")
    with pytest.raises(ValidationError, match="already an account"):
        accounts.create_account(con, "HANA", "Someone else", PASSWORD)
    with pytest.raises(ValidationError, match="already shown as"):
        accounts.create_account(con, "hana2", "hana", PASSWORD)
    with pytest.raises(ValidationError, match="cannot contain spaces"):
        accounts.create_account(con, "hana novak", "Hana Novak", PASSWORD)


# --- Signing in and sessions -----------------------------------------------------------


def test_sign_in_with_the_right_password_opens_a_session(con: Connection) -> None:
    account = _account(con)
    signed = accounts.authenticate(con, " HANA ", PASSWORD, "10.0.0.1")
    assert signed.id == account.id
    token = sessions.start_session(con, account_id=account.id, method="password",
                                   address="10.0.0.1")
    identity = sessions.identity_for(con, token)
    assert identity is not None and identity.name == "Hana" and identity.kind == "account"
    # Only the token's hash is kept: the database alone does not let anyone in.
    assert con.execute("SELECT count(*) FROM sign_in_session WHERE token_hash = ?",
                       [token]).fetchone() == (0,)
    sessions.end_session(con, token)
    assert sessions.identity_for(con, token) is None
    events = [e.event for e in access_log.access_log(con)]
    assert events[:2] == ["signed out", "signed in"]


def test_wrong_password_and_unknown_user_get_the_same_answer(con: Connection) -> None:
    _account(con)
    messages = set()
    for name, password in (("hana", "wrong password!"), ("nobody", PASSWORD)):
        with pytest.raises(accounts.SignInRefused) as info:
            accounts.authenticate(con, name, password, "10.0.0.2")
        messages.add(info.value.message)
    assert len(messages) == 1
    failed = [e for e in access_log.access_log(con) if e.event == "sign-in failed"]
    assert {e.who for e in failed} == {"hana", "nobody"}
    assert all(e.address == "10.0.0.2" for e in failed)


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(con: Connection) -> None:
    account = _account(con)
    token = sessions.start_session(con, account_id=account.id, method="password", address="a")
    accounts.set_disabled(con, account.id, True)
    assert sessions.identity_for(con, token) is None
    # The words a wrong password gets: a guesser learns nothing (see test_security).
    with pytest.raises(accounts.SignInRefused, match="do not match an account"):
        accounts.authenticate(con, "hana", PASSWORD, "a")


def test_a_new_password_ends_the_old_sessions(con: Connection) -> None:
    account = _account(con)
    token = sessions.start_session(con, account_id=account.id, method="password", address="a")
    accounts.set_password(con, account.id, "another good password")
    assert sessions.identity_for(con, token) is None
    assert accounts.authenticate(con, "hana", "another good password", "a").id == account.id


def test_an_expired_session_is_no_session(con: Connection) -> None:
    account = _account(con)
    token = sessions.start_session(con, account_id=account.id, method="password", address="a",
                                   expires_at=datetime.now() - timedelta(minutes=1))
    assert sessions.identity_for(con, token) is None


# --- The cookie ----------------------------------------------------------------------


def test_cookie_signing_refuses_tampering_other_secrets_and_old_cookies() -> None:
    cookie = sessions.sign("server secret", "token-123")
    assert sessions.unsign("server secret", cookie, 3600) == "token-123"
    assert sessions.unsign("another secret", cookie, 3600) is None
    forged = "token-124" + cookie[len("token-123"):]
    assert sessions.unsign("server secret", forged, 3600) is None
    assert sessions.unsign("server secret", cookie[:-2] + "xx", 3600) is None
    assert sessions.unsign("server secret", "token-123", 3600) is None
    time.sleep(1.1)
    assert sessions.unsign("server secret", cookie, 0) is None


def test_the_secret_is_made_once_beside_the_database_owner_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRATEGY_SECRET", raising=False)
    db_path = tmp_path / "plan.duckdb"
    first = sessions.signing_secret(db_path)
    assert len(first) >= 40 and sessions.signing_secret(db_path) == first
    mode = stat.S_IMODE(os.stat(sessions.secret_path(db_path)).st_mode)
    assert mode == 0o600
    monkeypatch.setenv("STRATEGY_SECRET", "from the environment")
    assert sessions.signing_secret(db_path) == "from the environment"


def test_session_length_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sessions.session_hours() == 12
    monkeypatch.setenv("STRATEGY_SESSION_HOURS", "8")
    assert sessions.session_hours() == 8
    monkeypatch.setenv("STRATEGY_SESSION_HOURS", "forever")
    assert sessions.session_hours() == 12


# --- Guessing ------------------------------------------------------------------------


def _fail(con: Connection, name: str, address: str) -> None:
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(con, name, "wrong password!", address)


def test_after_five_failures_each_attempt_waits_longer(con: Connection) -> None:
    _account(con)
    for _ in range(5):
        _fail(con, "hana", "10.0.0.3")
    # The sixth attempt is refused unheard, even with the right password.
    with pytest.raises(accounts.SignInRefused, match="Too many failed attempts") as info:
        accounts.authenticate(con, "hana", PASSWORD, "10.0.0.3")
    assert info.value.wait_seconds >= 1
    now = datetime.now()
    con.execute("INSERT INTO sign_in_attempt (attempted_at, username_key, address, succeeded) "
                "VALUES (?, 'hana', '10.0.0.3', false)", [now])
    # Six failures: 2 s; seven: 4 s — the delay doubles.
    assert accounts.required_wait(con, "hana", "elsewhere", now) == 2
    con.execute("INSERT INTO sign_in_attempt (attempted_at, username_key, address, succeeded) "
                "VALUES (?, 'hana', '10.0.0.3', false)", [now])
    assert accounts.required_wait(con, "hana", "elsewhere", now) == 4
    # Failures older than 15 minutes no longer count.
    assert accounts.required_wait(con, "hana", "elsewhere", now + timedelta(minutes=16)) == 0
    assert any(e.event == "sign-in slowed" for e in access_log.access_log(con))


def test_guessing_from_one_address_across_accounts_is_slowed_too(con: Connection) -> None:
    _account(con)
    for name in ("ann", "bob", "cy", "dee", "eve"):
        _fail(con, name, "10.0.0.4")
    with pytest.raises(accounts.SignInRefused, match="Too many"):
        accounts.authenticate(con, "hana", PASSWORD, "10.0.0.4")
    # Another address is not held up by that.
    assert accounts.authenticate(con, "hana", PASSWORD, "10.0.0.5").username == "hana"


# --- Set-up --------------------------------------------------------------------------


def test_the_set_up_link_creates_one_administrator_once(con: Connection) -> None:
    token = accounts.setup_link_token(con)
    assert token is not None and accounts.setup_token_valid(con, token)
    assert not accounts.setup_token_valid(con, token + "x")
    with access.acting(None):
        admin = accounts.create_first_administrator(con, token, "ada", "Ada", PASSWORD)
    assert admin.is_administrator
    assert not accounts.setup_token_valid(con, token)
    assert accounts.setup_link_token(con) is None
    with pytest.raises(StrategyError, match="used already"):
        accounts.create_first_administrator(con, token, "eve", "Eve", PASSWORD)


# --- The permission table -------------------------------------------------------------


def test_the_permission_table_follows_the_roles() -> None:
    p = ROLE_PERMISSIONS
    assert p[Role.ADMINISTRATOR] == frozenset(Permission)
    assert p[Role.VIEWER] == {Permission.VIEW_VISION, Permission.READ_PLAN,
                              Permission.READ_SCORECARD, Permission.SEE_SELF_CHECK}
    assert p[Role.VIEWER] < p[Role.CONTRIBUTOR] < p[Role.LEADER]
    assert p[Role.CONTRIBUTOR] < p[Role.HR]
    assert Permission.HR_RECORDS in p[Role.HR] and Permission.HR_RECORDS not in p[Role.LEADER]
    assert Permission.HR_AGGREGATES in p[Role.LEADER]
    assert Permission.EDIT_PLAN in p[Role.LEADER] and Permission.EDIT_PLAN not in p[Role.HR]
    assert p[Role.GUEST] == {Permission.VIEW_VISION, Permission.BRAINSTORM,
                             Permission.SEE_SELF_CHECK, Permission.TAKE_SELF_CHECK}
    # The self-check is answered by the leadership team (leaders and HR) and workshop
    # guests, not by every reader.
    assert Permission.TAKE_SELF_CHECK in p[Role.LEADER] & p[Role.HR]
    assert Permission.TAKE_SELF_CHECK not in p[Role.CONTRIBUTOR] | p[Role.VIEWER]
    # The register's records hold customers' own words: not for viewers.
    assert Permission.READ_FEEDBACK in p[Role.CONTRIBUTOR]
    assert Permission.READ_FEEDBACK not in p[Role.VIEWER]
    for role in Role:
        if role is not Role.ADMINISTRATOR:
            assert not {Permission.MANAGE_ACCOUNTS, Permission.READ_ACCESS_LOG,
                        Permission.MANAGE_ORGANISATIONS} & p[role]


def test_roles_apply_only_in_their_own_organisation(con: Connection, org: Organisation) -> None:
    other = create_organisation(con, "Other")
    leader = member("Lee", org.id, Role.LEADER)
    assert leader.may(Permission.EDIT_PLAN, org.id)
    assert not leader.may(Permission.EDIT_PLAN, other.id)
    with access.acting(leader):
        vision.add_value(con, org.id, "Own it")
        with pytest.raises(AccessDenied, match="not a member"):
            vision.add_value(con, other.id, "Own it")
        with pytest.raises(AccessDenied, match="Only an administrator"):
            create_organisation(con, "Mine")
    with access.acting(None), pytest.raises(AccessDenied, match="Sign in first"):
        vision.add_value(con, org.id, "Anything")
    assert [v.name for v in vision.list_values(con, org.id)] == ["Own it"]
    assert vision.list_values(con, other.id) == []


def test_role_changes_are_checked_and_logged(con: Connection, org: Organisation) -> None:
    account = _account(con, "lee")
    accounts.set_role(con, account.id, org.id, "leader")
    identity = sessions.account_identity(con, account.id)
    assert identity is not None and identity.role_in(org.id) is Role.LEADER
    with pytest.raises(ValidationError, match="must be one of"):
        accounts.set_role(con, account.id, org.id, "guest")
    with as_person("Lee", org.id, "leader"), pytest.raises(AccessDenied):
        accounts.set_role(con, account.id, org.id, "administrator")
    accounts.set_role(con, account.id, org.id, None)
    assert accounts.memberships(con, account.id) == []
    details = [e.detail for e in access_log.access_log(con) if e.event == "role changed"]
    assert details == ["Lee: Leader → no role", "Lee: no role → Leader"]


def test_the_last_administrator_stays(con: Connection) -> None:
    ada = _account(con, "ada", admin=True)
    with access.acting(sessions.account_identity(con, ada.id)):
        with pytest.raises(ValidationError, match="own administrator rights"):
            accounts.update_account(con, ada.id, "Ada", None, False)
        with pytest.raises(ValidationError, match="own account"):
            accounts.set_disabled(con, ada.id, True)
    with pytest.raises(ValidationError, match="only active administrator"):
        accounts.update_account(con, ada.id, "Ada", None, False)


def test_only_administrators_read_the_access_log(con: Connection, org: Organisation) -> None:
    with as_person("Hana", org.id, "hr"), pytest.raises(AccessDenied):
        access_log.access_log(con)
    text = access_log.access_log_csv(con).decode("utf-8-sig")
    assert text.startswith("When,Who,Organisation,Event,Detail,Address")
    assert access_log.access_log(con, event="download")[0].detail == "the access log"


# --- Workshops -----------------------------------------------------------------------


def test_a_workshop_guest_posts_and_is_out_when_it_closes(con: Connection,
                                                         org: Organisation) -> None:
    with as_person("Lee", org.id, "leader"):
        workshop = workshops.open_workshop(con, org.id)
        assert workshops.open_workshop(con, org.id) == workshop  # one at a time
    assert len(workshop.code) == 6 and set(workshop.code) <= set(workshops.CODE_ALPHABET)
    opened, token = workshops.join(con, workshop.code.lower(), "Gus", "10.1.1.1")
    guest = sessions.identity_for(con, token)
    assert guest is not None and guest.kind == "guest"
    assert guest.name == f"Gus (guest, workshop of {opened.opened_at:%Y-%m-%d})"
    assert guest.may(Permission.BRAINSTORM, org.id)
    assert not guest.may(Permission.READ_PLAN, org.id)
    assert not guest.may(Permission.HR_RECORDS, org.id)
    with access.acting(guest):
        entry = vision.add_entry(con, org.id, "Being told before it happens")
        assert vision.set_vote(con, org.id, entry)
        with pytest.raises(AccessDenied):
            vision.add_value(con, org.id, "Sneaky")
    assert vision.list_entries(con, org.id)[0].author == guest.name
    with pytest.raises(ValidationError, match="has joined already"):
        workshops.join(con, workshop.code, "gus", "10.1.1.2")
    with as_person("Hana", org.id, "hr"), pytest.raises(AccessDenied):
        workshops.close_workshop(con, workshop.id)
    assert workshops.close_workshop(con, workshop.id) == 1
    assert sessions.identity_for(con, token) is None
    with pytest.raises(StrategyError, match="closed"):
        workshops.join(con, workshop.code, "Late", "10.1.1.3")


def test_the_brainstorm_countdown_is_the_facilitators_and_everyone_sees_it(
        con: Connection, org: Organisation) -> None:
    from strategy.core.db import database_now

    workshop = workshops.open_workshop(con, org.id)
    assert workshop.seconds_left(database_now(con)) is None
    for wrong in (0, 61, None, True):
        with pytest.raises(ValidationError, match="from 1 to 60 minutes"):
            workshops.start_countdown(con, workshop.id, wrong)  # type: ignore[arg-type]
    with as_person("Hana", org.id, "hr"), pytest.raises(AccessDenied):
        workshops.start_countdown(con, workshop.id, 5)
    started = workshops.start_countdown(con, workshop.id, 5)
    now = database_now(con)
    assert 295 <= (started.seconds_left(now) or 0) <= 300
    assert started.seconds_left(now + timedelta(minutes=6)) == 0
    # Everyone's view of the workshop carries it: the guests' walls show it too.
    current = workshops.current_workshop(con, org.id)
    assert current is not None and current.countdown_ends_at == started.countdown_ends_at
    assert workshops.stop_countdown(con, workshop.id).seconds_left(now) is None
    workshops.close_workshop(con, workshop.id)
    with pytest.raises(StrategyError, match="closed"):
        workshops.start_countdown(con, workshop.id, 5)


def test_an_expired_workshop_code_lets_nobody_in(con: Connection, org: Organisation) -> None:
    workshop = workshops.open_workshop(con, org.id)
    _, token = workshops.join(con, workshop.code, "Gus", "a")
    con.execute("UPDATE workshop SET expires_at = now() - INTERVAL 1 MINUTE")
    assert sessions.identity_for(con, token) is None
    with pytest.raises(StrategyError, match="expired"):
        workshops.join(con, workshop.code, "Ivy", "a")
    with pytest.raises(StrategyError, match="no workshop with that code"):
        workshops.join(con, "ZZZZZZ", "Ivy", "a")


def test_the_join_link_makes_a_qr_code() -> None:
    png = workshops.qr_png("http://localhost:8501/join/ABC234")
    assert png.startswith(b"\x89PNG\r\n")


def test_shell_identity_is_an_administrator() -> None:
    shell = Identity.shell("ops (command line)")
    assert shell.may(Permission.MANAGE_ACCOUNTS) and shell.role_in(1) is Role.ADMINISTRATOR


def test_acknowledgements_and_completions_name_who_entered_them(
        con: Connection, org: Organisation) -> None:
    from strategy.people import personnel, training
    from strategy.service import accountability, standards

    desk = personnel.add_team(con, org.id, "Desk")
    ann = personnel.add_employee(con, org.id, personnel.EmployeeInput("1", "Ann", desk,
                                                                      datetime(2020, 1, 1).date()))
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Answer within 3 rings", "Phone", "Responsiveness"))
    module = training.add_module(con, org.id, "Listening")
    with as_person("Lee", org.id, "leader"):
        accountability.acknowledge(con, org.id, standard, [ann], datetime(2026, 1, 5).date())
    with access.acting(member("Cat", org.id, Role.CONTRIBUTOR, team_id=desk)):
        training.record_completion(con, org.id, module, [ann], datetime(2026, 1, 6).date(),
                                   passed=True)
    with access.acting(member("Dan", org.id, Role.CONTRIBUTOR, team_id=None)), \
            pytest.raises(AccessDenied, match="own team"):
        training.record_completion(con, org.id, module, [ann], datetime(2026, 1, 7).date(),
                                   passed=True)
    assert con.execute("SELECT recorded_by FROM acknowledgement").fetchall() == [("Lee",)]
    assert con.execute("SELECT recorded_by FROM training_completion").fetchall() == [("Cat",)]


# --- What the review of the first version found ----------------------------------------


def test_parallel_guesses_are_counted_before_any_is_heard(con: Connection) -> None:
    import threading

    _account(con)
    heard: list[str] = []
    slowed: list[str] = []
    start = threading.Barrier(20)

    def guess(n: int) -> None:
        cursor = con.cursor()
        start.wait()
        try:
            accounts.authenticate(cursor, "hana", f"guess number {n}", f"10.9.0.{n}")
        except accounts.SignInRefused as exc:
            (slowed if exc.wait_seconds else heard).append(exc.message)
    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(heard) == accounts.FREE_FAILURES and len(slowed) == 15


def _in_parallel(count: int, attempt: Any) -> list[Any]:
    """``attempt(n)`` for n in 0..count-1, all let go at the same moment."""
    import threading

    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = attempt(n)
        except accounts.SignInRefused as exc:
            results[n] = exc
    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_room_signing_in_together_from_one_address_is_not_slowed(con: Connection) -> None:
    """Twelve people behind a venue's one address press Sign in at the same moment:
    an attempt counts as failed only once its password has failed."""
    for n in range(12):
        accounts.create_account(con, f"person{n}", f"Person {n}", PASSWORD)
    signed_in = _in_parallel(12, lambda n: accounts.authenticate(
        con.cursor(), f"person{n}", PASSWORD, "203.0.113.7"))
    assert [getattr(a, "username", a) for a in signed_in] == [f"person{n}" for n in range(12)]
    # Five wrong ones from that address, also together, are still heard and then slow
    # the next one, however right its password.
    wrong = _in_parallel(5, lambda n: accounts.authenticate(
        con.cursor(), f"person{n}", "not the password", "203.0.113.7"))
    assert all(isinstance(r, accounts.SignInRefused) and not r.wait_seconds for r in wrong)
    with pytest.raises(accounts.SignInRefused, match="Too many failed attempts"):
        accounts.authenticate(con, "person11", PASSWORD, "203.0.113.7")
    assert con.execute("SELECT count(*) FROM sign_in_attempt WHERE in_flight").fetchone() == (0,)


def test_more_at_once_than_a_room_sends_is_slowed_and_a_stuck_attempt_counts_as_failed(
        con: Connection) -> None:
    now = datetime.now()
    # Guesses at many accounts at once from one address: beyond what a room sends,
    # the ones in flight count before they are heard.
    con.execute("INSERT INTO sign_in_attempt (attempted_at, username_key, address, succeeded, "
                "in_flight) SELECT ?, 'user' || i, '198.51.100.1', false, true FROM range(?) "
                "t(i)", [now, accounts.IN_FLIGHT_PER_ADDRESS + accounts.FREE_FAILURES])
    assert accounts.required_wait(con, "someone", "198.51.100.1", now) >= 1
    assert accounts.required_wait(con, "someone", "192.0.2.9", now) == 0
    # Left in flight by a crash: a failure once it is a minute old (thirteen of them
    # ask for 2^8 s from the last).
    con.execute("INSERT INTO sign_in_attempt (attempted_at, username_key, address, succeeded, "
                "in_flight) SELECT ?, 'user' || i, '192.0.2.50', false, true FROM range(13) "
                "t(i)", [now - timedelta(seconds=accounts.IN_FLIGHT_SECONDS + 1)])
    assert accounts.required_wait(con, "someone", "192.0.2.50", now) >= 1


def test_an_account_is_slowed_for_a_minute_at_most_and_a_sign_in_starts_afresh(
        con: Connection) -> None:
    _account(con)
    now = datetime.now()
    con.execute("INSERT INTO sign_in_attempt (attempted_at, username_key, address, succeeded) "
                "SELECT ?, 'hana', 'addr-' || i, false FROM range(30) t(i)", [now])
    assert accounts.required_wait(con, "hana", "elsewhere", now) == 60
    con.execute("INSERT INTO sign_in_attempt (attempted_at, username_key, address, succeeded) "
                "VALUES (?, 'hana', 'home', true)", [now + timedelta(seconds=1)])
    assert accounts.required_wait(con, "hana", "elsewhere", now + timedelta(seconds=2)) == 0


def test_a_new_password_lifts_the_slowing(con: Connection) -> None:
    account = _account(con)
    for _ in range(6):
        with pytest.raises(accounts.SignInRefused):
            accounts.authenticate(con, "hana", "wrong password!", "10.0.0.9")
    accounts.set_password(con, account.id, "a fresh good password")
    assert accounts.authenticate(con, "hana", "a fresh good password", "10.0.1.1")


def test_wrong_workshop_codes_slow_only_their_own_address(con: Connection,
                                                          org: Organisation) -> None:
    workshop = workshops.open_workshop(con, org.id)
    for n in range(6):
        accounts.record_wrong_code(con, "10.7.7.7")
        accounts.record_wrong_code(con, f"10.8.8.{n}")
    assert accounts.join_wait(con, "10.7.7.7") > 0
    assert accounts.join_wait(con, "10.8.8.1") == 0
    assert accounts.join_wait(con, "10.6.6.6") == 0
    _, token = workshops.join(con, workshop.code, "Ivy", "10.6.6.6")
    assert sessions.identity_for(con, token) is not None


def test_opening_the_set_up_link_at_once_makes_one_administrator(con: Connection) -> None:
    import threading

    token = accounts.setup_link_token(con)
    assert token is not None
    start = threading.Barrier(8)
    results: list[object] = []

    def use(n: int) -> None:
        cursor = con.cursor()
        start.wait()
        with access.acting(None):
            try:
                results.append(accounts.create_first_administrator(
                    cursor, token, f"admin{n}", f"Admin {n}", PASSWORD))
            except StrategyError as exc:
                results.append(exc)
    threads = [threading.Thread(target=use, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert accounts.account_count(con) == 1
    assert sum(isinstance(r, accounts.Account) for r in results) == 1
    assert all("used already" in r.message for r in results if isinstance(r, StrategyError))


def test_a_mistake_in_the_set_up_form_keeps_the_link_usable(con: Connection) -> None:
    token = accounts.setup_link_token(con)
    assert token is not None
    with access.acting(None):
        with pytest.raises(ValidationError, match="at least 10"):
            accounts.create_first_administrator(con, token, "ada", "Ada", "short")
        assert accounts.create_first_administrator(con, token, "ada", "Ada", PASSWORD)


def test_a_contributor_cannot_observe_someone_of_another_team(con: Connection,
                                                               org: Organisation) -> None:
    from strategy.people import personnel
    from strategy.service import accountability, standards

    mine = personnel.add_team(con, org.id, "Desk")
    theirs = personnel.add_team(con, org.id, "Field")
    bob = personnel.add_employee(con, org.id, personnel.EmployeeInput("2", "Bob", theirs,
                                                                      datetime(2020, 1, 1).date()))
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Greet", "Phone", "Courtesy"))
    with access.acting(member("Cat", org.id, Role.CONTRIBUTOR, team_id=mine)), \
            pytest.raises(AccessDenied, match="own team"):
        accountability.add_observation(con, org.id, accountability.ObservationInput(
            standard, datetime(2026, 1, 5).date(), True, mine, bob))
    assert con.execute("SELECT count(*) FROM observation").fetchone() == (0,)


# --- Single sign-on ----------------------------------------------------------------------


@pytest.fixture
def sso_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text("""
[auth]
redirect_uri = "http://localhost/oauth2callback"
cookie_secret = "x"
client_id = "c"
client_secret = "s"
server_metadata_url = "http://localhost/.well-known/openid-configuration"

[strategy_sso]
[strategy_sso.roles]
"admins" = "administrator"
"hr-acme" = "hr@Acme Services"
"leaders" = "leader"
""", encoding="utf-8")
    monkeypatch.setenv("STRATEGY_SECRETS_FILE", str(path))
    return path


def _claims(groups: list[str], email: str = "sam@example.org",
            verified: bool = True) -> dict[str, object]:
    return {"iss": "https://idp", "sub": "u-sam", "email": email, "email_verified": verified,
            "name": "Sam Sso", "groups": groups}


def test_sso_roles_follow_the_groups_in_the_order_configured(
        con: Connection, org: Organisation, sso_settings: Path) -> None:
    from strategy.identity import sso

    other = create_organisation(con, "Other")
    _account(con, "ada", admin=True)  # an administrator besides those from the groups
    account = sso.account_for(con, _claims(["leaders", "hr-acme"]), "a")
    roles = {m.org_id: m.role for m in accounts.memberships(con, account.id)}
    # "hr-acme" comes before "leaders" in the settings: HR in Acme, leader elsewhere.
    assert roles == {org.id: Role.HR, other.id: Role.LEADER}
    account = sso.account_for(con, _claims(["admins"]), "a")
    assert account.is_administrator
    # Out of every group: the roles the groups gave go, administrator included.
    account = sso.account_for(con, _claims([]), "a")
    assert not account.is_administrator
    assert accounts.memberships(con, account.id) == []


def test_sso_keeps_roles_an_administrator_gave(con: Connection, org: Organisation,
                                               sso_settings: Path) -> None:
    from strategy.identity import sso

    account = sso.account_for(con, _claims([]), "a")
    accounts.set_role(con, account.id, org.id, Role.VIEWER)
    sso.account_for(con, _claims([]), "a")
    assert [m.role for m in accounts.memberships(con, account.id)] == [Role.VIEWER]


def test_sso_links_an_account_only_by_a_verified_e_mail_it_holds(
        con: Connection, sso_settings: Path) -> None:
    from strategy.identity import sso

    ada = accounts.create_account(con, "ada", "Ada", PASSWORD, email="ada@example.org",
                                  is_administrator=True)
    # An e-mail claim equal to the administrator's user name links nothing.
    mallory = sso.account_for(con, _claims([], email="ada"), "a")
    assert mallory.id != ada.id and not mallory.is_administrator
    # Her address, but not verified by the provider: a separate account.
    unverified = sso.account_for(
        con, {**_claims([], email="ada@example.org", verified=False), "sub": "u-2"}, "a")
    assert unverified.id != ada.id
    verified = sso.account_for(
        con, {**_claims([], email="ada@example.org"), "sub": "u-3"}, "a")
    assert verified.id == ada.id


def test_sso_completes_claims_from_userinfo_only_for_the_same_person(
        sso_settings: Path) -> None:
    from strategy.identity import sso

    found = sso.settings()
    id_token = {"iss": "https://idp", "sub": "u-sam", "nonce": "n"}
    assert sso.needs_userinfo(id_token, found)
    merged = sso.with_userinfo(id_token, {"sub": "u-sam", "email": "sam@example.org",
                                          "groups": ["leaders"], "iss": "forged"})
    assert merged["email"] == "sam@example.org" and merged["groups"] == ["leaders"]
    assert merged["iss"] == "https://idp"  # the signed ID token's own claims win
    assert not sso.needs_userinfo({**merged, "email_verified": True, "name": "Sam"}, found)
    with pytest.raises(StrategyError, match="did not agree about who you are"):
        sso.with_userinfo(id_token, {"sub": "u-mallory", "email": "sam@example.org"})
    with pytest.raises(StrategyError):
        sso.with_userinfo(id_token, {"email": "sam@example.org"})  # no sub at all


def test_sso_asks_for_openid_always_and_returns_to_the_sign_in_page(
        sso_settings: Path) -> None:
    from strategy.identity import sso

    found = sso.settings()
    assert found.scope == "openid email profile"
    assert found.after_sign_out() == "http://localhost/signin?signed_out=1"
    assert sso._scope("email groups") == "openid email groups"
    url = sso.end_session_url("https://idp/logout?tenant=1", "the.id.token", found)
    assert url.startswith("https://idp/logout?tenant=1&id_token_hint=the.id.token&client_id=c&")
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2Fsignin%3Fsigned_out%3D1" in url


def test_a_live_refresh_may_share_who_holds_a_session_but_an_ended_one_is_dropped(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wall's refreshes read the session shared for up to a second (issue 21's room
    of a hundred); ending it through the app drops the shared copy at once."""
    monkeypatch.setattr(sessions, "SHARED_SECONDS", 0.3)
    sessions.forget_shared_identities()
    account = _account(con)
    token = sessions.start_session(con, account_id=account.id, method="password", address="a")
    first = sessions.shared_identity_for(con, token)
    assert first is not None and first.account_id == account.id
    # Ended behind the app's back (another server): a refresh may see it a while...
    con.execute("UPDATE sign_in_session SET ended_at = current_timestamp")
    assert sessions.shared_identity_for(con, token) == first
    assert sessions.identity_for(con, token) is None  # ...an action never does
    time.sleep(sessions.SHARED_SECONDS + 0.05)
    assert sessions.shared_identity_for(con, token) is None
    # Ended through the app: at once.
    token = sessions.start_session(con, account_id=account.id, method="password", address="a")
    assert sessions.shared_identity_for(con, token) is not None
    sessions.end_session(con, token)
    assert sessions.shared_identity_for(con, token) is None
