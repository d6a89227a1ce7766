"""`python -m strategy remind` while the app holds the database: the app sends the
reminders, through a real SMTP server (aiosmtpd) that the test starts, and refuses
requests without proof. One app start for the module."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller

from strategy.core.db import forget_shared, held_by_another_process, open_database
from strategy.core.orgs import create_organisation
from strategy.identity import sessions
from strategy.io import remind_via_app as via_app
from tests.conftest import RunningApp, free_port, serve
from tests.test_remind import (
    ANNIE_BODY,
    SENDER,
    Inbox,
    add_linked_accounts,
    remind,
    smtp_env,
)

LOCAL_STDOUT = ("Sent 1 e-mail through 127.0.0.1; 1 linked account with nothing due, 1 linked "
                "account with something due but no e-mail address.\n")
LOCAL_STDERR = "Error: the mail server refused frank@acme.example: 550 5.1.1 No such mailbox here\n"


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox(refuse={"frank@acme.example"})
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory,
        inbox: tuple[Inbox, int]) -> Iterator[RunningApp]:
    """The app on Acme's database, with the mail settings only it has."""
    path = tmp_path_factory.mktemp("remind") / "strategy.duckdb"
    con = open_database(path)
    add_linked_accounts(con, create_organisation(con, "Acme Services"))
    con.close()
    for running in serve(path, extra_env=smtp_env(inbox[1])):
        # The app opens the file at its first request (the sign-in page reads it), and
        # from then on keeps it open.
        with urllib.request.urlopen(running.url + "/signin", timeout=30):
            pass
        assert held_by_another_process(path)
        yield running


@pytest.fixture
def received(inbox: tuple[Inbox, int]) -> Iterator[Inbox]:
    inbox[0].received.clear()
    yield inbox[0]


def through(app: RunningApp, *args: str, **env: str) -> Any:
    """The command, with no mail settings of its own, while the app holds the file."""
    return remind(app.db_path, *args, STRATEGY_APP_URL=app.url, **env)


def post(app: RunningApp, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(app.url + via_app.PATH, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw.startswith(b"{") else {"text": raw.decode()}


def request_body(app: RunningApp, **more: Any) -> bytes:
    return json.dumps({"database": str(app.db_path), "org": None, "today": "2026-05-20",
                       "dry_run": True, "user": "test", "nonce": f"n{time.monotonic_ns()}",
                       **more}).encode()


def signed(app: RunningApp, body: bytes, secret: str | None = None,
           at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    key = via_app.request_key(secret or sessions.signing_secret(app.db_path))
    return {via_app.TIMESTAMP_HEADER: timestamp,
            via_app.SIGNATURE_HEADER: via_app.signature(key, timestamp, body)}


def test_while_the_app_runs_the_command_sends_through_it(app: RunningApp,
                                                          received: Inbox) -> None:
    started = time.monotonic()
    result = through(app)
    seconds = time.monotonic() - started
    # The same lines and exit status as when the command sends by itself
    # (test_remind.py): Frank's address is refused, the rest go.
    assert (result.stdout, result.stderr) == (LOCAL_STDOUT, LOCAL_STDERR)
    assert result.returncode == 1
    ((sender, recipients, mail),) = received.received
    assert (sender, recipients) == (SENDER, ["annie@acme.example"])
    assert mail["To"] == "Annie <annie@acme.example>"
    assert mail["Subject"] == "For you: 8 things to do in Acme Services"
    # The app's STRATEGY_BASE_URL gives the link: the command has none.
    assert mail.get_content().replace("\r\n", "\n") == ANNIE_BODY
    assert seconds < 30


def test_the_command_finds_the_app_on_its_own_port(app: RunningApp, received: Inbox) -> None:
    """Issue 22, item 7: after ``PORT=8621 make run``, remind looked on 8501. The app
    says where it listens beside its database (this test's app is on a random port),
    and the command, given no STRATEGY_APP_URL, goes there."""
    announced = via_app.address_file(app.db_path).read_text("utf-8").strip()
    assert announced == app.url
    assert via_app.app_url({}, app.db_path) == app.url
    assert via_app.app_url({"STRATEGY_APP_URL": "http://10.0.0.5:9000"},
                           app.db_path) == "http://10.0.0.5:9000"  # a setting still wins
    result = remind(app.db_path, "--dry-run")
    assert result.returncode in (0, 1), result.stderr
    assert "does not answer" not in result.stderr and "For you" in result.stdout


def test_a_dry_run_through_the_app_prints_and_sends_nothing(app: RunningApp,
                                                            received: Inbox) -> None:
    result = through(app, "--dry-run", "--org", "acme services")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(
        "To: Annie <annie@acme.example>\nSubject: For you: 8 things to do in Acme Services\n\n"
        + ANNIE_BODY)
    assert "To: Frank <frank@acme.example>\nSubject: For you: 1 thing to do in Acme" \
        in result.stdout
    assert result.stdout.endswith(
        "Dry run, nothing sent: 2 e-mails to send; 1 linked account with nothing due, 1 linked "
        "account with something due but no e-mail address.\n")
    assert received.received == []


def test_the_apps_refusals_are_the_commands_errors(app: RunningApp, received: Inbox) -> None:
    result = through(app, "--org", "Nowhere")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and "Nowhere" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing answers where the command looks for the app: both problems, in a sentence.
    closed = free_port()
    result = remind(app.db_path, STRATEGY_APP_URL=f"http://127.0.0.1:{closed}")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"Error: The database {app.db_path} is in use by another program (the app, most "
        f"likely), and the app does not answer at http://127.0.0.1:{closed} (")
    assert "Nothing was sent. Set STRATEGY_APP_URL" in result.stderr
    assert received.received == []


def test_requests_without_proof_are_refused_and_send_nothing(app: RunningApp,
                                                              received: Inbox) -> None:
    real = request_body(app, dry_run=False)
    refusals = [
        post(app, real, {}),  # no signature
        post(app, real, signed(app, real, secret="not the app's secret")),
        post(app, real, signed(app, real, at=time.time() - 6 * 60)),  # too old
        post(app, real, signed(app, real, at=time.time() + 6 * 60)),  # from the future
        # Signed, then altered on the way.
        post(app, real.replace(b'"org": null', b'"org": "Acme Services"'),
             signed(app, real)),
        post(app, real, {via_app.TIMESTAMP_HEADER: "soon", via_app.SIGNATURE_HEADER: "0" * 64}),
    ]
    assert [status for status, _ in refusals] == [401] * len(refusals)
    assert [answer["error"] for _, answer in refusals] == [
        "it carries no signature.", "its signature is wrong.",
        "it was signed more than 5 minutes away from the app's time.",
        "it was signed more than 5 minutes away from the app's time.",
        "its signature is wrong.", "its timestamp is not a number of seconds."]
    # Through a proxy, even one on this machine: refused before the signature counts.
    status, answer = post(app, real, {**signed(app, real), "X-Forwarded-For": "203.0.113.9"})
    assert status == 403 and "Only the machine the app runs on" in answer["error"]
    # A signed request runs once; sent again, it is refused.
    dry = request_body(app)
    headers = signed(app, dry)
    assert post(app, dry, headers)[0] == 200
    assert post(app, dry, headers) == (401, {"error": "it was sent before (a request is run "
                                                      "once)."})
    # Signed for another database than the one the app has open.
    other = request_body(app, database=str(app.db_path.parent / "other.duckdb"))
    status, answer = post(app, other, signed(app, other))
    assert status == 409 and "STRATEGY_APP_URL" in answer["error"]
    # Only this path skips sign-in, and only for POST.
    for path in (via_app.PATH + "/", "/_strategy/other"):
        request = urllib.request.Request(app.url + path, data=real, method="POST",
                                         headers=signed(app, real))
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
        assert refused.value.read() == b"Sign in first."
    with urllib.request.urlopen(app.url + via_app.PATH, timeout=10) as response:
        assert response.url.startswith(app.url + "/signin?")
    # The command with a secret other than the app's is told what to check.
    result = through(app, STRATEGY_SECRET="not the app's secret")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: The app at {app.url} refused the request: its "
                                    "signature is wrong. Run the command as the user who runs "
                                    "the app")
    assert received.received == []


def test_when_the_app_stops_the_command_sends_by_itself(
        app: RunningApp, received: Inbox, inbox: tuple[Inbox, int]) -> None:
    # Last in this module: it stops the app.
    app.process.terminate()
    app.process.wait(timeout=30)
    con = duckdb.connect(str(app.db_path), read_only=True)
    # The run through the app is in the access log, named after who asked.
    ((who, detail),) = con.execute("SELECT who, detail FROM access_log WHERE event = "
                                   "'reminders sent'").fetchall()
    con.close()
    assert who.endswith(" (command line, via the app)")
    assert detail == "1 e-mail sent, 1 refused (Acme Services)"
    # The app's address is never tried when the file is free; the mail settings are
    # the command's own then.
    result = remind(app.db_path, STRATEGY_APP_URL=f"http://127.0.0.1:{free_port()}",
                    **smtp_env(inbox[1]))
    assert (result.stdout, result.stderr, result.returncode) == \
        (LOCAL_STDOUT, LOCAL_STDERR, 1)
    assert [r for _, r, _ in received.received] == [["annie@acme.example"]]


# --- The app's side, in this process -----------------------------------------------


def test_only_this_machine_unless_a_setting_says_otherwise() -> None:
    body = b'{"nonce": "x"}'
    assert isinstance(via_app.check("s", "192.0.2.7", {}, body, time.time(), env={}),
                      via_app.Answer)
    for local in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        answer = via_app.check("s", local, {}, body, time.time(), env={})
        assert isinstance(answer, via_app.Answer) and answer.status == 401, local
    answer = via_app.check("s", "192.0.2.7", {}, body, time.time(),
                           env={"STRATEGY_REMIND_ALLOW_REMOTE": "1"})
    assert isinstance(answer, via_app.Answer) and answer.status == 401  # still needs proof
    timestamp = str(int(time.time()))
    headers = {via_app.TIMESTAMP_HEADER.lower(): timestamp,
               via_app.SIGNATURE_HEADER.lower(): via_app.signature(
                   via_app.request_key("s"), timestamp, b'{"nonce": "remote-1"}')}
    assert via_app.check("s", "192.0.2.7", headers, b'{"nonce": "remote-1"}', time.time(),
                         env={"STRATEGY_REMIND_ALLOW_REMOTE": "yes"}) == {"nonce": "remote-1"}


def test_an_app_without_a_mail_server_says_so(tmp_path: Path) -> None:
    path = tmp_path / "strategy.duckdb"
    open_database(path).close()
    options = {"database": str(path), "org": None, "today": "2026-05-20", "dry_run": False,
               "user": "ana"}
    try:
        answer = via_app.run(options, path, env={})
        assert answer == via_app.Answer(422, {"error": via_app.NOT_CONFIGURED_IN_APP})
        # One run at a time: a second one meanwhile would send everyone two e-mails.
        with via_app._running:
            assert via_app.run(options, path, env={}).status == 409
            assert via_app.run({**options, "dry_run": True}, path, env={}).status == 200
    finally:
        forget_shared(path)
