import numpy as np
import pytest


@pytest.fixture(scope="session")
def extractor():
    """One CPU feature extractor for the area's tests: the networks load once."""
    from genart_desktop.insight.features import FeatureExtractor

    return FeatureExtractor("cpu")


def blocks(colours: list[tuple[int, int, int]], areas: list[int], height: int = 40) -> np.ndarray:
    """A picture of vertical bands, band i ``areas[i]`` px wide in ``colours[i]``."""
    bands = [np.tile(np.array(c, np.uint8), (height, width, 1)) for c, width in zip(colours, areas)]
    return np.ascontiguousarray(np.concatenate(bands, axis=1))
