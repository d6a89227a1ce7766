"""Single sign-on with an OpenID Connect provider.

Configured as Streamlit documents it for ``st.login``, in ``.streamlit/secrets.toml``
(or the file named by ``STRATEGY_SECRETS_FILE``)::

    [auth]
    redirect_uri = "https://planner.example.org/oauth2callback"
    cookie_secret = "a long random text"
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://login.example.org/.well-known/openid-configuration"

    [strategy_sso]
    label = "Example login"          # the button reads "Sign in with Example login"
    role_claim = "groups"            # the claim that carries the person's groups
    scope = "openid email profile groups"   # what to ask for; the default has no "groups"
    # Where the provider sends a person who signed out there too (register it with
    # the provider); by default the sign-in page beside redirect_uri.
    post_logout_redirect_uri = "https://planner.example.org/signin?signed_out=1"
    [strategy_sso.roles]
    "planner-admins" = "administrator"           # administrator of everything
    "hr-riverbend" = "hr@Riverbend Water"        # HR in one organisation
    "service-leaders" = "leader"                 # leader in every organisation

For each organisation the first rule (in this order) that matches one of the
person's groups decides. Roles that come from groups are set again at every
sign-on and taken away with the group; a person whose groups map to nothing in an
organisation keeps the role an administrator gave them there. An existing account
is linked only through an e-mail address the provider has verified.

Claims the ID token does not carry (most providers put only ``sub`` there in the
code flow) are read from the provider's userinfo endpoint, whose ``sub`` must be
the ID token's. Signing out ends the planner's session; a person who came through
single sign-on is then offered to sign out at the provider too (RP-initiated
logout, with the ID token as ``id_token_hint``), which matters on a shared laptop.
The flow itself (state, nonce, PKCE, checking the ID token's signature, issuer
and audience) is Authlib's, the library Streamlit's own sign-in uses.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from strategy.core import access
from strategy.core.access import Identity, Role
from strategy.core.db import Connection, transaction
from strategy.core.errors import StrategyError, ValidationError
from strategy.identity import access_log, accounts


@dataclass(frozen=True)
class Settings:
    client_id: str
    client_secret: str
    server_metadata_url: str
    redirect_uri: str
    label: str = "single sign-on"
    role_claim: str = "groups"
    roles: dict[str, str] = field(default_factory=dict)
    scope: str = "openid email profile"
    post_logout_redirect_uri: str = ""

    def after_sign_out(self) -> str:
        """Where the provider sends the person back after signing out there."""
        if self.post_logout_redirect_uri:
            return self.post_logout_redirect_uri
        parts = urlsplit(self.redirect_uri)
        return urlunsplit((parts.scheme, parts.netloc, "/signin", "signed_out=1", ""))


def secrets_file() -> Path:
    return Path(os.environ.get("STRATEGY_SECRETS_FILE") or Path(".streamlit") / "secrets.toml")


def _load() -> Settings | None:
    path = secrets_file()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    auth = data.get("auth")
    if not isinstance(auth, dict):
        return None
    needed = ("client_id", "client_secret", "server_metadata_url", "redirect_uri")
    if not all(isinstance(auth.get(k), str) and auth.get(k) for k in needed):
        return None
    found = data.get("strategy_sso")
    ours: dict[str, Any] = found if isinstance(found, dict) else {}
    mapping = ours.get("roles")
    roles: dict[str, Any] = mapping if isinstance(mapping, dict) else {}
    return Settings(client_id=str(auth["client_id"]), client_secret=str(auth["client_secret"]),
                    server_metadata_url=str(auth["server_metadata_url"]),
                    redirect_uri=str(auth["redirect_uri"]),
                    label=str(ours.get("label") or "single sign-on"),
                    role_claim=str(ours.get("role_claim") or "groups"),
                    roles={str(k): str(v) for k, v in roles.items()},
                    scope=_scope(ours.get("scope")),
                    post_logout_redirect_uri=str(ours.get("post_logout_redirect_uri") or ""))


def _scope(raw: Any) -> str:
    words = str(raw or "").split() or ["openid", "email", "profile"]
    if "openid" not in words:  # without it there is no ID token: not OpenID Connect
        words.insert(0, "openid")
    return " ".join(words)


@lru_cache(maxsize=1)
def _cached(path: str, mtime: float) -> Settings | None:
    return _load()


def settings() -> Settings:
    found = _current()
    if found is None:
        raise StrategyError("Single sign-on is not configured.")
    return found


def _current() -> Settings | None:
    path = secrets_file()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _cached(str(path), mtime)


def configured() -> bool:
    return _current() is not None


def provider_label() -> str:
    found = _current()
    return found.label if found else "single sign-on"


_clients: dict[tuple[str, str, str], Any] = {}


def client() -> Any:
    """Authlib's Starlette client for the configured provider."""
    from authlib.integrations.starlette_client import OAuth  # type: ignore[import-untyped]

    found = settings()
    key = (found.client_id, found.client_secret, found.server_metadata_url)
    if key not in _clients:
        oauth = OAuth()
        oauth.register("provider", client_id=found.client_id, client_secret=found.client_secret,
                       server_metadata_url=found.server_metadata_url,
                       client_kwargs={"scope": found.scope,
                                      "code_challenge_method": "S256"})
        _clients[key] = oauth.provider
    return _clients[key]


# What the planner reads about a person; a claim missing from the ID token is asked of
# the userinfo endpoint.
def needs_userinfo(claims: dict[str, Any], found: Settings) -> bool:
    return any(name not in claims for name in ("email", "email_verified", "name",
                                                found.role_claim))


def with_userinfo(claims: dict[str, Any], userinfo: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims, completed from the userinfo response.

    OpenID Connect Core 5.3.2: the userinfo response is about the person the ID token
    names only if its ``sub`` is the same; otherwise it must not be used. The ID
    token's own claims win (they are signed)."""
    if str(userinfo.get("sub", "")) != str(claims.get("sub", "")):
        raise StrategyError("The sign-on provider's answers did not agree about who you are. "
                            "Try again, or sign in with a password.")
    return {**userinfo, **claims}


def end_session_url(end_session_endpoint: str, id_token_hint: str, found: Settings) -> str:
    """The provider's sign-out address for this sign-in (RP-initiated logout 1.0)."""
    query = urlencode({"id_token_hint": id_token_hint, "client_id": found.client_id,
                       "post_logout_redirect_uri": found.after_sign_out()})
    return f"{end_session_endpoint}{'&' if '?' in end_session_endpoint else '?'}{query}"


def mapped_roles(con: Connection, claims: dict[str, Any],
                 found: Settings) -> tuple[bool, dict[int, Role]]:
    """(administrator?, role per organisation) from the person's groups claim.

    The mapping is read in the order of the settings file; for each organisation the
    first rule that matches one of the person's groups decides (roles are not ranked:
    HR and Leader each may what the other may not)."""
    raw = claims.get(found.role_claim) or []
    groups = {str(g) for g in ([raw] if isinstance(raw, str) else raw)}
    admin = False
    roles: dict[int, Role] = {}
    orgs = dict(con.execute("SELECT lower(name), id FROM organisation").fetchall())
    for group, target in found.roles.items():
        if group not in groups:
            continue
        role_name, _, org_name = target.partition("@")
        try:
            role = Role(role_name.strip().lower())
        except ValueError:
            continue
        if role is Role.ADMINISTRATOR and not org_name.strip():
            admin = True
            continue
        if org_name.strip():
            org_ids = [orgs[org_name.strip().lower()]] if org_name.strip().lower() in orgs \
                else []
        else:
            org_ids = list(orgs.values())
        for org_id in org_ids:
            roles.setdefault(org_id, role)
    return admin, roles


def _username(con: Connection, claims: dict[str, Any], email: str | None) -> str:
    """A user name for a new account that no one else has."""
    base = (email or str(claims.get("preferred_username") or "")
            or f"sso-{claims['sub']}").replace(" ", "_")[:100]
    candidate, n = base, 1
    while con.execute("SELECT 1 FROM account WHERE username_key = ?",
                      [candidate.lower()]).fetchone():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def account_for(con: Connection, claims: dict[str, Any], address: str) -> accounts.Account:
    """The account of a person the provider vouched for, made or updated as needed."""
    found = settings()
    if not claims.get("sub"):
        raise StrategyError("The sign-on provider did not say who you are.")
    subject = f"{claims.get('iss', '')} {claims['sub']}".strip()
    email = str(claims.get("email") or "").strip() or None
    if email and "@" not in email:
        email = None  # not an address: nothing to store or to link by
    # Only an address the provider has verified may link to an existing account, and
    # only to that account's own e-mail address (never its user name).
    verified = email if email and claims.get("email_verified") is True else None
    display = str(claims.get("name") or claims.get("preferred_username") or email
                  or claims["sub"]).strip()[:80]
    admin, roles = mapped_roles(con, claims, found)
    with access.acting(Identity.shell(f"{display} (single sign-on)")):
        row = con.execute("SELECT id FROM account WHERE sso_subject = ?", [subject]).fetchone()
        if row is None and verified:
            row = con.execute("SELECT id FROM account WHERE sso_subject IS NULL AND "
                              "lower(email) = ?", [verified.lower()]).fetchone()
            if row is not None:
                with transaction(con):
                    con.execute("UPDATE account SET sso_subject = ? WHERE id = ?",
                                [subject, row[0]])
                    access_log.log(con, "account linked", f"to single sign-on by {verified}",
                                   account_id=int(row[0]), address=address)
        if row is None:
            taken = con.execute("SELECT 1 FROM account WHERE lower(display_name) = ?",
                                [display.lower()]).fetchone()
            username = _username(con, claims, email)
            if taken:
                display = f"{display} ({username})"[:80]
            account = accounts.create_account(con, username, display, None, email=email,
                                              sso_subject=subject)
        else:
            account = accounts.get_account(con, int(row[0]))
        if account.disabled_at is not None:
            with transaction(con):
                access_log.log(con, "sign-in refused", "the account is disabled (single sign-on)",
                               who=account.display_name, account_id=account.id, address=address)
            raise StrategyError("This account is disabled. Ask an administrator.")
        _apply_roles(con, account, admin, roles)
    return accounts.get_account(con, account.id)


def _apply_roles(con: Connection, account: accounts.Account, admin: bool,
                 roles: dict[int, Role]) -> None:
    """Make the roles that come from the provider what its groups say now.

    Roles an administrator gave stay unless a group maps to that organisation;
    roles that came from groups go when the group goes."""
    row = con.execute("SELECT administrator_from_sso FROM account WHERE id = ?",
                      [account.id]).fetchone()
    admin_from_sso = bool(row and row[0])
    if admin and not account.is_administrator:
        with transaction(con):
            con.execute("UPDATE account SET is_administrator = true, administrator_from_sso = "
                        "true WHERE id = ?", [account.id])
            access_log.log(con, "role changed", f"{account.display_name}: administrator of "
                           "everything given (single sign-on group)", account_id=account.id)
    elif not admin and account.is_administrator and admin_from_sso:
        try:
            accounts.update_account(con, account.id, account.display_name, account.email, False)
            con.execute("UPDATE account SET administrator_from_sso = false WHERE id = ?",
                        [account.id])
        except ValidationError:
            # The only active administrator keeps the rights, so the app is never left
            # without one; the access log says so.
            with transaction(con):
                access_log.log(con, "role kept", f"{account.display_name}: left the "
                               "administrators' group but is the only administrator",
                               account_id=account.id)
    current = {m.org_id: m for m in accounts.memberships(con, account.id)}
    for org_id, membership in current.items():
        if membership.source == "single sign-on" and org_id not in roles:
            accounts.set_role(con, account.id, org_id, None)
    for org_id, role in roles.items():
        held = current.get(org_id)
        if held is None or held.role != role or held.source != "single sign-on":
            accounts.set_role(con, account.id, org_id, role, source="single sign-on")
