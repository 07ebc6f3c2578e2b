"""Ctrl-C in a terminal ends a training sitting the way its time running out does: the
state is saved and the model written, so nothing trained is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image


def _run_until_stepping_then_interrupt(arguments: list[str], tmp_path: Path) -> tuple[int, str]:
    env = dict(os.environ, GENART_DATA_DIR=str(tmp_path / "data"),
               GENART_CACHE_DIR=str(tmp_path / "cache"), OMP_NUM_THREADS="1")
    process = subprocess.Popen([sys.executable, "-m", "genart_desktop.cli", *arguments],
                               stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    seen = ""
    deadline = time.monotonic() + 120
    while "step" not in seen and time.monotonic() < deadline:
        chunk = process.stderr.read(1)  # type: ignore[union-attr]
        if not chunk:
            break
        seen += chunk
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=180)
    return process.returncode, seen + err


def test_ctrl_c_ends_a_text_sitting_with_its_model_written(tmp_path):
    poems = tmp_path / "poems.txt"
    poems.write_text("\n\n".join(f"the moon on the water {i}\nthe wind in the reeds {i}"
                                 for i in range(300)), encoding="utf-8")
    output = tmp_path / "model"
    status, err = _run_until_stepping_then_interrupt(
        ["train-text", str(poems), "--minutes", "30", "--layers", "1", "--width", "32",
         "--heads", "2", "--context", "32", "--batch", "8", "--lr-half-life", "1000",
         "--state", str(tmp_path / "state"), "-o", str(output)], tmp_path)
    assert status == 0, err
    assert "stopping after this step" in err and "Traceback" not in err
    card = json.loads(output.with_suffix(".json").read_text())
    assert 0 < card["training"]["steps"] and card["training"]["wall_time_s"] < 600
    assert "held_out_bpc" in card["metrics"]
    assert (tmp_path / "state" / "state.safetensors").exists()  # the next sitting resumes


def test_ctrl_c_ends_an_image_run_with_its_model_written(tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    yy, xx = np.mgrid[:32, :32]
    for i in range(20):
        picture = np.zeros((32, 32, 4), np.uint8)
        picture[(yy - 16) ** 2 + (xx - 16) ** 2 < (6 + i % 8) ** 2] = (200, 10 * i, 40, 255)
        Image.fromarray(picture, "RGBA").save(folder / f"disc{i}.png")
    output = tmp_path / "gan"
    status, err = _run_until_stepping_then_interrupt(
        ["train-images", str(folder), "--kind", "gan", "--size", "16", "--width", "8",
         "--z-dim", "8", "--batch-size", "8", "--minutes", "30", "-o", str(output)], tmp_path)
    assert status == 0, err
    assert "stopping after this step" in err and "Traceback" not in err
    card = json.loads(output.with_suffix(".json").read_text())
    assert card["kind"] == "latent-gan" and card["training"]["steps"] > 0
