"""Which paintings and styles a picture is like, on three axes: style, subject, colour.

The index holds the 23 shipped paintings, the 26 built-in styles (as they render the
reference photo, the coffee cup the style gallery shows) and the user's own styles,
with the style gallery's ids, so a match can be applied by the style panel as it is.

Each axis is a score in 0..1. Style and subject are cosine similarities of features
standardised over the index (so the dimensions that tell the entries apart count, not
the ones every picture shares), mapped from -1..1; colour is how close the palettes are
(a share-weighted nearest-colour CIEDE2000 distance, both ways).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from skimage.color import deltaE_ciede2000

from genart_desktop.core import paths
from genart_desktop.core.jobs import Job
from genart_desktop.insight.features import FeatureExtractor, Features

KINDS = ("painting", "builtin", "user")
WEIGHTS = {"style": 0.45, "subject": 0.3, "colour": 0.25}
COLOUR_SCALE = 15.0  # CIEDE2000 at which the colour score falls to 1/e
REFERENCE_PHOTO = "coffee.png"  # the built-ins are shown (and indexed) on this photo
BUILTIN_RENDER_SIDE = 256


@dataclass
class IndexEntry:
    id: str  # the style gallery's id: painting:FILE, builtin:N, user:FILE
    kind: str  # "painting", "builtin" or "user"
    name: str
    artist: str
    picture: Path  # the painting, the user's picture, or the built-in's render
    features: Features

    @property
    def file(self) -> str | None:
        """A painting's file in resources/styles; a user style's full path."""
        if self.kind == "painting":
            return self.picture.name
        return str(self.picture) if self.kind == "user" else None

    def caption(self) -> str:
        return f"{self.name}\n{self.artist}" if self.artist else self.name


@dataclass
class Match:
    entry: IndexEntry
    score: float
    style: float
    subject: float
    colour: float

    def as_dict(self) -> dict:
        record = {"name": self.entry.name, "kind": self.entry.kind, "id": self.entry.id,
                  "score": round(self.score, 4), "style": round(self.style, 4),
                  "subject": round(self.subject, 4), "colour": round(self.colour, 4)}
        if self.entry.artist:
            record["artist"] = self.entry.artist
        if self.entry.file is not None:
            record["file"] = self.entry.file
        return record


class SimilarityIndex:
    def __init__(self, entries: list[IndexEntry]) -> None:
        self.entries = entries
        self._scales = {name: _standardiser([getattr(e.features, name) for e in entries])
                        for name in ("style", "texture", "subject")}
        self._matrices = {name: np.stack([self._unit(name, getattr(e.features, name))
                                          for e in entries]) if entries else None
                          for name in self._scales}

    def _unit(self, name: str, vector: np.ndarray) -> np.ndarray:
        mean, spread = self._scales[name]
        z = (vector - mean) / spread
        return z / max(float(np.linalg.norm(z)), 1e-9)

    def rank(self, features: Features, exclude: set[str] = frozenset(),
             kinds: tuple[str, ...] = KINDS) -> list[Match]:
        """Every entry (but ``exclude``, of ``kinds``), most similar first."""
        if not self.entries:
            return []
        cosines = {name: self._matrices[name] @ self._unit(name, getattr(features, name))
                   for name in self._scales}
        style = (cosines["style"] + cosines["texture"]) / 4 + 0.5
        subject = cosines["subject"] / 2 + 0.5
        matches = []
        for row, entry in enumerate(self.entries):
            if entry.id in exclude or entry.kind not in kinds:
                continue
            colour = colour_similarity(features, entry.features)
            score = (WEIGHTS["style"] * style[row] + WEIGHTS["subject"] * subject[row]
                     + WEIGHTS["colour"] * colour)
            matches.append(Match(entry, float(score), float(style[row]), float(subject[row]),
                                 colour))
        matches.sort(key=lambda match: -match.score)
        return matches

    def entry(self, entry_id: str) -> IndexEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)


def colour_similarity(a: Features, b: Features) -> float:
    return float(np.exp(-palette_distance(a.palette_lab, a.palette_share,
                                          b.palette_lab, b.palette_share) / COLOUR_SCALE))


def palette_distance(lab_a: np.ndarray, share_a: np.ndarray,
                     lab_b: np.ndarray, share_b: np.ndarray) -> float:
    """Mean CIEDE2000 from each colour to the other palette's nearest, share-weighted,
    averaged both ways (0: the same palette)."""
    if len(lab_a) == 0 or len(lab_b) == 0:
        return float("inf")
    pairs = deltaE_ciede2000(np.repeat(lab_a, len(lab_b), 0), np.tile(lab_b, (len(lab_a), 1)))
    gaps = pairs.reshape(len(lab_a), len(lab_b))
    a_to_b = float((gaps.min(1) * share_a).sum() / max(float(share_a.sum()), 1e-9))
    b_to_a = float((gaps.min(0) * share_b).sum() / max(float(share_b.sum()), 1e-9))
    return (a_to_b + b_to_a) / 2


def _standardiser(vectors: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    if not vectors:
        return np.zeros(1, np.float32), np.ones(1, np.float32)
    stacked = np.stack(vectors).astype(np.float32)
    spread = stacked.std(0)
    return stacked.mean(0), np.maximum(spread, max(float(spread.mean()), 1e-6) * 0.1)


# ---------------------------------------------------------------------- building the index
def build_index(extractor: FeatureExtractor, job: Job | None = None,
                kinds: tuple[str, ...] = KINDS) -> SimilarityIndex:
    """Features of every painting and style (cached per file in the user's cache)."""
    from genart_desktop.style import catalogue

    job = job or Job()
    sources: list[tuple[str, str, str, str, Path | int]] = []
    if "painting" in kinds:
        sources += [(e.id, "painting", e.name, e.artist, e.path) for e in catalogue.paintings()]
    if "builtin" in kinds:
        sources += [(e.id, "builtin", e.name, "", e.index) for e in catalogue.builtin_styles()]
    if "user" in kinds:
        sources += [(e.id, "user", e.name, "", e.path) for e in catalogue.user_styles()]
    entries = []
    renders = None
    for done, (entry_id, kind, name, artist, source) in enumerate(sources):
        job.check()
        if kind == "builtin":
            renders = renders or BuiltinRenders()
            source = renders.path(source)
        try:
            features = extractor.of_file(source)
        except Exception as error:  # noqa: BLE001 - one broken user picture must not stop the rest
            if kind != "user":
                raise
            job.progress(done / max(len(sources), 1), f"skipped {name}: {error}")
            continue
        entries.append(IndexEntry(entry_id, kind, name, artist, Path(source), features))
        job.progress((done + 1) / len(sources), f"analysing paintings and styles "
                     f"{done + 1}/{len(sources)}")
    return SimilarityIndex(entries)


class BuiltinRenders:
    """The 26 built-in styles rendered on the reference photo, made once and cached."""

    def __init__(self) -> None:
        from genart_desktop.core.checkpoints import find_model
        from genart_desktop.style.weights import MULTI26

        sha = find_model(MULTI26).card["weights"]["sha256"][:16]
        self.folder = paths.cache_dir() / "insight" / f"builtin-renders-{sha}-{BUILTIN_RENDER_SIDE}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._engine = None
        self._photo = None

    def path(self, index: int) -> Path:
        target = self.folder / f"{index:02d}.png"
        if not target.exists():
            self._render(index, target)
        return target

    def _render(self, index: int, target: Path) -> None:
        from PIL import Image

        from genart_desktop.core.images import save_png
        from genart_desktop.style.request import StyleRequest
        from genart_desktop.style.stylize import StyleEngine

        if self._engine is None:
            self._engine = StyleEngine()
            reference = Image.open(paths.resources_dir() / "samples" / REFERENCE_PHOTO)
            reference = reference.convert("RGB")
            reference.thumbnail((BUILTIN_RENDER_SIDE, BUILTIN_RENDER_SIDE), Image.LANCZOS)
            self._photo = np.asarray(reference)
        # plain PyTorch: 26 small renders, once, do not pay for an onnxruntime export;
        # at the photo's own size (no brush scale), as these renders always were
        request = StyleRequest(builtin={index: 1.0}, runtime="torch", style_scale=None)
        save_png(self._engine.stylize(self._photo, request), target)
