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
from genart_desktop.music.score import VOICE_RANGES

BLOCK_MAX, BLOCK_MIN, ANNEAL_FRACTION = 1.0, 0.05, 0.75
# Log-probability taken off a candidate pitch for each parallel fifth or octave it would
# make with the current neighbours (a voice-leading rule the small net has not fully
# learnt); 0 samples the model as it is.
PARALLEL_PENALTY = 10.0
# Log-probability taken off a pitch outside the key's scale, on top of the key planes the
# net sees: enough to keep stray notes near Bach's own rate without forbidding his
# chromatic passing notes and secondary dominants. A model card's "sampler" block may
# set its own (chosen by ``genart evaluate-music --sweep``).
SCALE_BIAS = 0.5
# Log-probability taken off a pitch beyond a voice's textbook range (but inside Bach's own
# span for that voice).
RANGE_PENALTY = 2.0


def scale_bias(model: ChoraleModel) -> float:
    card = model.card or {}
    return float(card.get("sampler", {}).get("scale_bias", SCALE_BIAS))


def default_steps(changing_cells: int) -> int:
    """Enough steps for the block to shrink smoothly; bounded for speed."""
    return int(min(32, max(12, changing_cells // 20)))


def allowed_pitches(model: ChoraleModel) -> torch.Tensor:
    """Bool [4, classes]: each voice's span (from the card) and rest."""
    config = model.config
    spans = model.card.get("architecture", {}).get("voice_spans", VOICE_SPANS) \
        if model.card else VOICE_SPANS
    return _within(config, spans)


def pitch_penalties(model: ChoraleModel) -> torch.Tensor:
    """Float [4, classes] added to the logits: -inf outside each voice's span (Bach's own
    extremes), RANGE_PENALTY nats off beyond the textbook range inside it, so the extremes
    stay possible but as rare as in Bach."""
    allowed = allowed_pitches(model)
    textbook = _within(model.config, VOICE_RANGES)
    penalty = torch.where(textbook, 0.0, -RANGE_PENALTY)
    return torch.where(allowed, penalty, float("-inf"))


def _within(config, spans) -> torch.Tensor:
    inside = torch.zeros(4, config.classes, dtype=torch.bool)
    for voice, (low, high) in enumerate(spans):
        low_index = max(0, low - config.min_pitch)
        high_index = min(config.num_pitches - 1, high - config.min_pitch)
        inside[voice, low_index:high_index + 1] = True
    inside[:, config.rest_index] = True
    return inside


@torch.no_grad()
def gibbs(
    model: ChoraleModel,
    roll: np.ndarray,
    changeable: np.ndarray,
    temperature: float = 0.9,
    seed: int | None = None,
    steps: int | None = None,
    pitch_penalty: torch.Tensor | None = None,
    parallel_penalty: float = PARALLEL_PENALTY,
    key: np.ndarray | None = None,
    off_key_penalty: float = 0.0,
    job: Job | None = None,
    on_step: Callable[[np.ndarray], None] | None = None,
) -> np.ndarray:
    """Sample the changeable cells of ``roll`` (pitch indices [4, T]); returns a new roll.

    ``key``: the key planes [2, classes] (``keys.key_planes``), given to a key-conditioned
    net and used to take ``off_key_penalty`` nats off pitches outside the scale.
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
    penalty = torch.zeros(1, 4, 1, model.config.classes, device=device)
    if pitch_penalty is not None:       # [4, classes]: -inf forbids, a number discourages
        penalty = penalty + pitch_penalty.to(device)[None, :, None, :]
    key_tensor = None
    if key is not None:
        key_tensor = torch.from_numpy(np.asarray(key, dtype=np.float32)).to(device).unsqueeze(0)
        if off_key_penalty > 0:
            off_key = torch.zeros(model.config.classes, device=device)
            off_key[:model.config.num_pitches] = off_key_penalty * (
                1.0 - key_tensor[0, 0, :model.config.num_pitches])
            penalty = penalty - off_key[None, None, None, :]

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
        logits = model.net(x, block.float(), key_tensor) / temperature + penalty
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
