"""``genart compose``, ``genart train-music`` and ``genart evaluate-music``.

torch is imported inside the handlers, so ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
import shlex
import sys


def register(subparsers) -> None:
    compose = subparsers.add_parser(
        "compose", help="generate, continue or harmonize a four-voice chorale (MIDI, WAV)")
    compose.add_argument("--mode", choices=("generate", "continue", "harmonize"),
                         default="generate")
    compose.add_argument("--in", dest="input", help="input MIDI (continue, harmonize)")
    compose.add_argument("--bars", type=int, default=8,
                         help="bars to generate, or to add when continuing (default 8)")
    compose.add_argument("--temperature", type=float, default=0.9,
                         help="lower is safer, higher is more adventurous (default 0.9)")
    compose.add_argument("--seed", type=int, default=None, help="same seed, same music")
    compose.add_argument("--key", default=None,
                         help='key of a generated piece, e.g. "G major" or "E minor"')
    compose.add_argument("--tempo", type=float, default=None, help="beats per minute")
    compose.add_argument("--steps", type=int, default=None, help="Gibbs sampling steps")
    compose.add_argument("--allow-parallels", action="store_true",
                         help="sample the net as it is, without steering away from "
                              "parallel fifths and octaves")
    compose.add_argument("--model", default="bach-chorales", help="model name or card path")
    compose.add_argument("-o", "--output", required=True, help="output MIDI file")
    compose.add_argument("--wav", help="also render to this WAV file")
    compose.add_argument("--soundfont", help=".sf2/.sf3 file (default: pretty_midi's TimGM6mb)")
    compose.set_defaults(handler=command_compose)

    train = subparsers.add_parser("train-music", help="train a chorale model (resumable)")
    train.add_argument("--minutes", type=float, default=40.0, help="wall-clock budget")
    train.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    train.add_argument("--layers", type=int, default=None)
    train.add_argument("--channels", type=int, default=None)
    train.add_argument("--crop", type=int, default=64, help="training crop, in 16th notes")
    train.add_argument("--batch", type=int, default=16)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--fresh", action="store_true", help="ignore an earlier checkpoint")
    train.add_argument("-o", "--output", required=True,
                       help="model name (user models folder) or path stem, e.g. models/NAME")
    train.set_defaults(handler=command_train)

    evaluate = subparsers.add_parser(
        "evaluate-music", help="held-out NLL and harmonization statistics, written to the card")
    evaluate.add_argument("--model", default="bach-chorales")
    evaluate.add_argument("--chorales", type=int, default=None, help="use only the first N held-out")
    evaluate.add_argument("--no-write", action="store_true", help="do not update the card")
    evaluate.set_defaults(handler=command_evaluate)


def command_compose(args: argparse.Namespace) -> int:
    from genart_desktop.core.errors import UserError
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music import engine
    from genart_desktop.music.midi_io import read_midi, write_midi
    from genart_desktop.music.model import load_model

    if args.mode != "generate" and not args.input:
        raise UserError(f"--mode {args.mode} needs an input melody or score: --in FILE.mid")
    if args.key and args.mode != "generate":
        raise UserError("--key applies to --mode generate (a given score keeps its key)")
    if not 0.05 <= args.temperature <= 5.0:
        raise UserError(f"--temperature must be between 0.05 and 5 (got {args.temperature})")
    score = None
    if args.input:
        score, messages = read_midi(args.input)
        for line in messages:
            print(line, file=sys.stderr)
    model = load_model(args.model)
    job = console_job(f"{args.mode} ")
    sampling = dict(temperature=args.temperature, seed=args.seed, steps=args.steps,
                    avoid_parallels=not args.allow_parallels, job=job)
    if args.mode == "generate":
        result = engine.generate(model, bars=args.bars, key=args.key,
                                 tempo=args.tempo or 80.0, **sampling)
    elif args.mode == "continue":
        result = engine.continue_score(model, score, bars=args.bars, **sampling)
    else:
        result = engine.harmonize(model, score, melody_voice=0, **sampling)
    if args.tempo and args.mode != "generate":
        result.tempo_changes = [type(result.tempo_changes[0])(0.0, float(args.tempo))]
    write_midi(result, args.output)
    print(f"wrote {args.output} ({len(result.notes)} notes, {result.end_beat:.0f} beats, "
          f"key {result.key or 'unknown'})")
    if args.wav:
        from genart_desktop.music.render import render, write_wav

        write_wav(render(result, args.soundfont), args.wav)
        print(f"wrote {args.wav} ({result.duration_seconds:.1f} s)")
    return 0


def command_train(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music.network import NetConfig
    from genart_desktop.music.training import TrainParams, train

    net = NetConfig()
    if args.layers:
        net.layers = args.layers
    if args.channels:
        net.channels = args.channels
    params = TrainParams(
        output=args.output, minutes=args.minutes, crop_frames=args.crop, batch_size=args.batch,
        seed=args.seed, threads=args.threads, resume=not args.fresh, net=net,
        command="genart " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    card_path = train(params, console_job("train-music "))
    print(f"wrote {card_path}")
    return 0


def command_evaluate(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music.evaluate import evaluate_model

    evaluate_model(args.model, console_job("evaluate "), limit=args.chorales,
                   write_card=not args.no_write)
    return 0
