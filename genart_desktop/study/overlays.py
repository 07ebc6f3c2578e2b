"""Composition lines as plain geometry: segments in picture coordinates (pixels).

The window draws them over the canvas (they follow zoom and pan and cost nothing to
redraw); ``burn_in`` draws them into a copy of the picture for the CLI and "Apply".

- ``thirds``: the rule of thirds.
- ``phi``: the golden-section grid, lines at 1/phi^2 and 1/phi (0.382 and 0.618).
- ``diagonals``: both corner-to-corner diagonals and their reciprocals (from each corner,
  square to the other diagonal), the armature of dynamic symmetry.
- ``centre``: the vertical and horizontal centre lines.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

OVERLAYS = ("thirds", "phi", "diagonals", "centre")
PHI = (1.0 + math.sqrt(5.0)) / 2.0

Point = tuple[float, float]
Segment = tuple[Point, Point]


def overlay_lines(kind: str, width: float, height: float) -> list[Segment]:
    """The segments of overlay ``kind`` on a ``width`` x ``height`` picture."""
    if kind == "thirds":
        return _grid(width, height, (1 / 3, 2 / 3))
    if kind == "phi":
        return _grid(width, height, (1 - 1 / PHI, 1 / PHI))
    if kind == "centre":
        return _grid(width, height, (0.5,))
    if kind == "diagonals":
        corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
        lines: list[Segment] = [(corners[0], corners[2]), (corners[1], corners[3])]
        for index, corner in enumerate(corners):
            # the other diagonal joins the neighbours of this corner
            a, b = corners[(index + 1) % 4], corners[(index + 3) % 4]
            direction = (-(b[1] - a[1]), b[0] - a[0])  # square to that diagonal
            lines.append((corner, _to_border(corner, direction, width, height)))
        return lines
    raise ValueError(f"unknown overlay {kind!r}; choose from {', '.join(OVERLAYS)}")


def burn_in(image: np.ndarray, kinds: list[str] | tuple[str, ...],
            colour: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    """A copy of ``image`` with the overlays drawn into it: a light line over a dark one,
    so they show on any picture; about 1/500 of the longer side thick."""
    out = np.ascontiguousarray(image.copy())
    height, width = out.shape[:2]
    thickness = max(1, round(max(width, height) / 500))
    shift = 4  # sub-pixel endpoints: cv2 takes fixed-point coordinates
    alpha = (255,) if out.ndim == 3 and out.shape[2] == 4 else ()
    for kind in kinds:
        for (x0, y0), (x1, y1) in overlay_lines(kind, width - 1, height - 1):
            ends = [(round(x * (1 << shift)), round(y * (1 << shift))) for x, y in
                    ((x0, y0), (x1, y1))]
            cv2.line(out, *ends, (0, 0, 0) + alpha, thickness + 2, cv2.LINE_AA, shift)
            cv2.line(out, *ends, tuple(colour) + alpha, thickness, cv2.LINE_AA, shift)
    return out


def _grid(width: float, height: float, fractions: tuple[float, ...]) -> list[Segment]:
    vertical = [((width * f, 0.0), (width * f, height)) for f in fractions]
    horizontal = [((0.0, height * f), (width, height * f)) for f in fractions]
    return vertical + horizontal


def _to_border(start: Point, direction: Point, width: float, height: float) -> Point:
    """Where the ray from ``start`` (on the border) along ``direction`` leaves the picture."""
    (x, y), (dx, dy) = start, direction
    nudge = 1e-6 / max(abs(dx), abs(dy))
    if not (0 <= x + dx * nudge <= width and 0 <= y + dy * nudge <= height):
        dx, dy = -dx, -dy  # it pointed out of the picture
    steps = []
    if dx:
        steps += [(edge - x) / dx for edge in (0.0, width)]
    if dy:
        steps += [(edge - y) / dy for edge in (0.0, height)]
    t = min(step for step in steps if step > 1e-9)
    return (x + t * dx, y + t * dy)
