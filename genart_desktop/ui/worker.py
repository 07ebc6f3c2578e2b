"""Background work for the window: one long-lived thread per panel.

A panel hands its worker a function ``fn(job) -> result``; the worker runs it on its own
thread (so a model loaded there stays loaded) and calls the panel back on the UI thread:

    handle = worker.submit(
        lambda job: engine.run(params, job),
        on_result=self.show_result, on_partial=self.show_preview,
        key="slider",            # latest wins: a newer "slider" request replaces this
    )                            # one while it is still waiting
    handle.cancel()

Errors inside ``fn`` reach ``on_error`` (by default the window's message) as one line and
go to the log with their traceback; they never take the app down. An out-of-memory
error on a GPU is retried on the CPU when ``fn`` takes a device (``uses_device=True``).
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job

log = logging.getLogger(__name__)
_task_ids = itertools.count(1)


@dataclass
class TaskHandle:
    """What the submitter keeps: cancel it, ask its state."""

    id: int
    label: str
    key: str | None
    job: Job
    show_progress: bool
    state: str = "queued"  # queued, running, finished, failed, cancelled, dropped
    callbacks: dict[str, Callable[..., Any]] = field(default_factory=dict, repr=False)

    def cancel(self) -> None:
        self.job.cancel()

    @property
    def done(self) -> bool:
        return self.state in ("finished", "failed", "cancelled", "dropped")


@dataclass
class _Task:
    handle: TaskHandle
    fn: Callable[..., Any]
    uses_device: bool


class PanelWorker(QThread):
    """A queue of tasks run one after another on one thread that lives as long as the panel."""

    # task id, then payload; emitted on the worker thread, delivered on the UI thread
    started_task = Signal(object)
    progress = Signal(object, float, str, object)
    partial = Signal(object, object)
    finished_task = Signal(object, object)
    failed = Signal(object, str)
    cancelled = Signal(object)
    dropped = Signal(object)
    notice = Signal(str)  # e.g. "GPU out of memory, retrying on the CPU"
    # on the UI thread, whenever a task starts, progresses or ends: for the status bar
    task_event = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"worker-{name}")
        self.name = name
        self._pending: deque[_Task] = deque()
        self._condition = threading.Condition()
        self._running: _Task | None = None
        self._stopping = False
        self._handles: dict[int, TaskHandle] = {}
        self.default_on_error: Callable[[str], None] | None = None
        self.started_task.connect(self._deliver_started)
        self.progress.connect(self._deliver_progress)
        self.partial.connect(self._deliver_partial)
        self.finished_task.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)
        self.cancelled.connect(self._deliver_cancelled)
        self.dropped.connect(self._deliver_dropped)

    # --- UI thread ---------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[..., Any],
        *,
        label: str = "",
        key: str | None = None,
        cancel_running: bool = False,
        show_progress: bool = False,
        uses_device: bool = False,
        on_result: Callable[[Any], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        on_progress: Callable[[float, str, float | None], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Queue ``fn(job)`` (or ``fn(job, device)`` with ``uses_device``).

        ``key``: latest wins; a waiting task with the same key is dropped in favour of this
        one, and with ``cancel_running`` a running one is cancelled too.
        ``show_progress``: the window's status bar shows this task's progress and cancel.
        """
        job = Job()
        handle = TaskHandle(next(_task_ids), label or self.name, key, job, show_progress)
        handle.callbacks = {
            name: callback for name, callback in (
                ("result", on_result), ("partial", on_partial), ("progress", on_progress),
                ("error", on_error), ("cancelled", on_cancelled),
            ) if callback is not None
        }
        job._on_progress = lambda fraction, message, remaining: self.progress.emit(
            handle.id, fraction, message, remaining)
        job._on_partial = lambda value: self.partial.emit(handle.id, value)
        self._handles[handle.id] = handle
        dropped: list[_Task] = []
        with self._condition:
            if key is not None:
                dropped = self._withdraw(key, cancel_running)
            self._pending.append(_Task(handle, fn, uses_device))
            self._condition.notify()
        for task in dropped:
            self._deliver_dropped(task.handle.id)
        if not self.isRunning() and not self._stopping:
            self.start()
        return handle

    def cancel_key(self, key: str) -> None:
        """Drop the waiting tasks with ``key`` and cancel the running one with it."""
        with self._condition:
            dropped = self._withdraw(key, cancel_running=True)
        for task in dropped:
            self._deliver_dropped(task.handle.id)

    def _withdraw(self, key: str, cancel_running: bool) -> list["_Task"]:
        """With the lock held: take the waiting tasks with ``key`` out of the queue (and
        cancel the running one with it when asked); the caller reports them dropped."""
        dropped = [task for task in self._pending if task.handle.key == key]
        for task in dropped:
            self._pending.remove(task)
        running = self._running
        if cancel_running and running is not None and running.handle.key == key:
            running.handle.cancel()
        return dropped

    def cancel_all(self) -> None:
        with self._condition:
            waiting = list(self._pending)
            self._pending.clear()
            if self._running is not None:
                self._running.handle.cancel()
        for task in waiting:
            self._deliver_dropped(task.handle.id)

    def busy(self) -> bool:
        with self._condition:
            return self._running is not None or bool(self._pending)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything, let the running task notice, and end the thread."""
        self.request_stop()
        return self.wait_stopped(timeout_ms)

    def request_stop(self) -> None:
        """Cancel everything and ask the thread to end once its task notices (no waiting)."""
        self._stopping = True
        self.cancel_all()
        with self._condition:
            self._condition.notify_all()

    def wait_stopped(self, timeout_ms: int) -> bool:
        return self.wait(max(0, timeout_ms)) if self.isRunning() else True

    # --- worker thread -----------------------------------------------------------------
    def run(self) -> None:
        while True:
            with self._condition:
                while not self._pending and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                task = self._pending.popleft()
                self._running = task
            try:
                self._execute(task)
            finally:
                with self._condition:
                    self._running = None

    def _execute(self, task: _Task) -> None:
        handle = task.handle
        if handle.job.cancelled():
            self.cancelled.emit(handle.id)
            return
        self.started_task.emit(handle.id)
        try:
            if task.uses_device:
                from genart_desktop.core.device import choose_device, run_with_cpu_fallback

                result = run_with_cpu_fallback(
                    lambda device: task.fn(handle.job, device), choose_device(),
                    on_fallback=self.notice.emit,
                )
            else:
                result = task.fn(handle.job)
        except JobCancelled:
            self.cancelled.emit(handle.id)
        except UserError as error:
            self.failed.emit(handle.id, str(error))
        except Exception as error:  # noqa: BLE001 - reported to the user, logged in full
            log.error("task %r failed:\n%s", handle.label, traceback.format_exc())
            self.failed.emit(handle.id, f"{handle.label} failed: {type(error).__name__}: {error}")
        else:
            if handle.job.cancelled():
                self.cancelled.emit(handle.id)
            else:
                self.finished_task.emit(handle.id, result)

    # --- back on the UI thread -----------------------------------------------------------
    def _deliver_started(self, task_id: int) -> None:
        if (handle := self._handles.get(task_id)) is not None:
            handle.state = "running"
            self.task_event.emit(handle)

    def _deliver_progress(self, task_id: int, fraction: float, message: str, remaining) -> None:
        handle = self._handles.get(task_id)
        if handle is None:
            return
        self.task_event.emit(handle)
        if "progress" in handle.callbacks:
            handle.callbacks["progress"](fraction, message, remaining)

    def _deliver_partial(self, task_id: int, value: Any) -> None:
        handle = self._handles.get(task_id)
        if handle is not None and not handle.job.cancelled() and "partial" in handle.callbacks:
            handle.callbacks["partial"](value)

    def _deliver_result(self, task_id: int, value: Any) -> None:
        handle = self._finish(task_id, "finished")
        if handle is not None and "result" in handle.callbacks:
            handle.callbacks["result"](value)

    def _deliver_error(self, task_id: int, message: str) -> None:
        handle = self._finish(task_id, "failed")
        if handle is None:
            return
        callback = handle.callbacks.get("error") or self.default_on_error
        if callback is not None:
            callback(message)

    def _deliver_cancelled(self, task_id: int) -> None:
        handle = self._finish(task_id, "cancelled")
        if handle is not None and "cancelled" in handle.callbacks:
            handle.callbacks["cancelled"]()

    def _deliver_dropped(self, task_id: int) -> None:
        self._finish(task_id, "dropped")

    def _finish(self, task_id: int, state: str) -> TaskHandle | None:
        handle = self._handles.pop(task_id, None)
        if handle is not None:
            handle.state = state
            self.task_event.emit(handle)
        return handle
