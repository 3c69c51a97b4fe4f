"""Tests of the Node-compatible prelude (scriptbridge/node), run in real V8."""

from __future__ import annotations
