"""SqliteStore's users: create, find, update, log in, delete, count."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from scriptbridge.errors import DuplicateUserError
from scriptbridge.store import UNSET, NewUser, SqliteStore, UserChanges, now, root_id

from .samples import new_user, ticket


async def test_created_user_is_returned_and_read_back_whole(store: SqliteStore) -> None:
    before = now()
    created = await store.create_user(
        new_user("42", name="Jane Doe", nickname="jane", picture="https://p.example/j.png")
    )
    assert created == await store.get_user(root_id("42"))
    assert created.user_id == "auth0|42"
    assert created.bare_id == "42"
    assert (created.name, created.nickname, created.picture) == (
        "Jane Doe",
        "jane",
        "https://p.example/j.png",
    )
    assert created.email_verified is True
    assert created.blocked is False
    assert created.logins_count == 0
    assert created.last_login is None
    assert before <= created.created_at == created.updated_at <= now()
    assert created.created_at.tzinfo is not None
    assert created.migrated_at == created.created_at  # moved from the legacy store at login


async def test_native_users_are_not_marked_migrated(store: SqliteStore) -> None:
    created = await store.create_user(new_user(migrated_by="native"))
    assert created.migrated_by == "native"
    assert created.migrated_at is None


async def test_unknown_user_is_none(store: SqliteStore) -> None:
    assert await store.get_user(root_id("nobody")) is None
    assert await store.find_user("legacy-db", "nobody@example.com") is None


async def test_find_matches_email_and_username_case_insensitively(store: SqliteStore) -> None:
    await store.create_user(new_user("1", email="Jane.Doe@Example.COM", username="JaneD"))
    for identifier in ("jane.doe@example.com", "JANE.DOE@EXAMPLE.COM", "janed", "JANED"):
        found = await store.find_user("legacy-db", identifier)
        assert found is not None, identifier
        assert found.user_id == "auth0|1"
        assert found.email == "Jane.Doe@Example.COM"  # kept as given
        assert found.username == "JaneD"


async def test_find_matches_non_ascii_emails_case_insensitively(store: SqliteStore) -> None:
    await store.create_user(new_user("1", email="ÉLODIE@ÉCOLE.FR"))
    found = await store.find_user("legacy-db", "élodie@école.fr")
    assert found is not None
    assert found.email == "ÉLODIE@ÉCOLE.FR"


async def test_find_looks_in_one_connection_only(store: SqliteStore) -> None:
    await store.create_user(new_user("1", connection="a"))
    await store.create_user(new_user("2", connection="b"))  # the same email in another one
    found = await store.find_user("b", "jane@example.com")
    assert found is not None
    assert found.user_id == "auth0|2"
    assert await store.find_user("c", "jane@example.com") is None


async def test_find_prefers_the_user_whose_email_matches(store: SqliteStore) -> None:
    await store.create_user(new_user("1", email="x@example.com", username="jane@example.com"))
    await store.create_user(new_user("2", email="jane@example.com"))
    found = await store.find_user("legacy-db", "jane@example.com")
    assert found is not None
    assert found.user_id == "auth0|2"


@pytest.mark.parametrize(
    ("second", "field"),
    [
        (new_user("1", email="other@example.com"), "user_id"),
        (new_user("2", email="JANE@example.com"), "email"),
        (new_user("2", email="other@example.com", username="janed"), "username"),
    ],
)
async def test_duplicate_id_email_or_username_is_refused_and_writes_nothing(
    store: SqliteStore, second: NewUser, field: str
) -> None:
    await store.create_user(new_user("1", email="jane@example.com", username="JaneD"))
    with pytest.raises(DuplicateUserError) as raised:
        await store.create_user(second)
    assert raised.value.field == field
    assert raised.value.connection == "legacy-db"
    assert await store.count_users() == 1
    assert await store.find_user("legacy-db", "other@example.com") is None
    kept = await store.get_user(root_id("1"))
    assert kept is not None
    assert kept.email == "jane@example.com"


async def test_users_without_email_or_username_do_not_collide(store: SqliteStore) -> None:
    await store.create_user(new_user("1", email=None, username="a"))
    await store.create_user(new_user("2", email=None, username="b"))
    await store.create_user(new_user("3", email="c@example.com", username=None))
    await store.create_user(new_user("4", email="d@example.com", username=None))
    assert await store.count_users() == 4


async def test_json_fields_round_trip_exactly(db_path: Path) -> None:
    """Nested values, unicode (a lone surrogate too), big ints, floats and key order."""
    attributes = {"locale": "fr-CA", "zeta": 1, "alpha": [None, True, False, 0.1, -0.0]}
    user_metadata = {
        "nested": {"deep": {"list": [1, [2, [3, {"k": "v"}]]]}},
        "unicode": "Zoë ✓ 漢字 🚀 \u0000 \ud800",
        "big": 2**70,
        "negative_big": -(10**30),
        "float": 1.7976931348623157e308,
        "empty": {},
    }
    app_metadata = {"roles": ["admin", "ünïcode"], "plan": {"seats": 12345678901234567890}}
    async with SqliteStore.open(db_path) as store:
        created = await store.create_user(
            new_user(attributes=attributes, user_metadata=user_metadata, app_metadata=app_metadata)
        )
    async with SqliteStore.open(db_path) as store:
        read = await store.get_user(root_id("1"))
    for user in (created, read):
        assert user is not None
        assert user.attributes == attributes
        assert list(user.attributes) == ["locale", "zeta", "alpha"]
        assert user.user_metadata == user_metadata
        assert user.app_metadata == app_metadata
        assert type(user.user_metadata["big"]) is int


async def test_json_fields_refuse_nan(store: SqliteStore) -> None:
    """JSON has no NaN; nothing is written."""
    with pytest.raises(ValueError, match="JSON"):
        await store.create_user(new_user(user_metadata={"x": float("nan")}))
    assert await store.count_users() == 0


async def test_update_changes_only_the_set_fields_and_bumps_updated_at(
    store: SqliteStore,
) -> None:
    created = await store.create_user(
        new_user(name="Jane", username="jane", user_metadata={"a": 1}, app_metadata={"b": 2})
    )
    await asyncio.sleep(0.002)
    updated = await store.update_user(
        created.user_id,
        UserChanges(name=None, email="New@Example.com", user_metadata={"c": 3}, blocked=True),
    )
    assert updated is not None
    assert updated == await store.get_user(created.user_id)
    assert updated.name is None  # None is a value: set
    assert updated.email == "New@Example.com"
    assert updated.user_metadata == {"c": 3}  # replaced, not merged
    assert updated.blocked is True
    # UNSET: left alone.
    assert updated.username == "jane"
    assert updated.app_metadata == {"b": 2}
    assert updated.password_hash == created.password_hash
    assert updated.created_at == created.created_at
    assert updated.updated_at > created.updated_at
    # The new email is what find matches now, case-insensitively.
    assert await store.find_user("legacy-db", "new@example.COM") == updated
    assert await store.find_user("legacy-db", "jane@example.com") is None


async def test_update_with_nothing_set_only_bumps_updated_at(store: SqliteStore) -> None:
    created = await store.create_user(new_user())
    await asyncio.sleep(0.002)
    updated = await store.update_user(created.user_id, UserChanges())
    assert updated is not None
    assert updated.updated_at > created.updated_at
    assert _all_but(updated, "updated_at") == _all_but(created, "updated_at")


async def test_update_to_a_taken_email_or_username_is_refused(store: SqliteStore) -> None:
    await store.create_user(new_user("1", email="a@example.com", username="a"))
    other = await store.create_user(new_user("2", email="b@example.com", username="b"))
    with pytest.raises(DuplicateUserError) as raised:
        await store.update_user(other.user_id, UserChanges(email="A@example.com", name="x"))
    assert raised.value.field == "email"
    with pytest.raises(DuplicateUserError) as raised:
        await store.update_user(other.user_id, UserChanges(username="A"))
    assert raised.value.field == "username"
    assert await store.get_user(other.user_id) == other  # nothing written


async def test_update_of_unknown_user_is_none(store: SqliteStore) -> None:
    assert await store.update_user(root_id("nobody"), UserChanges(name="x")) is None


async def test_record_login_counts_and_keeps_time_and_ip(store: SqliteStore) -> None:
    created = await store.create_user(new_user())
    first = await store.record_login(created.user_id, "203.0.113.7")
    second = await store.record_login(created.user_id, "2001:db8::1")
    assert first is not None
    assert second is not None
    assert (first.logins_count, first.last_ip) == (1, "203.0.113.7")
    assert (second.logins_count, second.last_ip) == (2, "2001:db8::1")
    assert first.last_login is not None
    assert second.last_login is not None
    assert created.created_at <= first.last_login <= second.last_login <= now()
    assert await store.record_login(root_id("nobody"), None) is None


async def test_delete_removes_the_user_and_its_tickets(store: SqliteStore) -> None:
    jane = await store.create_user(new_user("1"))
    bob = await store.create_user(new_user("2", email="bob@example.com"))
    await store.add_ticket(ticket("jane's", user_id=jane.user_id))
    await store.add_ticket(ticket("bob's", user_id=bob.user_id, email="bob@example.com"))
    assert await store.delete_user(jane.user_id) is True
    assert await store.get_user(jane.user_id) is None
    assert await store.get_ticket("jane's") is None
    assert await store.get_ticket("bob's") is not None
    assert await store.delete_user(jane.user_id) is False
    # Its email is free again.
    await store.create_user(new_user("3"))


async def test_count_users_in_all_or_one_connection(store: SqliteStore) -> None:
    assert await store.count_users() == 0
    await store.create_user(new_user("1", connection="a"))
    await store.create_user(new_user("2", connection="a", email="b@example.com"))
    await store.create_user(new_user("3", connection="b"))
    assert await store.count_users() == 3
    assert await store.count_users("a") == 2
    assert await store.count_users("b") == 1
    assert await store.count_users("c") == 0


async def test_naive_datetimes_are_refused(store: SqliteStore) -> None:
    naive = dt.datetime(2024, 1, 1, 10, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.add_ticket(dataclasses.replace(ticket(), created_at=naive))
    assert await store.get_ticket("t1") is None


def test_unset_is_the_default_of_every_change() -> None:
    assert all(value is UNSET for value in vars(UserChanges()).values())


def _all_but(record: Any, *names: str) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(record).items() if k not in names}
