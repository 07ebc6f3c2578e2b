"""How well a text model knows a text: bits per character under the model and under the
Kneser-Ney 3-gram baseline built from the model's own training split
(``genart evaluate-text``; the text panel can show the same figure for the user's poems).

    engine = PoetryEngine.load("english")
    score = evaluate_file(engine, Path("poems.txt"))     # or evaluate_text(engine, text)
    score.bits_per_char, score.baseline_bits_per_char

Scored exactly as a model card's held-out figures are, so the card's held-out text,
written to a file with a blank line between documents, gives the card's numbers: the
text is split into documents at blank lines (a poem each), each read as BOS text EOS;
every character is scored, newlines included, BOS/EOS and the blank lines between
documents not. A character outside the model's vocabulary is read as the one unknown
symbol <unk> by *both* models and scored as that symbol; how many there were is reported,
since a text full of them scores better than it should.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from genart_desktop.core import paths
from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.text import chinese, corpora
from genart_desktop.text.kneser_ney import KneserNey3
from genart_desktop.text.train import TokenStream, TrainParams, evaluate_bpc, load_corpus
from genart_desktop.text.vocab import BOS, EOS, UNK, Vocab

UNKNOWN_HANDLING = ("characters not in the model's vocabulary are read as its unknown symbol "
                    "<unk> and scored as that symbol, by the model and the baseline alike "
                    "(as in the model card's held-out figures)")
# Part of the cache key: change it when KneserNey3 or the corpus loaders change, so an
# old cached baseline is not read as a new one.
BASELINE_VERSION = 2  # 2: the English corpus reads every training region


@dataclass
class TextScore:
    model: str
    bits_per_char: float
    baseline_bits_per_char: float | None    # None: the training data could not be read
    characters: int                         # characters scored (newlines included)
    documents: int                          # blank-line separated texts
    unknown_characters: int                 # of ``characters``, not in the vocabulary
    unknown_examples: str                   # a few of them, for the message
    baseline: str                           # where the baseline came from, or why there is none
    encoding: str | None = None             # of the file, when read from one
    script_converted_to: str | None = None  # Chinese text converted to the model's script

    def to_json(self) -> dict:
        difference = (None if self.baseline_bits_per_char is None
                      else round(self.bits_per_char - self.baseline_bits_per_char, 4))
        return {
            "model": self.model,
            "bits_per_char": round(self.bits_per_char, 4),
            "baseline_bits_per_char": (None if self.baseline_bits_per_char is None
                                       else round(self.baseline_bits_per_char, 4)),
            "model_minus_baseline": difference,
            "characters": self.characters,
            "documents": self.documents,
            "unknown_characters": self.unknown_characters,
            "unknown_examples": self.unknown_examples,
            "unknown_handling": UNKNOWN_HANDLING,
            "baseline": self.baseline,
            "encoding": self.encoding,
            "script_converted_to": self.script_converted_to,
        }

    def summary(self) -> list[str]:
        """A few readable lines for the console or the panel."""
        lines = [f"{self.model}: {self.bits_per_char:.3f} bits per character"]
        if self.baseline_bits_per_char is None:
            lines.append(f"Kneser-Ney 3-gram baseline: not available ({self.baseline})")
        else:
            gap = self.baseline_bits_per_char - self.bits_per_char
            relation = f"{abs(gap):.3f} {'under' if gap >= 0 else 'over'} it"
            lines.append(f"Kneser-Ney 3-gram baseline from its training data: "
                         f"{self.baseline_bits_per_char:.3f} bits per character "
                         f"(the model is {relation})")
        unknown = "none" if not self.unknown_characters else (
            f"{self.unknown_characters:,} ({self.unknown_examples}), scored as <unk> by both")
        lines.append(f"{self.characters:,} characters in {self.documents:,} "
                     f"text{'s' if self.documents != 1 else ''}; not in the model's "
                     f"vocabulary: {unknown}")
        if self.script_converted_to:
            lines.append(f"(read in {self.script_converted_to} script, as the model was trained)")
        return lines


def text_documents(text: str) -> list[str]:
    """Blank-line separated documents, split as ``corpora.user_corpus`` splits poems."""
    return [d.strip("\n") for d in re.split(r"\n\s*\n", text) if d.strip()]


def evaluate_file(engine, path: Path, job: Job | None = None) -> TextScore:
    """``evaluate_text`` on a UTF-8 file (UTF-16 with BOM and GBK are read when they can be
    told); an empty, binary or wrongly encoded file is a one-line UserError."""
    text, encoding = corpora.read_text_file(Path(path), gbk=True)
    score = evaluate_text(engine, text, job, what=f"{path}: the text")
    score.encoding = encoding
    return score


def evaluate_text(engine, text: str, job: Job | None = None,
                  what: str = "the text") -> TextScore:
    """Bits per character of ``text`` under ``engine``'s model (a ``PoetryEngine``) and
    under the baseline of the model's training split. ``what`` names the text in errors."""
    job = job or Job()
    engine.check_language(text, what)  # the same refusal as ``genart write``'s prompt
    converted = None
    if engine.language == "zh" and engine.script:
        # As ``write`` and fine-tuning do: a simplified text is read in the model's script,
        # or nearly every character would be unknown to a traditional model.
        found = chinese.detect_script(text)
        if found is not None and found != engine.script:
            text, converted = chinese.convert_script(text, engine.script), engine.script
    documents = text_documents(text)
    if not documents:
        raise UserError(f"{what} has no characters to score")
    stream = TokenStream(documents, engine.vocab, bos_at_lines=False)
    scored = (stream.ids != BOS) & (stream.ids != EOS)
    unknown = sorted({c for d in documents for c in d if c not in engine.vocab})
    job.progress(0.1, "scoring the text under the model")
    bpc = evaluate_bpc(engine.model, stream, job=job)
    baseline, note = baseline_model(engine.card, engine.vocab, job)
    baseline_bpc = baseline.bits_per_char(stream.ids) if baseline is not None else None
    job.progress(1.0, "scored")
    return TextScore(
        model=engine.name, bits_per_char=bpc, baseline_bits_per_char=baseline_bpc,
        characters=int(scored.sum()), documents=len(documents),
        unknown_characters=int((stream.ids == UNK).sum()),
        unknown_examples=" ".join(repr(c) for c in unknown[:5]) + (" ..." if len(unknown) > 5 else ""),
        baseline=note, script_converted_to=converted)


# --- the baseline ----------------------------------------------------------------------

def training_documents(card: dict) -> tuple[list[str], str]:
    """The documents the model was trained on (its training split, never the held-out
    part: the baseline must not have seen what it is compared on), and their description.
    Read again the way ``train`` read them, from what the card's training params say."""
    params = (card.get("training") or {}).get("params") or {}
    corpus_name, source = params.get("corpus"), params.get("source")
    if not corpus_name and not source:
        raise UserError(f"the card of {card.get('name', '?')!r} does not say what it was trained on")
    corpus = load_corpus(TrainParams(output="-", corpus=corpus_name, source=source))
    documents = corpus.train
    if params.get("base") and card.get("script"):  # as train() converted a fine-tune's texts
        documents = [chinese.convert_script(d, card["script"]) for d in documents]
    where = f"the {corpus_name} corpus" if corpus_name else str(source)
    return documents, f"training split of {where} ({sum(map(len, documents)):,} characters)"


def build_baseline(documents: list[str], vocab: Vocab) -> KneserNey3:
    """The card's baseline: a KN 3-gram over the same symbols the model reads."""
    return KneserNey3(TokenStream(documents, vocab, bos_at_lines=False).ids, len(vocab))


def baseline_cache_path(card: dict) -> Path:
    """Keyed by the model's name and a hash of its whole card (vocabulary, training
    params, weights' hash): a retrained or renamed model gets a baseline of its own."""
    digest = hashlib.sha256(json.dumps(card, sort_keys=True, ensure_ascii=False)
                            .encode("utf-8")).hexdigest()[:16]
    name = re.sub(r"[^\w.-]", "_", str(card.get("name", "model")))
    return paths.cache_dir() / "text-baselines" / f"{name}-{digest}-v{BASELINE_VERSION}.npz"


def baseline_model(card: dict, vocab: Vocab, job: Job | None = None) -> tuple[KneserNey3 | None, str]:
    """(the baseline, a note on where it came from), or (None, why there is none): a
    missing training text should not hide the model's own figure."""
    job = job or Job()
    cache = baseline_cache_path(card)
    note_file = cache.with_suffix(".txt")
    if cache.exists():
        try:
            note = note_file.read_text("utf-8") if note_file.exists() else "training split"
            return KneserNey3.load(cache), f"{note}; cached in {cache}"
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is built again
    job.progress(0.3, "reading the model's training data for the baseline (once, then cached)")
    try:
        documents, note = training_documents(card)
    except UserError as error:
        return None, f"its training data cannot be read: {error}"
    job.progress(0.6, "building the Kneser-Ney baseline")
    baseline = build_baseline(documents, vocab)
    _save_atomic(cache, baseline, note)
    return baseline, note


def _save_atomic(cache: Path, baseline: KneserNey3, note: str) -> None:
    """Written whole or not at all, so an interrupted run leaves no half a cache; a cache
    folder that cannot be written only costs the next run the time to build it again."""
    temporary = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.with_suffix(".txt").write_text(note, "utf-8")
        with tempfile.NamedTemporaryFile(dir=cache.parent, suffix=".tmp", delete=False) as handle:
            temporary = handle.name
            baseline.save(handle)
        os.replace(temporary, cache)
    except OSError:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
