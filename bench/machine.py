"""What the benchmarks share: the machine they ran on, its stolen time, and percentiles."""

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


def _machine_ticks() -> tuple[int, int]:
    """The machine's CPU time so far, in clock ticks: all of it, and the part stolen by the
    hypervisor for other guests (``steal`` in /proc/stat), which a shared VM loses at random."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]), fields[7]


class Steal:
    """The share of the machine's CPU time stolen since it was made, in per cent."""

    def __init__(self) -> None:
        self._ticks, self._stolen = _machine_ticks()

    def pct(self) -> float:
        ticks, stolen = _machine_ticks()
        return round((stolen - self._stolen) * 100 / max(1, ticks - self._ticks), 1)
