"""Loading the style area's shipped weights, with messages that say how to get them back.

Every style network is converted once from a pinned package by
``python -m genart_desktop.style.convert``; at run time only the safetensors and cards
in ``models/`` are read (through core.checkpoints, which checks SHA-256 and shapes).
"""

from __future__ import annotations

from typing import Any

from genart_desktop.core import checkpoints
from genart_desktop.core.errors import UserError

CONVERT_COMMAND = "python -m genart_desktop.style.convert"

VGG16 = "vgg16-features"
MULTI26 = "style-multi26"
ARBITRARY_PREDICTOR = "style-arbitrary-predictor"
ARBITRARY_TRANSFORMER = "style-arbitrary-transformer"


def load_weights(name: str) -> tuple[dict[str, Any], dict]:
    """(tensors, card) on the CPU; a missing or altered file names the converter."""
    hint = f"run `{CONVERT_COMMAND}` (needs the train extra: pip install genart-desktop[train])"
    try:
        info = checkpoints.find_model(name)
    except UserError:
        raise UserError(f"style model {name!r} is missing: {hint}") from None
    if not info.weights_path.exists():
        raise UserError(f"style model {name!r}: {info.weights_path.name} is missing: {hint}")
    try:
        return checkpoints.load_checkpoint(info, device="cpu")
    except UserError as error:
        raise UserError(f"{error}; {hint}") from None
