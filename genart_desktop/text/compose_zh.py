"""Chinese poems under form constraints: 绝句 and 律诗, 藏头诗, rhyme, 平仄.

Every step builds the mask of characters the form allows at that position (Han
characters only; the acrostic's character at a line's start; the rhyme group at the
end of an even line; the tone the pattern fixes) and samples inside it. Punctuation
and line breaks are not sampled at all: they are written by the form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch

from genart_desktop.core.jobs import Job
from genart_desktop.text import chinese
from genart_desktop.text.chinese import COMMA, STOP, ChineseForm
from genart_desktop.text.decode import LMState, Sampler, repeat_line_penalties
from genart_desktop.text.model import CharTransformer
from genart_desktop.text.vocab import SPECIALS, Vocab

RICH_GROUP = 12  # a rhyme group needs this many characters (of the right tone) to be chosen


@dataclass
class ZhRequest:
    form: ChineseForm
    given_lines: list[str] = field(default_factory=list)  # complete lines to keep (model script)
    partial: str = ""                                      # an unfinished line to complete
    acrostic: str = ""                                     # one character per line, or ""
    rhyme: bool = False
    tones: bool = False
    repeat_penalty: float = 1.5
    rhyme_group: str | None = None                         # known from lines kept elsewhere
    until: int | None = None                               # stop after this many lines
    avoid: list[str] = field(default_factory=list)         # lines not to write again


def _script_twins(chars: list[str]) -> dict[int, list[str | None]]:
    """For each character that is written differently in the other script: the rhyme
    groups of its simplified and traditional forms (by offset in ``chars``)."""
    twins: dict[int, list[str | None]] = {}
    for script in ("simplified", "traditional"):
        # one character at a time: converting the vocabulary as one string would let
        # OpenCC read neighbouring characters as phrases
        converted = [chinese.convert_script(c, script)[:1] or c for c in chars]
        changed = [i for i, (a, b) in enumerate(zip(chars, converted)) if a != b]
        groups = chinese.readings([converted[i] for i in changed]) if changed else []
        for i, (group, _) in zip(changed, groups):
            twins.setdefault(i, []).append(group)
    return twins


class ChineseComposer:
    def __init__(self, model: CharTransformer, vocab: Vocab) -> None:
        self.model, self.vocab = model, vocab
        size = len(vocab)
        self.han = torch.zeros(size, dtype=torch.bool)
        self.group_of: dict[int, str] = {}
        self.tone_of: dict[int, str] = {}
        self.tone_masks = {"平": torch.zeros(size, dtype=torch.bool),
                           "仄": torch.zeros(size, dtype=torch.bool)}
        self.group_masks: dict[str, torch.Tensor] = {}
        readings = chinese.readings(vocab.chars)
        # A rhyme must hold in the script the user reads: 內 (微) becomes 内, whose readings
        # nèi/nà disagree. A character keeps its group only if its simplified and
        # traditional forms have the same one.
        script_twins = _script_twins(vocab.chars)
        for offset, char in enumerate(vocab.chars):
            token = offset + len(SPECIALS)
            if not chinese.is_han(char):
                continue
            self.han[token] = True
            group, tone = readings[offset]
            if any(twin_group != group for twin_group in script_twins.get(offset, ())):
                group = None
            if tone:
                self.tone_of[token] = tone
                self.tone_masks[tone][token] = True
            if group:
                self.group_of[token] = group
                self.group_masks.setdefault(group, torch.zeros(size, dtype=torch.bool))[token] = True
        self.rich_any = torch.zeros(size, dtype=torch.bool)
        self.rich_level = torch.zeros(size, dtype=torch.bool)
        # A small vocabulary (a user's model) may have no group that large: take its largest.
        sizes = [int(m.sum()) for m in self.group_masks.values()] or [0]
        level_sizes = [int((m & self.tone_masks["平"]).sum()) for m in self.group_masks.values()] or [0]
        for mask in self.group_masks.values():
            if int(mask.sum()) >= min(RICH_GROUP, max(sizes)):
                self.rich_any |= mask
            level = mask & self.tone_masks["平"]
            if int(level.sum()) >= max(1, min(RICH_GROUP, max(level_sizes))):
                self.rich_level |= level
        self.known_tone = self.tone_masks["平"] | self.tone_masks["仄"]

    def compose(self, request: ZhRequest, sampler: Sampler, job: Job | None,
                on_char: Callable[[list[str], str], None] | None = None) -> list[str]:
        """The poem's lines (without punctuation), given lines first and unchanged."""
        form, vocab = request.form, self.vocab
        state = LMState(self.model, vocab)
        logits = state.start("")
        lines: list[str] = []
        group = request.rhyme_group       # the poem's rhyme group, once known
        first_second: str | None = None   # tone of line 1's second character
        used_rhymes: set[int] = set()

        def close_line(line: str, index: int) -> torch.Tensor:
            nonlocal group, first_second
            if index == 0 and len(line) > 1:
                first_second = chinese.tone_class(line[1])
            # No rhyme repeats an earlier line's last character: the first line of a
            # 七绝 often ends in the rhyme too ('別離情' then '杳杳情' read as a slip).
            used_rhymes.add(vocab.id(line[-1]))
            if index % 2 == 1 and group is None:
                group = chinese.rhyme_group(line[-1])
            lines.append(line)
            ending = COMMA if index % 2 == 0 else STOP
            if index % 2 == 1 and index < form.lines - 1:
                ending += "\n"
            return state.feed(vocab.encode(ending))

        for index, line in enumerate(request.given_lines):
            logits = state.feed(vocab.encode(line))
            logits = close_line(line, index)

        used_counts: dict[int, int] = {}
        for token in vocab.encode("".join(request.given_lines) + request.partial):
            used_counts[token] = used_counts.get(token, 0) + 1
        char_penalty = math.log(max(request.repeat_penalty, 1.0)) * 0.7

        for index in range(len(request.given_lines), request.until or form.lines):
            current = request.partial if index == len(request.given_lines) else ""
            if current:
                logits = state.feed(vocab.encode(current))
            for position in range(len(current), form.line_length):
                if job is not None:
                    job.check()
                if request.acrostic and position == 0:
                    char = request.acrostic[index]
                    token = vocab.id(char)
                else:
                    earlier = lines + request.avoid
                    allowed = self._allowed(request, index, position, current, earlier, group,
                                            first_second, used_rhymes)
                    penalties = repeat_line_penalties(current, earlier, vocab, request.repeat_penalty)
                    for token, count in used_counts.items():
                        penalties[token] = penalties.get(token, 0.0) + char_penalty * count
                    token = sampler.draw(logits, allowed, penalties)
                    char = vocab.char(token)
                if index == 0 and position == 1 and first_second is None:
                    first_second = chinese.tone_class(char)
                used_counts[token] = used_counts.get(token, 0) + 1
                current += char
                logits = state.feed([token])
                if on_char is not None:
                    on_char(lines, current)
            logits = close_line(current, index)
        return lines

    def _allowed(self, request: ZhRequest, index: int, position: int, current: str,
                 lines: list[str], group: str | None, first_second: str | None,
                 used_rhymes: set[int]) -> torch.Tensor:
        form = request.form
        allowed = self.han.clone()
        last = position == form.line_length - 1
        rhyme_here = request.rhyme and index % 2 == 1 and last
        if rhyme_here:
            if group is not None and group in self.group_masks:
                allowed &= self.group_masks[group]
            else:
                allowed &= self.rich_level if request.tones and self.rich_level.any() else self.rich_any
            _remove_if_others_remain(allowed, used_rhymes)
        # Tones come second: where the rhyme group has no character of the needed tone
        # (possible only in a tiny vocabulary), the rhyme wins and the tone is a miss.
        toned = allowed.clone()
        if request.tones:
            if index == 0 and position == 1 and first_second is None:
                toned &= self.known_tone
            elif first_second is not None:
                tone = chinese.required_tones(form, index, first_second).get(position)
                if tone:
                    toned &= self.tone_masks[tone]
            elif last and index % 2 == 1:
                toned &= self.tone_masks["平"]
        if bool(toned.any()):
            allowed = toned
        if len(current) >= 2 and current[-1] == current[-2]:  # 杳杳 may be, 杳杳杳 not
            _remove_if_others_remain(allowed, {self.vocab.id(current[-1])})
        if last:  # never write a line the poem already has
            _remove_if_others_remain(allowed, {
                self.vocab.id(line[-1]) for line in lines
                if len(line) == len(current) + 1 and line.startswith(current)})
        if not bool(allowed.any()):
            raise RuntimeError(f"no character fits line {index + 1}, position {position + 1}")
        return allowed


def _remove_if_others_remain(allowed: torch.Tensor, tokens: set[int]) -> None:
    tokens = [t for t in tokens if 0 <= t < len(allowed)]
    if not tokens:
        return
    trial = allowed.clone()
    trial[tokens] = False
    if bool(trial.any()):
        allowed.copy_(trial)
