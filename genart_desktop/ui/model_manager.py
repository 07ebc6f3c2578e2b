"""The model manager: shipped and user models with their cards; import, rename, delete.

Only safetensors with a JSON card are imported; a pickle is refused with the reason, and
weights that do not match their card (hash, shapes) are refused. Hashing runs in the
background.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHBoxLayout,
                               QInputDialog, QMessageBox, QPlainTextEdit, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout)

from genart_desktop.core import checkpoints
from genart_desktop.core.checkpoints import ModelInfo

if TYPE_CHECKING:
    from genart_desktop.ui.main_window import MainWindow

COLUMNS = ("Name", "Kind", "Origin", "License", "Size", "Device memory")


def _megabytes(count: int) -> str:
    return f"{count / 2**20:.1f} MB"


class ModelManager(QDialog):
    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.setWindowTitle("Models")
        self.setObjectName("model-manager")
        self.resize(900, 520)
        self.window_ = window
        self.models: list[ModelInfo] = []

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_card)
        self.card_view = QPlainTextEdit()
        self.card_view.setReadOnly(True)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.card_view)

        buttons = QHBoxLayout()
        self.import_button = QPushButton("Import…")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.reveal_button = QPushButton("Show in file manager")
        for button, slot in ((self.import_button, self.import_dialog),
                             (self.rename_button, self.rename_selected),
                             (self.delete_button, self.delete_selected),
                             (self.reveal_button, self.reveal_selected)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)
        self.refresh()

    # --- listing -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.models = checkpoints.list_models()
        self.table.setRowCount(len(self.models))
        for row, info in enumerate(self.models):
            values = (info.name, info.kind, "shipped" if info.shipped else "yours", info.license,
                      _megabytes(info.size_bytes), _megabytes(checkpoints.weights_memory_bytes(info)))
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self._show_card()

    def selected(self) -> ModelInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.models[rows[0].row()] if rows else None

    def _show_card(self) -> None:
        info = self.selected()
        editable = info is not None and not info.shipped
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.reveal_button.setEnabled(info is not None)
        if info is None:
            self.card_view.setPlainText("Select a model to see its card.")
            return
        card = {key: value for key, value in info.card.items() if key != "weights"}
        card["weights"] = {key: value for key, value in info.card["weights"].items()
                           if key != "tensors"}
        self.card_view.setPlainText(json.dumps(card, indent=2, ensure_ascii=False))

    # --- operations --------------------------------------------------------------------------------
    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a model", "", "Models (*.safetensors *.json);;All files (*)")
        if path:
            self.import_model(path)

    def import_model(self, path: str):
        """Check and copy in the background; refusals reach the user as a message."""

        def work(job):
            return checkpoints.import_model(path)

        def imported(info: ModelInfo) -> None:
            self.refresh()
            self.window_.models_changed.emit()
            self.window_.statusBar().showMessage(f"Imported model {info.name}", 5000)

        return self.window_.canvas_worker.submit(work, label="import model", on_result=imported)

    def rename_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        name, ok = QInputDialog.getText(self, "Rename model", "New name:", text=info.name)
        if ok and name:
            self.rename(info, name)

    def rename(self, info: ModelInfo, name: str) -> None:
        try:
            checkpoints.rename_model(info, name)
        except (checkpoints.UserError, OSError) as error:
            self.window_.show_error(str(error))
            return
        self.refresh()
        self.window_.models_changed.emit()

    def confirm_delete(self, info: ModelInfo) -> bool:
        answer = QMessageBox.question(
            self, "Delete model", f"Delete your model {info.name!r}? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> None:
        info = self.selected()
        if info is None or not self.confirm_delete(info):
            return
        try:
            checkpoints.delete_model(info)
        except (checkpoints.UserError, OSError) as error:
            self.window_.show_error(str(error))
            return
        self.refresh()
        self.window_.models_changed.emit()

    def reveal_selected(self) -> None:
        info = self.selected()
        if info is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(info.card_path.parent)))
