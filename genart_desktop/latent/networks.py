"""The two networks, small enough to read in one sitting and to train on a laptop CPU.

Both work on premultiplied RGBA in [-1, 1] at ``size`` x ``size`` (a power of two >= 16).
Widths double as the resolution halves, capped at 8 x ``width``; the smallest feature
map is 4 x 4.

- ``ConvVAE``: strided-conv encoder -> (mu, logvar); transposed-conv decoder; one learned
  log-sigma per channel for the Gaussian likelihood (a "sigma-VAE"), so the balance
  between reconstruction and KL is fitted rather than hand-tuned.
- ``Generator`` (DCGAN-like, batch norm) and ``Discriminator`` (spectral norm on every
  layer), trained with the hinge loss and DiffAugment (see ``train``): the "dcgan" recipe.
- ``FastGenerator`` (after FastGAN, Liu et al. ICLR 2021: nearest upsampling, GLU
  convolutions, skip-layer excitation from the 4x4 and 8x8 maps to the 32x32 and 64x64
  ones) for the "projected" recipe, whose discriminator looks at frozen ImageNet features
  (``projected.py``).

``build(architecture)`` rebuilds a network from the dictionary stored in a model card.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn.utils import spectral_norm


def _widths(size: int, width: int) -> list[int]:
    """Channel counts from the 4x4 map up to size/2: e.g. 64, 32 -> [256, 128, 64, 32]."""
    levels = int(math.log2(size)) - 2
    if 2 ** (levels + 2) != size or levels < 2:
        raise ValueError(f"size must be a power of two >= 16, not {size}")
    return [min(width * 2 ** i, width * 8) for i in reversed(range(levels))]


class Decoder(nn.Module):
    """z -> 4x4 map -> (transposed conv x2) ... -> size x size x channels, tanh."""

    def __init__(self, z_dim: int, size: int, width: int, channels: int, norm: bool) -> None:
        super().__init__()
        widths = _widths(size, width)
        self.first_width = widths[0]
        self.project = nn.Linear(z_dim, widths[0] * 16)
        self.project_act = nn.Sequential(
            nn.BatchNorm2d(widths[0]) if norm else nn.Identity(), nn.ReLU(inplace=True)
        )
        blocks: list[nn.Module] = []
        for w_in, w_out in zip(widths, widths[1:] + [widths[-1]]):
            blocks += [
                nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=not norm),
                nn.BatchNorm2d(w_out) if norm else nn.Identity(),
                nn.ReLU(inplace=True),
            ]
        self.blocks = nn.Sequential(*blocks)
        self.to_pixels = nn.Conv2d(widths[-1], channels, 3, 1, 1)

    def early(self, z: torch.Tensor) -> torch.Tensor:
        """The 4x4 activations after the first layer (GANSpace's PCA works on these)."""
        return self.project_act(self.project(z).view(-1, self.first_width, 4, 4))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.to_pixels(self.blocks(self.early(z))))


class Encoder(nn.Module):
    """size x size x channels -> (strided conv) ... -> 4x4 -> (mu, logvar)."""

    def __init__(self, z_dim: int, size: int, width: int, channels: int, sn: bool = False) -> None:
        super().__init__()
        wrap = spectral_norm if sn else (lambda module: module)
        widths = list(reversed(_widths(size, width)))  # 32, 64, 128, 256
        layers: list[nn.Module] = []
        w_in = channels
        for w_out in widths:
            layers += [wrap(nn.Conv2d(w_in, w_out, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True)]
            w_in = w_out
        layers += [wrap(nn.Conv2d(w_in, w_in, 3, 1, 1)), nn.LeakyReLU(0.2, inplace=True)]
        self.features = nn.Sequential(*layers)
        self.head = wrap(nn.Linear(w_in * 16, z_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))


class ConvVAE(nn.Module):
    def __init__(self, z_dim: int = 64, size: int = 64, width: int = 32, channels: int = 4) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.encoder = Encoder(2 * z_dim, size, width, channels)
        self.decoder = Decoder(z_dim, size, width, channels, norm=False)
        # One log standard deviation per channel of the Gaussian likelihood, on [-1, 1] pixels.
        self.log_sigma = nn.Parameter(torch.full((channels,), -2.0))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-12.0, 6.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.decoder(z), mu, logvar

    def negative_elbo(self, x: torch.Tensor, sample: bool = True) -> dict[str, torch.Tensor]:
        """Per image: reconstruction NLL and KL in nats, for pixels scaled to [0, 1].

        The density is a Gaussian per sub-pixel; it is reported for [0, 1] pixels (the
        network works on [-1, 1], which adds log 2 nats per dimension), so the figure
        is comparable with other models evaluated on [0, 1] data.
        """
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if sample else mu
        recon = self.decoder(z)
        log_sigma = self.log_sigma.clamp(min=-7.0).view(1, -1, 1, 1)
        nll = 0.5 * ((x - recon) / log_sigma.exp()) ** 2 + log_sigma + 0.5 * math.log(2 * math.pi)
        nll = nll.flatten(1).sum(1) - x[0].numel() * math.log(2.0)  # [-1,1] -> [0,1] density
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)
        return {"nll": nll, "kl": kl, "recon": recon}


class Generator(Decoder):
    def __init__(self, z_dim: int = 128, size: int = 64, width: int = 32, channels: int = 4) -> None:
        super().__init__(z_dim, size, width, channels, norm=True)
        self.z_dim = z_dim


class Discriminator(nn.Module):
    def __init__(self, size: int = 64, width: int = 32, channels: int = 4) -> None:
        super().__init__()
        self.net = Encoder(1, size, width, channels, sn=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(-1)


class _UpBlock(nn.Module):
    """x2 nearest upsampling, then 3x3 convolutions with batch norm and GLU: two on the
    small maps (FastGAN's UpBlockComp), one on the large ones, where they cost most."""

    def __init__(self, inputs: int, outputs: int, convolutions: int = 2) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Upsample(scale_factor=2, mode="nearest")]
        for index in range(convolutions):
            layers += [nn.Conv2d(inputs if index == 0 else outputs, outputs * 2, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(outputs * 2), nn.GLU(dim=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class _SkipExcitation(nn.Module):
    """FastGAN's skip-layer excitation: a small map's pooled content gates a large map's
    channels (a cheap long-range path that also carries style)."""

    def __init__(self, small: int, large: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(4), nn.Conv2d(small, large, 4, 1, 0, bias=False), nn.SiLU(),
            nn.Conv2d(large, large, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small: torch.Tensor, large: torch.Tensor) -> torch.Tensor:
        return large * self.gate(small)


class FastGenerator(nn.Module):
    """z -> 4x4 (linear, batch norm, GLU) -> x2 up blocks -> size x size RGBA, tanh.

    Widths are ``width`` x (8, 4, 2, 1, 1/2) from 4x4 up; skip-layer excitation joins
    4x4 -> 32x32 and 8x8 -> 64x64 where those maps exist. ``project`` and ``early`` are
    what the latent directions read (as in ``Decoder``)."""

    def __init__(self, z_dim: int = 128, size: int = 64, width: int = 32, channels: int = 4) -> None:
        super().__init__()
        widths = _widths(size, width)  # 4x4 .. size/2, e.g. 256, 128, 64, 32 for 64, 32
        widths = widths + [max(widths[-1] // 2, 8)]  # and the full-size map
        self.z_dim = z_dim
        self.first_width = widths[0]
        self.project = nn.Linear(z_dim, widths[0] * 2 * 16, bias=False)
        self.project_act = nn.Sequential(nn.BatchNorm2d(widths[0] * 2), nn.GLU(dim=1))
        sides = [4 * 2 ** i for i in range(len(widths))]
        self.blocks = nn.ModuleList(_UpBlock(a, b, 2 if side <= 16 else 1)
                                    for a, b, side in zip(widths, widths[1:], sides[1:]))
        self.excite = nn.ModuleDict()
        for small, large in ((4, 32), (8, 64)):
            if large in sides:
                self.excite[str(large)] = _SkipExcitation(widths[sides.index(small)],
                                                          widths[sides.index(large)])
        self.to_pixels = nn.Conv2d(widths[-1], channels, 3, 1, 1)

    def early(self, z: torch.Tensor) -> torch.Tensor:
        return self.project_act(self.project(z).view(-1, self.first_width * 2, 4, 4))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.early(z)
        maps = {4: x}
        for block in self.blocks:
            x = block(x)
            side = x.shape[-1]
            if str(side) in self.excite:
                x = self.excite[str(side)](maps[side // 8], x)
            maps[side] = x
        return torch.tanh(self.to_pixels(x))


class PatchDiscriminator(nn.Module):
    """Strided 4x4 convolutions (spectral norm, LeakyReLU) from ``size`` down to
    ``smallest``, widths from ``width`` doubling up to 128, then a 3x3 convolution to one
    logit per patch. The projected recipe judges alpha with it (down to 4x4); the sharper
    VAE judges 8x8 patches of RGBA (as VQGAN does)."""

    def __init__(self, channels: int, size: int = 64, width: int = 16, smallest: int = 4) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        while size > smallest:
            layers.append(spectral_norm(nn.Conv2d(channels, width, 4, 2, 1)))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            channels, width, size = width, min(width * 2, 128), size // 2
        self.body = nn.Sequential(*layers)
        self.logits = spectral_norm(nn.Conv2d(channels, 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(self.body(x))


GENERATOR_TYPES = {"dcgan-hinge-sn-diffaugment": Generator,
                   "fastgan-projected": FastGenerator}


def architecture(kind: str, size: int, width: int, z_dim: int, channels: int = 4,
                 recipe: str = "dcgan") -> dict[str, Any]:
    """What a card stores to rebuild the sampling network (and the encoder for a VAE)."""
    gan_type = "fastgan-projected" if recipe == "projected" else "dcgan-hinge-sn-diffaugment"
    return {
        "type": {"vae": "conv-vae", "gan": gan_type}[kind],
        "size": size, "width": width, "z_dim": z_dim, "channels": channels,
        "pixels": "premultiplied RGBA in [-1, 1]",
        "prior": "standard normal",
    }


def build(kind: str, arch: dict[str, Any]) -> nn.Module:
    """The network a card describes: a ``ConvVAE`` for "vae", a ``Generator`` for "gan"."""
    args = dict(z_dim=int(arch["z_dim"]), size=int(arch["size"]), width=int(arch["width"]),
                channels=int(arch.get("channels", 4)))
    if kind == "vae":
        return ConvVAE(**args)
    if kind == "gan":
        generator = GENERATOR_TYPES.get(arch.get("type", "dcgan-hinge-sn-diffaugment"))
        if generator is None:
            raise ValueError(f"unknown generator type {arch.get('type')!r}")
        return generator(**args)
    raise ValueError(f"unknown latent model kind {kind!r}")
