"""Passwords: bcrypt hashing in threads, and Auth0's password-strength policies."""

from __future__ import annotations

import time

import bcrypt
import pytest

from scriptbridge.errors import PasswordStrengthError
from scriptbridge.passwords import (
    PasswordPolicy,
    check_password,
    hash_password,
    spend_like_verify,
    verify_password,
)

ROUNDS = 4


# -- hashing ---------------------------------------------------------------------------------


async def test_a_hash_verifies_its_password_and_no_other() -> None:
    password_hash = await hash_password("correct horse", ROUNDS)
    assert password_hash.startswith("$2b$04$")
    assert await verify_password("correct horse", password_hash)
    assert not await verify_password("correct horsE", password_hash)
    assert not await verify_password("", password_hash)


async def test_each_hash_has_its_own_salt() -> None:
    assert await hash_password("pw", ROUNDS) != await hash_password("pw", ROUNDS)


async def test_hashes_made_elsewhere_verify_whatever_their_prefix() -> None:
    made = bcrypt.hashpw(b"legacy pw", bcrypt.gensalt(ROUNDS)).decode()
    for prefix in ("$2a$", "$2b$", "$2y$"):
        assert await verify_password("legacy pw", prefix + made[4:])


@pytest.mark.parametrize(
    "password_hash",
    [
        "",
        "not a hash",
        "$2b$04$",
        "$2b$04$short",
        "$2b$99$abcdefghijklmnopqrstuuM7oHcEiaTJq/NqbfIAGtlvv6VB6sMW",
        "$2x$04$abcdefghijklmnopqrstuuM7oHcEiaTJq/NqbfIAGtlvv6VB6sMW",
        "$2b$04$abcdéfghijklmnopqrstuuM7oHcEiaTJq/NqbfIAGtlvv6VB6sMW",
        "$1$md5crypt$hash",
    ],
)
async def test_a_malformed_hash_verifies_nothing_and_does_not_raise(password_hash: str) -> None:
    assert await verify_password("pw", password_hash) is False


async def test_only_the_first_72_bytes_of_a_password_count() -> None:
    password_hash = await hash_password("a" * 72 + "tail", ROUNDS)
    assert await verify_password("a" * 72, password_hash)
    assert await verify_password("a" * 72 + "other tail", password_hash)
    assert not await verify_password("a" * 71, password_hash)
    # The same bytes bcrypt itself hashes.
    assert bcrypt.checkpw(b"a" * 72, password_hash.encode())


async def test_a_multibyte_password_is_cut_at_byte_72() -> None:
    password = "é" * 40  # 80 bytes in UTF-8
    password_hash = await hash_password(password, ROUNDS)
    assert bcrypt.checkpw(password.encode()[:72], password_hash.encode())
    assert await verify_password("é" * 36, password_hash)


async def test_a_lone_surrogate_is_hashed_as_the_replacement_character() -> None:
    password_hash = await hash_password("pw\ud800", ROUNDS)
    assert await verify_password("pw\ufffd", password_hash)
    assert bcrypt.checkpw("pw\ufffd".encode(), password_hash.encode())


async def test_spend_like_verify_accepts_any_password() -> None:
    await spend_like_verify("", rounds=ROUNDS)
    await spend_like_verify("x" * 200, rounds=ROUNDS)
    await spend_like_verify("pw\ud800", rounds=ROUNDS)


async def test_spend_like_verify_takes_as_long_as_a_wrong_password() -> None:
    rounds = 8
    password_hash = await hash_password("right", rounds)
    await spend_like_verify("warm-up", rounds=rounds)  # makes the cost's dummy hash

    verifying: list[float] = []
    spending: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        await verify_password("wrong", password_hash)
        verifying.append(time.perf_counter() - start)
        start = time.perf_counter()
        await spend_like_verify("wrong", rounds=rounds)
        spending.append(time.perf_counter() - start)
    assert 0.5 < min(spending) / min(verifying) < 2


# -- policies --------------------------------------------------------------------------------

LENGTH_1 = "Use at least 1 character"
LENGTH_6 = "Use at least 6 characters"
LENGTH_8 = "Use at least 8 characters"
LENGTH_10 = "Use at least 10 characters"
LOWER = "Add a lower case letter (a-z)"
UPPER = "Add an upper case letter (A-Z)"
NUMBER = "Add a number (0-9)"
THREE_OF_FOUR = (
    "Use at least 3 of these 4 kinds of character: lower case letters (a-z), upper case "
    "letters (A-Z), numbers (0-9) and special characters (such as !@#$%^&*)"
)
REPEATS = 'Do not repeat a character more than twice in a row (such as "aaa")'
TOO_LONG = (
    "Use at most 72 bytes: a letter outside ASCII takes 2 to 4, and bcrypt would ignore "
    "everything after byte 72"
)


@pytest.mark.parametrize(
    ("policy", "password"),
    [
        ("none", "a"),
        ("low", "abcdef"),
        ("fair", "Abcdefg1"),
        ("good", "abcdef1!"),
        ("good", "ABCDEFg1"),
        ("good", "Abcdefg!"),
        ("excellent", "Abcdefgh1!"),
        ("excellent", "aAbB1!ccDD"),  # two identical characters in a row are allowed
        ("none", "é" * 36),  # exactly 72 bytes
        ("good", "Correct horse battery staple"),  # a space is a special character
    ],
)
def test_a_password_that_meets_its_policy_passes(policy: PasswordPolicy, password: str) -> None:
    check_password(policy, password)


@pytest.mark.parametrize(
    ("policy", "password", "rules"),
    [
        ("none", "", [LENGTH_1]),
        ("low", "abcde", [LENGTH_6]),
        ("fair", "abcdefgh", [UPPER, NUMBER]),
        ("fair", "ABCDEFG1", [LOWER]),
        ("fair", "Ab1", [LENGTH_8]),
        ("fair", "", [LENGTH_8, LOWER, UPPER, NUMBER]),
        ("good", "abcdefgh", [THREE_OF_FOUR]),
        ("good", "abcdefg1", [THREE_OF_FOUR]),
        ("good", "Abcdéfgh", [THREE_OF_FOUR]),  # é is no class of Auth0's
        ("excellent", "Abcdefg1!", [LENGTH_10]),
        ("excellent", "Aaaa1!bcdef", [REPEATS]),
        ("excellent", "aaa", [LENGTH_10, THREE_OF_FOUR, REPEATS]),
        ("none", "x" * 73, [TOO_LONG]),
        ("none", "é" * 37, [TOO_LONG]),
        ("excellent", "Ab1!" * 19, [TOO_LONG]),
    ],
)
def test_a_weak_password_is_refused_with_every_rule_it_breaks(
    policy: PasswordPolicy, password: str, rules: list[str]
) -> None:
    with pytest.raises(PasswordStrengthError) as caught:
        check_password(policy, password)
    assert caught.value.policy == policy
    assert caught.value.rules == rules
    assert isinstance(caught.value, ValueError)
    for rule in rules:
        assert rule in str(caught.value)


def test_excellent_refuses_the_users_email_or_username_in_any_case() -> None:
    with pytest.raises(PasswordStrengthError) as caught:
        check_password(
            "excellent",
            "Alice.Liddell1@Example.com",
            email="alice.liddell1@example.com",
            username="ALICE.LIDDELL1@EXAMPLE.COM",
        )
    assert caught.value.rules == [
        "Do not use your email address as your password",
        "Do not use your username as your password",
    ]


def test_good_allows_the_email_as_password() -> None:
    check_password("good", "Alice.Liddell1@Example.com", email="alice.liddell1@example.com")


def test_an_unknown_policy_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown password policy 'strong'"):
        check_password("strong", "pw")  # type: ignore[arg-type]
