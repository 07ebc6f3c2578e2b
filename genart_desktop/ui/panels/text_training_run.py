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
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Any

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job

STOP = "stop"


def training_threads() -> int:
    """Leave one core to the window and to writing poems."""
    return max(1, (os.cpu_count() or 2) - 1)


# --- the parent side: a worker-thread job ------------------------------------------------------
def run_training(params: dict[str, Any], job: Job) -> str:
    """``train(TrainParams(**params))`` in a child process; returns the card path."""
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "genart_desktop.ui.panels.text_training_run"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8")
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(params) + "\n")
    child.stdin.flush()
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in child.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name="text-training-reader", daemon=True).start()
    outcome: dict[str, Any] | None = None
    stop_sent = False
    try:
        while True:
            if job.cancelled() and not stop_sent:
                _send(child, STOP)
                stop_sent = True
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                message = json.loads(line)
            except ValueError:
                continue  # a stray print from a library
            if "progress" in message:
                if not job.cancelled():
                    job.progress(message["progress"], message["message"])
            elif "sample" in message:
                job.partial(message["sample"])
            else:
                outcome = message
        child.wait()
    finally:
        if child.poll() is None:  # the worker itself was interrupted: do not leave it running
            _send(child, STOP)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
    return _outcome(outcome, child.returncode, log)


def _send(child: subprocess.Popen, text: str) -> None:
    try:
        child.stdin.write(text + "\n")  # type: ignore[union-attr]
        child.stdin.flush()  # type: ignore[union-attr]
    except (BrokenPipeError, OSError, ValueError):
        pass


def _outcome(outcome: dict[str, Any] | None, returncode: int, log) -> str:
    if outcome is not None and "result" in outcome:
        return outcome["result"]
    if outcome is not None and outcome.get("cancelled"):
        raise JobCancelled()
    if outcome is not None and outcome.get("user_error"):
        raise UserError(outcome["user_error"])
    log.seek(0)
    tail = [line for line in log.read().splitlines() if line.strip()][-1:]
    reason = (outcome or {}).get("error") or (tail[0] if tail else f"exit status {returncode}")
    raise RuntimeError(f"the training process stopped: {reason}")


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
        _emit({"progress": fraction, "message": message})


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


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

    def listen() -> None:  # "stop", or the window went away (stdin closed)
        for line in sys.stdin:
            if line.strip() == STOP:
                break
        job.stop()

    threading.Thread(target=listen, name="stop-listener", daemon=True).start()
    job._on_partial = lambda text: _emit({"sample": text})
    try:
        card = train(StoppableParams(**values), job)
    except JobCancelled:
        _emit({"cancelled": True})
        return 0
    except UserError as error:
        _emit({"user_error": str(error)})
        return 0
    except Exception as error:  # noqa: BLE001 - reported to the window in one line
        traceback.print_exc()
        _emit({"error": f"{type(error).__name__}: {error}"})
        return 1
    _emit({"result": str(card)})
    return 0


if __name__ == "__main__":
    raise SystemExit(child_main())
