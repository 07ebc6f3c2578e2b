"""``genart analyze``: a picture's palette and the paintings and styles it is like.

    genart analyze photo.jpg
    genart analyze photo.jpg --palette 8 --export-palette photo.kpl
    genart analyze photo.jpg --similar 10 --json

No torch import at module level: ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from genart_desktop.core.cli_args import existing_file, int_range
from genart_desktop.core.errors import UserError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze", help="a picture's palette and the paintings and styles it is like",
        description="Palette (k-means in CIELAB, weighted by saliency) and the closest of the "
                    "23 paintings, the 26 built-in styles and your own styles, on style, "
                    "subject and colour.")
    p.add_argument("image", type=existing_file, help="the picture")
    p.add_argument("--palette", type=int_range(3, 12), default=6, metavar="K",
                   help="colours in the palette, 3..12 (default 6)")
    p.add_argument("--similar", type=int_range(0, 100), default=5, metavar="N",
                   help="closest paintings and styles to list (default 5; 0: none)")
    p.add_argument("--export-palette", type=Path, metavar="FILE",
                   help="write the palette as .gpl (GIMP, Inkscape), .kpl (Krita) or .ase "
                        "(Adobe)")
    p.add_argument("--force", action="store_true", help="replace an existing palette file")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object: {"palette": [...], "similar": [...]}')
    p.set_defaults(handler=command_analyze)


def command_analyze(args: argparse.Namespace) -> int:
    from genart_desktop.core.images import load_image, to_array
    from genart_desktop.core.jobs import Job, console_job
    from genart_desktop.insight.analysis import analyze_array
    from genart_desktop.insight.palette_files import FORMATS, write_palette

    target = args.export_palette
    if target is not None:  # refuse before the work, not after
        if target.suffix.lower() not in FORMATS:
            raise UserError(f"{target.name}: the palette file must end in "
                            f"{', '.join(FORMATS)}")
        if target.exists() and not args.force:
            raise UserError(f"{target}: already exists (add --force to replace it)")
        if not target.parent.is_dir():
            raise UserError(f"{target.parent}: no such folder")
    picture = to_array(load_image(args.image))
    extractor = index = None
    if args.similar:
        from genart_desktop.insight.features import FeatureExtractor
        from genart_desktop.insight.similarity import build_index

        extractor = FeatureExtractor()
        extractor.of_array(picture)  # a picture too small to compare is refused before the index
        index = build_index(extractor, Job() if args.json else console_job("index "))
    result = analyze_array(picture, extractor, index, args.palette, args.similar)
    if target is not None:
        write_palette(target, result.palette, args.image.stem)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    print(f"Palette of {args.image.name}:")
    for swatch in result.palette:
        print(f"  {swatch.describe()}")
    if result.similar:
        print("Most like:")
        for match in result.similar:
            where = f" ({match.entry.artist})" if match.entry.artist else ""
            print(f"  {match.score:.3f}  {match.entry.name}{where} [{match.entry.kind}]  "
                  f"style {match.style:.2f} subject {match.subject:.2f} "
                  f"colour {match.colour:.2f}")
    if target is not None:
        print(f"Palette written to {target}")
    return 0
