"""``genart melody interpolate|vary|sample`` and ``genart train-melody``.

Interpolations and variations are written one after another in one MIDI file, each on
its own track named ``step 0`` .. ``step N-1``: step k starts at k times the input's
length rounded up to whole bars, so a DAW shows them side by side as takes. The tempo,
key and time signature are those of the (first) input.

torch is imported inside the handlers, so ``genart --help`` stays quick.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys

from genart_desktop.core.cli_args import existing_file, float_range, int_range, output_file, seed


def register(subparsers) -> None:
    melody = subparsers.add_parser(
        "melody", help="interpolate between two melodies, vary one, or sample new ones")
    actions = melody.add_subparsers(dest="action", metavar="ACTION", required=True)

    def common(parser) -> None:
        parser.add_argument("--model", default="melody-vae", help="model name or card path")
        parser.add_argument("-o", "--output", type=output_file(".mid", ".midi"), required=True,
                            help="output MIDI file")

    interpolate = actions.add_parser("interpolate", help="the melodies between A and B")
    interpolate.add_argument("a", type=existing_file, metavar="A.mid")
    interpolate.add_argument("b", type=existing_file, metavar="B.mid")
    interpolate.add_argument("--steps", type=int_range(2, 16), default=5,
                             help="melodies written, A's and B's reconstructions included "
                                  "(2..16, default 5)")
    common(interpolate)
    interpolate.set_defaults(handler=command_interpolate)

    vary = actions.add_parser("vary", help="variations close to a melody")
    vary.add_argument("input", type=existing_file, metavar="IN.mid")
    vary.add_argument("--count", type=int_range(1, 16), default=4, help="1..16, default 4")
    vary.add_argument("--closeness", type=float_range(0.0, 1.0), default=0.7,
                      help="1 keeps the melody, 0 ignores it (default 0.7)")
    vary.add_argument("--seed", type=seed, default=None, help="same seed, same variations")
    common(vary)
    vary.set_defaults(handler=command_vary)

    sample = actions.add_parser("sample", help="a new melody from the model")
    sample.add_argument("--bars", type=int_range(1, 16), default=4, help="1..16, default 4")
    sample.add_argument("--temperature", type=float_range(0.0, 2.0), default=0.5,
                        help="0 is the most likely line, higher is freer (default 0.5)")
    sample.add_argument("--seed", type=seed, default=None)
    sample.add_argument("--tempo", type=float_range(10, 400), default=100.0)
    common(sample)
    sample.set_defaults(handler=command_sample)

    train = subparsers.add_parser("train-melody", help="train the melody VAE (resumable)")
    train.add_argument("--minutes", type=float_range(0.1, 10000), default=60.0,
                       help="this sitting's wall-clock budget")
    train.add_argument("--threads", type=int_range(1, 256), default=None)
    train.add_argument("--batch", type=int_range(1, 4096), default=64)
    train.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    train.add_argument("--lr", type=float_range(1e-6, 1.0), default=1e-3)
    train.add_argument("--beta", type=float_range(0.0, 10.0), default=0.2)
    train.add_argument("--free-nats", type=float_range(0.0, 1000.0), default=48.0)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--fresh", action="store_true", help="ignore an earlier state")
    train.add_argument("--state", metavar="FOLDER",
                       help="keep the resumable training state here (default: the cache)")
    train.add_argument("--checkpoint-minutes", type=float_range(0.1, 1000), default=5.0)
    train.add_argument("-o", "--output", required=True,
                       help="model name (user models folder) or path stem, e.g. models/NAME")
    train.set_defaults(handler=command_train)

    evaluate = subparsers.add_parser(
        "evaluate-melody", help="the melody VAE's held-out figures and latent prior, into its card")
    evaluate.add_argument("--model", default="melody-vae")
    evaluate.add_argument("--no-write", action="store_true", help="do not update the card")
    evaluate.set_defaults(handler=command_evaluate)


def _read_melody(path: str):
    from genart_desktop.music.melody import melody_from_score
    from genart_desktop.music.midi_io import read_midi

    score, messages = read_midi(path)
    melody = melody_from_score(score, name=str(path).rsplit("/", 1)[-1])
    for line in messages + melody.messages:
        print(line, file=sys.stderr)
    return score, melody


def _write_steps(path: str, template, step_melodies, length_steps: int) -> None:
    """Each melody on its own track ``step k``, starting at k * (length in whole bars)."""
    from genart_desktop.music.midi_io import write_midi_tracks

    beats_per_bar = template.beats_per_bar
    length_beats = length_steps / 4.0
    spacing = math.ceil(length_beats / beats_per_bar - 1e-9) * beats_per_bar
    tracks = [(f"step {k}", melody.notes(start_beat=k * spacing))
              for k, melody in enumerate(step_melodies)]
    write_midi_tracks(template, tracks, path)
    notes = sum(len(notes) for _, notes in tracks)
    print(f"wrote {path} ({len(tracks)} tracks, {notes} notes, {spacing:g} beats apart)")


def command_interpolate(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music import melody as engine
    from genart_desktop.music.melody_model import load_model

    score_a, a = _read_melody(args.a)
    _, b = _read_melody(args.b)
    model = load_model(args.model)
    steps = engine.interpolate(model, a, b, args.steps, job=console_job("interpolate "))
    _write_steps(args.output, score_a, steps, max(a.steps, b.steps))
    return 0


def command_vary(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music import melody as engine
    from genart_desktop.music.melody_model import load_model

    score, melody = _read_melody(args.input)
    model = load_model(args.model)
    variations = engine.vary(model, melody, args.count, args.closeness, args.seed,
                             job=console_job("vary "))
    _write_steps(args.output, score, variations, melody.steps)
    return 0


def command_sample(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music import melody as engine
    from genart_desktop.music.melody_model import load_model
    from genart_desktop.music.score import Score, TempoChange

    model = load_model(args.model)
    melody = engine.sample(model, args.bars, args.seed, args.temperature,
                           job=console_job("sample "))
    template = Score(tempo_changes=[TempoChange(0.0, float(args.tempo))], title="Melody")
    _write_steps(args.output, template, [melody], melody.steps)
    return 0


def command_train(args: argparse.Namespace) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.music.melody_training import MelodyTrainParams, train

    params = MelodyTrainParams(
        output=args.output, minutes=args.minutes, batch_size=args.batch,
        learning_rate=args.lr, beta=args.beta, free_nats=args.free_nats, seed=args.seed,
        threads=args.threads, precision=args.precision, resume=not args.fresh,
        state_dir=args.state, checkpoint_every_s=args.checkpoint_minutes * 60.0,
        command="genart " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    card_path = train(params, console_job("train-melody "))
    print(f"wrote {card_path}")
    return 0


def command_evaluate(args: argparse.Namespace) -> int:
    import json

    from genart_desktop.core.jobs import console_job
    from genart_desktop.music.melody_training import evaluate_model

    result = evaluate_model(args.model, console_job("evaluate-melody "),
                            write_card=not args.no_write)
    print(json.dumps(result["metrics"], indent=2))
    return 0
