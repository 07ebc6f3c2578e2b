"""The model manager refuses unsafe or mismatched files; preferences persist and apply."""

from __future__ import annotations

import json

import torch

from genart_desktop.core.checkpoints import list_models, save_checkpoint
from genart_desktop.ui.model_manager import ModelManager
from genart_desktop.ui.preferences import Preferences, PreferencesDialog


def test_manager_lists_imports_and_refuses(window, qtbot, tmp_path):
    manager = ModelManager(window)
    shipped_rows = manager.table.rowCount()
    assert shipped_rows == len(list_models())

    pickled = tmp_path / "model.pth"
    torch.save({"w": torch.zeros(1)}, pickled)
    with qtbot.waitSignal(window.message_shown, timeout=5000) as refused:
        manager.import_model(str(pickled))
    assert "model.pth" in refused.args[0] and "can run arbitrary code" in refused.args[0]

    save_checkpoint(tmp_path / "mismatch", {"w": torch.ones(2, 3)}, {"kind": "test-net"})
    card = json.loads((tmp_path / "mismatch.json").read_text())
    card["weights"]["tensors"]["w"] = [3, 2]
    (tmp_path / "mismatch.json").write_text(json.dumps(card))
    with qtbot.waitSignal(window.message_shown, timeout=5000) as mismatched:
        manager.import_model(str(tmp_path / "mismatch.safetensors"))
    assert "shapes" in mismatched.args[0]
    assert manager.table.rowCount() == shipped_rows

    save_checkpoint(tmp_path / "mine", {"w": torch.ones(2)}, {"kind": "test-net", "license": "CC0"})
    with qtbot.waitSignal(window.models_changed, timeout=5000):
        manager.import_model(str(tmp_path / "mine.safetensors"))
    assert manager.table.rowCount() == shipped_rows + 1
    row = [info.name for info in manager.models].index("mine")
    manager.table.selectRow(row)
    assert '"license": "CC0"' in manager.card_view.toPlainText()
    manager.rename(manager.selected(), "mine-renamed")
    assert "mine-renamed" in [info.name for info in manager.models]
    manager.confirm_delete = lambda info: True
    manager.table.selectRow([info.name for info in manager.models].index("mine-renamed"))
    manager.delete_selected()
    assert manager.table.rowCount() == shipped_rows


def test_preferences_persist_and_apply(window):
    dialog = PreferencesDialog(window)
    dialog.undo_memory.setValue(64)
    dialog.theme.setCurrentText("light")
    dialog.autosave_minutes.setValue(5)
    dialog.accept()
    stored = Preferences.load()
    assert stored.undo_memory_mb == 64 and stored.theme == "light"
    assert stored.autosave_minutes == 5
    assert window.canvas.history.budget_bytes == 64 * 2**20
    again = PreferencesDialog(window)
    assert again.undo_memory.value() == 64 and again.theme.currentText() == "light"
    again.theme.setCurrentText("dark")
    again.accept()
