"""The "projected" GAN recipe's discriminator (Projected GAN, Sauer et al., NeurIPS 2021,
after github autonomousvision/projected-gan ``pg_modules/projector.py`` and
``discriminator.py``), sized for a CPU.

A discriminator trained from scratch on a few hundred pictures learns slowly and then
memorizes them. Here it looks at the pictures through a frozen ImageNet network
(EfficientNet-Lite0, ``efficientnet.py``), whose features already tell a face from a
blob, and learns only small heads on top:

1. The picture (premultiplied RGBA after DiffAugment) is composited over a random
   background colour, so transparency cannot be read from a fixed background, and
   resized to ``input_size``.
2. The four stages of the feature network are mixed by frozen random 1x1 convolutions:
   across channels (CCM) and, top-down, across scales (CSM), so that no single feature
   dominates what the heads can see.
3. One small discriminator per scale (strided convolutions, spectral norm, batch norm)
   gives a map of logits; the hinge loss sums over all maps.
4. Transparency gets its own small discriminator on the alpha channel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm

from genart_desktop.latent.efficientnet import TAP_CHANNELS, load_efficientnet_lite0
from genart_desktop.latent.networks import PatchDiscriminator

MIXED_CHANNELS = (32, 64, 128, 256)  # after cross-channel mixing, per stage (paper: 64..512)
INPUT_SIZE = 64


def composite_over(x: torch.Tensor, background: torch.Tensor) -> torch.Tensor:
    """Premultiplied RGBA in [-1, 1] over a background (N x 3 x 1 x 1 in [-1, 1]) -> RGB
    in [-1, 1]."""
    rgb, alpha = (x[:, :3] + 1) * 0.5, (x[:, 3:] + 1) * 0.5
    return (rgb + (1 - alpha) * (background + 1) * 0.5) * 2 - 1


class _FrozenMixing(nn.Module):
    """CCM and CSM: frozen random 1x1 convolutions (kaiming init, never trained)."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.channel = nn.ModuleList(
            nn.Conv2d(a, b, 1, bias=True) for a, b in zip(TAP_CHANNELS, MIXED_CHANNELS))
        # top-down: stage i+1's mixed map, brought to stage i's channels and upsampled
        self.scale = nn.ModuleList(
            nn.Conv2d(b, a, 1, bias=False) for a, b in zip(MIXED_CHANNELS, MIXED_CHANNELS[1:]))
        for module in [*self.channel, *self.scale]:
            fan_in = module.weight[0].numel()
            with torch.no_grad():
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator)
                                    * (2.0 / fan_in) ** 0.5)
                if module.bias is not None:
                    module.bias.zero_()
        for parameter in self.parameters():
            parameter.requires_grad_(False)

    def forward(self, taps: list[torch.Tensor]) -> list[torch.Tensor]:
        mixed = [conv(tap) for conv, tap in zip(self.channel, taps)]
        for index in range(len(mixed) - 2, -1, -1):
            above = F.interpolate(self.scale[index](mixed[index + 1]), size=mixed[index].shape[-2:],
                                  mode="bilinear", align_corners=False)
            mixed[index] = mixed[index] + above
        return mixed


def _down(inputs: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(spectral_norm(nn.Conv2d(inputs, outputs, 4, 2, 1, bias=False)),
                         nn.BatchNorm2d(outputs), nn.LeakyReLU(0.2, inplace=True))


class _ScaleHead(nn.Module):
    """Strided convolutions down to 4x4 (or the map's own size if smaller), then a 3x3
    convolution to one logit per position."""

    def __init__(self, channels: int, side: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        while side > 4:
            layers.append(_down(channels, min(channels * 2, 256)))
            channels, side = min(channels * 2, 256), side // 2
        self.body = nn.Sequential(*layers)
        self.logits = spectral_norm(nn.Conv2d(channels, 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.body(x))


class ProjectedDiscriminator(nn.Module):
    """Logit maps (one per feature scale, then the alpha one) for premultiplied RGBA."""

    def __init__(self, image_size: int = 64, input_size: int = INPUT_SIZE,
                 features: nn.Module | None = None) -> None:
        super().__init__()
        self.input_size = input_size
        # frozen and not a submodule: not in state_dict (the shipped weights stay shipped),
        # and never switched to training mode (its batch norms keep ImageNet's statistics)
        self.__dict__["features"] = features if features is not None else load_efficientnet_lite0()
        self.mixing = _FrozenMixing()
        sides = [input_size // s for s in (4, 8, 16, 32)]
        self.heads = nn.ModuleList(_ScaleHead(c, side) for c, side in zip(MIXED_CHANNELS, sides))
        self.alpha = PatchDiscriminator(1, image_size, width=16, smallest=4)  # alpha alone

    def _apply(self, fn, *args, **kwargs):  # .to(), .cuda(), .float(): the features go along
        self.features._apply(fn, *args, **kwargs)
        return super()._apply(fn, *args, **kwargs)

    def forward(self, x: torch.Tensor, background: torch.Tensor) -> list[torch.Tensor]:
        rgb = composite_over(x, background)
        if rgb.shape[-1] != self.input_size:
            rgb = F.interpolate(rgb, size=(self.input_size, self.input_size), mode="bilinear",
                                align_corners=False, antialias=rgb.shape[-1] > self.input_size)
        mixed = self.mixing(self.features.features(rgb))
        return [head(m) for head, m in zip(self.heads, mixed)] + [self.alpha(x[:, 3:])]
