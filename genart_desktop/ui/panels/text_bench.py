"""``python -m genart_desktop.bench panel text``: Generate -> first character in the editor.

The model is loaded first (the panel does that when it is first shown); then each run
clicks Generate on an empty editor and times the first change of the editor's document,
and the whole poem. Without ``--model`` the shipped ``tang-poems`` is used when it is
installed, otherwise an untrained stand-in of the same architecture (speed depends on the
network's shape, not on what it learnt; the output says which was used).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from genart_desktop.core.benchmarks import emit, hardware, percentile

_STAND_IN: list[Path] = []


def stand_in_model() -> Path:
    """An untrained 4-layer, width-192, context-96 model over 6,000 Han characters, like
    tang-poems, saved in a temporary folder (never among the user's models)."""
    if _STAND_IN:
        return _STAND_IN[0]
    import torch

    from genart_desktop.core.checkpoints import save_checkpoint
    from genart_desktop.text.model import CharTransformer, ModelConfig
    from genart_desktop.text.vocab import Vocab

    vocab = Vocab([chr(0x4E00 + i) for i in range(6000)] + list("，。\n"))
    torch.manual_seed(0)
    model = CharTransformer(ModelConfig(len(vocab), 96, 4, 192, 6, 0.0)).eval()
    folder = Path(tempfile.mkdtemp(prefix="genart-text-bench-"))
    card = {"name": "untrained-stand-in", "kind": "text-lm", "license": "n/a",
            "credit": "random weights, for timing only", "language": "zh",
            "script": "traditional", "architecture": model.config.to_card(),
            "vocab": vocab.to_card(), "data": {}, "training": {}, "metrics": {}}
    _STAND_IN.append(save_checkpoint(folder / "untrained-stand-in", dict(model.state_dict()), card))
    return _STAND_IN[0]


def _wait(app, condition, timeout: float = 300.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("the text panel did not answer in time")
        app.processEvents()
        time.sleep(0.0005)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench panel text")
    parser.add_argument("--model", help="a text model's name or card path "
                                        "(default: tang-poems, else an untrained stand-in)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from genart_desktop.core.checkpoints import find_model
    from genart_desktop.core.errors import UserError
    from genart_desktop.ui.main_window import MainWindow

    try:
        card = find_model(args.model or "tang-poems", kind_prefix="text-lm").card_path
    except UserError:
        if args.model:
            raise
        card = stand_in_model()
    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    panel = window.panels["text"]
    window.show_panel("text")
    panel.use_model(str(card))
    wanted = str(Path(card).resolve())
    _wait(app, lambda: panel.models_listed and panel.current_model() is not None
          and panel.current_model().card_path == wanted and panel.is_ready())
    model_name = panel.current_model().name

    # A 5 ms heartbeat on the UI thread while the poems stream (the model already loaded).
    from PySide6.QtCore import QTimer

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    changed_at: list[float] = []
    panel.editor.document().contentsChanged.connect(lambda: changed_at.append(time.perf_counter()))
    first, whole, lengths, gaps = [], [], [], []
    for run in range(args.runs + 1):  # the first run warms caches and is not counted
        panel.editor.clear()
        app.processEvents()
        changed_at.clear()
        beats.clear()
        heartbeat.start()
        start = time.perf_counter()
        panel.generate_button.click()
        _wait(app, lambda: bool(changed_at))
        first_change = changed_at[0]
        _wait(app, lambda: not panel.busy())
        heartbeat.stop()
        if run:
            gaps += [(b - a) * 1000 for a, b in zip([start] + beats, beats + [time.perf_counter()])]
            first.append((first_change - start) * 1000)
            whole.append(time.perf_counter() - start)
            lengths.append(len(panel.editor.toPlainText()))
    window.session.mark_clean()
    window.shutdown_workers()
    window.close()

    info = hardware()
    emit("text_panel_first_char", round(statistics.median(first), 2), "ms", target=100.0,
         p90_ms=round(percentile(first, 0.9), 2), max_ms=round(max(first), 2),
         runs=len(first), model=model_name, **info)
    emit("text_panel_streaming_longest_stall", round(max(gaps), 2), "ms", target=50.0,
         p99_ms=round(percentile(gaps, 0.99), 2), heartbeat_ms=5, model=model_name,
         **info)
    emit("text_panel_poem", round(statistics.median(whole), 3), "s",
         chars_per_s=round(sum(lengths) / sum(whole), 1), runs=len(whole),
         model=model_name, **info)
    return 0
