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

    context = {"score": "8 bars of 4/4, 4 voices, 90 bpm (21.3 s)",
               "sink": "RecordingSink (no sound card here)",
               "load_average_1min": round(os.getloadavg()[0], 2), **hardware()}
    for name, values in results.items():
        emit("music_panel.play_to_first_sound", round(statistics.median(values) * 1000, 1), "ms",
             target=200, case=name, runs=[round(v * 1000, 1) for v in values], **context)
    emit("music_panel.play_to_first_sound", round(cold * 1000, 1), "ms", target=200,
         case="first_play_right_after_loading", **context)
    emit("music_panel.render_first_block", round((render_first_block or 0) * 1000, 1), "ms",
         note="FluidSynth start, SoundFont load and the first 0.25 s block", **context)
    panel.shutdown()
    window.session.mark_clean()
    window.shutdown_workers()
    window.close()
    return 0
