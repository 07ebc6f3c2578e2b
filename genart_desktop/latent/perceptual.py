"""What the VAE's reconstructions are judged by, and (optionally) trained with, besides
pixels: a perceptual distance on VGG16 features, and a small patch discriminator.

- ``perceptual_distance``: LPIPS's recipe without its learned weights (Zhang et al.,
  CVPR 2018, the "VGG, unweighted" baseline): features at conv1_2, conv2_2 and conv3_3
  of both pictures composited over white, each feature vector scaled to unit length
  across channels, squared differences summed over channels and averaged over positions
  and layers. 0 for identical pictures; blur and colour shifts raise it, as they do for
  the eye, more than a pixel MSE does.
- ``PatchDiscriminator``: as VQGAN adds to its autoencoder (Esser et al., CVPR 2021),
  with a continuous latent here: a few strided convolutions give a map of real/fake
  logits over 8x8 patches, so the decoder is pushed towards crisp edges and textures
  instead of the average of what it is unsure about.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm

PERCEPTUAL_LAYERS = ("conv1_2", "conv2_2", "conv3_3")


def load_perceptual_network(device="cpu"):
    from genart_desktop.style.vgg16 import load_vgg16_features

    network = load_vgg16_features(device, PERCEPTUAL_LAYERS).eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


def over_white(x: torch.Tensor) -> torch.Tensor:
    """Premultiplied RGBA in [-1, 1] -> RGB in [0, 1] over white."""
    rgb, alpha = (x[:, :3] + 1) * 0.5, (x[:, 3:] + 1) * 0.5
    return rgb + (1 - alpha)


def perceptual_distance(network, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per picture (N,) for premultiplied RGBA batches in [-1, 1]."""
    features_a, features_b = network(over_white(a)), network(over_white(b))
    total = 0.0
    for layer in PERCEPTUAL_LAYERS:
        fa, fb = features_a[layer].float(), features_b[layer].float()
        fa = fa / (fa.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        fb = fb / (fb.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        total = total + (fa - fb).pow(2).sum(1).mean(dim=(1, 2))
    return total / len(PERCEPTUAL_LAYERS)


class PatchDiscriminator(nn.Module):
    """size x size RGBA -> (size/8)^2 logits (three stride-2 convolutions, spectral norm)."""

    def __init__(self, width: int = 32, channels: int = 4) -> None:
        super().__init__()
        self.net = nn.Sequential(
            spectral_norm(nn.Conv2d(channels, width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            spectral_norm(nn.Conv2d(width, width * 2, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            spectral_norm(nn.Conv2d(width * 2, width * 4, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            spectral_norm(nn.Conv2d(width * 4, 1, 3, 1, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
