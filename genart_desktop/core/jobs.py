"""The one pattern for long work: a job reports progress, offers partial results and
answers whether it has been cancelled.

Engines take a ``Job`` and never know who is listening: the window's worker turns the
callbacks into Qt signals, the CLI prints progress, tests record what happened.

    def run(params, job: Job) -> Result:
        for step in range(n):
            job.check()                       # raises JobCancelled once cancelled
            ...
            job.progress((step + 1) / n, f"step {step + 1}/{n}")
            job.partial(preview)              # optional
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from genart_desktop.core.errors import JobCancelled

ProgressCallback = Callable[[float, str, "float | None"], None]
PartialCallback = Callable[[Any], None]
RATE_WINDOW_S = 60.0


class Job:
    def __init__(
        self,
        on_progress: ProgressCallback | None = None,
        on_partial: PartialCallback | None = None,
    ) -> None:
        self._cancel_event = threading.Event()
        self._on_progress = on_progress
        self._on_partial = on_partial
        # recent (time, fraction) reports: the rate of progress is measured over these,
        # so a job that changes pace still gets a fair estimate (a job that resumes
        # part-way reports where it stands first, not 0)
        self._recent: deque[tuple[float, float]] = deque()
        self.fraction = 0.0
        self.message = ""

    # --- asked by the engine -------------------------------------------------------
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def check(self) -> None:
        """Raise JobCancelled if the user cancelled; call between steps."""
        if self._cancel_event.is_set():
            raise JobCancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if self._recent and self.fraction < self._recent[-1][1]:
            self._recent.clear()  # progress went back (a new phase): measure afresh
        self._recent.append((now, self.fraction))
        while len(self._recent) > 2 and now - self._recent[1][0] > RATE_WINDOW_S:
            self._recent.popleft()
        self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, message, self.seconds_remaining())
        self.check()

    def partial(self, result: Any) -> None:
        if self._on_partial is not None:
            self._on_partial(result)

    def seconds_remaining(self) -> float | None:
        """From the pace of the recent reports (the last minute or so); None until known."""
        if len(self._recent) < 2:
            return None
        (start, first), (end, last) = self._recent[0], self._recent[-1]
        if last <= first or end <= start:
            return None
        return (1.0 - last) * (end - start) / (last - first)

    # --- asked by whoever started the job ------------------------------------------
    def cancel(self) -> None:
        self._cancel_event.set()


def console_job(prefix: str = "") -> Job:
    """A job that prints progress on one updating line of stderr (for the CLI)."""
    import sys

    last_print = [0.0]

    def show(fraction: float, message: str, remaining: float | None) -> None:
        now = time.monotonic()
        if now - last_print[0] < 0.5 and fraction < 1.0:
            return
        last_print[0] = now
        eta = f", {format_duration(remaining)} left" if remaining is not None else ""
        sys.stderr.write(f"\r{prefix}{fraction * 100:5.1f}% {message}{eta}\033[K")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return Job(on_progress=show)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
