"""English forms: syllables per line and rhyme schemes hold by construction."""

from __future__ import annotations

import pytest

from genart_desktop.text import english
from genart_desktop.text.engine import PoemRequest, PoetryEngine


def rhyme(word: str) -> str | None:
    return english.rhyme_part(word)


@pytest.mark.parametrize("scheme", ["AABB", "ABAB", "ABCB"])
def test_quatrain_schemes_and_syllables_over_seeds(en_engine, scheme):
    for seed in range(8):
        syllables = 6 + seed % 5
        poem = en_engine.generate(PoemRequest(form="quatrain", scheme=scheme, syllables=syllables,
                                              seed=seed, temperature=1.0))
        lines = poem.split("\n")
        assert len(lines) == 4
        assert [english.line_syllables(l) for l in lines] == [syllables] * 4, poem
        ends = [english.last_word(l) for l in lines]
        for letter in set(scheme):
            group = [ends[i] for i, l in enumerate(scheme) if l == letter]
            if len(group) > 1:
                assert len({rhyme(w) for w in group}) == 1, (scheme, poem)
                assert len(set(group)) == len(group), poem  # a word does not rhyme with itself


def test_couplet_rhymes_with_the_users_line(en_engine):
    prompt = "The golden sun is sinking in the sea,"
    poem = en_engine.generate(PoemRequest(form="couplet", syllables=10, prompt=prompt, seed=4))
    first, second = poem.split("\n")
    assert first == prompt
    assert english.line_syllables(second) == 10
    assert rhyme(english.last_word(second)) == rhyme("sea")


def test_a_short_prompt_completes_its_line(en_engine):
    poem = en_engine.generate(PoemRequest(form="quatrain", syllables=8, prompt="The night is", seed=1))
    lines = poem.split("\n")
    assert lines[0].startswith("The night is ") and len(lines) == 4
    assert english.line_syllables(lines[0]) == 8


def test_free_verse_line_count(en_engine):
    poem = en_engine.generate(PoemRequest(form="free", lines=3, seed=2))
    assert len(poem.split("\n")) == 3


def test_free_verse_with_a_syllable_count(en_engine):
    poem = en_engine.generate(PoemRequest(form="free", lines=3, syllables=5, seed=3))
    assert [english.line_syllables(l) for l in poem.split("\n")] == [5, 5, 5]


def test_regenerate_line_keeps_rhyme(en_engine):
    poem = en_engine.generate(PoemRequest(form="quatrain", scheme="AABB", seed=6))
    again = en_engine.regenerate_line(poem, 1, PoemRequest(form="quatrain", scheme="AABB", seed=7))
    old, new = poem.split("\n"), again.split("\n")
    assert old[0] == new[0] and old[2:] == new[2:]
    assert rhyme(english.last_word(new[1])) == rhyme(english.last_word(new[0]))
    assert english.line_syllables(new[1]) == 8


def test_shipped_english_model(english_model):
    line_enders = set(english_model.card["line_end_words"].split())
    for seed in range(3):
        poem = english_model.generate(PoemRequest(form="quatrain", scheme="ABAB", seed=seed))
        lines = poem.split("\n")
        assert [english.line_syllables(l) for l in lines] == [8] * 4
        assert rhyme(english.last_word(lines[0])) == rhyme(english.last_word(lines[2]))
        assert rhyme(english.last_word(lines[1])) == rhyme(english.last_word(lines[3]))
        # Rhymes end on words poets end lines on, not on fragments such as 'hund' or 'ins'.
        assert {english.last_word(l) for l in lines} <= line_enders, poem


def test_line_end_words_are_the_words_that_end_lines():
    text = ["the night is long\nand all the night\nwe sing the night"] * 60 + ["a hund of ins"]
    assert english.line_end_words(text) == ["long", "night"]


@pytest.mark.parametrize("line_ends", ["night day", "evening shadow", "golden"])
def test_a_short_line_end_list_still_rhymes_and_scans(en_engine, line_ends):
    # A model trained on a small text may have few line-end words: no rich rhyme class,
    # no one-syllable word. The decoder falls back to all its words where they fall short.
    engine = PoetryEngine(en_engine.model, en_engine.vocab,
                          {**en_engine.card, "line_end_words": line_ends})
    for seed in range(4):
        poem = engine.generate(PoemRequest(form="quatrain", scheme="ABAB", syllables=7,
                                           seed=seed, temperature=1.0))
        lines = poem.split("\n")
        assert [english.line_syllables(l) for l in lines] == [7] * 4, poem
        ends = [english.last_word(l) for l in lines]
        assert rhyme(ends[0]) == rhyme(ends[2]) and rhyme(ends[1]) == rhyme(ends[3]), poem
    couplet = engine.generate(PoemRequest(form="couplet", syllables=6, seed=1,
                                          prompt="I walk alone at night"))
    assert rhyme(english.last_word(couplet.split("\n")[1])) == rhyme("night")
