"""Training the chorale network: ``train(params, job)``, used by ``genart train-music``.

Random crops of the training chorales, each transposed by a random interval that keeps
it on the model's pitch axis; random masks of several shapes (scattered cells, whole
voices, a time suffix, a region, everything) so one net learns every conditional the
sampler will ask for. Time-budgeted, with a periodic checkpoint it can resume from.

A key-conditioned net is shown each crop's key (the chorale's key found by
``keys.estimate_key``, moved with the transposition), except for a few crops shown no key,
so it still works when none is known. ``init_from`` starts from a trained model (new key
input weights at zero: at step 0 it predicts exactly what that model predicts).
``state_dir`` keeps the resumable state (weights, Adam moments, step, random states) in a
folder of one's choosing, e.g. one committed to the repository between sittings.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import save_checkpoint
from genart_desktop.core.device import choose_device, describe
from genart_desktop.core.jobs import Job
from genart_desktop.core.training_state import load_training_state, save_training_state
from genart_desktop.music import chorales
from genart_desktop.music.keys import estimate_key, key_planes
from genart_desktop.music.network import VOICES, ChoraleNet, NetConfig, masked_loss
from genart_desktop.music.score import Key

log = logging.getLogger(__name__)
TRANSPOSITIONS = range(-6, 7)
NO_KEY_SHARE = 0.15   # crops a key-conditioned net sees without its key


@dataclass
class TrainParams:
    output: str                      # a model name (user folder) or a path stem
    minutes: float = 40.0
    crop_frames: int = 64
    batch_size: int = 16
    learning_rate: float = 2e-3
    checkpoint_every_s: float = 120.0
    seed: int = 0
    threads: int | None = None       # torch threads; None keeps torch's default
    resume: bool = True
    command: str = ""                # the exact command, for the card
    net: NetConfig = field(default_factory=NetConfig)
    init_from: str | None = None     # a trained model to start from (new weights at zero)
    state_dir: str | None = None     # where the resumable state lives (default: the cache)
    precision: str = "fp32"          # "bf16": autocast the convolutions to bfloat16


def output_stem(output: str) -> Path:
    """``NAME`` -> the user's model folder; anything with a folder in it is a path."""
    if os.sep in output or "/" in output:
        path = Path(output)
        return path.with_suffix("") if path.suffix in (".json", ".safetensors") else path
    return paths.user_models_dir() / output


class CropSampler:
    """Random transposed crops of the training rolls, as pitch-index arrays, with the key
    planes of each crop's (transposed) chorale key."""

    def __init__(self, rolls: list[np.ndarray], config: NetConfig, crop: int, seed: int):
        kept = [r for r in rolls if r.shape[1] >= crop]
        self.rolls = kept
        self.keys = [estimate_key(r) for r in kept]
        self.config, self.crop = config, crop
        self.rng = np.random.default_rng(seed)
        weights = np.array([r.shape[1] - crop + 1 for r in self.rolls], dtype=float)
        self.weights = weights / weights.sum()

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(pitch indices [size, 4, crop], key planes [size, 2, classes])."""
        out = np.empty((size, VOICES, self.crop), dtype=np.int64)
        keys = np.zeros((size, 2, self.config.classes), dtype=np.float32)
        top = self.config.min_pitch + self.config.num_pitches - 1
        for i in range(size):
            which = self.rng.choice(len(self.rolls), p=self.weights)
            roll = self.rolls[which]
            start = self.rng.integers(0, roll.shape[1] - self.crop + 1)
            crop = roll[:, start:start + self.crop].astype(np.int64)
            sounding = crop[crop >= 0]
            low, high = (sounding.min(), sounding.max()) if sounding.size else (60, 60)
            shifts = [s for s in TRANSPOSITIONS
                      if low + s >= self.config.min_pitch and high + s <= top]
            shift = int(self.rng.choice(shifts)) if shifts else 0
            out[i] = self.config.to_indices(np.where(crop >= 0, crop + shift, -1))
            key = self.keys[which]
            if key is not None and self.rng.random() >= NO_KEY_SHARE:
                moved = Key((key.tonic + shift) % 12, key.minor)
                keys[i] = key_planes(moved, self.config.min_pitch, self.config.num_pitches)
        return out, keys


def random_masks(rng: np.random.Generator, size: int, frames: int) -> np.ndarray:
    """1 = unknown. A mix of the shapes the four sampling requests produce."""
    masks = np.zeros((size, VOICES, frames), dtype=np.float32)
    for i in range(size):
        kind = rng.random()
        if kind < 0.5:       # scattered cells at a random rate: Gibbs steps, orderless NADE
            masks[i] = rng.random((VOICES, frames)) < rng.random()
        elif kind < 0.65:    # whole voices: harmonize (the three lower ones) and others
            voices = rng.random(VOICES) < 0.5
            if rng.random() < 0.5:
                voices = np.array([False, True, True, True])
            masks[i, voices] = 1
        elif kind < 0.8:     # a time suffix: continue
            masks[i, :, rng.integers(1, frames):] = 1
        elif kind < 0.9:     # a region of some voices: regenerate
            a, b = sorted(rng.integers(0, frames + 1, size=2))
            voices = rng.random(VOICES) < 0.6
            masks[i, voices, a:max(b, a + 1)] = 1
        else:                # everything: generate from nothing
            masks[i] = 1
        if masks[i].sum() == 0:
            masks[i, rng.integers(VOICES), rng.integers(frames)] = 1
    return masks


def train(params: TrainParams, job: Job) -> Path:
    """Train (or resume) and write NAME.safetensors + NAME.json; returns the card path."""
    if params.threads:
        torch.set_num_threads(params.threads)
    torch.manual_seed(params.seed)
    device = choose_device()
    stem = output_stem(params.output)
    state_folder = Path(params.state_dir) if params.state_dir else paths.cache_dir() / "music"
    resume_path = state_folder / f"resume-{stem.name}.safetensors"

    job.progress(0.0, "loading the chorales")
    all_chorales = chorales.load_chorales(job)
    train_set, held_out = chorales.split(all_chorales)
    held_out_numbers = [c.number for c in held_out]
    config = params.net
    sampler = CropSampler([c.roll for c in train_set], config, params.crop_frames, params.seed)
    rng = np.random.default_rng(params.seed + 1)
    valid = _validation_batch(held_out, config, params.crop_frames)

    net = ChoraleNet(config).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=params.learning_rate)
    step, elapsed_before, curve = 0, 0.0, []
    if params.resume and resume_path.exists():
        step, elapsed_before, curve, _ = load_training_state(
            resume_path, net, optimizer, {"crop_rng": sampler.rng, "mask_rng": rng})
        log.info("resuming %s at step %d (%.0f s done)", stem.name, step, elapsed_before)
    elif params.init_from:
        _init_from(net, params.init_from)
    autocast = (torch.autocast("cpu", dtype=torch.bfloat16) if params.precision == "bf16"
                and device.type == "cpu" else contextlib.nullcontext())
    budget = params.minutes * 60.0
    start = time.monotonic()
    last_save = start
    running = None

    def elapsed() -> float:
        return elapsed_before + time.monotonic() - start

    while elapsed() < budget:
        job.check()
        # Cosine decay over the time budget, so a resumed run continues the same curve.
        lr = params.learning_rate * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * elapsed() / budget)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        net.train()
        rolls, keys = sampler.batch(params.batch_size)
        roll, key = torch.from_numpy(rolls).to(device), torch.from_numpy(keys).to(device)
        mask = torch.from_numpy(random_masks(rng, params.batch_size, params.crop_frames)).to(device)
        with autocast:
            logits = net(roll, mask, key)
        loss = masked_loss(logits.float(), roll, mask)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        job.progress(elapsed() / budget, f"step {step}, loss {running:.3f}")
        if time.monotonic() - last_save > params.checkpoint_every_s:
            valid_loss = _validate(net, valid, device)
            curve.append([step, round(elapsed(), 1), round(valid_loss, 4)])
            log.info("step %d loss %.4f held-out masked loss %.4f", step, running, valid_loss)
            print(f"[train-music] {elapsed():.0f}s step {step} crops {step * params.batch_size} "
                  f"loss {running:.4f} held-out {valid_loss:.4f}", file=sys.stderr, flush=True)
            _save(stem, net, params, step, elapsed(), device, valid_loss, final=False,
                  held_out_numbers=held_out_numbers, curve=curve)
            save_training_state(resume_path, net, optimizer, step, elapsed(),
                                {"crop_rng": sampler.rng, "mask_rng": rng}, curve)
            last_save = time.monotonic()

    valid_loss = _validate(net, valid, device)
    curve.append([step, round(elapsed(), 1), round(valid_loss, 4)])
    card_path = _save(stem, net, params, step, elapsed(), device, valid_loss, final=True,
                      held_out_numbers=held_out_numbers, curve=curve)
    save_training_state(resume_path, net, optimizer, step, elapsed(),
                        {"crop_rng": sampler.rng, "mask_rng": rng}, curve)
    job.progress(1.0, f"done: {step} steps, held-out masked loss {valid_loss:.3f}")
    return card_path


def _validation_batch(held_out, config: NetConfig, crop: int):
    """Fixed crops and masks from the held-out chorales, for a comparable figure."""
    sampler = CropSampler([c.roll for c in held_out], config, crop, seed=1234)
    rolls, keys = sampler.batch(128)
    masks = random_masks(np.random.default_rng(4321), 128, crop)
    return torch.from_numpy(rolls), torch.from_numpy(masks), torch.from_numpy(keys)


@torch.no_grad()
def _validate(net: ChoraleNet, valid, device) -> float:
    net.eval()
    rolls, masks, keys = valid
    total, count = 0.0, 0.0
    for i in range(0, len(rolls), 32):
        r, m, k = rolls[i:i + 32].to(device), masks[i:i + 32].to(device), keys[i:i + 32].to(device)
        total += masked_loss(net(r, m, k), r, m).item() * m.sum().item()
        count += m.sum().item()
    return total / count


def _save(stem: Path, net, params: TrainParams, step: int, seconds: float, device,
          valid_loss: float, final: bool, held_out_numbers: list[int], curve: list) -> Path:
    from genart_desktop.music.model import model_card

    card = model_card(
        name=stem.name, config=params.net,
        training={
            "command": params.command or "genart train-music",
            "wall_time_s": round(seconds, 1), "steps": step,
            "crops_seen": step * params.batch_size, "crop_frames": params.crop_frames,
            "batch_size": params.batch_size, "learning_rate": params.learning_rate,
            "optimizer": "Adam, cosine decay over the time budget",
            "transpositions": [TRANSPOSITIONS.start, TRANSPOSITIONS.stop - 1],
            "hardware": f"{describe(device)}, {platform.processor() or platform.machine()}",
            "threads": torch.get_num_threads(), "finished": final,
            "precision": params.precision, "init_from": params.init_from,
            "crops_per_s": round(step * params.batch_size / max(seconds, 1e-9), 1),
            "heldout_masked_ce_curve": {"columns": ["step", "seconds", "nats"], "rows": curve},
        },
        metrics={"heldout_masked_ce_nats": round(valid_loss, 4)},
        held_out=held_out_numbers,
    )
    state = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    return save_checkpoint(stem, state, card)


def _init_from(net: ChoraleNet, name: str) -> None:
    """Copy a trained model's weights; input planes it lacks (the key) start at zero."""
    from genart_desktop.music.model import KIND
    from genart_desktop.core.checkpoints import find_model, load_checkpoint

    tensors, _ = load_checkpoint(find_model(name, kind_prefix=KIND), device="cpu")
    own = net.state_dict()
    for key, value in tensors.items():
        if key not in own:
            continue
        if key == "inp.weight" and value.shape[1] < own[key].shape[1]:
            widened = torch.zeros_like(own[key])
            widened[:, :value.shape[1]] = value
            value = widened
        own[key] = value
    net.load_state_dict(own)
