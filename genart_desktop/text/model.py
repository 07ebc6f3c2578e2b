"""A small character-level Transformer with a key-value cache (nanoGPT-sized, pre-norm).

Generation feeds one character at a time and keeps each layer's keys and values, so a
step costs one row of attention instead of a pass over the whole context.
Positions are learned and absolute; when a text grows past ``context``, the sampler
re-encodes the most recent half-context (see ``decode.LMState``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class ModelConfig:
    vocab_size: int
    context: int = 128
    layers: int = 4
    width: int = 192
    heads: int = 6
    dropout: float = 0.1

    def to_card(self) -> dict:
        return {"type": "char-transformer", **asdict(self)}

    @classmethod
    def from_card(cls, architecture: dict) -> "ModelConfig":
        fields = {k: v for k, v in architecture.items() if k in cls.__dataclass_fields__}
        return cls(**fields)


class SelfAttention(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.width, 3 * config.width)
        self.out = nn.Linear(config.width, config.width)
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor, cache: list | None = None) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)
        shape = (batch, length, self.heads, width // self.heads)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
        # With a cache and one new query, every cached key is in the past: no mask needed.
        causal = length > 1
        if causal and k.shape[2] != length:
            raise ValueError("a multi-character step needs an empty cache")
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=causal, dropout_p=self.dropout if self.training else 0.0
        )
        return self.out(y.transpose(1, 2).reshape(batch, length, width))


class Block(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(config.width)
        self.attn = SelfAttention(config)
        self.norm2 = nn.LayerNorm(config.width)
        self.mlp = nn.Sequential(
            nn.Linear(config.width, 4 * config.width), nn.GELU(),
            nn.Linear(4 * config.width, config.width), nn.Dropout(config.dropout),
        )

    def forward(self, x: torch.Tensor, cache: list | None = None) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), cache)
        return x + self.mlp(self.norm2(x))


class CharTransformer(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.width)
        self.position = nn.Embedding(config.context, config.width)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.width)
        self.apply(self._init)
        for name, parameter in self.named_parameters():
            if name.endswith("out.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(parameter, std=0.02 / math.sqrt(2 * config.layers))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, ids: torch.Tensor, caches: list | None = None, start: int = 0,
                project: bool = True) -> torch.Tensor | None:
        """Logits for every position; ``caches`` (one [k, v] per layer) makes it incremental,
        ``start`` is the position of ``ids[:, 0]``. ``project=False`` only fills the caches
        (for characters the form writes, whose next-character logits nobody reads)."""
        length = ids.shape[1]
        positions = torch.arange(start, start + length, device=ids.device)
        x = self.drop(self.embed(ids) + self.position(positions))
        for index, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[index])
        if not project:
            return None
        # Output weights are tied to the input embedding: fewer parameters, a faster start.
        return F.linear(self.norm(x), self.embed.weight)

    def step(self, token: int, caches: list, position: int, project: bool = True):
        """``forward`` for one character with a cache, written out with functional calls:
        at batch 1 the module machinery costs as much as the arithmetic. Same numbers as
        ``forward`` (tests/text/test_model.py checks it)."""
        width, heads = self.config.width, self.config.heads
        x = (self.embed.weight[token] + self.position.weight[position]).view(1, 1, width)
        for block, cache in zip(self.blocks, caches):
            h = F.layer_norm(x, (width,), block.norm1.weight, block.norm1.bias, block.norm1.eps)
            q, k, v = F.linear(h, block.attn.qkv.weight, block.attn.qkv.bias).split(width, dim=2)
            q, k, v = (t.view(1, 1, heads, width // heads).transpose(1, 2) for t in (q, k, v))
            if cache[0] is not None:
                k = torch.cat([cache[0], k], dim=2)
                v = torch.cat([cache[1], v], dim=2)
            cache[0], cache[1] = k, v
            y = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(1, 1, width)
            x = x + F.linear(y, block.attn.out.weight, block.attn.out.bias)
            h = F.layer_norm(x, (width,), block.norm2.weight, block.norm2.bias, block.norm2.eps)
            first, second = block.mlp[0], block.mlp[2]
            x = x + F.linear(F.gelu(F.linear(h, first.weight, first.bias)), second.weight, second.bias)
        if not project:
            return None
        x = F.layer_norm(x, (width,), self.norm.weight, self.norm.bias, self.norm.eps)
        return F.linear(x, self.embed.weight)[0, -1]

    def new_caches(self) -> list:
        return [[None, None] for _ in self.blocks]

    def resize_vocab(self, new_size: int) -> None:
        """Grow the embedding for characters added by fine-tuning; old rows are kept."""
        old = self.embed.weight.data
        if new_size <= old.shape[0]:
            return
        grown = nn.Embedding(new_size, old.shape[1]).to(old.device)
        nn.init.normal_(grown.weight, std=0.02)
        grown.weight.data[: old.shape[0]] = old
        self.embed = grown
        self.config.vocab_size = new_size
