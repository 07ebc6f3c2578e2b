"""What the latent panel shows, as plain data (no Qt): the settings behind one picture.

``LatentSettings`` is what File > Save image as writes into the PNG (through the canvas
state's parameters) and what File > Open of that PNG gives back. Its keys follow
``genart sample`` (model, seed, truncation, directions as {"index": std}, and
"direction_set" when the sliders are not the principal directions), so a PNG written by
the CLI opens in the panel too. Directions are numbered from 0 in files and from 1 on
screen.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from genart_desktop.latent.limits import DIRECTION_SETS, DIRECTIONS  # as the CLI's

GENERATOR = "latent"  # marks parameters written by this panel


@dataclass
class LatentSettings:
    model: str = ""
    seed: int = 0
    truncation: float = 1.0
    offsets: list[float] = field(default_factory=lambda: [0.0] * DIRECTIONS)
    #: a latent not drawn from the seed: an encoded picture's (VAE) or a chosen variation's;
    #: when set it replaces the seed's latent
    encoded: list[float] | None = None
    #: which directions the sliders move along (``DIRECTION_SETS``)
    direction_set: str = "pca"
    #: where ``encoded`` came from: "picture" or "variation"
    origin: str = "picture"

    def offsets_dict(self) -> dict[int, float]:
        return {index: value for index, value in enumerate(self.offsets) if value}

    def latent(self, model) -> np.ndarray:
        """The latent this state decodes to, for a loaded ``LatentModel``."""
        if self.encoded is not None:
            return model.move(np.asarray(self.encoded, np.float32), self.offsets_dict(),
                              self.direction_set)
        return model.latent_for(self.seed, self.truncation, self.offsets_dict(),
                                self.direction_set)

    def describe(self) -> str:
        source = (("a variation" if self.origin == "variation" else "encoded picture")
                  if self.encoded is not None else f"seed {self.seed}")
        moved = len(self.offsets_dict())
        return source + (f", {moved} slider{'s' * (moved > 1)} moved" if moved else "")

    def parameters(self) -> dict[str, Any]:
        out: dict[str, Any] = {"generator": GENERATOR, "model": self.model, "seed": self.seed,
                               "truncation": round(self.truncation, 4),
                               "directions": {str(i): round(v, 4) for i, v in self.offsets_dict().items()}}
        if self.direction_set != "pca":
            out["direction_set"] = self.direction_set
        if self.encoded is not None:
            out["encoded_latent"] = [round(float(v), 6) for v in self.encoded]
            if self.origin != "picture":
                out["latent_origin"] = self.origin
        return out

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any] | None) -> "LatentSettings | None":
        """The settings stored in a PNG or a project, or None if they are not ours."""
        if not isinstance(parameters, dict) or not isinstance(parameters.get("model"), str) \
                or "seed" not in parameters:
            return None
        from genart_desktop.core.cli_args import MAX_SEED
        from genart_desktop.latent.limits import MAX_TRUNCATION

        def number(value, low: float, high: float) -> float | None:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) and low <= value <= high
            return float(value) if ok else None

        seed = number(parameters["seed"], 0, MAX_SEED)
        truncation = number(parameters.get("truncation", 1.0), 0, MAX_TRUNCATION)
        if seed is None or seed != int(seed) or truncation is None:
            return None
        offsets = [0.0] * DIRECTIONS
        directions = parameters.get("directions") or {}
        if not isinstance(directions, dict):
            return None
        for key, value in directions.items():
            index, offset = str(key), number(value, -1e6, 1e6)
            if not index.isdigit() or int(index) >= DIRECTIONS or offset is None:
                return None
            offsets[int(index)] = max(-3.0, min(3.0, offset))
        encoded = parameters.get("encoded_latent")
        if encoded is not None:
            if not isinstance(encoded, list) or len(encoded) > 4096 \
                    or any(number(v, -1e6, 1e6) is None for v in encoded):
                return None
            encoded = [float(v) for v in encoded]
        direction_set = parameters.get("direction_set", "pca")
        origin = parameters.get("latent_origin", "picture")
        if direction_set not in DIRECTION_SETS or origin not in ("picture", "variation"):
            return None
        return cls(model=parameters["model"], seed=int(seed), truncation=truncation,
                   offsets=offsets, encoded=encoded, direction_set=direction_set, origin=origin)

    def copy(self) -> "LatentSettings":
        return replace(self, offsets=list(self.offsets),
                       encoded=None if self.encoded is None else list(self.encoded))


def interpolated_latent(model, a: LatentSettings, b: LatentSettings, t: float) -> np.ndarray:
    """The latent a fraction ``t`` of the way from A to B.

    Two seeds walk a spherical path between their noises (the engine's ``slerp``, which
    keeps the norm typical of the prior) with truncation and sliders blended linearly;
    an encoded picture on either end has no noise, and sliders of two different sets do
    not blend, so then the latents blend linearly.
    """
    from genart_desktop.latent.engine import slerp

    t = float(min(max(t, 0.0), 1.0))
    if a.encoded is None and b.encoded is None and a.direction_set == b.direction_set:
        noise = slerp(model.noise_for(a.seed), model.noise_for(b.seed), t)
        truncation = (1 - t) * a.truncation + t * b.truncation
        offsets = {i: (1 - t) * a.offsets[i] + t * b.offsets[i] for i in range(DIRECTIONS)
                   if a.offsets[i] or b.offsets[i]}
        return model.latent_from_noise(noise, truncation, offsets, a.direction_set)
    return ((1 - t) * a.latent(model) + t * b.latent(model)).astype(np.float32)


def upscale(image: np.ndarray, factor: int, crisp: bool) -> np.ndarray:
    """Enlarge a small sample: whole-pixel blocks (crisp) or a Lanczos resize (smooth,
    Pillow premultiplies alpha for it, so transparent edges stay clean)."""
    if factor <= 1:
        return image
    if crisp:
        return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)
    from PIL import Image

    height, width = image.shape[:2]
    mode = "RGBA" if image.shape[2] == 4 else "RGB"
    picture = Image.fromarray(image, mode).resize((width * factor, height * factor),
                                                  Image.Resampling.LANCZOS)
    return np.asarray(picture)
