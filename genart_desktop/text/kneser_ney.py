"""The baseline every model card is compared with: an interpolated Kneser-Ney
character 3-gram, trained on the same training split, scored on the same held-out text.

Symbols are the model's own vocabulary ids, so characters outside it are the single UNK
symbol for both (the model and the baseline treat unseen characters the same way); the
unigram level is interpolated with a uniform distribution over the vocabulary, so no
symbol has zero probability. Discounts per order: D = n1 / (n1 + 2 n2).

    python -m genart_desktop.text.kneser_ney tang models/tang-poems.json
"""

from __future__ import annotations

import sys

import numpy as np

from genart_desktop.text.vocab import BOS, EOS


def _discount(counts: np.ndarray) -> float:
    n1, n2 = int((counts == 1).sum()), int((counts == 2).sum())
    return n1 / (n1 + 2 * n2) if n1 + n2 else 0.75


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """values[keys == q] for each q, 0 where absent (keys sorted)."""
    index = np.searchsorted(keys, query)
    index = np.minimum(index, len(keys) - 1)
    found = keys[index] == query
    return np.where(found, values[index], 0)


class KneserNey3:
    def __init__(self, ids: np.ndarray, vocab_size: int) -> None:
        V = self.V = np.int64(vocab_size)
        ids = ids.astype(np.int64)
        a, b, c = ids[:-2], ids[1:-1], ids[2:]
        tri, tri_n = np.unique((a * V + b) * V + c, return_counts=True)
        self.tri, self.tri_n, self.d3 = tri, tri_n, _discount(tri_n)
        ab = tri // V
        self.ctx2, first = np.unique(ab, return_index=True)
        self.ctx2_total = np.add.reduceat(tri_n, first)        # c(ab.)
        self.ctx2_types = np.diff(np.append(first, len(tri)))   # N1+(ab.)
        # Continuation counts for the bigram level: N1+(.bc) = distinct a before bc.
        bc, bc_n = np.unique(tri % (V * V), return_counts=True)
        self.bc, self.bc_n, self.d2 = bc, bc_n, _discount(bc_n)
        self.ctx1, first = np.unique(bc // V, return_index=True)
        self.ctx1_total = np.add.reduceat(bc_n, first)          # N1+(.b.)
        self.ctx1_types = np.diff(np.append(first, len(bc)))    # distinct c after b
        # Unigram continuation: N1+(.c) = distinct b before c.
        self.uni = np.bincount(bc % V, minlength=vocab_size).astype(np.float64)
        self.d1 = _discount(self.uni[self.uni > 0])
        total = self.uni.sum()
        types = (self.uni > 0).sum()
        self.p1 = (np.maximum(self.uni - self.d1, 0) + self.d1 * types / vocab_size) / total

    # Everything the model is: saved so a baseline built from millions of characters is
    # built once (evaluate.py caches it), and read back without the training text.
    _ARRAYS = ("tri", "tri_n", "ctx2", "ctx2_total", "ctx2_types", "bc", "bc_n",
               "ctx1", "ctx1_total", "ctx1_types", "uni", "p1")
    _NUMBERS = ("V", "d1", "d2", "d3")

    def save(self, file) -> None:
        """To a path or an open binary file (``np.savez``)."""
        np.savez(file, **{k: getattr(self, k) for k in self._ARRAYS},
                 **{k: np.asarray(getattr(self, k)) for k in self._NUMBERS})

    @classmethod
    def load(cls, file) -> "KneserNey3":
        model = cls.__new__(cls)
        with np.load(file, allow_pickle=False) as data:
            for key in cls._ARRAYS:
                setattr(model, key, data[key])
            model.V = np.int64(data["V"])
            for key in ("d1", "d2", "d3"):
                setattr(model, key, float(data[key]))
        return model

    def probabilities(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        V = self.V
        p = self.p1[c]
        # bigram level
        total = _lookup(self.ctx1, self.ctx1_total, b).astype(np.float64)
        types = _lookup(self.ctx1, self.ctx1_types, b)
        count = _lookup(self.bc, self.bc_n, b * V + c)
        seen = total > 0
        safe = np.where(seen, total, 1)
        p = np.where(seen, np.maximum(count - self.d2, 0) / safe + self.d2 * types / safe * p, p)
        # trigram level
        ab = a * V + b
        total = _lookup(self.ctx2, self.ctx2_total, ab).astype(np.float64)
        types = _lookup(self.ctx2, self.ctx2_types, ab)
        count = _lookup(self.tri, self.tri_n, ab * V + c)
        seen = total > 0
        safe = np.where(seen, total, 1)
        return np.where(seen, np.maximum(count - self.d3, 0) / safe + self.d3 * types / safe * p, p)

    def bits_per_char(self, ids: np.ndarray) -> float:
        """Scored like the model: every target except BOS and EOS."""
        ids = np.concatenate([[BOS, BOS], ids.astype(np.int64)])
        a, b, c = ids[:-2], ids[1:-1], ids[2:]
        scored = (c != BOS) & (c != EOS)
        p = self.probabilities(a[scored], b[scored], c[scored])
        return float(-np.log2(p).mean())


def baseline_metrics(train_ids: np.ndarray, held_ids: np.ndarray, vocab_size: int) -> dict:
    """The card's baseline figures: the 3-gram built on ``train_ids``, scored on
    ``held_ids`` (both in the model's symbols), and the held-out share of unknowns."""
    bpc = KneserNey3(train_ids, vocab_size).bits_per_char(held_ids)
    return {
        "baseline_kneser_ney_3gram_bpc": round(bpc, 4),
        "baseline_note": "interpolated Kneser-Ney character 3-gram, same train/held-out split "
                         "and symbols; out-of-vocabulary characters are one UNK symbol for both "
                         "models; unigram level interpolated with uniform over the vocabulary",
        "held_out_unk_share": round(float((held_ids == 0).sum() / max(len(held_ids), 1)), 5),
    }


def baseline_for_card(corpus_name: str, card_path: str) -> dict:
    """Train the baseline on the card's corpus split and write both figures in the card
    (``train`` does this itself; this is for cards made before it did)."""
    import json
    from pathlib import Path

    from genart_desktop.text import train as training
    from genart_desktop.text.vocab import Vocab

    card = json.loads(Path(card_path).read_text("utf-8"))
    vocab = Vocab.from_card(card["vocab"])
    corpus = training.load_corpus(training.TrainParams(output="-", corpus=corpus_name))
    bos_at_lines = corpus_name == "english"
    train_ids = training.TokenStream(corpus.train, vocab, bos_at_lines).ids
    held_ids = training.TokenStream(corpus.held_out, vocab, bos_at_lines).ids
    metrics = baseline_metrics(train_ids, held_ids, len(vocab))
    training.write_card_metrics(Path(card_path), metrics)
    return metrics


if __name__ == "__main__":
    print(baseline_for_card(sys.argv[1], sys.argv[2]))
