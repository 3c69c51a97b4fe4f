"""require('bcrypt') and require('bcryptjs'): npm bcrypt's API over the bcrypt PyPI package.

The facade (``js/bcrypt.js``) checks arguments with npm bcrypt's messages and picks the call
form (callback, promise or ``*Sync``); Python hashes. The callback and promise forms hash in
bcrypt's threads, one per core, which scriptbridge's own password hashing shares
(``scriptbridge.passwords.in_bcrypt_thread``), so the event loop and the runner's isolate stay
free and several hashes run on several cores; the ``*Sync`` forms hash on the runner's own
thread, blocking its JavaScript as they block Node's event loop.

Behaviour follows npm bcrypt 5/6 (its README and kelektiv/node.bcrypt.js ``bcrypt.js`` and
``src/bcrypt_node.cc``), except where marked:

* A password is its UTF-8 bytes (a lone surrogate becomes U+FFFD, as V8 encodes it), or a
  Buffer's bytes; only the first 72 bytes count, as the README says ("only the first 72 bytes
  of a string are used"). Python's bcrypt 5 refuses longer passwords, so they are cut here.
* A malformed hash makes ``compare`` and ``compareSync`` answer ``false``, not an error (node's
  ``ValidateSalt`` fails and the binding returns false); ``hash`` with a malformed salt fails
  with node's "Invalid salt. Salt must be in the form of: $Vers$log2(NumRounds)$saltvalue".
* ``$2a$`` and ``$2b$`` hashes verify as in node. Differs: **``$2y$`` hashes (PHP's) verify
  too**, and a ``$2y$`` salt hashes to a ``$2y$`` hash, as in bcryptjs, although node's native
  binding answers ``false`` (and "Invalid salt") for them: its README calls them "compatible
  with $2b$ in theory", they are the same algorithm, and hashes migrated from PHP are what a
  migration must verify. ``$2x$`` (John the Ripper's flag for a sign-extension bug) and the
  prefix-less ``$2$`` are refused, as node refuses them.
* Differs, not reproduced: for ``$2a$`` hashes of passwords of 255 bytes or more, node's C code
  wraps the key length around 256 (the bug ``$2b$`` fixed); here such a password counts 72
  bytes, as it does under ``$2b$``.
* bcryptjs is served by the same facade: node bcrypt's messages, and ``compareSync`` answers
  ``false`` for any malformed hash where bcryptjs throws for some; bcryptjs's extra helpers
  (``getSalt``, ``truncates``...) are not provided.
"""

from __future__ import annotations

import base64
import functools
import hmac
import re
from importlib import resources
from typing import Any, Final

import bcrypt

from scriptbridge.engine import HostModule
from scriptbridge.passwords import in_bcrypt_thread

#: Bytes of a password that bcrypt uses.
MAX_PASSWORD_BYTES: Final = 72

# A salt node accepts (ValidateSalt), plus $2y$: the version, the cost and 22 characters of
# bcrypt's base64 for the 16-byte salt. A full hash starts with one.
_SALT: Final = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{22}")
_SALT_LENGTH: Final = 29
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class BcryptError(ValueError):
    """A bcrypt failure whose message is npm bcrypt's; the facade makes it a plain Error."""


def _password(value: Any) -> bytes:
    """A password as the facade sends it: a string, or ``{"bytes": base64}`` for a Buffer."""
    if isinstance(value, str):
        try:
            data = value.encode()
        except UnicodeEncodeError:
            data = _LONE_SURROGATE.sub("\ufffd", value).encode()
    elif isinstance(value, dict) and isinstance(value.get("bytes"), str):
        data = base64.b64decode(value["bytes"])
    else:
        raise BcryptError("data must be a string or Buffer")
    return data[:MAX_PASSWORD_BYTES]


def _salt(value: Any) -> bytes | None:
    """The 29-character salt that starts ``value``, or None if it is not one node accepts."""
    if not isinstance(value, str) or _SALT.match(value) is None:
        return None
    return value[:_SALT_LENGTH].encode("ascii")


def _gen_salt(rounds: Any, minor: Any) -> str:
    if not isinstance(rounds, int) or not 4 <= rounds <= 31 or minor not in ("a", "b"):
        raise BcryptError("rounds must be a number from 4 to 31 and minor 'a' or 'b'")
    return bcrypt.gensalt(rounds, prefix=b"2" + minor.encode()).decode("ascii")


def _hash(password: Any, salt_or_rounds: Any) -> str:
    if isinstance(salt_or_rounds, int):
        salt_or_rounds = _gen_salt(salt_or_rounds, "b")
    salt = _salt(salt_or_rounds)
    if salt is None:
        raise BcryptError(
            "Invalid salt. Salt must be in the form of: $Vers$log2(NumRounds)$saltvalue"
        )
    return bcrypt.hashpw(_password(password), salt).decode("ascii")


def _compare(password: Any, hashed: Any) -> bool:
    # As node does: hash the password with the hash's salt and compare the two strings.
    salt = _salt(hashed)
    if salt is None:
        return False
    computed = bcrypt.hashpw(_password(password), salt)
    return hmac.compare_digest(computed, hashed.encode())


async def _compare_async(args: list[Any]) -> bool:
    return await in_bcrypt_thread(_compare, args[0], args[1])


async def _hash_async(args: list[Any]) -> str:
    return await in_bcrypt_thread(_hash, args[0], args[1])


async def _gen_salt_async(args: list[Any]) -> str:
    return _gen_salt(args[0], args[1])  # random bytes only: quick enough for the loop


async def _defer(args: list[Any]) -> None:
    """Nothing: the facade waits for it to report argument errors asynchronously, as node
    does, in a callback the engine attributes to the calling invocation."""


@functools.cache
def _source() -> str:
    return (
        resources.files("scriptbridge.node.modules")
        .joinpath("js", "bcrypt.js")
        .read_text(encoding="utf-8")
    )


def _module(name: str) -> HostModule:
    return HostModule(
        name=name,
        source=_source(),
        functions={
            "compare": _compare_async,
            "hash": _hash_async,
            "gen_salt": _gen_salt_async,
            "defer": _defer,
        },
        sync_functions={
            "compare": lambda args: _compare(args[0], args[1]),
            "hash": lambda args: _hash(args[0], args[1]),
            "gen_salt": lambda args: _gen_salt(args[0], args[1]),
        },
    )


#: ``require('bcrypt')``.
BCRYPT: Final = _module("bcrypt")
#: ``require('bcryptjs')``: the same API and behaviour (bcryptjs mirrors npm bcrypt's).
BCRYPTJS: Final = _module("bcryptjs")
