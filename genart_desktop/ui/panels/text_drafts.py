"""The text panel's drafts: every finished poem with the settings that wrote it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

MAX_DRAFTS = 200


@dataclass
class Draft:
    text: str
    settings: dict[str, Any] = field(default_factory=dict)
    action: str = "Generate"
    created: float = field(default_factory=time.time)

    @classmethod
    def from_state(cls, item: Any) -> "Draft | None":
        """A draft from a project file, or None when the entry is damaged."""
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            return None
        settings = item.get("settings") if isinstance(item.get("settings"), dict) else {}
        created = item.get("created")
        sensible = isinstance(created, (int, float)) and not isinstance(created, bool) \
            and 0 <= created < 1e11  # seconds since 1970: a time a clock can show
        return cls(item["text"], settings, str(item.get("action", "")),
                   float(created) if sensible else time.time())

    def label(self) -> str:
        first = next((line.strip() for line in self.text.splitlines() if line.strip()), "(empty)")
        if len(first) > 28:
            first = first[:27] + "…"
        details = [self.action, self.settings.get("model", ""), self.settings.get("form", "")]
        if self.settings.get("seed") is not None:
            details.append(f"seed {self.settings['seed']}")
        stamp = time.strftime("%H:%M", time.localtime(self.created))
        return f"{stamp}  {first}   ({', '.join(d for d in details if d)})"


class DraftsBox(QWidget):
    """A list of drafts, newest first, with Restore, Copy and Export."""

    def __init__(self, on_restore: Callable[[Draft], None],
                 on_export: Callable[[Draft], None]) -> None:
        super().__init__()
        self.drafts: list[Draft] = []
        self._on_restore, self._on_export = on_restore, on_export
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget()
        self.list.setObjectName("text-drafts")
        self.list.itemDoubleClicked.connect(lambda item: self.restore_selected())
        self.list.currentRowChanged.connect(self._update_buttons)
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Put this draft and its settings back (one undo step)")
        self.restore_button.clicked.connect(self.restore_selected)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy_selected)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this draft as a UTF-8 text file")
        self.export_button.clicked.connect(self.export_selected)
        for button in (self.restore_button, self.copy_button, self.export_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self._update_buttons()

    def add(self, draft: Draft) -> None:
        self.drafts.insert(0, draft)
        del self.drafts[MAX_DRAFTS:]
        self._refill(select=0)

    def set_drafts(self, drafts: list[Draft]) -> None:
        self.drafts = drafts[:MAX_DRAFTS]
        self._refill(select=0 if drafts else -1)

    def selected(self) -> Draft | None:
        row = self.list.currentRow()
        return self.drafts[row] if 0 <= row < len(self.drafts) else None

    def restore_selected(self) -> None:
        if (draft := self.selected()) is not None:
            self._on_restore(draft)

    def copy_selected(self) -> None:
        if (draft := self.selected()) is not None:
            QApplication.clipboard().setText(draft.text)

    def export_selected(self) -> None:
        if (draft := self.selected()) is not None:
            self._on_export(draft)

    def to_state(self) -> list[dict]:
        return [asdict(draft) for draft in self.drafts]

    def _refill(self, select: int) -> None:
        self.list.clear()
        for draft in self.drafts:
            item = QListWidgetItem(draft.label())
            item.setToolTip(draft.text)
            item.setData(Qt.ItemDataRole.UserRole, draft.text)
            self.list.addItem(item)
        self.list.setCurrentRow(select)
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        has = self.selected() is not None
        for button in (self.restore_button, self.copy_button, self.export_button):
            button.setEnabled(has)
