"""Training for the window runs in a child process; this is the conversation with it.

Why a process: on a thread, training stalled the window for up to 0.9 s at a time (the
first optimizer step imports hundreds of modules, and a training loop is Python holding
the GIL between steps). The child (``python -m MODULE``) reads its parameters as one
JSON line on stdin and writes JSON lines on stdout:

    {"progress": 0.4, "message": "..."}     -> job.progress
    {"partial": ...}                         -> job.partial (decoded by ``decode_partial``)
    {"result": ...} | {"cancelled": true} | {"user_error": "..."} | {"error": "..."}

Cancelling the job sends "stop" on stdin; the child then checkpoints and leaves, so the
next run resumes. If the window dies, the child's stdin closes and it stops the same way.
No Qt here: this runs on a panel's worker thread.
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
from typing import Any, Callable

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job

STOP = "stop"
# The child runs below the window's priority, so the window always gets a core when it
# needs one (the training loses little: the window is idle most of the time).
CHILD_NICE = 5


def training_threads() -> int:
    """Leave one core to the window and the panels' own work."""
    return max(1, (os.cpu_count() or 2) - 1)


def child_command(module: str) -> tuple[list[str], dict[str, Any]]:
    """``python -m module`` at the child's lower priority: the arguments and Popen options.

    On POSIX the child lowers its own priority as its first statement, before any thread
    exists (Linux sets niceness per thread; threads inherit it). A ``preexec_fn``
    would do it before exec, but it makes Python fork() the whole window (hundreds of MB
    of page tables copied while the GIL is held: a hitch of tens of ms on the UI thread)
    instead of vfork()."""
    if os.name == "nt":
        return ([sys.executable, "-m", module],
                {"creationflags": subprocess.BELOW_NORMAL_PRIORITY_CLASS})
    start = (f"import os, runpy; os.nice({CHILD_NICE}); "
             f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", start], {}


def run_child(module: str, params: dict[str, Any], job: Job,
              decode_partial: Callable[[Any], Any] = lambda value: value,
              failure_hint: str = "") -> Any:
    """Run ``python -m module`` with ``params``, relaying its messages to ``job``;
    returns its result, or raises JobCancelled / UserError / RuntimeError."""
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    command, options = child_command(module)
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=log, text=True, encoding="utf-8", **options)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps(params) + "\n")
    child.stdin.flush()
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in child.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name=f"{module}-reader", daemon=True).start()
    outcome: dict[str, Any] | None = None
    stop_sent = False
    try:
        while True:
            if job.cancelled() and not stop_sent:
                send(child, STOP)
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
            elif "partial" in message:
                job.partial(decode_partial(message["partial"]))
            else:
                outcome = message
        child.wait()
    finally:
        if child.poll() is None:  # the worker itself was interrupted: do not leave it running
            send(child, STOP)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
    return _outcome(outcome, child.returncode, log, failure_hint)


def send(child: subprocess.Popen, text: str) -> None:
    try:
        child.stdin.write(text + "\n")  # type: ignore[union-attr]
        child.stdin.flush()  # type: ignore[union-attr]
    except (BrokenPipeError, OSError, ValueError):
        pass


def _outcome(outcome: dict[str, Any] | None, returncode: int, log, failure_hint: str) -> Any:
    if outcome is not None and "result" in outcome:
        return outcome["result"]
    if outcome is not None and outcome.get("cancelled"):
        raise JobCancelled()
    if outcome is not None and outcome.get("user_error"):
        raise UserError(outcome["user_error"])
    log.seek(0)
    tail = [line for line in log.read().splitlines() if line.strip()][-1:]
    reason = (outcome or {}).get("error") or (tail[0] if tail else f"exit status {returncode}")
    raise RuntimeError(f"the training process stopped: {reason}{failure_hint}")


# --- the child's side ---------------------------------------------------------------------------
def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def listen_for_stop(stop: Callable[[], None]) -> None:
    """In the child: call ``stop`` on "stop", or when the window went away (stdin closed)."""

    def listen() -> None:
        for line in sys.stdin:
            if line.strip() == STOP:
                break
        stop()

    threading.Thread(target=listen, name="stop-listener", daemon=True).start()


def report_outcome(work: Callable[[], Any]) -> int:
    """In the child: run ``work`` and tell the parent how it ended; the exit status."""
    try:
        result = work()
    except JobCancelled:
        emit({"cancelled": True})
        return 0
    except UserError as error:
        emit({"user_error": str(error)})
        return 0
    except Exception as error:  # noqa: BLE001 - the parent reports it; the traceback goes to stderr
        traceback.print_exc()
        emit({"error": f"{type(error).__name__}: {error}"})
        return 1
    emit({"result": result})
    return 0
