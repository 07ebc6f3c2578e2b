"""What similarity compares, per picture: three kinds of features from networks we ship.

- style: the any-picture style predictor's 100-number vector (style/arbitrary.py) plus
  VGG16's channel means and deviations at five depths (Huang and Belongie's AdaIN
  statistics: texture and brushwork, not layout);
- subject: VGG16's deepest layer, averaged and max-pooled over the picture (what is in
  it, wherever it is);
- colour: the picture's palette (insight/palette.py).

Features of files are cached in the user's cache folder under the file's hash, so the
paintings and styles are analysed once; a picture in memory is cached by its content.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError

FEATURES_VERSION = 1  # bump when what is computed changes: old caches are ignored
VGG_SIDE = 192  # the picture's longest side for VGG16 (256 costs 4x more on a CPU)
PREDICTOR_SIDE = 256  # the style predictor's input (a centred square)
PALETTE_COLOURS = 8
TEXTURE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
SUBJECT_LAYER = "conv5_3"
MIN_SIDE = 8  # smaller pictures carry no texture or subject to compare
MEMORY_CACHE = 32  # pictures kept in memory (the canvas as it changes)


@dataclass
class Features:
    style: np.ndarray  # (100,) style vector
    texture: np.ndarray  # (2944,) log channel means and deviations
    subject: np.ndarray  # (1024,) pooled deepest activations
    palette_lab: np.ndarray  # (K, 3)
    palette_share: np.ndarray  # (K,)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, **{name: getattr(self, name) for name in self.__dataclass_fields__})
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Features":
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            return cls(**{name: stored[name] for name in cls.__dataclass_fields__})


def as_rgb(image: np.ndarray) -> np.ndarray:
    """RGB uint8 from grey, RGB or RGBA (transparency over white, as a viewer shows it)."""
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4) or image.dtype != np.uint8:
        raise UserError("not a picture: expected an 8-bit grey, RGB or RGBA image")
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:].astype(np.float32) / 255.0
        return (image[:, :, :3] * alpha + 255.0 * (1.0 - alpha) + 0.5).astype(np.uint8)
    return np.ascontiguousarray(image)


def file_key(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:32]


def array_key(image: np.ndarray) -> str:
    return hashlib.sha1(image.tobytes() + str(image.shape).encode()).hexdigest()


def cache_folder() -> Path:
    folder = paths.cache_dir() / "insight" / f"features-v{FEATURES_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class FeatureExtractor:
    """Loads the predictor and VGG16 once (on first use) and computes features."""

    def __init__(self, device=None) -> None:
        self.device = device
        self._predictor = None
        self._vgg = None
        self._memory: OrderedDict[str, Features] = OrderedDict()
        self._lock = threading.Lock()

    def _networks(self):
        if self._vgg is None:
            import torch

            from genart_desktop.core.device import choose_device
            from genart_desktop.style.arbitrary import load_predictor
            from genart_desktop.style.vgg16 import load_vgg16_features

            self.device = choose_device(self.device) if not isinstance(self.device, torch.device) \
                else self.device
            self._predictor = load_predictor(self.device)
            self._vgg = load_vgg16_features(self.device, TEXTURE_LAYERS + (SUBJECT_LAYER,))
        return self._predictor, self._vgg

    def of_array(self, image: np.ndarray) -> Features:
        """Features of a picture in memory (kept for the last few pictures)."""
        key = array_key(image)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        features = self.compute(image)
        with self._lock:
            self._memory[key] = features
            while len(self._memory) > MEMORY_CACHE:
                self._memory.popitem(last=False)
        return features

    def of_file(self, path: Path, load=None) -> Features:
        """Features of a picture file, from the cache folder or computed and cached."""
        from genart_desktop.core.images import load_image, to_array

        cached = cache_folder() / f"{file_key(path)}.npz"
        features = read_cached(cached)
        if features is None:
            features = self.compute(to_array(load(path) if load else load_image(path)))
            write_cached(cached, features)
        return features

    def compute(self, image: np.ndarray) -> Features:
        import torch

        from genart_desktop.insight.palette import extract_palette

        rgb = as_rgb(image)
        height, width = rgb.shape[:2]
        if min(height, width) < MIN_SIDE:
            raise UserError(f"the picture is {width}x{height}: too small to compare "
                            f"(at least {MIN_SIDE} px on each side)")
        predictor, vgg = self._networks()
        with torch.no_grad():
            style = predictor(_tensor(_centre_square(rgb, PREDICTOR_SIDE)).to(self.device))
            activations = vgg(_tensor(_fit(rgb, VGG_SIDE)).to(self.device))
        texture = []
        for layer in TEXTURE_LAYERS:
            values = activations[layer][0].flatten(1)
            texture += [values.mean(1), values.std(1)]
        deepest = activations[SUBJECT_LAYER][0].flatten(1)
        subject = torch.cat([deepest.mean(1), deepest.amax(1)])
        swatches = extract_palette(rgb, PALETTE_COLOURS)
        return Features(
            style=style[0].float().cpu().numpy(),
            texture=torch.log1p(torch.cat(texture)).float().cpu().numpy(),
            subject=torch.sqrt(subject).float().cpu().numpy(),
            palette_lab=np.array([s.lab for s in swatches], np.float32),
            palette_share=np.array([s.share for s in swatches], np.float32))


def read_cached(path: Path) -> Features | None:
    try:
        return Features.from_bytes(path.read_bytes())
    except (OSError, ValueError, KeyError, EOFError):
        return None  # missing or damaged: computed again


def write_cached(path: Path, features: Features) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(features.to_bytes())
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a full or read-only cache only costs time


def _tensor(rgb: np.ndarray):
    import torch

    return torch.from_numpy(rgb.transpose(2, 0, 1).astype(np.float32) / 255.0)[None]


def _fit(rgb: np.ndarray, side: int) -> np.ndarray:
    """The picture with its longest side at ``side`` px (enlarged too: VGG needs room)."""
    import cv2

    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    size = (max(32, round(width * scale)), max(32, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def _centre_square(rgb: np.ndarray, side: int) -> np.ndarray:
    import cv2

    height, width = rgb.shape[:2]
    edge = min(height, width)
    top, left = (height - edge) // 2, (width - edge) // 2
    square = rgb[top:top + edge, left:left + edge]
    return cv2.resize(square, (side, side),
                      interpolation=cv2.INTER_AREA if edge > side else cv2.INTER_CUBIC)
