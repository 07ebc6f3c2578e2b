"""A resumable training state: the net's weights, the step and elapsed seconds, the random
generators and the loss curve in one safetensors file (``NAME.safetensors``), Adam's
moments beside it (``NAME.adam.safetensors``). Two files because a state is committed
between sittings and each file must stay under the repository's 50 MB limit: the moments
are about as large as the weights. A state written as one file (before the split) still
loads.

A sitting that stops (budget spent, cancelled, machine handed back) saves it; the next
sitting, possibly on a fresh machine, loads it and goes on exactly where it stopped:
same step count, same curve, and the batches the uninterrupted run would have drawn.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch


def save_training_state(path: Path, net: torch.nn.Module, optimizer: torch.optim.Optimizer,
                        step: int, seconds: float, generators: dict[str, np.random.Generator],
                        curve: list, extra: dict[str, torch.Tensor] | None = None,
                        moments_dtype: torch.dtype | None = None) -> None:
    """Write atomically (a temporary file, then a rename), so a kill never leaves half.
    ``moments_dtype`` (bfloat16, say) stores Adam's moments smaller: a state meant to be
    committed stays a few tens of MB; they are read back in the parameters' dtype."""
    tensors = {f"net.{k}": v.detach().cpu().contiguous() for k, v in net.state_dict().items()
               if not k.endswith("num_batches_tracked")}
    moments: dict[str, torch.Tensor] = {}
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for index, param in enumerate(params):
        state = optimizer.state.get(param)
        if not state:
            continue
        for key in ("exp_avg", "exp_avg_sq"):
            moment = state[key].detach().cpu()
            moments[f"adam.{index}.{key}"] = (moment if moments_dtype is None
                                              else moment.to(moments_dtype)).contiguous()
        moments[f"adam.{index}.step"] = torch.as_tensor(state["step"]).float().reshape(1)
    for name, tensor in (extra or {}).items():
        tensors[f"extra.{name}"] = tensor.detach().cpu().contiguous()
    tensors["progress"] = torch.tensor([float(step), seconds], dtype=torch.float64)
    # Random states as JSON text (PCG64 states are 128-bit integers).
    metadata = {name: json.dumps(generator.bit_generator.state, default=str)
                for name, generator in generators.items()}
    metadata["torch_rng"] = json.dumps(torch.get_rng_state().tolist())
    metadata["curve"] = json.dumps(curve)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_atomically(moments_path(path), moments, {})  # the moments first: the weights'
    _save_atomically(path, tensors, metadata)          # file is the last word of a save


def moments_path(path: Path) -> Path:
    """Where Adam's moments of the state ``path`` are kept."""
    return path.with_name(path.name.removesuffix(".safetensors") + ".adam.safetensors")


def _save_atomically(path: Path, tensors: dict[str, torch.Tensor], metadata: dict) -> None:
    from safetensors.torch import save_file

    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=metadata)
    os.replace(tmp, path)


def load_training_state(path: Path, net: torch.nn.Module, optimizer: torch.optim.Optimizer,
                        generators: dict[str, np.random.Generator]
                        ) -> tuple[int, float, list, dict[str, torch.Tensor]]:
    """Restore everything ``save_training_state`` wrote; returns (step, seconds, curve,
    extra tensors)."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    if moments_path(path).exists():
        tensors.update(load_file(str(moments_path(path))))
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    for name, generator in generators.items():
        _restore_generator(generator, metadata.get(name))
    if metadata.get("torch_rng"):
        torch.set_rng_state(torch.tensor(json.loads(metadata["torch_rng"]), dtype=torch.uint8))
    net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")},
                        strict=False)
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for index, param in enumerate(params):
        if f"adam.{index}.exp_avg" in tensors:
            optimizer.state[param] = {
                "step": tensors[f"adam.{index}.step"].reshape(()),
                "exp_avg": tensors[f"adam.{index}.exp_avg"].to(param.device, param.dtype),
                "exp_avg_sq": tensors[f"adam.{index}.exp_avg_sq"].to(param.device, param.dtype),
            }
    step, seconds = tensors["progress"].tolist()
    extra = {k[6:]: v for k, v in tensors.items() if k.startswith("extra.")}
    return int(step), float(seconds), json.loads(metadata.get("curve", "[]")), extra


def _restore_generator(generator: np.random.Generator, text: str | None) -> None:
    if not text:
        return
    state = json.loads(text)
    state["state"] = {k: int(v) for k, v in state["state"].items()}
    generator.bit_generator.state = state
