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
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from genart_desktop.core.errors import JobCancelled

ProgressCallback = Callable[[float, str, "float | None"], None]
PartialCallback = Callable[[Any], None]
RATE_WINDOW_S = 60.0
MIN_PROGRESS_FOR_ESTIMATE = 0.01   # below this much progress in this run: "estimating…"
STEADY_AFTER = 0.10                # past this much progress an estimate moves at most 2x


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
        self._first: tuple[float, float] | None = None   # this run's first report
        self._last_estimate: tuple[float, float] | None = None  # (time, seconds left)
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
            # progress went back (a new phase): measure afresh
            self._recent.clear()
            self._first = self._last_estimate = None
        if self._first is None:
            self._first = (now, self.fraction)
        self._recent.append((now, self.fraction))
        while len(self._recent) > 2 and now - self._recent[1][0] > RATE_WINDOW_S:
            self._recent.popleft()
        self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, message, self._update_estimate(now))
        else:
            self._update_estimate(now)
        self.check()

    def partial(self, result: Any) -> None:
        if self._on_partial is not None:
            self._on_partial(result)

    def seconds_remaining(self) -> float | None:
        """Seconds left, or None while there is too little to go on ("estimating…")."""
        if self._last_estimate is None:
            return None
        at, left = self._last_estimate
        return max(0.0, left - (time.monotonic() - at))

    def _update_estimate(self, now: float) -> float | None:
        """The pace is the geometric mean of this run's whole pace and the last minute's:
        the first is steady, the second follows a job that changes speed. Past the first
        10% an estimate never jumps by more than a factor of 2 at once."""
        if self._first is None or len(self._recent) < 2:
            return None
        start, first = self._first
        done = self.fraction - first
        if done < MIN_PROGRESS_FOR_ESTIMATE or now <= start:
            return self.seconds_remaining()
        (recent_start, recent_first) = self._recent[0]
        overall_pace = done / (now - start)
        recent_pace = ((self.fraction - recent_first) / (now - recent_start)
                       if now > recent_start and self.fraction > recent_first else overall_pace)
        estimate = (1.0 - self.fraction) / (overall_pace * recent_pace) ** 0.5
        previous = self.seconds_remaining()
        if previous is not None and done >= STEADY_AFTER and previous > 0:
            estimate = min(max(estimate, previous / 2), previous * 2)
        self._last_estimate = (now, estimate)
        return estimate

    # --- asked by whoever started the job ------------------------------------------
    def cancel(self) -> None:
        self._cancel_event.set()


_progress_line_open = False  # a console job's progress line has no newline yet


@contextmanager
def interrupt_ends_sitting() -> Iterator[threading.Event]:
    """For a training loop run from the command line: the first Ctrl-C (or SIGTERM) sets
    the event, and the loop ends its sitting as if its time were up (checkpoint, model
    written); a second Ctrl-C interrupts at once. Off the main thread (the window's
    workers) nothing is installed and the event is never set."""
    import signal

    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}

    def ask_to_stop(number, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        end_progress_line()
        import sys

        print("stopping after this step: saving and writing the model "
              "(Ctrl-C again to interrupt at once)", file=sys.stderr, flush=True)

    for number in previous:
        signal.signal(number, ask_to_stop)
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def end_progress_line() -> None:
    """Finish an open progress line, so what is printed next starts a line of its own."""
    global _progress_line_open
    if _progress_line_open:
        import sys

        sys.stderr.write("\n")
        sys.stderr.flush()
        _progress_line_open = False


def console_job(prefix: str = "") -> Job:
    """A job that prints progress on one updating line of stderr (for the CLI)."""
    import sys

    last_print = [0.0]

    def show(fraction: float, message: str, remaining: float | None) -> None:
        now = time.monotonic()
        if now - last_print[0] < 0.5 and fraction < 1.0:
            return
        last_print[0] = now
        eta = f", {format_duration(remaining)} left" if fraction < 1.0 else ""
        global _progress_line_open
        sys.stderr.write(f"\r{prefix}{fraction * 100:5.1f}% {message}{eta}\033[K")
        _progress_line_open = fraction < 1.0
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return Job(on_progress=show)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "estimating…"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
