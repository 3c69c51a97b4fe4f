"""Shared test set-up.

V8 must be initialised with scriptbridge's flags before any test creates a MiniRacer:
mini-racer's default single-threaded platform crashes once several isolates exist.
"""

from scriptbridge.engine._bridge import init_v8

init_v8()
