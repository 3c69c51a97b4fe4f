"""require('crypto'): Node's hashes, HMACs, pbkdf2, scrypt and random bytes, from hashlib.

The facade (``js/crypto.js``) holds Node's API, argument checks and errors, and buffers a
hash's updates, so that a digest costs one synchronous call. Bytes cross as base64. Digest
names arrive canonical (the facade maps Node's aliases, ``RSA-SHA256``, ``sha-256``...).

``pbkdf2`` and ``scrypt`` with a callback derive in a worker thread; their ``*Sync`` forms, the
digests, random bytes and UUIDs run on the runner's own thread (all of them thread-safe).
A digest's input crosses the synchronous channel in one piece, so it is limited to about
384 KiB; larger input fails with a RangeError ("arguments too large").
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets
import uuid
from importlib import resources
from typing import Any, Final

from scriptbridge.engine import HostModule

#: Node's canonical digest names -> hashlib's.
DIGESTS: Final = {
    "md5": "md5",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
    "sha512-224": "sha512_224",
    "sha512-256": "sha512_256",
    "sha3-224": "sha3_224",
    "sha3-256": "sha3_256",
    "sha3-384": "sha3_384",
    "sha3-512": "sha3_512",
    "blake2b512": "blake2b",
    "blake2s256": "blake2s",
}

#: The most random bytes made on the event loop itself; more are made in a worker thread.
_RANDOM_ON_LOOP: Final = 65536

# hashlib.scrypt takes maxmem as a C int; the facade has already checked the real need.
_SCRYPT_MAXMEM_LIMIT: Final = 2**31 - 1


def _algorithm(name: Any) -> str:
    try:
        return DIGESTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Invalid digest: {name}") from None


def _bytes(text: Any) -> bytes:
    return base64.b64decode(text, validate=True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _digest(args: list[Any]) -> str:
    """[algorithm, key (base64) or None for a plain hash, data (base64)] -> the digest."""
    algorithm, key, data = _algorithm(args[0]), args[1], _bytes(args[2])
    if key is None:
        return _b64(hashlib.new(algorithm, data).digest())
    return _b64(hmac.new(_bytes(key), data, algorithm).digest())


def _pbkdf2(args: list[Any]) -> str:
    """[digest, password, salt, iterations, keylen] -> the key (bytes as base64)."""
    algorithm, password, salt, iterations, keylen = args
    if keylen == 0:
        return ""
    key = hashlib.pbkdf2_hmac(
        _algorithm(algorithm), _bytes(password), _bytes(salt), iterations, keylen
    )
    return _b64(key)


def _scrypt(args: list[Any]) -> str:
    """[password, salt, keylen, N, r, p, maxmem] -> the key (bytes as base64)."""
    password, salt, keylen, n, r, p, maxmem = args
    if keylen == 0:
        return ""
    key = hashlib.scrypt(
        _bytes(password),
        salt=_bytes(salt),
        n=n,
        r=r,
        p=p,
        maxmem=min(maxmem, _SCRYPT_MAXMEM_LIMIT),
        dklen=keylen,
    )
    return _b64(key)


def _random_bytes(args: list[Any]) -> str:
    return _b64(secrets.token_bytes(args[0]))


def _random_uuid(args: list[Any]) -> str:
    return str(uuid.uuid4())


async def _pbkdf2_async(args: list[Any]) -> str:
    return await asyncio.to_thread(_pbkdf2, args)


async def _scrypt_async(args: list[Any]) -> str:
    return await asyncio.to_thread(_scrypt, args)


async def _random_bytes_async(args: list[Any]) -> str:
    if args[0] > _RANDOM_ON_LOOP:
        return await asyncio.to_thread(_random_bytes, args)
    return _random_bytes(args)


@functools.cache
def _source() -> str:
    return (
        resources.files("scriptbridge.node.modules")
        .joinpath("js", "crypto.js")
        .read_text(encoding="utf-8")
    )


#: ``require('crypto')``.
CRYPTO: Final = HostModule(
    name="crypto",
    source=_source(),
    functions={
        "pbkdf2": _pbkdf2_async,
        "scrypt": _scrypt_async,
        "random_bytes": _random_bytes_async,
    },
    sync_functions={
        "digest": _digest,
        "pbkdf2": _pbkdf2,
        "scrypt": _scrypt,
        "random_bytes": _random_bytes,
        "random_uuid": _random_uuid,
    },
)
