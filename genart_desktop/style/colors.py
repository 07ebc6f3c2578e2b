"""Colour and blending steps shared by every engine (float HxWx3 arrays in 0..1)."""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 full-range RGB <-> YCbCr (what JPEG and PIL's "YCbCr" use).
_TO_YCC = np.array([[0.299, 0.587, 0.114],
                    [-0.168736, -0.331264, 0.5],
                    [0.5, -0.418688, -0.081312]], dtype=np.float32)
_FROM_YCC = np.linalg.inv(_TO_YCC).astype(np.float32)


def rgb_to_ycc(rgb: np.ndarray) -> np.ndarray:
    return rgb @ _TO_YCC.T


def ycc_to_rgb(ycc: np.ndarray) -> np.ndarray:
    return ycc @ _FROM_YCC.T


def preserve_colors(stylized: np.ndarray, original: np.ndarray) -> np.ndarray:
    """The stylised brightness (Y) with the original's colour (Cb, Cr)."""
    ycc = rgb_to_ycc(original)
    ycc[..., 0] = rgb_to_ycc(stylized)[..., 0]
    return np.clip(ycc_to_rgb(ycc), 0.0, 1.0)


def blend(stylized: np.ndarray, original: np.ndarray, strength: float) -> np.ndarray:
    """strength 1: the stylised picture; 0: the original."""
    if strength >= 1.0:
        return stylized
    return original + (stylized - original) * np.float32(strength)
