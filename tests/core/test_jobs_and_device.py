from __future__ import annotations

import pytest
import torch

from genart_desktop.core import device
from genart_desktop.core.errors import JobCancelled
from genart_desktop.core.jobs import Job


def test_job_reports_progress_and_partial_then_cancels():
    seen, partials = [], []
    job = Job(on_progress=lambda f, m, r: seen.append((f, m)), on_partial=partials.append)
    job.progress(0.0, "start")
    job.progress(0.5, "half")
    job.partial("preview")
    assert seen == [(0.0, "start"), (0.5, "half")] and partials == ["preview"]
    job.cancel()
    with pytest.raises(JobCancelled):
        job.check()


def test_cpu_preference_and_unknown_device_fall_back():
    assert device.choose_device("cpu").type == "cpu"
    assert device.choose_device("cuda:7").type in ("cpu", "cuda", "mps")


def test_gpu_out_of_memory_retries_on_cpu():
    calls, notices = [], []

    def work(chosen):
        calls.append(chosen.type)
        if chosen.type != "cpu":
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        return "done on cpu"

    result = device.run_with_cpu_fallback(work, torch.device("cuda", 0), notices.append)
    assert result == "done on cpu"
    assert calls == ["cuda", "cpu"]
    assert "out of memory" in notices[0] and "CPU" in notices[0]


def test_other_errors_are_not_retried():
    def work(chosen):
        raise ValueError("bad parameter")

    with pytest.raises(ValueError):
        device.run_with_cpu_fallback(work, torch.device("cuda", 0))


def test_time_remaining_follows_the_pace_of_this_run_without_jumping(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("genart_desktop.core.jobs.time.monotonic", lambda: clock[0])
    job = Job()
    job.progress(0.5, "resumed half-way")  # a resumed run reports where it stands first
    assert job.seconds_remaining() is None  # "estimating…": no pace yet
    clock[0] += 10.0
    job.progress(0.6, "10 s later")
    assert job.seconds_remaining() == pytest.approx(40.0)  # 0.1 per 10 s, 0.4 left
    estimates = [job.seconds_remaining()]
    for _ in range(20):  # the job slows down tenfold
        clock[0] += 10.0
        job.progress(job.fraction + 0.01, "slower")
        estimates.append(job.seconds_remaining())
    # each new estimate (corrected for the 10 s that passed) is within 2x of the last
    for before, after in zip(estimates, estimates[1:]):
        assert (before - 10) / 2 <= after <= (before - 10) * 2
    # and it has moved most of the way to the new pace (0.2 left at 0.001/s: 200 s)
    assert 120 < estimates[-1] <= 200


def test_time_remaining_waits_for_enough_progress(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("genart_desktop.core.jobs.time.monotonic", lambda: clock[0])
    job = Job()
    job.progress(0.0, "start")
    clock[0] += 5.0
    job.progress(0.005, "a sliver")
    assert job.seconds_remaining() is None


def test_time_remaining_is_known_for_a_job_reporting_often(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("genart_desktop.core.jobs.time.monotonic", lambda: clock[0])
    job = Job()
    for step in range(10):  # ten reports 0.2 s apart, 1% each
        job.progress(step / 100, "step")
        clock[0] += 0.2
    # estimated at the last report (0.2 s ago): 0.91 left at 0.05/s
    assert job.seconds_remaining() == pytest.approx(0.91 * 20 - 0.2, rel=0.01)
