"""English verse under form constraints: syllables per line and rhyme schemes.

Decoding stays character by character, but inside a metered line only characters that
continue a cmudict word are allowed, and a word may only end where the line can still be
finished: a space or comma needs room left for the line's last word, a line break needs
the syllable count hit exactly with a word of the line's rhyme. The prefix tables of
``english.Lexicon`` answer "can this prefix still become such a word?" in one lookup, so
the decoder never paints itself into a corner.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Callable

import torch

from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.text import english
from genart_desktop.text.decode import LMState, Sampler, repeat_line_penalties
from genart_desktop.text.model import CharTransformer
from genart_desktop.text.vocab import SPECIALS, UNK, Vocab

PUNCTUATION = ",.;:!?"
FREE_LINE_MIN, FREE_LINE_MAX = 8, 100


@dataclass
class LineSpec:
    syllables: int | None = None      # None: free length
    rhyme: str | None = None          # scheme letter ('A', 'B'); None: unrhymed


@dataclass
class EnRequest:
    lines: list[LineSpec]
    given_lines: list[str] = field(default_factory=list)
    partial: str = ""
    repeat_penalty: float = 1.5


class EnglishComposer:
    def __init__(self, model: CharTransformer, vocab: Vocab, words: list[str] | None,
                 line_ends: list[str] | None = None) -> None:
        self.model, self.vocab = model, vocab
        self.lexicon = english.lexicon(frozenset(words) if words else None)
        # The words a metered line prefers to end on (english.line_end_words); all words
        # if the model's card has no such list. ``_last_word_rule`` falls back to all
        # words where these have nothing for a line.
        if line_ends:
            known = frozenset(line_ends) & frozenset(words) if words else frozenset(line_ends)
            self.ends = english.lexicon(known)
        else:
            self.ends = self.lexicon
        self.letters = [(c, vocab.id(c)) for c in string.ascii_letters + "'" if c in vocab]
        self.space, self.newline = vocab.id(" "), vocab.id("\n")
        self.punctuation = [vocab.id(c) for c in PUNCTUATION if c in vocab]
        self.free = torch.ones(len(vocab), dtype=torch.bool)
        self.free[: len(SPECIALS)] = False

    def compose(self, request: EnRequest, sampler: Sampler, job: Job | None,
                on_char: Callable[[list[str], str], None] | None = None) -> list[str]:
        state = LMState(self.model, self.vocab)
        logits = state.start("")
        lines: list[str] = []
        rhyme_of: dict[str, str] = {}       # scheme letter -> rhyming part
        used: dict[str, set[str]] = {}      # scheme letter -> words already used
        for index, line in enumerate(request.given_lines):
            logits = state.feed(self.vocab.encode(line + "\n"))
            self._remember(request.lines[index], line, rhyme_of, used)
            lines.append(line)
        for index in range(len(request.given_lines), len(request.lines)):
            spec = request.lines[index]
            current = request.partial if index == len(request.given_lines) else ""
            if current:
                logits = state.feed(self.vocab.encode(current))
                if not current.endswith(" "):
                    current += " "
                    logits = state.feed([self.space])
            if spec.syllables is None:
                current, logits = self._free_line(state, logits, current, lines, request,
                                                  sampler, job, on_char)
            else:
                current, logits = self._metered_line(state, logits, current, spec, lines,
                                                     rhyme_of, used, request, sampler, job,
                                                     on_char)
            lines.append(current)
            self._remember(spec, current, rhyme_of, used)
        return lines

    def _remember(self, spec: LineSpec, line: str, rhyme_of: dict, used: dict) -> None:
        if spec.rhyme is None:
            return
        word = english.last_word(line)
        used.setdefault(spec.rhyme, set()).add(word)
        if spec.rhyme not in rhyme_of:
            part = self.lexicon.rhyme.get(word) or english.rhyme_part(word)
            if part:
                rhyme_of[spec.rhyme] = part

    def _free_line(self, state, logits, current, lines, request, sampler, job, on_char):
        while True:
            if job is not None:
                job.check()
            allowed = self.free.clone()
            length = len(current.strip())
            if length < FREE_LINE_MIN:
                allowed[self.newline] = False
            elif length >= FREE_LINE_MAX:
                allowed[:] = False
                allowed[self.newline] = True
            token = sampler.draw(logits, allowed, repeat_line_penalties(
                current, lines, self.vocab, request.repeat_penalty))
            logits = state.feed([token])
            if token == self.newline:
                return current, logits
            current += self.vocab.char(token)
            if on_char is not None:
                on_char(lines, current)

    def _last_word_rule(self, spec: LineSpec, rhyme_of: dict, used: dict):
        """What a metered line's last word must be: (source lexicon, its prefix table,
        the fewest syllables in it, mode, whether a used rhyme word may come back).

        Modes: "fixed", a word of the letter's rhyme class (not used yet, if possible);
        "choose", the first line of its letter, a word of a rich rhyme class; "any", an
        unrhymed line. Line-end words first, all words where they have nothing."""
        sources = (self.ends, self.lexicon) if self.ends is not self.lexicon else (self.lexicon,)
        if spec.rhyme is not None and spec.rhyme in rhyme_of:
            taken = used.get(spec.rhyme, set())
            for relaxed in (False, True):  # repeats only once the class is used up
                for source in sources:
                    table, fewest = source.class_prefixes(rhyme_of[spec.rhyme],
                                                          set() if relaxed else taken)
                    if table:
                        return source, table, fewest, "fixed", relaxed
            # the class has no word this model knows: the line starts a new rhyme
        mode = "any" if spec.rhyme is None else "choose"
        for source in sources:
            table = source.prefixes if mode == "any" else source.rich_prefixes
            if table:
                return source, table, english.fewest_syllables(table), mode, False
        raise UserError("this model's word list has no word to end a metered line with")

    def _metered_line(self, state, logits, current, spec, lines, rhyme_of, used, request,
                      sampler, job, on_char):
        lexicon = self.lexicon
        source, table, fewest, mode, relaxed = self._last_word_rule(spec, rhyme_of, used)
        spent = english.line_syllables(current)
        target = max(spec.syllables, spent + fewest)   # a long given start stretches the line
        word, after_punctuation = "", None

        def continues(prefix: str, remaining: int) -> bool:
            room = remaining - fewest
            if room >= 1 and lexicon.prefixes.get(prefix, 0) & ((1 << (room + 1)) - 2):
                return True
            return bool(table.get(prefix, 0) >> remaining & 1)

        def word_ends(text: str, remaining: int) -> tuple[bool, bool]:
            count = lexicon.syllables.get(text)
            if count is None:
                return False, False
            go_on = count <= remaining - fewest
            if text not in source.syllables:
                fits = False
            elif mode == "any":
                fits = True
            elif mode == "choose":
                fits = len(source.by_rhyme[source.rhyme[text]]) > english.RICH
            else:
                fits = source.rhyme[text] == rhyme_of[spec.rhyme] and (
                    text not in used.get(spec.rhyme, ()) or relaxed)
            return go_on, count == remaining and fits

        while True:
            if job is not None:
                job.check()
            remaining = target - spent
            allowed = torch.zeros(len(self.vocab), dtype=torch.bool)
            if after_punctuation is not None:
                go_on, finish = after_punctuation
                allowed[self.space] = go_on
                allowed[self.newline] = finish
            else:
                for char, token in self.letters:
                    if char.isupper() and word:
                        continue
                    if char == "'" and not word:
                        continue
                    if continues(word + char.lower(), remaining):
                        allowed[token] = True
                if word:
                    go_on, finish = word_ends(word, remaining)
                    allowed[self.space] = go_on
                    allowed[self.newline] = finish
                    if go_on or finish:
                        allowed[self.punctuation] = True
            allowed[UNK] = False
            token = sampler.draw(logits, allowed, repeat_line_penalties(
                current, lines, self.vocab, request.repeat_penalty))
            logits = state.feed([token])
            char = self.vocab.char(token)
            if token == self.newline:
                return current.rstrip(), logits
            current += char
            if char == " ":
                if word:
                    spent += lexicon.syllables[word]
                word, after_punctuation = "", None
            elif char in PUNCTUATION:
                after_punctuation = word_ends(word, remaining)
                spent += lexicon.syllables[word]
                word = ""
            else:
                word += char.lower()
            if on_char is not None:
                on_char(lines, current)
