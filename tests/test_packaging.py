"""The wheel carries models/ and resources/ and runs outside the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_genart_info_runs_outside_the_repository(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(wheels)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    wheel = next(wheels.glob("genart_desktop-*.whl"))

    # A fresh environment: the wheel installed without its dependencies, which are lent
    # from this environment through a plain path entry (so no editable install leaks in).
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True).stdout.strip()
    Path(fresh_site, "lent_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    info = subprocess.run([str(env_dir / "bin" / "genart"), "info", "--json"], cwd=outside,
                          capture_output=True, text=True, timeout=300, env=env)
    assert info.returncode == 0, info.stderr
    report = json.loads(info.stdout)
    models_dir = Path(report["models_dir"])
    assert models_dir.is_relative_to(env_dir), models_dir  # found inside the installed wheel
    shipped = sorted(path.stem for path in (REPO / "models").glob("*.json")
                     if "weights" in json.loads(path.read_text(encoding="utf-8")))
    assert sorted(m["name"] for m in report["models"] if m["shipped"]) == shipped
    assert report["devices"] and report["torch"]
