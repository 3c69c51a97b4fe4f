"""How far a connection's migration has come: users moved and how, the scripts' record, and,
when the connection has a count_users script (a scriptbridge extension), the share of the
legacy store that has moved."""

from __future__ import annotations

from typing import Any

from scriptbridge.migration.services import Services
from scriptbridge.settings import ConnectionSettings
from scriptbridge.store import iso


async def status(svc: Services, connection: ConnectionSettings) -> dict[str, Any]:
    """The connection's progress as JSON (GET /api/v2/connections/{id}/migration)."""
    summary = await svc.store.migration_summary(connection.name)
    by = summary.get("by", {})
    migrated = int(by.get("login", 0)) + int(by.get("get_user", 0))
    scripts = {
        kind: {"invocations": invocations, "errors": errors, "timeouts": timeouts}
        for kind, (invocations, errors, timeouts) in (
            await svc.store.script_stats(connection.name)
        ).items()
    }
    for (name, kind), unsaved in svc.unsaved.items():
        if name == connection.name:
            counts = scripts.setdefault(kind, {"invocations": 0, "errors": 0, "timeouts": 0})
            counts["invocations"] += unsaved.invocations
            counts["errors"] += unsaved.errors
            counts["timeouts"] += unsaved.timeouts
    last = summary.get("last_migrated_at")
    answer: dict[str, Any] = {
        "connection": connection.name,
        "import_mode": connection.import_mode,
        "users": {
            "total": summary.get("total", 0),
            "migrated": migrated,
            "by_login": int(by.get("login", 0)),
            "by_get_user": int(by.get("get_user", 0)),
            "native": int(by.get("native", 0)),
            "legacy_records": int(by.get("legacy", 0)),
        },
        "per_day": summary.get("per_day", []),
        "last_migrated_at": None if last is None else iso(last),
        "scripts": scripts,
        "legacy_total": None,
        "percent_migrated": None,
    }
    live = svc.connections.live(connection.name)
    if live is not None and "count_users" in live.scripts:
        outcome = await svc.invoke(connection, "count_users", [])
        if outcome.status == "result" and isinstance(outcome.result, int | float):
            total = int(outcome.result)
            answer["legacy_total"] = total
            answer["percent_migrated"] = (
                100.0 if total == 0 else round(min(100.0, 100.0 * migrated / total), 2)
            )
        else:
            answer["legacy_total_error"] = f"count_users ended with {outcome.status}" + (
                "" if outcome.error is None else f": {outcome.error.message}"
            )
    return answer
