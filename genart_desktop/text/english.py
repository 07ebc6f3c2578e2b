"""English words, syllables and rhymes from the CMU Pronouncing Dictionary (``pronouncing``).

The decoder works on characters, but rhymes and syllable counts are properties of
words, so the lexicon is kept as prefix tables: for every prefix of a known word, a
bitmask of the syllable counts its completions can have (bit k set = some word with
this prefix has k syllables). A line can then be steered, character by character, to
land exactly on its syllable count with a word of the right rhyme.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

MAX_SYLLABLES = 12
_WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")


@dataclass
class Lexicon:
    syllables: dict[str, int]                 # word -> syllables (first pronunciation)
    rhyme: dict[str, str]                     # word -> rhyming part, e.g. 'AY1 T'
    by_rhyme: dict[str, list[str]]            # rhyming part -> words
    prefixes: dict[str, int]                  # prefix -> bitmask of completion syllables
    rich_prefixes: dict[str, int]             # the same over words with >= RICH partners

    def is_word(self, text: str) -> bool:
        return text in self.syllables

    def rhymes(self, a: str, b: str) -> bool:
        a, b = a.lower(), b.lower()
        return a != b and a in self.rhyme and self.rhyme.get(a) == self.rhyme.get(b)

    def class_prefixes(self, rhyme: str, exclude: set[str]) -> tuple[dict[str, int], int]:
        """Prefix masks over one rhyme class minus ``exclude``, and its fewest syllables."""
        table: dict[str, int] = {}
        fewest = MAX_SYLLABLES + 1
        for word in self.by_rhyme.get(rhyme, ()):
            if word in exclude:
                continue
            count = self.syllables[word]
            fewest = min(fewest, count)
            _add_prefixes(table, word, count)
        return table, fewest


RICH = 3


def fewest_syllables(table: dict[str, int]) -> int:
    """The fewest syllables of any word in a prefix table (every word has a one-letter
    prefix, whose mask holds the syllable counts of all words starting with it)."""
    masks = 0
    for prefix, mask in table.items():
        if len(prefix) == 1:
            masks |= mask
    return (masks & -masks).bit_length() - 1


def _add_prefixes(table: dict[str, int], word: str, count: int) -> None:
    bit = 1 << count
    for end in range(1, len(word) + 1):
        prefix = word[:end]
        table[prefix] = table.get(prefix, 0) | bit


@functools.lru_cache(maxsize=4)
def lexicon(words: frozenset[str] | None = None) -> Lexicon:
    """cmudict's words, or only those in ``words`` (a model's own word list: its
    training text's words, so the decoder does not reach for obscure names)."""
    return _build_lexicon(words)


@functools.lru_cache(maxsize=1)
def _cmudict() -> list[tuple[str, str]]:
    import pronouncing

    pronouncing.init_cmu()
    return pronouncing.pronunciations


def _build_lexicon(words: frozenset[str] | None) -> Lexicon:
    syllables: dict[str, int] = {}
    rhyme: dict[str, str] = {}
    seen: set[str] = set()
    for word, phones in _cmudict():
        if word in seen:
            continue  # the first pronunciation only, as everywhere else
        seen.add(word)
        if not _WORD.match(word) or len(word) > 16 or (words is not None and word not in words):
            continue
        if len(word) == 1 and word not in "aio":
            continue  # cmudict spells out letters ('f', 'z'); in verse they are noise
        count = sum(p[-1].isdigit() for p in phones.split())
        if not 1 <= count <= MAX_SYLLABLES:
            continue
        syllables[word] = count
        rhyme[word] = _rhyming_part(phones)
    by_rhyme: dict[str, list[str]] = {}
    for word, part in rhyme.items():
        by_rhyme.setdefault(part, []).append(word)
    prefixes: dict[str, int] = {}
    rich: dict[str, int] = {}
    for word, count in syllables.items():
        _add_prefixes(prefixes, word, count)
        if len(by_rhyme[rhyme[word]]) > RICH:
            _add_prefixes(rich, word, count)
    return Lexicon(syllables, rhyme, by_rhyme, prefixes, rich)


_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def count_syllables(word: str) -> int:
    """Syllables of a word: cmudict, or a vowel-group estimate for unknown words."""
    clean = re.sub(r"[^a-z']", "", word.lower())
    if not clean:
        return 0
    known = lexicon_word_syllables(clean)
    if known:
        return known
    groups = len(_VOWEL_GROUPS.findall(clean))
    if clean.endswith("e") and groups > 1 and not clean.endswith(("le", "ee")):
        groups -= 1
    return max(1, groups)


def words_of(line: str) -> list[str]:
    return re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", line)


def line_syllables(line: str) -> int:
    return sum(count_syllables(word) for word in words_of(line))


def last_word(line: str) -> str:
    words = words_of(line)
    return words[-1].lower() if words else ""


@functools.lru_cache(maxsize=1)
def _all_syllables() -> dict[str, int]:
    counts: dict[str, int] = {}
    for word, phones in _cmudict():
        counts.setdefault(word, sum(p[-1].isdigit() for p in phones.split()))
    return counts


def rhyme_part(word: str) -> str | None:
    """The rhyming part of any cmudict word (first pronunciation), e.g. 'day' -> 'EY1'."""
    import pronouncing

    phones = pronouncing.phones_for_word(word.lower())
    return _rhyming_part(phones[0]) if phones else None


def _rhyming_part(phones: str) -> str:
    """From the last stressed vowel (or, in a word with none, such as 'the', the last
    vowel) to the end."""
    parts = phones.split()
    vowels = [i for i, p in enumerate(parts) if p[-1].isdigit()]
    stressed = [i for i in vowels if parts[i][-1] in "12"] or vowels
    return " ".join(parts[stressed[-1]:])


def lexicon_word_syllables(word: str) -> int | None:
    return _all_syllables().get(word)


LINES_PER_END_COUNT = 50_000


def corpus_words(texts: list[str], min_count: int = 3) -> list[str]:
    """Words of a training text that cmudict knows, seen at least ``min_count`` times."""
    from collections import Counter

    counts = Counter(w.lower() for text in texts for w in words_of(text))
    known = _all_syllables()
    return sorted(w for w, n in counts.items() if n >= min_count and w in known)


def line_end_words(texts: list[str], lines_per_count: int = LINES_PER_END_COUNT) -> list[str]:
    """Words that end at least one line in ``lines_per_count`` of a training text (at
    least twice), and that cmudict knows: the words poets end lines on. A metered line's
    last word is drawn from these where they allow it, so a rhyme does not force a
    fragment the model has barely seen. The Gutenberg verse's 2.93 M lines give 59 line
    ends: 4,838 words, without 'ands' (10 line ends), 'ins' (6) or 'hund' (1). Over 40
    ABAB quatrains the model's own bits/char on what it wrote fell from 1.776 (any word)
    to 1.761, 1.751 and 1.682 at 10, 30 and 60 line ends, with as many different rhymes
    (139-145 of 160 line ends)."""
    from collections import Counter

    lines = [line for text in texts for line in text.split("\n")]
    min_count = max(2, round(len(lines) / lines_per_count))
    counts = Counter(last_word(line) for line in lines)
    known = _all_syllables()
    return sorted(w for w, n in counts.items() if n >= min_count and w in known)
