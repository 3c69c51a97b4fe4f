"""Password hashing with bcrypt, and Auth0's password-strength policies.

bcrypt is deliberately slow, so every hash and check runs in a worker thread and the event
loop stays free: in bcrypt's own threads, one per core (:func:`in_bcrypt_thread`), which the
scripts' ``require('bcrypt')`` shares. A password is its UTF-8 bytes, and bcrypt uses only the
first 72 of them; the bcrypt package refuses longer input, so it is cut here, the same way
when hashing and when checking. A lone surrogate (possible in JSON) becomes U+FFFD, as V8
encodes it, so a password means the same bytes here and in the legacy scripts.

The policies are Auth0's (``none`` to ``excellent``), with its character classes: ASCII lower
case, upper case, digits, and ASCII punctuation or space as special characters. Every policy
also refuses a password longer than bcrypt's 72 bytes rather than silently ignoring the rest.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

import bcrypt

from scriptbridge.errors import PasswordStrengthError

#: Bytes of a password that bcrypt uses.
MAX_PASSWORD_BYTES: Final = 72
#: The bcrypt cost Auth0 hashes with.
DEFAULT_ROUNDS: Final = 10

PasswordPolicy = Literal["none", "low", "fair", "good", "excellent"]

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")

T = TypeVar("T")

# bcrypt is all CPU, so one thread per core hashes as fast as more would. They are bcrypt's
# own: in asyncio's default executor, every quick job queued there (structlog's async log
# calls, V8 isolate boots) would wait behind the whole backlog of hashes, seconds when 50
# logins are in flight. Threads start on first use and are idle, not gone, between bursts.
_BCRYPT_THREADS: Final = concurrent.futures.ThreadPoolExecutor(
    max_workers=os.cpu_count() or 1, thread_name_prefix="bcrypt"
)


async def in_bcrypt_thread(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in one of bcrypt's threads, one per core, shared by scriptbridge's
    password hashing and the scripts' ``require('bcrypt')``: one queue, first come first
    served. A call cancelled before its turn never runs."""
    return await asyncio.get_running_loop().run_in_executor(_BCRYPT_THREADS, function, *args)


def _secret(password: str) -> bytes:
    """The bytes bcrypt sees of ``password``."""
    try:
        data = password.encode()
    except UnicodeEncodeError:
        data = _LONE_SURROGATE.sub("\ufffd", password).encode()
    return data[:MAX_PASSWORD_BYTES]


def _utf8_length(password: str) -> int:
    return len(_LONE_SURROGATE.sub("\ufffd", password).encode())


# -- hashing ---------------------------------------------------------------------------------


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_secret(password), bcrypt.gensalt(rounds)).decode("ascii")


def _check(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_secret(password), password_hash.encode("ascii"))
    except ValueError:  # not a bcrypt hash, or not ASCII (UnicodeEncodeError)
        return False


@functools.cache
def _dummy_hash(rounds: int) -> str:
    """A hash of a password nobody has, to check against when there is no user."""
    return _hash("scriptbridge: no such user", rounds)


def _spend(password: str, rounds: int) -> None:
    _check(password, _dummy_hash(rounds))


async def hash_password(password: str, rounds: int) -> str:
    """A new bcrypt hash (``$2b$``) of ``password`` at cost ``rounds`` (4 to 31)."""
    return await in_bcrypt_thread(_hash, password, rounds)


async def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches the bcrypt ``password_hash``; False for a malformed hash.

    ``$2a$``, ``$2b$`` and ``$2y$`` hashes are accepted.
    """
    return await in_bcrypt_thread(_check, password, password_hash)


async def spend_like_verify(password: str, *, rounds: int = DEFAULT_ROUNDS) -> None:
    """Spend the time a failed :func:`verify_password` would, when there is no user to check.

    Answering "no such user" faster than "wrong password" would tell an attacker which
    accounts exist. Pass the cost the service hashes with. The dummy hash of each cost is
    made once, on first use.
    """
    await in_bcrypt_thread(_spend, password, rounds)


# -- policies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Policy:
    min_length: int
    #: Every class in :data:`_FAIR_CLASSES` is required.
    all_of_three: bool = False
    #: Three of the four classes are required.
    three_of_four: bool = False
    no_repeats: bool = False
    no_personal_info: bool = False


_POLICIES: Final[dict[str, _Policy]] = {
    "none": _Policy(min_length=1),
    "low": _Policy(min_length=6),
    "fair": _Policy(min_length=8, all_of_three=True),
    "good": _Policy(min_length=8, three_of_four=True),
    "excellent": _Policy(min_length=10, three_of_four=True, no_repeats=True, no_personal_info=True),
}

_LOWER: Final = re.compile("[a-z]")
_UPPER: Final = re.compile("[A-Z]")
_DIGIT: Final = re.compile("[0-9]")
_SPECIAL: Final = re.compile(r"""[ !"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]""")
_REPEAT: Final = re.compile(r"(.)\1\1", re.DOTALL)

#: fair's classes, each with the rule a password lacking it breaks.
_FAIR_CLASSES: Final = (
    (_LOWER, "Add a lower case letter (a-z)"),
    (_UPPER, "Add an upper case letter (A-Z)"),
    (_DIGIT, "Add a number (0-9)"),
)
_FOUR_CLASSES: Final = (_LOWER, _UPPER, _DIGIT, _SPECIAL)

_TOO_LONG: Final = (
    f"Use at most {MAX_PASSWORD_BYTES} bytes: a letter outside ASCII takes 2 to 4, and "
    f"bcrypt would ignore everything after byte {MAX_PASSWORD_BYTES}"
)
_THREE_OF_FOUR: Final = (
    "Use at least 3 of these 4 kinds of character: lower case letters (a-z), upper case "
    "letters (A-Z), numbers (0-9) and special characters (such as !@#$%^&*)"
)
_REPEATS: Final = 'Do not repeat a character more than twice in a row (such as "aaa")'


def check_password(
    policy: PasswordPolicy,
    password: str,
    *,
    email: str | None = None,
    username: str | None = None,
) -> None:
    """Raise PasswordStrengthError listing every rule of ``policy`` that ``password`` breaks.

    Length counts characters (code points). ``excellent`` also refuses the user's own email
    or username as the password, whatever its case.
    """
    rules = _POLICIES.get(policy)
    if rules is None:
        raise ValueError(f"unknown password policy {policy!r}; use one of {', '.join(_POLICIES)}")
    broken: list[str] = []
    if len(password) < rules.min_length:
        plural = "s" if rules.min_length > 1 else ""
        broken.append(f"Use at least {rules.min_length} character{plural}")
    if _utf8_length(password) > MAX_PASSWORD_BYTES:
        broken.append(_TOO_LONG)
    if rules.all_of_three:
        broken.extend(rule for pattern, rule in _FAIR_CLASSES if not pattern.search(password))
    if rules.three_of_four and sum(bool(p.search(password)) for p in _FOUR_CLASSES) < 3:
        broken.append(_THREE_OF_FOUR)
    if rules.no_repeats and _REPEAT.search(password):
        broken.append(_REPEATS)
    if rules.no_personal_info:
        folded = password.casefold()
        if email and folded == email.casefold():
            broken.append("Do not use your email address as your password")
        if username and folded == username.casefold():
            broken.append("Do not use your username as your password")
    if broken:
        raise PasswordStrengthError(policy, broken)
