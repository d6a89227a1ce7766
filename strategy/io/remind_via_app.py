"""``python -m strategy remind`` while the app runs: the app sends the reminders.

DuckDB lets one process open a database file, and the app keeps its file open
all the time. So when the command finds the file in use, it asks the running app
(``STRATEGY_APP_URL``, by default http://127.0.0.1:8501) to run the same code on
the app's own connection: ``POST /_strategy/remind`` with the command's options
as JSON. The app answers with the same report the command prints.

Why this is safe to expose: the request must carry an HMAC-SHA256 of its
timestamp and body, keyed by a key derived from the server's signing secret
(``STRATEGY_SECRET``, or ``<database>.secret``, which only the database's owner
can read). Whoever can read that secret can open the database file itself, so
the endpoint gives them nothing new. The timestamp may be at most five minutes
old and each request carries a random nonce the app remembers for that long, so
a request seen on the way cannot be sent again. The app answers only this
machine (loopback addresses, and nothing a proxy forwarded) unless
``STRATEGY_REMIND_ALLOW_REMOTE`` says otherwise; the signature is checked
either way. No crypto of our own: stdlib ``hmac``/``hashlib``/``secrets``.

The e-mails are sent by the app, with the app's own mail settings
(``STRATEGY_SMTP_*``) and ``STRATEGY_BASE_URL``: the process that sends is the
one whose settings count. An app without a mail server says so, and the command
stops with exit status 1.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from strategy.core import access
from strategy.core.access import Identity
from strategy.core.db import Connection, forget_shared, shared_connection, transaction
from strategy.core.errors import ConflictError, StrategyError
from strategy.io import remind
from strategy.io.names import DEFAULT_APP_URL

PATH = "/_strategy/remind"
TIMESTAMP_HEADER = "X-Strategy-Timestamp"
SIGNATURE_HEADER = "X-Strategy-Signature"
MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 4096
# Sending to a large organisation takes a while; the app carries on if the command
# stops waiting, so this only bounds how long cron waits to hear the outcome.
ANSWER_TIMEOUT_SECONDS = 1800
# Forwarded by a proxy: the request came from elsewhere, whatever address it shows.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
_KEY_PURPOSE = b"strategy: remind through the running app, v1"

NOT_CONFIGURED_IN_APP = (
    "E-mail is not set up in the app that holds the database: the app sends the reminders "
    "while it runs, with its own settings. Set STRATEGY_SMTP_HOST and STRATEGY_SMTP_FROM "
    "(and, as the server needs, STRATEGY_SMTP_PORT, STRATEGY_SMTP_SECURITY, "
    "STRATEGY_SMTP_USER, STRATEGY_SMTP_PASSWORD) where the app is started, and restart it. "
    "Nothing was sent; --dry-run shows the e-mails without sending them.")


def address_file(database: Path) -> Path:
    """Where the running app writes the address it listens on, beside its database."""
    return database.with_name(database.name + ".app")


def announce(database: Path, url: str) -> None:
    """Say where this app listens, for ``remind`` (the file is the owner's only, like
    every file the app writes: the process's umask)."""
    # If it cannot be written, remind needs STRATEGY_APP_URL, as it says when it fails.
    with suppress(OSError):
        address_file(database).write_text(url + "\n", "utf-8")


def app_url(env: Mapping[str, str] | None = None, database: Path | None = None) -> str:
    """STRATEGY_APP_URL; else the address the app holding ``database`` announced; else
    the default."""
    env = os.environ if env is None else env
    announced = ""
    if database is not None:
        try:
            announced = address_file(database).read_text("utf-8").strip()
        except OSError:
            announced = ""
    url = (env.get("STRATEGY_APP_URL", "").strip() or announced
           or DEFAULT_APP_URL).rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StrategyError(f"STRATEGY_APP_URL is “{url}”: write the app's address like "
                            f"{DEFAULT_APP_URL}.")
    return url


def request_key(secret: str) -> bytes:
    """A key for this purpose only, derived from the server's signing secret (which
    also signs sign-in cookies): a signature made for one never passes for the other."""
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    # The timestamp is digits only, so the parts cannot run into each other.
    message = b"\n".join([b"POST", PATH.encode("ascii"), timestamp.encode("ascii"), body])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- The command's side ---------------------------------------------------------------


class AppNotAnswering(StrategyError):
    """Nothing (or not this app) answered at the app's address."""


def ask_app(url: str, secret: str, database: Path, org: str | None, today: date,
            dry_run: bool, user: str, timeout: float = ANSWER_TIMEOUT_SECONDS) -> remind.Report:
    """Have the app at ``url`` run the reminders; its report, or an error in words."""
    body = json.dumps({"database": str(database.resolve()), "org": org,
                       "today": today.isoformat(), "dry_run": dry_run, "user": user,
                       "nonce": secrets.token_urlsafe(16)}).encode("utf-8")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        url + PATH, data=body, method="POST",
        headers={"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                 SIGNATURE_HEADER: signature(request_key(secret), timestamp, body)})
    # Straight to the app, never through an HTTP proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except TimeoutError as exc:
        raise StrategyError(f"The app at {url} took more than {timeout:.0f} seconds to answer. "
                            "It carries on without the command: its access log shows "
                            "“reminders sent” when it has finished.") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise AppNotAnswering(f"the app does not answer at {url} "
                              f"({_why(getattr(exc, 'reason', exc), timeout)})") from exc
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if status >= 500:
            raise StrategyError(f"The app at {url} failed while running the reminders (HTTP "
                                f"{status}); its log says why. Its access log shows "
                                "“reminders sent” if e-mails went out.")
        raise AppNotAnswering(f"what answers at {url} is not this app, or an older version of "
                              f"it (HTTP {status}, not a reminder report)")
    if status == 200:
        try:
            return remind.Report.from_json(answer)
        except ValueError as exc:
            raise AppNotAnswering(f"the app at {url} answered with something else than a "
                                  f"reminder report ({exc})") from exc
    problem = str(answer.get("error") or f"HTTP {status}")
    if status == 401:
        raise StrategyError(
            f"The app at {url} refused the request: {problem} Run the command as the user "
            "who runs the app, on the same database file, with the same STRATEGY_SECRET if "
            "the app is given one, on a machine whose clock is right.")
    raise StrategyError(problem)


def _why(reason: object, timeout: float) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "nothing listens there"
    if isinstance(reason, socket.gaierror):
        return "no such host"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:.0f} seconds"
    return str(reason)


# --- The app's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def _refused(status: int, message: str) -> Answer:
    return Answer(status, {"error": message})


_seen: dict[str, float] = {}  # nonce: when it may be forgotten
_seen_lock = threading.Lock()
_running = threading.Lock()


def forget_nonces_in_memory() -> None:
    """What a restart of the server does to anything kept in memory."""
    with _seen_lock:
        _seen.clear()


def _fresh_nonce(nonce: str, now: float, con: Connection | None = None) -> bool:
    """Whether this nonce is new. Kept in the database (``con``), so a request captured
    before a restart is still refused after it; in memory as well, for a check made
    without the database."""
    until = now + 2 * MAX_AGE_SECONDS
    with _seen_lock:
        for old in [n for n, when in _seen.items() if when < now]:
            del _seen[old]
        if nonce in _seen:
            return False
        if con is not None:
            try:
                with transaction(con):
                    con.execute("DELETE FROM remind_nonce WHERE forget_after < ?", [now])
                    con.execute("INSERT INTO remind_nonce (nonce, forget_after) VALUES (?, ?)",
                                [nonce, until])
            except (ConflictError, duckdb.ConstraintException):
                return False
        _seen[nonce] = until
        return True


def _local(client: str | None) -> bool:
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _allow_remote(env: Mapping[str, str]) -> bool:
    return env.get("STRATEGY_REMIND_ALLOW_REMOTE", "").strip().lower() in ("1", "yes", "true")


def check(secret: str, client: str | None, headers: Mapping[str, str], body: bytes,
          now: float, env: Mapping[str, str] | None = None,
          con: Connection | None = None) -> Answer | dict[str, Any]:
    """The request's options if it may be run; otherwise the refusal to send back.

    ``headers`` has lower-case names. The database (``con``) is used only to remember
    the request's nonce, once its signature is right."""
    env = os.environ if env is None else env
    if not _allow_remote(env) and (
            not _local(client) or any(h in headers for h in PROXY_HEADERS)):
        return _refused(403, "Only the machine the app runs on may ask it to send reminders "
                             "(set STRATEGY_REMIND_ALLOW_REMOTE=1 where the app is started to "
                             "allow others that have its secret).")
    timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
    sent = headers.get(SIGNATURE_HEADER.lower(), "")
    if not sent or not timestamp:
        return _refused(401, "it carries no signature.")
    if not timestamp.isdigit() or len(timestamp) > 12:
        return _refused(401, "its timestamp is not a number of seconds.")
    expected = signature(request_key(secret), timestamp, body)
    if not hmac.compare_digest(sent.encode("ascii", "replace"), expected.encode("ascii")):
        return _refused(401, "its signature is wrong.")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return _refused(401, f"it was signed more than {MAX_AGE_SECONDS // 60} minutes "
                             "away from the app's time.")
    try:
        options = json.loads(body)
        if not isinstance(options, dict) or not isinstance(options.get("nonce"), str):
            raise ValueError("no nonce")
    except ValueError:
        return _refused(400, "The request is not a reminder request.")
    if not _fresh_nonce(options["nonce"], now, con):
        return _refused(401, "it was sent before (a request is run once).")
    return options


def run(options: Mapping[str, Any], database: Path,
        env: Mapping[str, str] | None = None) -> Answer:
    """Run a checked request on the app's shared connection (a cursor of its own)."""
    try:
        sent_db = Path(str(options["database"]))
        org = options.get("org")
        today = date.fromisoformat(str(options["today"]))
        dry_run = options["dry_run"]
        user = " ".join(str(options.get("user") or "unknown user").split())[:100]
        if (org is not None and not isinstance(org, str)) or not isinstance(dry_run, bool):
            raise ValueError("wrong types")
    except (KeyError, ValueError):
        return _refused(400, "The request is not a reminder request.")
    if not _same_file(sent_db, database):
        return _refused(409, f"The app serves the database {database.resolve()}, not "
                             f"{sent_db}: set STRATEGY_APP_URL to the app that has that file "
                             "open.")
    # Two runs at once (cron and someone by hand) would send everyone two e-mails.
    if not dry_run and not _running.acquire(blocking=False):
        return _refused(409, "The app is sending reminders already; nothing more was sent.")
    try:
        with access.acting(Identity.shell(f"{user} (command line, via the app)")):
            cursor = shared_connection(database).cursor()
            try:
                report = remind.run(cursor, org, today, dry_run=dry_run, env=env,
                                    not_configured=NOT_CONFIGURED_IN_APP)
            finally:
                with suppress(duckdb.Error):
                    cursor.close()
    except StrategyError as exc:
        return _refused(422, exc.message)
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.FatalException):
            forget_shared(database)
        return _refused(500, f"The app's database refused this "
                             f"({str(exc).splitlines()[0][:200]}).")
    finally:
        if not dry_run:
            _running.release()
    return Answer(200, report.to_json())


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False
