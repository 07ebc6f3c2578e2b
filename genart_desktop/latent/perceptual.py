"""What the VAE's reconstructions are judged by, and (optionally) trained with, besides
pixels: a perceptual distance on VGG16 features, and a small patch discriminator.

- ``perceptual_distance``: LPIPS's recipe without its learned weights (Zhang et al.,
  CVPR 2018, the "VGG, unweighted" baseline): features at conv1_2, conv2_2 and conv3_3
  of both pictures composited over white, each feature vector scaled to unit length
  across channels, squared differences summed over channels and averaged over positions
  and layers. 0 for identical pictures; blur and colour shifts raise it, as they do for
  the eye, more than a pixel MSE does.
- The patch discriminator (``networks.PatchDiscriminator`` on 8x8 patches), as VQGAN adds
  to its autoencoder (Esser et al., CVPR 2021), with a continuous latent here: it pushes
  the decoder towards crisp edges and textures instead of the average of what it is
  unsure about.
"""

from __future__ import annotations

import torch

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
