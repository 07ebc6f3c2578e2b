import numpy as np
import pytest
from PIL import Image

from genart_desktop.style.stylize import StyleEngine


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The onnxruntime export goes to a throw-away cache, not the user's."""
    import os

    old = os.environ.get("GENART_CACHE_DIR")
    os.environ["GENART_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("GENART_CACHE_DIR", None)
    else:
        os.environ["GENART_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def engine():
    """One CPU engine for the whole area's tests: each network loads once."""
    return StyleEngine("cpu")


@pytest.fixture(scope="session")
def photo():
    """scikit-image's cat, reduced to 96x64: small enough to keep tests fast."""
    from skimage import data

    return np.asarray(Image.fromarray(data.chelsea()).resize((96, 64), Image.LANCZOS))


@pytest.fixture(scope="session")
def style_picture():
    from skimage import data

    return np.asarray(Image.fromarray(data.rocket()).resize((80, 60), Image.LANCZOS))
