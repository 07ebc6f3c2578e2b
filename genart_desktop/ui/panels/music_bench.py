"""``python -m genart_desktop.bench panel music [--repeats N]``: Play -> first sound.

An 8-bar, four-voice score in the real window's music panel; the time from clicking
Play to the first audible block handed to the audio sink (target under 200 ms):

- ``rendered_ahead``: Play after the panel rendered the edited score in the background
  (what a user gets who edits, then presses Play a moment later);
- ``right_after_edit``: Play at once after an edit, so rendering starts at Play;
- ``after_edit_300ms``: Play 0.3 s after an edit (a hand moving to the Play button);
- ``first_play_right_after_loading``: the first Play, at once after a score is loaded, once
  the window is up (its start-up
  warms FluidSynth and pretty_midi in the background).

Then the melody row's morph slider is dragged at 30 steps a second between the first and
the last four bars' top line (melody A and B): ``melody_morph_drag_to_notes`` is the time
from a slider position to its notes in the roll (target p95 under 50 ms; positions
overtaken by newer ones are dropped, latest wins, and counted), and ``longest_ui_stall``
the longest gap of the event loop meanwhile (target under 50 ms).

The sink is a ``RecordingSink`` pulling at real-time pace (this machine has no sound
card); a sound card adds its own output latency (PortAudio's ``latency``, a few ms to
tens of ms) after the block is handed over.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from genart_desktop.core.benchmarks import emit, hardware


def eight_bar_score():
    from genart_desktop.music.score import Key, Note, Score, TempoChange

    progression = [(72, 67, 64, 48), (71, 67, 62, 55), (72, 69, 64, 45), (74, 65, 59, 43)]
    notes = [Note(p, float(i), 1.0, 80, v) for i, chord in enumerate(progression * 8)
             for v, p in enumerate(chord)]
    return Score(notes=notes, tempo_changes=[TempoChange(0.0, 90.0)], key=Key(0, False))


def drag_morph(app, panel, settle, positions: int = 60, interval: float = 1 / 30):
    """Drag the morph slider; (latencies of the positions shown, positions dropped,
    longest event-loop gap)."""
    tools, document = panel.melody_tools, panel.document
    notes = document.score.voice_notes(0)
    document.select(i for i, n in enumerate(document.score.notes) if n.voice == 0 and n.start < 16)
    tools.take("A")
    document.select(i for i, n in enumerate(document.score.notes) if n.voice == 0 and n.start >= 16)
    tools.take("B")
    document.select(set())
    assert notes
    asked: dict[float, float] = {}
    shown: list[float] = []

    def on_changed() -> None:
        amount = tools._latest_amount
        if document.previewing and amount in asked:
            shown.append(time.perf_counter() - asked.pop(amount))

    document.changed.connect(on_changed)
    tools.morph.setValue(0)
    settle(2.0)                                       # the model loads on the first move
    tools.morph.setSliderDown(True)
    tools._morph_started()
    tools.morph.setValue(1)
    settle(3.0)
    asked.clear()
    shown.clear()
    longest, last = 0.0, time.perf_counter()
    for index in range(positions):
        value = 2 + (index % 98)
        asked[value / 100.0] = time.perf_counter()
        tools.morph.setValue(value)
        end = time.perf_counter() + interval
        while time.perf_counter() < end:
            app.processEvents()
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
            time.sleep(0.001)
    settle(1.0)
    tools.morph.setSliderDown(False)
    tools._morph_released()
    document.changed.disconnect(on_changed)
    return shown, len(asked), longest


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench panel music")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.main_window import MainWindow
    from genart_desktop.ui.panels.music_audio import RecordingSink

    app = QApplication.instance() or QApplication([])
    window = MainWindow(restore_layout=False)
    window.show()
    panel = window.panels["music"]
    panel.sink_factory = lambda: RecordingSink()
    score = eight_bar_score()

    def press_play() -> float:
        start = time.perf_counter()
        panel.play_button.click()
        deadline = start + 10.0
        while panel.player.first_sound_at is None and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.0005)
        if panel.player.first_sound_at is None:
            raise RuntimeError("no sound within 10 s: " + (panel.audio_problem or "?"))
        latency = panel.player.first_sound_at - start
        panel.stop_button.click()
        return latency

    def settle(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)

    def edit(transpose: int) -> None:
        panel.document.select_all()
        panel.document.transpose_selection(transpose)

    window.start_background_init()
    while not window.is_ready():
        app.processEvents()
        time.sleep(0.002)
    settle(1.0)
    panel.document.reset(score)
    cold = press_play()
    results: dict[str, list[float]] = {"rendered_ahead": [], "after_edit_300ms": [],
                                       "right_after_edit": []}
    for repeat in range(args.repeats):
        edit(1 if repeat % 2 == 0 else -1)
        settle(1.5)                                   # render ahead has finished
        track = panel.player.track
        results["rendered_ahead"].append(press_play())
        assert track is panel.player.track            # the prepared render was used
        edit(1 if repeat % 2 == 0 else -1)
        results["right_after_edit"].append(press_play())
        edit(1 if repeat % 2 == 0 else -1)
        settle(0.3)
        results["after_edit_300ms"].append(press_play())
    render_first_block = panel.player.track.first_block_s
    morph_latencies, dropped, stall = drag_morph(app, panel, settle)

    context = {"score": "8 bars of 4/4, 4 voices, 90 bpm (21.3 s)",
               "sink": "RecordingSink (no sound card here)",
               "load_average_1min": round(os.getloadavg()[0], 2), **hardware()}
    for name, values in results.items():
        emit("music_panel.play_to_first_sound", round(statistics.median(values) * 1000, 1), "ms",
             target=200, case=name, runs=[round(v * 1000, 1) for v in values], **context)
    emit("music_panel.play_to_first_sound", round(cold * 1000, 1), "ms", target=200,
         case="first_play_right_after_loading", **context)
    emit("music_panel.melody_morph_drag_to_notes",
         round(float(statistics.quantiles(morph_latencies, n=20)[18]) * 1000, 1), "ms",
         target="p95 < 50", statistic="p95", median_ms=round(statistics.median(morph_latencies) * 1000, 1),
         shown=len(morph_latencies), dropped=dropped, **context)
    emit("music_panel.melody_morph_longest_ui_stall", round(stall * 1000, 1), "ms",
         target="< 50", **context)
    emit("music_panel.render_first_block", round((render_first_block or 0) * 1000, 1), "ms",
         note="FluidSynth start, SoundFont load and the first 0.25 s block", **context)
    panel.shutdown()
    window.session.mark_clean()
    window.shutdown_workers()
    window.close()
    return 0
