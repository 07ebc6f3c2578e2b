"""Optimization-based style transfer (Gatys, Ecker and Bethge, 2016) on VGG16.

The picture itself is the variable: starting from the content, it is changed to match
the content's conv4_2 features and the style pictures' Gram matrices at conv1_1..conv5_1.
Coarse to fine: each scale starts from the previous scale's result, upsampled, so the
expensive full-size scale needs fewer steps. Slow but the best quality of the three
engines; it streams a preview every few steps and honours cancellation.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch.nn import functional as F

from genart_desktop.core.jobs import Job
from genart_desktop.style.request import QualitySettings

STYLE_LAYERS = ("conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1")
CONTENT_LAYER = "conv4_2"
LAYERS = STYLE_LAYERS + (CONTENT_LAYER,)


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
    """Weighted blend of the style pictures' Grams, each picture scaled to ``side``."""
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
) -> torch.Tensor:
    """content (1,3,H,W) and styles [(1,3,h,w), weight] in 0..1 on vgg's device."""
    if settings.optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"optimizer must be 'lbfgs' or 'adam', not {settings.optimizer!r}")
    _, _, height, width = content.shape
    levels = [(max(32, height >> k), max(32, width >> k))
              for k in range(settings.scales - 1, -1, -1)]
    cost = [h * w for h, w in levels]
    done_cost, total_cost = 0.0, float(sum(cost)) * settings.iterations
    result = None
    for level, (h, w) in enumerate(levels):
        level_content = content if (h, w) == (height, width) else \
            F.interpolate(content, size=(h, w), mode="area")
        start = level_content if result is None else \
            F.interpolate(result, size=(h, w), mode="bilinear", align_corners=False)
        with torch.no_grad():
            content_target = vgg(level_content)[CONTENT_LAYER]
        grams = style_grams(vgg, styles, max(h, w))

        def report(step: int, x: torch.Tensor, level=level, h=h, w=w) -> None:
            fraction = (done_cost + cost[level] * step) / total_cost
            job.progress(fraction, f"scale {level + 1}/{len(levels)} ({w}x{h}), "
                                   f"step {step}/{settings.iterations}")
            if preview is not None:
                preview(x)

        result = _optimize_level(vgg, start, content_target, grams, settings, job, report)
        done_cost += cost[level] * settings.iterations
    return result


def _optimize_level(vgg, start, content_target, grams, settings, job, report) -> torch.Tensor:
    x = start.detach().clone().clamp_(0, 1).requires_grad_(True)
    evaluations = [0]

    def loss_fn() -> torch.Tensor:
        job.check()
        features = vgg(x)
        return settings.content_weight * content_loss(features, content_target) + \
            settings.style_weight * style_loss(features, grams)

    if settings.optimizer == "adam":
        optimizer = torch.optim.Adam([x], lr=settings.adam_lr)
        for step in range(1, settings.iterations + 1):
            optimizer.zero_grad()
            loss_fn().backward()
            optimizer.step()
            with torch.no_grad():
                x.clamp_(0, 1)
            if step % settings.preview_every == 0 or step == settings.iterations:
                report(step, x.detach())
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

    while evaluations[0] < settings.iterations:
        chunk = min(settings.preview_every, settings.iterations - evaluations[0])
        optimizer.param_groups[0].update(max_iter=chunk, max_eval=chunk)  # exact count
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
        report(min(evaluations[0], settings.iterations), x.detach())
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
