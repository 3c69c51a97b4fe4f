"""Runs Management API calls with auth0-python 4.13.0, which cannot share an interpreter with
the v6 the tests import: ``PYTHONPATH=.sdk4 python sdk4_driver.py`` (dev/setup --test
installs it there).

Reads ``{"domain", "token", "calls": [[class, method, args, kwargs], ...]}`` as JSON on
stdin, builds ``auth0.management.<class>(domain, token, protocol="http")`` for each call, and
prints one JSON list: ``{"result": ...}`` per call, or ``{"error": {"status_code",
"error_code", "message"}}`` when the SDK raised ``Auth0Error``.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

VERSION = "4.13.0"


def main() -> int:
    auth0 = importlib.import_module("auth0")
    if auth0.__version__ != VERSION:
        print(
            f"auth0-python {auth0.__version__} was imported from {auth0.__file__}, not "
            f"{VERSION}; run dev/setup --test and put .sdk4 on PYTHONPATH",
            file=sys.stderr,
        )
        return 2
    management = importlib.import_module("auth0.management")
    error_type = importlib.import_module("auth0.exceptions").Auth0Error
    request = json.load(sys.stdin)
    results: list[dict[str, Any]] = []
    for class_name, method, args, kwargs in request["calls"]:
        client = getattr(management, class_name)(
            request["domain"], request["token"], protocol="http"
        )
        try:
            results.append({"result": getattr(client, method)(*args, **kwargs)})
        except error_type as error:
            results.append(
                {
                    "error": {
                        "status_code": error.status_code,
                        "error_code": error.error_code,
                        "message": error.message,
                    }
                }
            )
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
