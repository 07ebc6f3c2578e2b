"""Annealed blocked Gibbs sampling (Coconet; Yao et al., 2014) over the chorale grid.

The caller says which cells of a [4, T] roll may change. Step 1 masks all of them and
samples each from the model's conditional; later steps re-sample a random block of them
given everything else, the block shrinking linearly from all cells to a few percent.
The net only ever sees the frames around the cells that change (its receptive field),
so regenerating a bar of a long piece costs what a bar costs.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from genart_desktop.core.jobs import Job
from genart_desktop.music.model import VOICE_SPANS, ChoraleModel

BLOCK_MAX, BLOCK_MIN, ANNEAL_FRACTION = 1.0, 0.05, 0.75


def default_steps(changing_cells: int) -> int:
    """Enough steps for the block to shrink smoothly; bounded for speed."""
    return int(min(32, max(12, changing_cells // 20)))


def allowed_pitches(model: ChoraleModel) -> torch.Tensor:
    """Bool [4, classes]: each voice's span (from the card) and rest."""
    config = model.config
    spans = model.card.get("architecture", {}).get("voice_spans", VOICE_SPANS) \
        if model.card else VOICE_SPANS
    allowed = torch.zeros(4, config.classes, dtype=torch.bool)
    for voice, (low, high) in enumerate(spans):
        low_index = max(0, low - config.min_pitch)
        high_index = min(config.num_pitches - 1, high - config.min_pitch)
        allowed[voice, low_index:high_index + 1] = True
    allowed[:, config.rest_index] = True
    return allowed


@torch.no_grad()
def gibbs(
    model: ChoraleModel,
    roll: np.ndarray,
    changeable: np.ndarray,
    temperature: float = 0.9,
    seed: int | None = None,
    steps: int | None = None,
    allowed: torch.Tensor | None = None,
    job: Job | None = None,
    on_step: Callable[[np.ndarray], None] | None = None,
) -> np.ndarray:
    """Sample the changeable cells of ``roll`` (pitch indices [4, T]); returns a new roll.

    ``on_step(roll)`` is called after every step with the whole roll so far (partial
    results); ``job`` reports progress and may cancel between steps.
    """
    roll = np.array(roll, dtype=np.int64, copy=True)
    changeable = np.asarray(changeable, dtype=bool)
    if not changeable.any():
        return roll
    temperature = max(float(temperature), 1e-3)
    steps = steps or default_steps(int(changeable.sum()))
    generator = torch.Generator().manual_seed(
        int(seed) if seed is not None else int(np.random.SeedSequence().entropy % 2**63))

    # Work on the window the changing cells can see and be seen from.
    margin = model.config.receptive_frames()
    frames = np.nonzero(changeable.any(axis=0))[0]
    lo, hi = max(0, frames[0] - margin), min(roll.shape[1], frames[-1] + 1 + margin)
    device = model.device
    x = torch.from_numpy(roll[:, lo:hi]).to(device).unsqueeze(0)
    can_change = torch.from_numpy(changeable[:, lo:hi]).to(device).unsqueeze(0)
    penalty = None
    if allowed is not None:
        penalty = torch.where(allowed, 0.0, float("-inf")).to(device)[None, :, None, :]

    model.net.eval()
    for step in range(steps):
        if job is not None:
            job.check()
        fraction = max(BLOCK_MIN, BLOCK_MAX - (BLOCK_MAX - BLOCK_MIN) * step / (ANNEAL_FRACTION * steps))
        block = can_change & (torch.rand(can_change.shape, generator=generator).to(device) < fraction)
        if not block.any():
            continue
        logits = model.net(x, block.float()) / temperature
        if penalty is not None:
            logits = logits + penalty
        probs = torch.softmax(logits.double(), dim=-1)
        flat = probs.reshape(-1, probs.shape[-1]).cpu()
        drawn = torch.multinomial(flat, 1, generator=generator).reshape(x.shape).to(device)
        x = torch.where(block, drawn, x)
        if job is not None:
            job.progress((step + 1) / steps, f"Gibbs step {step + 1}/{steps}")
        if on_step is not None:
            roll[:, lo:hi] = x[0].cpu().numpy()
            on_step(roll.copy())
    roll[:, lo:hi] = x[0].cpu().numpy()
    return roll
