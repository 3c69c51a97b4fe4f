"""Node.js compatibility for scripts: the prelude of Node's globals."""

from __future__ import annotations

from scriptbridge.node.prelude import (
    EAGER_FILES,
    LAZY_GLOBALS,
    eager_source,
    lazy_source,
    prelude_source,
)

__all__ = ["EAGER_FILES", "LAZY_GLOBALS", "eager_source", "lazy_source", "prelude_source"]
