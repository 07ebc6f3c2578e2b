"""Run a feed-forward style network over a large picture, tile by tile, with no seams.

Instance normalisation makes every output pixel depend on statistics of the whole
picture, so tiles run through the network one by one would each be normalised
differently and the seams would show (and statistics from a reduced-size pass differ a
lot from full-size ones: 0.1 on average at 2x). Instead this runs the network *layer by
layer*: each layer's convolution is computed tile by tile over the whole picture (each
tile reads the few neighbouring rows and columns its kernel needs, reflected at the
picture's border exactly as the network pads), the per-channel sums give the whole
picture's mean and variance, and the tiles are then normalised with them. The result is
the untiled network's output up to float rounding, while only whole-picture activations
of one layer at a time (kept on the CPU) and one tile on the device are held: a 4096 px
picture peaked at 6.1 GB of process memory with 1024 px tiles (2.1 GB of it the first
layer's 32 channels), where the untiled network would need several times that.
"""

from __future__ import annotations

from typing import Callable

import torch

from genart_desktop.style.layers import EPS, StyleLayer, StyleNetBase, activate


def run_tiled(net: StyleNetBase, image: torch.Tensor, style: torch.Tensor, tile: int,
              device: torch.device | None = None,
              on_layer: Callable[[int, int], None] | None = None) -> torch.Tensor:
    """``net(image, style)`` computed in ``tile`` x ``tile`` pieces.

    ``image`` (1,3,H,W) lives on the CPU (H, W multiples of 4); each tile is computed on
    ``device`` (default: the network's). ``on_layer(done, total)`` is called after each
    layer (progress and cancellation). Returns (1,3,H,W) on the CPU.
    """
    device = device or next(net.parameters()).device
    total = len(net.contract) + 2 * len(net.res) + len(net.expand)
    done = [0]

    def layer_fn(layer: StyleLayer, x: torch.Tensor, cond: torch.Tensor, upsample: bool):
        result = _tiled_layer(layer, x, cond.to(device), upsample, tile, device)
        done[0] += 1
        if on_layer is not None:
            on_layer(done[0], total)
        return result

    with torch.no_grad():
        return net.run(image.cpu(), style.cpu(), layer_fn)


def _tiled_layer(layer: StyleLayer, x: torch.Tensor, cond: torch.Tensor, upsample: bool,
                 tile: int, device: torch.device) -> torch.Tensor:
    conv = layer.conv.conv
    kernel, stride, pad = conv.kernel_size[0], conv.stride[0], layer.conv.pad
    factor = 2 if upsample else 1
    height, width = x.shape[2] * factor, x.shape[3] * factor  # the layer's input size
    out_h = (height + 2 * pad - kernel) // stride + 1
    out_w = (width + 2 * pad - kernel) // stride + 1
    out = torch.empty(x.shape[0], conv.out_channels, out_h, out_w)
    total = torch.zeros(conv.out_channels, dtype=torch.float64)
    squares = torch.zeros(conv.out_channels, dtype=torch.float64)
    pieces = [(top, min(top + tile, out_h), left, min(left + tile, out_w))
              for top in range(0, out_h, tile) for left in range(0, out_w, tile)]
    for top, bottom, left, right in pieces:
        rows = _source_index(top, bottom, stride, kernel, pad, height) // factor
        cols = _source_index(left, right, stride, kernel, pad, width) // factor
        window = x.index_select(2, rows).index_select(3, cols).to(device)
        y = conv(window)
        if layer.normalized:
            y64 = y.double()
            total += y64.sum(dim=(0, 2, 3)).cpu()
            squares += (y64 * y64).sum(dim=(0, 2, 3)).cpu()
        else:
            y = activate(y, layer.act)
        out[:, :, top:bottom, left:right] = y.cpu()
    if not layer.normalized:
        return out
    count = out.shape[0] * out_h * out_w
    mean = total / count
    var = (squares / count - mean * mean).clamp_min(0.0)
    scale, shift = layer.modulation(cond)
    gain = (scale.cpu().double() * torch.rsqrt(var + EPS))  # (N, C)
    offset = shift.cpu().double() - mean * gain
    gain, offset = gain.float()[:, :, None, None], offset.float()[:, :, None, None]
    for top, bottom, left, right in pieces:  # normalise in place, a tile at a time
        piece = out[:, :, top:bottom, left:right]
        piece.copy_(activate(piece * gain + offset, layer.act))
    return out


def _source_index(start: int, stop: int, stride: int, kernel: int, pad: int,
                  size: int) -> torch.Tensor:
    """Input positions that output positions [start, stop) read, reflected at the border."""
    index = torch.arange(start * stride - pad, (stop - 1) * stride + kernel - pad)
    index = index.abs()  # reflect before 0 (no edge repeat, like mode="reflect")
    return torch.where(index >= size, 2 * (size - 1) - index, index)
