"""``genart compose``, ``genart train-music`` and ``genart evaluate-music``.

torch is imported inside the handlers, so ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from genart_desktop.core.cli_args import existing_file, float_range, int_range, output_file, seed


def register(subparsers) -> None:
    from genart_desktop.music import melody_commands

    melody_commands.register(subparsers)
    compose = subparsers.add_parser(
        "compose", help="generate, continue or harmonize a four-voice chorale (MIDI, WAV)")
    compose.add_argument("--mode", choices=("generate", "continue", "harmonize"),
                         default="generate")
    compose.add_argument("--in", dest="input", type=existing_file,
                         help="input MIDI (continue, harmonize)")
    compose.add_argument("--bars", type=int_range(1, 64), default=8,
                         help="bars to generate, or to add when continuing (1..64, default 8)")
    compose.add_argument("--temperature", type=float_range(0.05, 5.0), default=0.9,
                         help="lower is safer, higher is more adventurous (default 0.9)")
    compose.add_argument("--seed", type=seed, default=None, help="same seed, same music")
    compose.add_argument("--key", default=None,
                         help='the key, e.g. "G major" or "E minor"; for continue and '
                              "harmonize the default is the key of the notes given")
    compose.add_argument("--tempo", type=float_range(10, 400), default=None,
                         help="beats per minute")
    compose.add_argument("--steps", type=int_range(1, 1000), default=None,
                         help="Gibbs sampling steps")
    compose.add_argument("--allow-parallels", action="store_true",
                         help="sample the net as it is, without steering away from "
                              "parallel fifths and octaves")
    compose.add_argument("--model", default="bach-chorales", help="model name or card path")
    compose.add_argument("-o", "--output", type=output_file(".mid", ".midi"), required=True,
                         help="output MIDI file")
    compose.add_argument("--wav", type=output_file(".wav"), help="also render to this WAV file")
    compose.add_argument("--soundfont", type=existing_file,
                         help=".sf2/.sf3 file (default: pretty_midi's TimGM6mb)")
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
    train.add_argument("--lr", type=float, default=2e-3, help="peak learning rate (cosine decay)")
    train.add_argument("--key-conditioning", action="store_true",
                       help="give the net the key (scale and tonic planes)")
    train.add_argument("--init-from", metavar="MODEL",
                       help="start from this trained model's weights (new inputs at zero)")
    train.add_argument("--state", metavar="FOLDER",
                       help="keep the resumable training state here (default: the cache)")
    train.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                       help="bf16 autocasts the convolutions on a CPU that has bfloat16")
    train.add_argument("-o", "--output", required=True,
                       help="model name (user models folder) or path stem, e.g. models/NAME")
    train.set_defaults(handler=command_train)

    evaluate = subparsers.add_parser(
        "evaluate-music", help="held-out NLL and harmonization statistics, written to the card")
    evaluate.add_argument("--model", default="bach-chorales")
    evaluate.add_argument("--chorales", type=int, default=None, help="use only the first N held-out")
    evaluate.add_argument("--no-write", action="store_true", help="do not update the card")
    evaluate.add_argument("--sweep", type=float, nargs="+", metavar="BIAS",
                          help="only compare these scale biases (nats) for staying in key")
    evaluate.set_defaults(handler=command_evaluate)


def command_compose(args: argparse.Namespace) -> int:
    from genart_desktop.core.errors import UserError
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music import engine
    from genart_desktop.music.midi_io import read_midi, write_midi
    from genart_desktop.music.model import load_model
    from genart_desktop.music.score import Key

    if args.mode != "generate" and not args.input:
        raise UserError(f"--mode {args.mode} needs an input melody or score: --in FILE.mid")
    key = Key.parse(args.key) if args.key else None
    score = None
    if args.input:
        score, messages = read_midi(args.input)
        for line in messages:
            print(line, file=sys.stderr)
        if key is not None:
            score.key = key
    model = load_model(args.model)
    job = console_job(f"{args.mode} ")
    sampling = dict(temperature=args.temperature, seed=args.seed, steps=args.steps,
                    avoid_parallels=not args.allow_parallels, job=job)
    if args.mode == "generate":
        result = engine.generate(model, bars=args.bars, key=key,
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
    net.key_conditioning = args.key_conditioning
    params = TrainParams(
        output=args.output, minutes=args.minutes, crop_frames=args.crop, batch_size=args.batch,
        learning_rate=args.lr, seed=args.seed, threads=args.threads, resume=not args.fresh,
        net=net, init_from=args.init_from, state_dir=args.state, precision=args.precision,
        command="genart " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    card_path = train(params, console_job("train-music "))
    print(f"wrote {card_path}")
    return 0


def command_evaluate(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music.evaluate import evaluate_model, sweep_scale_bias

    if args.sweep:
        sweep_scale_bias(args.model, args.sweep, console_job("sweep "), limit=args.chorales)
        return 0
    evaluate_model(args.model, console_job("evaluate "), limit=args.chorales,
                   write_card=not args.no_write)
    return 0
