"""The chorale network: an orderless masked convolutional net in the spirit of Coconet
(Huang et al., 2017).

A chorale is a grid of four voices x T sixteenth-note frames; each cell holds one pitch
of the model's pitch axis or a rest. The net sees the cells that are known (one-hot
pitch planes with unknown cells zeroed) plus a plane per voice saying which cells are
unknown, and predicts, for every cell, a distribution over pitch-or-rest. Trained with
random masks, it gives p(cell | any subset of other cells), which the Gibbs sampler uses
for generate, continue, harmonize and regenerate alike.

With ``key_conditioning`` the net also sees two key planes along the pitch axis (which
pitches are in the key's scale, which are its tonic; ``music/keys.py``), the same in every
frame, so every cell is predicted knowing the key rather than guessing it from context.

Tensors: rolls are int64 [B, 4, T] of *pitch indices* (0..num_pitches-1 for pitches,
``rest_index`` = num_pitches for a rest); masks are float [B, 4, T], 1 = unknown; key
planes are float [B, 2, classes] (zeros: no key given).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

VOICES = 4


@dataclass
class NetConfig:
    min_pitch: int = 33        # MIDI pitch of index 0 on the pitch axis
    num_pitches: int = 54      # pitch axis covers min_pitch .. min_pitch + num_pitches - 1
    layers: int = 12           # convolutions, counting the first and the last
    channels: int = 48
    dilations: tuple[int, ...] = (1, 2, 4)  # along time, cycled over the hidden layers
    key_conditioning: bool = False             # two key planes as extra input channels

    @property
    def rest_index(self) -> int:
        return self.num_pitches

    @property
    def classes(self) -> int:
        return self.num_pitches + 1

    def to_card(self) -> dict:
        card = asdict(self)
        card["dilations"] = list(self.dilations)
        return card

    @classmethod
    def from_card(cls, card: dict) -> "NetConfig":
        card = dict(card)
        card["dilations"] = tuple(card.get("dilations", (1,)))
        known = {k: v for k, v in card.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_indices(self, midi_roll):
        """MIDI pitches (REST = -1) -> pitch indices; pitches must be on the axis."""
        import numpy as np

        midi_roll = np.asarray(midi_roll)
        return np.where(midi_roll < 0, self.rest_index, midi_roll - self.min_pitch).astype(np.int64)

    def to_midi(self, indices):
        import numpy as np

        indices = np.asarray(indices)
        return np.where(indices == self.rest_index, -1, indices + self.min_pitch).astype(np.int16)

    def receptive_frames(self) -> int:
        """How many frames to each side can influence a cell's prediction."""
        hidden = self.layers - 2
        return 2 + sum(self.dilations[i % len(self.dilations)] for i in range(hidden))


class ChoraleNet(nn.Module):
    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        width = config.channels
        self.inp = nn.Conv2d(self.input_planes(config), width, 3, padding=1)
        self.inp_norm = nn.BatchNorm2d(width)
        self.hidden = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i in range(config.layers - 2):
            d = config.dilations[i % len(config.dilations)]
            self.hidden.append(nn.Conv2d(width, width, 3, padding=(d, 1), dilation=(d, 1)))
            self.norms.append(nn.BatchNorm2d(width))
        self.out = nn.Conv2d(width, VOICES, 3, padding=1)

    @staticmethod
    def input_planes(config: NetConfig) -> int:
        from genart_desktop.music.keys import KEY_PLANES

        return 2 * VOICES + (KEY_PLANES if config.key_conditioning else 0)

    def forward(self, roll: torch.Tensor, mask: torch.Tensor,
                key: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [B, 4, T, classes] for every cell, given the roll's known cells (and,
        for a key-conditioned net, the key planes [B, 2, classes]; None = no key)."""
        onehot = F.one_hot(roll, self.config.classes).float()        # B,4,T,C
        known = onehot * (1.0 - mask).unsqueeze(-1)
        stacked = [known, mask.unsqueeze(-1).expand_as(onehot)]
        if self.config.key_conditioning:
            batch, _, frames, classes = onehot.shape
            if key is None:
                key = onehot.new_zeros(batch, 2, classes)
            stacked.append(key.to(onehot.dtype).unsqueeze(2).expand(-1, -1, frames, -1))
        planes = torch.cat(stacked, dim=1)                           # B,8(+2),T,C
        h = F.relu(self.inp_norm(self.inp(planes)))
        for i, (conv, norm) in enumerate(zip(self.hidden, self.norms)):
            update = norm(conv(h))
            # A residual connection around every second layer, as in Coconet.
            h = F.relu(h + update) if i % 2 == 1 else F.relu(update)
        return self.out(h)


def masked_loss(logits: torch.Tensor, roll: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the unknown cells (the orderless-NADE training signal)."""
    nll = F.cross_entropy(logits.permute(0, 3, 1, 2), roll, reduction="none")  # B,4,T
    return (nll * mask).sum() / mask.sum().clamp(min=1.0)
