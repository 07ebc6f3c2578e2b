"""Which device models run on: CUDA, then Apple MPS, then the CPU.

The preference comes from ``--device``, the settings, or ``GENART_DEVICE``; "auto"
picks the best available. An out-of-memory error on a GPU is retried on the CPU.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_preference = os.environ.get("GENART_DEVICE", "auto")


def set_preference(name: str) -> None:
    """"auto", "cpu", "cuda", "cuda:N" or "mps"."""
    global _preference
    _preference = name or "auto"


def preference() -> str:
    return _preference


def choose_device(name: str | None = None):
    """The torch.device for a preference; an unavailable choice falls back to auto."""
    import torch

    name = (name or _preference or "auto").lower()
    if name.startswith("cuda") and torch.cuda.is_available():
        index = int(name.split(":", 1)[1]) if ":" in name else 0
        if index < torch.cuda.device_count():
            return torch.device("cuda", index)
    if name == "mps" and _mps_available():
        return torch.device("mps")
    if name == "cpu":
        return torch.device("cpu")
    if name not in ("auto", "cpu"):
        log.warning("device %r is not available here; choosing automatically", name)
    if torch.cuda.is_available():
        return torch.device("cuda", 0)
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def describe(device) -> str:
    """A short human name: "CPU (2 threads)", "CUDA 0: NVIDIA H100 (80 GB)"."""
    import torch

    if device.type == "cuda":
        if not torch.cuda.is_available():
            return f"CUDA {device.index or 0}"
        props = torch.cuda.get_device_properties(device)
        return f"CUDA {device.index or 0}: {props.name} ({props.total_memory / 2**30:.0f} GB)"
    if device.type == "mps":
        return "Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"


def list_devices() -> list[dict[str, Any]]:
    """Every device torch can use here, with its memory where known."""
    import torch

    devices: list[dict[str, Any]] = []
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        devices.append(
            {"name": f"cuda:{index}", "description": props.name,
             "memory_bytes": int(props.total_memory)}
        )
    if _mps_available():
        devices.append({"name": "mps", "description": "Apple MPS", "memory_bytes": None})
    devices.append(
        {"name": "cpu", "description": f"CPU, {os.cpu_count()} cores",
         "memory_bytes": _system_memory_bytes()}
    )
    return devices


def _system_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def is_out_of_memory(error: BaseException) -> bool:
    import torch

    if isinstance(error, torch.OutOfMemoryError):
        return True
    return isinstance(error, RuntimeError) and "out of memory" in str(error).lower()


def run_with_cpu_fallback(
    work: Callable[[Any], T], device, on_fallback: Callable[[str], None] | None = None
) -> T:
    """Run ``work(device)``; if a GPU runs out of memory, say so and run it on the CPU."""
    import torch

    try:
        return work(device)
    except Exception as error:  # noqa: BLE001 - re-raised unless it is an OOM on a GPU
        if device.type == "cpu" or not is_out_of_memory(error):
            raise
        if device.type == "cuda" and torch.cuda.is_available():
            torch.cuda.empty_cache()
        message = f"{describe(device)} ran out of memory; retrying on the CPU"
        log.warning(message)
        if on_fallback is not None:
            on_fallback(message)
        return work(torch.device("cpu"))
