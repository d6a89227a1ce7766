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
    [strategy_sso.roles]
    "service-leaders" = "leader"                 # leader in every organisation
    "hr-riverbend" = "hr@Riverbend Water"        # HR in one organisation
    "planner-admins" = "administrator"           # administrator of everything

A person whose groups map to no role keeps the roles an administrator gave them.
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

from . import access, accounts
from .access import ACCOUNT_ROLES, Identity, Role
from .db import Connection, transaction
from .errors import StrategyError


@dataclass(frozen=True)
class Settings:
    client_id: str
    client_secret: str
    server_metadata_url: str
    redirect_uri: str
    label: str = "single sign-on"
    role_claim: str = "groups"
    roles: dict[str, str] = field(default_factory=dict)


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
                    roles={str(k): str(v) for k, v in roles.items()})


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
                       client_kwargs={"scope": "openid email profile",
                                      "code_challenge_method": "S256"})
        _clients[key] = oauth.provider
    return _clients[key]


def mapped_roles(con: Connection, claims: dict[str, Any],
                 found: Settings) -> tuple[bool, dict[int, Role]]:
    """(administrator?, role per organisation) from the person's groups claim."""
    groups = claims.get(found.role_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    admin = False
    roles: dict[int, Role] = {}
    orgs = dict(con.execute("SELECT lower(name), id FROM organisation").fetchall())
    rank = {role: i for i, role in enumerate(ACCOUNT_ROLES)}
    for group in groups:
        target = found.roles.get(str(group))
        if not target:
            continue
        role_name, _, org_name = target.partition("@")
        try:
            role = Role(role_name.strip().lower())
        except ValueError:
            continue
        if role is Role.ADMINISTRATOR and not org_name:
            admin = True
            continue
        org_ids = [orgs[org_name.strip().lower()]] if org_name else list(orgs.values())
        for org_id in org_ids:
            if org_name.strip() and org_name.strip().lower() not in orgs:
                continue
            # Someone in two groups gets the stronger role.
            if org_id not in roles or rank[role] < rank[roles[org_id]]:
                roles[org_id] = role
    return admin, roles


def account_for(con: Connection, claims: dict[str, Any], address: str) -> accounts.Account:
    """The account of a person the provider vouched for, made or updated as needed."""
    found = settings()
    subject = f"{claims.get('iss', '')} {claims.get('sub', '')}".strip()
    if not claims.get("sub"):
        raise StrategyError("The sign-on provider did not say who you are.")
    email = str(claims.get("email") or "").strip() or None
    display = str(claims.get("name") or claims.get("preferred_username") or email
                  or claims["sub"]).strip()[:80]
    admin, roles = mapped_roles(con, claims, found)
    with access.acting(Identity.shell(f"{display} (single sign-on)")):
        row = con.execute("SELECT id FROM account WHERE sso_subject = ?", [subject]).fetchone()
        if row is None and email:
            row = con.execute("SELECT id FROM account WHERE sso_subject IS NULL AND "
                              "(username_key = ? OR lower(email) = ?)",
                              [email.lower(), email.lower()]).fetchone()
            if row is not None:
                with transaction(con):
                    con.execute("UPDATE account SET sso_subject = ? WHERE id = ?",
                                [subject, row[0]])
        if row is None:
            username = email or str(claims.get("preferred_username") or claims["sub"])
            taken = con.execute("SELECT 1 FROM account WHERE lower(display_name) = ?",
                                [display.lower()]).fetchone()
            if taken:
                display = f"{display} ({username})"[:80]
            account = accounts.create_account(con, username.replace(" ", "_"), display, None,
                                              email=email, is_administrator=admin,
                                              sso_subject=subject)
        else:
            account = accounts.get_account(con, int(row[0]))
        if account.disabled_at is not None:
            with transaction(con):
                accounts.log(con, "sign-in refused", "the account is disabled (single sign-on)",
                             who=account.display_name, account_id=account.id, address=address)
            raise StrategyError("This account is disabled. Ask an administrator.")
        if admin and not account.is_administrator:
            accounts.update_account(con, account.id, account.display_name, account.email, True)
        current = {m.org_id: m.role for m in accounts.memberships(con, account.id)}
        for org_id, role in roles.items():
            if current.get(org_id) != role:
                accounts.set_role(con, account.id, org_id, role)
    return accounts.get_account(con, account.id)
