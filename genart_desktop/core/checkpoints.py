"""Checkpoints: ``NAME.safetensors`` plus ``NAME.json``, the model card.

Never a pickle: a pickled ``.pt`` runs code when loaded, so it is refused with that reason.
The card records what is needed to rebuild and to trust the weights:

    {
      "name": "twemoji-vae", "kind": "latent-vae", "license": "CC-BY-4.0",
      "credit": "...", "architecture": {...}, "data": {...}, "training": {...},
      "metrics": {...},
      "weights": {"file": "twemoji-vae.safetensors", "sha256": "...",
                  "tensors": {"enc.0.weight": [32, 4, 4, 4], ...}}
    }

``save_checkpoint`` fills in ``weights``; ``load_checkpoint`` checks the hash and the
shapes against it before any tensor reaches a network.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError

_UMASK = os.umask(0o022)  # read once at import (os.umask can only be read by setting it)
os.umask(_UMASK)
PICKLE_SUFFIXES = {".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".bin"}


@dataclass
class ModelInfo:
    name: str
    weights_path: Path
    card_path: Path
    card: dict[str, Any] = field(repr=False)
    shipped: bool

    @property
    def kind(self) -> str:
        return str(self.card.get("kind", "unknown"))

    @property
    def license(self) -> str:
        return str(self.card.get("license", "unknown"))

    @property
    def size_bytes(self) -> int:
        return self.weights_path.stat().st_size if self.weights_path.exists() else 0


def model_dirs() -> list[tuple[Path, bool]]:
    """(folder, shipped) pairs, shipped models first."""
    return [(paths.shipped_models_dir(), True), (paths.user_models_dir(), False)]


def list_models(kind_prefix: str | None = None) -> list[ModelInfo]:
    """Every model whose card can be read, optionally only kinds starting with a prefix."""
    found: list[ModelInfo] = []
    for folder, shipped in model_dirs():
        if not folder.is_dir():
            continue
        for card_path in sorted(folder.glob("*.json")):
            try:
                info = _read_info(card_path, shipped)
            except UserError:
                continue
            if kind_prefix is None or info.kind.startswith(kind_prefix):
                found.append(info)
    return found


def find_model(name_or_path: str | os.PathLike[str], kind_prefix: str | None = None) -> ModelInfo:
    """A model by name (user models shadow nothing: shipped names win) or by file path."""
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix.lower() in PICKLE_SUFFIXES:
        raise UserError(
            f"{candidate.name}: pickled PyTorch files are refused, because loading one can run "
            "arbitrary code; convert it to safetensors with a JSON card"
        )
    if candidate.suffix.lower() in (".json", ".safetensors") or candidate.exists():
        card_path = candidate.with_suffix(".json")
        if not card_path.exists():
            raise UserError(f"{candidate}: no model card {card_path.name} next to it")
        info = _read_info(card_path, shipped=False)
    else:
        matches = [info for info in list_models() if info.name == text]
        if not matches:
            known = ", ".join(sorted({m.name for m in list_models(kind_prefix)})) or "none"
            raise UserError(f"no model named {text!r} (known: {known})")
        info = matches[0]
    if kind_prefix is not None and not info.kind.startswith(kind_prefix):
        raise UserError(f"model {info.name!r} is a {info.kind} model, not {kind_prefix}")
    return info


def _read_info(card_path: Path, shipped: bool) -> ModelInfo:
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{card_path.name}: model card is not readable JSON ({error})") from None
    if not isinstance(card, dict) or "weights" not in card:
        raise UserError(f"{card_path.name}: not a GenArt model card (no 'weights' entry)")
    weights = card["weights"]
    # Without a hash and the shapes nothing can be checked before loading: refuse the card
    # rather than trust the file (a card of '"weights": {}' used to pass unchecked).
    if not (isinstance(weights, dict) and isinstance(weights.get("sha256"), str)
            and isinstance(weights.get("tensors"), dict)):
        raise UserError(f"{card_path.name}: the card does not record its weights' SHA-256 "
                        "and tensor shapes, so the weights cannot be checked")
    weights_file = str(weights.get("file") or card_path.with_suffix(".safetensors").name)
    name = str(card.get("name") or card_path.stem)
    return ModelInfo(name, card_path.parent / weights_file, card_path, card, shipped)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_checkpoint(
    stem: str | os.PathLike[str], tensors: dict[str, Any], card: dict[str, Any]
) -> Path:
    """Write ``stem.safetensors`` and ``stem.json`` atomically; returns the card path.

    ``tensors`` maps names to torch tensors. The card's ``weights`` entry is filled in here.
    """
    from safetensors.torch import save_file

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    weights_path = stem.with_name(stem.name + ".safetensors")
    card_path = stem.with_name(stem.name + ".json")
    contiguous = {key: value.detach().contiguous().cpu() for key, value in tensors.items()}

    tmp_weights = _temp_path(weights_path)
    save_file(contiguous, str(tmp_weights))
    card = dict(card)
    card.setdefault("name", stem.name)
    card["weights"] = {
        "file": weights_path.name,
        "sha256": sha256_of(tmp_weights),
        "tensors": {key: list(value.shape) for key, value in contiguous.items()},
    }
    os.replace(tmp_weights, weights_path)
    write_json_atomic(card_path, card)
    return card_path


def load_checkpoint(model: ModelInfo | str, device: Any = "cpu") -> tuple[dict[str, Any], dict]:
    """Tensors and card, after checking the file's hash and every shape against the card."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    info = model if isinstance(model, ModelInfo) else find_model(model)
    _check_file(info)
    expected = info.card["weights"]
    try:
        tensors = load_file(str(info.weights_path), device=str(device))
    except (SafetensorError, OSError, ValueError) as error:
        raise UserError(f"model {info.name!r}: weights are not valid safetensors ({error})") from None
    actual = {key: list(value.shape) for key, value in tensors.items()}
    expected_shapes = {key: list(shape) for key, shape in expected["tensors"].items()}
    if actual != expected_shapes:
        differing = sorted(
            key for key in set(actual) | set(expected_shapes)
            if actual.get(key) != expected_shapes.get(key)
        )
        raise UserError(
            f"model {info.name!r}: weights do not match the card's shapes "
            f"({len(differing)} tensors differ, first: {differing[0]})"
        )
    return tensors, info.card


def _check_file(info: ModelInfo) -> None:
    if not info.weights_path.exists():
        raise UserError(f"model {info.name!r}: weights file {info.weights_path.name} is missing")
    if sha256_of(info.weights_path) != info.card["weights"]["sha256"]:
        raise UserError(
            f"model {info.name!r}: {info.weights_path.name} does not match its card "
            "(SHA-256 differs); the file was altered or belongs to another model")


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = _temp_path(path)
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _temp_path(target: Path) -> Path:
    """A private temporary file next to ``target``, given ordinary permissions (mkstemp
    makes it owner-only) so the renamed file reads like any other the user saves."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    os.chmod(name, 0o666 & ~_UMASK)
    return Path(name)


# --- the model manager's operations -------------------------------------------------------------
def verify_model(info: ModelInfo) -> None:
    """Check hash and shapes against the card without loading the tensors."""
    from safetensors import SafetensorError, safe_open

    _check_file(info)
    expected = info.card["weights"]
    try:
        with safe_open(str(info.weights_path), framework="pt") as handle:
            actual = {key: list(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise UserError(f"model {info.name!r}: weights are not valid safetensors ({error})") from None
    shapes = expected.get("tensors")
    if shapes is not None and actual != {k: list(v) for k, v in shapes.items()}:
        raise UserError(f"model {info.name!r}: weights do not match the card's shapes")


def weights_memory_bytes(info: ModelInfo) -> int:
    """Memory the weights take on a device in float32 (what the engines load)."""
    total = 0
    for shape in info.card.get("weights", {}).get("tensors", {}).values():
        count = 1
        for size in shape:
            count *= int(size)
        total += count * 4
    return total


def import_model(path: str | os.PathLike[str]) -> ModelInfo:
    """Copy a safetensors file and its card into the user's models, after checking both."""
    import shutil

    source = Path(path)
    if source.suffix.lower() in PICKLE_SUFFIXES:
        raise UserError(
            f"{source.name}: pickled PyTorch files are refused, because loading one can run "
            "arbitrary code; only safetensors with a JSON card can be imported")
    if source.suffix.lower() not in (".safetensors", ".json"):
        raise UserError(f"{source.name}: not a model (expected NAME.safetensors with NAME.json)")
    info = find_model(source)
    verify_model(info)
    destination = paths.user_models_dir()
    if (destination / info.card_path.name).exists():
        raise UserError(f"a model named {info.name!r} is already installed; rename one first")
    shutil.copy2(info.weights_path, destination / info.weights_path.name)
    shutil.copy2(info.card_path, destination / info.card_path.name)
    return _read_info(destination / info.card_path.name, shipped=False)


def rename_model(info: ModelInfo, new_name: str) -> ModelInfo:
    new_name = new_name.strip()
    if info.shipped:
        raise UserError(f"{info.name!r} is a shipped model; only your own models can be renamed")
    if not new_name or any(ch in new_name for ch in '/\\:*?"<>|') or new_name.startswith("."):
        raise UserError(f"{new_name!r} cannot be a model name")
    folder = info.card_path.parent
    if (folder / f"{new_name}.json").exists() or any(m.name == new_name for m in list_models()):
        raise UserError(f"a model named {new_name!r} already exists")
    new_weights = folder / f"{new_name}.safetensors"
    os.replace(info.weights_path, new_weights)
    card = dict(info.card)
    card["name"] = new_name
    card["weights"] = dict(card["weights"], file=new_weights.name)
    write_json_atomic(folder / f"{new_name}.json", card)
    info.card_path.unlink()
    return _read_info(folder / f"{new_name}.json", shipped=False)


def delete_model(info: ModelInfo) -> None:
    if info.shipped:
        raise UserError(f"{info.name!r} is a shipped model; only your own models can be deleted")
    info.weights_path.unlink(missing_ok=True)
    info.card_path.unlink(missing_ok=True)
