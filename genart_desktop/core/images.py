"""Safe image loading and PNG metadata.

Every file a user gives may be broken, huge or not an image at all. ``load_image``
returns a clean 8-bit RGB or RGBA picture or raises ``ImageLoadError`` naming the file
and the cause; nothing half-loaded ever reaches the canvas.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from genart_desktop.core.errors import UserError

#: Pictures larger than this are refused (decompression-bomb guard): 8192 x 8192.
MAX_PIXELS = 8192 * 8192
#: PNG text chunk that carries generation parameters as JSON.
METADATA_KEY = "genart"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


class ImageLoadError(UserError):
    pass


def load_image(path: str | os.PathLike[str], max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open an image as 8-bit RGB or RGBA, EXIF orientation applied, first frame only."""
    path = Path(path)
    name = path.name
    try:
        with Image.open(path) as opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise ImageLoadError(
                    f"{name}: {width}x{height} pixels is more than the limit of "
                    f"{max_pixels:,} pixels (it could exhaust memory)"
                )
            opened.seek(0)  # GIF, WebP, TIFF: the first frame
            opened.load()
            picture = _to_8bit_rgb_or_rgba(opened)
            picture = ImageOps.exif_transpose(picture)
    except ImageLoadError:
        raise
    except FileNotFoundError:
        raise ImageLoadError(f"{name}: file not found") from None
    except IsADirectoryError:
        raise ImageLoadError(f"{name}: is a folder, not an image") from None
    except PermissionError:
        raise ImageLoadError(f"{name}: permission denied") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name}: not an image file (or a format that is not supported)") from None
    except Image.DecompressionBombError:
        raise ImageLoadError(f"{name}: too many pixels (decompression bomb guard)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageLoadError(f"{name}: the image is truncated or corrupt ({error})") from None
    if picture.width < 1 or picture.height < 1:
        raise ImageLoadError(f"{name}: the image is empty")
    return picture


def _to_8bit_rgb_or_rgba(picture: Image.Image) -> Image.Image:
    mode = picture.mode
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in picture.info
    ) or (mode in ("RGB", "L") and "transparency" in picture.info)
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16/32-bit grayscale: scale to 8 bits by range, not by clipping.
        values = np.asarray(picture, dtype=np.float64)
        peak = 65535.0 if values.max(initial=0) > 255 else 255.0
        eight_bit = np.clip(values / peak * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(eight_bit, "L").convert("RGB")
    if mode == "F":
        values = np.asarray(picture, dtype=np.float64)
        low, high = float(values.min(initial=0)), float(values.max(initial=1))
        scaled = (values - low) / (high - low or 1.0) * 255.0
        return Image.fromarray(scaled.astype(np.uint8), "L").convert("RGB")
    if mode == "CMYK":
        return picture.convert("RGB")
    return picture.convert("RGBA" if has_alpha else "RGB")


def to_array(picture: Image.Image) -> np.ndarray:
    """HxWx3 or HxWx4 uint8."""
    return np.asarray(picture, dtype=np.uint8).copy()


def from_array(array: np.ndarray) -> Image.Image:
    """A PIL image from HxW, HxWx3 or HxWx4 uint8, or floats in 0..1."""
    if array.dtype != np.uint8:
        array = (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    array = np.ascontiguousarray(array)
    channels = 1 if array.ndim == 2 else array.shape[2]
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    return Image.fromarray(array.squeeze(), mode)


def save_png(picture: Image.Image | np.ndarray, path: str | os.PathLike[str],
             parameters: dict[str, Any] | None = None) -> None:
    """Write a PNG, with the generation parameters as a JSON text chunk when given."""
    if isinstance(picture, np.ndarray):
        picture = from_array(picture)
    info = PngImagePlugin.PngInfo()
    if parameters:
        info.add_text(METADATA_KEY, json.dumps(parameters, ensure_ascii=False))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    picture.save(tmp, format="PNG", pnginfo=info)
    os.replace(tmp, path)


def save_picture(picture: np.ndarray, path: str | os.PathLike[str],
                 parameters: dict[str, Any] | None = None) -> None:
    """Write in the format the file name says: a PNG keeps the parameters; JPEG, which has
    no alpha, gets the picture flattened. A failure is a UserError naming the file."""
    from genart_desktop.core.errors import UserError

    path = Path(path)
    try:
        if path.suffix.lower() == ".png":
            save_png(picture, path, parameters)
            return
        image = from_array(picture)
        if path.suffix.lower() in (".jpg", ".jpeg") and image.mode == "RGBA":
            image = image.convert("RGB")
        image.save(path)
    except (OSError, ValueError) as error:
        raise UserError(f"{path.name}: cannot write this picture ({error})") from None


def read_png_parameters(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The generation parameters stored by ``save_png``, or None."""
    try:
        with Image.open(path) as opened:
            text = opened.info.get(METADATA_KEY)
    except (OSError, UnidentifiedImageError):
        return None
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
