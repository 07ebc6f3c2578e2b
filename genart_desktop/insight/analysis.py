"""One call for what the panel and ``genart analyze`` show: a palette and the closest
paintings and styles.

    extractor = FeatureExtractor()             # networks loaded on first use, then kept
    index = build_index(extractor, job)        # cached per file after the first time
    result = analyze_array(picture, extractor, index, colours=6, similar=5)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genart_desktop.insight.features import FeatureExtractor
from genart_desktop.insight.palette import Swatch, extract_palette
from genart_desktop.insight.similarity import Match, SimilarityIndex


@dataclass
class Analysis:
    palette: list[Swatch]
    similar: list[Match]

    def as_dict(self) -> dict:
        return {"palette": [{"hex": s.hex, "share": round(s.share, 4), "rgb": list(s.rgb),
                             "lab": [round(v, 2) for v in s.lab]} for s in self.palette],
                "similar": [match.as_dict() for match in self.similar]}


def analyze_array(image: np.ndarray, extractor: FeatureExtractor,
                  index: SimilarityIndex | None, colours: int = 6, similar: int = 5,
                  exclude: set[str] = frozenset()) -> Analysis:
    """The picture's palette and its ``similar`` best matches (none without an index)."""
    palette = extract_palette(image, colours)
    if index is None or similar <= 0:
        return Analysis(palette, [])
    matches = index.rank(extractor.of_array(image), exclude=exclude)
    return Analysis(palette, matches[:similar])
