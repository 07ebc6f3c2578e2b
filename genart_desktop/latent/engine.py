"""The latent space as the window and the CLI use it (no Qt).

    model = LatentModel.load("twemoji-gan")          # or a ModelInfo / card path
    image = model.sample(seed=7, truncation=0.8, offsets={0: 2.0})   # 64x64x4 uint8
    z = model.latent_for(7, 0.8, {0: 2.0})            # float32 (z_dim,)
    images = model.decode(np.stack([z, -z]))          # N x 64 x 64 x 4 uint8
    z, error = vae.encode(picture)                    # VAE only

A latent for a seed is ``latent_mean + latent_basis @ (truncation * e)``, where ``e`` is
standard normal noise drawn with NumPy's PCG64 generator (the same on every machine),
plus ``sum(offsets[i] * direction_std[i] * directions[i])`` for the chosen set of
directions (``DIRECTION_SETS``: the principal ones stored with the model, SeFa's
closed-form ones, or the named ones fitted to measures). For a GAN the mean is 0
and the basis the identity (its prior); for a VAE they are the Gaussian fitted to the
encoder means of its training images (see ``directions``). Truncation scales the noise
(a "temperature"): 1 is the full distribution, smaller values give safer, more average
images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genart_desktop.core.checkpoints import ModelInfo, find_model, load_checkpoint
from genart_desktop.core.errors import UserError
from genart_desktop.latent import data
from genart_desktop.latent.limits import DIRECTION_SETS

KIND_PREFIX = "latent-"


@dataclass
class DirectionSet:
    """Unit directions in z (k, z_dim), the z distance of one slider unit (k,), what each
    slider is called and says about itself, and whether it is offered (a named direction
    that does not move its measure steadily keeps its place, so that saved slider
    positions always mean the same measure, but is not offered)."""

    directions: np.ndarray
    std: np.ndarray
    labels: list[str]
    tooltips: list[str]
    usable: list[bool] | None = None

    def offered(self, index: int) -> bool:
        return self.usable is None or self.usable[index]

    def __len__(self) -> int:
        return len(self.directions)


def principal_labels(explained: list[float]) -> tuple[list[str], list[str]]:
    """The principal sliders' names and tooltips, from each direction's share of the
    variance (what a model card lists, so the window can label them before loading)."""
    return ([f"{i + 1} · {share * 100:.1f}%" for i, share in enumerate(explained)],
            [f"Direction {i + 1} explains {share * 100:.2f}% of the variance"
             for i, share in enumerate(explained)])


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation (the right path between two Gaussian latents): it keeps
    the norm typical of the prior where a straight line would pass near the origin."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    cos = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    omega = math.acos(float(np.clip(cos, -1.0, 1.0)))
    if omega < 1e-6:
        out = (1.0 - t) * a + t * b
    else:
        out = (math.sin((1.0 - t) * omega) * a + math.sin(t * omega) * b) / math.sin(omega)
    return out.astype(np.float32)


class LatentModel:
    def __init__(self, info: ModelInfo, network, tensors: dict[str, Any], device) -> None:
        self.info = info
        self.name = info.name
        self.card = info.card
        self.kind = info.kind[len(KIND_PREFIX):]  # "vae" or "gan"
        self.device = device
        self.network = network  # ConvVAE or Generator, eval mode, on device
        self.z_dim = int(info.card["architecture"]["z_dim"])
        self.size = int(info.card["architecture"]["size"])
        self.directions = tensors["directions"].cpu().numpy().astype(np.float32)
        self.direction_std = tensors["direction_std"].cpu().numpy().astype(np.float32)
        self.explained_variance = tensors["explained_variance"].cpu().numpy().astype(np.float32)
        self.latent_mean = tensors["latent_mean"].cpu().numpy().astype(np.float32)
        self.latent_basis = tensors["latent_basis"].cpu().numpy().astype(np.float32)
        self._decoder = network.decoder if self.kind == "vae" else network
        self._direction_sets = {"pca": DirectionSet(
            self.directions, self.direction_std,
            *principal_labels([float(v) for v in self.explained_variance]))}

    @classmethod
    def load(cls, name_or_info: str | Path | ModelInfo, device=None) -> "LatentModel":
        import torch

        from genart_desktop.core.device import choose_device
        from genart_desktop.latent import networks

        info = name_or_info if isinstance(name_or_info, ModelInfo) \
            else find_model(name_or_info, KIND_PREFIX)
        if not info.kind.startswith(KIND_PREFIX) or info.kind[len(KIND_PREFIX):] not in ("vae", "gan"):
            raise UserError(f"model {info.name!r} is a {info.kind} model, not a latent VAE or GAN")
        device = choose_device(device) if not isinstance(device, torch.device) else device
        tensors, card = load_checkpoint(info, "cpu")
        kind = info.kind[len(KIND_PREFIX):]
        try:
            network = networks.build(kind, card["architecture"])
            state = {k[4:]: v for k, v in tensors.items() if k.startswith("net.")}
            network.load_state_dict(state)
            for key in ("directions", "direction_std", "explained_variance", "latent_mean",
                        "latent_basis"):
                if key not in tensors:
                    raise KeyError(key)
        except (KeyError, ValueError, RuntimeError) as error:
            raise UserError(f"model {info.name!r}: weights do not fit the architecture in its card "
                            f"({str(error).splitlines()[0][:160]})") from None
        network.to(device).eval()
        if device.type == "cpu":  # transposed convolutions are faster channels-last on CPUs
            network.to(memory_format=torch.channels_last)
        for param in network.parameters():
            param.requires_grad_(False)
        return cls(info, network, tensors, device)

    # -- directions ----------------------------------------------------------------------
    def direction_set(self, key: str = "pca", job=None) -> DirectionSet:
        """The sliders' directions for ``key`` (see ``DIRECTION_SETS``); SeFa's are computed
        from the weights at once, the named ones fitted once per model file (seconds) and
        cached."""
        if key not in DIRECTION_SETS:
            raise UserError(f"unknown set of directions {key!r} "
                            f"(choose from {', '.join(DIRECTION_SETS)})")
        if key not in self._direction_sets:
            self._direction_sets[key] = (self._sefa_set() if key == "sefa"
                                         else self._named_set(job))
        return self._direction_sets[key]

    def _sefa_set(self) -> DirectionSet:
        from genart_desktop.latent.directions import COUNT, first_layer_weight, sefa_directions

        directions, shares = sefa_directions(first_layer_weight(self.network), COUNT)
        directions = directions.numpy().astype(np.float32)
        # one prior standard deviation along each direction (1 for a GAN's N(0, I))
        std = np.linalg.norm(directions @ self.latent_basis, axis=1).astype(np.float32)
        return DirectionSet(directions, std,
                            [f"{i + 1} · {v * 100:.1f}%" for i, v in enumerate(shares.tolist())],
                            [f"Closed-form direction {i + 1} (SeFa): {v * 100:.2f}% of what the "
                             "first layer amplifies" for i, v in enumerate(shares.tolist())])

    def _named_set(self, job) -> DirectionSet:
        from genart_desktop.latent.named_directions import DESCRIPTIONS, load_or_fit

        fitted = load_or_fit(self, job)  # one per measure, always in ATTRIBUTES' order
        if not any(d.passes for d in fitted):
            raise UserError(f"model {self.name!r}: no measure follows any direction closely "
                            "enough to make a named slider")
        return DirectionSet(
            np.array([d.direction for d in fitted], np.float32),
            np.array([d.std for d in fitted], np.float32),
            [d.name.capitalize() for d in fitted],
            [f"{d.name.capitalize()}: {DESCRIPTIONS[d.name]} (follows the slider with rank "
             f"correlation {d.spearman:.2f})" + ("" if d.passes else
                                                 ": too unsteady to offer on this model")
             for d in fitted],
            [d.passes for d in fitted])

    # -- latents -----------------------------------------------------------------------
    def noise_for(self, seed: int) -> np.ndarray:
        """The standard normal numbers behind a seed (the space interpolation walks in)."""
        return np.random.default_rng(int(seed)).standard_normal(self.z_dim).astype(np.float32)

    def latent_from_noise(self, noise: np.ndarray, truncation: float = 1.0,
                          offsets: dict[int, float] | None = None,
                          directions: str = "pca") -> np.ndarray:
        z = self.latent_mean + self.latent_basis @ (np.asarray(noise, np.float32) * float(truncation))
        return self.move(z, offsets, directions)

    def latent_for(self, seed: int, truncation: float = 1.0,
                   offsets: dict[int, float] | None = None, directions: str = "pca") -> np.ndarray:
        return self.latent_from_noise(self.noise_for(seed), truncation, offsets, directions)

    def move(self, z: np.ndarray, offsets: dict[int, float] | None,
             directions: str = "pca") -> np.ndarray:
        """z shifted by offsets, in standard deviations, along the set ``directions``."""
        z = np.array(z, np.float32)
        if not offsets:
            return z
        chosen = self.direction_set(directions)
        for index, amount in sorted(offsets.items()):  # one order: same sums
            index = int(index)
            if not 0 <= index < len(chosen):
                raise UserError(f"direction {index + 1} does not exist (1..{len(chosen)})")
            z += float(amount) * chosen.std[index] * chosen.directions[index]
        return z

    # -- pixels --------------------------------------------------------------------------
    def decode(self, z_batch: np.ndarray) -> np.ndarray:
        """N x z_dim latents -> N x H x W x 4 straight RGBA uint8."""
        import torch

        z = torch.as_tensor(np.asarray(z_batch, np.float32).reshape(-1, self.z_dim), device=self.device)
        with torch.inference_mode():
            pixels = self._decoder(z).permute(0, 2, 3, 1).float().cpu().numpy()
        return data.unpremultiply(pixels)

    def decode_many(self, latents: np.ndarray, batch: int = 256, job=None) -> np.ndarray:
        """``decode`` in batches (memory stays small), checking ``job`` for cancel between."""
        out = []
        for start in range(0, len(latents), batch):
            if job is not None:
                job.check()
            out.append(self.decode(latents[start:start + batch]))
        return np.concatenate(out)

    def sample(self, seed: int, truncation: float = 1.0,
               offsets: dict[int, float] | None = None, directions: str = "pca") -> np.ndarray:
        return self.decode(self.latent_for(seed, truncation, offsets, directions)[None])[0]

    def walk(self, seed_a: int, seed_b: int, frames: int, truncation: float = 1.0,
             offsets: dict[int, float] | None = None, directions: str = "pca") -> np.ndarray:
        """frames x H x W x 4: a spherical path between the noise of seed A and seed B."""
        a, b = self.noise_for(seed_a), self.noise_for(seed_b)
        path = [self.latent_from_noise(slerp(a, b, i / (frames - 1)), truncation, offsets,
                                       directions)
                for i in range(frames)]
        return self.decode(np.stack(path))

    def encode(self, image) -> tuple[np.ndarray, float]:
        """(z, error): the encoder mean for a PIL image or HxWx3/4 uint8 array, and the RMS
        difference (0..1) between the image and its reconstruction, both over white."""
        import torch
        from PIL import Image

        if self.kind != "vae":
            raise UserError(f"model {self.name!r} is a GAN: only a VAE can encode images")
        picture = image if isinstance(image, Image.Image) else _array_to_image(image)
        rgba = data.to_square_rgba(picture, self.size)
        x = torch.as_tensor(data.premultiply(rgba), device=self.device).permute(2, 0, 1)[None]
        with torch.inference_mode():
            mu, _ = self.network.encode(x)
        z = mu[0].float().cpu().numpy()
        recon = self.decode(z[None])[0]
        diff = data.composite_on_white(rgba) - data.composite_on_white(recon)
        return z, float(np.sqrt(np.mean(diff ** 2)))


def _array_to_image(array: np.ndarray):
    from genart_desktop.core.images import from_array

    array = np.asarray(array)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise UserError(f"an image array must be HxW, HxWx3 or HxWx4, not {array.shape}")
    return from_array(array)


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement, so small samples can be looked at."""
    if factor <= 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def contact_sheet(images: np.ndarray, columns: int | None = None, gap: int = 2) -> np.ndarray:
    """N x H x W x 4 -> one transparent grid picture, row by row, nearly square."""
    count, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(count)))
    rows = int(math.ceil(count / columns))
    sheet = np.zeros((rows * (height + gap) - gap, columns * (width + gap) - gap, channels),
                     images.dtype)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        sheet[top:top + height, left:left + width] = image
    return sheet


def variations(model: "LatentModel", z: np.ndarray, count: int, closeness: float,
               seed: int, truncation: float = 1.0) -> np.ndarray:
    """``count`` latents around ``z`` (count x z_dim): each keeps sqrt(1 - s^2) of z's
    offset from the prior's mean and adds s times a fresh draw from the prior (scaled by
    ``truncation``, as the seeds' are), with s = 1 - closeness. Closeness 1 gives z
    itself, 0 independent samples; the mix keeps the spread typical of the prior, so
    variations look as good as samples do."""
    closeness = float(min(max(closeness, 0.0), 1.0))
    spread = 1.0 - closeness
    noise = np.random.default_rng(int(seed)).standard_normal((count, model.z_dim)).astype(np.float32)
    noise *= float(truncation)
    offset = np.asarray(z, np.float32) - model.latent_mean
    return (model.latent_mean + np.sqrt(1.0 - spread ** 2) * offset
            + spread * noise @ model.latent_basis.T).astype(np.float32)


def save_walk(frames: np.ndarray, path: Path, fps: float, parameters: dict[str, Any]) -> None:
    """GIF or WebP animation, or (.png) a horizontal strip with the parameters in it."""
    from PIL import Image

    from genart_desktop.core.images import save_png

    suffix = path.suffix.lower()
    if suffix == ".png":
        save_png(np.concatenate(list(frames), axis=1), path, parameters)
        return
    if suffix not in (".gif", ".webp"):
        raise UserError(f"{path.name}: the walk is written as .gif, .webp or .png (a strip)")
    pictures = [Image.fromarray(frame, "RGBA") for frame in frames]
    duration = int(round(1000.0 / max(fps, 0.1)))
    options: dict[str, Any] = {"save_all": True, "append_images": pictures[1:],
                               "duration": duration, "loop": 0}
    if suffix == ".gif":
        options["disposal"] = 2  # clear each frame: the images have transparency
    else:
        options["lossless"] = True
    tmp = path.with_name(f".{path.name}.tmp")
    pictures[0].save(tmp, format=suffix[1:].upper(), **options)
    tmp.replace(path)
