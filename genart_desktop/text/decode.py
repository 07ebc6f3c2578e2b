"""Sampling one character at a time from a model, under a mask of allowed characters.

Forms are guaranteed here by construction: the caller passes, at every step, the set
of characters the form allows, and every other logit is set to minus infinity before
temperature, top-k and top-p are applied. A character outside the mask can never be
drawn, so no poem has to be filtered or retried.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from genart_desktop.text.model import CharTransformer
from genart_desktop.text.vocab import BOS, Vocab


@dataclass
class Sampling:
    temperature: float = 0.8
    top_k: int = 0          # 0: off
    top_p: float = 0.95     # 1.0: off
    seed: int | None = None


class LMState:
    """The model's running state for one text: a key-value cache and the ids fed so far.

    ``feed(ids)`` returns the logits for the next character. Past ``context`` positions
    the cache is rebuilt from the most recent half-context (positions are absolute).
    """

    def __init__(self, model: CharTransformer, vocab: Vocab) -> None:
        self.model = model
        self.vocab = vocab
        self.device = next(model.parameters()).device
        self.ids: list[int] = []
        self.caches = model.new_caches()
        self.logits: torch.Tensor | None = None

    @torch.inference_mode()
    def feed(self, ids: list[int]) -> torch.Tensor:
        context = self.model.config.context
        if not ids:
            return self.logits
        self.ids.extend(ids)
        cached = 0 if self.caches[0][0] is None else self.caches[0][0].shape[2]
        if cached + len(ids) > context or (cached == 0 and len(ids) > 1):
            # (Re)encode the most recent window in one pass, then continue incrementally.
            window = self.ids[-(context // 2 if len(self.ids) > context else context):]
            self.caches = self.model.new_caches()
            tensor = torch.tensor([window], device=self.device)
            self.logits = self.model(tensor, self.caches, start=0)[0, -1].float()
            return self.logits
        for index, token in enumerate(ids):
            start = self.caches[0][0].shape[2] if self.caches[0][0] is not None else 0
            last = index == len(ids) - 1
            out = self.model.step(token, self.caches, start, project=last)
            if last:
                self.logits = out.float()
        return self.logits

    def start(self, text: str = "") -> torch.Tensor:
        return self.feed([BOS] + self.vocab.encode(text))


@contextmanager
def one_thread(device):
    """Batch-1 decoding on a CPU: one thread. Tiny matrix products gain nothing from
    more, and on a busy machine waiting for a second thread made each step 30x slower."""
    if getattr(device, "type", str(device)) != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


TOP_P_POOL = 256


class Sampler:
    def __init__(self, sampling: Sampling) -> None:
        self.sampling = sampling
        self.generator = torch.Generator()
        if sampling.seed is not None:
            self.generator.manual_seed(int(sampling.seed))
        else:
            self.generator.seed()

    def draw(self, logits: torch.Tensor, allowed: torch.Tensor,
             penalties: dict[int, float] | None = None) -> int:
        """One id among ``allowed`` (a bool mask over the vocabulary, at least one True).
        ``penalties`` maps ids to a number of nats subtracted from their logits."""
        scores = logits.clone().cpu()
        if penalties:
            for token, amount in penalties.items():
                scores[token] -= amount
        scores = scores.masked_fill(~allowed, -math.inf)
        candidates = int(allowed.sum())
        if candidates == 0:
            raise RuntimeError("constrained decoding reached a state with no allowed character")
        if candidates == 1:
            return int(allowed.nonzero()[0])
        temperature = self.sampling.temperature
        if temperature <= 0:
            return int(torch.argmax(scores))
        scores = scores / temperature
        if self.sampling.top_k and self.sampling.top_k < candidates:
            threshold = torch.topk(scores, self.sampling.top_k).values[-1]
            scores = scores.masked_fill(scores < threshold, -math.inf)
        probs = torch.softmax(scores, dim=-1)
        if 0 < self.sampling.top_p < 1:
            # Nucleus sampling within the TOP_P_POOL likeliest characters: a full sort of
            # a 6,000-character vocabulary per step costs more than the network itself.
            values, order = torch.topk(probs, min(candidates, TOP_P_POOL))
            keep = torch.cumsum(values, 0) - values <= self.sampling.top_p
            choice = torch.multinomial(values * keep, 1, generator=self.generator)
            return int(order[choice])
        return int(torch.multinomial(probs, 1, generator=self.generator))


def repeat_line_penalties(line_so_far: str, previous_lines: list[str], vocab: Vocab,
                          strength: float) -> dict[int, float]:
    """Nats to subtract from characters that would keep copying an earlier line."""
    if strength <= 1.0:
        return {}
    amount = math.log(strength) * 3.0
    penalties: dict[int, float] = {}
    n = len(line_so_far)
    for line in previous_lines:
        if len(line) > n and line.startswith(line_so_far):
            token = vocab.id(line[n])
            penalties[token] = penalties.get(token, 0.0) + amount
    return penalties
