"""Training a VAE or a GAN on a folder of images: ``train(params, job)``.

``genart train-images DIR --kind vae|gan -o NAME`` calls this, and so will the window.
The run writes a resumable checkpoint (weights, optimizer state, RNG, position) every
``checkpoint_seconds`` into the cache; running the same command again resumes from it.
At the end it computes the latent directions, writes ``NAME.safetensors`` + ``NAME.json``
and ``NAME.samples.png`` (8x8 random samples).

A GAN trains with one of two recipes (``RECIPES``): "dcgan" (a DCGAN generator and a
discriminator learned from scratch) or "projected" (a FastGAN-like generator against a
discriminator on frozen ImageNet features, ``projected.py``), optionally in bf16 autocast.

Hyper-parameters live in ``TrainParams`` and ``DEFAULTS``; everything else follows.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import _read_info, load_checkpoint, save_checkpoint
from genart_desktop.core.device import choose_device, describe
from genart_desktop.core.errors import UserError
from genart_desktop.core.images import save_png
from genart_desktop.core.jobs import Job, interrupt_ends_sitting
from genart_desktop.latent import data, directions, networks
from genart_desktop.latent.augment import diff_augment
from genart_desktop.latent.engine import contact_sheet

RECIPES = ("dcgan", "projected")
PRECISIONS = ("float32", "bf16")

DEFAULTS = {
    "vae": {"z_dim": 64, "lr": 5e-4, "betas": (0.9, 0.999)},
    "gan": {"z_dim": 128, "lr": 2e-4, "betas": (0.0, 0.99)},
}
EMA_DECAY = 0.999  # the shipped GAN generator is an exponential moving average
PERCEPTUAL_BATCH = 16  # VAE: pictures per batch that the perceptual distance sees (VGG is slow)
CHECKPOINT_KIND = "latent-training-checkpoint"


@dataclass
class TrainParams:
    folder: str
    kind: str  # "vae" or "gan"
    output: str  # a bare name (user models folder) or a path stem
    size: int = 64
    epochs: float | None = None
    minutes: float | None = None
    batch_size: int = 64
    width: int = 32
    z_dim: int | None = None
    lr: float | None = None
    seed: int = 0
    checkpoint_seconds: float = 120.0
    partial_every: int = 200  # steps between preview grids
    restart: bool = False  # ignore an existing checkpoint
    device: str | None = None
    command: str = ""  # recorded in the card
    data_card: dict[str, Any] | None = field(default=None)  # source/license override
    recipe: str = "dcgan"  # GANs: see RECIPES
    disc_input: int = 64  # projected recipe: the feature network's input size
    precision: str = "float32"  # or "bf16": autocast on CPU/CUDA for the forward passes
    state_dir: str | None = None  # keep the resumable checkpoint here (to commit it)
    perceptual: float = 0.0  # VAE: weight of the VGG16 perceptual distance (perceptual.py)
    adversarial: float = 0.0  # VAE: weight of the patch discriminator's loss
    adversarial_start: int = 2000  # VAE: steps of reconstruction alone before it joins


def output_stem(output: str) -> Path:
    """A bare name goes to the user models folder; anything with a folder is a path."""
    text = str(output)
    for suffix in (".safetensors", ".json"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    if os.sep in text or "/" in text:
        return Path(text).expanduser().resolve()
    if not text or text.startswith("."):
        raise UserError(f"{output!r} is not a usable model name")
    return paths.user_models_dir() / text


def checkpoint_stem(stem: Path, state_dir: str | None = None) -> Path:
    """Where the resumable checkpoint lives: ``state_dir/NAME`` when given (a folder to
    commit between sittings), else a per-output file in the cache."""
    if state_dir:
        return Path(state_dir).expanduser() / stem.name
    key = hashlib.sha256(str(stem).encode()).hexdigest()[:10]
    return paths.cache_dir() / "train-checkpoints" / f"{stem.name}-{key}"


class _Run:
    """The networks, optimizers and counters of one training run."""

    def __init__(self, p: TrainParams, device: torch.device) -> None:
        self.p, self.device = p, device
        d = DEFAULTS[p.kind]
        self.z_dim = p.z_dim or d["z_dim"]
        self.lr = p.lr or d["lr"]
        self.projected = p.kind == "gan" and p.recipe == "projected"
        arch = networks.architecture(p.kind, p.size, p.width, self.z_dim, recipe=p.recipe)
        if self.projected:
            arch["discriminator"] = {"features": "efficientnet-lite0 (frozen)",
                                     "input_size": p.disc_input}
        self.arch = arch
        self.net = networks.build(p.kind, arch).to(device)  # VAE, or the generator
        self.nets = {"net": self.net}
        self.opts = {"opt": torch.optim.Adam(self.net.parameters(), self.lr, betas=d["betas"])}
        if p.kind == "gan":
            if self.projected:
                from genart_desktop.latent.projected import ProjectedDiscriminator

                self.disc = ProjectedDiscriminator(p.size, p.disc_input).to(device)
            else:
                self.disc = networks.Discriminator(p.size, p.width).to(device)
            self.ema = copy.deepcopy(self.net).eval()
            for param in self.ema.parameters():
                param.requires_grad_(False)
            self.nets.update(disc=self.disc, ema=self.ema)
            trainable = [q for q in self.disc.parameters() if q.requires_grad]
            self.opts["opt_disc"] = torch.optim.Adam(trainable, self.lr, betas=d["betas"])
        self.perceptual_net = None
        if p.kind == "vae" and p.perceptual > 0:
            from genart_desktop.latent.perceptual import load_perceptual_network

            self.perceptual_net = load_perceptual_network(device)  # frozen, not saved
        if p.kind == "vae" and p.adversarial > 0:
            self.patch_disc = networks.PatchDiscriminator(4, p.size, width=32,
                                                          smallest=p.size // 8).to(device)
            self.nets["patch_disc"] = self.patch_disc
            self.opts["opt_patch"] = torch.optim.Adam(self.patch_disc.parameters(), self.lr,
                                                      betas=(0.5, 0.9))
        if device.type == "cpu":  # transposed convolutions run ~1.7x faster channels-last here
            for module in self.nets.values():
                module.to(memory_format=torch.channels_last)
        self.step = 0
        self.elapsed = 0.0
        self.images_seen = 0
        self.last_losses: dict[str, float] = {}

    def identity(self, n_train: int, train_names_hash: str) -> dict[str, Any]:
        """What a checkpoint must match to be resumed."""
        return {"kind": self.p.kind, "architecture": self.arch, "batch_size": self.p.batch_size,
                "lr": self.lr, "n_train": n_train, "train_names_sha256": train_names_hash,
                # only what differs from the first recipe, so older checkpoints still resume
                **{key: value for key, value in (("precision", self.p.precision),
                                                 ("perceptual", self.p.perceptual),
                                                 ("adversarial", self.p.adversarial))
                   if value not in ("float32", 0.0)}}

    def autocast(self):
        """bf16 autocast for the forward passes when asked (losses stay float32)."""
        import contextlib

        if self.p.precision != "bf16":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    # -- one optimisation step -----------------------------------------------------
    def train_step(self, real: torch.Tensor) -> None:
        if self.p.kind == "vae":
            terms = self.net.negative_elbo(real)
            dims = real[0].numel()
            nelbo = (terms["nll"] + terms["kl"]).mean() / dims
            self.last_losses = {"nelbo_per_dim": nelbo.item(), "kl": terms["kl"].mean().item()}
            loss = nelbo + self._sharpening_losses(real, terms["recon"])
            self._step("opt", loss)
        else:
            d_loss, g_loss = self._gan_step(real)
            # The average warms up (decay (1+t)/(10+t) until it reaches EMA_DECAY) so that
            # a short run does not keep much of the random initial weights in it.
            decay = min(EMA_DECAY, (1.0 + self.step) / (10.0 + self.step))
            with torch.no_grad():
                for ema_p, p in zip(self.ema.parameters(), self.net.parameters()):
                    ema_p.lerp_(p, 1.0 - decay)
                for ema_b, b in zip(self.ema.buffers(), self.net.buffers()):
                    ema_b.copy_(b)
            self.last_losses = {"d_hinge": d_loss.item(), "g_hinge": g_loss.item()}
        self.step += 1
        self.images_seen += real.shape[0]

    def _sharpening_losses(self, real: torch.Tensor, recon: torch.Tensor) -> torch.Tensor:
        """VAE: the perceptual distance and, after ``adversarial_start`` steps, the patch
        discriminator's verdict (it takes its own step here), weighted; 0 when off."""
        from genart_desktop.latent.perceptual import perceptual_distance

        extra = torch.zeros((), device=real.device)
        if self.perceptual_net is not None:
            with self.autocast():
                distance = perceptual_distance(self.perceptual_net, recon[:PERCEPTUAL_BATCH],
                                               real[:PERCEPTUAL_BATCH]).mean()
            extra = extra + self.p.perceptual * distance.float()
            self.last_losses["perceptual"] = distance.item()
        if self.p.adversarial > 0 and self.step >= self.p.adversarial_start:
            with self.autocast():
                d_real, d_fake = self.patch_disc(real), self.patch_disc(recon.detach())
            d_loss = hinge_discriminator_loss([d_real], [d_fake])
            self._step("opt_patch", d_loss)
            with self.autocast():
                g_loss = hinge_generator_loss([self.patch_disc(recon)])
            extra = extra + self.p.adversarial * g_loss
            self.last_losses.update(patch_d_hinge=d_loss.item(), patch_g=g_loss.item())
        return extra

    def _step(self, name: str, loss: torch.Tensor) -> None:
        self.opts[name].zero_grad(set_to_none=True)
        loss.backward()
        self.opts[name].step()

    def _gan_step(self, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One discriminator and one generator step, hinge losses (summed over the logit
        maps of a projected discriminator: one per feature scale, then alpha)."""
        z = torch.randn(real.shape[0], self.z_dim, device=self.device)

        def judge(x: torch.Tensor) -> list[torch.Tensor]:
            x = diff_augment(x)
            if not self.projected:
                return [self.disc(x)]
            # every picture over its own random background colour
            return self.disc(x, torch.rand(x.shape[0], 3, 1, 1, device=self.device) * 2 - 1)

        with self.autocast():
            fake = self.net(z)
            d_real, d_fake = judge(real), judge(fake.detach())
        d_loss = hinge_discriminator_loss(d_real, d_fake)
        self._step("opt_disc", d_loss)
        with self.autocast():
            g_loss = hinge_generator_loss(judge(fake))
        self._step("opt", g_loss)
        return d_loss, g_loss

    # -- checkpoint ------------------------------------------------------------------
    def state_tensors(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        tensors: dict[str, torch.Tensor] = {}
        for prefix, module in self.nets.items():
            tensors.update({f"{prefix}.{k}": v for k, v in module.state_dict().items()})
        groups = {}
        for prefix, opt in self.opts.items():
            state = opt.state_dict()
            for index, entry in state["state"].items():
                for key, value in entry.items():
                    tensors[f"{prefix}.{index}.{key}"] = torch.as_tensor(value)
            groups[prefix] = state["param_groups"]
        tensors["rng.torch"] = torch.get_rng_state()
        counters = {"step": self.step, "elapsed_s": self.elapsed, "images_seen": self.images_seen,
                    "last_losses": self.last_losses, "param_groups": groups}
        return tensors, counters

    def load_state(self, tensors: dict[str, torch.Tensor], counters: dict[str, Any]) -> None:
        for prefix, module in self.nets.items():
            own = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
            module.load_state_dict(own)
        for prefix, opt in self.opts.items():
            state: dict[int, dict[str, torch.Tensor]] = {}
            for key, value in tensors.items():
                parts = key.split(".")
                if len(parts) == 3 and parts[0] == prefix:
                    state.setdefault(int(parts[1]), {})[parts[2]] = value
            opt.load_state_dict({"state": state, "param_groups": counters["param_groups"][prefix]})
        torch.set_rng_state(tensors["rng.torch"])
        self.step = int(counters["step"])
        self.elapsed = float(counters["elapsed_s"])
        self.images_seen = int(counters["images_seen"])
        self.last_losses = dict(counters.get("last_losses", {}))


def hinge_discriminator_loss(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    """Hinge loss of a discriminator's logit maps, summed over the maps (float32)."""
    return sum(F.relu(1 - r.float()).mean() + F.relu(1 + f.float()).mean()
               for r, f in zip(real, fake))


def hinge_generator_loss(fake: list[torch.Tensor]) -> torch.Tensor:
    return sum(-f.float().mean() for f in fake)


def to_pixels(batch_uint8: torch.Tensor) -> torch.Tensor:
    """N x H x W x 4 uint8 (straight) -> N x 4 x H x W premultiplied in [-1, 1]."""
    x = batch_uint8.permute(0, 3, 1, 2).float() / 255.0
    x = torch.cat([x[:, :3] * x[:, 3:], x[:, 3:]], dim=1)
    return x * 2.0 - 1.0


def sample_grid(generate, z: torch.Tensor, columns: int = 8) -> np.ndarray:
    """A grid (uint8 straight RGBA) of decoded latents, one row per ``columns`` images."""
    with torch.no_grad():
        pixels = generate(z).permute(0, 2, 3, 1).cpu().numpy()
    return contact_sheet(data.unpremultiply(pixels), columns, gap=0)


def train(params: TrainParams, job: Job) -> dict[str, Any]:
    """Train, checkpointing as it goes; returns a summary with the written card's path."""
    p = params
    if p.kind not in DEFAULTS:
        raise UserError(f"--kind must be vae or gan, not {p.kind!r}")
    if p.recipe not in RECIPES or p.precision not in PRECISIONS:
        raise UserError(f"--recipe must be one of {', '.join(RECIPES)} and --precision one of "
                        f"{', '.join(PRECISIONS)}")
    if (p.epochs is None) == (p.minutes is None):
        raise UserError("give exactly one of --epochs or --minutes")
    if (p.epochs is not None and p.epochs <= 0) or (p.minutes is not None and p.minutes <= 0):
        raise UserError("--epochs / --minutes must be positive")
    stem = output_stem(p.output)
    device = choose_device(p.device)
    torch.manual_seed(p.seed)

    job.progress(0.0, f"reading {p.folder}")
    everything = data.load_folder(Path(p.folder), p.size, split="all")
    usable = len(everything.names)
    if usable < data.MIN_IMAGES:
        raise UserError(
            f"{p.folder}: {usable} usable images ({len(everything.skipped)} unreadable skipped); "
            f"training needs at least {data.MIN_IMAGES}")
    train_names, held_names = data.split_names(everything.names)
    index = {name: i for i, name in enumerate(everything.names)}
    train_images = torch.from_numpy(everything.images[[index[n] for n in train_names]])
    held_images = torch.from_numpy(everything.images[[index[n] for n in held_names]])
    names_hash = hashlib.sha256("\n".join(train_names).encode()).hexdigest()

    run = _Run(p, device)
    ckpt = checkpoint_stem(stem, p.state_dir)
    identity = run.identity(len(train_names), names_hash)
    resumed = False
    if not p.restart and ckpt.with_suffix(".json").exists():
        info = _read_info(ckpt.with_suffix(".json"), shipped=False)
        if info.card.get("identity") != identity:
            raise UserError(
                f"a checkpoint for {stem.name} exists with other settings or data "
                f"({ckpt}.json); use --restart to start over")
        tensors, card = load_checkpoint(info, "cpu")
        run.load_state({k: v.to(device) if not k.startswith("rng.") else v
                        for k, v in tensors.items()}, card["counters"])
        resumed = True

    steps_per_epoch = max(1, len(train_names) // p.batch_size)
    total_steps = math.ceil(p.epochs * steps_per_epoch) if p.epochs is not None else None
    budget_s = p.minutes * 60.0 if p.minutes is not None else None
    preview_z = torch.randn(16, run.z_dim, generator=torch.Generator().manual_seed(1234)).to(device)

    def fraction() -> float:
        if total_steps is not None:
            return run.step / total_steps
        return run.elapsed / budget_s

    def done() -> bool:
        return fraction() >= 1.0

    def save_training_checkpoint() -> None:
        tensors, counters = run.state_tensors()
        save_checkpoint(ckpt, tensors, {"name": ckpt.name, "kind": CHECKPOINT_KIND,
                                        "identity": identity, "counters": counters,
                                        "params": _jsonable(asdict(p))})

    run.net.train()
    last_save = time.monotonic()
    session_start = time.monotonic()
    if resumed:  # where the run stands, not 0%, so the time left is right at once
        job.progress(min(fraction(), 1.0) * 0.97, f"resumed at step {run.step}")
    elapsed_at_start = run.elapsed
    order = None
    with interrupt_ends_sitting() as stop:  # Ctrl-C in a terminal ends the run early
        while not done() and not stop.is_set():
            epoch, position = divmod(run.step, steps_per_epoch)
            if position == 0 or order is None:
                shuffle = torch.Generator().manual_seed(p.seed * 100003 + epoch)
                order = torch.randperm(len(train_names), generator=shuffle)
            batch_index = order[position * p.batch_size:(position + 1) * p.batch_size]
            real = to_pixels(train_images[batch_index]).to(device)
            if device.type == "cpu":
                real = real.contiguous(memory_format=torch.channels_last)
            flip = torch.rand(real.shape[0], device=device) < 0.5
            real = torch.where(flip.view(-1, 1, 1, 1), real.flip(3), real)
            run.train_step(real)
            run.elapsed = elapsed_at_start + (time.monotonic() - session_start)
            if run.step % 10 == 0 or done():
                losses = " ".join(f"{k} {v:.4f}" for k, v in run.last_losses.items())
                rate = run.images_seen / max(run.elapsed, 1e-9)
                job.progress(min(fraction(), 1.0) * 0.97,
                             f"step {run.step} epoch {run.step / steps_per_epoch:.1f} {losses} "
                             f"({rate:.0f} img/s)")
            if p.partial_every and run.step % p.partial_every == 0:
                job.partial(sample_grid(_sampler(run), preview_z, columns=4))
                run.net.train()
            if time.monotonic() - last_save >= p.checkpoint_seconds:
                save_training_checkpoint()
                last_save = time.monotonic()
    save_training_checkpoint()

    job.progress(0.97, "computing latent directions")
    card_path = _finish(run, stem, train_images, held_images, everything, train_names,
                        held_names, steps_per_epoch)
    job.progress(1.0, f"wrote {card_path}")
    return {"card": str(card_path), "steps": run.step, "skipped": everything.skipped,
            "usable": usable, "losses": run.last_losses, "elapsed_s": run.elapsed}


def _sampler(run: _Run):
    """The network that turns z into pixels, in eval mode (EMA generator for a GAN)."""
    if run.p.kind == "vae":
        run.net.eval()
        return run.net.decoder
    return run.ema


@torch.no_grad()
def _recalibrate_batch_norm(generator, z_dim: int, device, batches: int = 16) -> None:
    """The EMA generator's batch-norm statistics belong to the live weights: re-estimate
    them with the EMA weights (cumulative average over fresh batches)."""
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None
    generator.train()
    for _ in range(batches):
        generator(torch.randn(64, z_dim, device=device))
    generator.eval()
    for module in generator.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = 0.1


def _finish(run, stem, train_images, held_images, everything, train_names, held_names,
            steps_per_epoch) -> Path:
    p = run.p
    metrics: dict[str, Any] = {}
    if p.kind == "vae":
        model = run.net.eval()
        train_pixels = to_pixels(train_images).to(run.device)
        dirs, stds, explained = directions.vae_directions(model, train_pixels)
        latent_mean, latent_basis = directions.vae_latent_gaussian(model, train_pixels)
        if len(held_images):
            metrics.update(vae_heldout_metrics(model, to_pixels(held_images).to(run.device)))
        weights = {f"net.{k}": v for k, v in model.state_dict().items()}
        sampler = model.decoder
    else:
        _recalibrate_batch_norm(run.ema, run.z_dim, run.device)
        dirs, stds, explained = directions.gan_directions(run.ema)
        latent_mean, latent_basis = torch.zeros(run.z_dim), torch.eye(run.z_dim)
        weights = {f"net.{k}": v for k, v in run.ema.state_dict().items()}
        sampler = run.ema
    weights.update({"directions": dirs, "direction_std": stds, "explained_variance": explained,
                    "latent_mean": latent_mean, "latent_basis": latent_basis})
    subset = next((name for name in ("all", "curated")
                   if Path(p.folder).resolve() == data.twemoji_dir(name).resolve()), None)
    data_card = dict(p.data_card or (
        {k: data.TWEMOJI[k] for k in ("source", "license", "attribution", "fetch")}
        if subset else {"source": str(Path(p.folder).resolve()),
                        "license": "as the images' owner decides"}))
    if subset == "curated":
        data_card.update(subset="curated", fetch=data.TWEMOJI["fetch"] + " --subset curated",
                         rule=f"emoji.json (category, subcategory) in {data.CURATED}; no "
                              "skin-tone variants or gendered ZWJ sequences")
    data_card["split"] = {
        "method": "files ranked by SHA-256 of their name; the first 10% (rounded up) held out",
        "heldout_fraction": data.HELDOUT_FRACTION,
        "train_images": len(train_names), "heldout_images": len(held_names),
        "heldout_names_sha256": hashlib.sha256("\n".join(held_names).encode()).hexdigest(),
        "unreadable_skipped": len(everything.skipped),
    }
    card = {
        "name": stem.name,
        "kind": f"latent-{p.kind}",
        "license": data_card.get("license", "unknown"),
        "credit": data_card.get("attribution", ""),
        "architecture": {**run.arch,
                         "parameters": sum(t.numel() for k, t in weights.items() if k.startswith("net."))},
        "data": data_card,
        "training": {
            "command": p.command or f"train(TrainParams({_jsonable(asdict(p))}))",
            "wall_time_s": round(run.elapsed, 1),
            "hardware": f"{describe(run.device)}, {platform.processor() or platform.machine()}, "
                        f"{os.cpu_count()} cores",
            "steps": run.step, "epochs": round(run.step / steps_per_epoch, 2),
            "batch_size": p.batch_size, "lr": run.lr, "images_seen": run.images_seen,
            "images_per_s": round(run.images_seen / max(run.elapsed, 1e-9), 1),
            "augmentation": "random horizontal flip" + (
                "; DiffAugment color,translation,cutout on D inputs" if p.kind == "gan" else "") + (
                "; composited over random background colours for the feature discriminator"
                if run.projected else ""),
            "recipe": p.recipe if p.kind == "gan" else None,
            **({"perceptual_weight": p.perceptual, "adversarial_weight": p.adversarial,
                "adversarial_start": p.adversarial_start} if p.kind == "vae" else {}),
            "precision": p.precision,
            "ema_decay": EMA_DECAY if p.kind == "gan" else None,
            "final_losses": {k: round(v, 4) for k, v in run.last_losses.items()},
            "seed": p.seed,
        },
        "directions": {
            "count": int(dirs.shape[0]),
            "method": ("PCA of encoder means over the training images" if p.kind == "vae" else
                       "GANSpace: PCA of first-layer activations of 8192 random latents, "
                       "regressed back to z"),
            "explained_variance": [round(float(v), 5) for v in explained],
            "unit": "one standard deviation " + (
                "of the encoder means along the direction" if p.kind == "vae" else
                "of the standard normal prior"),
        },
        "sampling": ("z = latent_mean + latent_basis @ (truncation * N(0, I)): a Gaussian fitted "
                     "to the encoder means of the training images (ex-post density estimation)"
                     if p.kind == "vae" else "z = truncation * N(0, I), the prior"),
        "metrics": metrics,
    }
    card_path = save_checkpoint(stem, weights, card)
    grid_noise = torch.randn(64, run.z_dim, generator=torch.Generator().manual_seed(2024))
    grid_z = (latent_mean + grid_noise @ latent_basis.T).to(run.device)
    save_png(sample_grid(sampler, grid_z), stem.with_name(stem.name + ".samples.png"),
             {"model": stem.name, "what": "64 random samples, noise from torch seed 2024"})
    return card_path


@torch.no_grad()
def vae_heldout_metrics(model, pixels: torch.Tensor, batch: int = 256) -> dict[str, float]:
    """Negative ELBO (nats and bits per sub-pixel, single-sample estimate), and the PSNR
    and perceptual distance of reconstructions from the encoder mean, on [0, 1]
    premultiplied RGBA."""
    from genart_desktop.latent.perceptual import load_perceptual_network, perceptual_distance

    model.eval()
    torch.manual_seed(0)
    vgg = load_perceptual_network(pixels.device)
    nelbo, squared, count, perceptual = 0.0, 0.0, 0, 0.0
    for i in range(0, len(pixels), batch):
        x = pixels[i:i + batch]
        terms = model.negative_elbo(x)
        nelbo += (terms["nll"] + terms["kl"]).sum().item()
        recon = model.negative_elbo(x, sample=False)["recon"]
        squared += (((recon - x) * 0.5) ** 2).sum().item()
        perceptual += perceptual_distance(vgg, recon, x).sum().item()
        count += len(x)
    dims = pixels[0].numel()
    mse = squared / (count * dims)
    return {
        "heldout_images": count,
        "heldout_negative_elbo_nats_per_dim": round(nelbo / (count * dims), 4),
        "heldout_negative_elbo_bits_per_dim": round(nelbo / (count * dims) / math.log(2), 4),
        "heldout_reconstruction_psnr_db": round(10 * math.log10(1.0 / mse), 2),
        "heldout_reconstruction_perceptual": round(perceptual / count, 4),
        "perceptual_note": "VGG16 conv1_2/2_2/3_3, unit-normalised features, over white "
                           "(latent/perceptual.py); lower is closer",
        "note": "dims are sub-pixels of premultiplied RGBA scaled to [0, 1]; a continuous "
                "Gaussian density, so the figure can be negative",
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
