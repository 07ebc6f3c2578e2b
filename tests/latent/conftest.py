from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Training checkpoints and evaluation caches go to a temporary folder."""
    monkeypatch.setenv("GENART_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def vae():
    import torch

    from genart_desktop.latent.engine import LatentModel

    return LatentModel.load("twemoji-vae", torch.device("cpu"))


@pytest.fixture(scope="session")
def gan():
    import torch

    from genart_desktop.latent.engine import LatentModel

    return LatentModel.load("twemoji-gan", torch.device("cpu"))


@pytest.fixture
def make_image_folder():
    """Makes a folder of test images: ``make_image_folder(path, count, broken=0)``."""
    return _make_image_folder


def _make_image_folder(folder: Path, count: int, broken: int = 0) -> Path:
    """``count`` small emoji-like RGBA discs on transparency, plus ``broken`` bad files."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    for i in range(count):
        image = np.zeros((64, 64, 4), np.uint8)
        radius = rng.integers(10, 30)
        inside = (yy - 32) ** 2 + (xx - 32) ** 2 < radius ** 2
        image[inside, :3] = rng.integers(0, 256, 3)
        image[inside, 3] = 255
        Image.fromarray(image, "RGBA").save(folder / f"disc{i:02d}.png")
    for i in range(broken):
        (folder / f"broken{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    return folder
