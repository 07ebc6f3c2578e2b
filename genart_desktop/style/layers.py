"""Building blocks shared by the feed-forward style networks.

Both transformer networks normalise every convolution's output over the whole picture
(instance normalisation). To cut a large picture into tiles without seams, each norm
can *record* the statistics it saw on one pass and later reuse them (*frozen*), so every
tile is normalised with the whole picture's statistics (see ``tiling.py``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

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


class StatNorm(nn.Module):
    """Instance normalisation without its own affine part, whose mean and variance can be
    recorded on one pass and frozen for later passes (tiles)."""

    def __init__(self) -> None:
        super().__init__()
        self.mode = "normal"  # "normal" | "record" | "frozen"
        self.stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "normal":
            return F.instance_norm(x, eps=EPS)
        if self.mode == "record":
            var, mean = torch.var_mean(x, dim=(2, 3), keepdim=True, correction=0)
            self.stats = (mean, var)
        else:
            mean, var = self.stats
        return (x - mean) * torch.rsqrt(var + EPS)


@contextmanager
def norm_mode(model: nn.Module, mode: str) -> Iterator[list[StatNorm]]:
    """Switch every StatNorm in ``model`` to ``mode`` for the duration of the block."""
    norms = [module for module in model.modules() if isinstance(module, StatNorm)]
    for norm in norms:
        norm.mode = mode
    try:
        yield norms
    finally:
        for norm in norms:
            norm.mode = "normal"


def upsample2(x: torch.Tensor) -> torch.Tensor:
    """Nearest-neighbour x2 (the graphs' Resize with mode=nearest, asymmetric, floor)."""
    return F.interpolate(x, scale_factor=2.0, mode="nearest")
