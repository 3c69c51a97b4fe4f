"""What the commands print on stdout besides their tables: JSON, one value per line."""

from __future__ import annotations

import json
from typing import Any


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)
