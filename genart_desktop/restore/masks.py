"""Damage masks: checking one against its picture, and painting one with a brush.

A mask is HxW uint8: 0 undamaged, 255 damaged; values between come from a soft brush
and feather the repair into the picture (see ``repair.repair``).
"""

from __future__ import annotations

import numpy as np

from genart_desktop.core.errors import UserError

#: A mask over more than this share of the picture leaves too little to repair from.
MAX_COVERAGE = 0.5


def fit_mask(mask: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, list[str]]:
    """``mask`` (any picture: grey, RGB or RGBA; white = damaged) as an HxW uint8 mask
    of the picture's size, with notes for the user on what was done to it."""
    import cv2  # here, not at the top: the window paints masks without loading OpenCV

    notes: list[str] = []
    if mask.ndim == 3:
        mask = mask[..., :3].max(axis=2)  # any bright channel marks damage
    if mask.dtype == bool:
        mask = mask.astype(np.uint8) * 255
    mask = mask.astype(np.uint8)
    height, width = shape[:2]
    if mask.shape != (height, width):
        notes.append(f"the mask is {mask.shape[1]}x{mask.shape[0]} and the picture "
                     f"{width}x{height}: the mask was scaled to fit")
        mask = cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)
    return mask, notes


def check_coverage(mask: np.ndarray) -> float:
    """The damaged share; refuses a mask over most of the picture (``UserError``)."""
    share = float(np.count_nonzero(mask)) / mask.size
    if share > MAX_COVERAGE:
        raise UserError(f"the mask covers {share:.0%} of the picture; repair fills damage "
                        f"from the undamaged picture around it, so at most "
                        f"{MAX_COVERAGE:.0%} can be marked")
    return share


def stamp(mask: np.ndarray, x: float, y: float, radius: float, hardness: float,
          erase: bool = False) -> tuple[int, int, int, int] | None:
    """Paint one round dab into ``mask`` in place; returns the changed box
    (x0, y0, x1, y1) or None when the dab misses the picture.

    ``hardness`` 1: a sharp edge; 0: the dab fades from its centre to its rim.
    Painting keeps the stronger value, erasing lowers it, so strokes do not build up.
    """
    height, width = mask.shape
    radius = max(radius, 0.5)
    x0, y0 = max(int(np.floor(x - radius)), 0), max(int(np.floor(y - radius)), 0)
    x1, y1 = min(int(np.ceil(x + radius)) + 1, width), min(int(np.ceil(y + radius)) + 1, height)
    if x0 >= x1 or y0 >= y1:
        return None
    ys, xs = np.mgrid[y0:y1, x0:x1]
    distance = np.hypot(xs + 0.5 - x, ys + 0.5 - y) / radius  # pixel centres
    solid = min(max(hardness, 0.0), 1.0)
    # 1 inside the hard core, falling linearly to 0 at the rim
    strength = np.clip((1.0 - distance) / max(1.0 - solid, 1e-3), 0.0, 1.0)
    dab = np.round(strength * 255).astype(np.uint8)
    region = mask[y0:y1, x0:x1]
    if erase:
        np.minimum(region, 255 - dab, out=region)
    else:
        np.maximum(region, dab, out=region)
    return x0, y0, x1, y1


def stroke(mask: np.ndarray, start: tuple[float, float], end: tuple[float, float],
           radius: float, hardness: float, erase: bool = False):
    """Dabs a quarter of the radius apart from ``start`` to ``end``; the changed box."""
    (xa, ya), (xb, yb) = start, end
    steps = max(1, int(np.hypot(xb - xa, yb - ya) / max(radius / 4, 0.5)))
    boxes = [stamp(mask, xa + (xb - xa) * t, ya + (yb - ya) * t, radius, hardness, erase)
             for t in np.linspace(0.0, 1.0, steps + 1)]
    boxes = [box for box in boxes if box is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


class MaskHistory:
    """Undo and redo for a mask edited in place (brush strokes, Clear, Find damage).

    An edit is bracketed by ``begin`` (the mask before) and ``commit`` (the box it
    changed, or None for all of it); only that box's before and after are kept, so a
    thousand strokes on a 12-megapixel mask cost their own few pixels, not 12 MB each.
    """

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self._before: np.ndarray | None = None
        self._done: list[tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]] = []
        self._undone: list[tuple[tuple[int, int, int, int], np.ndarray, np.ndarray]] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def begin(self, mask: np.ndarray) -> None:
        self._before = mask.copy()

    def commit(self, mask: np.ndarray, box: tuple[int, int, int, int] | None = None) -> None:
        """Keep the edit since ``begin``; ``box`` (x0, y0, x1, y1) bounds what changed."""
        before, self._before = self._before, None
        if before is None or before.shape != mask.shape:
            return
        x0, y0, x1, y1 = box if box is not None else (0, 0, mask.shape[1], mask.shape[0])
        region = (slice(y0, y1), slice(x0, x1))
        if np.array_equal(before[region], mask[region]):
            return  # nothing changed: no undo step
        self._done.append(((x0, y0, x1, y1), before[region].copy(), mask[region].copy()))
        del self._done[:-self.limit]
        self._undone.clear()

    def undo(self, mask: np.ndarray) -> tuple[int, int, int, int] | None:
        """Put the last edit back in ``mask`` (in place); the box it touched."""
        if not self._done:
            return None
        box, before, after = self._done.pop()
        mask[box[1]:box[3], box[0]:box[2]] = before
        self._undone.append((box, before, after))
        return box

    def redo(self, mask: np.ndarray) -> tuple[int, int, int, int] | None:
        if not self._undone:
            return None
        box, before, after = self._undone.pop()
        mask[box[1]:box[3], box[0]:box[2]] = after
        self._done.append((box, before, after))
        return box

    def clear(self) -> None:
        """A new mask (another picture): the old edits no longer apply."""
        self._before = None
        self._done.clear()
        self._undone.clear()
