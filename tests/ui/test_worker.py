"""Background jobs: progress, partial results, cancel, errors as messages, latest wins."""

from __future__ import annotations

import threading
import time

from genart_desktop.core.errors import UserError


def test_job_progress_partial_result(window, qtbot):
    progress, partials, results = [], [], []

    def work(job):
        for step in range(5):
            job.progress((step + 1) / 5, f"step {step + 1}/5")
            job.partial(step)
        return "done"

    handle = window.workers["latent"].submit(
        work, show_progress=True, on_progress=lambda f, m, r: progress.append(m),
        on_partial=partials.append, on_result=results.append)
    qtbot.waitUntil(lambda: results == ["done"], timeout=5000)
    assert progress[-1] == "step 5/5" and partials == [0, 1, 2, 3, 4]
    assert handle.state == "finished"


def test_cancel_from_status_bar(window, qtbot):
    started = threading.Event()
    cancelled = []

    def long_work(job):
        started.set()
        for step in range(1000):
            job.progress(step / 1000, "working")
            time.sleep(0.01)
        return "should not finish"

    handle = window.workers["style"].submit(long_work, label="stylize", show_progress=True,
                                            on_cancelled=lambda: cancelled.append(True))
    qtbot.waitUntil(lambda: window.job_cancel.isVisible(), timeout=5000)
    assert "stylize" in window.job_label.text()
    window.job_cancel.click()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=5000)
    assert handle.state == "cancelled"
    qtbot.waitUntil(lambda: not window.job_cancel.isVisible(), timeout=5000)


def test_exception_in_job_reaches_the_user(window, qtbot):
    def broken(job):
        raise ZeroDivisionError("division by zero in the engine")

    with qtbot.waitSignal(window.message_shown, timeout=5000) as blocker:
        window.workers["music"].submit(broken, label="harmonize")
    assert "harmonize failed" in blocker.args[0] and "ZeroDivisionError" in blocker.args[0]
    # the worker is still alive for the next job
    results = []
    window.workers["music"].submit(lambda job: 42, on_result=results.append)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)


def test_user_error_is_shown_as_is(window, qtbot):
    def refuse(job):
        raise UserError("tiny.png: picture is too small to be a style")

    with qtbot.waitSignal(window.message_shown, timeout=5000) as blocker:
        window.workers["style"].submit(refuse)
    assert blocker.args[0] == "tiny.png: picture is too small to be a style"


def test_latest_wins_drops_stale_requests(window, qtbot):
    gate = threading.Event()
    ran, results = [], []
    worker = window.workers["latent"]
    worker.submit(lambda job: gate.wait(5), key="blocker")

    def request(value):
        def work(job):
            ran.append(value)
            return value
        return work

    handles = [worker.submit(request(value), key="slider", on_result=results.append)
               for value in range(20)]
    gate.set()
    qtbot.waitUntil(lambda: results == [19], timeout=5000)
    assert ran == [19]
    assert all(handle.state == "dropped" for handle in handles[:-1])


def test_cancel_running_for_a_newer_request(window, qtbot):
    worker = window.workers["text"]
    cancelled, results = [], []

    def slow(job):
        while True:
            job.check()
            time.sleep(0.005)

    running = worker.submit(slow, key="generate", on_cancelled=lambda: cancelled.append(True))
    qtbot.waitUntil(lambda: running.state == "running", timeout=5000)
    worker.submit(lambda job: "fresh", key="generate", cancel_running=True,
                  on_result=results.append)
    qtbot.waitUntil(lambda: results == ["fresh"], timeout=5000)
    assert cancelled == [True]
