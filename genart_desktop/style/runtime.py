"""Optional onnxruntime acceleration of the feed-forward networks on the CPU.

PyTorch eager runs these small-channel networks about 2.5x slower on a CPU than
onnxruntime does (many cheap layers on big pictures). So on a machine without a GPU the
project's own module is exported once with ``torch.onnx.export`` to the user cache and
run by onnxruntime; the export's cost is kept in ``export_seconds`` and reported apart.
onnxruntime is optional: without it, or with ``runtime="torch"``, PyTorch runs.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from genart_desktop.core import paths

log = logging.getLogger(__name__)
OPSET = 17
GRAPH_VERSION = 2  # bump when the exported graph's shape changes (cache key)


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class OnnxRunner:
    """``runner(*inputs) -> output``: a module exported once and run by onnxruntime.

    ``examples`` maps input names to example tensors; ``dynamic`` lists the inputs
    whose height and width (dims 2, 3) vary. The cache file name carries the weights'
    SHA-256, the graph version and the torch version, so new weights or a new exporter
    never reuse a stale graph.
    """

    def __init__(self, net: torch.nn.Module, name: str, weights_sha256: str,
                 examples: dict[str, torch.Tensor], dynamic: tuple[str, ...] = ()):
        import onnxruntime as ort

        folder = paths.cache_dir() / "onnx"
        folder.mkdir(parents=True, exist_ok=True)
        version = torch.__version__.split("+")[0]
        path = folder / f"{name}-{weights_sha256[:16]}-g{GRAPH_VERSION}-torch{version}.onnx"
        self.names = list(examples)
        self.export_seconds = 0.0
        if not path.exists():
            started = time.perf_counter()
            _export(net, path, examples, dynamic)
            self.export_seconds = time.perf_counter() - started
            log.info("exported %s for onnxruntime in %.1f s", name, self.export_seconds)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])
        self.path = path

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        feeds = {name: np.ascontiguousarray(value.detach().cpu().numpy(), dtype=np.float32)
                 for name, value in zip(self.names, inputs)}
        return torch.from_numpy(self.session.run(None, feeds)[0])


def style_net_runner(net: torch.nn.Module, name: str, sha256: str, style_dim: int) -> OnnxRunner:
    """(image (1,3,H,W) any size, style (1,dim)) -> stylised, for a StyleNetBase."""
    examples = {"image": torch.rand(1, 3, 64, 64),
                "style": torch.full((1, style_dim), 1.0 / style_dim)}
    return OnnxRunner(net, name, sha256, examples, dynamic=("image",))


def predictor_runner(net: torch.nn.Module, name: str, sha256: str, side: int) -> OnnxRunner:
    """style picture (1,3,side,side) -> style vector (1,100)."""
    return OnnxRunner(net, name, sha256, {"image": torch.rand(1, 3, side, side)})


def _export(net: torch.nn.Module, path: Path, examples: dict[str, torch.Tensor],
            dynamic: tuple[str, ...]) -> None:
    """Export a CPU module (the runners are only used on CPU devices)."""
    axes = {name: {2: "h", 3: "w"} for name in dynamic}
    if dynamic:
        axes["out"] = {2: "h", 3: "w"}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two processes may export at once
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        # One picture, one style per run: the norms take the style's scale and shift.
        torch.onnx.export(net, tuple(examples.values()), str(tmp), input_names=list(examples),
                          output_names=["out"], dynamic_axes=axes, opset_version=OPSET,
                          dynamo=False)
    tmp.replace(path)
