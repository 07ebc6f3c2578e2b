"""``genart study`` and ``genart paint``: the Study area's aids without the window.

    genart study photo.jpg --values 2 -o notan.png
    genart study photo.jpg --values 4 --thresholds 25,50,75 -o values.png
    genart study photo.jpg --overlay thirds --overlay diagonals -o lines.png
    genart study photo.jpg --aid squint -o squint.png
    genart paint photo.jpg --frames 60 -o painting.gif

No numpy, OpenCV or torch import at module level: ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from genart_desktop.core.cli_args import (IMAGE_OUTPUT_SUFFIXES, existing_file, float_range,
                                          int_range, output_file, seed)
from genart_desktop.core.errors import UserError

ANIMATION_SUFFIXES = (".gif", ".webp", ".png")
OVERLAYS = ("thirds", "phi", "diagonals", "centre")  # study.overlays.OVERLAYS, without cv2
AIDS = ("grayscale", "squint", "mirror", "edges", "saliency")  # values: --values N


def register(subparsers) -> None:
    study = subparsers.add_parser(
        "study", help="value study (notan), composition lines and other seeing aids",
        description="A study of a picture: N flat grey values (2 = notan), composition "
                    "lines drawn over it, or another seeing aid. Combine --aid or --values "
                    "with --overlay.")
    study.add_argument("input", type=existing_file, help="the picture")
    study.add_argument("-o", "--output", type=output_file(*IMAGE_OUTPUT_SUFFIXES), required=True,
                       help=f"output picture ({', '.join(IMAGE_OUTPUT_SUFFIXES)})")
    study.add_argument("--values", type=int_range(2, 5), metavar="N",
                       help="exactly N grey levels, 2 to 5 (2: notan by Otsu's threshold)")
    study.add_argument("--thresholds", metavar="L1,L2,...",
                       help="with --values: the N-1 CIELAB lightness cut points (0..100); "
                            "default: Otsu's")
    study.add_argument("--overlay", action="append", choices=OVERLAYS, default=[],
                       help="composition lines drawn over the picture; repeat for several")
    study.add_argument("--aid", choices=AIDS, help="another seeing aid")
    study.set_defaults(handler=command_study)

    paint = subparsers.add_parser(
        "paint", help="paint a picture with brush strokes, as an animation",
        description="Hertzmann's painterly rendering (large brushes first, then smaller "
                    "ones where there is detail), written as an animation from the empty "
                    "canvas to the finished painting, or as the painting alone (.png).")
    paint.add_argument("input", type=existing_file, help="the picture")
    paint.add_argument("-o", "--output", type=output_file(*ANIMATION_SUFFIXES), required=True,
                       help="animation (.gif, .webp) or the finished painting (.png)")
    paint.add_argument("--frames", type=int_range(2, 1000), default=48,
                       help="frames in the animation, 2 to 1000 (default 48)")
    paint.add_argument("--seed", type=seed, default=0, help="the same seed paints the same")
    paint.add_argument("--size", type=int_range(16, 8192), default=1024,
                       help="paint at this longer side at most, in px (default 1024)")
    paint.add_argument("--duration", type=float_range(0, 600, low_open=True), default=4.0,
                       help="animation length in seconds (default 4); the last frame holds")
    paint.set_defaults(handler=command_paint)


def command_study(args: argparse.Namespace) -> int:
    if args.values is None and not args.overlay and args.aid is None:
        raise UserError("say what to make: --values N, --overlay KIND or --aid AID")
    if args.values is not None and args.aid is not None:
        raise UserError("--values and --aid are two pictures: choose one")
    thresholds = _parse_thresholds(args.thresholds, args.values)
    image = _load(args.input)

    from genart_desktop.core.images import save_picture
    from genart_desktop.study import aids, overlays

    parameters: dict = {"engine": "study", "source": args.input.name}
    if args.values is not None:
        settings = aids.AidSettings("values", levels=args.values, thresholds=thresholds)
        image = aids.apply_aid(image, settings)
        parameters.update(settings.to_dict())
    elif args.aid is not None:
        image = aids.apply_aid(image, aids.AidSettings(args.aid))
        parameters["aid"] = args.aid
    if args.overlay:
        image = overlays.burn_in(image, args.overlay)
        parameters["overlays"] = args.overlay
    save_picture(image, args.output, parameters)
    print(args.output)
    return 0


def command_paint(args: argparse.Namespace) -> int:
    image = _load(args.input)

    from genart_desktop.core.images import save_picture
    from genart_desktop.core.jobs import console_job
    from genart_desktop.study import painterly

    image = _fit(image, args.size)
    painting = painterly.paint(image, seed=args.seed, job=console_job("painting "))
    parameters = {"engine": "paint", "source": args.input.name, "seed": args.seed,
                  "strokes": len(painting)}
    if args.output.suffix.lower() == ".png":
        save_picture(painting.frame(len(painting)), args.output, parameters)
    else:
        try:
            painterly.save_animation(painting, args.output, args.frames, args.duration)
        except (OSError, ValueError) as error:
            raise UserError(f"{args.output.name}: cannot write it ({error})") from None
    print(args.output)
    return 0


# --- helpers -------------------------------------------------------------------------------
def _parse_thresholds(text: str | None, levels: int | None) -> list[float] | None:
    if text is None:
        return None
    if levels is None:
        raise UserError("--thresholds goes with --values N")
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise UserError(f"--thresholds {text!r}: give numbers separated by commas") from None
    if len(values) != levels - 1:
        raise UserError(f"--values {levels} needs {levels - 1} thresholds, not {len(values)}")
    if any(not 0 <= value <= 100 for value in values):
        raise UserError("--thresholds are CIELAB lightness values, 0 to 100")
    return values


def _load(path: Path):
    from genart_desktop.core.images import load_image, to_array

    return to_array(load_image(path))  # a missing or broken file: one clear line


def _fit(image, longest: int):
    import cv2

    height, width = image.shape[:2]
    scale = longest / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


