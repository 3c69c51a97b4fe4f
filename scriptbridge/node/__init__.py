"""Node.js compatibility for scripts: the prelude of Node's globals."""

from __future__ import annotations

from scriptbridge.node.prelude import prelude_source

__all__ = ["prelude_source"]
