"""The window's training child: started below the window's priority, talking JSON lines."""

from __future__ import annotations

import os

import pytest

from genart_desktop.core.jobs import Job
from genart_desktop.ui.training_process import CHILD_NICE, run_child

PROBE = '''
import json, os, sys
from genart_desktop.ui.training_process import emit
params = json.loads(sys.stdin.readline())
emit({"progress": 0.5, "message": "half way"})
emit({"result": {"nice": os.nice(0), "params": params, "name": __name__}})
'''


@pytest.mark.skipif(os.name == "nt", reason="POSIX niceness")
def test_child_runs_as_a_module_below_the_windows_priority(tmp_path, monkeypatch):
    (tmp_path / "nice_probe.py").write_text(PROBE, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.getcwd()]))
    messages = []
    result = run_child("nice_probe", {"steps": 3}, Job(on_progress=lambda fraction, message, left: messages.append(message)))
    assert result["params"] == {"steps": 3}
    assert result["name"] == "__main__"
    assert result["nice"] == min(19, os.nice(0) + CHILD_NICE)
    assert "half way" in messages
