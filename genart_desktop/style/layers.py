"""Building blocks shared by the two feed-forward style networks.

Both networks (the 26-style one and the any-picture transformer) have the same shape:
three contracting convolutions, residual blocks, then two nearest-neighbour x2
upsamplings each followed by a convolution, and a last 9x9 convolution with a sigmoid.
Every layer is ``act(norm(conv(x)) * scale + shift)`` where (scale, shift) come from the
style (or, without a norm, ``act(conv(x))``). ``StyleNetBase.run`` walks that shape with
a pluggable layer function, so ``tiling.py`` can run the very same network chunk by
chunk over a picture too large to hold all at once.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn
from torch.nn import functional as F

EPS = 1e-5


class ReflectConv(nn.Module):
    """Reflect-pad by k//2, then a convolution with no padding (as both source graphs do)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, bias: bool = True):
        super().__init__()
        self.pad = kernel // 2
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (self.pad,) * 4, mode="reflect"))


def activate(x: torch.Tensor, act: str) -> torch.Tensor:
    if act == "relu":
        return torch.relu(x)
    if act == "sigmoid":
        return torch.sigmoid(x)
    return x


class StyleLayer(nn.Module):
    """One layer: reflect conv, then (when ``normalized``) instance norm with a
    style-dependent scale and shift given by ``modulation(cond)``, then ``act``."""

    normalized = True

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, act: str = "relu",
                 bias: bool = False) -> None:
        super().__init__()
        self.conv = ReflectConv(c_in, c_out, kernel, stride, bias=bias)
        self.act = act

    def modulation(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.normalized:
            scale, shift = self.modulation(cond)
            if scale.shape[0] == 1:  # one style for the batch: the norm applies it (fused)
                y = F.instance_norm(y, weight=scale[0], bias=shift[0], eps=EPS)
            else:
                y = F.instance_norm(y, eps=EPS) * scale[:, :, None, None] \
                    + shift[:, :, None, None]
        return activate(y, self.act)


class PlainLayer(StyleLayer):
    """Conv (+ folded batch-norm bias) and activation; the style does not enter."""

    normalized = False

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__(c_in, c_out, kernel, stride, act="relu", bias=True)


LayerFn = Callable[[StyleLayer, torch.Tensor, torch.Tensor, bool], torch.Tensor]


def plain_layer_fn(layer: StyleLayer, x: torch.Tensor, cond: torch.Tensor,
                   upsample: bool) -> torch.Tensor:
    if upsample:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")  # Resize nearest, asymmetric
    return layer(x, cond)


class StyleNetBase(nn.Module):
    """contract (3 layers) -> residual pairs -> [x2, layer] x 2 -> last layer."""

    contract: nn.ModuleList
    res: nn.ModuleList
    expand: nn.ModuleList

    def condition(self, style: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, image: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.run(image, style, plain_layer_fn)

    def run(self, image: torch.Tensor, style: torch.Tensor, layer_fn: LayerFn) -> torch.Tensor:
        cond = self.condition(style, image.dtype)
        x = image
        for layer in self.contract:
            x = layer_fn(layer, x, cond, False)
        for first, second in self.res:
            x = x + layer_fn(second, layer_fn(first, x, cond, False), cond, False)
        x = layer_fn(self.expand[0], x, cond, True)
        x = layer_fn(self.expand[1], x, cond, True)
        return layer_fn(self.expand[2], x, cond, False)
