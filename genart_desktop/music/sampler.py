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
# Log-probability taken off a candidate pitch for each parallel fifth or octave it would
# make with the current neighbours (a voice-leading rule the small net has not fully
# learnt); 0 samples the model as it is.
PARALLEL_PENALTY = 10.0


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
    parallel_penalty: float = PARALLEL_PENALTY,
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
    blocks = []
    for step in range(steps):
        fraction = max(BLOCK_MIN, BLOCK_MAX - (BLOCK_MAX - BLOCK_MIN) * step / (ANNEAL_FRACTION * steps))
        blocks.append(can_change & (torch.rand(can_change.shape, generator=generator).to(device) < fraction))
    if parallel_penalty > 0:
        # Polish: one voice, every other frame, at a time. Neighbours of each re-sampled
        # cell then stay fixed, so the parallel-fifths check sees the true context
        # (inside a random block two neighbours can move together and slip past it).
        frame_parity = torch.arange(x.shape[2], device=device) % 2
        for voice in range(4):
            for parity in (0, 1):
                only = torch.zeros_like(can_change)
                only[:, voice] = frame_parity == parity
                blocks.append(can_change & only)
    blocks = [b for b in blocks if b.any()]
    total_steps = len(blocks)
    for step, block in enumerate(blocks):
        if job is not None:
            job.check()
        logits = model.net(x, block.float()) / temperature
        if penalty is not None:
            logits = logits + penalty
        if parallel_penalty > 0:
            logits = logits - parallel_penalty * parallels_made(x[0], model.config.min_pitch,
                                                                model.config.num_pitches)
        probs = torch.softmax(logits.double(), dim=-1)
        flat = probs.reshape(-1, probs.shape[-1]).cpu()
        drawn = torch.multinomial(flat, 1, generator=generator).reshape(x.shape).to(device)
        x = torch.where(block, drawn, x)
        if job is not None:
            job.progress((step + 1) / total_steps, f"Gibbs step {step + 1}/{total_steps}")
        if on_step is not None:
            roll[:, lo:hi] = x[0].cpu().numpy()
            on_step(roll.copy())
    roll[:, lo:hi] = x[0].cpu().numpy()
    return roll


def parallels_made(x: torch.Tensor, min_pitch: int, num_pitches: int) -> torch.Tensor:
    """[1, 4, T, classes]: how many parallel fifths or octaves each candidate pitch of
    each cell would form with the other voices, entering from the previous frame and
    leaving to the next, given the current roll ``x`` (pitch indices [4, T])."""
    voices, frames = x.shape
    rest = num_pitches
    pitch = (x + min_pitch).float()
    pitch[x == rest] = float("nan")                       # rests make no parallels
    candidates = torch.arange(num_pitches, dtype=torch.float32, device=x.device) + min_pitch
    counts = torch.zeros(voices, frames, num_pitches + 1, device=x.device)

    def parallel(a0, a1, b0, b1, upper_is_a: bool) -> torch.Tensor:
        """Voice a moves a0->a1 and voice b moves b0->b1 in similar motion, keeping a
        perfect fifth or an octave (the interval taken from the upper voice)."""
        move_a, move_b = a1 - a0, b1 - b0
        before = (a0 - b0) if upper_is_a else (b0 - a0)
        after = (a1 - b1) if upper_is_a else (b1 - a1)
        same = torch.remainder(before, 12) == torch.remainder(after, 12)
        perfect = (torch.remainder(before, 12) == 0) | (torch.remainder(before, 12) == 7)
        similar = (move_a * move_b) > 0
        return (same & perfect & similar).float()        # NaN compares False

    c = candidates.view(1, -1)                           # [1, P]
    for v in range(voices):
        for u in range(voices):
            if u == v:
                continue
            upper = v < u
            # entering frame t from t-1 (t >= 1)
            a0, b0 = pitch[v, :-1, None], pitch[u, :-1, None]
            b1 = pitch[u, 1:, None]
            counts[v, 1:, :num_pitches] += parallel(a0, c, b0, b1, upper)
            # leaving frame t to t+1 (t <= T-2)
            a1, b0, b1 = pitch[v, 1:, None], pitch[u, :-1, None], pitch[u, 1:, None]
            counts[v, :-1, :num_pitches] += parallel(c, a1, b0, b1, upper)
    return counts.unsqueeze(0)
