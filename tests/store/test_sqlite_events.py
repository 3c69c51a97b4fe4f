"""SqliteStore's failed attempts, signing keys, tenant logs and outbox."""

from __future__ import annotations

import datetime as dt

import pytest

from scriptbridge.store import NewLog, SigningKey, SqliteStore, now


async def test_failures_count_per_identifier_and_ip(store: SqliteStore) -> None:
    assert await store.failures("db", "jane@example.com", "203.0.113.7") == 0
    assert await store.add_failure("db", "jane@example.com", "203.0.113.7") == 1
    assert await store.add_failure("db", "JANE@Example.com", "203.0.113.7") == 2
    assert await store.add_failure("db", "jane@example.com", "198.51.100.1") == 1
    assert await store.add_failure("other", "jane@example.com", "203.0.113.7") == 1
    assert await store.failures("db", "Jane@Example.COM", "203.0.113.7") == 2
    assert await store.failures("db", "jane@example.com", "198.51.100.1") == 1


async def test_clear_failures_from_one_ip_or_every_ip(store: SqliteStore) -> None:
    for ip in ("203.0.113.7", "198.51.100.1", "2001:db8::1"):
        await store.add_failure("db", "jane@example.com", ip)
    await store.add_failure("db", "bob@example.com", "203.0.113.7")
    await store.add_failure("other", "jane@example.com", "203.0.113.7")

    await store.clear_failures("db", "JANE@example.com", "203.0.113.7")
    assert await store.failures("db", "jane@example.com", "203.0.113.7") == 0
    assert await store.failures("db", "jane@example.com", "198.51.100.1") == 1

    await store.clear_failures("db", "Jane@Example.com")
    assert await store.failures("db", "jane@example.com", "198.51.100.1") == 0
    assert await store.failures("db", "jane@example.com", "2001:db8::1") == 0
    assert await store.failures("db", "bob@example.com", "203.0.113.7") == 1
    assert await store.failures("other", "jane@example.com", "203.0.113.7") == 1


async def test_signing_keys_come_newest_first(store: SqliteStore) -> None:
    assert await store.signing_keys() == []
    start = now()
    old = SigningKey("k-old", "-----BEGIN PRIVATE KEY-----\nold", start - dt.timedelta(days=9))
    new = SigningKey("k-new", "-----BEGIN PRIVATE KEY-----\nnew", start)
    middle = SigningKey("k-mid", "-----BEGIN PRIVATE KEY-----\nmid", start - dt.timedelta(days=1))
    for key in (new, old, middle):
        await store.add_signing_key(key)
    assert await store.signing_keys() == [new, middle, old]


async def test_log_ids_increase_as_strings_and_page_with_after(store: SqliteStore) -> None:
    appended = [await store.append_log(NewLog("s", description=f"event {n}")) for n in range(1_050)]
    ids = [log.log_id for log in appended]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {len(log_id) for log_id in ids} == {24}  # fixed width: string order is number order
    assert [log.date for log in appended] == sorted(log.date for log in appended)

    paged: list[str] = []
    after = None
    while page := await store.logs(after=after, limit=400):
        assert len(page) <= 400
        paged += [log.log_id for log in page]
        after = page[-1].log_id
    assert paged == ids
    assert await store.logs(after=ids[-1]) == []
    assert [log.log_id for log in await store.logs(after=ids[99], limit=3)] == ids[100:103]
    assert await store.logs(limit=0) == []


async def test_logs_read_back_as_appended(store: SqliteStore) -> None:
    before = now()
    appended = await store.append_log(
        NewLog(
            "fp",
            description="Wrong email or password.",
            connection="legacy-db",
            client_id="cid",
            client_name="App",
            ip="203.0.113.7",
            user_agent="curl/8",
            user_id="auth0|1",
            user_name="jane@example.com",
            details={"error": {"message": "Wrong ✓", "big": 2**64}, "attempts": [1, 2]},
        )
    )
    assert before <= appended.date <= now()
    assert await store.logs() == [appended]
    assert appended.as_auth0()["_id"] == appended.log_id


async def test_logs_refuse_a_negative_limit(store: SqliteStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        await store.logs(limit=-1)


async def test_messages_are_kept_oldest_first(store: SqliteStore) -> None:
    assert await store.messages() == []
    await store.add_message("verify_email", "jane@example.com", "Verify: https://x/1")
    await store.add_message("change_password", "bob@example.com", "Reset: https://x/2")
    await store.add_message("change_password", "jane@example.com", "Reset: https://x/3")
    assert await store.messages() == [
        ("verify_email", "jane@example.com", "Verify: https://x/1"),
        ("change_password", "bob@example.com", "Reset: https://x/2"),
        ("change_password", "jane@example.com", "Reset: https://x/3"),
    ]
    assert await store.messages("jane@example.com") == [
        ("verify_email", "jane@example.com", "Verify: https://x/1"),
        ("change_password", "jane@example.com", "Reset: https://x/3"),
    ]
    assert await store.messages("nobody@example.com") == []
