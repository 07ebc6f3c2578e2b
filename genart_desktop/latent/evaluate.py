"""Held-out quality of a latent model, written into its card's ``metrics``.

    python -m genart_desktop.latent.evaluate NAME [--count N] [--folder DIR]

KID (and FID, for reference) between N held-out images and N samples (seeds 0..N-1,
truncation 1), on ImageNet VGG16 conv5_3 features average-pooled to 512 numbers, inputs
composited on white and resized to 224. The same is measured for three reference points:

- ``pca_gaussian``: samples of a Gaussian in the top 64 principal components of the
  training pixels (the linear baseline a model should beat);
- ``train_vs_heldout``: N training images against the held-out ones (the best case);
- nearest neighbours: mean RMS pixel distance (over white, 0..1) from each sample to its
  closest training image, next to the same for held-out images (memorization shows as
  samples much closer to the training set than held-out images are).

For a VAE also the held-out negative ELBO per sub-pixel and the reconstruction PSNR.
Features of the data (which do not depend on the model) are cached.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from genart_desktop.core import paths
from genart_desktop.core.checkpoints import write_json_atomic
from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job, console_job
from genart_desktop.latent import data
from genart_desktop.latent.engine import LatentModel

FEATURE_LAYER = "conv5_3"
PCA_COMPONENTS = 64
PRIOR_SAMPLES = 64


def vgg_features(images: np.ndarray, job: Job | None = None, batch: int = 16) -> np.ndarray:
    """N x H x W x 4 straight RGBA uint8 -> N x 512 average-pooled conv5_3 features."""
    from genart_desktop.style.vgg16 import load_vgg16_features

    vgg = load_vgg16_features(torch.device("cpu"), layers=[FEATURE_LAYER])
    out = []
    with torch.inference_mode():
        for i in range(0, len(images), batch):
            rgb = torch.from_numpy(data.composite_on_white(images[i:i + batch])).permute(0, 3, 1, 2)
            rgb = F.interpolate(rgb, size=(224, 224), mode="bilinear", align_corners=False)
            out.append(vgg(rgb.clamp(0, 1))[FEATURE_LAYER].mean(dim=(2, 3)).double().numpy())
            if job is not None:
                job.check()
    return np.concatenate(out)


def kid(x: np.ndarray, y: np.ndarray, subsets: int = 50, seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (unbiased MMD^2, cubic polynomial kernel) on the full sets,
    and its standard deviation over random half-size subsets."""
    def mmd2(a: np.ndarray, b: np.ndarray) -> float:
        d = a.shape[1]
        kaa = (a @ a.T / d + 1) ** 3
        kbb = (b @ b.T / d + 1) ** 3
        kab = (a @ b.T / d + 1) ** 3
        m, n = len(a), len(b)
        return float((kaa.sum() - np.trace(kaa)) / (m * (m - 1))
                     + (kbb.sum() - np.trace(kbb)) / (n * (n - 1)) - 2 * kab.mean())

    rng = np.random.default_rng(seed)
    size = max(2, min(len(x), len(y)) // 2)
    spread = [mmd2(x[rng.choice(len(x), size, replace=False)], y[rng.choice(len(y), size, replace=False)])
              for _ in range(subsets)]
    return mmd2(x, y), float(np.std(spread))


def fid(x: np.ndarray, y: np.ndarray) -> float:
    mx, my = x.mean(0), y.mean(0)
    cx, cy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    # tr sqrt(cx cy) = sum of sqrt of eigenvalues of sqrt(cx) cy sqrt(cx), all symmetric.
    w, v = np.linalg.eigh(cx)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(root @ cy @ root)
    return float(((mx - my) ** 2).sum() + np.trace(cx) + np.trace(cy) - 2 * np.sqrt(np.clip(inner, 0, None)).sum())


def improved_precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3
                              ) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al., NeurIPS 2019): each set's
    manifold is the union of balls around its points reaching their k-th nearest
    neighbour. Precision: the share of fake points inside the real manifold (are the
    samples realistic?); recall: the share of real points inside the fake one (is the
    variety covered?)."""
    def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        squared = (a64 ** 2).sum(1)[:, None] + (b64 ** 2).sum(1)[None, :] - 2 * a64 @ b64.T
        return np.sqrt(np.maximum(squared, 0.0))

    def radii(points: np.ndarray) -> np.ndarray:
        within = distances(points, points)
        return np.sort(within, axis=1)[:, k]  # column 0 is the point itself

    def covered(points: np.ndarray, centres: np.ndarray, reach: np.ndarray) -> float:
        return float(np.mean((distances(points, centres) <= reach[None, :]).any(axis=1)))

    return covered(fake, real, radii(real)), covered(real, fake, radii(fake))


def nearest_rms(queries: np.ndarray, references: np.ndarray, exclude_self: bool = False) -> float:
    """Mean over queries of the RMS pixel distance (over white, 0..1) to the closest reference."""
    q = data.composite_on_white(queries).reshape(len(queries), -1).astype(np.float32)
    r = data.composite_on_white(references).reshape(len(references), -1).astype(np.float32)
    r_norm = (r ** 2).sum(1)
    best = []
    for i in range(0, len(q), 256):
        block = q[i:i + 256]
        d2 = (block ** 2).sum(1)[:, None] + r_norm[None] - 2 * block @ r.T
        best.append(np.sqrt(np.clip(d2.min(1), 0, None) / q.shape[1]))
    return float(np.concatenate(best).mean())


def pca_gaussian_samples(train: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """Samples of a Gaussian in the top principal components of the premultiplied pixels."""
    x = torch.from_numpy(data.premultiply(train).reshape(len(train), -1))
    k = min(PCA_COMPONENTS, len(x) - 1)
    mean = x.mean(0)
    generator = torch.Generator().manual_seed(seed)
    # Randomized PCA (float32): the exact SVD of 3,400 x 16,384 pixels is needlessly slow.
    torch.manual_seed(seed)
    _, s, v = torch.pca_lowrank(x, q=k, center=True, niter=6)
    std = s / math.sqrt(len(x) - 1)
    coords = torch.randn(count, k, generator=generator) * std
    pixels = (mean + coords @ v.T).reshape(count, *train.shape[1:]).numpy()
    return data.unpremultiply(pixels.astype(np.float32))


def _cached_features(key: str, images: np.ndarray, job: Job) -> np.ndarray:
    folder = paths.cache_dir() / "latent-eval"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(images.tobytes()).hexdigest()[:16]
    path = folder / f"{key}-{digest}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    features = vgg_features(images, job)
    np.save(path, features, allow_pickle=False)
    return features


def reference_sets(folder: Path, size: int, count: int | None) -> dict[str, np.ndarray]:
    """The images every model is compared against (they do not depend on the model)."""
    train = data.load_folder(folder, size, "train")
    held = data.load_folder(folder, size, "heldout")
    n = min(count or len(held.names), len(held.names))
    rng = np.random.default_rng(0)
    return {
        "train": train.images,
        "heldout_all": held.images,
        "heldout_names_sha256": hashlib.sha256("\n".join(held.names).encode()).hexdigest(),
        "heldout": held.images[np.sort(np.random.default_rng(1).choice(len(held.names), n, replace=False))],
        "train_subset": train.images[np.sort(rng.choice(len(train.images), n, replace=False))],
        "pca_gaussian": pca_gaussian_samples(train.images, n),
    }


def reference_features(sets: dict, job: Job) -> dict[str, np.ndarray]:
    job.progress(0.1, "VGG16 features of held-out images")
    f_held = _cached_features("heldout", sets["heldout"], job)
    job.progress(0.3, "VGG16 features of training images")
    f_train = _cached_features("train", sets["train_subset"], job)
    job.progress(0.5, "VGG16 features of the PCA-Gaussian baseline")
    f_base = _cached_features("pca-gaussian", sets["pca_gaussian"], job)
    return {"heldout": f_held, "train": f_train, "pca_gaussian": f_base}


def _precision_recall(real: np.ndarray, fake: np.ndarray) -> dict:
    precision, recall = improved_precision_recall(real, fake)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "k": 3,
            "real": "held-out images", "features": "the same VGG16 features as KID"}


def default_folder(card: dict) -> Path:
    if "emoji-datasource-twitter" in card["data"].get("source", ""):
        return data.twemoji_dir(card["data"].get("subset", "all"))
    return Path(card["data"]["source"])


def evaluate(name: str, folder: Path | None = None, count: int | None = None,
             job: Job | None = None) -> dict:
    job = job or Job()
    start = time.monotonic()
    model = LatentModel.load(name, torch.device("cpu"))
    folder = Path(folder) if folder else default_folder(model.card)
    job.progress(0.0, f"reading {folder}")
    sets = reference_sets(folder, model.size, count)
    if sets["heldout_names_sha256"] != model.card["data"]["split"]["heldout_names_sha256"]:
        raise UserError(f"{folder}: its held-out files are not the ones {model.name} was trained "
                        "without (the folder changed); the figures would not be held-out")
    n = len(sets["heldout"])
    samples = model.decode(np.stack([model.latent_for(seed) for seed in range(n)]))
    features = reference_features(sets, job)
    f_held, f_train, f_base = features["heldout"], features["train"], features["pca_gaussian"]
    job.progress(0.7, "VGG16 features of the model's samples")
    f_model = vgg_features(samples, job)

    def pair(a, b):
        value, spread = kid(a, b)
        return {"kid": round(value, 5), "kid_std": round(spread, 5), "fid": round(fid(a, b), 2)}

    job.progress(0.9, "nearest neighbours")
    metrics = {
        "evaluated_on": {"heldout_images": n, "samples": n, "sample_seeds": f"0..{n - 1}",
                         "truncation": 1.0,
                         "features": "ImageNet VGG16 conv5_3, average-pooled (512), inputs "
                                     "composited on white, bilinear-resized 64->224",
                         "kid": "unbiased MMD^2, kernel (x.y/512 + 1)^3; std over 50 half-size subsets",
                         "fid_note": f"{n} images for 512-d covariances: biased upwards, for reference only"},
        "model_vs_heldout": pair(f_model, f_held),
        "improved_precision_recall": _precision_recall(f_held, f_model),
        "pca_gaussian_vs_heldout": pair(f_base, f_held),
        "train_vs_heldout": pair(f_train, f_held),
        "nearest_train_rms": {
            "samples": round(nearest_rms(samples, sets["train"]), 4),
            "heldout": round(nearest_rms(sets["heldout"], sets["train"]), 4),
            "pca_gaussian": round(nearest_rms(sets["pca_gaussian"], sets["train"]), 4),
        },
    }
    if model.kind == "vae":
        from genart_desktop.latent.train import to_pixels, vae_heldout_metrics

        metrics.update(vae_heldout_metrics(model.network,
                                           to_pixels(torch.from_numpy(sets["heldout_all"]))))
    if model.kind == "vae":
        # For comparison: samples from the N(0, I) prior instead of the fitted Gaussian
        # (fewer of them: VGG16 at 224 px is slow on a CPU).
        noise = np.stack([model.noise_for(seed) for seed in range(PRIOR_SAMPLES)])
        f_prior = vgg_features(model.decode(noise), job)
        metrics["prior_samples_vs_heldout"] = {**pair(f_prior, f_held), "samples": PRIOR_SAMPLES}
    metrics["evaluation_wall_time_s"] = round(time.monotonic() - start, 1)
    metrics["evaluate_command"] = f"python -m genart_desktop.latent.evaluate {model.name}"
    card = dict(model.card)
    card["metrics"] = {**card.get("metrics", {}), **metrics}
    write_json_atomic(model.info.card_path, card)
    job.progress(1.0, f"wrote metrics into {model.info.card_path}")
    return metrics


def main(argv: list[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(prog="python -m genart_desktop.latent.evaluate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", help="model name or card path")
    parser.add_argument("--references-only", action="store_true",
                        help="only compute (and cache) the features of the data, from --folder")
    parser.add_argument("--count", type=int, help="images per set (default: all held-out)")
    parser.add_argument("--folder", help="the training folder (default: from the card)")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.references_only:
        folder = Path(args.folder) if args.folder else data.twemoji_dir()
        reference_features(reference_sets(folder, 64, args.count), console_job("references: "))
        return 0
    if not args.name:
        parser.error("give a model name (or --references-only)")
    try:
        metrics = evaluate(args.name, args.folder, args.count, console_job("evaluate: "))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
