"""``genart-desktop``: the arguments, logging, then the window (ui/startup.py).

Nothing here imports torch or the engines: the window shows first and they load in the
background after the first paint.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

_PROCESS_START = time.perf_counter()
PANELS = ("canvas", "latent", "style", "insight", "study", "restore", "music", "text")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    from genart_desktop.core.cli_args import OneLineParser, output_file

    parser = OneLineParser(prog="genart-desktop", description="GenArt Desktop")
    parser.add_argument("files", nargs="*", help="pictures, .genart projects or MIDI files to open")
    parser.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    parser.add_argument("--screenshot", metavar="FILE", type=output_file(".png", ".jpg", ".jpeg"),
                        help="open offscreen in the default layout, save a picture of the "
                             "window (PNG or JPEG, as the name says), exit")
    parser.add_argument("--panel", choices=PANELS, default="canvas",
                        help="with --screenshot: the panel in front")
    parser.add_argument("--report-startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    if args.screenshot or args.report_startup:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from genart_desktop.core.logs import setup_logging

    setup_logging(args.verbose)

    from genart_desktop.ui.startup import run_window

    return run_window(args, _PROCESS_START)


if __name__ == "__main__":
    raise SystemExit(main())
