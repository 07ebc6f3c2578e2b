"""Stars ("I like this") and "more like what I like".

A star marks a painting, a style (built-in or the user's) or any picture. Stars live in
``user_data_dir()/insight/stars.json``; a starred picture's features sit beside it
(``starred/KEY.npz``), so it can be compared without the picture itself. A project keeps
its stars too (``to_project`` / ``merge_project``): opening a project adds its stars.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from genart_desktop.core import paths
from genart_desktop.insight.features import Features, read_cached, write_cached
from genart_desktop.insight.similarity import Match, SimilarityIndex

STARS_VERSION = 1
_SAFE_KEY = re.compile(r"^[0-9a-f]{8,64}$")


@dataclass(frozen=True)
class Star:
    id: str  # painting:FILE, builtin:N, user:FILE (the style gallery's ids) or picture:KEY
    kind: str  # "painting", "builtin", "user" or "picture"
    name: str


def picture_star_id(key: str) -> str:
    return f"picture:{key[:16]}"


class Stars:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.user_data_dir() / "insight"
        self.items: dict[str, Star] = {}
        self._features: dict[str, Features] = {}  # starred pictures' features
        self.load()

    # --- the user's data folder ---------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.folder / "stars.json"

    def _feature_path(self, star_id: str) -> Path | None:
        key = star_id.split(":", 1)[1]
        return self.folder / "starred" / f"{key}.npz" if _SAFE_KEY.match(key) else None

    def load(self) -> None:
        """Read the stars; a missing or damaged file means no stars (never an error)."""
        try:
            records = json.loads(self.path.read_text(encoding="utf-8")).get("stars", [])
        except (OSError, ValueError, AttributeError):
            records = []
        self.items = {}
        for record in records:
            star = _star_from(record)
            if star is not None:
                self.items[star.id] = star

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"version": STARS_VERSION, "stars": [asdict(s) for s in self.items.values()]}
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    # --- starring -----------------------------------------------------------------------
    def __contains__(self, star_id: str) -> bool:
        return star_id in self.items

    def __len__(self) -> int:
        return len(self.items)

    def star(self, star: Star, features: Features | None = None) -> None:
        """Star something; a picture needs its features (nothing else can be compared)."""
        if star.kind == "picture":
            if features is None:
                raise ValueError("a starred picture needs its features")
            target = self._feature_path(star.id)
            if target is None:
                raise ValueError(f"not a picture key: {star.id}")
            target.parent.mkdir(parents=True, exist_ok=True)
            write_cached(target, features)
            self._features[star.id] = features
        self.items[star.id] = star
        self.save()

    def unstar(self, star_id: str) -> None:
        if self.items.pop(star_id, None) is not None:
            self.save()

    def features(self, star_id: str, index: SimilarityIndex | None) -> Features | None:
        """What a star is compared by: an index entry's features or a picture's own."""
        star = self.items.get(star_id)
        if star is None:
            return None
        if star.kind != "picture":
            entry = index.entry(star_id) if index is not None else None
            return entry.features if entry is not None else None
        if star_id not in self._features:
            path = self._feature_path(star_id)
            features = read_cached(path) if path is not None else None
            if features is None:
                return None
            self._features[star_id] = features
        return self._features[star_id]

    # --- projects -----------------------------------------------------------------------
    def to_project(self) -> tuple[dict, dict[str, bytes]]:
        """(state, files) for a project: the stars and the starred pictures' features."""
        files = {}
        for star in self.items.values():
            features = self.features(star.id, None) if star.kind == "picture" else None
            if features is not None:
                files[f"{star.id.split(':', 1)[1]}.npz"] = features.to_bytes()
        return {"stars": [asdict(s) for s in self.items.values()]}, files

    def merge_project(self, state: dict, files: dict[str, bytes]) -> int:
        """Add a project's stars to the user's; returns how many were new."""
        added = 0
        for record in state.get("stars", []) if isinstance(state, dict) else []:
            star = _star_from(record)
            if star is None or star.id in self.items:
                continue
            features = None
            if star.kind == "picture":
                data = files.get(f"{star.id.split(':', 1)[1]}.npz")
                try:
                    features = Features.from_bytes(data) if data else None
                except (ValueError, KeyError, EOFError, OSError):
                    features = None
                if features is None or self._feature_path(star.id) is None:
                    continue  # a picture that cannot be compared is not worth a star
                target = self._feature_path(star.id)
                target.parent.mkdir(parents=True, exist_ok=True)
                write_cached(target, features)
                self._features[star.id] = features
            self.items[star.id] = star
            added += 1
        if added:
            self.save()
        return added


def recommend(stars: Stars, index: SimilarityIndex, count: int = 10) -> list[Match]:
    """Index entries not starred, ranked by their mean similarity to everything starred."""
    liked = [f for f in (stars.features(s, index) for s in stars.items) if f is not None]
    if not liked:
        return []
    totals: dict[str, list[Match]] = {}
    for features in liked:
        for match in index.rank(features, exclude=set(stars.items)):
            totals.setdefault(match.entry.id, []).append(match)
    merged = [Match(group[0].entry, *(sum(getattr(m, axis) for m in group) / len(group)
                                      for axis in ("score", "style", "subject", "colour")))
              for group in totals.values()]
    merged.sort(key=lambda match: -match.score)
    return merged[:count]


def _star_from(record) -> Star | None:
    if not isinstance(record, dict):
        return None
    star_id, kind, name = (str(record.get(k, "")) for k in ("id", "kind", "name"))
    if kind not in ("painting", "builtin", "user", "picture") or not star_id.startswith(f"{kind}:"):
        return None
    return Star(star_id, kind, name or star_id)
