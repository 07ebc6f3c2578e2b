"""``genart restore``: repair damage without the window.

    genart restore old.jpg --mask damage.png -o repaired.png     (white = damaged)
    genart restore old.jpg --auto --save-mask found.png -o repaired.png
    genart restore old.jpg --auto --sensitivity 0.7 --denoise 0.4 --fade 1 -o out.png

Whole-picture fixes (--deblock, --denoise, --fade) run before the repair, in that order.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genart_desktop.core.cli_args import existing_file, float_range, output_file
from genart_desktop.core.errors import UserError

SHARE = float_range(0.0, 1.0)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "restore", help="repair cracks, scratches, dust and stains in a picture",
        description="Repair the damage marked in a mask (white = damaged) or found "
                    "automatically: thin damage by diffusion, wide damage with texture "
                    "copied from the picture. Undamaged pixels are kept exactly.")
    p.add_argument("input", type=existing_file, help="the damaged picture")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--mask", type=existing_file,
                        help="a picture of the damage: white = damaged "
                        "(another size is scaled to fit)")
    source.add_argument("--auto", action="store_true",
                        help="find cracks, scratches and dust automatically")
    p.add_argument("-o", "--output", type=output_file(".png"), required=True,
                   help="the repaired picture (PNG)")
    p.add_argument("--sensitivity", type=SHARE, default=0.5,
                   help="--auto: 0 (only obvious damage) to 1 (faint damage too); default 0.5")
    p.add_argument("--save-mask", type=output_file(".png"), metavar="FOUND.png",
                   help="--auto: also write the found damage as a mask")
    p.add_argument("--deblock", type=SHARE, metavar="STRENGTH", nargs="?", const=0.5,
                   help="remove JPEG blocking (0..1, default 0.5)")
    p.add_argument("--denoise", type=SHARE, metavar="STRENGTH", nargs="?", const=0.5,
                   help="reduce noise and grain (0..1, default 0.5)")
    p.add_argument("--fade", type=SHARE, metavar="STRENGTH", nargs="?", const=1.0,
                   help="restore faded colours: levels and white balance (0..1, default 1)")
    p.set_defaults(handler=command_restore)


def command_restore(args: argparse.Namespace) -> int:
    from genart_desktop.core.images import load_image, save_png, to_array
    from genart_desktop.core.jobs import console_job

    fixes = [(kind, getattr(args, kind)) for kind in ("deblock", "denoise", "fade")
             if getattr(args, kind) is not None]
    if args.mask is None and not args.auto and not fixes:
        raise UserError("say what to repair: --mask MASK.png, --auto, or --deblock/"
                        "--denoise/--fade")
    if args.save_mask is not None and not args.auto:
        raise UserError("--save-mask goes with --auto (it writes the damage found)")
    picture = to_array(load_image(args.input))
    mask = _load_mask(args.mask, picture.shape) if args.mask is not None else None

    from genart_desktop.restore.enhance import enhance

    parameters: dict = {"engine": "restore"}
    for kind, strength in fixes:
        picture = enhance(picture, kind, strength)
        parameters[kind] = strength
    if args.auto:
        from genart_desktop.restore.detect import find_damage

        found = find_damage(picture, args.sensitivity)
        mask = found.mask
        print(found.summary(), file=sys.stderr)
        parameters["sensitivity"] = args.sensitivity
        if args.save_mask is not None:
            save_png(mask, args.save_mask)
    if mask is not None:
        from genart_desktop.restore.repair import repair

        picture, report = repair(picture, mask, console_job())
        print(report.summary(), file=sys.stderr)
        parameters["repaired_pixels"] = report.damaged_pixels
    save_png(picture, args.output, parameters)
    print(args.output)
    return 0


def _load_mask(path: Path, shape):
    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.restore.masks import check_coverage, fit_mask

    try:
        mask = to_array(load_image(path))
    except UserError as error:
        raise UserError(f"mask {error}") from None
    mask, notes = fit_mask(mask, shape)
    for note in notes:
        print(f"genart: note: {note}", file=sys.stderr)
    check_coverage(mask)
    return mask
