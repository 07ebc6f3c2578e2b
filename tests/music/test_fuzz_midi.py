"""Issue 22's fuzzing of MIDI meta events: files whose tempo, time signature and key
signature hold any bytes at all (wrong lengths included), around a few real notes.
Reading one gives a score or one UserError, never another exception, and never hangs;
what the score keeps is within the ranges the editor can draw."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genart_desktop.core.errors import UserError
from genart_desktop.music.midi_io import encode_variable_length as variable_length
from genart_desktop.music.midi_io import read_midi_bytes
from genart_desktop.music.score import MAX_BEATS_PER_BAR, TIME_SIGNATURE_DENOMINATORS

CASES = 300


def meta(kind: int, payload: bytes, delta: int = 0) -> bytes:
    return variable_length(delta) + bytes([0xFF, kind]) + variable_length(len(payload)) + payload


def midi_file(events: bytes, division: int) -> bytes:
    notes = b"".join(variable_length(d) + bytes(m) for d, m in (
        (0, (0x90, 60, 90)), (240, (0x80, 60, 0)), (0, (0x90, 64, 90)), (240, (0x80, 64, 0))))
    track = events + notes + meta(0x2F, b"")
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big") \
        + division.to_bytes(2, "big")
    return header + b"MTrk" + len(track).to_bytes(4, "big") + track


META = st.one_of(
    st.tuples(st.just(0x51), st.binary(min_size=0, max_size=5)),   # tempo (3 bytes)
    st.tuples(st.just(0x58), st.binary(min_size=0, max_size=6)),   # time signature (4)
    st.tuples(st.just(0x59), st.binary(min_size=0, max_size=3)),   # key signature (2)
    st.tuples(st.sampled_from([0x51, 0x58, 0x59]),
              st.sampled_from([b"\x00\x00\x00", b"\xff\xff\xff", b"\x04\x3c\x18\x08",
                               b"\x04\xff\x18\x08", b"\xff\x02\x18\x08", b"\x00\x02\x18\x08",
                               b"\x7f\x01", b"\x80\x00", b"\x07\x05"])),
)


@settings(max_examples=CASES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(META, st.integers(0, 2000)), min_size=1, max_size=5),
       st.sampled_from([1, 96, 480, 0x7FFF, 0xE728]))
def test_hostile_meta_events_give_a_score_or_one_message(events, division):
    data = midi_file(b"".join(meta(kind, payload, delta) for (kind, payload), delta in events),
                     division)
    started = time.monotonic()
    try:
        score, messages = read_midi_bytes(data, "fuzz.mid")
    except UserError as error:
        assert str(error).startswith("fuzz.mid: ")
        return
    finally:
        assert time.monotonic() - started < 5
    numerator, denominator = score.time_signature
    assert 1 <= numerator <= MAX_BEATS_PER_BAR and denominator in TIME_SIGNATURE_DENOMINATORS
    assert all(0 < change.bpm < 10_000 for change in score.tempo_changes)
    assert all(isinstance(m, str) for m in messages)
    assert score.notes


def test_a_broken_key_signature_is_dropped_with_a_word_and_the_notes_kept():
    data = midi_file(meta(0x59, b"\x7f\x01") + meta(0x51, b"") + meta(0x58, b"\x03\x02\x18\x08"),
                     480)
    score, messages = read_midi_bytes(data, "tune.mid")
    assert [n.pitch for n in score.notes] == [60, 64]
    assert score.time_signature == (3, 4)  # the sound event is kept
    assert "tune.mid: ignored a broken key signature" in messages
    assert "tune.mid: ignored a broken tempo" in messages


def test_a_smpte_file_is_refused_by_name():
    import pytest

    with pytest.raises(UserError, match="SMPTE"):
        read_midi_bytes(midi_file(b"", 0xE728), "film.mid")
