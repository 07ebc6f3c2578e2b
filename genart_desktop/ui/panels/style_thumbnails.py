"""Gallery thumbnails, Qt-free; computed on the panel's worker, never on the UI thread.

A built-in style is shown as it renders one fixed reference photo (the coffee cup in
``resources/samples``); those 26 renders are made once and cached in the user's cache
folder under a name that carries the weights' hash, so new weights render anew.
Paintings and the user's pictures are shown as themselves (centre square).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from genart_desktop.core import paths
from genart_desktop.core.jobs import Job
from genart_desktop.style.catalogue import BUILTIN_COUNT, StyleEntry

THUMB = 96
RENDER_SIDE = 256  # the reference photo's size for the renders (styles depend on scale)
REFERENCE = "coffee.png"


def square(picture: np.ndarray | Image.Image, side: int = THUMB) -> np.ndarray:
    """The centred square of a picture at ``side`` px, RGB."""
    image = picture if isinstance(picture, Image.Image) else Image.fromarray(picture)
    image = image.convert("RGB")
    edge = min(image.size)
    left, top = (image.width - edge) // 2, (image.height - edge) // 2
    return np.asarray(image.crop((left, top, left + edge, top + edge))
                      .resize((side, side), Image.LANCZOS))


def builtin_cache_dir() -> Path:
    from genart_desktop.core.checkpoints import find_model
    from genart_desktop.style.weights import MULTI26

    sha = find_model(MULTI26).card["weights"]["sha256"][:16]
    folder = paths.cache_dir() / "style-thumbnails" / f"multi26-{sha}-{Path(REFERENCE).stem}-{THUMB}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def builtin_thumbnails(engine, job: Job) -> dict[str, np.ndarray]:
    """``builtin:N`` -> thumbnail, from the cache or rendered (and cached) now."""
    from genart_desktop.style.request import StyleRequest

    folder = builtin_cache_dir()
    thumbs: dict[str, np.ndarray] = {}
    photo = None
    for index in range(BUILTIN_COUNT):
        job.check()
        path = folder / f"{index:02d}.png"
        try:
            thumbs[f"builtin:{index}"] = np.asarray(Image.open(path).convert("RGB"))
            continue
        except (OSError, ValueError):
            pass
        if photo is None:
            reference = Image.open(paths.resources_dir() / "samples" / REFERENCE).convert("RGB")
            reference.thumbnail((RENDER_SIDE, RENDER_SIDE), Image.LANCZOS)
            photo = np.asarray(reference)
        # at the photo's own size: the gallery shows every style on one fixed render
        out = engine.stylize(photo, StyleRequest(builtin={index: 1.0}, style_scale=None))
        thumb = square(out)
        tmp = path.with_name(f".{path.name}.tmp")
        Image.fromarray(thumb).save(tmp, format="PNG")
        tmp.replace(path)
        thumbs[f"builtin:{index}"] = thumb
        job.progress((index + 1) / BUILTIN_COUNT, f"rendering style thumbnails {index + 1}/26")
    return thumbs


def picture_thumbnails(entries: list[StyleEntry], job: Job) -> dict[str, np.ndarray]:
    """Thumbnails of picture styles; an unreadable file is skipped (it gets no icon)."""
    from genart_desktop.core.images import load_image

    thumbs = {}
    for entry in entries:
        job.check()
        if entry.path is None:
            continue
        try:
            picture = load_image(entry.path)
        except Exception:  # noqa: BLE001 - a broken file just shows no thumbnail
            continue
        thumbs[entry.id] = square(picture)
    return thumbs
