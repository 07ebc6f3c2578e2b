"""The melody VAE's network, after MusicVAE's hierarchical model (Roberts et al., 2018).

- Encoder: a bidirectional LSTM over the 16th-note tokens; its two final states give the
  posterior's mean and log-variance.
- Conductor: an LSTM that turns the latent into one embedding per bar.
- Decoder: an LSTM that writes each bar's 16 tokens from that bar's embedding, fed its
  own previous token. Because a bar's decoder starts afresh from the conductor, it cannot
  run on by itself for long, so it has to use the latent: this is how the hierarchical
  model avoids posterior collapse. In training all bars are decoded in parallel (teacher
  forcing); at inference bars follow one another, each fed the last token of the bar
  before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from genart_desktop.music.melodies import (FIRST_PITCH_TOKEN, HOLD_TOKEN, REST_TOKEN,
                                           STEPS_PER_BAR, VOCAB)


@dataclass
class MelodyConfig:
    bars: int = 4
    latent: int = 64
    embed: int = 48
    encoder: int = 256      # per direction
    conductor: int = 256
    decoder: int = 512

    @property
    def steps(self) -> int:
        return self.bars * STEPS_PER_BAR

    def to_card(self) -> dict:
        return asdict(self)

    @classmethod
    def from_card(cls, card: dict) -> "MelodyConfig":
        names = cls.__dataclass_fields__
        return cls(**{k: int(v) for k, v in card.items() if k in names})


START_TOKEN = VOCAB       # the decoder's input before the first token (embedding only)


class MelodyVAE(nn.Module):
    def __init__(self, config: MelodyConfig):
        super().__init__()
        self.config = config
        c = config
        self.embedding = nn.Embedding(VOCAB + 1, c.embed)
        self.encoder = nn.LSTM(c.embed, c.encoder, batch_first=True, bidirectional=True)
        self.to_posterior = nn.Linear(4 * c.encoder, 2 * c.latent)
        self.latent_to_conductor = nn.Linear(c.latent, 2 * c.conductor)
        self.conductor = nn.LSTM(1, c.conductor, batch_first=True)
        self.bar_to_decoder = nn.Linear(c.conductor, 2 * c.decoder)
        self.decoder = nn.LSTM(c.embed + c.conductor, c.decoder, batch_first=True)
        self.output = nn.Linear(c.decoder, VOCAB)

    # --- encoder ------------------------------------------------------------------
    def encode(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """tokens [B, steps] -> (mean, log-variance), each [B, latent]."""
        _, (hidden, cell) = self.encoder(self.embedding(tokens))
        summary = torch.cat([hidden[0], hidden[1], cell[0], cell[1]], dim=-1)
        mean, log_var = self.to_posterior(summary).float().chunk(2, dim=-1)
        return mean, log_var.clamp(-12.0, 6.0)

    # --- decoder ------------------------------------------------------------------
    def bar_embeddings(self, z: torch.Tensor, bars: int) -> torch.Tensor:
        """[B, latent] -> [B, bars, conductor]."""
        h0, c0 = torch.tanh(self.latent_to_conductor(z)).chunk(2, dim=-1)
        silence = z.new_zeros(z.shape[0], bars, 1)
        out, _ = self.conductor(silence, (h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()))
        return out

    def _decoder_state(self, bar: torch.Tensor):
        h0, c0 = torch.tanh(self.bar_to_decoder(bar)).chunk(2, dim=-1)
        return h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()

    def teacher_forced_logits(self, z: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Logits [B, steps, VOCAB] with the true previous token as each step's input."""
        batch, steps = tokens.shape
        bars = steps // STEPS_PER_BAR
        bar_vectors = self.bar_embeddings(z, bars)                       # [B, bars, C]
        previous = torch.cat([tokens.new_full((batch, 1), START_TOKEN), tokens[:, :-1]], dim=1)
        inputs = self.embedding(previous).reshape(batch * bars, STEPS_PER_BAR, -1)
        flat_bars = bar_vectors.reshape(batch * bars, -1)
        conditioned = torch.cat(
            [inputs, flat_bars.unsqueeze(1).expand(-1, STEPS_PER_BAR, -1)], dim=-1)
        out, _ = self.decoder(conditioned, self._decoder_state(flat_bars))
        return self.output(out).reshape(batch, steps, VOCAB)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, bars: int | None = None, temperature: float = 0.0,
               generator: torch.Generator | None = None, on_bar=None) -> torch.Tensor:
        """Tokens [B, bars*16]; temperature 0 is greedy. ``on_bar(index, tokens_so_far)``
        is called after each bar, so a caller can show notes as they are decoded."""
        bars = bars or self.config.bars
        batch = z.shape[0]
        bar_vectors = self.bar_embeddings(z, bars)
        # The decoder LSTM's step written out, with the parts that do not change within
        # a bar computed once: each token's input term is a table row, each bar's term is
        # one product per bar. A step is then one matrix-vector product (the nn.LSTM call
        # per step costs ten times more on a CPU).
        embed = self.config.embed
        w_ih, w_hh = self.decoder.weight_ih_l0, self.decoder.weight_hh_l0
        token_terms = self.embedding.weight @ w_ih[:, :embed].T                 # [V+1, 4H]
        previous = z.new_full((batch,), START_TOKEN, dtype=torch.long)
        sounding = torch.zeros(batch, dtype=torch.bool, device=z.device)
        written = []
        for bar in range(bars):
            vector = bar_vectors[:, bar]
            bar_term = vector @ w_ih[:, embed:].T + self.decoder.bias_ih_l0 + self.decoder.bias_hh_l0
            hidden, cell = (s[0] for s in self._decoder_state(vector))
            for _ in range(STEPS_PER_BAR):
                gates = token_terms[previous] + bar_term + hidden @ w_hh.T
                in_gate, forget_gate, candidate, out_gate = gates.chunk(4, dim=-1)
                cell = torch.sigmoid(forget_gate) * cell + torch.sigmoid(in_gate) * torch.tanh(candidate)
                hidden = torch.sigmoid(out_gate) * torch.tanh(cell)
                logits = self.output(hidden).float()
                # A hold needs a sounding note to hold.
                logits[:, HOLD_TOKEN] = logits[:, HOLD_TOKEN].masked_fill(~sounding, -1e9)
                if temperature <= 0:
                    token = logits.argmax(dim=-1)
                else:
                    probabilities = F.softmax(logits / temperature, dim=-1)
                    token = torch.multinomial(probabilities, 1, generator=generator)[:, 0]
                sounding = (token >= FIRST_PITCH_TOKEN) | (sounding & (token == HOLD_TOKEN))
                written.append(token)
                previous = token
            if on_bar is not None:
                on_bar(bar, torch.stack(written, dim=1))
        return torch.stack(written, dim=1)


def kl_per_dimension(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per example and dimension, in nats: [B, latent]."""
    return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var)


def vae_loss(net: MelodyVAE, tokens: torch.Tensor, beta: float, free_nats: float,
             autocast=None) -> tuple[torch.Tensor, dict]:
    """Reconstruction (nats per melody) + beta * max(KL - free_nats, 0), as MusicVAE's
    free bits: below ``free_nats`` of KL per melody the latent is not penalised."""
    import contextlib

    with autocast or contextlib.nullcontext():
        mean, log_var = net.encode(tokens)
        z = mean + torch.randn_like(mean) * (0.5 * log_var).exp()
        logits = net.teacher_forced_logits(z, tokens)
    reconstruction = F.cross_entropy(logits.float().reshape(-1, VOCAB), tokens.reshape(-1),
                                     reduction="sum") / tokens.shape[0]
    kl = kl_per_dimension(mean, log_var).sum(dim=-1).mean()
    loss = reconstruction + beta * torch.clamp(kl - free_nats, min=0.0)
    accuracy = (logits.argmax(dim=-1) == tokens).float().mean()
    return loss, {"reconstruction": reconstruction.item(), "kl": kl.item(),
                  "teacher_forced_accuracy": accuracy.item()}


__all__ = ["MelodyConfig", "MelodyVAE", "START_TOKEN", "kl_per_dimension", "vae_loss",
           "REST_TOKEN"]
