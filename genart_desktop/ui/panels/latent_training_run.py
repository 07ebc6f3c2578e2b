"""Training a latent model for the window, in a child process (no Qt here).

Why a process: the first optimizer a process creates imports about 900 modules (torch's
dynamo, sympy, triton), and a training loop is Python holding the GIL between steps;
both stalled the window for up to 0.9 s when training ran on a thread. The child runs
``latent.train.train`` and talks JSON lines on stdout; the parent's worker thread
(``run_training``) turns them back into progress, sample grids and a result.

Cancel without losing work: the engine checkpoints every ``checkpoint_seconds`` and
checks for cancellation only every 10 steps, losing the steps since its last
checkpoint. ``CancellableParams`` makes a stop end the current step with a checkpoint
and leave right after it, so Train again resumes where it stopped. If the window dies,
the child's stdin closes and it stops the same way. (The cleaner fix belongs in the
engine: save the checkpoint on ``JobCancelled``.)

    python -m genart_desktop.ui.panels.latent_training_run   # reads TrainParams JSON on stdin
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import sys
import threading
from dataclasses import asdict
from typing import Any

import numpy as np

from genart_desktop.core.errors import JobCancelled
from genart_desktop.core.jobs import Job
from genart_desktop.ui.training_process import (emit, listen_for_stop, report_outcome,
                                                run_child, training_threads)

CHECKPOINT_SECONDS = 30.0  # what a crash can lose
MODULE = "genart_desktop.ui.panels.latent_training_run"


# --- the parent side: a worker-thread job ------------------------------------------------------
def run_training(params: dict[str, Any], job: Job) -> dict[str, Any]:
    """Run ``train(TrainParams(**params))`` in a child process, relaying its progress and
    sample grids to ``job``; a cancelled ``job`` stops the child after a checkpoint."""
    return run_child(MODULE, params, job, decode_partial=_decode_array,
                     failure_hint="; train again to resume from its last checkpoint")


def _encode_array(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_array(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


# --- the child side -------------------------------------------------------------------------------
def _make_cancellable_params():
    from genart_desktop.latent.train import TrainParams, checkpoint_stem, output_stem

    class CancellableParams(TrainParams):
        """TrainParams whose loop-read fields turn a stop into "checkpoint, then leave".

        Each step of the loop reads ``batch_size`` first and ``checkpoint_seconds`` last.
        After ``stop()``: ``checkpoint_seconds`` reads 0, so the step ends with a
        checkpoint; the next read of ``batch_size`` raises JobCancelled once that
        checkpoint is really on disk (the card is replaced atomically: a new inode).
        """

        def __init__(self, *args, **kwargs) -> None:
            self._stop = threading.Event()
            self._card_at_stop: tuple | None = None
            super().__init__(*args, **kwargs)

        @property  # type: ignore[override]
        def checkpoint_seconds(self) -> float:
            return 0.0 if self._stop.is_set() else self._interval

        @checkpoint_seconds.setter
        def checkpoint_seconds(self, value: float) -> None:
            self._interval = float(value)

        @property  # type: ignore[override]
        def batch_size(self) -> int:
            if self._stop.is_set() and self._card_stamp() != self._card_at_stop:
                raise JobCancelled()
            return self._batch_size

        @batch_size.setter
        def batch_size(self, value: int) -> None:
            self._batch_size = int(value)

        def stop(self) -> None:
            if not self._stop.is_set():
                self._card_at_stop = self._card_stamp()
                self._stop.set()

        def _card_stamp(self) -> tuple | None:
            card = checkpoint_stem(output_stem(self.output)).with_suffix(".json")
            try:
                stat = os.stat(card)
            except OSError:
                return None
            return stat.st_ino, stat.st_mtime_ns, stat.st_size

    return CancellableParams


def child_main() -> int:
    import torch

    from genart_desktop.latent.train import train

    params = _make_cancellable_params()(**json.loads(sys.stdin.readline()))

    listen_for_stop(params.stop)
    torch.set_num_threads(training_threads())

    class Relay(Job):
        def progress(self, fraction: float, message: str = "") -> None:
            emit({"progress": fraction, "message": message})

        def partial(self, result) -> None:
            emit({"partial": _encode_array(result)})

    def work() -> dict[str, Any]:
        summary = train(params, Relay())
        summary["skipped"] = [str(item) for item in summary.get("skipped") or []]
        return json.loads(json.dumps(summary, default=str))

    return report_outcome(work)


# --- reading the run's progress lines ----------------------------------------------------------------------
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


def params_dict(**values: Any) -> dict[str, Any]:
    """TrainParams as JSON, with the output resolved here (the window's chosen models
    folder is not visible to the child) and the window's device preference."""
    from genart_desktop.core.device import preference
    from genart_desktop.latent.train import TrainParams, output_stem

    values["output"] = str(output_stem(values["output"]))
    if values.get("device") is None and preference() != "auto":
        values["device"] = preference()
    return {key: value for key, value in asdict(TrainParams(**values)).items()}


if __name__ == "__main__":
    raise SystemExit(child_main())
