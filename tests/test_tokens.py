"""Tokens: keys kept in the store, RS256 tokens that auth0-python accepts, and verification."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from auth0.authentication.exceptions import TokenValidationError
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenVerifier
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scriptbridge.errors import InvalidTokenError
from scriptbridge.store import SigningKey, SqliteStore, User, UserId, now
from scriptbridge.tokens import Tokens

ISSUER = "http://127.0.0.1:8080/"
CLIENT_ID = "client-abc"
API = "https://api.example.com/"

EXPIRED = "Expired token received for JSON Web Token validation"
BAD_SIGNATURE = "Invalid signature received for JSON Web Token validation"


class KeyStore:
    """The two signing-key methods of the identity store, in memory."""

    def __init__(self) -> None:
        self.keys: list[SigningKey] = []

    async def signing_keys(self) -> list[SigningKey]:
        return sorted(self.keys, key=lambda key: key.created_at, reverse=True)

    async def add_signing_key(self, key: SigningKey) -> None:
        self.keys.append(key)


@pytest.fixture
def store() -> KeyStore:
    return KeyStore()


@pytest.fixture
async def tokens(store: KeyStore) -> Tokens:
    """Tokens over a store that holds one key already (made once per run, to save time)."""
    await store.add_signing_key(new_key("key-1", now() - dt.timedelta(days=1)))
    return await Tokens.open(store, ISSUER)  # type: ignore[arg-type]


@pytest.fixture
async def jwks_url(tokens: Tokens) -> AsyncIterator[str]:
    """The tokens' JWKS served over HTTP on 127.0.0.1, as the app serves it."""

    async def jwks(request: web.Request) -> web.Response:
        return web.json_response(tokens.jwks())

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", jwks)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/.well-known/jwks.json"))


def make_user(**fields: Any) -> User:
    values: dict[str, Any] = {
        "user_id": UserId("auth0|u1"),
        "connection": "Username-Password-Authentication",
        "email": "alice@example.com",
        "username": "alice",
        "email_verified": True,
        "password_hash": None,
        "name": "Alice Liddell",
        "nickname": "alice",
        "given_name": None,
        "family_name": None,
        "picture": "https://example.com/alice.png",
        "attributes": {},
        "user_metadata": {},
        "app_metadata": {},
        "created_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
        "last_login": None,
        "last_ip": None,
        "logins_count": 0,
        "blocked": False,
        "migrated_by": "native",
        "migrated_at": None,
    }
    values.update(fields)
    return User(**values)


@functools.cache
def private_pem(name: str) -> str:
    """An RSA-2048 private key in PEM, one per name for the whole run."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def new_key(kid: str, created_at: dt.datetime | None = None) -> SigningKey:
    return SigningKey(kid=kid, private_pem=private_pem(kid), created_at=created_at or now())


@functools.cache
def loaded(pem: str) -> rsa.RSAPrivateKey:
    """A PEM parsed once: checking an RSA key on loading takes about 50 ms."""
    private = serialization.load_pem_private_key(pem.encode(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    return private


def sign(claims: dict[str, Any], key: SigningKey, *, kid: str | None = None) -> str:
    """A token signed outside Tokens, with ``key``, carrying ``kid`` (default: the key's)."""
    return jwt.encode(
        claims, loaded(key.private_pem), algorithm="RS256", headers={"kid": kid or key.kid}
    )


def valid_claims(**fields: Any) -> dict[str, Any]:
    issued = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "auth0|u1",
        "aud": API,
        "iat": issued,
        "exp": issued + 60,
    } | fields


def payload(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def access_token(tokens: Tokens, **fields: Any) -> str:
    arguments: dict[str, Any] = {
        "subject": "auth0|u1",
        "audience": API,
        "scope": "openid profile",
        "client_id": CLIENT_ID,
        "grant_type": "password",
    }
    return tokens.access_token(**(arguments | fields))


def verify_id_token_with_auth0_python(jwks_url: str, token: str, **verify: Any) -> dict[str, Any]:
    verifier = TokenVerifier(
        signature_verifier=AsymmetricSignatureVerifier(jwks_url),
        issuer=ISSUER,
        audience=CLIENT_ID,
    )
    return verifier.verify(token, **verify)


# -- keys ------------------------------------------------------------------------------------


async def test_first_open_creates_and_stores_one_rsa_2048_key(store: KeyStore) -> None:
    tokens = await Tokens.open(store, ISSUER)  # type: ignore[arg-type]
    assert [key.kid for key in store.keys] == [tokens.kid]
    assert loaded(store.keys[0].private_pem).key_size == 2048


async def test_second_open_on_the_same_store_reuses_the_key(store: KeyStore) -> None:
    first = await Tokens.open(store, ISSUER)  # type: ignore[arg-type]
    second = await Tokens.open(store, ISSUER)  # type: ignore[arg-type]
    assert second.kid == first.kid
    assert len(store.keys) == 1
    assert second.verify_access_token(access_token(first))["sub"] == "auth0|u1"


async def test_the_key_survives_a_restart_with_the_sqlite_store(tmp_path: Path) -> None:
    async with SqliteStore.open(tmp_path / "s.db") as store:
        first = await Tokens.open(store, ISSUER)
        token = access_token(first)
    async with SqliteStore.open(tmp_path / "s.db") as store:
        second = await Tokens.open(store, ISSUER)
        assert [key.kid for key in await store.signing_keys()] == [first.kid]
    assert second.kid == first.kid
    assert second.verify_access_token(token, audience=API)["sub"] == "auth0|u1"


async def test_a_token_signed_by_an_older_key_still_verifies(store: KeyStore) -> None:
    old = await Tokens.open(store, ISSUER)  # type: ignore[arg-type]
    old_token = access_token(old)
    await store.add_signing_key(new_key("newer", now() + dt.timedelta(seconds=1)))

    rotated = await Tokens.open(store, ISSUER)  # type: ignore[arg-type]

    assert rotated.kid == "newer"
    assert jwt.get_unverified_header(access_token(rotated))["kid"] == "newer"
    assert rotated.verify_access_token(old_token, audience=API)["sub"] == "auth0|u1"
    assert [key["kid"] for key in rotated.jwks()["keys"]] == ["newer", old.kid]


async def test_open_adds_the_trailing_slash_the_issuer_needs(store: KeyStore) -> None:
    tokens = await Tokens.open(store, "http://127.0.0.1:8080")  # type: ignore[arg-type]
    assert tokens.issuer == ISSUER
    assert payload(access_token(tokens))["iss"] == ISSUER


async def test_open_refuses_a_lifetime_under_one_second(store: KeyStore) -> None:
    with pytest.raises(ValueError, match="at least 1 second"):
        await Tokens.open(store, ISSUER, lifetime_seconds=0)  # type: ignore[arg-type]


async def test_jwks_publishes_every_key_as_an_rsa_signing_key(store: KeyStore) -> None:
    await store.add_signing_key(new_key("older", now() - dt.timedelta(days=1)))
    tokens = await Tokens.open(store, ISSUER)  # type: ignore[arg-type]
    jwks = tokens.jwks()
    assert [key["kid"] for key in jwks["keys"]] == ["older"]
    [jwk] = jwks["keys"]
    assert set(jwk) == {"kty", "use", "alg", "kid", "n", "e"}
    assert (jwk["kty"], jwk["use"], jwk["alg"], jwk["e"]) == ("RSA", "sig", "RS256", "AQAB")
    public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
    private = loaded(store.keys[0].private_pem)
    assert public.public_numbers() == private.public_key().public_numbers()  # type: ignore[union-attr]


# -- id tokens -------------------------------------------------------------------------------


async def test_id_token_passes_auth0_pythons_token_verifier(tokens: Tokens, jwks_url: str) -> None:
    token = tokens.id_token(make_user(), CLIENT_ID, nonce="n-123")
    claims = await asyncio.to_thread(
        verify_id_token_with_auth0_python, jwks_url, token, nonce="n-123"
    )
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "auth0|u1"
    assert claims["aud"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == tokens.lifetime_seconds == 86400
    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "Alice Liddell"
    assert claims["nickname"] == "alice"
    assert claims["picture"] == "https://example.com/alice.png"
    assert claims["updated_at"] == "2024-05-06T07:08:09.123Z"
    assert claims["nonce"] == "n-123"


async def test_auth0_pythons_token_verifier_rejects_an_id_token_for_another_client(
    tokens: Tokens, jwks_url: str
) -> None:
    token = tokens.id_token(make_user(), "some-other-client")
    with pytest.raises(TokenValidationError, match="Audience"):
        await asyncio.to_thread(verify_id_token_with_auth0_python, jwks_url, token)


async def test_id_token_leaves_out_claims_the_user_lacks(tokens: Tokens) -> None:
    user = make_user(email=None, name=None, nickname=None, picture=None, given_name="Alice")
    claims = payload(tokens.id_token(user, CLIENT_ID))
    assert set(claims) == {
        "iss",
        "sub",
        "aud",
        "iat",
        "exp",
        "email_verified",
        "given_name",
        "updated_at",
    }


async def test_tokens_carry_the_signing_kid_and_rs256(tokens: Tokens) -> None:
    for token in (tokens.id_token(make_user(), CLIENT_ID), access_token(tokens)):
        header = jwt.get_unverified_header(token)
        assert (header["alg"], header["kid"]) == ("RS256", tokens.kid)


# -- access tokens ---------------------------------------------------------------------------


async def test_access_token_carries_auth0s_claims(tokens: Tokens) -> None:
    token = access_token(tokens, scope="openid email", grant_type="password")
    claims = tokens.verify_access_token(token, audience=API)
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "auth0|u1"
    assert claims["aud"] == API
    assert claims["scope"] == "openid email"
    assert claims["azp"] == CLIENT_ID
    assert claims["gty"] == "password"
    assert isinstance(claims["iat"], int)
    assert claims["exp"] - claims["iat"] == 86400


async def test_access_token_without_audience_is_for_userinfo(tokens: Tokens) -> None:
    token = access_token(tokens, audience=None)
    assert tokens.verify_access_token(token, audience=f"{ISSUER}userinfo")["aud"] == (
        "http://127.0.0.1:8080/userinfo"
    )


async def test_access_token_for_several_audiences_verifies_for_each(tokens: Tokens) -> None:
    token = access_token(tokens, audience=[API, f"{ISSUER}userinfo"])
    for audience in (API, f"{ISSUER}userinfo"):
        assert tokens.verify_access_token(token, audience=audience)["aud"] == [
            API,
            f"{ISSUER}userinfo",
        ]


@pytest.mark.parametrize(
    ("grant_type", "gty"),
    [
        ("password", "password"),
        ("http://auth0.com/oauth/grant-type/password-realm", "password"),
        ("client_credentials", "client-credentials"),
        ("client-credentials", "client-credentials"),
    ],
)
async def test_access_token_gty_is_written_as_auth0_writes_it(
    tokens: Tokens, grant_type: str, gty: str
) -> None:
    assert payload(access_token(tokens, grant_type=grant_type))["gty"] == gty


async def test_lifetime_sets_exp(store: KeyStore) -> None:
    tokens = await Tokens.open(store, ISSUER, lifetime_seconds=300)  # type: ignore[arg-type]
    claims = payload(access_token(tokens))
    assert claims["exp"] - claims["iat"] == 300 == tokens.lifetime_seconds


# -- verification failures -------------------------------------------------------------------


def rejection(tokens: Tokens, token: str, audience: str | None = None) -> str:
    with pytest.raises(InvalidTokenError) as caught:
        tokens.verify_access_token(token, audience=audience)
    if token:
        assert token not in str(caught.value)
    return caught.value.reason


async def test_an_expired_token_is_rejected(tokens: Tokens, store: KeyStore) -> None:
    issued = int(time.time()) - 120
    token = sign(valid_claims(iat=issued, exp=issued + 60), store.keys[0])
    assert rejection(tokens, token) == EXPIRED


async def test_a_token_for_another_audience_is_rejected(tokens: Tokens) -> None:
    token = access_token(tokens, audience="https://other.example.com/")
    assert rejection(tokens, token, audience=API) == "Bad audience: https://other.example.com/"


async def test_bad_audience_lists_every_audience_of_the_token(tokens: Tokens) -> None:
    token = access_token(tokens, audience=["https://a.example/", "https://b.example/"])
    assert rejection(tokens, token, API) == "Bad audience: https://a.example/ https://b.example/"


async def test_a_token_with_a_tampered_signature_is_rejected(tokens: Tokens) -> None:
    header, body, signature = access_token(tokens).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0xFF
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert rejection(tokens, f"{header}.{body}.{forged}") == BAD_SIGNATURE


async def test_a_token_with_tampered_claims_is_rejected(tokens: Tokens) -> None:
    header, body, signature = access_token(tokens).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "auth0|admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert rejection(tokens, f"{header}.{forged}.{signature}") == BAD_SIGNATURE


async def test_a_token_with_an_unknown_kid_is_rejected(tokens: Tokens) -> None:
    stranger = new_key("stranger")
    assert rejection(tokens, sign(valid_claims(), stranger)) == BAD_SIGNATURE


async def test_a_token_signed_by_another_key_under_our_kid_is_rejected(tokens: Tokens) -> None:
    stranger = new_key("stranger")
    assert rejection(tokens, sign(valid_claims(), stranger, kid=tokens.kid)) == BAD_SIGNATURE


async def test_a_token_from_another_issuer_is_rejected(tokens: Tokens, store: KeyStore) -> None:
    token = sign(valid_claims(iss="https://elsewhere.example/"), store.keys[0])
    assert rejection(tokens, token) == "Invalid token"


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "sub", "aud"])
async def test_a_token_missing_a_required_claim_is_rejected(
    tokens: Tokens, store: KeyStore, missing: str
) -> None:
    claims = valid_claims()
    del claims[missing]
    assert rejection(tokens, sign(claims, store.keys[0])) == "Invalid token"


def b64json(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_an_hs256_token_keyed_with_our_public_key_is_rejected(
    tokens: Tokens, store: KeyStore
) -> None:
    """The classic algorithm confusion; put together by hand, as PyJWT refuses to sign it."""
    public_pem = (
        loaded(store.keys[0].private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signed = f"{b64json({'alg': 'HS256', 'kid': tokens.kid})}.{b64json(valid_claims())}"
    mac = hmac.new(public_pem, signed.encode(), hashlib.sha256).digest()
    token = f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert rejection(tokens, token) == "Invalid token"


async def test_an_unsigned_token_is_rejected(tokens: Tokens) -> None:
    token = f"{b64json({'alg': 'none', 'kid': tokens.kid})}.{b64json(valid_claims())}."
    assert rejection(tokens, token) == "Invalid token"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "e30.e30.", "W10.e30.x"])
async def test_a_malformed_token_is_rejected(tokens: Tokens, token: str) -> None:
    assert rejection(tokens, token) == "Invalid token"


async def test_a_kid_that_is_not_a_string_is_rejected(tokens: Tokens) -> None:
    token = f"{b64json({'alg': 'RS256', 'kid': ['x']})}.{b64json(valid_claims())}.c2ln"
    assert rejection(tokens, token) == "Invalid token"


# -- discovery -------------------------------------------------------------------------------


async def test_openid_configuration_points_at_endpoints_under_the_issuer(tokens: Tokens) -> None:
    config = tokens.openid_configuration()
    assert config["issuer"] == ISSUER
    assert config["token_endpoint"] == "http://127.0.0.1:8080/oauth/token"
    assert config["userinfo_endpoint"] == "http://127.0.0.1:8080/userinfo"
    assert config["jwks_uri"] == "http://127.0.0.1:8080/.well-known/jwks.json"
    assert {
        "password",
        "http://auth0.com/oauth/grant-type/password-realm",
        "client_credentials",
    } <= set(config["grant_types_supported"])
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ]
    assert json.loads(json.dumps(config)) == config
