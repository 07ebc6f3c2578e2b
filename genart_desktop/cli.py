"""``genart``: the headless command. It calls the same engines the window calls.

Each creative area adds its own sub-commands: ``genart_desktop/<area>/commands.py``
defines ``register(subparsers)``, which adds parsers whose ``handler(args)`` does the
work. Those modules must not import torch at import time, so ``genart --help`` is quick.

Arguments are checked before any work (``core/cli_args.py``). A wrong argument or a
``UserError`` (bad file, missing model, wrong option) is printed as one line, on a line of
its own even after a progress line, and the exit status is 2; anything unexpected is
logged with its traceback to the log file, reported in one line, and the status is 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from typing import Any

from genart_desktop import __version__
from genart_desktop.core import device as device_module
from genart_desktop.core import paths
from genart_desktop.core.cli_args import OneLineParser, print_error
from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.logs import setup_logging

AREAS = ("latent", "style", "insight", "study", "restore", "music", "text")
log = logging.getLogger("genart")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="genart", description="GenArt Desktop's engines, without the window."
    )
    parser.add_argument("--version", action="version", version=f"genart {__version__}")
    parser.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    info = commands.add_parser("info", help="devices, versions and the models found")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=command_info)

    for area in AREAS:
        module_name = f"genart_desktop.{area}.commands"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue  # this area (or its commands module) is not there yet
            raise
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or an argument refused (one line already printed)
        return stop.code if isinstance(stop.code, int) else 2
    setup_logging(args.verbose)
    if args.device:
        device_module.set_preference(args.device)
    try:
        status = args.handler(args)
    except UserError as error:
        print_error(f"genart: error: {error}")
        return 2
    except JobCancelled:
        print_error("genart: cancelled")
        return 130
    except KeyboardInterrupt:
        print_error("genart: interrupted")
        return 130
    except Exception as error:  # noqa: BLE001 - one line for the user, the rest in the log
        log.exception("unexpected error in 'genart %s'", args.command)
        print_error(f"genart: unexpected error: {type(error).__name__}: {error} "
                    f"(details in {paths.log_file()})")
        return 1
    return int(status or 0)


def gather_info() -> dict[str, Any]:
    import torch

    from genart_desktop.core.checkpoints import list_models

    chosen = device_module.choose_device()
    return {
        "version": __version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
        "device": str(chosen),
        "device_description": device_module.describe(chosen),
        "devices": device_module.list_devices(),
        "models_dir": str(paths.shipped_models_dir()),
        "user_models_dir": str(paths.user_models_dir()),
        "log_file": str(paths.log_file()),
        "models": [
            {
                "name": info.name,
                "kind": info.kind,
                "license": info.license,
                "credit": info.card.get("credit", ""),
                "shipped": info.shipped,
                "size_bytes": info.size_bytes,
            }
            for info in list_models()
        ],
    }


def command_info(args: argparse.Namespace) -> int:
    info = gather_info()
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"GenArt Desktop {info['version']} (Python {info['python']})")
    print(f"torch {info['torch']}, CUDA {info['cuda'] or 'none'} "
          f"({'available' if info['cuda_available'] else 'not available'})")
    print(f"device in use: {info['device_description']}")
    print("devices:")
    for entry in info["devices"]:
        memory = entry["memory_bytes"]
        memory_text = f", {memory / 2**30:.1f} GB" if memory else ""
        print(f"  {entry['name']}: {entry['description']}{memory_text}")
    print(f"models ({info['models_dir']}, {info['user_models_dir']}):")
    if not info["models"]:
        print("  none found")
    for model in info["models"]:
        origin = "shipped" if model["shipped"] else "user"
        print(f"  {model['name']} [{model['kind']}, {origin}] license: {model['license']}")
    print(f"log file: {info['log_file']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
