import pytest
import torch

from genart_desktop.style.vgg16 import CAFFE_MEAN_BGR, LAYER_NAMES, load_vgg16_features


@pytest.fixture(scope="module")
def vgg():
    return load_vgg16_features("cpu")


def test_all_layers_with_expected_shapes(vgg):
    with torch.no_grad():
        features = vgg(torch.rand(2, 3, 64, 48))
    assert list(features) == LAYER_NAMES
    assert features["conv1_1"].shape == (2, 64, 64, 48)
    assert features["conv3_1"].shape == (2, 256, 16, 12)
    assert features["conv5_3"].shape == (2, 512, 4, 3)
    assert all(bool((value >= 0).all()) for value in features.values())  # post-ReLU
    assert vgg.convs["conv1_1"].weight.dtype == torch.float32


def test_only_requested_layers_and_no_deeper_convs():
    vgg = load_vgg16_features("cpu", layers=["conv3_1", "conv1_2"])
    assert list(vgg.convs) == LAYER_NAMES[:5]
    with torch.no_grad():
        assert list(vgg(torch.rand(1, 3, 32, 32))) == ["conv1_2", "conv3_1"]


def test_caffe_preprocessing_is_bgr_255_minus_mean(vgg):
    pixel = torch.tensor([1.0, 0.5, 0.0]).view(1, 3, 1, 1)  # RGB
    bgr = vgg.preprocess(pixel).flatten().tolist()
    expected = [0.0 - CAFFE_MEAN_BGR[0], 127.5 - CAFFE_MEAN_BGR[1], 255.0 - CAFFE_MEAN_BGR[2]]
    assert bgr == pytest.approx(expected)


def test_imagenet_weights_respond_to_structure_not_noise(vgg):
    # A smooth stripe pattern and its shuffled pixels share colour statistics but not
    # structure; pretrained conv4 features must tell them apart far more than a copy.
    x = torch.linspace(0, 1, 64).repeat(64, 1)
    stripes = torch.stack([(torch.sin(x * 40) + 1) / 2] * 3).unsqueeze(0)
    shuffled = stripes.flatten(2)[..., torch.randperm(64 * 64)].view_as(stripes)
    with torch.no_grad():
        a, b = vgg(stripes)["conv4_1"], vgg(shuffled)["conv4_1"]
    assert (a - b).abs().mean() > 0.2 * a.abs().mean()


def test_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="unknown VGG16 layers"):
        load_vgg16_features("cpu", layers=["conv6_1"])
