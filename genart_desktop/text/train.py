"""Training and fine-tuning the character models (``genart train-text``).

One loop for every case: the shipped corpora (``--corpus tang|english``) and the user's
files, from scratch or from a base model whose vocabulary is extended with the new
characters. The learning rate follows the wall-clock budget (warm-up, then cosine), so
"--minutes 40" means forty minutes whatever the machine. Every ``checkpoint_every_s`` the
weights, the optimizer moments, the step count, the batch generator and the held-out
curve are saved next to the output (``.NAME.resume/``); running the same command again
resumes from there.

The shipped models train in several sittings instead (``--lr-half-life``, ``--state``):
the learning rate follows the step count, ``--minutes`` is one sitting, and the state
(a few tens of MB, see ``core/training_state.py``) is kept in a folder that is committed,
so the next sitting, on any machine, goes on where this one stopped.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import (find_model, load_checkpoint, save_checkpoint,
                                             write_json_atomic)
from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job, interrupt_ends_sitting
from genart_desktop.core.training_state import load_training_state, save_training_state
from genart_desktop.text import corpora
from genart_desktop.text.kneser_ney import baseline_metrics
from genart_desktop.text.model import CharTransformer, ModelConfig
from genart_desktop.text.vocab import BOS, EOS, UNK, Vocab

KIND = "text-lm"
SHIPPED_ALIASES = {"tang": "tang-poems", "english": "english-verse"}


@dataclass
class TrainParams:
    output: str                       # a name (saved among the user's models) or a path stem
    source: str | None = None         # FILE or FOLDER of the user's texts
    corpus: str | None = None         # or a shipped corpus: "tang", "tang-song", "english"
    base: str | None = None           # fine-tune this model ("tang", "english" or a name)
    minutes: float = 10.0
    layers: int = 4
    width: int = 192
    heads: int = 6
    context: int = 128
    dropout: float = 0.0
    batch: int = 16
    lr: float = 2e-3
    min_count: int = 3                # rarer characters become UNK (shipped corpora only)
    seed: int = 0
    threads: int | None = None
    checkpoint_every_s: float = 120.0
    sample_every_s: float = 60.0
    max_steps: int | None = None      # for tests: stop after this many steps
    precision: str = "fp32"           # or "bf16": autocast on the CPU (AMX), about 1.5x here
    # Long runs in several sittings: a step-based learning rate (warm-up, then halving every
    # ``lr_half_life`` steps down to a tenth), ``minutes`` is one sitting, and the resumable
    # state lives in ``state_dir`` (committed, say) and is kept when the sitting ends.
    lr_half_life: int | None = None
    state_dir: str | None = None
    curve_every_s: float = 300.0      # held-out bits/char on a sample, into the card's curve
    command: str = field(default_factory=lambda: " ".join(shlex.quote(a) for a in sys.argv))


def output_stem(output: str) -> Path:
    if "/" in output or os.sep in output:
        return Path(output).expanduser().with_suffix("") if output.endswith(".json") else Path(output).expanduser()
    if not output or output.startswith("."):
        raise UserError(f"{output!r} is not a usable model name")
    return paths.user_models_dir() / output


# --- data ------------------------------------------------------------------------------

class TokenStream:
    """Documents as one id array: BOS doc EOS BOS doc EOS ...

    Windows start at a document start, at a line start whose preceding newline is read
    as BOS (``bos_at_lines``, for verse streams without poem boundaries), or anywhere.
    """

    def __init__(self, documents: list[str], vocab: Vocab, bos_at_lines: bool) -> None:
        pieces: list[np.ndarray] = []
        for doc in documents:
            pieces.extend((np.array([BOS], dtype=np.int32), vocab.encode_array(doc),
                           np.array([EOS], dtype=np.int32)))
        self.ids = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        if len(vocab) < 2 ** 15:  # a 100 M character corpus: 200 MB, not 800
            self.ids = self.ids.astype(np.int16)
        newline = vocab.id("\n")
        self.starts = np.flatnonzero(self.ids == BOS)
        if bos_at_lines and newline != UNK:
            self.starts = np.flatnonzero((self.ids == BOS) | (self.ids == newline))

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, rng: np.random.Generator, size: int, context: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Half the windows (the even rows) start at a document or line start, read as
        BOS; the others anywhere."""
        limit = len(self.ids) - context - 1
        if limit <= 0:
            raise UserError("too little text to train on (shorter than one context window)")
        anchored = self.starts[: np.searchsorted(self.starts, limit)]
        starts = np.empty(size, dtype=np.int64)
        for index in range(size):
            if index % 2 == 0 and len(anchored):
                starts[index] = anchored[int(rng.integers(0, len(anchored)))]
            else:
                starts[index] = int(rng.integers(0, limit))
        block = self.ids[starts[:, None] + np.arange(context + 1)].astype(np.int64)
        if len(anchored):
            block[0::2, 0] = BOS
        block = torch.from_numpy(block)
        return block[:, :-1], block[:, 1:]

    def sample(self, chars_per_document: int, limit: int = 100_000) -> "TokenStream":
        """The first ``chars_per_document`` ids of each document, at most ``limit`` in
        all: a held-out figure quick enough to measure every few minutes."""
        copy = TokenStream.__new__(TokenStream)
        bounds = list(np.flatnonzero(self.ids == BOS)) + [len(self.ids)]
        copy.ids = np.concatenate([self.ids[a: min(b, a + chars_per_document)]
                                   for a, b in zip(bounds, bounds[1:])] or [self.ids[:0]])[:limit]
        copy.starts = np.flatnonzero(copy.ids == BOS)
        return copy


@torch.no_grad()
def evaluate_bpc(model: CharTransformer, stream: TokenStream, max_tokens: int | None = None,
                 batch: int = 16, job: Job | None = None) -> float:
    """Bits per character over a held-out stream: sliding windows with half-context
    overlap so each scored character sees at least half a context. BOS/EOS targets are
    not scored; out-of-vocabulary characters are scored as UNK. ``job`` is checked for
    cancel between batches (a big held-out text takes minutes)."""
    context = model.config.context
    ids = stream.ids if max_tokens is None else stream.ids[:max_tokens]
    if len(ids) < 2:
        return float("nan")
    was_training = model.training  # an engine's model is lent: hand it back as it came
    model.eval()
    device = next(model.parameters()).device
    half = context // 2
    windows, first_scored = [], []
    start = 0
    while True:
        chunk = ids[start: start + context + 1]
        windows.append(chunk)
        first_scored.append(0 if start == 0 else half)
        if start + context + 1 >= len(ids):
            break
        start += half
    total_nats, total_chars = 0.0, 0
    for i in range(0, len(windows), batch):
        if job is not None:
            job.check()
        group = windows[i: i + batch]
        width = max(len(w) for w in group)
        block = np.full((len(group), width), -1, dtype=np.int64)
        for row, w in enumerate(group):
            block[row, : len(w)] = w
        block = torch.from_numpy(block).to(device)
        inputs, targets = block[:, :-1].clamp(min=0), block[:, 1:].clone()
        for row, skip in enumerate(first_scored[i: i + batch]):
            targets[row, :skip] = -1
        targets[(targets == BOS) | (targets == EOS)] = -1
        with torch.no_grad():
            logits = model(inputs)
        nats = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                               ignore_index=-1, reduction="sum")
        total_nats += float(nats)
        total_chars += int((targets >= 0).sum())
    model.train(was_training)
    return total_nats / max(total_chars, 1) / math.log(2)


# --- the loop --------------------------------------------------------------------------

def load_corpus(params: TrainParams) -> corpora.Corpus:
    if params.corpus:
        if params.corpus in ("tang", "tang-song"):
            return corpora.tang_corpus(with_song=params.corpus == "tang-song")
        if params.corpus == "english":
            return corpora.english_corpus()
        raise UserError(f"unknown corpus {params.corpus!r} (tang, tang-song or english)")
    if not params.source:
        raise UserError("give a FILE or FOLDER of texts, or --corpus tang|english")
    return corpora.user_corpus(params.source)


def load_lm(name: str, device="cpu") -> tuple[CharTransformer, Vocab, dict]:
    """A text model by name ("tang", "english", a user model) or path, ready to run."""
    info = find_model(SHIPPED_ALIASES.get(name, name), kind_prefix=KIND)
    tensors, card = load_checkpoint(info, device)
    config = ModelConfig.from_card(card["architecture"])
    model = CharTransformer(config)
    model.load_state_dict(tensors)
    model.to(device).eval()
    return model, Vocab.from_card(card["vocab"]), card


def train(params: TrainParams, job: Job) -> Path:
    """Train or fine-tune; returns the card path. Samples go to ``job.partial(str)``."""
    if params.threads:
        torch.set_num_threads(params.threads)
    stem = output_stem(params.output)
    stem.parent.mkdir(parents=True, exist_ok=True)
    resume_dir = Path(params.state_dir) if params.state_dir else stem.parent / f".{stem.name}.resume"
    corpus = load_corpus(params)
    job.progress(0.0, f"{corpus.train_chars:,} training characters")

    base_card = None
    state_card = _read_state_card(resume_dir)
    if state_card is not None:
        model = CharTransformer(ModelConfig.from_card(state_card["architecture"]))
        vocab = Vocab.from_card(state_card["vocab"])
        base_card = state_card.get("base_card")
        _convert_to_script(corpus, (base_card or {}).get("script"))  # as the first sitting
    elif params.base:
        model, vocab, base_card = load_lm(params.base)
        _convert_to_script(corpus, base_card.get("script"))
        vocab = vocab.extended(corpus.train)
        model.resize_vocab(len(vocab))
    else:
        min_count = params.min_count if params.corpus else 1
        vocab = Vocab.build(corpus.train, min_count=min_count)
        config = ModelConfig(len(vocab), params.context, params.layers, params.width,
                             params.heads, params.dropout)
        torch.manual_seed(params.seed)
        model = CharTransformer(config)
    model.train()
    config = model.config
    bos_at_lines = params.corpus == "english"
    train_stream = TokenStream(corpus.train, vocab, bos_at_lines)
    held_stream = TokenStream(corpus.held_out, vocab, bos_at_lines)
    curve_stream = held_stream.sample(25_000)
    if len(train_stream) <= config.context + 1:  # short user texts: shrink the window
        raise UserError(f"{params.source}: too little text ({corpus.train_chars} characters) "
                        f"for a {config.context}-character context; give at least "
                        f"{config.context * 2} characters")

    optimizer = torch.optim.AdamW(model.parameters(), lr=params.lr, betas=(0.9, 0.98),
                                  weight_decay=0.05)
    step, elapsed_before, curve, tokens_seen = 0, 0.0, [], 0
    rng = np.random.default_rng(params.seed)
    if state_card is not None:
        step, elapsed_before, curve, _ = load_training_state(
            resume_dir / "state.safetensors", model, optimizer, {"batches": rng})
        tokens_seen = state_card["progress"].get("tokens_seen", step * params.batch * config.context)
        job.progress(0.0, f"resuming at step {step}")
    sittings = (state_card or {}).get("sittings", []) + [{"started_at_step": step}]
    budget = params.minutes * 60.0
    # One budget for a run (cosine over it; a resumed run continues it), or one per sitting.
    sitting_mode = params.lr_half_life is not None
    started = time.monotonic()
    last_checkpoint = last_sample = last_curve = started
    warmup = 100 if params.base is None else 20
    losses: list[float] = []
    autocast = (torch.autocast("cpu", dtype=torch.bfloat16) if params.precision == "bf16"
                else contextlib.nullcontext())

    def learning_rate(elapsed: float) -> float:
        ramp = min(1.0, (step + 1) / warmup)
        if sitting_mode:
            return params.lr * ramp * max(0.1, 0.5 ** (step / params.lr_half_life))
        fraction = min(elapsed / budget, 1.0)
        return params.lr * ramp * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * fraction)))

    def checkpoint(now: float) -> None:
        state = {"name": resume_dir.name, "kind": "text-lm-resume",
                 "architecture": config.to_card(), "vocab": vocab.to_card(),
                 "base_card": base_card, "sittings": sittings,
                 "progress": {"step": step, "elapsed_s": round(elapsed_before + now - started, 1),
                              "tokens_seen": tokens_seen}}
        save_training_state(resume_dir / "state.safetensors", model, optimizer, step,
                            elapsed_before + now - started, {"batches": rng}, curve,
                            moments_dtype=torch.bfloat16)  # committed: 40 MB, not 60
        # The card last: its new inode tells a watcher the checkpoint is complete.
        write_json_atomic(resume_dir / "state.json", state)

    def measure_curve(now: float) -> None:
        recent = losses[-100:]
        curve.append({"step": step, "tokens": tokens_seen,
                      "elapsed_s": round(elapsed_before + now - started),
                      "train_bpc": round(sum(recent) / max(len(recent), 1), 4),
                      "held_out_sample_bpc": round(evaluate_bpc(model, curve_stream, job=job), 4)})
        job.progress(min((now - started) / budget, 1.0),
                     f"step {step}: held-out sample {curve[-1]['held_out_sample_bpc']:.3f} bits/char")

    with interrupt_ends_sitting() as stop:  # Ctrl-C in a terminal ends the sitting
        while True:
            now = time.monotonic()
            spent = now - started if sitting_mode else elapsed_before + now - started
            if spent >= budget or stop.is_set() or \
                    (params.max_steps is not None and step >= params.max_steps):
                break
            job.check()
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(spent)
            inputs, targets = train_stream.batch(rng, params.batch, config.context)
            with autocast:
                logits = model(inputs)
            loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            tokens_seen += inputs.numel()
            losses.append(loss.item() / math.log(2))
            now = time.monotonic()
            if step % 10 == 0:
                recent = sum(losses[-50:]) / len(losses[-50:])
                job.progress(min(spent / budget, 1.0), f"step {step}, training {recent:.3f} bits/char")
            if now - last_sample >= params.sample_every_s:
                last_sample = now
                job.partial(sample_text(model, vocab, 80, seed=step))
            if now - last_curve >= params.curve_every_s:
                last_curve = now
                measure_curve(now)
            if now - last_checkpoint >= params.checkpoint_every_s:
                last_checkpoint = now
                checkpoint(now)
    now = time.monotonic()
    wall = elapsed_before + now - started
    sittings[-1].update({"steps": step - sittings[-1]["started_at_step"],
                         "seconds": round(now - started, 1)})
    job.progress(0.99, "measuring held-out bits per character")
    bpc = evaluate_bpc(model, held_stream, job=job)
    job.check()
    job.progress(0.995, "measuring the 3-gram baseline on the same held-out text")
    baseline = baseline_metrics(train_stream.ids, held_stream.ids, len(vocab))
    if sitting_mode:
        if not curve or curve[-1]["step"] != step:
            measure_curve(now)
        checkpoint(now)  # kept: the next sitting resumes from it
    sitting_seconds = now - started
    card = {
        "name": stem.name,
        "kind": KIND,
        "license": base_card.get("license", "MIT") if base_card else (
            "MIT" if params.corpus else "same as your texts"),
        "credit": _credit(corpus, base_card),
        "architecture": config.to_card() | {"parameters": model.parameter_count()},
        "vocab": vocab.to_card(),
        "language": _language(corpus, base_card),
        "script": "traditional" if params.corpus in ("tang", "tang-song") else (
            base_card.get("script") if base_card else None),
        "data": corpus.description | {"train_chars": corpus.train_chars,
                                      "held_out_chars": sum(len(t) for t in corpus.held_out)},
        "training": {
            "command": params.command,
            "params": {k: v for k, v in asdict(params).items() if k != "command"},
            "base": base_card.get("name") if base_card else None,
            "wall_time_s": round(wall, 1), "steps": step,
            "tokens_seen": tokens_seen,
            "tokens_per_s_this_sitting": round(
                (step - sittings[-1]["started_at_step"]) * params.batch * config.context
                / max(sitting_seconds, 1e-9)),
            "sittings": sittings,
            "hardware": f"{platform.machine()} CPU, {torch.get_num_threads()} thread(s), "
                        f"{os.cpu_count()} cores",
            "precision": params.precision,
            "final_training_bpc": round(sum(losses[-50:]) / max(len(losses[-50:]), 1), 4),
            "curve": curve,
        },
        "metrics": {"held_out_bpc": round(bpc, 4),
                    "held_out_note": "bits per character over held-out text (newlines count, "
                                     "BOS/EOS do not; out-of-vocabulary characters scored as UNK)",
                    **baseline},
    }
    if card["language"] == "en":  # the words the English decoder may use (see english.py)
        from genart_desktop.text.english import corpus_words, line_end_words

        for key, found in (("words", corpus_words), ("line_end_words", line_end_words)):
            if base_card is not None and key not in base_card:
                continue  # the base model used all words: so does the fine-tuned one
            words = set(found(corpus.train)) | set((base_card or {}).get(key, "").split())
            card[key] = " ".join(sorted(words))
    model.eval()
    card_path = save_checkpoint(stem, dict(model.state_dict()), card)
    if not sitting_mode:
        _remove_resume(resume_dir)
    job.progress(1.0, f"done: held-out {bpc:.3f} bits/char, saved {card_path}")
    return card_path


def _convert_to_script(corpus: corpora.Corpus, script: str | None) -> None:
    """A simplified text fine-tunes a traditional model as traditional (and vice versa)."""
    if script:
        from genart_desktop.text.chinese import convert_script

        corpus.train = [convert_script(d, script) for d in corpus.train]
        corpus.held_out = [convert_script(d, script) for d in corpus.held_out]


def _language(corpus: corpora.Corpus, base_card: dict | None) -> str:
    if base_card:
        return base_card.get("language", "en")
    if corpus.name in ("tang", "tang-song"):
        return "zh"
    if corpus.name == "english":
        return "en"
    return "zh" if corpora.chinese_share("".join(corpus.train[:50])) > 0.5 else "en"


def _credit(corpus: corpora.Corpus, base_card: dict | None) -> str:
    data = corpus.description.get("attribution") or corpus.description.get("source", "")
    if base_card:
        return f"fine-tuned from {base_card.get('name')} ({base_card.get('credit', '')}) on {data}"
    return f"GenArt Desktop character model trained on {data}"


# --- resumable state -------------------------------------------------------------------

def _read_state_card(folder: Path) -> dict | None:
    """The resumable state's card (architecture, vocabulary, progress), or None."""
    card, weights = folder / "state.json", folder / "state.safetensors"
    if not (card.exists() and weights.exists()):
        return None
    return json.loads(card.read_text("utf-8"))


def _remove_resume(folder: Path) -> None:
    for file in folder.glob("*"):
        file.unlink()
    if folder.exists():
        folder.rmdir()


@torch.no_grad()
def sample_text(model: CharTransformer, vocab: Vocab, length: int, seed: int = 0,
                temperature: float = 0.8) -> str:
    """An unconstrained sample from BOS, shown while training."""
    was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    caches = model.new_caches()
    token, out = BOS, []
    for position in range(min(length, model.config.context)):
        logits = model(torch.tensor([[token]]), caches, start=position)[0, -1]
        logits[BOS] = logits[UNK] = -float("inf")
        token = int(torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator))
        if token == EOS:
            break
        out.append(vocab.char(token))
    model.train(was_training)
    return "".join(out)


def write_card_metrics(card_path: Path, extra: dict) -> None:
    """Add measured figures (the baseline) to a card without touching the weights."""
    card = json.loads(card_path.read_text("utf-8"))
    card.setdefault("metrics", {}).update(extra)
    write_json_atomic(card_path, card)
