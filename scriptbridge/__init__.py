"""scriptbridge: run Auth0 custom-database action scripts unchanged, to migrate users."""

from __future__ import annotations

__version__ = "0.1.0"
