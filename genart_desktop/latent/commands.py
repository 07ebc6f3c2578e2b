"""``genart train-images``, ``genart sample``, ``genart interpolate`` and
``genart latent-directions``.

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
from genart_desktop.latent.limits import (DIRECTION_SETS, DIRECTIONS, MAX_TRUNCATION,
                                          NAMED_DIRECTIONS)

DIRECTION_CHOICES = tuple(DIRECTION_SETS)
DIRECTIONS_HELP = ("which directions --direction moves along: pca (principal, the default), "
                   "sefa (closed-form factorization of the first layer) or named (fitted to "
                   "lightness, colourfulness, warmth, size, roundness; numbered in that order, "
                   "those that pass the check)")
MAX_COUNT = 1024


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
    p.add_argument("--recipe", choices=["dcgan", "projected"], default="dcgan",
                   help="GANs: dcgan (a discriminator learned from scratch) or projected (a "
                        "FastGAN-like generator against small heads on frozen ImageNet "
                        "features; needs the shipped efficientnet-lite0)")
    p.add_argument("--disc-input", type=int, choices=[64, 128, 224], default=64,
                   help="projected recipe: the size the feature network sees (default 64)")
    p.add_argument("--precision", choices=["float32", "bf16"], default="float32",
                   help="bf16: autocast for the forward passes (faster where the CPU or GPU "
                        "has bf16 units)")
    p.add_argument("--perceptual", type=float_range(0, 100), default=0.0,
                   help="VAE: weight of a VGG16 perceptual loss (sharper reconstructions; "
                        "try 1)")
    p.add_argument("--adversarial", type=float_range(0, 10), default=0.0,
                   help="VAE: weight of a patch discriminator's loss, after 2,000 steps "
                        "(try 0.1)")
    p.add_argument("--state", metavar="FOLDER",
                   help="keep the resumable checkpoint in FOLDER (to commit it between sittings)")
    p.add_argument("-o", "--output", required=True,
                   help="model name (saved in your models folder) or a path such as models/NAME")
    p.set_defaults(handler=command_train)

    p = subparsers.add_parser(
        "sample", help="images from a latent model",
        description="One image, or with --count N the seeds SEED..SEED+N-1: as separate PNGs "
                    "(OUT-SEED.png) or, with --sheet, one contact sheet.")
    p.add_argument("--model", required=True, help="model name or card path")
    p.add_argument("--seed", type=seed, default=0, help=f"0 to {MAX_SEED} (the first, with --count)")
    p.add_argument("--count", type=int_range(1, MAX_COUNT), default=1,
                   help=f"how many seeds, from --seed on (1..{MAX_COUNT})")
    p.add_argument("--sheet", action="store_true",
                   help="with --count: one contact sheet (a grid, seed order) instead of files")
    p.add_argument("--truncation", type=float_range(0, MAX_TRUNCATION, low_open=True),
                   default=1.0,
                   help="scale of the random latent (1 = as trained, smaller = safer; "
                        f"up to {MAX_TRUNCATION:g})")
    p.add_argument("--direction", action="append", default=[], metavar="N=VALUE",
                   help=f"move along direction N (1..{DIRECTIONS}, as the sliders number "
                        "them) by VALUE standard deviations")
    p.add_argument("--directions", choices=DIRECTION_CHOICES, default="pca", help=DIRECTIONS_HELP)
    p.add_argument("--scale", type=int_range(1, 64), default=1,
                   help="enlarge the PNG by this factor (1..64)")
    p.add_argument("-o", "--output", type=output_file(".png"), required=True,
                   help="PNG file (with --count and no --sheet: the name the files are numbered after)")
    p.set_defaults(handler=command_sample)

    p = subparsers.add_parser("interpolate", help="a walk between two seeds")
    p.add_argument("--model", required=True)
    p.add_argument("--seeds", type=seed, nargs=2, required=True, metavar=("A", "B"))
    p.add_argument("--frames", type=int_range(2, 1000), default=24, help="2..1000")
    p.add_argument("--truncation", type=float_range(0, MAX_TRUNCATION, low_open=True),
                   default=1.0)
    p.add_argument("--direction", action="append", default=[], metavar="N=VALUE",
                   help=f"direction N (1..{DIRECTIONS}) moved by VALUE standard deviations")
    p.add_argument("--directions", choices=DIRECTION_CHOICES, default="pca", help=DIRECTIONS_HELP)
    p.add_argument("--fps", type=float_range(0, 100, low_open=True), default=12.0,
                   help="frames per second (gif/webp)")
    p.add_argument("-o", "--output", type=output_file(".gif", ".webp", ".png"), required=True,
                   help="WALK.gif, WALK.webp or WALK.png (a strip)")
    p.set_defaults(handler=command_interpolate)

    p = subparsers.add_parser(
        "latent-directions", help="fit and check a latent model's named directions",
        description="Fits one direction per measure (lightness, colourfulness, warmth, size, "
                    "roundness) on thousands of samples and checks that each moves its measure "
                    "monotonically (Spearman >= 0.9) and how much it moves the others. Prints "
                    "the report; --write-card stores it in the model's card.")
    p.add_argument("--model", required=True, help="model name or card path")
    p.add_argument("--write-card", action="store_true", help="store the report in the card")
    p.set_defaults(handler=command_latent_directions)


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
        restart=args.restart, device=args.device, recipe=args.recipe,
        disc_input=args.disc_input, precision=args.precision, state_dir=args.state,
        perceptual=args.perceptual, adversarial=args.adversarial,
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
    import numpy as np

    from genart_desktop.core.images import save_png
    from genart_desktop.latent.engine import LatentModel, contact_sheet, enlarge

    if args.sheet and args.count < 2:
        raise UserError("--sheet needs --count of 2 or more")
    if args.seed + args.count - 1 > MAX_SEED:
        raise UserError(f"--seed {args.seed} --count {args.count} goes past the last seed, {MAX_SEED}")
    offsets = parse_directions(args.direction, _set_size(args))
    model = LatentModel.load(args.model)
    seeds = list(range(args.seed, args.seed + args.count))
    images = model.decode_many(np.stack([model.latent_for(s, args.truncation, offsets,
                                                          args.directions) for s in seeds]))
    parameters = {"model": model.name, "truncation": args.truncation,
                  "directions": {str(k): v for k, v in offsets.items()}}
    if args.directions != "pca":
        parameters["direction_set"] = args.directions
    if args.count == 1 or args.sheet:
        picture = images[0] if args.count == 1 else contact_sheet(images)
        seed_info = {"seed": args.seed} if args.count == 1 else {"seeds": [seeds[0], seeds[-1]]}
        save_png(enlarge(picture, args.scale), args.output, {**parameters, **seed_info})
        print(args.output)
        return 0
    output = Path(args.output)
    for seed_value, image in zip(seeds, images):
        path = output.with_name(f"{output.stem}-{seed_value}{output.suffix}")
        save_png(enlarge(image, args.scale), path, {**parameters, "seed": seed_value})
        print(path)
    return 0


def _set_size(args: argparse.Namespace) -> int:
    """How many directions --direction may number: the named set has one per measure."""
    return NAMED_DIRECTIONS if args.directions == "named" else DIRECTIONS


def command_interpolate(args: argparse.Namespace) -> int:
    from genart_desktop.latent.engine import LatentModel, save_walk

    offsets = parse_directions(args.direction, _set_size(args))
    model = LatentModel.load(args.model)
    frames = model.walk(args.seeds[0], args.seeds[1], args.frames, args.truncation, offsets,
                        args.directions)
    parameters = {"model": model.name, "seeds": list(args.seeds), "frames": args.frames,
                  "truncation": args.truncation,
                  "directions": {str(k): v for k, v in offsets.items()}}
    if args.directions != "pca":
        parameters["direction_set"] = args.directions
    save_walk(frames, Path(args.output), args.fps, parameters)
    print(args.output)
    return 0


def command_latent_directions(args: argparse.Namespace) -> int:
    from genart_desktop.core.checkpoints import write_json_atomic
    from genart_desktop.core.jobs import console_job
    from genart_desktop.latent import named_directions
    from genart_desktop.latent.engine import LatentModel

    model = LatentModel.load(args.model)
    fitted = named_directions.load_or_fit(model, console_job("named directions: "))
    report = named_directions.report(fitted)
    for entry in report["directions"]:
        others = ", ".join(f"{k} {v:.2f}" for k, v in entry["disturbance"].items())
        print(f"{entry['name']:>13}: follows the slider {entry['spearman']:.3f} "
              f"({'shown' if entry['shown'] else 'not shown: below 0.9'}), moves by "
              f"{entry['effect']:.2f} SD; the others by {others}")
    if args.write_card:
        card = dict(model.card)
        card["directions"] = {**card.get("directions", {}), "named": report}
        write_json_atomic(model.info.card_path, card)
        print(f"written into {model.info.card_path}")
    return 0
