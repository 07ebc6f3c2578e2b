"""Checkpoints: safetensors with a card; altered, mismatched or pickled files are refused."""

from __future__ import annotations

import json

import pytest
import torch

from genart_desktop.core.checkpoints import find_model, list_models, load_checkpoint, save_checkpoint
from genart_desktop.core.errors import UserError
from genart_desktop.core.paths import user_models_dir


def _save(name="tiny"):
    tensors = {"layer.weight": torch.randn(3, 4), "layer.bias": torch.zeros(3)}
    card_path = save_checkpoint(user_models_dir() / name, tensors,
                                {"kind": "test-net", "license": "MIT"})
    return tensors, card_path


def test_round_trip_and_listing():
    tensors, _ = _save()
    loaded, card = load_checkpoint("tiny")
    assert torch.equal(loaded["layer.weight"], tensors["layer.weight"])
    assert card["kind"] == "test-net"
    assert [info.name for info in list_models("test-")] == ["tiny"]


def test_altered_weights_are_refused():
    _, card_path = _save()
    weights = card_path.with_suffix(".safetensors")
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(UserError, match="does not match its card"):
        load_checkpoint("tiny")


def test_shapes_that_differ_from_the_card_are_refused():
    _, card_path = _save()
    card = json.loads(card_path.read_text())
    card["weights"]["tensors"]["layer.weight"] = [4, 4]
    card_path.write_text(json.dumps(card))
    with pytest.raises(UserError, match="shapes"):
        load_checkpoint("tiny")


def test_missing_weights():
    _, card_path = _save()
    card_path.with_suffix(".safetensors").unlink()
    with pytest.raises(UserError, match="missing"):
        load_checkpoint("tiny")


def test_pickles_are_refused_with_the_reason(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(1)}, path)
    with pytest.raises(UserError, match="can run arbitrary code"):
        find_model(path)


def test_unknown_name_lists_known_models():
    _save("known")
    with pytest.raises(UserError, match="known"):
        find_model("unknown")


def test_import_rename_delete(tmp_path):
    from genart_desktop.core.checkpoints import delete_model, import_model, rename_model

    elsewhere = tmp_path / "downloads"
    save_checkpoint(elsewhere / "friend", {"w": torch.ones(2, 2)}, {"kind": "test-net",
                                                                    "license": "CC0"})
    info = import_model(elsewhere / "friend.safetensors")
    assert info.name == "friend" and not info.shipped
    renamed = rename_model(info, "friend-v2")
    loaded, card = load_checkpoint("friend-v2")
    assert card["name"] == "friend-v2" and torch.equal(loaded["w"], torch.ones(2, 2))
    delete_model(renamed)
    assert [m.name for m in list_models("test-")] == []


def test_import_refuses_pickles_and_mismatched_cards(tmp_path):
    from genart_desktop.core.checkpoints import import_model

    pickled = tmp_path / "model.ckpt"
    pickled.write_bytes(b"\x80\x04not really")
    with pytest.raises(UserError, match="can run arbitrary code"):
        import_model(pickled)
    save_checkpoint(tmp_path / "liar", {"w": torch.ones(3)}, {"kind": "test-net"})
    card_path = tmp_path / "liar.json"
    card = json.loads(card_path.read_text())
    card["weights"]["sha256"] = "0" * 64
    card_path.write_text(json.dumps(card))
    with pytest.raises(UserError, match="does not match its card"):
        import_model(tmp_path / "liar.safetensors")
    assert list_models("test-") == []


@pytest.mark.parametrize("weights", [{}, {"tensors": {}}, {"sha256": "0" * 64}, []])
def test_a_card_that_cannot_be_checked_is_refused(weights):
    _, card_path = _save()
    card = json.loads(card_path.read_text())
    card["weights"] = weights
    card_path.write_text(json.dumps(card))
    with pytest.raises(UserError, match="cannot be checked|not a GenArt"):
        load_checkpoint(str(card_path))
