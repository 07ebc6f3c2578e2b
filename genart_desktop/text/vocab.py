"""Character vocabulary: three special ids, then one id per character.

The character list lives in the model card (``card["vocab"]["chars"]``), so a model and
its alphabet cannot drift apart. A character the model has never seen maps to UNK:
it is kept in the text the user sees, only the model reads it as "some character".
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

import numpy as np

UNK, BOS, EOS = 0, 1, 2
SPECIALS = ("<unk>", "<bos>", "<eos>")


class Vocab:
    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = list(chars)
        self.index = {c: i + len(SPECIALS) for i, c in enumerate(self.chars)}
        if len(self.index) != len(self.chars):
            raise ValueError("vocabulary has repeated characters")

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> "Vocab":
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text)
        chosen = [c for c, n in counts.items() if n >= min_count]
        return cls(sorted(chosen))

    def __len__(self) -> int:
        return len(self.chars) + len(SPECIALS)

    def __contains__(self, char: str) -> bool:
        return char in self.index

    def id(self, char: str) -> int:
        return self.index.get(char, UNK)

    def encode(self, text: str) -> list[int]:
        get = self.index.get
        return [get(c, UNK) for c in text]

    def encode_array(self, text: str) -> np.ndarray:
        """``encode`` for long texts (a training corpus of 100 M characters): a table
        lookup over the code points instead of a Python list of ints."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        if not hasattr(self, "_table"):
            top = max((ord(c) for c in self.chars), default=0) + 1
            self._table = np.full(top, UNK, dtype=np.int32)
            for char, token in self.index.items():
                self._table[ord(char)] = token
        inside = points < len(self._table)
        return np.where(inside, self._table[np.where(inside, points, 0)], UNK).astype(np.int32)

    def char(self, token: int) -> str:
        if token < len(SPECIALS):
            return ""
        return self.chars[token - len(SPECIALS)]

    def extended(self, texts: Iterable[str], min_count: int = 1) -> "Vocab":
        """This vocabulary plus new characters; old ids keep their meaning."""
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text)
        new = sorted(c for c, n in counts.items() if n >= min_count and c not in self.index)
        return Vocab(self.chars + new)

    def to_card(self) -> dict:
        return {"specials": list(SPECIALS), "chars": "".join(self.chars)}

    @classmethod
    def from_card(cls, entry: dict) -> "Vocab":
        return cls(entry["chars"])
