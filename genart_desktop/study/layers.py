"""What each layer of style means: textures that match a painting's VGG16 Gram matrix at
one layer only (Gatys, Ecker and Bethge, "Texture Synthesis Using Convolutional Neural
Networks", 2015).

From noise, a small picture is optimized (L-BFGS) until its Gram matrix at one layer
equals the painting's. conv1_1 only knows which colours go together; each deeper layer
knows larger, more meaningful patterns: strokes, then motifs. Computed once per painting
and size and kept in the user's cache folder (a few hundred KB).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from genart_desktop.core import paths
from genart_desktop.core.jobs import Job

SIDE = 128  # the textures' side in px
ITERATIONS = 60  # L-BFGS evaluations per layer
STYLE_SIDE = 256  # the painting is seen at this longer side
CHUNK = 10  # L-BFGS evaluations between clamps and progress reports
CACHE_VERSION = 1  # bump when the synthesis changes: old cached textures are ignored


def cache_file(painting: Path, side: int, iterations: int) -> Path:
    digest = hashlib.sha256(Path(painting).read_bytes()).hexdigest()[:16]
    folder = paths.cache_dir() / "study-layers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{digest}-{side}px-{iterations}it-v{CACHE_VERSION}.npz"


def cached_textures(painting: Path, side: int = SIDE,
                    iterations: int = ITERATIONS) -> dict[str, np.ndarray] | None:
    """The textures computed before for this painting, or None."""
    try:
        with np.load(cache_file(painting, side, iterations)) as stored:
            return {layer: stored[layer] for layer in _layer_names() if layer in stored}
    except (OSError, ValueError, KeyError):
        return None


def layer_textures(painting: Path, job: Job | None = None, device=None, side: int = SIDE,
                   iterations: int = ITERATIONS, seed: int = 0) -> dict[str, np.ndarray]:
    """{layer: side x side x 3 uint8} for conv1_1 ... conv5_1, from the cache when there.

    ``job.partial((layer, texture))`` after each layer; cancelling leaves no cache entry.
    """
    job = job or Job()
    cached = cached_textures(painting, side, iterations)
    if cached is not None and len(cached) == len(_layer_names()):
        for layer, texture in cached.items():
            job.partial((layer, texture))
        job.progress(1.0, "from the cache")
        return cached
    import torch

    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.style.optimize import STYLE_LAYERS, gram
    from genart_desktop.style.vgg16 import load_vgg16_features

    device = device if device is not None else torch.device("cpu")
    job.progress(0.0, "loading VGG16")
    vgg = load_vgg16_features(device, layers=STYLE_LAYERS)
    style = _fit(_tensor(to_array(load_image(painting))[:, :, :3], device), STYLE_SIDE)
    with torch.no_grad():
        targets = {layer: gram(value) for layer, value in vgg(style).items()}
    generator = torch.Generator().manual_seed(seed)
    # rough cost of a step up to each layer (deeper: more of the network runs)
    costs = np.array([1.0, 3.0, 6.0, 9.0, 10.0])
    textures: dict[str, np.ndarray] = {}
    for index, layer in enumerate(STYLE_LAYERS):
        noise = torch.rand(1, 3, side, side, generator=generator).to(device)

        def report(step: int, index=index, layer=layer) -> None:
            done = costs[:index].sum() + costs[index] * step / iterations
            job.progress(done / costs.sum(), f"{layer}: step {step}/{iterations}")

        result = _synthesize(_truncated(vgg, layer), noise, layer, targets[layer],
                             iterations, job, report)
        textures[layer] = (result[0].permute(1, 2, 0).cpu().numpy() * 255 + 0.5).astype(np.uint8)
        job.partial((layer, textures[layer]))
    _store(cache_file(painting, side, iterations), textures)
    return textures


def _truncated(vgg, layer: str):
    """A copy of ``vgg`` that stops at ``layer`` (shallow layers cost a fraction)."""
    from genart_desktop.style.vgg16 import VGG16Features

    model = VGG16Features([layer])
    weights = {key: value for key, value in vgg.convs.state_dict().items()
               if key.split(".")[0] in model.convs}
    model.convs.load_state_dict(weights, strict=True)
    return model.requires_grad_(False).eval().to(vgg.mean_bgr.device)


def _synthesize(vgg, start, layer: str, target, iterations: int, job: Job, report):
    """Pixels optimized so that gram(features[layer]) matches ``target``; L-BFGS in
    chunks of a few evaluations, the pixels clamped to 0..1 between chunks."""
    import torch
    from torch.nn import functional as F

    from genart_desktop.style.optimize import gram

    x = start.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([x], lr=1.0, history_size=20, tolerance_grad=0.0,
                                  tolerance_change=0.0)
    scale = target.pow(2).mean().clamp_min(1e-12)

    def closure():
        job.check()
        optimizer.zero_grad()
        loss = F.mse_loss(gram(vgg(x)[layer]), target) / scale
        loss.backward()
        return loss

    done = 0
    while done < iterations:
        chunk = min(CHUNK, iterations - done)
        optimizer.param_groups[0].update(max_iter=chunk, max_eval=chunk)
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
        done += chunk
        report(done)
    return x.detach()


def _tensor(picture: np.ndarray, device):
    import torch

    return torch.from_numpy(picture).permute(2, 0, 1)[None].float().div(255.0).to(device)


def _fit(picture, longest: int):
    from torch.nn import functional as F

    _, _, height, width = picture.shape
    scale = longest / max(height, width)
    size = (max(16, round(height * scale)), max(16, round(width * scale)))
    return F.interpolate(picture, size=size, mode="area" if scale < 1 else "bilinear")


def _store(path: Path, textures: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez_compressed(tmp, **textures)
    tmp.replace(path)


def _layer_names() -> tuple[str, ...]:
    return ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
