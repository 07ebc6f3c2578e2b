"""Tiles are normalised with whole-picture statistics: no seams, same result."""

import numpy as np
import pytest
import torch
from PIL import Image

from genart_desktop.style.tiling import run_tiled


@pytest.fixture(scope="module")
def picture_512():
    from skimage import data

    rgb = np.asarray(Image.fromarray(data.astronaut()).resize((512, 512)), np.float32) / 255
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()


@pytest.mark.parametrize("network", ["multi26", "transformer"])
def test_tiled_equals_untiled_in_128_px_tiles(engine, picture_512, network):
    net = engine.module(network)
    if network == "multi26":
        style = torch.zeros(1, 26)
        style[0, [4, 17]] = 0.5
    else:
        rng = np.random.default_rng(1)
        style = torch.from_numpy(rng.normal(0, 0.5, (1, 100)).astype(np.float32))
    with torch.no_grad():
        whole = net(picture_512, style)
    layers = []
    tiled = run_tiled(net, picture_512, style, tile=128, on_layer=lambda d, t: layers.append(d))
    assert layers[-1] == len(layers)  # progress reported per layer
    assert (tiled - whole).abs().max().item() < 1e-3
