"""Node.js compatibility for scripts: the prelude of Node's globals."""

from __future__ import annotations

from scriptbridge.node.prelude import LAZY_GLOBALS, lazy_source, prelude_source

__all__ = ["LAZY_GLOBALS", "lazy_source", "prelude_source"]
