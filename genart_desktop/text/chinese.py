"""Classical Chinese forms, rhymes and tones, and script conversion.

Rhymes and tones come from pypinyin, so they are *modern Mandarin* readings: rhyme
classes follow the 14 groups of the 中华新韵 (finals with their medials merged), and the
level/oblique split is Mandarin tones 1-2 (平) against 3-4 (仄). Tang poets rhymed by
Middle Chinese (平水韵): entering-tone (入声) characters read as level tones today, so
real Tang poems score below 100% on these checks. No classical rhyme table is shipped
in a registry we can check, so this is the honest approximation. For a character with
several readings, pypinyin's most common reading is used, here and in the checks alike.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

# Readings are looked up one character at a time, never by phrase; without the 2.5 MB
# phrase table pypinyin's import holds the GIL for 60 ms instead of 290 ms (time the
# window's UI thread cannot run; measured on a busy 2-core machine).
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

PUNCTUATION = "，。？！；：、,.!?;:"
COMMA, STOP = "，", "。"


@dataclass(frozen=True)
class ChineseForm:
    key: str
    name: str
    line_length: int
    lines: int


FORMS = {
    "wujue": ChineseForm("wujue", "五言绝句", 5, 4),
    "qijue": ChineseForm("qijue", "七言绝句", 7, 4),
    "wulv": ChineseForm("wulv", "五言律诗", 5, 8),
    "qilv": ChineseForm("qilv", "七言律诗", 7, 8),
}


def form_for(line_length: int, lines: int) -> ChineseForm:
    regulated = lines > 4
    if line_length == 5:
        return FORMS["wulv" if regulated else "wujue"]
    return FORMS["qilv" if regulated else "qijue"]


# --- characters ------------------------------------------------------------------------

def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\uf900" <= char <= "\ufaff"


_RHYME_GROUPS = {
    "麻": ("a", "ia", "ua"), "波": ("o", "e", "uo", "io"), "皆": ("ie", "ve", "üe"),
    "开": ("ai", "uai"), "微": ("ei", "uei", "ui"), "豪": ("ao", "iao"),
    "尤": ("ou", "iou", "iu"), "寒": ("an", "ian", "uan", "van", "üan"),
    "文": ("en", "in", "uen", "un", "vn", "ün"), "唐": ("ang", "iang", "uang"),
    "庚": ("eng", "ing", "ong", "iong", "ueng"), "齐": ("i", "v", "ü", "er"), "姑": ("u",),
}
_FINAL_TO_GROUP = {final: group for group, finals in _RHYME_GROUPS.items() for final in finals}
_BUZZ_INITIALS = {"zh", "ch", "sh", "r", "z", "c", "s"}
COMMON_READINGS = 2  # of a heteronym's readings, those that decide whether it rhymes


@functools.lru_cache(maxsize=None)
def reading(char: str) -> tuple[str | None, str | None]:
    """(rhyme group, tone class '平'/'仄') of one character, or None where unknown."""
    return readings([char])[0]


def readings(chars: list[str]) -> list[tuple[str | None, str | None]]:
    """``reading`` for many characters at once (three pypinyin calls in all)."""
    from pypinyin import Style, pinyin

    from pypinyin.contrib.tone_convert import to_finals, to_initials

    toned = pinyin(chars, style=Style.TONE3, neutral_tone_with_five=True, heteronym=True,
                   errors=lambda c: [""])
    if len(toned) != len(chars):  # never split a char
        return [readings([c])[0] if len(chars) > 1 else (None, None) for c in chars]
    result = []
    for char, char_readings in zip(chars, toned):
        first = char_readings[0]
        if not is_han(char) or not first[-1:].isdigit() or not to_finals(first, strict=True):
            result.append((None, None))
            continue
        # A character with two common readings rhymes only if both fall in one rhyme group:
        # 还 is hái or huán, so it rhymes with neither 来 nor 山 for certain. (pypinyin lists
        # the common readings first; rarer ones, such as 家's gū, are not counted.)
        groups = {_group(to_initials(r, strict=True), to_finals(r, strict=True))
                  for r in char_readings[:COMMON_READINGS] if r[-1:].isdigit()}
        group = groups.pop() if len(groups) == 1 else None
        tone = {"1": "平", "2": "平", "3": "仄", "4": "仄"}.get(first[-1])
        result.append((group, tone))
    return result


def _group(initial: str, final: str) -> str | None:
    return "支" if final == "i" and initial in _BUZZ_INITIALS else _FINAL_TO_GROUP.get(final)


def rhyme_group(char: str) -> str | None:
    return reading(char)[0]


def tone_class(char: str) -> str | None:
    return reading(char)[1]


# --- tone pattern (平仄) ------------------------------------------------------------------

def opposite(tone: str) -> str:
    return "仄" if tone == "平" else "平"


def required_tones(form: ChineseForm, line: int, first_second: str) -> dict[int, str]:
    """Positions (0-based) whose tone the pattern fixes for one line, given the tone of
    the first line's second character. Rules: 2-4-6 alternate within a line (二四六分明),
    a couplet's lines are opposed (对), consecutive couplets are glued (粘); rhyming lines
    end level, other lines after the first end oblique. Positions 1, 3, 5 are free
    (一三五不论)."""
    # second-character tone of each line: T, !T, !T, T, T, !T, !T, T
    second = first_second if line % 4 in (0, 3) else opposite(first_second)
    fixed = {1: second, 3: opposite(second)}
    if form.line_length == 7:
        fixed[5] = second
    end = form.line_length - 1
    if line % 2 == 1:
        fixed[end] = "平"
    elif line > 0:
        fixed[end] = "仄"
    return fixed


def poem_lines(text: str) -> list[str]:
    """The lines of a poem without punctuation: '床前明月光，疑是地上霜。' -> 2 lines."""
    return [part for part in re.split(f"[{re.escape(PUNCTUATION)}\\s]+", text) if part]


@dataclass
class FormCheck:
    lengths_ok: bool
    punctuation_ok: bool
    rhyme_ok: bool        # every even line (1-based) ends in the same rhyme group
    tones_ok: bool        # the whole level/oblique pattern holds


def check_poem(text: str, form: ChineseForm) -> FormCheck:
    """Measure a poem against a form (used by tests and the benchmark)."""
    lines = poem_lines(text)
    lengths_ok = len(lines) == form.lines and all(len(l) == form.line_length for l in lines)
    expected = "".join(
        line + (COMMA if i % 2 == 0 else STOP) + ("\n" if i % 2 == 1 and i < len(lines) - 1 else "")
        for i, line in enumerate(lines))
    punctuation_ok = lengths_ok and text.strip() == expected
    groups = [rhyme_group(line[-1]) for line in lines[1::2]] if lines else []
    rhyme_ok = bool(groups) and None not in groups and len(set(groups)) == 1
    tones_ok = False
    if lengths_ok:
        first = tone_class(lines[0][1])
        tones_ok = first is not None and all(
            tone_class(line[pos]) == tone
            for i, line in enumerate(lines)
            for pos, tone in required_tones(form, i, first).items())
    return FormCheck(lengths_ok, punctuation_ok, rhyme_ok, tones_ok)


# --- script ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def convert_script(text: str, script: str | None) -> str:
    """Text in 'simplified' or 'traditional' script (None: unchanged)."""
    if not script or not text:
        return text
    config = {"simplified": "t2s", "traditional": "s2t"}[script]
    converted = _converter(config).convert(text)
    if len(converted) != len(text):  # a phrase changed length: convert char by char
        converted = "".join(_converter(config).convert(c) for c in text)
    return converted


def detect_script(text: str) -> str | None:
    """'simplified', 'traditional', or None when the text reads the same in both."""
    to_simple = convert_script(text, "simplified")
    to_traditional = convert_script(text, "traditional")
    if to_simple != text and to_traditional == text:
        return "traditional"
    if to_traditional != text and to_simple == text:
        return "simplified"
    if to_simple != text:
        changed_simple = sum(a != b for a, b in zip(text, to_simple))
        changed_trad = sum(a != b for a, b in zip(text, to_traditional))
        return "traditional" if changed_simple > changed_trad else "simplified"
    return None
