"""Latent images: a small VAE and a small GAN at 64x64 RGBA, their latent space
(sample, decode, encode, principal directions, interpolation) and their training.

Pixels inside the networks are *premultiplied* RGBA in [-1, 1]: colour times alpha, so
a transparent pixel is (0, 0, 0, 0) whatever colour it had, and the networks never have
to learn colours that nobody sees. ``engine`` converts back to straight RGBA uint8.

Modules: ``data`` (folders, the Twemoji set, the held-out split), ``networks``,
``augment`` (DiffAugment), ``train`` (``train(params, job)``), ``directions`` (PCA),
``engine`` (``LatentModel``), ``evaluate`` (KID/FID and friends), ``commands`` (CLI),
``bench``.
"""
