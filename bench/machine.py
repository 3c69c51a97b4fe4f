"""What the benchmarks share: the machine they ran on, and percentiles."""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def machine() -> str:
    """e.g. ``x86_64, 2 cores, Intel(R) Xeon(R) Processor``."""
    return f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}"


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]
