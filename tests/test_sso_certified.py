"""Single sign-on against an OpenID Certified provider: panva's ``oidc-provider``, run
with Node on a loopback port (``tests/certified_provider.py``).

Where ``tests/oidc_provider.py`` is ours and can be made to misbehave, this one sends
what real identity providers send: an ID token with only ``sub`` in it (the rest is at
userinfo), groups only when the "groups" scope is asked for, PKCE required, keys of its
own, its own sign-in and consent pages, and RP-initiated logout that asks the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from strategy.core.access import Identity, Role, acting
from strategy.core.db import open_database
from strategy.demo.riverbend import DEMO_NAME, load_demo
from strategy.identity import accounts
from tests.browser import PASSWORD, settle
from tests.certified_provider import CertifiedProvider
from tests.conftest import RunningApp, database_copy, free_port, serve

HANA = {"email": "hana.okafor@example.org", "email_verified": True, "name": "Hana Okafor",
        "preferred_username": "hana.okafor", "groups": ["staff", "hr-riverbend"]}
# Has a password account already, with this address: the provider's verified address
# links the two.
ADA = {"email": "ada@example.org", "email_verified": True, "name": "Ada from the provider",
       "groups": ["service-leaders"]}


class Setup:
    def __init__(self, app: RunningApp, provider: CertifiedProvider, ada_id: int) -> None:
        self.app = app
        self.provider = provider
        self.ada_id = ada_id


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    folder = tmp_path_factory.mktemp("sso-certified")
    path = folder / "strategy.duckdb"
    con = open_database(path)
    with acting(Identity.shell("Test set-up")):
        load_demo(con)
        ada = accounts.create_account(con, "ada", "Ada Adams", PASSWORD,
                                      email="ada@example.org")
    con.close()
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    provider = CertifiedProvider({"hana": HANA, "ada": ADA}, f"{app_url}/oauth2callback",
                                 f"{app_url}/signin?signed_out=1")
    issuer = provider.start()
    secrets = folder / "secrets.toml"
    secrets.write_text(f"""
[auth]
redirect_uri = "{app_url}/oauth2callback"
cookie_secret = "test cookie secret"
client_id = "{provider.client_id}"
client_secret = "{provider.client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"

[strategy_sso]
label = "Company login"
role_claim = "groups"
scope = "openid email profile groups"
[strategy_sso.roles]
"hr-riverbend" = "hr@{DEMO_NAME}"
"service-leaders" = "leader"
""", encoding="utf-8")
    try:
        for app in serve(path, {"STRATEGY_SECRETS_FILE": str(secrets)}, port):
            yield Setup(app, provider, ada.id)
    finally:
        errors = provider.stop()
        assert "server_error" not in errors, errors


def _page(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()


def _sign_in_at_provider(page: Any, app: RunningApp, login: str, path: str = "/vision") -> None:
    """From the planner's sign-in page through the provider's sign-in and consent."""
    page.goto(app.url + path)
    page.get_by_role("link", name="Sign in with Company login").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password: the provider's test pages")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent
    page.wait_for_url(re.compile(re.escape(app.url) + re.escape(path) + r".*"))
    page.wait_for_selector("[data-testid='stApp']", timeout=30_000)
    settle(page)


def _roles(app: RunningApp, username: str) -> dict[str, tuple[Role, str]]:
    con = database_copy(app)
    try:
        row = con.execute("SELECT id FROM account WHERE username_key = ?",
                          [username.lower()]).fetchone()
        assert row, f"no account {username}"
        names = dict(con.execute("SELECT id, name FROM organisation").fetchall())
        return {names[m.org_id]: (m.role, m.source)
                for m in accounts.memberships(con, int(row[0]))}
    finally:
        con.close()


def test_the_apps_request_asks_for_pkce_a_nonce_and_the_groups_scope(
        certified: Setup) -> None:
    with httpx.Client() as http:
        answer = http.get(certified.app.url + "/auth/login?next=/vision")
    assert answer.status_code in (302, 303)
    where = urlsplit(answer.headers["location"])
    assert where.geturl().startswith(certified.provider.issuer + "/auth")
    asked = parse_qs(where.query)
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) >= 43
    assert asked["nonce"][0] and asked["state"][0]
    assert set(asked["scope"][0].split()) == {"openid", "email", "profile", "groups"}
    assert asked["redirect_uri"] == [certified.app.url + "/oauth2callback"]


def test_a_person_signs_in_with_the_role_their_group_gives_then_signs_out_at_both(
        certified: Setup, browser: Any) -> None:
    app = certified.app
    page = _page(browser)
    _sign_in_at_provider(page, app, "hana")
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    # Name and groups came from userinfo: the ID token carries only who it is.
    assert "Hana Okafor" in sidebar and "HR" in sidebar
    assert _roles(app, "hana.okafor@example.org") == {DEMO_NAME: (Role.HR, "single sign-on")}

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="You are signed out").wait_for()
    # Streamlit opens a link button in a new tab.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Sign out of Company login too").click()
    page = opened.value
    # The provider asks before it ends its own sign-in, then sends the person back.
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(re.escape(app.url) + r"/signin\?signed_out=1"))
    assert "You have signed out" in page.locator("main").inner_text()

    # Signed out at the provider too: the next person at this computer must sign in
    # there, not walk straight back in as Hana.
    page.get_by_role("link", name="Sign in with Company login").click()
    page.locator("input[name=login]").wait_for()
    assert "Sign-in" in page.title()
    page.goto(app.url + "/vision")
    assert "/signin" in page.url
    page.context.close()


def test_a_group_taken_away_at_the_provider_takes_the_role_away_at_next_sign_in(
        certified: Setup, browser: Any) -> None:
    app, provider = certified.app, certified.provider
    try:
        provider.set_people({"hana": {**HANA, "groups": ["staff"]}, "ada": ADA})
        page = _page(browser)
        _sign_in_at_provider(page, app, "hana", "/")
        assert _roles(app, "hana.okafor@example.org") == {}
        sidebar = page.get_by_test_id("stSidebar").inner_text()
        assert "Hana Okafor" in sidebar and "HR" not in sidebar
        page.context.close()
    finally:
        provider.set_people({"hana": HANA, "ada": ADA})


def test_a_verified_address_links_the_password_account_it_belongs_to(
        certified: Setup, browser: Any) -> None:
    app = certified.app
    page = _page(browser)
    _sign_in_at_provider(page, app, "ada", "/")
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "Ada Adams" in sidebar and "Leader" in sidebar  # her own account, not a new one
    con = database_copy(app)
    try:
        subject = con.execute("SELECT sso_subject FROM account WHERE id = ?",
                              [certified.ada_id]).fetchone()
        assert subject and subject[0] == f"{certified.provider.issuer} ada"
        assert con.execute("SELECT count(*) FROM account WHERE lower(email) = "
                           "'ada@example.org'").fetchone() == (1,)
    finally:
        con.close()
    page.context.close()


def test_a_link_from_elsewhere_to_the_providers_sign_out_ends_nothing(
        certified: Setup, browser: Any) -> None:
    """/signout/provider only carries on a sign-out already made in the planner: any
    site may link to it, so with a session still open it shows the sign-out form."""
    app = certified.app
    page = _page(browser)
    _sign_in_at_provider(page, app, "hana", "/")
    page.goto(app.url + "/signout/provider")
    assert urlsplit(page.url).path == "/signout"
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.goto(app.url + "/")
    page.wait_for_selector("[data-testid='stSidebar']")
    assert "Hana Okafor" in page.get_by_test_id("stSidebar").inner_text()
    # The sign-out form (a POST with its token) ends the session and offers the
    # provider's sign-out as a link.
    page.goto(app.url + "/signout")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="You have signed out").wait_for()
    page.get_by_role("link", name="Sign out of Company login too").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(re.escape(app.url) + r"/signin\?signed_out=1"))
    page.context.close()


def test_the_id_token_is_kept_only_until_the_provider_is_asked(certified: Setup) -> None:
    con = database_copy(certified.app)
    try:
        open_hints = con.execute(
            "SELECT count(*) FILTER (WHERE ended_at IS NULL), count(*) FILTER (WHERE ended_at "
            "IS NOT NULL) FROM sign_in_session WHERE id_token_hint IS NOT NULL").fetchone()
        # The sessions still open keep theirs; every one signed out at the provider is
        # cleared (the earlier tests signed out there twice).
        assert open_hints is not None and open_hints[1] == 0
    finally:
        con.close()
