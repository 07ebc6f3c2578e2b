"""Playback for the piano roll: the FluidSynth render streamed to an audio sink.

No Qt here. The pieces:

- ``Track``: one score rendered (or being rendered) into a preallocated buffer; a
  background thread fills it block by block with ``music.render.render_chunks``, so
  playback can start as soon as the first block exists (render ahead, stream).
- ``Player``: the transport (play, pause, stop, loop, seek). A sink pulls audio from it;
  the position it reports is what the listener hears now (pulled minus the sink's latency),
  so the playhead follows the sound, not the renderer.
- Sinks: ``SoundDeviceSink`` (PortAudio through sounddevice) for the speakers, and
  ``RecordingSink`` (a thread pulling at real-time pace and keeping what it got) for tests
  and benchmarks. A sink is anything with ``sample_rate``, ``latency_s``, ``start(pull)``
  and ``stop()``.
"""

from __future__ import annotations

import bisect
import threading
import time
from typing import Callable, Protocol

import numpy as np

from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job

SAMPLE_RATE = 44100          # the rate music.render renders at
BLOCK_FRAMES = 512           # ~12 ms per pull: short, so Play starts and stops promptly
PORTAUDIO_HINT = ("PortAudio is not installed: run 'sudo apt-get install libportaudio2' "
                  "(and 'pip install sounddevice'); MIDI and WAV export work without it")
NO_DEVICE_HINT = ("no audio output device could be opened ({reason}); MIDI and WAV export "
                  "work without one")
SILENCE = 1e-4               # a block quieter than this is not "sound" (first-sound timing)
RENDER_BLOCK_SECONDS = 0.25  # the first block is ready sooner than with the engine's 0.5 s
MAX_PLAY_SECONDS = 20 * 60   # 200 MB of audio held for playback; longer scores export only


class Sink(Protocol):
    sample_rate: int
    latency_s: float

    def start(self, pull: Callable[[int], np.ndarray]) -> None: ...

    def stop(self) -> None: ...


# --- rendering ---------------------------------------------------------------------------
class Track:
    """A score's audio, filled by a background render; readable while it grows."""

    def __init__(self, score, soundfont: str | None) -> None:
        from genart_desktop.music.render import render_length

        self.score = score
        self.soundfont = soundfont or None
        self.total = render_length(score, SAMPLE_RATE) if score.notes else 0
        self.rendered = 0                 # frames ready at the start of ``audio``
        self.error: str | None = None     # a UserError's text when rendering failed
        self.done = threading.Event()
        if self.total > MAX_PLAY_SECONDS * SAMPLE_RATE:
            self.error = (f"the score lasts {self.total / SAMPLE_RATE / 60:.0f} minutes; the "
                          f"piano roll plays up to {MAX_PLAY_SECONDS // 60} (export it as MIDI "
                          f"or WAV instead)")
            self.total = 0
        self.audio = np.zeros((self.total, 2), np.float32)
        self.first_block_s: float | None = None   # render start -> first block (seconds)
        self._job = Job()
        self._thread: threading.Thread | None = None

    def start(self) -> "Track":
        if self.error:
            self.done.set()
            return self
        self._thread = threading.Thread(target=self._render, name="music-render", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._job.cancel()

    def _render(self) -> None:
        from genart_desktop.music.render import render_chunks

        started = time.perf_counter()
        try:
            if self.total:
                for block in render_chunks(self.score, self.soundfont, SAMPLE_RATE,
                                           RENDER_BLOCK_SECONDS, job=self._job):
                    stop = min(self.total, self.rendered + len(block))
                    self.audio[self.rendered:stop] = block[:stop - self.rendered]
                    self.rendered = stop       # an int store: readers see old or new, both fine
                    if self.first_block_s is None:
                        self.first_block_s = time.perf_counter() - started
        except JobCancelled:
            pass
        except UserError as error:
            self.error = str(error)
        except Exception as error:  # noqa: BLE001 - shown to the user, never a crash
            self.error = f"rendering audio failed: {type(error).__name__}: {error}"
        finally:
            self.done.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def ready(self, upto: int) -> bool:
        return self.rendered >= min(upto, self.total) or self.done.is_set()


def warm_up() -> threading.Thread:
    """Import FluidSynth and pretty_midi (about 0.5 s) on a background thread, so the
    first Play after start-up does not pay for them."""

    def load() -> None:
        try:
            from genart_desktop.music import midi_io, render  # noqa: F401

            render.default_soundfont()
            render._import_fluidsynth()
        except Exception:  # noqa: BLE001 - a missing library is reported when Play is pressed
            pass
        try:
            import sounddevice  # noqa: F401 - about 0.1 s
        except Exception:  # noqa: BLE001 - reported when Play is pressed
            pass

    thread = threading.Thread(target=load, name="music-warm-up", daemon=True)
    thread.start()
    return thread


# --- the transport -------------------------------------------------------------------------
class Player:
    """Transport over a Track. ``pull`` runs on the sink's thread; the rest on the UI thread."""

    def __init__(self, sink_factory: Callable[[], Sink]) -> None:
        self._sink_factory = sink_factory
        self._sink: Sink | None = None
        self._lock = threading.Lock()
        self.track: Track | None = None
        self._next_track: Track | None = None
        self.state = "stopped"            # stopped, playing, paused
        self.position = 0                 # next frame to pull
        self.loop: tuple[int, int] | None = None
        self.finished = False             # the end was reached (the UI then stops)
        self.first_sound_at: float | None = None   # perf_counter of the first audible pull
        self._play_started_at = 0.0

    # --- tracks ---------------------------------------------------------------------
    def set_track(self, track: Track) -> None:
        """Use this render from now on. While playing, the old one keeps sounding until
        the new one has caught up with the position, so an edit never makes a gap."""
        with self._lock:
            if self.track is None or self.state != "playing":
                if self.track is not None and self.track is not track:
                    self.track.cancel()
                self.track, self._next_track = track, None
            else:
                if self._next_track is not None and self._next_track is not track:
                    self._next_track.cancel()
                self._next_track = track

    # --- transport --------------------------------------------------------------------
    def play(self) -> None:
        """Start (or resume) from the position; raises UserError when there is no sink."""
        if self.state == "playing":
            return
        if self._sink is None:
            self._sink = self._sink_factory()
        with self._lock:
            self.finished = False
            self.first_sound_at = None
            self._play_started_at = time.perf_counter()
            if self.loop and not self.loop[0] <= self.position < self.loop[1]:
                self.position = self.loop[0]
            self.state = "playing"
        try:
            self._sink.start(self.pull)
        except Exception:
            self.state = "stopped"
            raise

    def pause(self) -> None:
        if self.state != "playing":
            return
        self._stop_sink()
        with self._lock:
            # Resume from what was heard, not from what was already handed to the device.
            self.position = self._heard_frame()
            self.state = "paused"

    def stop(self) -> None:
        self._stop_sink()
        with self._lock:
            self.state = "stopped"
            self.position = self.loop[0] if self.loop else 0
            self.finished = False

    def seek(self, frame: int) -> None:
        with self._lock:
            total = self.track.total if self.track else 0
            self.position = int(max(0, min(frame, total)))

    def set_loop(self, start: int | None, end: int | None) -> None:
        with self._lock:
            self.loop = (int(start), int(end)) if start is not None and end is not None \
                and end > start else None

    def close(self) -> None:
        self._stop_sink()
        if self._sink is not None and hasattr(self._sink, "close"):
            self._sink.close()
        self._sink = None
        for track in (self.track, self._next_track):
            if track is not None:
                track.cancel()

    def _stop_sink(self) -> None:
        if self._sink is not None:
            self._sink.stop()

    # --- what is heard ------------------------------------------------------------------
    def _heard_frame(self) -> int:
        latency = int((self._sink.latency_s if self._sink else 0.0) * SAMPLE_RATE)
        frame = self.position - latency
        if self.loop and frame < self.loop[0]:
            # Just wrapped: the tail of the loop is still sounding.
            frame = self.loop[1] - (self.loop[0] - frame)
        return max(0, frame)

    def heard_seconds(self) -> float:
        with self._lock:
            frame = self._heard_frame() if self.state == "playing" else self.position
        return frame / SAMPLE_RATE

    # --- the sink's side ------------------------------------------------------------------
    def pull(self, frames: int) -> np.ndarray:
        """The next ``frames`` of audio [frames, 2]; silence while paused or buffering."""
        out = np.zeros((frames, 2), np.float32)
        with self._lock:
            if self.state != "playing":
                return out
            self._maybe_switch_track(frames)
            track = self.track
            if track is None or track.total == 0:
                self.finished = track is not None and track.done.is_set()
                return out
            filled = 0
            while filled < frames:
                end = self.loop[1] if self.loop else track.total
                end = min(end, track.total)
                want = min(frames - filled, end - self.position)
                if want <= 0:
                    if self.loop and self.loop[0] < end:
                        self.position = self.loop[0]
                        continue
                    self.finished = True       # the end (or a loop that starts after it)
                    break
                if not track.ready(self.position + want):
                    break                  # buffering: silence now, same place next time
                out[filled:filled + want] = track.audio[self.position:self.position + want]
                self.position += want
                filled += want
            if self.first_sound_at is None and filled and np.abs(out).max() > SILENCE:
                self.first_sound_at = time.perf_counter()
        return out

    def _maybe_switch_track(self, frames: int) -> None:
        new = self._next_track
        if new is None:
            return
        if new.done.is_set() or new.rendered >= self.position + frames + SAMPLE_RATE // 4:
            self.track.cancel()
            self.track, self._next_track = new, None
            self.position = min(self.position, new.total)

    @property
    def first_sound_latency(self) -> float | None:
        """Seconds from ``play`` to the first audible block handed to the sink."""
        if self.first_sound_at is None:
            return None
        return self.first_sound_at - self._play_started_at


# --- sinks ------------------------------------------------------------------------------------
class SoundDeviceSink:
    """The speakers, through PortAudio. Opening fails with a UserError that says what to
    install (no PortAudio) or that there is no output device."""

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        try:
            import sounddevice
        except (ImportError, OSError):
            raise UserError(PORTAUDIO_HINT) from None
        self._sd = sounddevice
        self.sample_rate = sample_rate
        self.latency_s = 0.0
        self._stream = None

    def start(self, pull: Callable[[int], np.ndarray]) -> None:
        def callback(outdata, frames, time_info, status) -> None:
            outdata[:] = pull(frames)

        if self._stream is None:
            try:
                self._stream = self._sd.OutputStream(
                    samplerate=self.sample_rate, channels=2, dtype="float32",
                    blocksize=BLOCK_FRAMES, latency="low", callback=callback)
            except Exception as error:  # noqa: BLE001 - PortAudioError, ValueError (no device)
                raise UserError(NO_DEVICE_HINT.format(reason=str(error).strip() or
                                                      type(error).__name__)) from None
            self.latency_s = float(self._stream.latency)
        self._stream.start()

    def stop(self) -> None:
        # The stream stays open, so the next Play starts without opening the device again.
        if self._stream is not None and self._stream.active:
            self._stream.stop()       # lets the buffers in flight play out, then silence

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class RecordingSink:
    """Pulls blocks on its own thread at ``speed`` times real time and keeps them."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, speed: float = 1.0,
                 latency_s: float = 0.0) -> None:
        self.sample_rate = sample_rate
        self.speed = speed
        self.latency_s = latency_s
        self.blocks: list[np.ndarray] = []
        self._running = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pull: Callable[[int], np.ndarray]) -> None:
        self.stop()
        self._running.set()
        self._thread = threading.Thread(target=self._run, args=(pull,), daemon=True,
                                        name="recording-sink")
        self._thread.start()

    def _run(self, pull) -> None:
        period = BLOCK_FRAMES / self.sample_rate / self.speed
        next_time = time.perf_counter()
        while self._running.is_set():
            self.blocks.append(pull(BLOCK_FRAMES))
            next_time += period
            time.sleep(max(0.0, next_time - time.perf_counter()))

    def stop(self) -> None:
        self._running.clear()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def recorded(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.float32)


# --- time on the score ----------------------------------------------------------------------
def seconds_to_beat(score, seconds: float) -> float:
    """The inverse of ``Score.beat_to_seconds`` under the score's tempo map."""
    changes = score.tempo_changes or []
    beats = [c.beat for c in changes]
    clock = [score.beat_to_seconds(b) for b in beats]
    index = max(0, bisect.bisect_right(clock, seconds) - 1)
    if not changes:
        return seconds * score.tempo / 60.0
    return beats[index] + (seconds - clock[index]) * changes[index].bpm / 60.0
