"""Training images: reading a folder, the fixed held-out split, and the Twemoji set.

``python -m genart_desktop.latent.data fetch-twemoji`` downloads the npm package
``emoji-datasource-twitter@16.0.0`` with ``npm pack`` into the cache
(``core.paths.cache_dir()/datasets``), extracts its 3,786 64x64 PNGs and prints the
folder. Nothing of it is stored in the repository. ``fetch-twemoji --subset curated``
gives the subset a small model can learn (``CURATED``): faces, animals, plants and food,
chosen by the package's own categories in ``emoji.json``; no skin-tone or gender variants,
flags, keycaps or symbols.

The held-out split is a function of file names alone: files are ranked by the SHA-256 of
their name and the first 10% (rounded up) are held out. The same folder always gives
the same split, on any machine, whatever order the files are listed in.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError
from genart_desktop.core.images import IMAGE_SUFFIXES, ImageLoadError, load_image

HELDOUT_FRACTION = 0.10
MIN_IMAGES = 16

TWEMOJI = {
    "source": "npm emoji-datasource-twitter@16.0.0, img/twitter/64/*.png",
    "package": "emoji-datasource-twitter",
    "version": "16.0.0",
    "member_prefix": "package/img/twitter/64/",
    "license": "CC-BY-4.0",
    "attribution": "Twemoji by Twitter, Inc and other contributors, CC-BY 4.0",
    "fetch": "python -m genart_desktop.latent.data fetch-twemoji",
}


# The curated subset, as a rule over emoji.json's (category, subcategory): faces (of
# people, cats and monkeys), animals, plants and food. Skin-tone variants are never in it
# (they are separate images under "skin_variations"), nor gendered ZWJ sequences.
CURATED = {
    "Smileys & Emotion": ("face-", "cat-face", "monkey-face"),
    "Animals & Nature": ("",),
    "Food & Drink": ("food-", "drink"),
}
GENDER_SIGNS = ("2640", "2642")  # female and male signs inside a ZWJ sequence


def twemoji_dir(subset: str = "all") -> Path:
    return paths.cache_dir() / "datasets" / ("twemoji-64" if subset == "all"
                                             else f"twemoji-64-{subset}")


def curated_images(entries: list[dict]) -> set[str]:
    """The image file names ``CURATED`` picks from emoji.json's entries."""
    chosen = set()
    for entry in entries:
        prefixes = CURATED.get(entry.get("category", ""))
        subcategory = entry.get("subcategory", "")
        parts = str(entry.get("unified", "")).upper().split("-")
        if prefixes is None or not any(subcategory.startswith(p) for p in prefixes):
            continue
        if "200D" in parts and any(sign in parts for sign in GENDER_SIGNS):
            continue
        if entry.get("has_img_twitter", True) and entry.get("image"):
            chosen.add(str(entry["image"]))
    return chosen


def fetch_twemoji(subset: str = "all") -> Path:
    """Download (once) and extract the Twemoji PNGs (``subset``: "all" or "curated");
    returns their folder."""
    if subset not in ("all", "curated"):
        raise UserError(f"unknown Twemoji subset {subset!r} (all or curated)")
    target = twemoji_dir(subset)
    if target.is_dir() and len(list(target.glob("*.png"))) >= (3000 if subset == "all" else 300):
        return target
    datasets = target.parent
    datasets.mkdir(parents=True, exist_ok=True)
    tarball = datasets / f"{TWEMOJI['package']}-{TWEMOJI['version']}.tgz"
    if not tarball.exists():
        try:
            subprocess.run(["npm", "pack", f"{TWEMOJI['package']}@{TWEMOJI['version']}"],
                           cwd=datasets, check=True, capture_output=True, text=True)
        except FileNotFoundError:
            raise UserError("npm is not installed; it is needed to download the Twemoji set") from None
        except subprocess.CalledProcessError as error:
            raise UserError(f"npm pack failed: {error.stderr.strip().splitlines()[-1:]}") from None
    partial = target.with_name(target.name + ".partial")
    partial.mkdir(exist_ok=True)
    prefix = TWEMOJI["member_prefix"]
    with tarfile.open(tarball, "r:gz") as archive:
        wanted = None
        if subset == "curated":
            import json

            wanted = curated_images(json.load(archive.extractfile("package/emoji.json")))
        for member in archive:
            name = member.name
            if member.isfile() and name.startswith(prefix) and name.endswith(".png") \
                    and "/" not in name[len(prefix):] \
                    and (wanted is None or name[len(prefix):] in wanted):
                data = archive.extractfile(member).read()
                (partial / name[len(prefix):]).write_bytes(data)
    if target.exists():
        for old in target.iterdir():
            old.unlink()
        target.rmdir()
    partial.rename(target)
    return target


def image_files(folder: Path) -> list[Path]:
    """Image files directly in a folder, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def split_names(names: list[str]) -> tuple[list[str], list[str]]:
    """(train, held_out): the 10% of names with the smallest SHA-256 are held out."""
    ranked = sorted(names, key=lambda n: hashlib.sha256(n.encode("utf-8")).hexdigest())
    n_held = math.ceil(len(ranked) * HELDOUT_FRACTION)
    held = set(ranked[:n_held])
    return [n for n in sorted(names) if n not in held], sorted(held)


def to_square_rgba(picture: Image.Image, size: int) -> np.ndarray:
    """Fit inside size x size (aspect kept, transparent margins), straight RGBA uint8."""
    picture = picture.convert("RGBA")
    if picture.size != (size, size):
        scale = size / max(picture.size)
        new_size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
        picture = picture.resize(new_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        canvas.paste(picture, ((size - new_size[0]) // 2, (size - new_size[1]) // 2))
        picture = canvas
    return np.asarray(picture, dtype=np.uint8)


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 (..., 4) -> premultiplied float32 in [-1, 1], channels last."""
    x = rgba.astype(np.float32) / 255.0
    x[..., :3] *= x[..., 3:4]
    return x * 2.0 - 1.0


def unpremultiply(x: np.ndarray) -> np.ndarray:
    """Premultiplied float in [-1, 1] (..., 4) -> straight RGBA uint8."""
    x = np.clip((x + 1.0) * 0.5, 0.0, 1.0)
    alpha = x[..., 3:4]
    rgb = np.where(alpha > 1.0 / 512, x[..., :3] / np.maximum(alpha, 1e-6), 0.0)
    out = np.concatenate([np.clip(rgb, 0.0, 1.0), alpha], axis=-1)
    return (out * 255.0 + 0.5).astype(np.uint8)


def composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 (..., 4) -> RGB float32 in [0, 1] over white."""
    x = rgba.astype(np.float32) / 255.0
    alpha = x[..., 3:4]
    return x[..., :3] * alpha + (1.0 - alpha)


@dataclass
class ImageSet:
    """Straight RGBA uint8 images N x size x size x 4, with what was skipped and why."""

    images: np.ndarray
    names: list[str]
    skipped: list[str] = field(default_factory=list)  # "file: reason"


def load_folder(folder: Path, size: int, split: str = "train") -> ImageSet:
    """The images of one split ("train", "heldout" or "all"); unreadable files are skipped
    and listed in ``skipped``. The split is made over the readable files' names."""
    files = image_files(folder)
    arrays: list[np.ndarray] = []
    names: list[str] = []
    skipped: list[str] = []
    for path in files:
        try:
            arrays.append(to_square_rgba(load_image(path), size))
            names.append(path.name)
        except ImageLoadError as error:
            skipped.append(str(error))
    if split != "all":
        train, held = split_names(names)
        keep = set(train if split == "train" else held)
        kept = [(a, n) for a, n in zip(arrays, names) if n in keep]
        arrays, names = [a for a, _ in kept], [n for _, n in kept]
    stacked = np.stack(arrays) if arrays else np.zeros((0, size, size, 4), np.uint8)
    return ImageSet(stacked, names, skipped)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m genart_desktop.latent.data")
    parser.add_argument("command", choices=["fetch-twemoji"])
    parser.add_argument("--subset", choices=["all", "curated"], default="all")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as stop:  # a usage error, printed by argparse
        return int(stop.code or 0)
    try:
        folder = fetch_twemoji(args.subset)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    count = len(list(folder.glob("*.png")))
    train, held = split_names([p.name for p in folder.glob("*.png")])
    print(folder)
    print(f"{count} images ({len(train)} train, {len(held)} held out); "
          f"{TWEMOJI['attribution']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
