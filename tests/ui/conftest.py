from __future__ import annotations

import pytest

from genart_desktop.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    main_window = MainWindow()
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.shutdown_workers()
