"""What every dock panel shares: its worker, the canvas, and a way to say something."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from genart_desktop.core.project import PanelData
from genart_desktop.ui.state_values import StateValues

if TYPE_CHECKING:
    from genart_desktop.ui.main_window import MainWindow
    from genart_desktop.ui.worker import PanelWorker


def local_files(event) -> list[str]:
    """The local files a drag-and-drop event carries (none for other content)."""
    mime = event.mimeData()
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] \
        if mime.hasUrls() else []


class Panel(QWidget):
    #: the user changed something worth saving (marks the project modified)
    changed = Signal()
    #: the dock's object name and title
    name = ""
    title = ""

    def __init__(self, window: "MainWindow", worker: "PanelWorker") -> None:
        super().__init__()
        self.setObjectName(f"panel-{self.name}")
        self.window_ = window
        self.worker = worker
        # Values ``read_state`` did not use, named; the session shows them after a restore.
        self.state_warnings: list[str] = []
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(8, 8, 8, 8)
        self.controls = QWidget()
        # A panel scrolls rather than clips or pushes the window past a small screen.
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.controls)
        self.layout_.addWidget(self.scroll_area, 1)
        self.build(self.controls)

    def build(self, area: QWidget) -> None:
        """Lay out the panel's controls inside ``area``."""
        raise NotImplementedError

    def file_actions(self) -> list:
        """QActions the window adds to its File menu (e.g. Import MIDI…)."""
        return []

    def save_state(self) -> PanelData:
        """What a project file keeps of this panel: JSON-able state and named files."""
        return PanelData()

    def restore_state(self, data: PanelData) -> None:
        """Put back what ``save_state`` returned (possibly from an older version, or
        edited by hand: read it through ``read_state``)."""

    def read_state(self, state) -> StateValues:
        """A typed reader for a state from a file; what it refuses joins ``state_warnings``."""
        return StateValues(state, self.name, self.state_warnings)

    def shutdown(self) -> None:
        """The window is closing: stop what the panel runs besides its worker (audio...)."""

    def is_ready(self) -> bool:
        """True once the panel can be used (its models loaded, if any)."""
        return True

    def in_view(self) -> bool:
        """Shown on screen: a dock behind another tab is "visible" to Qt, yet unseen."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def view_changed(self, shown: bool) -> None:
        """The panel's dock came into view (its tab chosen, the dock shown) or left it."""
