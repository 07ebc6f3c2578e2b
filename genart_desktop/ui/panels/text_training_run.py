"""Training a text model for the window, in a child process (no Qt here).

Why a process: on a thread, training stalled the window for up to 0.9 s at a time
(torch's first optimizer step imports hundreds of modules, and the loop is Python holding
the GIL between steps). The child runs ``text.train.train`` and talks JSON lines on
stdout; the parent's worker thread (``run_training``) turns them back into progress,
samples and a result.

Cancel without losing work: the engine writes its resumable state only every
``checkpoint_every_s``. A stop makes the child write that state at the end of the
current step and leave right after, so Start with the same name carries on from there.
If the window goes away, the child's stdin closes and it stops the same way.

    python -m genart_desktop.ui.panels.text_training_run   # reads TrainParams JSON on stdin
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from genart_desktop.core.jobs import Job
from genart_desktop.ui.training_process import (emit, listen_for_stop, report_outcome,
                                                run_child, training_threads)

MODULE = "genart_desktop.ui.panels.text_training_run"


# --- the parent side: a worker-thread job ------------------------------------------------------
def run_training(params: dict[str, Any], job: Job) -> str:
    """``train(TrainParams(**params))`` in a child process; returns the card path."""
    return run_child(MODULE, params, job)


# --- the child side -------------------------------------------------------------------------------
class _StoppingJob(Job):
    """A job whose stop first lets the engine write its resumable state, then cancels.

    After ``stop()`` the params' ``checkpoint_every_s`` reads 0, so the current step ends
    with a checkpoint; ``check()`` raises once that checkpoint is on disk (its state file
    is replaced atomically: a new inode), or at once when training has not started."""

    def __init__(self, resume_state: Path) -> None:
        super().__init__(on_progress=self._report)
        self.resume_state = resume_state
        self.stopping = threading.Event()
        self.stamp_at_stop: tuple | None = None
        self.steps_started = False

    def stop(self) -> None:
        if not self.stopping.is_set():
            self.stamp_at_stop = self._stamp()
            self.stopping.set()

    def check(self) -> None:
        if self.stopping.is_set() and (not self.steps_started
                                       or self._stamp() != self.stamp_at_stop):
            self.cancel()
        super().check()

    def _stamp(self) -> tuple | None:
        try:
            stat = os.stat(self.resume_state)
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    @staticmethod
    def _report(fraction: float, message: str, remaining) -> None:
        emit({"progress": fraction, "message": message})


def child_main() -> int:
    import torch

    from genart_desktop.text.train import TrainParams, output_stem, train

    values = json.loads(sys.stdin.readline())
    torch.set_num_threads(int(values.get("threads") or training_threads()))
    stem = output_stem(values["output"])
    job = _StoppingJob(stem.parent / f".{stem.name}.resume" / "state.json")

    class StoppableParams(TrainParams):
        @property  # type: ignore[override]
        def checkpoint_every_s(self) -> float:
            job.steps_started = True  # read after every step
            return 0.0 if job.stopping.is_set() else self._interval

        @checkpoint_every_s.setter
        def checkpoint_every_s(self, value: float) -> None:
            self._interval = float(value)

    listen_for_stop(job.stop)
    job._on_partial = lambda text: emit({"partial": text})
    return report_outcome(lambda: str(train(StoppableParams(**values), job)))


if __name__ == "__main__":
    raise SystemExit(child_main())
