"""Glue between the window and ``latent.train.train`` (no Qt): a run the user can cancel
without losing work, and the losses read back from its progress messages.

The engine writes a resumable checkpoint every ``checkpoint_seconds`` and checks for
cancellation only inside ``job.progress`` (every 10 steps); a cancel there loses the
steps since the last checkpoint. ``CancellableParams`` makes a cancel end the current
step with a checkpoint and stop right after it, so Cancel then Train again resumes
where it stopped. (The cleaner fix belongs in the engine: save on ``JobCancelled``.)
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from genart_desktop.core.errors import JobCancelled
from genart_desktop.core.jobs import Job
from genart_desktop.latent.train import TrainParams, checkpoint_stem, output_stem

CHECKPOINT_SECONDS = 30.0  # what a crash can lose


class CancellableParams(TrainParams):
    """TrainParams whose loop-read fields turn a cancel into "checkpoint, then stop".

    The training loop reads ``partial_every`` and then ``checkpoint_seconds`` once per
    step. After ``stop()``: ``checkpoint_seconds`` reads 0, so that step ends with a
    checkpoint; the next read of ``partial_every`` (one step later) raises JobCancelled,
    once the checkpoint file has really changed on disk.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._stop = threading.Event()
        self._card_at_stop: int | None = None
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def checkpoint_seconds(self) -> float:
        return 0.0 if self._stop.is_set() else self._interval

    @checkpoint_seconds.setter
    def checkpoint_seconds(self, value: float) -> None:
        self._interval = float(value)

    @property  # type: ignore[override]
    def partial_every(self) -> int:
        if self._stop.is_set() and self._card_stamp() != self._card_at_stop:
            raise JobCancelled()
        return self._partial_every

    @partial_every.setter
    def partial_every(self, value: int) -> None:
        self._partial_every = int(value)

    def checkpoint_card(self) -> Path:
        return checkpoint_stem(output_stem(self.output)).with_suffix(".json")

    def stop(self) -> None:
        if not self._stop.is_set():
            self._card_at_stop = self._card_stamp()
            self._stop.set()

    def _card_stamp(self) -> int | None:
        try:
            stat = os.stat(self.checkpoint_card())
        except OSError:
            return None
        return stat.st_mtime_ns ^ stat.st_ino ^ stat.st_size  # written atomically: a new inode


class RelayJob(Job):
    """The job handed to ``train``: forwards progress and samples to the window's job,
    and turns the user's cancel into ``params.stop()`` instead of an immediate raise."""

    def __init__(self, outer: Job, params: CancellableParams) -> None:
        super().__init__()
        self.outer = outer
        self.params = params

    def progress(self, fraction: float, message: str = "") -> None:
        if self.outer.cancelled():
            self.params.stop()
            return
        self.outer.progress(fraction, message)

    def partial(self, result) -> None:
        self.outer.partial(result)

    def cancelled(self) -> bool:
        return False  # the params raise once the checkpoint is written


_STEP = re.compile(r"^step (\d+) epoch [\d.]+ (.*?) \(")
_LOSS = re.compile(r"([a-z_]+) (-?\d+(?:\.\d+)?(?:e-?\d+)?)")


def parse_losses(message: str) -> tuple[int, dict[str, float]] | None:
    """(step, losses) from a progress line such as
    ``step 40 epoch 1.2 d_hinge 1.0123 g_hinge 0.5 (15 img/s)``; None for other lines."""
    match = _STEP.match(message)
    if match is None:
        return None
    losses = {name: float(value) for name, value in _LOSS.findall(match.group(2))}
    return int(match.group(1)), losses


def resumed_step(message: str) -> int | None:
    match = re.match(r"resumed at step (\d+)", message)
    return int(match.group(1)) if match else None


def training_threads() -> int:
    """Leave one core to the sliders and the window (the decoder is small)."""
    return max(1, (os.cpu_count() or 2) - 1)
