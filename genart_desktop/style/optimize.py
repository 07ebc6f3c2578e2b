"""Optimization-based style transfer (Gatys, Ecker and Bethge, 2016) on VGG16.

The picture itself is the variable: it is changed to match the content's conv4_2
features and the style pictures' Gram matrices at conv1_1..conv5_1. The best quality of
the three engines, and made quick enough for a CPU by its schedule:

- it starts from the fast any-picture network's result (``init``), which is already
  close in style, instead of the photo: after 24 evaluations at 512 px the style loss
  was a quarter of the photo start's, the content loss lower too;
- coarse to fine, with most evaluations at low resolution (a half-size evaluation costs
  a quarter): each level starts from the previous level's result enlarged, plus the
  fine detail of the network's result at this level that the enlargement lacks;
- a level stops once its loss has flattened (``QualitySettings.flat_change``);
- VGG16 runs in bfloat16 under autocast on a CPU with bfloat16 instructions
  (``QualitySettings.precision``).

It streams a preview every few evaluations and honours cancellation at each one.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

import numpy as np
import torch
from torch.nn import functional as F

from genart_desktop.core.jobs import Job
from genart_desktop.style.request import QualitySettings

STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
CONTENT_LAYER = "conv4_2"
LAYERS = STYLE_LAYERS + (CONTENT_LAYER,)
PRECISIONS = ("auto", "float32", "bfloat16")
STYLE_SIDE_MAX = 2048  # a large brush scale enlarges the style picture; VGG16 memory caps it


def gram(features: torch.Tensor) -> torch.Tensor:
    """(N,C,H,W) -> (N,C,C), normalised by C*H*W so sizes compare."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def content_loss(features: dict, target: torch.Tensor) -> torch.Tensor:
    """Mean squared feature difference at conv4_2, relative to the target's energy."""
    return F.mse_loss(features[CONTENT_LAYER], target) / target.pow(2).mean().clamp_min(1e-8)


def style_loss(features: dict, grams: dict) -> torch.Tensor:
    """Mean over layers of the Gram difference, each relative to its target's energy."""
    total = 0.0
    for layer in STYLE_LAYERS:
        target = grams[layer]
        total = total + F.mse_loss(gram(features[layer]), target) / \
            target.pow(2).mean().clamp_min(1e-12)
    return total / len(STYLE_LAYERS)


def style_grams(vgg, styles: list[tuple[torch.Tensor, float]], side: int) -> dict:
    """Weighted blend of the style pictures' Grams, each picture scaled to ``side``
    (``vgg``: the network, or any function from a picture to its features)."""
    total_weight = sum(weight for _, weight in styles)
    blended: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        for picture, weight in styles:
            features = vgg(_fit_side(picture, side))
            for layer in STYLE_LAYERS:
                value = gram(features[layer]) * (weight / total_weight)
                blended[layer] = blended[layer] + value if layer in blended else value
    return blended


def optimize(
    vgg,
    content: torch.Tensor,
    styles: list[tuple[torch.Tensor, float]],
    settings: QualitySettings,
    job: Job,
    preview: Callable[[torch.Tensor], None] | None = None,
    init: torch.Tensor | None = None,
    style_scale: float = 1.0,
) -> torch.Tensor:
    """content (1,3,H,W) and styles [(1,3,h,w), weight] in 0..1 on vgg's device.

    ``init`` (1,3,H,W): where to start (the fast network's result); None: the content.
    ``style_scale``: the style pictures are seen at the level's side times this, so
    their brush strokes come out that much larger relative to the picture.
    """
    if settings.optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"optimizer must be 'lbfgs' or 'adam', not {settings.optimizer!r}")
    if settings.precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not "
                         f"{settings.precision!r}")
    _, _, height, width = content.shape
    levels = [(max(32, height >> k), max(32, width >> k))
              for k in range(settings.scales - 1, -1, -1)]
    iterations = settings.level_iterations()
    cost = [h * w * n for (h, w), n in zip(levels, iterations)]
    done_cost, total_cost = 0.0, float(sum(cost))
    features_of = _features_fn(vgg, resolve_precision(settings.precision, content.device),
                               content.device)
    result, previous_init = None, None
    for level, (h, w) in enumerate(levels):
        level_content = _at(content, h, w)
        level_init = _at(init, h, w) if init is not None else None
        if result is None:
            start = level_init if level_init is not None else level_content
        else:
            start = _enlarge(result, h, w)
            if level_init is not None:  # the network's detail that the coarser level lacks
                start = start + level_init - _enlarge(previous_init, h, w)
        previous_init = level_init
        with torch.no_grad():
            content_target = features_of(level_content)[CONTENT_LAYER]
            grams = style_grams(features_of, styles,
                                min(STYLE_SIDE_MAX, round(max(h, w) * style_scale)))

        def report(step: int, x: torch.Tensor, level=level, h=h, w=w) -> None:
            fraction = (done_cost + cost[level] * step / iterations[level]) / total_cost
            job.progress(fraction, f"scale {level + 1}/{len(levels)} ({w}x{h}), "
                                   f"step {step}/{iterations[level]}")
            if preview is not None:
                preview(x)

        result = _optimize_level(features_of, start, content_target, grams, settings,
                                 iterations[level], job, report)
        done_cost += cost[level]
    return result


def resolve_precision(precision: str, device: torch.device) -> str:
    """"auto" -> "bfloat16" on a CPU that has bfloat16 instructions, else "float32"
    (emulated bfloat16 is slower than float32; a GPU is fast enough in float32)."""
    if precision != "auto":
        return precision
    if device.type != "cpu":
        return "float32"
    try:
        native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    except AttributeError:  # a private helper gone in a later torch: stay safe
        native = False
    return "bfloat16" if native else "float32"


def _features_fn(vgg, precision: str, device: torch.device):
    """vgg's features as float32, computed in bfloat16 under autocast when asked: the
    Grams and losses need float32's range and precision either way."""
    def features(x: torch.Tensor) -> dict:
        context = torch.autocast(device.type, dtype=torch.bfloat16) \
            if precision == "bfloat16" else nullcontext()
        with context:
            out = vgg(x)
        return {name: value.float() for name, value in out.items()}
    return features


def _at(picture: torch.Tensor, h: int, w: int) -> torch.Tensor:
    return picture if picture.shape[2:] == (h, w) else \
        F.interpolate(picture, size=(h, w), mode="area")


def _enlarge(picture: torch.Tensor, h: int, w: int) -> torch.Tensor:
    return F.interpolate(picture, size=(h, w), mode="bilinear", align_corners=False)


def _optimize_level(features_of, start, content_target, grams, settings, iterations, job,
                    report) -> torch.Tensor:
    x = start.detach().clone().clamp_(0, 1).requires_grad_(True)
    evaluations = [0]
    last = [float("inf")]  # the latest loss, for the flatness test

    def loss_fn() -> torch.Tensor:
        job.check()
        features = features_of(x)
        loss = settings.content_weight * content_loss(features, content_target) + \
            settings.style_weight * style_loss(features, grams)
        last[0] = float(loss.detach())
        return loss

    def flat(before: float, steps: int) -> bool:
        """The loss fell by less than flat_change per evaluation over the last chunk."""
        return settings.flat_change > 0 and before < float("inf") and \
            (before - last[0]) < settings.flat_change * steps * abs(before)

    if settings.optimizer == "adam":
        optimizer = torch.optim.Adam([x], lr=settings.adam_lr)
        before = float("inf")
        for step in range(1, iterations + 1):
            optimizer.zero_grad()
            loss_fn().backward()
            optimizer.step()
            with torch.no_grad():
                x.clamp_(0, 1)
            if step % settings.preview_every == 0 or step == iterations:
                report(step, x.detach())
                if flat(before, settings.preview_every):
                    break
                before = last[0]
        return x.detach()

    optimizer = torch.optim.LBFGS([x], lr=1.0, max_iter=settings.preview_every,
                                  max_eval=settings.preview_every, history_size=20,
                                  tolerance_grad=0.0, tolerance_change=0.0)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        evaluations[0] += 1
        return loss

    before = float("inf")
    while evaluations[0] < iterations:
        chunk = min(settings.preview_every, iterations - evaluations[0])
        optimizer.param_groups[0].update(max_iter=chunk, max_eval=chunk)  # exact count
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
        report(min(evaluations[0], iterations), x.detach())
        if flat(before, chunk):
            break
        before = last[0]
    return x.detach()


def _fit_side(picture: torch.Tensor, side: int) -> torch.Tensor:
    _, _, h, w = picture.shape
    scale = side / max(h, w)
    size = (max(32, round(h * scale)), max(32, round(w * scale)))
    return F.interpolate(picture, size=size, mode="area" if scale < 1 else "bilinear")


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(1,3,H,W) 0..1 -> HxWx3 uint8 (previews)."""
    array = x[0].detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy()
    return (array * 255.0 + 0.5).astype(np.uint8)
