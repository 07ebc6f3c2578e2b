"""Insight: what a picture is made of (its palette) and which paintings it is like.

The picture analysed is the canvas (followed as it changes while the panel is in view),
a shipped painting chosen in the list, or a picture dropped on the panel. The palette
comes first (a few tens of ms); the similarity search needs the networks and, the first
time, the index of paintings and styles (cached per file afterwards), so it follows.
A swatch click copies its hex; a match click applies that style through the style panel.

All analysis runs on the panel's worker; the networks and the index live there.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from genart_desktop.core.errors import UserError
from genart_desktop.core.images import IMAGE_SUFFIXES
from genart_desktop.core.project import PanelData
from genart_desktop.insight.palette import MAX_COLOURS, MIN_COLOURS, SORTS, Swatch, sort_swatches
from genart_desktop.ui.canvas import qimage_from_array
from genart_desktop.ui.panels.base import Panel, local_files

CANVAS, PICTURE = "canvas", "picture"  # sources besides painting:FILE
ID_ROLE = Qt.ItemDataRole.UserRole
THUMB = 72
SIMILAR_SHOWN = 8
FOLLOW_DELAY_MS = 300  # the canvas changes in bursts (sliders): analyse when it settles
SWATCH_COLUMNS = 4


class InsightPanel(Panel):
    name = "insight"
    title = "Insight"

    # --- layout -------------------------------------------------------------------------
    def build(self, area: QWidget) -> None:
        from genart_desktop.insight.favourites import Stars
        from genart_desktop.style import catalogue as style_catalogue

        self._extractor = None  # worker thread only
        self._index = None  # worker thread only; self.index_ready says whether it exists
        self._index_users: tuple[str, ...] = ()  # the user styles the index was built with
        self.index_ready = False
        self.stars = Stars()
        self.swatches: list[Swatch] = []
        self.matches = []
        self.dropped: tuple[str, np.ndarray] | None = None  # (name, picture)
        self._handle = None
        self._thumbs: dict[str, np.ndarray] = {}
        self._pending_analysis = False
        self._last_list: QListWidget | None = None
        self._recommended = []
        self._star_id: str | None = None  # the star id of what is analysed
        self.setAcceptDrops(True)

        layout = QVBoxLayout(area)
        layout.setContentsMargins(0, 0, 0, 0)
        source_row = QHBoxLayout()
        self.source = QComboBox()
        self.source.setObjectName("insight-source")
        self.source.addItem("The canvas", CANVAS)
        for entry in style_catalogue.paintings():
            self.source.addItem(f"{entry.name} — {entry.artist}", entry.id)
        self.source.setToolTip("What to analyse: the canvas, a painting, or a picture you "
                               "drop on this panel")
        source_row.addWidget(self.source, 1)
        open_button = QPushButton("Picture…")
        open_button.setToolTip("Analyse a picture file (or drop one on this panel)")
        open_button.clicked.connect(self._open_dialog)
        source_row.addWidget(open_button)
        layout.addLayout(source_row)

        controls = QHBoxLayout()
        self.colours = QSpinBox()
        self.colours.setObjectName("insight-colours")
        self.colours.setRange(MIN_COLOURS, MAX_COLOURS)
        self.colours.setValue(6)
        self.colours.setPrefix("Colours: ")
        self.sort = QComboBox()
        self.sort.setObjectName("insight-sort")
        for key in SORTS:
            self.sort.addItem(f"By {key}", key)
        self.star_button = QPushButton("☆ I like this")
        self.star_button.setObjectName("insight-star")
        self.star_button.setCheckable(True)
        self.star_button.setToolTip("Star this picture or painting: recommendations learn "
                                    "from your stars")
        for widget in (self.colours, self.sort, self.star_button):
            controls.addWidget(widget)
        layout.addLayout(controls)

        self.swatch_box = QWidget()
        self.swatch_grid = QGridLayout(self.swatch_box)
        self.swatch_grid.setContentsMargins(0, 0, 0, 0)
        self.swatch_grid.setSpacing(4)
        layout.addWidget(self.swatch_box)

        palette_row = QHBoxLayout()
        self.export_button = QPushButton("Export palette…")
        self.export_button.setToolTip(".gpl (GIMP, Inkscape), .kpl (Krita) or .ase (Adobe)")
        self.export_button.clicked.connect(self._export_dialog)
        self.limit_button = QPushButton("Limit the canvas to this palette")
        self.limit_button.setObjectName("insight-limit")
        self.limit_button.clicked.connect(self.limit_canvas)
        self.dither = QCheckBox("Dither")
        self.dither.setToolTip("Floyd-Steinberg: mixes palette colours to suggest the others")
        for widget in (self.export_button, self.limit_button, self.dither):
            palette_row.addWidget(widget)
        layout.addLayout(palette_row)

        self.find_similar = QCheckBox("Find the paintings and styles it is like")
        self.find_similar.setObjectName("insight-find-similar")
        self.find_similar.setChecked(True)
        layout.addWidget(self.find_similar)
        self.similar = self._match_list("insight-similar")
        layout.addWidget(self.similar, 2)

        like_row = QHBoxLayout()
        self.recommend_button = QPushButton("More like what I like")
        self.recommend_button.setObjectName("insight-recommend")
        self.recommend_button.clicked.connect(self.recommend)
        self.star_match_button = QPushButton("☆ Star the selected")
        self.star_match_button.clicked.connect(self.toggle_selected_star)
        like_row.addWidget(self.recommend_button)
        like_row.addWidget(self.star_match_button)
        layout.addLayout(like_row)
        self.recommended = self._match_list("insight-recommended")
        layout.addWidget(self.recommended, 1)

        self.info = QLabel("Analyses the canvas while this panel is in view.")
        self.info.setObjectName("insight-info")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(FOLLOW_DELAY_MS)
        self._follow_timer.timeout.connect(self._follow_canvas)
        self.window_.canvas.changed.connect(self._follow_timer.start)
        self.source.currentIndexChanged.connect(lambda _: self.analyse())
        self.colours.valueChanged.connect(lambda _: self.analyse(similar=False))
        self.sort.currentIndexChanged.connect(lambda _: self._show_palette(self.swatches))
        self.star_button.clicked.connect(self.toggle_star)
        self.find_similar.toggled.connect(lambda on: on and self.analyse())
        self._update_buttons()

    def _match_list(self, name: str) -> QListWidget:
        widget = QListWidget()
        widget.setObjectName(name)
        widget.setViewMode(QListWidget.ViewMode.IconMode)
        widget.setIconSize(QSize(THUMB, THUMB))
        widget.setGridSize(QSize(THUMB + 60, THUMB + 64))
        widget.setResizeMode(QListWidget.ResizeMode.Adjust)
        widget.setMovement(QListWidget.Movement.Static)
        widget.setWordWrap(True)
        widget.itemClicked.connect(self.apply_style)
        widget.itemSelectionChanged.connect(lambda: self._list_selection(widget))
        return widget

    # --- the picture analysed -------------------------------------------------------------
    def current_source(self) -> str:
        return self.source.currentData()

    def _picture(self) -> tuple[str, np.ndarray | Path | None]:
        """(name, picture or file) of what is analysed now."""
        source = self.current_source()
        if source == CANVAS:
            return "the canvas", self.window_.canvas.image
        if source == PICTURE:
            return (self.dropped[0], self.dropped[1]) if self.dropped else ("", None)
        from genart_desktop.style.catalogue import paintings_dir

        return self.source.currentText(), paintings_dir() / source.split(":", 1)[1]

    def view_changed(self, shown: bool) -> None:
        if shown and (self._pending_analysis or not self.swatches):
            QTimer.singleShot(0, self, self.analyse)

    def _follow_canvas(self) -> None:
        if self.current_source() == CANVAS:
            self.analyse()

    def analyse(self, similar: bool = True):
        """Palette now (a partial result), then the matches; only while in view."""
        if not self.in_view():
            self._pending_analysis = True
            return None
        self._pending_analysis = False
        name, picture = self._picture()
        if picture is None:
            self._show_palette([])
            self.info.setText("Open or make a picture: its palette and the paintings it is "
                              "like appear here." if self.current_source() == CANVAS else "")
            return None
        colours = self.colours.value()
        with_similar = similar and self.find_similar.isChecked()
        source = self.current_source()

        def work(job):
            from genart_desktop.core.images import load_image, to_array
            from genart_desktop.insight.favourites import picture_star_id
            from genart_desktop.insight.features import array_key
            from genart_desktop.insight.palette import extract_palette

            image = picture if isinstance(picture, np.ndarray) else to_array(load_image(picture))
            star_id = source if source.startswith("painting:") else \
                picture_star_id(array_key(image))
            job.partial((extract_palette(image, colours), star_id))
            if not with_similar:
                return None
            extractor, index = self._engine(job)
            exclude = {source} if source.startswith("painting:") else set()
            matches = index.rank(extractor.of_array(image), exclude=exclude)[:SIMILAR_SHOWN]
            return matches, self._thumbnails([m.entry for m in matches], job)

        self._star_id = None
        self.info.setText(f"Analysing {name}…")
        started = time.monotonic()
        self._handle = self.worker.submit(
            work, label="insight analysis", key="analyse", cancel_running=True,
            show_progress=not self.index_ready and with_similar,
            on_partial=self._palette_found,
            on_result=lambda result: self._analysed(result, name, started),
            on_error=self._failed)
        return self._handle

    def _extractor_(self):
        """The networks, loaded on the worker on first use and kept there."""
        from genart_desktop.insight.features import FeatureExtractor

        if self._extractor is None:
            self._extractor = FeatureExtractor()
        return self._extractor

    def _engine(self, job):
        """The feature extractor and the index, made on the worker the first time."""
        from genart_desktop.insight.similarity import build_index
        from genart_desktop.style import catalogue as style_catalogue

        # The user's styles come and go while the app runs (the style gallery's drops and
        # removals): a changed list rebuilds the index, from cached features but theirs.
        users = tuple(entry.id for entry in style_catalogue.user_styles())
        if self._index is None or users != self._index_users:
            self._index = build_index(self._extractor_(), job)
            self._index_users = users
            self.index_ready = True
        return self._extractor_(), self._index

    def _thumbnails(self, entries, job) -> dict[str, np.ndarray]:
        from genart_desktop.core.images import load_image
        from genart_desktop.ui.panels.style_thumbnails import square

        for entry in entries:
            job.check()
            if entry.id not in self._thumbs:
                try:
                    self._thumbs[entry.id] = square(load_image(entry.picture), THUMB)
                except UserError:
                    self._thumbs[entry.id] = np.full((THUMB, THUMB, 3), 80, np.uint8)
        return {entry.id: self._thumbs[entry.id] for entry in entries}

    def _analysed(self, result, name: str, started: float) -> None:
        if result is None:
            self.info.setText(f"Palette of {name}.")
            return
        matches, thumbs = result
        self.matches = matches
        self._fill(self.similar, matches, thumbs)
        self.info.setText(f"{name}: {len(self.swatches)} colours; most like "
                          f"{matches[0].entry.name if matches else 'nothing indexed'} "
                          f"({time.monotonic() - started:.1f} s)")
        self._update_buttons()

    def _failed(self, message: str) -> None:
        self.info.setText(message)
        if self.current_source() != CANVAS:  # a painting or a dropped picture: tell loudly
            self.window_.show_error(message)

    # --- the palette --------------------------------------------------------------------------
    def _palette_found(self, found) -> None:
        swatches, self._star_id = found
        self._show_palette(swatches)

    def _show_palette(self, swatches: list[Swatch]) -> None:
        self.swatches = sort_swatches(list(swatches), self.sort.currentData())
        while self.swatch_grid.count():
            widget = self.swatch_grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for position, swatch in enumerate(self.swatches):
            button = QPushButton(f"{swatch.hex}\n{swatch.share * 100:.0f}%")
            button.setObjectName(f"swatch-{position}")
            light = swatch.lab[0] > 60
            button.setStyleSheet(f"background-color: {swatch.hex}; color: "
                                 f"{'#000' if light else '#fff'}; padding: 6px;")
            button.setToolTip(swatch.describe() + "\nClick to copy the hex code")
            button.clicked.connect(lambda _=False, s=swatch: self.copy_swatch(s))
            self.swatch_grid.addWidget(button, position // SWATCH_COLUMNS,
                                       position % SWATCH_COLUMNS)
        self._update_buttons()

    def copy_swatch(self, swatch: Swatch) -> None:
        QGuiApplication.clipboard().setText(swatch.hex)
        self.info.setText(f"Copied {swatch.hex} (RGB {', '.join(map(str, swatch.rgb))})")

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export palette", "palette.gpl",
            "GIMP / Inkscape palette (*.gpl);;Krita palette (*.kpl);;Adobe swatches (*.ase)",
            options=QFileDialog.Option.DontConfirmOverwrite)  # we ask below, once
        if path:
            self.export_palette(path)

    def export_palette(self, path: str) -> bool:
        """Write the palette; an existing file is replaced only if the user says so."""
        from genart_desktop.insight.palette_files import write_palette

        target = Path(path)
        if target.exists() and not self.ask_overwrite(target):
            self.info.setText(f"{target.name} left as it was.")
            return False
        try:
            write_palette(target, self.swatches, self._picture()[0])
        except UserError as error:
            self.window_.show_error(str(error))
            return False
        self.info.setText(f"Palette written to {target.name}")
        return True

    def ask_overwrite(self, target: Path) -> bool:
        answer = QMessageBox.question(
            self, "Export palette", f"{target.name} already exists. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def limit_canvas(self):
        """Every canvas pixel to its nearest palette colour: one undo step."""
        from genart_desktop.insight.palette import limit_to_palette

        canvas = self.window_.canvas
        if canvas.image is None or not self.swatches:
            self.window_.show_error("Open a picture and pick a palette first.")
            return None
        image, state = canvas.image, canvas.state
        colours = [swatch.rgb for swatch in self.swatches]
        dither = self.dither.isChecked()
        parameters = {"insight": {"limit_to_palette": [s.hex for s in self.swatches],
                                  "dither": dither}}

        def landed(result: np.ndarray) -> None:
            if canvas.state is not state:  # the canvas moved on meanwhile: leave it alone
                self.info.setText("The canvas changed meanwhile: not limited.")
                return
            canvas.set_image(result, parameters, f"Limit to {len(colours)} colours")
            self.info.setText(f"Canvas limited to {len(colours)} colours (undo brings it back).")

        return self.worker.submit(lambda job: limit_to_palette(image, colours, dither),
                                  label="limit to palette", on_result=landed)

    # --- matches, styles, stars ---------------------------------------------------------------
    def _fill(self, widget: QListWidget, matches, thumbs: dict[str, np.ndarray]) -> None:
        widget.clear()
        for match in matches:
            entry = match.entry
            star = "★ " if entry.id in self.stars else ""
            item = QListWidgetItem(f"{star}{entry.caption()}\n{match.score * 100:.0f}%")
            item.setData(ID_ROLE, entry.id)
            if entry.id in thumbs:
                item.setIcon(QIcon(QPixmap.fromImage(qimage_from_array(thumbs[entry.id]))))
            item.setToolTip(f"{entry.name}{' — ' + entry.artist if entry.artist else ''}\n"
                            f"style {match.style * 100:.0f}% · subject {match.subject * 100:.0f}%"
                            f" · colour {match.colour * 100:.0f}%\nClick to apply this style")
            widget.addItem(item)

    def apply_style(self, item: QListWidgetItem) -> None:
        """Apply the clicked painting or style to the canvas, as the style gallery does."""
        style_panel = self.window_.panels.get("style")
        style_id = item.data(ID_ROLE)
        if style_panel is None or style_id not in style_panel.entries:
            self.window_.show_error("That style is not in the style gallery any more.")
            return
        style_panel.select([style_id])
        style_panel.apply()

    def _selected_id(self) -> str | None:
        """The match selected last, in either list."""
        items = self._last_list.selectedItems() if self._last_list is not None else []
        return items[0].data(ID_ROLE) if items else None

    def _list_selection(self, widget: QListWidget) -> None:
        if widget.selectedItems():
            self._last_list = widget
        self._update_buttons()

    def toggle_selected_star(self) -> None:
        from genart_desktop.insight.favourites import Star

        style_id = self._selected_id()
        entry = next((m.entry for m in self.matches + self._recommended
                      if m.entry.id == style_id), None)
        if entry is None:
            return
        if style_id in self.stars:
            self.stars.unstar(style_id)
        else:
            self.stars.star(Star(style_id, entry.kind, entry.name))
        self.changed.emit()
        self._update_buttons()

    def toggle_star(self) -> None:
        """Star (or unstar) what is analysed: a painting by its id, a picture by its features."""
        from genart_desktop.insight.favourites import Star, picture_star_id

        source = self.current_source()
        if source.startswith("painting:"):
            if source in self.stars:
                self.stars.unstar(source)
            else:
                self.stars.star(Star(source, "painting", self.source.currentText()))
            self.changed.emit()
            self._update_buttons()
            return
        name, picture = self._picture()
        if picture is None:
            self._update_buttons()
            return

        def work(job):
            from genart_desktop.insight.features import array_key

            return picture_star_id(array_key(picture)), self._extractor_().of_array(picture)

        def done(result) -> None:
            star_id, features = result
            if star_id in self.stars:
                self.stars.unstar(star_id)
            else:
                label = name if source == PICTURE else time.strftime("canvas picture %Y-%m-%d %H:%M")
                self.stars.star(Star(star_id, "picture", label), features)
            self.changed.emit()
            self._update_buttons()

        return self.worker.submit(work, label="star picture", on_result=done,
                                  on_error=self._failed)

    def recommend(self):
        """Rank the paintings and styles not starred by how much they are like the stars."""
        from genart_desktop.insight.favourites import recommend

        if not len(self.stars):
            self.info.setText("Star pictures, paintings or styles first (☆ I like this).")
            return None

        def work(job):
            _extractor, index = self._engine(job)
            matches = recommend(self.stars, index, SIMILAR_SHOWN)
            return matches, self._thumbnails([m.entry for m in matches], job)

        def done(result) -> None:
            matches, thumbs = result
            self._recommended = matches
            self._fill(self.recommended, matches, thumbs)
            self.info.setText(f"More like your {len(self.stars)} stars: "
                              + (matches[0].entry.name if matches else "nothing left to rank"))

        return self.worker.submit(work, label="recommendations", on_result=done,
                                  show_progress=not self.index_ready)

    def _update_buttons(self) -> None:
        has_palette = bool(self.swatches)
        self.export_button.setEnabled(has_palette)
        self.limit_button.setEnabled(has_palette and self.window_.canvas.image is not None)
        starred = self._star_id is not None and self._star_id in self.stars
        self.star_button.blockSignals(True)
        self.star_button.setChecked(bool(starred))
        self.star_button.setText("★ I like this" if starred else "☆ I like this")
        self.star_button.blockSignals(False)
        selected = self._selected_id()
        self.star_match_button.setEnabled(selected is not None)
        self.star_match_button.setText("★ Unstar the selected" if selected in self.stars
                                       else "☆ Star the selected")

    # --- dropped and opened pictures ----------------------------------------------------------
    def _open_dialog(self) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in sorted(IMAGE_SUFFIXES))
        path, _ = QFileDialog.getOpenFileName(self, "Analyse a picture", "",
                                              f"Images ({patterns})")
        if path:
            self.analyse_file(path)

    def analyse_file(self, path: str):
        """Load a picture (on the worker) and make it the one analysed."""
        from genart_desktop.core.images import load_image, to_array

        def loaded(picture: np.ndarray) -> None:
            self.dropped = (Path(path).name, picture)
            index = self.source.findData(PICTURE)
            if index < 0:
                self.source.addItem("", PICTURE)
                index = self.source.count() - 1
            self.source.setItemText(index, f"Picture: {Path(path).name}")
            if self.source.currentIndex() == index:
                self.analyse()
            else:
                self.source.setCurrentIndex(index)  # analyses

        return self.worker.submit(lambda job: to_array(load_image(path)),
                                  label=f"open {Path(path).name}", on_result=loaded,
                                  on_error=self.window_.show_error)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if local_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = local_files(event)
        if files:
            event.acceptProposedAction()
            self.analyse_file(files[0])

    def file_actions(self) -> list:
        action = QAction("Analyse a picture's palette…", self)
        action.triggered.connect(self._open_dialog)
        return [action]

    # --- state --------------------------------------------------------------------------------
    def save_state(self) -> PanelData:
        stars, files = self.stars.to_project()
        return PanelData(state={"colours": self.colours.value(), "sort": self.sort.currentData(),
                                "dither": self.dither.isChecked(), **stars}, files=files)

    def restore_state(self, data: PanelData) -> None:
        values = self.read_state(data.state)
        stars = values.items("stars", [])
        added = self.stars.merge_project({"stars": stars}, data.files or {})
        for widget, key in ((self.colours, "colours"), (self.dither, "dither")):
            widget.blockSignals(True)
            values.to_widget(widget, key)
            widget.blockSignals(False)
        sorts = [self.sort.itemData(i) for i in range(self.sort.count())]
        index = self.sort.findData(values.choice("sort", sorts, "share"))
        self.sort.setCurrentIndex(max(index, 0))
        if added:
            self.info.setText(f"The project added {added} stars to yours.")
        self._update_buttons()

    def is_ready(self) -> bool:
        return not self.in_view() or self._handle is None or self._handle.done




def stall_scenario(window, seconds: float):
    """The panel analyses a 1024 px canvas it follows (palette, then the similar paintings;
    the first run also builds the index); done when the analysis has landed."""
    from genart_desktop.ui.bench import after_benchmark_picture

    window.show_panel("insight")
    panel: InsightPanel = window.panels["insight"]

    def analyse(picture):
        window.canvas.set_image(picture, {}, "benchmark picture")
        return panel.analyse()

    return after_benchmark_picture(window, analyse)
