"""``python -m scriptbridge``: the command line."""

from __future__ import annotations

from scriptbridge.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
