"""The test OpenID Connect provider behaves as a real one: Authlib's client completes the
code flow against it, its ID tokens validate against its JWKS, and it refuses what a real
provider refuses (a replayed code, a wrong secret, a changed redirect URI, a bad PKCE
verifier)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc import discovery, rpinitiated  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError, MissingClaimError
from joserfc.jwk import KeySet, RSAKey

from tests.oidc_provider import OidcProvider

with warnings.catch_warnings():
    # Authlib 1.9 asks for the `httpx2` package and warns when it falls back to `httpx`,
    # which is what this project installs; the client behaves the same either way.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

REDIRECT_URI = "http://127.0.0.1:8501/oauth2callback"
USERS: dict[str, dict[str, Any]] = {
    "hana": {"sub": "u-hana", "email": "hana@example.org", "name": "Hana Novak",
             "groups": ["service-leaders"]},
    "ivo": {"sub": "u-ivo", "email": "ivo@example.org", "name": "Ivo Berg", "groups": []},
}


@pytest.fixture(scope="module")
def running_provider() -> Iterator[OidcProvider]:
    with OidcProvider(USERS) as provider:
        yield provider


@pytest.fixture
def provider(running_provider: OidcProvider) -> OidcProvider:
    running_provider.signed_in.clear()
    return running_provider


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


class _Form(HTMLParser):
    """The sign-in page's form: its action, its inputs' values and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []
        self.text: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input":
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        self._in_button = self._in_button and tag != "button"

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_button:
            self.buttons.append(data.strip())


def parse_form(page: str) -> _Form:
    form = _Form()
    form.feed(page)
    return form


def metadata(provider: OidcProvider, http: httpx.Client) -> dict[str, Any]:
    data: dict[str, Any] = http.get(provider.metadata_url).json()
    return data


def sign_in(http: httpx.Client, authorization_url: str, username: str) -> httpx.Response:
    """What a person does in the browser: open the sign-in page, type a name, submit."""
    page = http.get(authorization_url)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    fields = {**form.fields, "username": username}
    return http.post(httpx.URL(authorization_url).join(form.action), data=fields)


def authorization_code(provider: OidcProvider, http: httpx.Client, username: str = "hana",
                       verifier: str | None = None, nonce: str | None = None) -> str:
    """Sign in without Authlib and return the code the provider redirects back with."""
    params = {"client_id": provider.client_id, "redirect_uri": REDIRECT_URI,
              "response_type": "code", "scope": "openid email", "state": "s-1"}
    if nonce is not None:
        params["nonce"] = nonce
    if verifier is not None:
        params.update(code_challenge=create_s256_code_challenge(verifier),
                      code_challenge_method="S256")
    url = str(httpx.URL(f"{provider.issuer}/authorize", params=params))
    response = sign_in(http, url, username)
    assert response.status_code == 303, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["s-1"]
    return query["code"][0]


def exchange(provider: OidcProvider, http: httpx.Client, code: str,
             **overrides: str | None) -> httpx.Response:
    """A token request by hand, so refusals can be checked down to the status code."""
    data: dict[str, str | None] = {"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": REDIRECT_URI}
    data.update(overrides)
    secret = data.pop("client_secret", provider.client_secret) or ""
    body = {k: v for k, v in data.items() if v is not None}
    return http.post(f"{provider.issuer}/token", data=body,
                     auth=(provider.client_id, secret))


def validated_id_token(provider: OidcProvider, http: httpx.Client, id_token: str,
                       nonce: str | None) -> dict[str, Any]:
    """The ID token's claims once its signature, iss, aud, exp and nonce all check out."""
    jwks = KeySet.import_key_set(http.get(f"{provider.issuer}/jwks").json())
    token = jwt.decode(id_token, jwks, algorithms=["RS256"])
    claims = CodeIDToken(
        token.claims, token.header,
        options={"iss": {"essential": True, "value": provider.issuer},
                 "aud": {"essential": True, "value": provider.client_id}},
        params={"nonce": nonce, "client_id": provider.client_id},
    )
    claims.validate()
    return {"header": token.header, **claims}


def test_discovery_document_is_valid_openid_provider_metadata(
        provider: OidcProvider, http: httpx.Client) -> None:
    data = metadata(provider, http)
    discovery.OpenIDProviderMetadata(data).validate(
        metadata_classes=[rpinitiated.OpenIDProviderMetadata])
    assert data["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:")
    assert data["end_session_endpoint"] == f"{provider.issuer}/logout"
    assert data["response_types_supported"] == ["code"]
    assert data["id_token_signing_alg_values_supported"] == ["RS256"]
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert set(data["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post"}


def test_authlib_client_completes_the_code_flow_with_pkce_and_nonce(
        provider: OidcProvider, http: httpx.Client) -> None:
    endpoints = metadata(provider, http)
    nonce, verifier = generate_token(20), generate_token(48)
    with OAuth2Client(provider.client_id, provider.client_secret, scope="openid email profile",
                      redirect_uri=REDIRECT_URI, code_challenge_method="S256",
                      token_endpoint_auth_method="client_secret_basic") as client:
        url, state = client.create_authorization_url(
            endpoints["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
        form = parse_form(http.get(url).text)
        assert "User name" in "".join(form.text)
        assert form.buttons == ["Sign in"]
        assert "username" in form.fields

        redirect = sign_in(http, url, "hana")
        assert redirect.status_code == 303
        location = redirect.headers["location"]
        assert location.startswith(f"{REDIRECT_URI}?")
        assert provider.signed_in == []  # signing in is not enough: the app must redeem

        token = client.fetch_token(endpoints["token_endpoint"], authorization_response=location,
                                   state=state, code_verifier=verifier)
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] > 0
        claims = validated_id_token(provider, http, token["id_token"], nonce)
        userinfo = client.get(endpoints["userinfo_endpoint"]).json()

    assert claims["header"]["alg"] == "RS256"
    jwks = http.get(endpoints["jwks_uri"]).json()["keys"]
    assert claims["header"]["kid"] == jwks[0]["kid"]
    assert "d" not in jwks[0]  # the private exponent stays private
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == "strategy-test"
    assert claims["nonce"] == nonce
    assert claims["exp"] > claims["iat"]
    assert (claims["sub"], claims["email"], claims["name"], claims["groups"]) == (
        "u-hana", "hana@example.org", "Hana Novak", ["service-leaders"])
    assert userinfo == {"sub": "u-hana", "email": "hana@example.org", "name": "Hana Novak",
                        "groups": ["service-leaders"]}
    assert provider.signed_in == ["hana"]


def test_id_token_checks_are_not_vacuous(provider: OidcProvider, http: httpx.Client) -> None:
    """The validation used above fails for a wrong nonce, audience or signing key."""
    code = authorization_code(provider, http, nonce="n-1")
    id_token = exchange(provider, http, code).json()["id_token"]
    jwks = KeySet.import_key_set(http.get(f"{provider.issuer}/jwks").json())
    token = jwt.decode(id_token, jwks, algorithms=["RS256"])
    assert token.claims["nonce"] == "n-1"

    with pytest.raises(InvalidClaimError, match="nonce"):
        CodeIDToken(token.claims, token.header, params={"nonce": "n-2"}).validate()
    with pytest.raises(InvalidClaimError, match="aud"):
        CodeIDToken(token.claims, token.header,
                    options={"aud": {"essential": True, "value": "another-app"}}).validate()
    with pytest.raises(BadSignatureError):
        jwt.decode(id_token, RSAKey.generate_key(2048), algorithms=["RS256"])
    tampered = id_token.split(".")
    tampered[1] = tampered[1][:-4] + ("AAAA" if tampered[1][-4:] != "AAAA" else "BBBB")
    with pytest.raises(BadSignatureError):
        jwt.decode(".".join(tampered), jwks, algorithms=["RS256"])


def test_client_secret_post_works_without_pkce_or_nonce(
        provider: OidcProvider, http: httpx.Client) -> None:
    with OAuth2Client(provider.client_id, provider.client_secret, scope="openid",
                      redirect_uri=REDIRECT_URI,
                      token_endpoint_auth_method="client_secret_post") as client:
        url, state = client.create_authorization_url(f"{provider.issuer}/authorize")
        location = sign_in(http, url, "ivo").headers["location"]
        token = client.fetch_token(f"{provider.issuer}/token", authorization_response=location,
                                   state=state)
    claims = validated_id_token(provider, http, token["id_token"], nonce=None)
    assert claims["sub"] == "u-ivo"
    assert "nonce" not in claims  # none was asked for, so a client expecting one refuses
    with pytest.raises(MissingClaimError, match="nonce"):
        validated_id_token(provider, http, token["id_token"], nonce="n-1")
    assert provider.signed_in == ["ivo"]


def test_a_code_works_once_and_a_replay_revokes_its_token(
        provider: OidcProvider, http: httpx.Client) -> None:
    code = authorization_code(provider, http)
    first = exchange(provider, http, code)
    assert first.status_code == 200
    access_token = first.json()["access_token"]
    userinfo = f"{provider.issuer}/userinfo"
    bearer = {"Authorization": f"Bearer {access_token}"}
    assert http.get(userinfo, headers=bearer).status_code == 200

    replay = exchange(provider, http, code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert http.get(userinfo, headers=bearer).status_code == 401
    assert provider.signed_in == ["hana"]


def test_authlib_reports_a_replayed_code(provider: OidcProvider, http: httpx.Client) -> None:
    code = authorization_code(provider, http)
    assert exchange(provider, http, code).status_code == 200
    client = OAuth2Client(provider.client_id, provider.client_secret,
                          redirect_uri=REDIRECT_URI)
    with client, pytest.raises(OAuthError) as refused:
        client.fetch_token(f"{provider.issuer}/token", code=code,
                           grant_type="authorization_code")
    assert refused.value.error == "invalid_grant"


def test_wrong_client_secret_is_refused_and_does_not_spend_the_code(
        provider: OidcProvider, http: httpx.Client) -> None:
    code = authorization_code(provider, http)
    refused = exchange(provider, http, code, client_secret="guess")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert refused.headers["www-authenticate"].startswith("Basic")

    posted = http.post(f"{provider.issuer}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
        "client_id": provider.client_id, "client_secret": "guess"})
    assert posted.status_code == 401
    unauthenticated = http.post(f"{provider.issuer}/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert unauthenticated.status_code == 401
    posing = exchange(provider, http, code, client_id="someone-else")
    assert posing.status_code == 401
    assert provider.signed_in == []

    assert exchange(provider, http, code).status_code == 200
    assert provider.signed_in == ["hana"]


def test_redirect_uri_must_match_the_authorization_request(
        provider: OidcProvider, http: httpx.Client) -> None:
    code = authorization_code(provider, http)
    refused = exchange(provider, http, code, redirect_uri="http://127.0.0.1:8501/elsewhere")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    # The failed attempt spent the code, as one presentation is all a code gets.
    assert exchange(provider, http, code).json()["error"] == "invalid_grant"
    assert provider.signed_in == []


@pytest.mark.parametrize("verifier", [None, "x" * 43, "short"],
                         ids=["missing", "wrong", "malformed"])
def test_pkce_verifier_must_match_the_challenge(
        provider: OidcProvider, http: httpx.Client, verifier: str | None) -> None:
    code = authorization_code(provider, http, verifier=generate_token(48))
    refused = exchange(provider, http, code, code_verifier=verifier)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert provider.signed_in == []


def test_a_verifier_without_a_challenge_is_refused(
        provider: OidcProvider, http: httpx.Client) -> None:
    code = authorization_code(provider, http)
    refused = exchange(provider, http, code, code_verifier=generate_token(48))
    assert refused.json()["error"] == "invalid_grant"


def test_unknown_user_name_shows_the_form_again_with_an_error(
        provider: OidcProvider, http: httpx.Client) -> None:
    url = str(httpx.URL(f"{provider.issuer}/authorize", params={
        "client_id": provider.client_id, "redirect_uri": REDIRECT_URI,
        "response_type": "code", "scope": "openid", "state": "s-2"}))
    response = sign_in(http, url, "mallory")
    assert response.status_code == 200
    assert "Unknown user name “mallory”" in response.text
    form = parse_form(response.text)
    assert form.fields["username"] == "mallory"
    assert form.buttons == ["Sign in"]

    # The same request can still be completed from the re-shown form.
    retry = http.post(f"{provider.issuer}/authorize",
                      data={**form.fields, "username": "hana"})
    assert retry.status_code == 303
    assert parse_qs(urlsplit(retry.headers["location"]).query)["state"] == ["s-2"]


@pytest.mark.parametrize(("client_id", "redirect_uri"), [
    ("someone-else", REDIRECT_URI),
    ("strategy-test", "https://attacker.example/callback"),
    ("strategy-test", "not a url"),
])
def test_authorize_never_redirects_for_a_bad_client_or_redirect_uri(
        provider: OidcProvider, http: httpx.Client, client_id: str, redirect_uri: str) -> None:
    response = http.get(f"{provider.issuer}/authorize", params={
        "client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
        "scope": "openid"})
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "username" not in response.text


@pytest.mark.parametrize(("params", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "email"}, "invalid_scope"),
    ({"code_challenge": "c" * 43, "code_challenge_method": "plain"}, "invalid_request"),
])
def test_authorize_reports_request_errors_to_the_client(
        provider: OidcProvider, http: httpx.Client, params: dict[str, str], error: str) -> None:
    query = {"client_id": provider.client_id, "redirect_uri": REDIRECT_URI,
             "response_type": "code", "scope": "openid", "state": "s-3", **params}
    response = http.get(f"{provider.issuer}/authorize", params=query)
    assert response.status_code == 303
    answer = parse_qs(urlsplit(response.headers["location"]).query)
    assert answer["error"] == [error]
    assert answer["state"] == ["s-3"]


def test_userinfo_needs_a_valid_bearer_token(provider: OidcProvider, http: httpx.Client) -> None:
    userinfo = f"{provider.issuer}/userinfo"
    assert http.get(userinfo).status_code == 401
    refused = http.get(userinfo, headers={"Authorization": "Bearer made-up"})
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]


def test_logout_redirects_back_or_says_signed_out(
        provider: OidcProvider, http: httpx.Client) -> None:
    back = http.get(f"{provider.issuer}/logout", params={
        "post_logout_redirect_uri": "http://localhost:8501/", "state": "bye"})
    assert back.status_code == 303
    assert back.headers["location"] == "http://localhost:8501/?state=bye"

    page = http.get(f"{provider.issuer}/logout")
    assert page.status_code == 200
    assert "Signed out" in page.text

    foreign = http.get(f"{provider.issuer}/logout", params={
        "post_logout_redirect_uri": "https://attacker.example/"})
    assert foreign.status_code == 400


def test_each_provider_has_its_own_port_and_key_and_stops_cleanly(
        http: httpx.Client) -> None:
    with OidcProvider(USERS) as first, OidcProvider(USERS, client_id="other") as second:
        assert first.issuer != second.issuer
        kids = {http.get(f"{p.issuer}/jwks").json()["keys"][0]["kid"] for p in (first, second)}
        assert len(kids) == 2
        assert http.get(second.metadata_url).json()["issuer"] == second.issuer
        issuer = first.issuer
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{issuer}/jwks", timeout=1.0)
