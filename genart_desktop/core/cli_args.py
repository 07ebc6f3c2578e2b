"""Argument checks for the ``genart`` commands: wrong values are refused before any work.

Each function here is an argparse ``type=``: it turns the text into a value or raises
``argparse.ArgumentTypeError`` with a sentence the user can act on. ``OneLineParser``
prints such errors (and argparse's own) as one line, ``genart COMMAND: error: ...``, with
exit status 2, the status every expected error of the CLI ends with.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, NoReturn

# The largest seed every engine and every window spin box can take (a Qt spin box holds a
# signed 32-bit number): a seed the CLI accepts can be typed into the window, and back.
MAX_SEED = 2**31 - 1
IMAGE_OUTPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        from genart_desktop.core.jobs import end_progress_line

        end_progress_line()
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def seed(text: str) -> int:
    value = _number(text, int, "a seed")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to {MAX_SEED}, not {text}")
    return value


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    def check(text: str) -> int:
        value = _number(text, int, "a whole number")
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected a whole number {_span(low, high)}, not {text}")
        return value
    return check


def float_range(low: float, high: float | None = None, low_open: bool = False) -> Callable[[str], float]:
    def check(text: str) -> float:
        value = _number(text, float, "a number")
        too_low = value <= low if low_open else value < low
        if too_low or (high is not None and value > high) or value != value:
            bound = f"above {low:g}" if low_open else f"at least {low:g}"
            if high is not None:
                bound += f" and at most {high:g}"
            raise argparse.ArgumentTypeError(f"expected a number {bound}, not {text}")
        return value
    return check


def existing_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; a file is needed here")
    return path


def existing_folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file; a folder is needed here")
    return path


def existing_path(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or folder")
    return path


def output_file(*suffixes: str) -> Callable[[str], Path]:
    """A file to write: its suffix is one of ``suffixes`` (what is printed is what is
    written), it is not a folder, and its folder exists and can be written to."""
    def check(text: str) -> Path:
        path = Path(text).expanduser()
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name such as "
                                             f"{Path(text) / ('out' + suffixes[0])}")
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(
                f"{text}: the file name must end in {' or '.join(suffixes)}")
        check_writable_folder(path.parent, text)
        return path
    return check


def check_writable_folder(folder: Path, named: str) -> None:
    folder = folder if str(folder) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{named}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"{named}: the folder {folder} cannot be written to")


def _number(text: str, kind: type, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}") from None


def _span(low: int, high: int | None) -> str:
    return f"from {low} to {high}" if high is not None else f"of at least {low}"


def print_error(message: str) -> None:
    """One line on stderr, on a line of its own even when a progress line is open."""
    from genart_desktop.core.jobs import end_progress_line

    end_progress_line()
    print(message, file=sys.stderr)
