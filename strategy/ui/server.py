"""The web server: Streamlit's app behind sign-in, served as an ASGI application.

``streamlit run strategy/ui/server.py`` (what ``make run`` does) finds the
``st.App`` below and serves it with uvicorn. Our Starlette middleware stands in
front of everything Streamlit serves: a browser without a valid session cookie
gets the sign-in page and nothing else — no page, no script, no websocket, so
no organisation data can reach it. Sign-in, the first administrator's set-up
link, joining a workshop and single sign-on are plain Starlette routes.
"""

from __future__ import annotations

import html
import importlib
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import streamlit as st
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from strategy.core import access
from strategy.core import db as storage
from strategy.core.errors import NotFoundError, StrategyError
from strategy.identity import accounts, sessions, sso, workshops
from strategy.io import downloads, remind_via_app
from strategy.plan.steps import STEPS
from strategy.ui import runner_handover

log = logging.getLogger(__name__)

# Every file the app writes holds data (the database's write-ahead log, the signing
# secret, temporary files of downloads): readable by the owner only. DuckDB makes its
# files with the process's umask, so it is set before the database is opened.
os.umask(0o077)

# A run's last messages (a toast among them) reach the browser before its next run.
runner_handover.install()

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"
CSRF_COOKIE = "strategy_form"
VISION_PATH = "/" + next(s.slug for s in STEPS if s.number == 3)

# Paths a browser may open before signing in. Everything else, including
# Streamlit's own scripts and its websocket, needs a session.
PUBLIC_PATHS = ("/signin", "/signout", "/signout/provider", "/join", "/auth/login",
                "/oauth2callback", "/_stcore/health")
# A set-up link and a workshop's join link: one token or code after the slash, nothing
# more (Streamlit answers any other path with its page shell).
PUBLIC_PATTERN = re.compile(r"/(setup|join)/[A-Za-z0-9_-]+")
# Streamlit's front end: its scripts, styles and fonts, the same for every install and
# holding no data. A page drawn for a session that has since ended (a guest's, when
# the workshop closes) still loads the scripts of its buttons from here.
FRONT_END = (Path(st.__file__).resolve().parent / "static").resolve()

# Sent with every response, Streamlit's included. Streamlit's front end needs inline
# styles, its own scripts (Vega's charts compile expressions, hence 'unsafe-eval')
# and its websocket; nothing may frame the app.
APP_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
              "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
              "font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self' blob:; "
              "frame-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
              "frame-ancestors 'none'")
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY")]


# Streamlit fetches the script of each kind of element the first time a page draws
# one: the first table (about 0.25 s) or chart (about 0.5 s) a person opened waited for
# them. The page shell names them for the browser to fetch and compile beside its own
# (modulepreload: nothing runs until a page draws one), so a click finds them ready,
# even the first one after the page loads. Only files of this install are named.
PREFETCHED = ("DataFrame", "ArrowVegaLiteChart", "vega-interpreter", "TextInput",
              "TextArea", "NumberInput", "Multiselect", "Radio", "DateInput", "Checkbox",
              "ButtonGroup", "DownloadButton", "LinkButton", "FileUploader", "Slider")


def _prefetch_links() -> bytes:
    scripts = FRONT_END / "static" / "js"
    found = sorted(file.name for file in scripts.glob("*.js")
                   if file.name.split(".", 1)[0] in PREFETCHED and file.name.count(".") == 2)
    # File names of Streamlit's build: letters, digits, "-", "_" and ".".
    return "".join(f'<link rel="modulepreload" href="./static/js/{name}">'
                   for name in found).encode("ascii")


PREFETCH = _prefetch_links()


def _with_prefetch(send: Send) -> Send:
    """``send`` that adds :data:`PREFETCH` to the page shell (Streamlit's index.html)."""
    held: dict[str, Any] = {}
    body: list[bytes] = []

    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            if (headers.get(b"content-type", b"").startswith(b"text/html")
                    and b"content-encoding" not in headers and message.get("status") == 200):
                held["start"] = message
                return
        elif message["type"] == "http.response.body" and "start" in held:
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            page = b"".join(body).replace(b"</head>", PREFETCH + b"</head>", 1)
            start = held.pop("start")
            sized = [(name, str(len(page)).encode("ascii") if name == b"content-length"
                      else value) for name, value in start.get("headers", [])]
            await send({**start, "headers": sized})
            await send({"type": "http.response.body", "body": page})
            return
        await send(message)
    return sending


def connection() -> storage.Connection:
    return storage.shared_connection(storage.database_path()).cursor()


def secret() -> str:
    return sessions.signing_secret(storage.database_path())


def address_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no session
                return None
            if name in jar:
                return jar[name].value
    return None


def identity_from_cookie(raw: str | None) -> Any:
    if not raw:
        return None
    token = sessions.unsign(secret(), raw, sessions.session_hours() * 3600)
    if token is None:
        return None
    return sessions.identity_for(connection(), token)


def front_end_asset(path: str) -> bool:
    """Whether ``path`` names one of Streamlit's front-end files (and nothing else:
    an unknown path under /static/ would be answered with the page shell)."""
    if not path.startswith("/static/") or "\x00" in path:
        return False
    file = (FRONT_END / path.lstrip("/")).resolve()
    return file.is_relative_to(FRONT_END / "static") and file.is_file()


def _with_security_headers(send: Send) -> Send:
    """``send`` that adds the security headers to a response that lacks them (the
    sign-in pages set a stricter policy of their own)."""

    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers += [(n, v) for n, v in SECURITY_HEADERS if n not in present]
            if b"content-security-policy" not in present:
                headers.append((b"content-security-policy", APP_POLICY.encode("ascii")))
            message = {**message, "headers": headers}
        await send(message)
    return sending


class RequireSignIn:
    """Refuse every request without a valid session, before Streamlit sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            if scope["type"] == "lifespan":
                # The server is starting to serve: say where, and load what pages use
                # (not on import, which tests and tools do without serving anything).
                _announce()
                _warm_up()
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http":
            send = _with_security_headers(send)
        path = scope.get("path", "/")
        if path in PUBLIC_PATHS or PUBLIC_PATTERN.fullmatch(path):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD") \
                and front_end_asset(path):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope.get("method") == "POST" \
                and path == remind_via_app.PATH:
            # The command line's request checks its own proof, a signature that only
            # the database's owner can make, instead of a browser's session. (Only POST:
            # Streamlit would answer a GET of any path with its page.)
            await self.app(scope, receive, send)
            return
        raw = _cookie_value(scope, sessions.COOKIE_NAME)
        identity = await run_in_threadpool(identity_from_cookie, raw) if raw else None
        if identity is not None:
            if scope["type"] == "http" and scope.get("method") == "GET" and PREFETCH \
                    and not path.startswith(("/_stcore", "/media", "/component", "/download")):
                send = _with_prefetch(send)
                # The shell is small: sent plain, so that the links can be added to it.
                scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", [])
                                              if k.lower() != b"accept-encoding"]}
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # Closing before accepting refuses the handshake (HTTP 403).
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope.get("method") == "GET" and not path.startswith("/_stcore"):
            target = path + (("?" + scope["query_string"].decode("latin-1"))
                             if scope.get("query_string") else "")
            response: Response = RedirectResponse("/signin?" + urlencode({"next": target}),
                                                  status_code=303)
        else:
            response = PlainTextResponse("Sign in first.", status_code=401)
        if raw:
            response.delete_cookie(sessions.COOKIE_NAME, path="/")
        await response(scope, receive, send)


# --- Pages -----------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f7f8;
color:#1f2a30;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002;padding:2rem 2.2rem;
width:min(26rem,92vw)}
h1{font-size:1.35rem;margin:0 0 .3rem}p{line-height:1.45}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #b8c4c9;border-radius:6px;
font-size:1rem}
button,.button{display:inline-block;margin-top:1.2rem;background:#0f6b7a;color:#fff;border:0;
border-radius:6px;padding:.65rem 1.2rem;font-size:1rem;cursor:pointer;text-decoration:none}
.secondary{background:#fff;color:#0f6b7a;border:1px solid #0f6b7a}
.error{background:#fdecea;color:#8a1c12;border-radius:6px;padding:.6rem .8rem}
.note{color:#55656d;font-size:.9rem}
"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A small self-contained page: no script, nothing from the organisation."""
    return HTMLResponse(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} · Service strategy planner</title>"
        f"<style>{_STYLE}</style></head><body><main>{body}</main></body></html>",
        status_code=status, headers={"Cache-Control": "no-store",
                                     "X-Frame-Options": "DENY",
                                     "Content-Security-Policy": "default-src 'none'; "
                                     "style-src 'unsafe-inline'; img-src data:; "
                                     "form-action 'self'; frame-ancestors 'none'"})


def _error(message: str | None) -> str:
    return f"<p class='error' role='alert'>{html.escape(message)}</p>" if message else ""


def _csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def _with_csrf(response: HTMLResponse, token: str, request: Request) -> HTMLResponse:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_is_https(request), path="/")
    return response


def _csrf_ok(request: Request, form: Any) -> bool:
    sent = str(form.get("csrf", ""))
    kept = request.cookies.get(CSRF_COOKIE, "")
    return bool(sent) and secrets.compare_digest(sent, kept)


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or \
        request.headers.get("x-forwarded-proto", "").lower() == "https"


def _safe_next(target: str | None) -> str:
    # Only a path on this server: never another site.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signed_in(request: Request, token: str, target: str,
               max_age: float | None = None) -> RedirectResponse:
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(sessions.COOKIE_NAME, sessions.sign(secret(), token),
                        max_age=int(max_age or sessions.session_hours() * 3600), httponly=True,
                        samesite="lax", secure=_is_https(request), path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def _signin_form(request: Request, message: str | None = None, username: str = "",
                 status: int = 200) -> HTMLResponse:
    con = connection()
    target = _safe_next(request.query_params.get("next"))
    if accounts.account_count(con) == 0:
        return page("Set up", "<h1>No account yet</h1><p>This app has no accounts yet. Open the "
                    "one-time set-up link printed in the console where the app was started, or "
                    "run <code>python -m strategy user add NAME --role admin</code> on the "
                    "server.</p>")
    token = _csrf(request)
    sso_button = ""
    if sso.configured():
        sso_button = (f"<p><a class='button secondary' href='/auth/login?next="
                      f"{quote(target)}'>Sign in with {html.escape(sso.provider_label())}</a></p>")
    notice = ""
    if request.query_params.get("signed_out"):
        notice = "<p class='note'>You have signed out.</p>"
    body = (
        "<h1>Sign in</h1><p class='note'>Service strategy planner</p>" + notice
        + _error(message)
        + f"<form method='post' action='/signin?next={html.escape(quote(target))}'>"
        f"<input type='hidden' name='csrf' value='{html.escape(token)}'>"
        "<label for='username'>User name or e-mail</label>"
        f"<input id='username' name='username' autocomplete='username' required "
        f"value='{html.escape(username)}' autofocus>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit'>Sign in</button></form>" + sso_button
        + "<p class='note'>Joining a workshop? Use the link or code on the screen: "
        "<a href='/join'>join a workshop</a>.</p>")
    return _with_csrf(page("Sign in", body, status), token, request)


async def signin(request: Request) -> Response:
    if request.method == "GET":
        # Showing the page changes nothing (a link from any website can make a browser
        # open it): a browser still signed in goes on to the app, and only signing out
        # (a POST with its form's token) ends a session.
        held = request.cookies.get(sessions.COOKIE_NAME)
        if held and await run_in_threadpool(identity_from_cookie, held) is not None:
            return RedirectResponse(_safe_next(request.query_params.get("next", "/")),
                                    status_code=303)
        response = _signin_form(request)
        if held:
            response.delete_cookie(sessions.COOKIE_NAME, path="/")  # ended or expired
        return response
    form = await request.form()
    username = str(form.get("username", ""))[:200]
    if not _csrf_ok(request, form):
        return _signin_form(request, "The form had expired. Please sign in again.", username,
                            400)
    address = address_of(request.scope)

    def check() -> str:
        con = connection()
        account = accounts.authenticate(con, username, str(form.get("password", "")), address)
        return sessions.start_session(con, account_id=account.id, method="password",
                                      address=address)

    try:
        token = await run_in_threadpool(check)
    except accounts.SignInRefused as exc:
        return _signin_form(request, exc.message, username, 429 if exc.wait_seconds else 401)
    return _signed_in(request, token, request.query_params.get("next", "/"))


def _end(cookie: str) -> None:
    session = sessions.unsign(secret(), cookie, sessions.session_hours() * 3600)
    if session:
        sessions.end_session(connection(), session)


async def signout(request: Request) -> Response:
    raw = request.cookies.get(sessions.COOKIE_NAME)
    if request.method == "GET":
        token = _csrf(request)
        body = ("<h1>Sign out?</h1><form method='post' action='/signout'>"
                f"<input type='hidden' name='csrf' value='{html.escape(token)}'>"
                "<button type='submit'>Sign out</button></form>")
        return _with_csrf(page("Sign out", body), token, request)
    form = await request.form()
    if not _csrf_ok(request, form):
        token = _csrf(request)
        body = ("<h1>Sign out?</h1>" + _error("The form had expired. Press the button again.")
                + "<form method='post' action='/signout'>"
                f"<input type='hidden' name='csrf' value='{html.escape(token)}'>"
                "<button type='submit'>Sign out</button></form>")
        return _with_csrf(page("Sign out", body, 400), token, request)
    if raw:
        await run_in_threadpool(_end, raw)
        ended = sessions.unsign(secret(), raw, sessions.session_hours() * 3600)
        if ended and sso.configured() and await run_in_threadpool(
                sessions.single_sign_on_ended, connection(), ended):
            # Came through single sign-on: offer the provider's sign-out too. (A link,
            # not a redirect: the form may only lead back to this site.)
            label = html.escape(sso.provider_label())
            return page("Signed out", "<h1>You have signed out</h1><p>You are still signed "
                        f"in to {label} in this browser: on a shared computer, sign out "
                        f"there too.</p><p><a class='button' href='/signout/provider'>Sign "
                        f"out of {label} too</a></p><p><a href='/signin'>Sign in again</a>"
                        "</p>")
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def _provider_sign_out(raw: str) -> Response | None:
    """A redirect to the provider's sign-out for an ended single sign-on session, or
    None when there is nothing to sign out of there."""
    token = sessions.unsign(secret(), raw, sessions.session_hours() * 3600)
    if token is None or not sso.configured():
        return None
    hint = await run_in_threadpool(sessions.take_id_token_hint, connection(), token)
    if hint is None:
        return None
    try:
        metadata = await sso.client().load_server_metadata()
    except Exception as exc:  # the provider unreachable: the planner's sign-out stands
        log.warning("could not reach the sign-on provider to sign out: %s", exc)
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    response = RedirectResponse(sso.end_session_url(str(endpoint), hint, sso.settings()),
                                status_code=303)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


async def provider_signout(request: Request) -> Response:
    """Sign out at the single sign-on provider, after signing out of the planner.

    Only a session that has already ended is sent on (ending one takes the sign-out
    form or the app's own button), so a link from another site cannot end anything
    here; the provider asks the person before it ends its own sign-in."""
    raw = request.cookies.get(sessions.COOKIE_NAME)
    if raw:
        elsewhere = await _provider_sign_out(raw)
        if elsewhere is not None:
            return elsewhere
        if await run_in_threadpool(identity_from_cookie, raw) is not None:
            return RedirectResponse("/signout", status_code=303)
    return RedirectResponse("/signin?signed_out=1", status_code=303)


async def setup(request: Request) -> Response:
    link_token = request.path_params["token"]
    con = connection()
    if not await run_in_threadpool(accounts.setup_token_valid, con, link_token):
        return page("Set up", "<h1>This link cannot be used</h1><p>It was used already or has "
                    "expired. <a href='/signin'>Sign in</a>, or ask whoever runs the server for "
                    "a new link.</p>", 404)
    message = None
    values = {"username": "", "display_name": ""}
    if request.method == "POST":
        form = await request.form()
        values = {k: str(form.get(k, ""))[:200] for k in values}
        password = str(form.get("password", ""))
        if not _csrf_ok(request, form):
            message = "The form had expired. Please try again."
        elif password != str(form.get("password2", "")):
            message = "The two passwords are not the same."
        else:
            try:
                def create() -> str:
                    account = accounts.create_first_administrator(
                        con, link_token, values["username"], values["display_name"], password)
                    return sessions.start_session(con, account_id=account.id, method="set-up link",
                                                  address=address_of(request.scope))
                session = await run_in_threadpool(create)
                return _signed_in(request, session, "/")
            except StrategyError as exc:
                message = exc.message
    token = _csrf(request)
    body = (
        "<h1>Create the first administrator</h1><p class='note'>This link works once. The "
        "administrator can then add everyone else and give them roles.</p>" + _error(message)
        + f"<form method='post'><input type='hidden' name='csrf' value='{html.escape(token)}'>"
        "<label for='username'>User name or e-mail</label>"
        f"<input id='username' name='username' required value='{html.escape(values['username'])}'>"
        "<label for='display_name'>Your name, as others will see it</label>"
        f"<input id='display_name' name='display_name' required "
        f"value='{html.escape(values['display_name'])}'>"
        f"<label for='password'>Password (at least {accounts.MIN_PASSWORD} characters)</label>"
        "<input id='password' name='password' type='password' autocomplete='new-password' "
        "required><label for='password2'>The password again</label>"
        "<input id='password2' name='password2' type='password' autocomplete='new-password' "
        "required><button type='submit'>Create and sign in</button></form>")
    return _with_csrf(page("Set up", body), token, request)


async def join(request: Request) -> Response:
    code = workshops.normalise_code(request.path_params.get("code", "")
                                    or request.query_params.get("code", ""))
    message = None
    name = ""
    if request.method == "POST":
        form = await request.form()
        code = workshops.normalise_code(str(form.get("code", code)))
        name = str(form.get("name", ""))[:200]
        address = address_of(request.scope)
        if not _csrf_ok(request, form):
            message = "The form had expired. Please try again."
        else:
            def enter() -> tuple[workshops.Workshop, str]:
                con = connection()
                # Guessing codes is slowed per address: one person's typos never hold
                # up the rest of the room.
                wait = accounts.join_wait(con, address)
                if wait:
                    raise StrategyError(f"Too many wrong codes. Wait {wait} seconds, then try "
                                        "again.")
                try:
                    return workshops.join(con, code, name, address)
                except NotFoundError:
                    accounts.record_wrong_code(con, address)
                    raise

            try:
                workshop, session = await run_in_threadpool(enter)
            except StrategyError as exc:
                message = exc.message
            else:
                hours = max((workshop.expires_at - workshop.opened_at).total_seconds(), 60)
                return _signed_in(request, session, VISION_PATH, max_age=hours)
    token = _csrf(request)
    body = (
        "<h1>Join the workshop</h1><p class='note'>You join as a guest: you will see the vision "
        "page and its brainstorm wall. Your entries show your name.</p>" + _error(message)
        + f"<form method='post' action='/join'><input type='hidden' name='csrf' "
        f"value='{html.escape(token)}'><label for='code'>Workshop code</label>"
        f"<input id='code' name='code' required value='{html.escape(code)}' "
        "autocapitalize='characters' autocomplete='off'>"
        "<label for='name'>Your name</label>"
        f"<input id='name' name='name' required maxlength='{workshops.MAX_GUEST_NAME}' "
        f"value='{html.escape(name)}' autocomplete='name' autofocus>"
        "<button type='submit'>Join</button></form>"
        "<p class='note'>Have an account? <a href='/signin'>Sign in</a> instead.</p>")
    return _with_csrf(page("Join a workshop", body, 200 if not message else 400), token,
                      request)


async def sso_login(request: Request) -> Response:
    if not sso.configured():
        return page("Single sign-on", "<h1>Single sign-on is not set up</h1><p>"
                    "<a href='/signin'>Sign in with a password</a>.</p>", 404)
    request.session["sso_next"] = _safe_next(request.query_params.get("next"))
    try:
        client = sso.client()
        return await client.authorize_redirect(  # type: ignore[no-any-return]
            request, sso.settings().redirect_uri)
    except Exception as exc:  # the provider unreachable or misconfigured: say so
        log.warning("single sign-on could not start: %s", exc)
        return page("Single sign-on", _error("The sign-on provider cannot be reached just "
                                              "now. Try again later, or sign in with a "
                                              "password.")
                    + "<p><a href='/signin'>Back to sign-in</a></p>", 502)


async def sso_callback(request: Request) -> Response:
    if not sso.configured():
        return RedirectResponse("/signin", status_code=303)
    address = address_of(request.scope)
    try:
        token = await sso.client().authorize_access_token(request)
    except Exception as exc:  # the provider's or the library's refusal, in words
        log.warning("single sign-on failed: %s", exc)
        return page("Single sign-on", _error("Single sign-on did not complete. Try again, or "
                                              "sign in with a password.")
                    + "<p><a href='/signin'>Back to sign-in</a></p>", 400)
    claims = dict(token.get("userinfo") or {})
    try:
        if sso.needs_userinfo(claims, sso.settings()):
            metadata = await sso.client().load_server_metadata()
            if metadata.get("userinfo_endpoint"):
                found = await sso.client().userinfo(token=token)
                claims = sso.with_userinfo(claims, dict(found))
    except StrategyError as exc:
        return page("Single sign-on", _error(exc.message)
                    + "<p><a href='/signin'>Back to sign-in</a></p>", 403)
    except Exception as exc:  # the provider's userinfo unreachable or refusing
        log.warning("single sign-on could not read userinfo: %s", exc)
        return page("Single sign-on", _error("Single sign-on did not complete. Try again, or "
                                              "sign in with a password.")
                    + "<p><a href='/signin'>Back to sign-in</a></p>", 400)
    id_token = token.get("id_token")

    def enter() -> str:
        con = connection()
        account = sso.account_for(con, claims, address)
        return sessions.start_session(con, account_id=account.id, method="single sign-on",
                                      address=address,
                                      id_token_hint=str(id_token) if id_token else None)

    try:
        session = await run_in_threadpool(enter)
    except StrategyError as exc:
        return page("Single sign-on", _error(exc.message)
                    + "<p><a href='/signin'>Back to sign-in</a></p>", 403)
    return _signed_in(request, session, request.session.pop("sso_next", "/"))


async def remind_request(request: Request) -> Response:
    """``python -m strategy remind`` while the app holds the database: see
    :mod:`strategy.io.remind_via_app`."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > remind_via_app.MAX_BODY_BYTES:
            return JSONResponse({"error": "The request is too large."}, status_code=413)
    headers = dict(request.headers.items())  # names in lower case
    client = request.client.host if request.client else None

    def handle() -> remind_via_app.Answer:
        checked = remind_via_app.check(secret(), client, headers, body, time.time(),
                                       con=connection())
        if isinstance(checked, remind_via_app.Answer):
            return checked
        return remind_via_app.run(checked, storage.database_path())

    answer = await run_in_threadpool(handle)
    return JSONResponse(answer.body, status_code=answer.status,
                        headers={"Cache-Control": "no-store"})


async def download(request: Request) -> Response:
    """A large download (:mod:`strategy.io.downloads`), streamed as it is read.

    The middleware has checked the session; the person's permission is checked here,
    as they are now, and the link's key must be this session's."""
    what = request.path_params["what"]
    raw = request.cookies.get(sessions.COOKIE_NAME)
    token = sessions.unsign(secret(), raw, sessions.session_hours() * 3600) if raw else None
    if token is None or not downloads.key_matches(secret(), token, what,
                                                  request.query_params.get("key", "")):
        return page("Download", _error("This download link belongs to another session. "
                                       "Go back to the page and press the download again.")
                    + "<p><a href='/'>Back to the planner</a></p>", 403)
    query = dict(request.query_params.items())

    def start() -> downloads.Download:
        identity = identity_from_cookie(raw)
        if identity is None:
            raise access.AccessDenied("Sign in again.")
        reader, writer = connection(), connection()
        try:
            with access.acting(identity):
                opened = downloads.open_download(reader, writer, what, query)
        except BaseException:
            reader.close()
            raise
        finally:
            writer.close()

        def pieces() -> Iterator[bytes]:
            try:
                yield from opened.chunks
            finally:
                reader.close()

        return downloads.Download(opened.file_name, pieces(), opened.media_type)

    try:
        started = await run_in_threadpool(start)
    except StrategyError as exc:
        status = 403 if isinstance(exc, access.AccessDenied) else 400
        return page("Download", _error(exc.message)
                    + "<p><a href='/'>Back to the planner</a></p>", status)
    return StreamingResponse(
        iterate_in_threadpool(started.chunks), media_type=started.media_type,
        headers={"Content-Disposition": f'attachment; filename="{started.file_name}"',
                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


ROUTES = [
    Route(downloads.PATH + "{what}", download, methods=["GET"]),
    Route("/signin", signin, methods=["GET", "POST"]),
    Route("/signout", signout, methods=["GET", "POST"]),
    Route("/signout/provider", provider_signout, methods=["GET"]),
    Route("/setup/{token}", setup, methods=["GET", "POST"]),
    Route("/join", join, methods=["GET", "POST"]),
    Route("/join/{code}", join, methods=["GET", "POST"]),
    Route("/auth/login", sso_login, methods=["GET"]),
    Route("/oauth2callback", sso_callback, methods=["GET"]),
    Route(remind_via_app.PATH, remind_request, methods=["POST"]),
]

app = st.App(APP_SCRIPT, routes=ROUTES, middleware=[Middleware(RequireSignIn)])


def _warm_up() -> None:
    """Import every page's module, and with it what the pages use (charts, tables, the
    domain), on a thread of its own as the server starts. The first page anyone
    opened after a start ran for about 1 s on the server, most of it these imports,
    against 0.3 s for the next person (bench/bench_server.py, "first page after
    signing in")."""
    def load() -> None:
        from strategy.ui.navigation import page_specs

        for spec in page_specs():
            try:
                importlib.import_module(f"strategy.ui.pages.{spec.module}")
            except Exception:  # the page says what is wrong when it is opened
                log.exception("Could not load the page %s ahead of its first visit", spec.key)
    threading.Thread(target=load, name="warm-up", daemon=True).start()


def _announce() -> None:
    """Say where this server listens, beside its database, so that ``python -m
    strategy remind`` finds it on any port (``PORT=8621 make run``). On PostgreSQL
    the command line opens the database itself: nothing to say."""
    if storage.database_url() is not None:
        return
    host = str(st.get_option("server.address") or "") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):  # every interface: this machine reaches it on loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = f"http://{host}:{int(st.get_option('server.port'))}" + (f"/{base}" if base else "")
    remind_via_app.announce(storage.database_path(), url)
