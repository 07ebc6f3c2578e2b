"""``genart train-images``, ``genart sample`` and ``genart interpolate``.

torch is imported inside the handlers so that ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from genart_desktop.core.cli_args import (MAX_SEED, existing_folder, float_range, int_range,
                                          output_file, seed)
from genart_desktop.core.errors import UserError
from genart_desktop.latent.limits import DIRECTIONS, MAX_TRUNCATION


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train-images", help="train a VAE or a GAN on a folder of images",
        description="Train a 64x64 RGBA VAE or GAN on a folder of images. Unreadable files are "
                    "skipped and counted; 10%% of the files (chosen by a hash of their names) "
                    "are held out. Running the same command again resumes from its checkpoint.")
    p.add_argument("folder", type=existing_folder, help="folder of images (png, jpg, webp, ...)")
    p.add_argument("--kind", choices=["vae", "gan"], required=True)
    p.add_argument("--size", type=int, default=64, help="image size (power of two, default 64)")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--epochs", type=float_range(0, low_open=True),
                        help="passes over the training images")
    budget.add_argument("--minutes", type=float_range(0, low_open=True),
                        help="wall-clock training time in all (a resumed run counts the time already spent)")
    p.add_argument("--width", type=int, default=32, help="base channel width (default 32)")
    p.add_argument("--z-dim", type=int, help="latent size (default: vae 64, gan 128)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, help="learning rate (default: vae 5e-4, gan 2e-4)")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--threads", type=int_range(1, 256), help="CPU threads for torch")
    p.add_argument("--checkpoint-seconds", type=float, default=120.0,
                   help="seconds between resumable checkpoints (default 120)")
    p.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    p.add_argument("-o", "--output", required=True,
                   help="model name (saved in your models folder) or a path such as models/NAME")
    p.set_defaults(handler=command_train)

    p = subparsers.add_parser("sample", help="one image from a latent model")
    p.add_argument("--model", required=True, help="model name or card path")
    p.add_argument("--seed", type=seed, default=0, help=f"0 to {MAX_SEED}")
    p.add_argument("--truncation", type=float_range(0, MAX_TRUNCATION, low_open=True),
                   default=1.0,
                   help="scale of the random latent (1 = as trained, smaller = safer; "
                        f"up to {MAX_TRUNCATION:g})")
    p.add_argument("--direction", action="append", default=[], metavar="N=VALUE",
                   help=f"move along direction N (1..{DIRECTIONS}, as the sliders number "
                        "them) by VALUE standard deviations")
    p.add_argument("--scale", type=int_range(1, 64), default=1,
                   help="enlarge the PNG by this factor (1..64)")
    p.add_argument("-o", "--output", type=output_file(".png"), required=True, help="PNG file")
    p.set_defaults(handler=command_sample)

    p = subparsers.add_parser("interpolate", help="a walk between two seeds")
    p.add_argument("--model", required=True)
    p.add_argument("--seeds", type=seed, nargs=2, required=True, metavar=("A", "B"))
    p.add_argument("--frames", type=int_range(2, 1000), default=24, help="2..1000")
    p.add_argument("--truncation", type=float_range(0, MAX_TRUNCATION, low_open=True),
                   default=1.0)
    p.add_argument("--direction", action="append", default=[], metavar="N=VALUE",
                   help=f"direction N (1..{DIRECTIONS}) moved by VALUE standard deviations")
    p.add_argument("--fps", type=float_range(0, 100, low_open=True), default=12.0,
                   help="frames per second (gif/webp)")
    p.add_argument("-o", "--output", type=output_file(".gif", ".webp", ".png"), required=True,
                   help="WALK.gif, WALK.webp or WALK.png (a strip)")
    p.set_defaults(handler=command_interpolate)


def parse_directions(items: list[str], count: int = DIRECTIONS) -> dict[int, float]:
    """'1=2.5' -> {0: 2.5}: the CLI numbers directions 1..16 as the sliders do; the
    engine and saved parameters count from 0."""
    offsets: dict[int, float] = {}
    for item in items:
        number, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            number_value, offset = int(number), float(value)
        except ValueError:
            raise UserError(f"--direction {item!r}: expected N=VALUE, e.g. 1=2.5") from None
        if not 1 <= number_value <= count:
            raise UserError(f"--direction {item!r}: directions are numbered 1 to {count}")
        if not abs(offset) <= 10:
            raise UserError(f"--direction {item!r}: the value is in standard deviations, "
                            "from -10 to 10")
        offsets[number_value - 1] = offset
    return offsets


def command_train(args: argparse.Namespace) -> int:
    import torch

    from genart_desktop.core.jobs import console_job
    from genart_desktop.latent.train import TrainParams, train

    if args.threads:
        torch.set_num_threads(args.threads)
    params = TrainParams(
        folder=args.folder, kind=args.kind, output=args.output, size=args.size,
        epochs=args.epochs, minutes=args.minutes, batch_size=args.batch_size, width=args.width,
        z_dim=args.z_dim, lr=args.lr, seed=args.seed, checkpoint_seconds=args.checkpoint_seconds,
        restart=args.restart, device=args.device,
        command="genart " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    summary = train(params, console_job(f"train {args.kind}: "))
    if summary["skipped"]:
        print(f"skipped {len(summary['skipped'])} unreadable files:", file=sys.stderr)
        for reason in summary["skipped"][:10]:
            print(f"  {reason}", file=sys.stderr)
    print(f"{summary['usable']} usable images, {summary['steps']} steps, "
          f"{summary['elapsed_s']:.0f} s; model card: {summary['card']}")
    return 0


def command_sample(args: argparse.Namespace) -> int:
    from genart_desktop.core.images import save_png
    from genart_desktop.latent.engine import LatentModel, enlarge

    offsets = parse_directions(args.direction)
    model = LatentModel.load(args.model)
    image = model.sample(args.seed, args.truncation, offsets)
    output = args.output
    save_png(enlarge(image, args.scale), output,
             {"model": model.name, "seed": args.seed, "truncation": args.truncation,
              "directions": {str(k): v for k, v in offsets.items()}})
    print(output)
    return 0


def command_interpolate(args: argparse.Namespace) -> int:
    from genart_desktop.latent.engine import LatentModel, save_walk

    offsets = parse_directions(args.direction)
    model = LatentModel.load(args.model)
    frames = model.walk(args.seeds[0], args.seeds[1], args.frames, args.truncation, offsets)
    save_walk(frames, Path(args.output), args.fps,
              {"model": model.name, "seeds": list(args.seeds), "frames": args.frames,
               "truncation": args.truncation,
               "directions": {str(k): v for k, v in offsets.items()}})
    print(args.output)
    return 0
