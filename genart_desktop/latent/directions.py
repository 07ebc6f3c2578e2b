"""Principal directions of a latent space, for the sliders.

- VAE: PCA of the encoder means over the training images. A slider unit is one standard
  deviation of those means along the direction. The same PCA, with all components, is
  the Gaussian that VAE samples are drawn from (``latent_mean`` + ``latent_basis``
  times standard normal numbers): the encoder means of a VAE trained this briefly do
  not fill the N(0, I) prior, and decoding latents from where the data actually lies
  gives far better images (ex-post density estimation, Ghosh et al. 2020).
- GAN (GANSpace, Haerkoenen et al. 2020): PCA of the generator's first-layer activations
  for random latents, then a linear regression from the PCA coordinates back to z gives
  one z direction per component. z is standard normal, so a slider unit along a unit
  direction is one standard deviation of the prior.

Each returns unit directions (k, z_dim), the standard deviation per direction (k,) and
the fraction of variance each component explains (k,).
"""

from __future__ import annotations

import torch

from genart_desktop.latent.limits import DIRECTIONS

COUNT = DIRECTIONS  # one per slider in the window, --direction 1..16 in the CLI


@torch.no_grad()
def vae_directions(model, pixels: torch.Tensor, k: int = COUNT, batch: int = 256):
    """``pixels``: premultiplied N x 4 x H x W in [-1, 1] (the training images)."""
    model.eval()
    means = torch.cat([model.encode(pixels[i:i + batch])[0] for i in range(0, len(pixels), batch)])
    centred = means - means.mean(0)
    covariance = centred.T @ centred / (len(means) - 1)
    eigenvalues, eigenvectors = torch.linalg.eigh(covariance)  # ascending
    order = eigenvalues.argsort(descending=True)[:k]
    directions = eigenvectors[:, order].T.contiguous()
    values = eigenvalues[order].clamp(min=0)
    return directions, values.sqrt(), values / eigenvalues.clamp(min=0).sum()


@torch.no_grad()
def vae_latent_gaussian(model, pixels: torch.Tensor, batch: int = 256):
    """(mean, basis): encoder means over the images are ~ mean + basis @ N(0, I); the
    columns of basis are the principal directions times their standard deviations, in
    order of decreasing variance (so column i goes with direction i)."""
    model.eval()
    means = torch.cat([model.encode(pixels[i:i + batch])[0] for i in range(0, len(pixels), batch)])
    mean = means.mean(0)
    centred = means - mean
    eigenvalues, eigenvectors = torch.linalg.eigh(centred.T @ centred / (len(means) - 1))
    order = eigenvalues.argsort(descending=True)
    basis = eigenvectors[:, order] * eigenvalues[order].clamp(min=0).sqrt()
    return mean, basis.contiguous()


@torch.no_grad()
def gan_directions(generator, k: int = COUNT, samples: int = 8192, seed: int = 0):
    generator.eval()
    rng = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, generator.z_dim, generator=rng)
    activations = torch.cat([generator.early(z[i:i + 512]).flatten(1) for i in range(0, samples, 512)])
    mean = activations.mean(0)
    centred = activations - mean
    # Randomized PCA: the activations have thousands of dimensions, we need k of them.
    _, _, basis = torch.pca_lowrank(centred, q=k + 16, center=False, niter=4)
    components = basis.T.double()
    coords = (centred.double() @ components[:k].T)  # samples x k
    total_variance = centred.double().pow(2).sum() / (samples - 1)
    explained = coords.var(0) / total_variance
    # Regression z ~ coords @ B: row i of B is the z direction that moves component i.
    solution = torch.linalg.lstsq(coords, z.double()).solution  # k x z_dim
    directions = solution / solution.norm(dim=1, keepdim=True)
    return directions.float(), torch.ones(k), explained.float()



def first_layer_weight(network) -> torch.Tensor:
    """The weight (outputs x z_dim) of the layer that reads z: the decoder's projection."""
    decoder = network.decoder if hasattr(network, "decoder") else network
    return decoder.project.weight.detach()


@torch.no_grad()
def sefa_directions(weight: torch.Tensor, k: int = COUNT):
    """Closed-form factorization (SeFa, Shen and Zhou, CVPR 2021): the unit z directions
    that the first layer changes most, the top eigenvectors of W^T W. No sampling and no
    training. As the authors' code does, each output unit's weights are first scaled to
    unit length, so a few loud units do not decide alone. Returns (directions (k, z_dim),
    each eigenvalue's share of the sum (k,)); signs are fixed so the largest component of
    each direction is positive (the same directions on every machine)."""
    weight = weight.double()
    weight = weight / weight.norm(dim=1, keepdim=True).clamp(min=1e-12)
    eigenvalues, eigenvectors = torch.linalg.eigh(weight.T @ weight)  # ascending
    order = eigenvalues.argsort(descending=True)[:k]
    directions = eigenvectors[:, order].T
    largest = directions.abs().argmax(dim=1)
    signs = directions.gather(1, largest[:, None]).sign()
    directions = directions * torch.where(signs == 0, 1.0, signs)
    shares = eigenvalues[order].clamp(min=0) / eigenvalues.clamp(min=0).sum()
    return directions.float().contiguous(), shares.float()
