"""The poetry engine the window and ``genart write`` call: load once, then write poems.

    engine = PoetryEngine.load("tang", device)
    poem = engine.generate(PoemRequest(form="qilv", rhyme=True, seed=7), job)

While writing, ``job.partial(text)`` receives the *whole poem so far* (a str in the
output script), after every character; ``job.check()`` is called at every step, so a
cancel stops within one character. Every form rule is enforced by the decoders in
``compose_zh`` / ``compose_en``; this module turns a request into their terms and
checks the user's input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.text import chinese, english
from genart_desktop.text.compose_en import EnglishComposer, EnRequest, LineSpec
from genart_desktop.text.compose_zh import ChineseComposer, ZhRequest
from genart_desktop.text.decode import Sampler, Sampling, one_thread
from genart_desktop.text.limits import MAX_FREE_LINES, MAX_SYLLABLES

MAX_PROMPT_CHARS = 2000
ENGLISH_FORMS = ("quatrain", "couplet", "free")
DEFAULT_SYLLABLES = 8
DEFAULT_FREE_LINES = 6


@dataclass
class PoemRequest:
    form: str = "auto"              # wujue qijue wulv qilv | quatrain couplet free | auto
    prompt: str = ""                # lines to keep and continue
    acrostic: str = ""              # 藏头: one character per line (Chinese)
    rhyme: bool = False             # Chinese: even lines rhyme (English forms always rhyme)
    tones: bool = False             # Chinese: level/oblique pattern
    scheme: str = "ABAB"            # English quatrain: AABB, ABAB, ABCB, ...
    syllables: int | None = None    # English syllables per line (None: 8 for rhymed forms)
    lines: int | None = None        # English free verse: number of lines
    seed: int | None = None
    temperature: float = 0.8
    top_k: int = 0
    top_p: float = 0.95
    repeat_penalty: float = 1.5
    script: str | None = None       # Chinese output: simplified / traditional / None


class PoetryEngine:
    def __init__(self, model, vocab, card: dict) -> None:
        self.model, self.vocab, self.card = model, vocab, card
        self.device = next(model.parameters()).device
        self.name = card.get("name", "?")
        self.language = card.get("language", "en")
        self.script = card.get("script")  # the script the model was trained on (Chinese)
        if self.language == "zh":
            self.composer = ChineseComposer(model, vocab)
        else:
            words, ends = card.get("words"), card.get("line_end_words")
            self.composer = EnglishComposer(model, vocab, words.split() if words else None,
                                            ends.split() if ends else None)

    @classmethod
    def load(cls, name: str = "tang", device=None) -> "PoetryEngine":
        """A model by name ("tang", "english", a trained NAME) or card path."""

        from genart_desktop.text.train import load_lm

        model, vocab, card = load_lm(name, device or "cpu")
        return cls(model, vocab, card)

    # --- the three actions the text panel offers -----------------------------------------

    def generate(self, request: PoemRequest, job: Job | None = None) -> str:
        """A whole poem (continuing ``request.prompt`` when there is one)."""
        self._check_sampling(request)
        self.check_language(request.prompt)
        sampler = Sampler(Sampling(request.temperature, request.top_k, request.top_p, request.seed))
        with one_thread(self.device):
            if self.language == "zh":
                return self._write_chinese(request, sampler, job)
            return self._write_english(request, sampler, job)

    def continue_text(self, text: str, request: PoemRequest | None = None,
                      job: Job | None = None) -> str:
        """The user's lines kept exactly, the form carried on to its end."""
        return self.generate(replace(request or PoemRequest(), prompt=text), job)

    def regenerate_line(self, poem: str, line_index: int, request: PoemRequest | None = None,
                        job: Job | None = None) -> str:
        """The same poem with one line written anew (its rhyme and length kept)."""
        request = replace(request or PoemRequest(), prompt="")
        self._check_sampling(request)
        sampler = Sampler(Sampling(request.temperature, request.top_k, request.top_p, request.seed))
        with one_thread(self.device):
            if self.language == "zh":
                return self._regenerate_chinese(poem, line_index, request, sampler, job)
            return self._regenerate_english(poem, line_index, request, sampler, job)

    def check_language(self, text: str, what: str = "the prompt") -> None:
        """A prompt in the other language gives garbage, not a poem: refuse it by name.
        ``what`` names the text in the message (a file scored by ``evaluate-text``)."""
        han = sum(chinese.is_han(c) for c in text)
        latin = sum(c.isascii() and c.isalpha() for c in text)
        if self.language == "en" and han > latin:
            raise UserError(f"{what} is Chinese, and {self.name!r} writes English verse: "
                            "choose a Chinese model (tang)")
        if self.language == "zh" and latin > 0 and han == 0:
            raise UserError(f"{what} is not Chinese, and {self.name!r} writes Chinese verse: "
                            "choose an English model (english)")

    # --- Chinese ---------------------------------------------------------------------------

    def _write_chinese(self, request: PoemRequest, sampler: Sampler, job: Job | None) -> str:
        prompt = _clean_prompt(request.prompt)
        original_lines, partial_original = _split_chinese_prompt(prompt)
        acrostic = re.sub(r"\s+", "", request.acrostic or "")
        form = self._chinese_form(request.form, original_lines, partial_original, acrostic)
        if len(original_lines) > form.lines or (
                len(original_lines) == form.lines and partial_original):
            raise UserError(f"the prompt already has {len(original_lines) + bool(partial_original)} "
                            f"lines; a {form.name} has {form.lines}")
        for number, line in enumerate(original_lines, 1):
            if len(line) != form.line_length:
                raise UserError(f"line {number} of the prompt has {len(line)} characters; "
                                f"a {form.name} has {form.line_length} per line")
        if len(partial_original) >= form.line_length:
            raise UserError(f"the prompt's last line has {len(partial_original)} characters "
                            f"without punctuation; a {form.name} has {form.line_length} per line")
        if acrostic:
            if len(acrostic) != form.lines:
                raise UserError(f"the acrostic {acrostic!r} has {len(acrostic)} characters; "
                                f"a {form.name} has {form.lines} lines (one character each)")
            bad = [c for c in acrostic if not chinese.is_han(c)]
            if bad:
                raise UserError(f"the acrostic must be Chinese characters ({bad[0]!r} is not)")
            for number, line in enumerate(original_lines + [partial_original], 1):
                if line and line[0] != acrostic[number - 1]:
                    raise UserError(f"line {number} of the prompt does not begin with "
                                    f"the acrostic's {acrostic[number - 1]!r}")
        out_script = request.script or chinese.detect_script(prompt + acrostic) or self.script
        to_model = lambda text: chinese.convert_script(text, self.script)  # noqa: E731
        zh = ZhRequest(form, [to_model(l) for l in original_lines], to_model(partial_original),
                       to_model(acrostic), request.rhyme, request.tones, request.repeat_penalty)
        # The user's own characters are shown as typed unless another script was asked for.
        kept = [l if request.script is None else chinese.convert_script(l, out_script)
                for l in original_lines + ([partial_original] if partial_original else [])]

        def shown(lines: list[str], current: str = "") -> list[str]:
            result = []
            for index, line in enumerate(lines + ([current] if current else [])):
                if index < len(original_lines):
                    result.append(kept[index])
                elif index == len(original_lines) and partial_original:
                    tail = line[len(partial_original):]
                    result.append(kept[index] + chinese.convert_script(tail, out_script))
                else:
                    result.append(chinese.convert_script(line, out_script))
            return result

        on_char = None
        if job is not None:
            on_char = lambda lines, current: job.partial(  # noqa: E731
                _format_chinese(shown(lines, current), complete=len(lines)))
        lines = self.composer.compose(zh, sampler, job, on_char)
        text = _format_chinese(shown(lines), complete=len(lines))
        if job is not None:
            job.partial(text)
        return text

    def _chinese_form(self, key: str, lines: list[str], partial: str, acrostic: str):
        if key in chinese.FORMS:
            return chinese.FORMS[key]
        if key not in ("auto", "", None):
            raise UserError(f"the {self.name} model writes Chinese forms "
                            f"(wujue, qijue, wulv, qilv), not {key!r}")
        length = len(lines[0]) if lines and len(lines[0]) in (5, 7) else 7
        count = len(acrostic) if len(acrostic) in (4, 8) else (
            8 if len(lines) + bool(partial) > 4 else 4)
        return chinese.form_for(length, count)

    def _regenerate_chinese(self, poem, line_index, request, sampler, job) -> str:
        lines, partial = _split_chinese_prompt(_clean_prompt(poem))
        if partial:
            lines.append(partial)
        if not lines:
            raise UserError("there is no poem to change")
        form = self._chinese_form(request.form, lines, "", "")
        if len(lines) != form.lines or any(len(l) != form.line_length for l in lines):
            raise UserError(f"the poem does not have the {form.name} form; write a new one")
        if not 0 <= line_index < len(lines):
            raise UserError(f"line {line_index + 1} does not exist (the poem has {len(lines)})")
        model_lines = [chinese.convert_script(l, self.script) for l in lines]
        out_script = request.script or chinese.detect_script("".join(lines)) or self.script
        group = None
        if request.rhyme:
            others = [l[-1] for i, l in enumerate(model_lines) if i % 2 == 1 and i != line_index]
            groups = [chinese.rhyme_group(c) for c in others if chinese.rhyme_group(c)]
            group = groups[0] if groups else None
        zh = ZhRequest(form, model_lines[:line_index], "", "", request.rhyme, request.tones,
                       request.repeat_penalty)
        zh.acrostic = request.acrostic if len(request.acrostic or "") == form.lines else ""
        zh.rhyme_group, zh.until = group, line_index + 1
        zh.avoid = [model_lines[line_index]] + model_lines[line_index + 1:]
        new = self.composer.compose(zh, sampler, job)[line_index]
        result = list(lines)
        result[line_index] = chinese.convert_script(new, out_script)
        return _format_chinese(result, complete=len(result))

    # --- English ---------------------------------------------------------------------------

    def _english_specs(self, request: PoemRequest) -> list[LineSpec]:
        form = request.form if request.form not in ("auto", "", None) else "quatrain"
        if form not in ENGLISH_FORMS:
            raise UserError(f"the {self.name} model writes English forms "
                            f"(quatrain, couplet, free), not {form!r}")
        syllables = request.syllables
        if syllables is not None and not 0 <= syllables <= MAX_SYLLABLES:
            raise UserError(f"--syllables must be between 1 and {MAX_SYLLABLES} (0: free verse), "
                            f"not {syllables}")
        if form == "free":
            count = request.lines or DEFAULT_FREE_LINES
            if not 1 <= count <= MAX_FREE_LINES:
                raise UserError(f"free verse can have 1 to {MAX_FREE_LINES} lines, not {count}")
            return [LineSpec(syllables or None, None) for _ in range(count)]
        if syllables == 0:
            raise UserError(f"a rhymed {form} needs a syllable count per line (1-20); "
                            "0 (free length) is for --form free")
        syllables = syllables or DEFAULT_SYLLABLES
        if form == "couplet":
            return [LineSpec(syllables, "A"), LineSpec(syllables, "A")]
        scheme = (request.scheme or "ABAB").upper()
        if not re.fullmatch(r"[A-D]{4}", scheme):
            raise UserError(f"rhyme scheme {request.scheme!r}: use four letters such as "
                            "AABB, ABAB or ABCB")
        # In ABCB only B repeats: a letter used once is an unrhymed line.
        return [LineSpec(syllables, letter if scheme.count(letter) > 1 else None)
                for letter in scheme]

    def _write_english(self, request: PoemRequest, sampler: Sampler, job: Job | None) -> str:
        if request.acrostic:
            raise UserError("acrostics (--acrostic) are for Chinese models")
        specs = self._english_specs(request)
        given, partial = _split_english_prompt(_clean_prompt(request.prompt), specs)
        if len(given) + bool(partial) > len(specs):
            raise UserError(f"the prompt already has {len(given) + bool(partial)} lines; "
                            f"this form has {len(specs)}")
        en = EnRequest(specs, given, partial, request.repeat_penalty)
        on_char = None
        if job is not None:
            on_char = lambda lines, current: job.partial("\n".join(lines + [current]))  # noqa: E731
        text = "\n".join(self.composer.compose(en, sampler, job, on_char))
        if job is not None:
            job.partial(text)
        return text

    def _regenerate_english(self, poem, line_index, request, sampler, job) -> str:
        lines = [l.rstrip() for l in _clean_prompt(poem).split("\n") if l.strip()]
        specs = self._english_specs(replace(request, lines=request.lines or len(lines)))
        if len(lines) != len(specs):
            raise UserError(f"the poem has {len(lines)} lines; this form has {len(specs)}")
        if not 0 <= line_index < len(lines):
            raise UserError(f"line {line_index + 1} does not exist (the poem has {len(lines)})")
        # The line's rhyme partners are the other lines: put them first in the model's view.
        spec = specs[line_index]
        partners = [l for i, l in enumerate(lines) if i != line_index and spec.rhyme
                    and specs[i].rhyme == spec.rhyme]
        en = EnRequest(specs[:line_index + 1], lines[:line_index], "", request.repeat_penalty)
        if partners and not any(specs[i].rhyme == spec.rhyme for i in range(line_index)):
            en.lines = [LineSpec(None, spec.rhyme)] + en.lines
            en.given_lines = [partners[0]] + en.given_lines
        new = self.composer.compose(en, sampler, job)[-1]
        result = list(lines)
        result[line_index] = new
        return "\n".join(result)

    # --- shared checks ---------------------------------------------------------------------

    @staticmethod
    def _check_sampling(request: PoemRequest) -> None:
        if not request.temperature >= 0:
            raise UserError(f"temperature must be 0 or more, not {request.temperature}")
        if not 0 < request.top_p <= 1:
            raise UserError(f"top-p must be in (0, 1], not {request.top_p}")
        if request.top_k < 0:
            raise UserError(f"top-k must be 0 (off) or more, not {request.top_k}")
        if request.repeat_penalty < 1:
            raise UserError(f"the repeat penalty must be 1 (off) or more, not {request.repeat_penalty}")
        if request.script not in (None, "simplified", "traditional"):
            raise UserError(f"script must be simplified or traditional, not {request.script!r}")


def _clean_prompt(prompt: str | None) -> str:
    prompt = (prompt or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(f"the prompt has {len(prompt):,} characters; a poem's prompt can "
                        f"have at most {MAX_PROMPT_CHARS:,}")
    return prompt.strip()


def _split_chinese_prompt(prompt: str) -> tuple[list[str], str]:
    """Complete lines (followed by punctuation or a line break) and an unfinished tail."""
    if not prompt:
        return [], ""
    for char in prompt:
        if not (chinese.is_han(char) or char in chinese.PUNCTUATION or char.isspace()):
            raise UserError(f"the prompt has a character that is not Chinese ({char!r}); "
                            "this model writes classical Chinese")
    parts = re.split(f"([{re.escape(chinese.PUNCTUATION)}\\n])", prompt)
    lines, partial = [], ""
    for index in range(0, len(parts), 2):
        piece = re.sub(r"\s+", "", parts[index])
        closed = index + 1 < len(parts)
        if piece and closed:
            lines.append(piece)
        elif piece:
            partial = piece
    return lines, partial


def _split_english_prompt(prompt: str, specs: list[LineSpec]) -> tuple[list[str], str]:
    if not prompt:
        return [], ""
    raw = [l.rstrip() for l in prompt.split("\n") if l.strip()]
    given, last = raw[:-1], raw[-1]
    spec = specs[min(len(given), len(specs) - 1)]
    full = last[-1:] in ".!?;:," or (spec.syllables is not None and
                                     english.line_syllables(last) >= spec.syllables)
    return (given + [last], "") if full else (given, last)


def _format_chinese(lines: list[str], complete: int) -> str:
    """'line，line。\\nline，line。' — punctuation only after finished lines."""
    out = []
    for index, line in enumerate(lines):
        out.append(line)
        if index < complete:
            out.append("，" if index % 2 == 0 else "。")
            if index % 2 == 1 and index < len(lines) - 1:
                out.append("\n")
    return "".join(out)


def read_prompt_arg(value: str | None) -> str:
    """--prompt TEXT, or --prompt @FILE for a prompt kept in a UTF-8 file."""
    if not value:
        return ""
    if value.startswith("@") and len(value) > 1:
        from genart_desktop.text.corpora import read_user_text

        path = Path(value[1:])
        if path.is_file() and path.stat().st_size > MAX_PROMPT_CHARS * 4:
            raise UserError(f"{path}: {path.stat().st_size:,} bytes is too long for a prompt "
                            f"(at most {MAX_PROMPT_CHARS:,} characters)")
        return read_user_text(path)
    return value
