"""SqliteStore's password-change tickets: single use, expiry, and what redeeming writes."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from scriptbridge.errors import DuplicateUserError
from scriptbridge.store import SqliteStore, UserChanges, root_id

from .samples import new_user, ticket

NEW_HASH = "$2b$04$" + "n" * 53


async def test_ticket_reads_back_as_added(store: SqliteStore) -> None:
    added = ticket(profile={"email": "jane@example.com", "nested": {"n": [1, 2]}})
    await store.add_ticket(added)
    assert await store.get_ticket("t1") == added
    assert await store.get_ticket("other") is None


async def test_redeem_changes_the_user_once_only(store: SqliteStore) -> None:
    jane = await store.create_user(new_user())
    await store.add_ticket(ticket(user_id=jane.user_id))
    changed = await store.redeem_ticket(
        "t1", change=(jane.user_id, UserChanges(password_hash=NEW_HASH))
    )
    assert changed is not None
    assert changed.password_hash == NEW_HASH
    used = await store.get_ticket("t1")
    assert used is not None
    assert used.used_at is not None
    again = await store.redeem_ticket(
        "t1", change=(jane.user_id, UserChanges(password_hash="$2b$04$again"))
    )
    assert again is None
    assert await store.get_user(jane.user_id) == changed


async def test_redeem_of_an_expired_ticket_is_refused_and_writes_nothing(
    store: SqliteStore,
) -> None:
    jane = await store.create_user(new_user())
    await store.add_ticket(ticket(user_id=jane.user_id, lifetime=dt.timedelta(seconds=-1)))
    await store.add_failure("legacy-db", "jane@example.com", "203.0.113.7")
    redeemed = await store.redeem_ticket(
        "t1", change=(jane.user_id, UserChanges(password_hash=NEW_HASH))
    )
    assert redeemed is None
    assert await store.get_user(jane.user_id) == jane
    unused = await store.get_ticket("t1")
    assert unused is not None
    assert unused.used_at is None
    assert await store.failures("legacy-db", "jane@example.com", "203.0.113.7") == 1


async def test_redeem_of_an_unknown_ticket_is_none(store: SqliteStore) -> None:
    assert await store.redeem_ticket("nope", create=new_user()) is None
    assert await store.count_users() == 0


async def test_redeem_changing_an_unknown_user_is_refused_and_leaves_the_ticket_unused(
    store: SqliteStore,
) -> None:
    await store.add_ticket(ticket())
    redeemed = await store.redeem_ticket(
        "t1", change=(root_id("gone"), UserChanges(password_hash=NEW_HASH))
    )
    assert redeemed is None
    unused = await store.get_ticket("t1")
    assert unused is not None
    assert unused.used_at is None


async def test_redeem_needs_exactly_one_of_create_and_change(store: SqliteStore) -> None:
    await store.add_ticket(ticket())
    with pytest.raises(ValueError, match="exactly one"):
        await store.redeem_ticket("t1")
    with pytest.raises(ValueError, match="exactly one"):
        await store.redeem_ticket(
            "t1", create=new_user(), change=(root_id("1"), UserChanges(name="x"))
        )


async def test_redeem_creates_a_legacy_user_and_the_ticket_becomes_its(
    store: SqliteStore,
) -> None:
    """A ticket for a user only the legacy store knew migrates it, and goes when it goes."""
    await store.add_ticket(ticket(profile={"email": "jane@example.com"}))
    created = await store.redeem_ticket(
        "t1", create=new_user("9", migrated_by="get_user", password_hash=NEW_HASH)
    )
    assert created is not None
    assert created == await store.get_user(root_id("9"))
    used = await store.get_ticket("t1")
    assert used is not None
    assert used.used_at is not None
    assert used.user_id == "auth0|9"
    await store.delete_user(created.user_id)
    assert await store.get_ticket("t1") is None


async def test_redeem_whose_create_collides_writes_nothing_and_leaves_the_ticket_unused(
    store: SqliteStore,
) -> None:
    await store.create_user(new_user("1"))
    await store.add_ticket(ticket())
    await store.add_failure("legacy-db", "jane@example.com", "203.0.113.7")
    with pytest.raises(DuplicateUserError) as raised:
        await store.redeem_ticket("t1", create=new_user("2", email="JANE@example.com"))
    assert raised.value.field == "email"
    unused = await store.get_ticket("t1")
    assert unused is not None
    assert unused.used_at is None
    assert await store.get_user(root_id("2")) is None
    assert await store.failures("legacy-db", "jane@example.com", "203.0.113.7") == 1


async def test_redeem_clears_the_users_failures_from_every_ip(store: SqliteStore) -> None:
    jane = await store.create_user(new_user(email="Jane@example.com", username="janed"))
    await store.add_ticket(ticket(user_id=jane.user_id))
    for identifier, ip in [
        ("jane@example.com", "203.0.113.7"),
        ("JANE@example.com", "198.51.100.1"),
        ("JaneD", "203.0.113.7"),
        ("bob@example.com", "203.0.113.7"),
    ]:
        await store.add_failure("legacy-db", identifier, ip)
    await store.add_failure("other-db", "jane@example.com", "203.0.113.7")
    await store.redeem_ticket("t1", change=(jane.user_id, UserChanges(password_hash=NEW_HASH)))
    assert await store.failures("legacy-db", "jane@example.com", "203.0.113.7") == 0
    assert await store.failures("legacy-db", "jane@example.com", "198.51.100.1") == 0
    assert await store.failures("legacy-db", "janed", "203.0.113.7") == 0
    # Other identifiers and other connections keep theirs.
    assert await store.failures("legacy-db", "bob@example.com", "203.0.113.7") == 1
    assert await store.failures("other-db", "jane@example.com", "203.0.113.7") == 1


async def test_concurrent_redeems_only_one_wins(store: SqliteStore) -> None:
    jane = await store.create_user(new_user())
    await store.add_ticket(ticket(user_id=jane.user_id))
    results = await asyncio.gather(
        *(
            store.redeem_ticket(
                "t1", change=(jane.user_id, UserChanges(password_hash=f"$2b$04$try{n}"))
            )
            for n in range(10)
        )
    )
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    assert await store.get_user(jane.user_id) == winners[0]


async def test_concurrent_creating_redeems_only_one_wins(store: SqliteStore) -> None:
    await store.add_ticket(ticket())
    results = await asyncio.gather(
        *(store.redeem_ticket("t1", create=new_user(f"u{n}")) for n in range(5))
    )
    assert sum(result is not None for result in results) == 1
    assert await store.count_users() == 1


async def test_redeems_from_two_stores_on_one_file_only_one_wins(db_path: Path) -> None:
    """BEGIN IMMEDIATE: two processes (here, two connections) cannot both use a ticket."""
    async with SqliteStore.open(db_path) as first, SqliteStore.open(db_path) as second:
        await first.add_ticket(ticket())
        results = await asyncio.gather(
            *(
                store.redeem_ticket("t1", create=new_user(f"u{n}"))
                for n in range(4)
                for store in (first, second)
            )
        )
        assert sum(result is not None for result in results) == 1
        assert await second.count_users() == 1
