"""Attacks on the running app that must keep failing (issue "Security, second round").

Each test here is one attack, tried the way an outsider, a demoted colleague or
a hostile web page would, against a real server over HTTP (a browser where it
takes one). First the attacks that already held before that round, gathered here
so that they stay held: unauthenticated routes, the websocket, cookie tampering and
replay, session fixation, CSRF on the forms, open redirects, user enumeration and
password guessing (last: it slows every later sign-in from this address). Then the
eight that did not hold, one section each.

Elsewhere, because they need a workshop, an organisation's data or a clock:
guests after a workshop closes and what a signed-out page may load
(tests/test_browser_access.py), role and organisation boundaries
(tests/test_roles_walk.py, tests/test_pages_readonly.py), session expiry and cookie
signing (tests/test_accounts.py), stored HTML and formulas (tests/test_pack_formulas.py,
tests/test_browser_access.py), single sign-on against a certified provider
(tests/test_sso_certified.py).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from strategy.core import access
from strategy.core.access import AccessDenied, Identity
from strategy.core.db import open_database
from strategy.identity import accounts, sessions
from strategy.io import remind_via_app
from strategy.ui.server import FRONT_END
from tests.browser import PASSWORD, ROSTER, by_key, open_page, settle, username
from tests.conftest import RunningApp, serve

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    path = tmp_path_factory.mktemp("security") / "strategy.duckdb"
    con = open_database(path)
    with access.acting(Identity.shell("Test set-up")):
        accounts.create_account(con, "stella", "Stella Still", PASSWORD)
    con.close()
    yield from serve(path)


def _signed_in(app: RunningApp, who: str) -> httpx.Client:
    """A client that signed in through the sign-in form, as a browser does."""
    client = httpx.Client(base_url=app.url, follow_redirects=False, timeout=30)
    form = client.get("/signin")
    csrf = re.search(r"name='csrf' value='([^']+)'", form.text)
    assert csrf is not None
    answer = client.post("/signin", data={"username": username(who), "password": PASSWORD,
                                          "csrf": csrf[1]})
    assert answer.status_code == 303, answer.text
    return client


def _csrf_of(client: httpx.Client, path: str) -> str:
    found = re.search(r"name='csrf' value='([^']+)'", client.get(path).text)
    assert found is not None, path
    return found[1]


def _websocket_refused(url: str, cookie: str | None = None) -> bool:
    """Streamlit's websocket, which carries every page's data, refuses the handshake."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    headers = {"Cookie": f"{sessions.COOKIE_NAME}={cookie}"} if cookie else None
    try:
        with connect(url.replace("http", "ws", 1) + "/_stcore/stream",
                     subprotocols=["streamlit"],  # type: ignore[list-item]
                     additional_headers=headers):
            return False
    except InvalidStatus as refused:
        return refused.response.status_code == 403


# 0. Attacks that held before the second round ---------------------------------------


@pytest.mark.parametrize("path", ["/", "/vision", "/recognition", "/staff?org=1",
                                  "/_stcore/host-config", "/_stcore/stream",
                                  "/_stcore/upload_file/x/y", "/media/x.csv",
                                  "/component/x/index.html", "/static/no-such-file.js",
                                  "/static/../index.html"])
def test_nothing_but_sign_in_is_served_without_a_session(running: RunningApp,
                                                         path: str) -> None:
    answer = httpx.get(running.url + path, follow_redirects=False, timeout=30)
    assert answer.status_code in (303, 401, 404), (path, answer.status_code)
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("/signin")
    assert "<div id=\"root\"" not in answer.text and "Stella" not in answer.text


def test_streamlits_own_scripts_are_served_to_anyone_and_nothing_else_is(
        running: RunningApp) -> None:
    """The front end's files are Streamlit's, the same on every install, holding no
    data: a page drawn before its session ended still loads its buttons' scripts."""
    scripts = sorted((FRONT_END / "static" / "js").glob("index.*.js"))
    assert scripts
    answer = httpx.get(f"{running.url}/static/js/{scripts[0].name}", timeout=30)
    assert answer.status_code == 200 and "javascript" in answer.headers["content-type"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    # The page shell itself is not one of them.
    assert httpx.get(running.url + "/static/index.html", follow_redirects=False,
                     timeout=30).status_code in (303, 401)


def test_the_websocket_refuses_no_cookie_a_forged_one_and_an_ended_one(
        running: RunningApp) -> None:
    assert _websocket_refused(running.url)
    assert _websocket_refused(running.url, "forged-token.1700000000.abcdef")
    client = _signed_in(running, "Ana")
    cookie = client.cookies[sessions.COOKIE_NAME]
    assert not _websocket_refused(running.url, cookie)  # the real session is let in
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    assert _websocket_refused(running.url, forged)
    signed_out = client.post("/signout", data={"csrf": _csrf_of(client, "/signout")})
    assert signed_out.status_code == 303
    # Replaying the cookie of a session that signed out opens nothing.
    assert _websocket_refused(running.url, cookie)
    replay = httpx.get(running.url + "/", cookies={sessions.COOKIE_NAME: cookie},
                       follow_redirects=False, timeout=30)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/signin")


def test_a_session_cookie_planted_before_sign_in_is_never_the_one_used(
        running: RunningApp) -> None:
    """Session fixation: signing in always starts a new session."""
    planted = "planted-by-an-attacker"
    client = httpx.Client(base_url=running.url, follow_redirects=False, timeout=30,
                          cookies={sessions.COOKIE_NAME: planted})
    csrf = _csrf_of(client, "/signin")
    answer = client.post("/signin", data={"username": username("Ana"), "password": PASSWORD,
                                          "csrf": csrf})
    assert answer.status_code == 303
    issued = answer.cookies[sessions.COOKIE_NAME]
    assert planted not in issued
    # Two sign-ins of one person are two sessions, each with its own token.
    assert _signed_in(running, "Ana").cookies[sessions.COOKIE_NAME] != issued


@pytest.mark.parametrize("path", ["/signin", "/signout", "/join"])
def test_a_form_posted_without_its_token_changes_nothing(running: RunningApp,
                                                         path: str) -> None:
    client = _signed_in(running, "Ben")
    data = {"username": username("Ana"), "password": PASSWORD, "code": "ABCDEF",
            "name": "Mallory"}
    for token in (None, "a-token-from-another-browser"):
        sent = dict(data, csrf=token) if token else data
        answer = client.post(path, data=sent)
        assert answer.status_code == 400, (path, answer.status_code)
        assert "The form had expired" in answer.text
        assert sessions.COOKIE_NAME not in answer.cookies  # nobody signed in or out
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "http:/evil.example",
                                    "javascript:alert(1)"])
def test_sign_in_never_sends_a_person_to_another_site(running: RunningApp,
                                                      target: str) -> None:
    client = httpx.Client(base_url=running.url, follow_redirects=False, timeout=30)
    csrf = _csrf_of(client, "/signin")
    answer = client.post("/signin", params={"next": target},
                         data={"username": username("Ana"), "password": PASSWORD,
                               "csrf": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    # Signed in already, the sign-in page sends on at once: to this site only.
    again = client.get("/signin", params={"next": target})
    assert again.status_code == 303 and again.headers["location"] == "/"


def test_a_stranger_and_a_wrong_password_hear_the_same(running: RunningApp) -> None:
    """User enumeration: the answer does not tell whether the user name exists."""
    client = httpx.Client(base_url=running.url, follow_redirects=False, timeout=30)
    answers = []
    for name in ("stella", "nobody-by-this-name"):
        csrf = _csrf_of(client, "/signin")
        answer = client.post("/signin", data={"username": name, "password": "wrong password!",
                                              "csrf": csrf})
        found = re.search(r"role='alert'>([^<]+)<", answer.text)
        answers.append((answer.status_code, found[1] if found else answer.text))
    assert answers[0] == answers[1] and answers[0][0] == 401


# 1. A demoted administrator keeps administrator downloads --------------------------


def test_a_download_is_refused_once_the_role_that_allowed_it_is_gone(
        running: RunningApp, browser: Any) -> None:
    ben_page = browser.new_context(viewport={"width": 1400, "height": 1600},
                                   accept_downloads=True).new_page()
    open_page(ben_page, f"{running.url}/accounts", who="Ben")
    ben_page.get_by_role("tab", name="Access log").click()
    settle(ben_page)
    link = ben_page.get_by_role("link", name="Download the access log (CSV)")
    with ben_page.expect_download(timeout=20_000) as allowed:
        link.click()
    assert allowed.value.suggested_filename == "access-log.csv"
    # Meanwhile another administrator takes Ben's administrator role away.
    ana = browser.new_context(viewport={"width": 1400, "height": 2400}).new_page()
    open_page(ana, f"{running.url}/accounts", who="Ana")
    by_key(ana, "account_chosen").locator("input").first.click()
    ana.get_by_role("option", name="Ben (ben)").click()
    settle(ana)
    ana.get_by_text(re.compile(r"^Administrator of everything \(")).click()
    ana.get_by_role("button", name="Save the details").click()
    settle(ana)
    # Ben follows the same link on the page still open: the app server checks his role
    # as it is now and sends a refusal instead of the file.
    downloads: list[Any] = []
    ben_page.context.on("download", lambda download: downloads.append(download))
    with ben_page.context.expect_page(timeout=20_000) as opened:
        link.click()
    refusal = opened.value
    refusal.wait_for_load_state()
    assert "you cannot read the access log." in refusal.content()
    ben_page.wait_for_timeout(2_000)
    assert downloads == []
    ben_page.context.close()
    ana.context.close()


def test_a_downloads_builder_checks_the_person_when_it_runs(tmp_path: Path) -> None:
    """The same at the level of the code: the builder made while allowed, run after."""
    con = open_database(tmp_path / "strategy.duckdb")
    with access.acting(Identity.shell("Test set-up")):
        admin = accounts.create_account(con, "first", "First Admin", PASSWORD,
                                        is_administrator=True)
        other = accounts.create_account(con, "second", "Second Admin", PASSWORD,
                                        is_administrator=True)
    token = sessions.start_session(con, account_id=other.id, method="password",
                                   address="127.0.0.1")
    from strategy.ui.session import deferred

    build = deferred(lambda: b"the access log", token, con)
    assert build() == b"the access log"
    with access.acting(sessions.account_identity(con, admin.id)):
        accounts.update_account(con, other.id, "Second Admin", None, is_administrator=False)
    from strategy.identity import access_log

    refused = deferred(lambda: access_log.access_log_csv(con), token, con)
    with pytest.raises(AccessDenied):
        refused()
    sessions.end_session(con, token)
    with pytest.raises(AccessDenied, match="signed out"):
        build()


# 2 and 3. Files that hold data are readable by their owner only ----------------------


def _modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir() if p.is_file()}


def test_the_running_apps_files_are_its_owners_alone(running: RunningApp) -> None:
    client = _signed_in(running, "Stella")  # writes: a session, the access log
    assert client.get("/").status_code == 200
    folder = running.db_path.parent
    modes = {name: mode for name, mode in _modes(folder).items()
             if name.startswith(running.db_path.name)}
    assert running.db_path.name + ".wal" in modes or running.db_path.name in modes
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_the_command_lines_backup_and_database_are_its_owners_alone(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    (tmp_path / "backups").mkdir()
    env = {**os.environ, "STRATEGY_DB": str(db)}
    for command in (["demo"], ["backup", "--out", str(tmp_path / "backups")]):
        done = subprocess.run([sys.executable, "-m", "strategy", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    (zipped,) = (tmp_path / "backups").glob("*.zip")
    assert stat.S_IMODE(zipped.stat().st_mode) == 0o600
    for name, mode in _modes(tmp_path).items():
        assert mode & 0o077 == 0, (name, oct(mode))


# 4. Any website could sign a person out ----------------------------------------------


def test_showing_the_sign_in_page_does_not_end_a_session(running: RunningApp) -> None:
    client = _signed_in(running, "Stella")
    shown = client.get("/signin")  # what a link from another site makes a browser do
    # Still signed in, so sent on to the app; the session cookie is left as it was.
    assert (shown.status_code, shown.headers["location"]) == (303, "/")
    assert sessions.COOKIE_NAME not in shown.headers.get("set-cookie", "")
    assert client.get("/").status_code == 200


# 5. Security headers on every response ---------------------------------------------


@pytest.mark.parametrize("path", ["/", "/overview", "/vision", "/_stcore/health", "/signin"])
def test_every_response_carries_the_security_headers(running: RunningApp, path: str) -> None:
    client = _signed_in(running, "Stella")
    answer = client.get(path)
    policy = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy, (path, policy)
    assert answer.headers.get("x-content-type-options") == "nosniff"
    assert answer.headers.get("referrer-policy")
    assert answer.headers.get("x-frame-options") == "DENY"


def test_the_app_works_in_the_browser_under_its_policy(running: RunningApp,
                                                       browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1300, "height": 1200}).new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    for path in ("/", "/vision", "/measures", "/accounts", "/self-check"):
        open_page(page, f"{running.url}{path}", who="Ana")
        page.get_by_test_id("stMain").wait_for()
    assert refused == []
    page.context.close()


def test_the_page_shell_fetches_the_element_scripts_ahead(running: RunningApp,
                                                          browser: Any) -> None:
    """A signed-in page has the browser fetch the scripts of tables, charts and inputs
    beside its own, so the first table or chart a person opens does not wait for them
    (issue: every click idle within 0.5 s)."""
    shell = _signed_in(running, "Ana").get("/")
    assert shell.status_code == 200
    named = re.findall(r'modulepreload" href="\./static/js/([A-Za-z-]+\.[A-Za-z0-9_-]+\.js)"',
                       shell.text)
    assert any(n.startswith("DataFrame.") for n in named)
    assert any(n.startswith("ArrowVegaLiteChart.") for n in named)
    for name in named:  # files of this install, served as any front-end file
        assert httpx.get(f"{running.url}/static/js/{name}", timeout=30).status_code == 200
    assert "modulepreload" not in httpx.get(running.url + "/", timeout=30).text  # unsigned
    page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    open_page(page, f"{running.url}/for-you", who="Ana")
    fetched = ("performance.getEntriesByType('resource').map(e => e.name)"
               ".filter(n => n.includes('/static/js/DataFrame.')).length")
    page.wait_for_function(f"{fetched} > 0", timeout=20_000)
    # The first table then needs nothing more than what was fetched.
    page.get_by_test_id("stSidebar").get_by_role("link", name="Accounts and access").click()
    page.get_by_test_id("stDataFrame").first.wait_for()
    assert page.evaluate(fetched) == 1
    page.context.close()


# 6. A captured remind request replayed after a restart --------------------------------


def test_a_remind_request_runs_once_even_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "strategy.duckdb"
    secret = "s" * 64
    body = b'{"nonce": "abc123", "database": "x", "today": "2026-11-20", "dry_run": true}'
    now = time.time()
    headers = {remind_via_app.TIMESTAMP_HEADER.lower(): str(int(now)),
               remind_via_app.SIGNATURE_HEADER.lower(): remind_via_app.signature(
                   remind_via_app.request_key(secret), str(int(now)), body)}
    con = open_database(db)
    first = remind_via_app.check(secret, "127.0.0.1", headers, body, now, {}, con)
    assert isinstance(first, dict)
    con.close()
    remind_via_app.forget_nonces_in_memory()  # what a restart of the server does
    con = open_database(db)
    again = remind_via_app.check(secret, "127.0.0.1", headers, body, now + 5, {}, con)
    assert isinstance(again, remind_via_app.Answer) and again.status == 401
    assert "sent before" in again.body["error"]


# 7. The page shell under paths only near the public routes --------------------------


@pytest.mark.parametrize("path", ["/join/x/y", "/setup/x/y", "/join/ABC/", "/setup//x"])
def test_no_page_is_served_below_the_public_routes(running: RunningApp, path: str) -> None:
    answer = httpx.get(running.url + path, follow_redirects=False, timeout=30)
    assert answer.status_code in (303, 401, 404), (path, answer.status_code)
    assert "<div id=\"root\"" not in answer.text


# 8. A disabled account learns nothing of its password ------------------------------


def test_a_disabled_account_hears_what_a_wrong_password_hears(tmp_path: Path) -> None:
    con = open_database(tmp_path / "strategy.duckdb")
    with access.acting(Identity.shell("Test set-up")):
        accounts.create_account(con, "root", "Root", PASSWORD, is_administrator=True)
        dora = accounts.create_account(con, "dora", "Dora", PASSWORD)
        accounts.set_disabled(con, dora.id, True)
    with pytest.raises(accounts.SignInRefused) as right:
        accounts.authenticate(con, "dora", PASSWORD, "10.0.0.1")
    with pytest.raises(accounts.SignInRefused) as wrong:
        accounts.authenticate(con, "dora", "not the password at all", "10.0.0.2")
    assert right.value.message == wrong.value.message
    # The administrator still sees why in the access log.
    logged = con.execute("SELECT detail FROM access_log WHERE event = 'sign-in refused'"
                         ).fetchall()
    assert ("the account is disabled",) in logged


def test_a_room_signing_in_at_once_from_one_address_is_let_in(running: RunningApp) -> None:
    """Issue 21: ten people behind a venue's one address press Sign in together."""
    from concurrent.futures import ThreadPoolExecutor

    people = [username(name) for name in ROSTER] + ["stella"]

    def sign_in(who: str) -> int:
        client = httpx.Client(base_url=running.url, follow_redirects=False, timeout=60)
        csrf = _csrf_of(client, "/signin")
        return client.post("/signin", data={"username": who, "password": PASSWORD,
                                            "csrf": csrf}).status_code

    with ThreadPoolExecutor(len(people)) as pool:
        statuses = list(pool.map(sign_in, people))
    assert statuses == [303] * len(people)


# Last: guessing. The failures slow every later sign-in from this address for a
# quarter of an hour, as they would an attacker's.


def test_password_guessing_is_slowed_even_for_the_right_password(running: RunningApp) -> None:
    client = httpx.Client(base_url=running.url, follow_redirects=False, timeout=30)
    # Five failures from one address (two were made above, by the enumeration test).
    statuses = [client.post("/signin", data={"username": "stella",
                                             "password": f"guess number {attempt}",
                                             "csrf": _csrf_of(client, "/signin")}).status_code
                for attempt in range(5)]
    assert statuses[:3] == [401, 401, 401] and statuses[-1] == 429, statuses
    answer = client.post("/signin", data={"username": "stella", "password": PASSWORD,
                                          "csrf": _csrf_of(client, "/signin")})
    assert answer.status_code == 429
    assert re.search(r"Too many failed attempts\. Wait \d+ seconds", answer.text)
    assert sessions.COOKIE_NAME not in answer.cookies
