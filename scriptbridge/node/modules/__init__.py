"""Bridged Node modules: what ``require()`` gives scripts before node_modules packages.

Each module is a JavaScript facade (``js/``) over Python functions. :func:`builtin_modules`
builds a fresh set for one engine: modules with shared resources (connections, sessions) keep
them per engine, opened and closed with it.
"""

from __future__ import annotations

from scriptbridge.engine import HostModule
from scriptbridge.node.modules.bcrypt import BCRYPT, BCRYPTJS
from scriptbridge.node.modules.crypto import CRYPTO
from scriptbridge.node.modules.http import DEFAULT_DENY, http_modules
from scriptbridge.node.modules.mysql import mysql_modules
from scriptbridge.node.modules.pg import pg_module
from scriptbridge.node.modules.pure import PURE_MODULES
from scriptbridge.node.modules.sqlite3 import sqlite3_module


def builtin_modules(
    *,
    allow_hosts: tuple[str, ...] = (),
    deny_hosts: tuple[str, ...] = DEFAULT_DENY,
    http_timeout_seconds: float = 20.0,
) -> tuple[HostModule, ...]:
    """Every module scriptbridge provides, for one engine; the HTTP modules reach the hosts
    the arguments allow (see http_modules)."""
    return (
        BCRYPT,
        BCRYPTJS,
        CRYPTO,
        sqlite3_module(),
        *http_modules(
            allow_hosts=allow_hosts, deny_hosts=deny_hosts, timeout_seconds=http_timeout_seconds
        ),
        pg_module(),
        *mysql_modules(),
        *PURE_MODULES,
    )


__all__ = ["builtin_modules"]
