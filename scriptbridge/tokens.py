"""Signing keys, RS256 id and access tokens, and the documents that let clients verify them.

The keys live in the identity store; the newest one signs and every one verifies, so a key
added to the store (a rotation) takes over signing at the next start while tokens signed by
older keys stay valid until they expire. On first start there is no key: :meth:`Tokens.open`
makes an RSA-2048 key in a worker thread and stores it.

Tokens follow Auth0's shapes: ``iss`` is the public base URL with its trailing slash, ``sub``
the user id (or ``{client_id}@clients``), and access tokens carry ``scope``, ``azp`` and
``gty``. ID tokens pass auth0-python's ``TokenVerifier`` against :meth:`Tokens.jwks`.

Verification accepts RS256 only, with a key looked up by the token's ``kid``; the reasons it
gives mirror the Auth0 Management API's 401 messages and never quote the token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scriptbridge.errors import InvalidTokenError
from scriptbridge.store import SigningKey, Store, User, iso, now

ALGORITHM: Final = "RS256"
_KEY_BITS: Final = 2048
_PUBLIC_EXPONENT: Final = 65537
#: Bytes of the RFC 7638 thumbprint kept in a new key's ``kid`` (22 base64url characters).
_KID_BYTES: Final = 16

#: ``gty`` as Auth0 writes it, for the OAuth grant types it differs from.
_GTY: Final = {
    "client_credentials": "client-credentials",
    "http://auth0.com/oauth/grant-type/password-realm": "password",
}

# The reasons verify_access_token gives, as the Auth0 Management API words them.
_INVALID: Final = "Invalid token"
_EXPIRED: Final = "Expired token received for JSON Web Token validation"
_BAD_SIGNATURE: Final = "Invalid signature received for JSON Web Token validation"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class _Key:
    """A signing key loaded for use: the private key signs, ``jwk`` is its public half."""

    kid: str
    private: rsa.RSAPrivateKey
    public: rsa.RSAPublicKey
    jwk: dict[str, str]


def _load(record: SigningKey) -> _Key:
    """Parse a stored key (CPU work: call it in a thread)."""
    private = serialization.load_pem_private_key(record.private_pem.encode("ascii"), None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise TypeError(f"signing key {record.kid!r} in the store is not an RSA key")
    public = private.public_key()
    numbers = public.public_numbers()
    jwk = {
        "kty": "RSA",
        "use": "sig",
        "alg": ALGORITHM,
        "kid": record.kid,
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }
    return _Key(record.kid, private, public, jwk)


def _load_all(records: list[SigningKey]) -> list[_Key]:
    return [_load(record) for record in records]


def _generate() -> SigningKey:
    """A new RSA-2048 key whose kid is a prefix of its RFC 7638 thumbprint (CPU work)."""
    private = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=_KEY_BITS)
    numbers = private.public_key().public_numbers()
    # RFC 7638: SHA-256 of the required members, sorted, without whitespace.
    members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
    kid = _b64url(hashlib.sha256(canonical).digest()[:_KID_BYTES])
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SigningKey(kid=kid, private_pem=pem.decode("ascii"), created_at=now())


def _audiences(claim: Any) -> list[str] | None:
    """The ``aud`` claim as a list, or None when it is neither a string nor strings."""
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list) and all(isinstance(item, str) for item in claim):
        return claim
    return None


def profile_claims(user: User) -> dict[str, Any]:
    """The user's OIDC claims (``sub`` and the profile), as the ID token and /userinfo carry
    them; claims the user lacks are left out rather than sent as null."""
    claims: dict[str, Any] = {
        "sub": user.user_id,
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
        "nickname": user.nickname,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "picture": user.picture,
        "updated_at": iso(user.updated_at),
    }
    return {name: value for name, value in claims.items() if value is not None}


class Tokens:
    """Issues and verifies the service's tokens. Build it with :meth:`open`."""

    def __init__(self, keys: Iterable[_Key], issuer: str, lifetime_seconds: int) -> None:
        """Use :meth:`open`; ``keys`` newest first, and there must be at least one."""
        self._keys = {key.kid: key for key in keys}
        if not self._keys:
            raise ValueError("Tokens needs at least one signing key")
        self._signer = next(iter(self._keys.values()))
        #: The public base URL, ending in "/": every token's ``iss``.
        self.issuer = issuer
        #: How long issued tokens last (``expires_in``).
        self.lifetime_seconds = lifetime_seconds

    @classmethod
    async def open(cls, store: Store, issuer: str, lifetime_seconds: int = 86400) -> Tokens:
        """Load the store's signing keys, making and storing one first if there is none.

        ``issuer`` is the public base URL (``http://127.0.0.1:8080/``); a missing trailing
        slash is added, as Auth0's ``iss`` always has one.
        """
        if lifetime_seconds < 1:
            raise ValueError(f"token lifetime must be at least 1 second, not {lifetime_seconds}")
        records = await store.signing_keys()
        if not records:
            record = await asyncio.to_thread(_generate)
            await store.add_signing_key(record)
            records = [record]
        keys = await asyncio.to_thread(_load_all, records)
        return cls(keys, issuer if issuer.endswith("/") else issuer + "/", lifetime_seconds)

    @property
    def kid(self) -> str:
        """The id of the key that signs new tokens."""
        return self._signer.kid

    # -- issuing -------------------------------------------------------------------------

    def _sign(self, claims: dict[str, Any]) -> str:
        issued = int(time.time())
        claims = {
            "iss": self.issuer,
            **claims,
            "iat": issued,
            "exp": issued + self.lifetime_seconds,
        }
        return jwt.encode(
            claims, self._signer.private, algorithm=ALGORITHM, headers={"kid": self._signer.kid}
        )

    def id_token(self, user: User, client_id: str, *, nonce: str | None = None) -> str:
        """An OIDC ID token for ``user``, issued to ``client_id`` (its ``aud``).

        Profile claims the user lacks are left out rather than sent as null.
        """
        claims: dict[str, Any] = {"aud": client_id, **profile_claims(user)}
        if nonce is not None:
            claims["nonce"] = nonce
        return self._sign(claims)

    def access_token(
        self,
        *,
        subject: str,
        audience: str | list[str] | None,
        scope: str,
        client_id: str,
        grant_type: str,
    ) -> str:
        """An access token for ``subject``.

        Without an ``audience`` the token is for the userinfo endpoint only, as Auth0's are.
        ``grant_type`` may be the OAuth name (``client_credentials``, the password-realm URI)
        or Auth0's ``gty`` form (``client-credentials``, ``password``); ``gty`` gets the latter.
        """
        return self._sign(
            {
                "sub": subject,
                "aud": f"{self.issuer}userinfo" if audience is None else audience,
                "scope": scope,
                "azp": client_id,
                "gty": _GTY.get(grant_type, grant_type),
            }
        )

    # -- verifying -----------------------------------------------------------------------

    def verify_access_token(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """The claims of a token this service issued and that is still valid.

        Checks the RS256 signature with the key its ``kid`` names, ``exp``, ``iss`` and, when
        ``audience`` is given, that it is one of the token's audiences. Raises
        InvalidTokenError with Auth0's reason otherwise.
        """
        # Exceptions are raised "from None": PyJWT's may quote parts of the token.
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise InvalidTokenError(_INVALID) from None
        if header.get("alg") != ALGORITHM:
            raise InvalidTokenError(_INVALID)
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            # Not one of ours: its signature cannot be one of ours either.
            raise InvalidTokenError(_BAD_SIGNATURE)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
            )
        except jwt.InvalidSignatureError:
            raise InvalidTokenError(_BAD_SIGNATURE) from None
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError(_EXPIRED) from None
        except jwt.InvalidTokenError:
            raise InvalidTokenError(_INVALID) from None
        audiences = _audiences(claims.get("aud"))
        if audiences is None:
            raise InvalidTokenError(_INVALID)
        if audience is not None and audience not in audiences:
            raise InvalidTokenError(f"Bad audience: {' '.join(audiences)}")
        return claims

    # -- discovery -----------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set of every key, for ``/.well-known/jwks.json``."""
        return {"keys": [dict(key.jwk) for key in self._keys.values()]}

    def openid_configuration(self) -> dict[str, Any]:
        """The OpenID Provider metadata, for ``/.well-known/openid-configuration``.

        Lists what the service does: tokens from ``/oauth/token`` by the password,
        password-realm and client-credentials grants, signed RS256. ``authorization_endpoint``
        and ``response_types_supported`` are there because discovery requires them.
        """
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}authorize",
            "token_endpoint": f"{base}oauth/token",
            "userinfo_endpoint": f"{base}userinfo",
            "jwks_uri": f"{base}.well-known/jwks.json",
            "scopes_supported": ["openid", "profile", "email"],
            "response_types_supported": ["code"],
            "grant_types_supported": [
                "password",
                "http://auth0.com/oauth/grant-type/password-realm",
                "client_credentials",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "claims_supported": [
                "aud",
                "email",
                "email_verified",
                "exp",
                "family_name",
                "given_name",
                "iat",
                "iss",
                "name",
                "nickname",
                "picture",
                "sub",
                "updated_at",
            ],
            "request_uri_parameter_supported": False,
        }
