"""Benchmarks print JSON lines: {"metric": ..., "value": ..., "unit": ...}.

Each area's ``genart_desktop/<area>/bench.py`` defines ``main(argv) -> int``;
``python -m genart_desktop.bench AREA`` runs it. Benchmarks are not tests.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator


def emit(metric: str, value: float | int | None, unit: str, **extra: Any) -> None:
    record = {"metric": metric, "value": value, "unit": unit, **extra}
    print(json.dumps(record, ensure_ascii=False), flush=True)


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as elapsed: ...`` then ``elapsed[0]`` is seconds."""
    box = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def rss_mb() -> float:
    """This process's resident memory now (Linux); elsewhere its peak, the best there is."""
    import os

    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, AttributeError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB; bytes on macOS
        return peak / (2**20 if sys.platform == "darwin" else 1024)


def hardware() -> dict[str, Any]:
    import os
    import platform

    info: dict[str, Any] = {"cpu_count": os.cpu_count(), "machine": platform.machine(),
                            "python": sys.version.split()[0]}
    if hasattr(os, "getloadavg"):  # how busy the machine was: timings depend on it
        info["load_average_1min"] = round(os.getloadavg()[0], 2)
    return info
