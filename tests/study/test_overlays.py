"""Composition lines: where they fall, and drawn into a copy only when asked."""

from __future__ import annotations

import numpy as np
import pytest

from genart_desktop.study.overlays import OVERLAYS, PHI, burn_in, overlay_lines


def test_thirds_cut_the_picture_in_three_each_way():
    lines = overlay_lines("thirds", 300, 200)
    xs = sorted(a[0] for a, b in lines if a[0] == b[0])
    ys = sorted(a[1] for a, b in lines if a[1] == b[1])
    assert xs == pytest.approx([100, 200]) and ys == pytest.approx([200 / 3, 400 / 3])


def test_phi_grid_sits_at_the_golden_section():
    lines = overlay_lines("phi", 1000, 500)
    xs = sorted(a[0] for a, b in lines if a[0] == b[0])
    assert xs == pytest.approx([1000 / PHI ** 2, 1000 / PHI])
    assert xs[1] / (1000 - xs[1]) == pytest.approx(PHI)


def test_diagonals_and_their_reciprocals_meet_at_right_angles():
    width, height = 300, 200
    lines = overlay_lines("diagonals", width, height)
    assert lines[0] == ((0, 0), (width, height)) and lines[1] == ((width, 0), (0, height))
    (x0, y0), (x1, y1) = lines[2]  # from the top-left corner, square to the other diagonal
    assert (x0, y0) == (0, 0) and y1 == pytest.approx(height)
    other = (0 - width, height - 0)
    assert (x1 - x0) * other[0] + (y1 - y0) * other[1] == pytest.approx(0, abs=1e-6)
    for (a, b) in lines:  # every line stays inside the frame
        for x, y in (a, b):
            assert -1e-9 <= x <= width + 1e-9 and -1e-9 <= y <= height + 1e-9


def test_centre_lines():
    assert overlay_lines("centre", 80, 60) == [((40, 0), (40, 60)), ((0, 30), (80, 30))]


def test_unknown_overlay_is_refused():
    with pytest.raises(ValueError):
        overlay_lines("spiral", 10, 10)


def test_burn_in_draws_on_a_copy_along_the_lines_only():
    picture = np.full((90, 120, 3), 100, np.uint8)
    drawn = burn_in(picture, ["thirds"])
    assert (picture == 100).all()  # the original is untouched
    changed = (drawn != 100).any(axis=2)
    assert changed[:, 39:41].all(axis=0).any()  # a vertical line near x = 119/3
    assert changed[29:31, :].all(axis=1).any()  # a horizontal one near y = 89/3
    assert not changed[10:20, 10:20].any() and not changed[50:55, 55:70].any()
    assert all(burn_in(picture, [kind]).shape == picture.shape for kind in OVERLAYS)
    assert len(overlay_lines("diagonals", 4, 4)) == 6
