"""A small, real OpenID Connect provider for tests: the authorization-code flow with PKCE,
RS256 ID tokens, a JWKS, userinfo and RP-initiated logout, served by uvicorn on localhost.

It stands in for the organisation's identity provider so that browser tests can sign in
through the same redirects, token exchange and signature checks as production. It is for
tests only: users sign in by typing a user name (no password), and everything lives in
memory for the life of the instance.

    with OidcProvider({"hana": {"sub": "u-hana", "email": "hana@example.org"}}) as idp:
        configure_the_app(issuer=idp.issuer, client_id=idp.client_id, ...)
        ...  # the browser fills "User name" with "hana" and presses "Sign in"
        assert idp.signed_in == ["hana"]
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import ipaddress
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

import httpx
import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CODE_LIFETIME = 120
TOKEN_LIFETIME = 3600
SCOPES = ["openid", "profile", "email", "groups"]
# RFC 7636 §4.1: 43-128 characters from the unreserved set.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """An error the token endpoint reports as JSON (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="token"'
        return JSONResponse({"error": self.error, "error_description": self.description},
                            status_code=self.status, headers=headers)


@dataclass(frozen=True)
class AuthRequest:
    """What the relying party asked for at /authorize, kept until the user signs in."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None


@dataclass(frozen=True)
class Grant:
    """An issued authorization code: who signed in and the request it answers."""

    username: str
    request: AuthRequest
    expires_at: float


@dataclass
class AccessToken:
    username: str
    expires_at: float
    scope: str


class OidcProvider:
    """An OpenID Connect provider on 127.0.0.1, one confidential client, users by name.

    ``users`` maps each login name to the claims its tokens carry (``sub``, ``email``,
    ``name``, ``groups``, ...); ``sub`` defaults to the login name. Redirect URIs must be
    loopback URLs (the app under test runs on a port chosen at run time); set
    ``redirect_uris`` to pin them to exact values instead.
    """

    def __init__(self, users: dict[str, dict[str, Any]], client_id: str = "strategy-test",
                 client_secret: str = "test-secret") -> None:
        self.users = users
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris: set[str] = set()
        # Login names, in order, of every completed token exchange.
        self.signed_in: list[str] = []
        self.issuer = ""
        self._key: RSAKey | None = None
        self._pending: dict[str, AuthRequest] = {}
        self._codes: dict[str, Grant] = {}
        # Spent codes remember the token they bought, so a replay can revoke it
        # (RFC 6749 §4.1.2: a code used twice may have been stolen).
        self._spent_codes: dict[str, str | None] = {}
        self._tokens: dict[str, AccessToken] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/authorize", self._authorize, methods=["GET", "POST"]),
            Route("/token", self._token, methods=["POST"]),
            Route("/jwks", self._jwks),
            Route("/userinfo", self._userinfo, methods=["GET", "POST"]),
            Route("/logout", self._logout, methods=["GET", "POST"]),
        ])

    # --- Lifecycle ------------------------------------------------------------------

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self, timeout: float = 10.0) -> str:
        """Serve on a free port in a daemon thread; returns the issuer URL once it answers."""
        if self._server is not None:
            raise RuntimeError("the provider is already running")
        self._key = RSAKey.generate_key(2048, auto_kid=True)
        # Binding the socket here, not letting uvicorn pick a port, leaves no window in
        # which another process could take the port between choosing and listening.
        # The explicit IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on connections
        # whose socket says so, and without it every keep-alive request stalls 40 ms.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        self.issuer = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"oidc-provider-{port}", daemon=True)
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + timeout
        while True:
            if not thread.is_alive():
                self._cleanup()
                raise RuntimeError("the OIDC provider stopped while starting")
            if server.started:
                try:
                    if httpx.get(self.metadata_url, timeout=1.0).status_code == 200:
                        return self.issuer
                except httpx.TransportError:
                    pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the OIDC provider did not answer within {timeout} s")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> OidcProvider:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # --- Endpoints --------------------------------------------------------------------
    # Every handler runs on the server's one event loop and none awaits between checking
    # and spending a code, so a code cannot be redeemed twice by racing requests.

    async def _discovery(self, request: Request) -> JSONResponse:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": SCOPES,
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
                                 "email", "name", "groups"],
        })

    async def _jwks(self, request: Request) -> JSONResponse:
        key = self._signing_key()
        public = dict(key.as_dict(private=False))
        public.update({"use": "sig", "alg": "RS256"})
        return JSONResponse({"keys": [public]})

    async def _authorize(self, request: Request) -> Response:
        if request.method == "GET":
            return self._begin_authorization(request)
        form = await request.form()
        request_id = _field(form, "request")
        pending = self._pending.get(request_id)
        if pending is None:
            return _page("Sign-in expired", "<p>This sign-in request is unknown or was "
                         "already used. Start again from the application.</p>", 400)
        username = _field(form, "username").strip()
        if username not in self.users:
            return self._sign_in_form(request_id, f"Unknown user name “{username}”.",
                                      username)
        del self._pending[request_id]
        code = secrets.token_urlsafe(32)
        self._codes[code] = Grant(username, pending, time.time() + CODE_LIFETIME)
        params = {"code": code}
        if pending.state is not None:
            params["state"] = pending.state
        return RedirectResponse(_with_query(pending.redirect_uri, params), status_code=303)

    def _begin_authorization(self, request: Request) -> Response:
        query = request.query_params
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        # RFC 6749 §4.1.2.1: with a bad client or redirect URI the provider must not
        # redirect, since it cannot know the destination is the client's.
        if client_id != self.client_id:
            return _page("Sign-in error", "<p>Unknown client.</p>", 400)
        if not self._redirect_allowed(redirect_uri):
            return _page("Sign-in error", "<p>The redirect URI is not allowed.</p>", 400)
        state = query.get("state")

        def refuse(error: str, description: str) -> Response:
            params = {"error": error, "error_description": description}
            if state is not None:
                params["state"] = state
            return RedirectResponse(_with_query(redirect_uri, params), status_code=303)

        if query.get("response_type") != "code":
            return refuse("unsupported_response_type", "only response_type=code")
        scope = query.get("scope", "")
        if "openid" not in scope.split():
            return refuse("invalid_scope", "the openid scope is required")
        challenge = query.get("code_challenge")
        if challenge is not None:
            # "plain" would let anyone who sees the request redeem the code.
            if query.get("code_challenge_method") != "S256":
                return refuse("invalid_request", "code_challenge_method must be S256")
            if not _VERIFIER.fullmatch(challenge):
                return refuse("invalid_request", "malformed code_challenge")
        request_id = secrets.token_urlsafe(16)
        self._pending[request_id] = AuthRequest(client_id, redirect_uri, scope, state,
                                                query.get("nonce"), challenge)
        return self._sign_in_form(request_id)

    def _sign_in_form(self, request_id: str, error: str = "", username: str = "") -> Response:
        message = f'<p role="alert" class="error">{html.escape(error)}</p>' if error else ""
        body = (
            f"{message}"
            '<form method="post" action="/authorize">'
            f'<input type="hidden" name="request" value="{html.escape(request_id)}">'
            '<p><label for="username">User name</label> '
            f'<input type="text" id="username" name="username" value="{html.escape(username)}"'
            ' autocomplete="username" autofocus></p>'
            '<p><button type="submit">Sign in</button></p>'
            "</form>"
        )
        return _page("Sign in", body, 200)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        try:
            self._authenticate_client(request, form)
            if _field(form, "grant_type") != "authorization_code":
                raise OAuthError("unsupported_grant_type", "only authorization_code")
            grant = self._redeem(form)
        except OAuthError as error:
            return error.response()
        now = int(time.time())
        access_token = secrets.token_urlsafe(32)
        self._tokens[access_token] = AccessToken(grant.username, now + TOKEN_LIFETIME,
                                                 grant.request.scope)
        self._spent_codes[_field(form, "code")] = access_token
        self.signed_in.append(grant.username)
        return JSONResponse({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": grant.request.scope,
            "id_token": self._id_token(grant, now),
        }, headers=_NO_STORE)

    def _authenticate_client(self, request: Request, form: FormData) -> None:
        header = request.headers.get("authorization", "")
        posted = "client_secret" in form
        if header[:6].lower() == "basic ":
            if posted:
                raise OAuthError("invalid_request", "use one client authentication method")
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "malformed basic credentials",
                                 401) from None
            client_id, _, secret = decoded.partition(":")
        elif posted:
            client_id, secret = _field(form, "client_id"), _field(form, "client_secret")
        else:
            raise OAuthError("invalid_client", "client authentication is required", 401)
        if not (self._matches(client_id, self.client_id)
                and self._matches(secret, self.client_secret)):
            raise OAuthError("invalid_client", "unknown client or wrong secret", 401)
        if "client_id" in form and _field(form, "client_id") != self.client_id:
            raise OAuthError("invalid_client", "client_id does not match", 401)

    @staticmethod
    def _matches(given: str, expected: str) -> bool:
        # RFC 6749 §2.3.1 form-encodes credentials inside Basic auth, yet many clients
        # (Authlib among them) send them raw; a test provider accepts both spellings.
        return any(hmac.compare_digest(candidate.encode(), expected.encode())
                   for candidate in (given, unquote_plus(given)))

    def _redeem(self, form: FormData) -> Grant:
        code = _field(form, "code")
        if code in self._spent_codes:
            revoked = self._spent_codes[code]
            if revoked is not None:
                self._tokens.pop(revoked, None)
            raise OAuthError("invalid_grant", "the code was already used")
        grant = self._codes.pop(code, None)
        if grant is None:
            raise OAuthError("invalid_grant", "unknown code")
        # Whatever happens next the code is spent: one presentation per code.
        self._spent_codes[code] = None
        if grant.expires_at < time.time():
            raise OAuthError("invalid_grant", "the code has expired")
        if grant.request.client_id != self.client_id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if _field(form, "redirect_uri") != grant.request.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the request")
        verifier = form.get("code_verifier")
        if grant.request.code_challenge is None:
            if verifier is not None:
                raise OAuthError("invalid_grant", "no code_challenge was sent")
        else:
            if not isinstance(verifier, str) or not _VERIFIER.fullmatch(verifier):
                raise OAuthError("invalid_grant", "a valid code_verifier is required")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            if not hmac.compare_digest(expected, grant.request.code_challenge):
                raise OAuthError("invalid_grant", "code_verifier does not match")
        return grant

    def _id_token(self, grant: Grant, now: int) -> str:
        key = self._signing_key()
        claims: dict[str, Any] = {"sub": grant.username, **self.users[grant.username]}
        claims.update({
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "auth_time": now,
        })
        if grant.request.nonce is not None:
            claims["nonce"] = grant.request.nonce
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])

    async def _userinfo(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        token = self._tokens.get(header[7:]) if header[:7].lower() == "bearer " else None
        if token is None or token.expires_at < time.time():
            return JSONResponse({"error": "invalid_token"}, status_code=401,
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        user = self.users[token.username]
        return JSONResponse({"sub": token.username, **user}, headers=_NO_STORE)

    async def _logout(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({k: v for k, v in (await request.form()).items()
                           if isinstance(v, str)})
        target = params.get("post_logout_redirect_uri")
        if target:
            if not self._redirect_allowed(target):
                return _page("Sign-out error", "<p>The redirect URI is not allowed.</p>", 400)
            extra = {"state": params["state"]} if "state" in params else {}
            return RedirectResponse(_with_query(target, extra), status_code=303)
        return _page("Signed out", "<p>Signed out.</p>", 200)

    # --- Helpers ----------------------------------------------------------------------

    def _signing_key(self) -> RSAKey:
        if self._key is None:
            raise RuntimeError("the provider has not been started")
        return self._key

    def _redirect_allowed(self, uri: str) -> bool:
        if self.redirect_uris:
            return uri in self.redirect_uris
        try:
            parts = urlsplit(uri)
            host = parts.hostname or ""
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and loopback and not parts.fragment


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _with_query(uri: str, params: dict[str, str]) -> str:
    if not params:
        return uri
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{urlencode(params)}"


def _page(title: str, body: str, status: int) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status, headers=_NO_STORE)
