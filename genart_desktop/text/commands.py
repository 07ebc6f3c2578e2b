"""``genart write``, ``genart train-text`` and ``genart evaluate-text``. No torch import
here: it happens in handlers, so ``genart --help`` stays quick."""

from __future__ import annotations

import argparse
import sys

from genart_desktop.core.cli_args import existing_file, float_range, int_range, seed
from genart_desktop.text.limits import MAX_FREE_LINES, MAX_SYLLABLES, MAX_TEMPERATURE

FORMS = ("auto", "wujue", "qijue", "wulv", "qilv", "quatrain", "couplet", "free")


def register(subparsers) -> None:
    write = subparsers.add_parser(
        "write", help="write a poem in a given form (Chinese or English)",
        description="Write a poem whose form is guaranteed by the decoder.")
    write.add_argument("--model", default="tang", help="tang, english, or a trained NAME")
    write.add_argument("--form", choices=FORMS, default="auto",
                       help="wujue/qijue (5/7-character quatrain), wulv/qilv (regulated verse), "
                            "quatrain, couplet, free; auto follows the model and the prompt")
    write.add_argument("--acrostic", help="藏头诗: these characters begin the lines")
    write.add_argument("--rhyme", action="store_true", help="even lines rhyme (Chinese); "
                       "English quatrains and couplets always rhyme")
    write.add_argument("--tones", action="store_true",
                       help="Chinese: follow the level/oblique (平仄) pattern")
    write.add_argument("--scheme", default="ABAB", help="quatrain rhyme scheme: AABB, ABAB, ABCB")
    write.add_argument("--syllables", type=int_range(0, MAX_SYLLABLES), default=None,
                       help=f"English syllables per line, 1..{MAX_SYLLABLES} (default 8); "
                            "0 = free length, for --form free (rhymed lines need a count)")
    write.add_argument("--lines", type=int_range(1, MAX_FREE_LINES), default=None,
                       help="free verse: number of lines")
    write.add_argument("--prompt", help="lines to continue (kept exactly); or @FILE")
    write.add_argument("--seed", type=seed, default=None)
    write.add_argument("--temperature", type=float_range(0, MAX_TEMPERATURE), default=0.8,
                       help="higher is bolder, lower is safer; 0 always takes the likeliest "
                            "character (default 0.8)")
    write.add_argument("--top-k", type=int_range(0), default=0)
    write.add_argument("--top-p", type=float_range(0, 1, low_open=True), default=0.95)
    write.add_argument("--repeat-penalty", type=float_range(1, 10), default=1.5,
                       help="discourages repeating a line or a line's characters (1 = off)")
    write.add_argument("--script", choices=("simplified", "traditional"), default=None)
    write.set_defaults(handler=command_write)

    train = subparsers.add_parser(
        "train-text", help="train or fine-tune a poetry model on your texts",
        description="Train a character model on a UTF-8 file or a folder of them "
                    "(poems separated by blank lines), or on a shipped corpus.")
    train.add_argument("source", nargs="?", help="FILE or FOLDER of UTF-8 texts")
    train.add_argument("--corpus", choices=("tang", "tang-song", "english"),
                       help="train on a shipped corpus instead (fetches the data)")
    train.add_argument("--base", help="fine-tune this model: tang, english or NAME")
    train.add_argument("--minutes", type=float_range(0, low_open=True), default=10.0)
    train.add_argument("-o", "--output", required=True, help="model NAME (or a path stem)")
    train.add_argument("--layers", type=int_range(1, 64), default=4)
    train.add_argument("--width", type=int_range(8, 4096), default=192)
    train.add_argument("--heads", type=int_range(1, 64), default=6,
                       help="attention heads (the width must divide by them)")
    train.add_argument("--context", type=int_range(8, 4096), default=128)
    train.add_argument("--batch", type=int_range(1, 4096), default=16)
    train.add_argument("--lr", type=float_range(1e-6, 1.0), default=2e-3)
    train.add_argument("--min-count", type=int_range(1), default=3,
                       help="shipped corpora: rarer characters are read as unknown")
    train.add_argument("--threads", type=int_range(1, 256), default=None, help="CPU threads for torch")
    train.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                       help="bf16: autocast on the CPU, faster where it has AMX")
    train.add_argument("--lr-half-life", type=int_range(1), default=None, metavar="STEPS",
                       help="train in sittings: the learning rate halves every STEPS steps, "
                            "--minutes is this sitting, and the state is kept for the next")
    train.add_argument("--state", metavar="FOLDER",
                       help="keep the resumable state here (default: next to the output)")
    train.add_argument("--max-steps", type=int, default=None, help=argparse.SUPPRESS)
    train.add_argument("--checkpoint-every", type=float, default=120.0,
                       help="seconds between resumable checkpoints")
    train.set_defaults(handler=command_train)

    evaluate = subparsers.add_parser(
        "evaluate-text", help="bits per character of a text under a model and its baseline",
        description="How well a model knows a text: bits per character of FILE under the "
                    "model and under a Kneser-Ney 3-gram built from the model's training "
                    "data (lower is better). Poems are separated by blank lines.")
    evaluate.add_argument("file", metavar="FILE", type=existing_file,
                          help="a UTF-8 text file (UTF-16 with BOM and GBK are read too)")
    evaluate.add_argument("--model", required=True, help="tang, english, or a trained NAME")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.set_defaults(handler=command_evaluate)


def command_write(args) -> int:
    from genart_desktop.core.device import choose_device
    from genart_desktop.core.errors import UserError
    from genart_desktop.text.engine import PoemRequest, PoetryEngine, read_prompt_arg

    # An empty --prompt or --acrostic is a mistake (a variable that was not filled in),
    # not a request for a new poem: say so instead of writing one.
    if args.prompt is not None and not read_prompt_arg(args.prompt).strip():
        raise UserError("the prompt is empty: give lines to continue, or leave --prompt out "
                        "for a new poem")
    if args.acrostic is not None and not args.acrostic.strip():
        raise UserError("the acrostic is empty: give one character per line, or leave "
                        "--acrostic out")
    engine = PoetryEngine.load(args.model, choose_device())
    request = PoemRequest(
        form=args.form, prompt=read_prompt_arg(args.prompt), acrostic=args.acrostic or "",
        rhyme=args.rhyme, tones=args.tones, scheme=args.scheme, syllables=args.syllables,
        lines=args.lines, seed=args.seed, temperature=args.temperature, top_k=args.top_k,
        top_p=args.top_p, repeat_penalty=args.repeat_penalty, script=args.script)
    poem = engine.generate(request)
    print(poem)
    return 0


def command_train(args) -> int:
    from genart_desktop.core.jobs import console_job
    from genart_desktop.text.train import TrainParams, train

    if args.source and args.corpus:
        from genart_desktop.core.errors import UserError
        raise UserError("give either FILE/FOLDER or --corpus, not both")
    params = TrainParams(
        output=args.output, source=args.source, corpus=args.corpus, base=args.base,
        minutes=args.minutes, layers=args.layers, width=args.width, heads=args.heads,
        context=args.context, batch=args.batch, lr=args.lr, min_count=args.min_count,
        threads=args.threads, max_steps=args.max_steps, checkpoint_every_s=args.checkpoint_every,
        precision=args.precision, lr_half_life=args.lr_half_life, state_dir=args.state)
    if args.width % args.heads:
        from genart_desktop.core.errors import UserError
        raise UserError(f"--width {args.width} does not divide into {args.heads} heads")
    job = console_job("train-text ")
    job._on_partial = lambda text: print(f"\nsample: {text!r}", file=sys.stderr)
    card = train(params, job)
    print(card)
    return 0


def command_evaluate(args) -> int:
    import json

    from genart_desktop.core.device import choose_device
    from genart_desktop.core.jobs import console_job
    from genart_desktop.text.corpora import read_text_file
    from genart_desktop.text.engine import PoetryEngine
    from genart_desktop.text.evaluate import evaluate_text

    # The file first: an empty or binary one is refused before a model is loaded.
    text, encoding = read_text_file(args.file, gbk=True)
    engine = PoetryEngine.load(args.model, choose_device())
    score = evaluate_text(engine, text, console_job("evaluate-text "), what=f"{args.file}: the text")
    score.encoding = encoding
    if args.json:
        print(json.dumps({"file": str(args.file)} | score.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(score.summary()))
    return 0
