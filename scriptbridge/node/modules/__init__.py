"""Bridged Node modules: what ``require()`` gives scripts before node_modules packages.

Each module is a JavaScript facade (``js/``) over Python functions. :func:`builtin_modules`
builds a fresh set for one engine: modules with shared resources (connections, sessions) keep
them per engine, opened and closed with it.
"""

from __future__ import annotations

from scriptbridge.engine import HostModule
from scriptbridge.node.modules.bcrypt import BCRYPT, BCRYPTJS
from scriptbridge.node.modules.crypto import CRYPTO
from scriptbridge.node.modules.http import http_modules
from scriptbridge.node.modules.mysql import mysql_modules
from scriptbridge.node.modules.pg import pg_module
from scriptbridge.node.modules.pure import PURE_MODULES
from scriptbridge.node.modules.sqlite3 import sqlite3_module


def builtin_modules() -> tuple[HostModule, ...]:
    """Every module scriptbridge provides, for one engine."""
    return (
        BCRYPT,
        BCRYPTJS,
        CRYPTO,
        sqlite3_module(),
        *http_modules(),
        pg_module(),
        *mysql_modules(),
        *PURE_MODULES,
    )


__all__ = ["builtin_modules"]
