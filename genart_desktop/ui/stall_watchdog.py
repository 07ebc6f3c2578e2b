"""A stall watchdog: when the window's event loop stops turning for longer than a
threshold, write down what every thread was doing, so a hitch names its cause.

The UI thread beats a heartbeat every few milliseconds from a QTimer; a plain Python
thread watches it. When a beat is late by more than ``threshold_ms``, the watcher takes
every thread's stack (``sys._current_frames``) and logs it: the UI thread's own (a slow
handler, image scaling on the UI thread) and the workers' (a worker holding the GIL in
a long Python loop or a C call that does not release it, which stalls the UI thread as
surely). The stall's length is logged when the beats resume.

Switched on with ``GENART_STALL_WATCHDOG=1`` (threshold 50 ms; ``=30`` for 30 ms);
off by default: it costs a timer tick every 10 ms and a thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger("genart.stalls")
ENVIRONMENT = "GENART_STALL_WATCHDOG"


@dataclass
class Stall:
    started: float                  # monotonic time of the last beat before it
    stacks: dict[str, str]          # thread name -> its stack when the stall was seen
    seconds: float | None = None    # how long it lasted, once the beats resumed
    ui_thread: str = field(default="")


class StallWatchdog(QObject):
    def __init__(self, threshold_ms: float = 50.0, beat_ms: int = 10) -> None:
        super().__init__()
        self.threshold = threshold_ms / 1000.0
        self.stalls: list[Stall] = []
        self._last_beat = time.monotonic()
        self._open: Stall | None = None
        self._ui_ident = threading.get_ident()  # made on the UI thread
        self._running = False
        self._timer = QTimer(self, interval=beat_ms)
        self._timer.timeout.connect(self._beat)
        self._thread = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)

    @classmethod
    def from_environment(cls) -> "StallWatchdog | None":
        """A started watchdog when ``GENART_STALL_WATCHDOG`` asks for one, else None."""
        value = os.environ.get(ENVIRONMENT, "").strip()
        if not value or value == "0":
            return None
        try:
            threshold = float(value) if float(value) > 1 else 50.0
        except ValueError:
            threshold = 50.0
        watchdog = cls(threshold)
        watchdog.start()
        log.info("stall watchdog on: stacks of stalls over %.0f ms are logged", threshold)
        return watchdog

    def start(self) -> None:
        self._running = True
        self._last_beat = time.monotonic()
        self._timer.start()
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        self._timer.stop()

    # --- UI thread --------------------------------------------------------------------------
    def _beat(self) -> None:
        now = time.monotonic()
        stall, self._open = self._open, None
        self._last_beat = now
        if stall is not None:
            stall.seconds = now - stall.started
            log.warning("UI stall of %.0f ms ended", stall.seconds * 1000)

    # --- the watcher thread -------------------------------------------------------------------
    def _watch(self) -> None:
        while self._running:
            time.sleep(self.threshold / 4)
            last = self._last_beat
            if self._open is None and time.monotonic() - last > self.threshold:
                stall = Stall(last, self._stacks())
                stall.ui_thread = stall.stacks.get("UI thread", "")
                self.stalls.append(stall)
                self._open = stall
                log.warning("UI stalled for more than %.0f ms; what each thread was doing:\n%s",
                            self.threshold * 1000,
                            "\n".join(f"--- {name}\n{stack}" for name, stack in stall.stacks.items()))

    def _stacks(self) -> dict[str, str]:
        names = {thread.ident: thread.name for thread in threading.enumerate()}
        stacks = {}
        for ident, frame in sys._current_frames().items():
            if ident == threading.get_ident():
                continue  # the watcher itself
            name = "UI thread" if ident == self._ui_ident else names.get(ident, str(ident))
            stacks[name] = "".join(traceback.format_stack(frame, limit=12))
        return stacks
