"""``train-text`` on tiny files: end to end, resume, fine-tune, and bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genart_desktop import cli
from genart_desktop.core.errors import JobCancelled, UserError
from genart_desktop.core.jobs import Job
from genart_desktop.text import chinese
from genart_desktop.text.engine import PoemRequest, PoetryEngine
from genart_desktop.text.train import TrainParams, train

POEMS = "\n\n".join([
    "床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。",
    "春眠不覺曉，處處聞啼鳥。\n夜來風雨聲，花落知多少。",
    "白日依山盡，黃河入海流。\n欲窮千里目，更上一層樓。",
    "紅豆生南國，春來發幾枝。\n願君多采擷，此物最相思。",
    "千山鳥飛絕，萬徑人蹤滅。\n孤舟蓑笠翁，獨釣寒江雪。",
] * 4)


def tiny(output, source, **extra) -> TrainParams:
    settings = dict(minutes=5, layers=1, width=32, heads=2, context=32, batch=4, max_steps=6, threads=1,
                    checkpoint_every_s=0, sample_every_s=0) | extra
    return TrainParams(output=str(output), source=str(source), **settings)


def test_train_end_to_end_then_load_and_write(tmp_path):
    text = tmp_path / "poems.txt"
    text.write_text(POEMS, encoding="utf-8")
    samples: list[str] = []
    card_path = train(tiny(tmp_path / "mine", text), Job(on_partial=samples.append))
    card = json.loads(card_path.read_text("utf-8"))
    assert card["kind"] == "text-lm" and card["language"] == "zh"
    assert card["training"]["steps"] == 6 and card["metrics"]["held_out_bpc"] > 0
    # the card's baseline: a 3-gram of the training split only, scored on the held-out one
    from genart_desktop.text.corpora import user_corpus
    from genart_desktop.text.kneser_ney import KneserNey3
    from genart_desktop.text.train import TokenStream
    from genart_desktop.text.vocab import Vocab

    corpus, vocab = user_corpus(text), Vocab.from_card(card["vocab"])
    ids = {part: TokenStream(getattr(corpus, part), vocab, False).ids
           for part in ("train", "held_out")}
    expected = KneserNey3(ids["train"], len(vocab)).bits_per_char(ids["held_out"])
    assert card["metrics"]["baseline_kneser_ney_3gram_bpc"] == round(expected, 4)
    whole = KneserNey3(np.concatenate([ids["train"], ids["held_out"]]), len(vocab))
    assert whole.bits_per_char(ids["held_out"]) != expected  # the held-out text is not in it
    assert samples and all(isinstance(s, str) for s in samples)
    engine = PoetryEngine.load(str(card_path))
    poem = engine.generate(PoemRequest(form="wujue", rhyme=True, seed=1))
    assert chinese.check_poem(poem, chinese.FORMS["wujue"]).lengths_ok


def test_interrupted_training_resumes(tmp_path):
    text = tmp_path / "poems.txt"
    text.write_text(POEMS, encoding="utf-8")
    job = Job()
    job._on_progress = lambda fraction, message, eta: job.cancel() if "step 10," in message else None
    params = tiny(tmp_path / "resumed", text, max_steps=20)
    with pytest.raises(JobCancelled):
        train(params, job)
    assert (tmp_path / ".resumed.resume" / "state.json").exists()
    messages: list[str] = []
    card_path = train(params, Job(on_progress=lambda f, m, e: messages.append(m)))
    assert any(m.startswith("resuming at step") for m in messages)
    assert json.loads(card_path.read_text("utf-8"))["training"]["steps"] == 20
    assert not (tmp_path / ".resumed.resume").exists()


def test_fine_tune_extends_the_vocabulary(tmp_path):
    base_text = tmp_path / "base.txt"
    base_text.write_text(POEMS, encoding="utf-8")
    base = train(tiny(tmp_path / "base", base_text), Job())
    more = tmp_path / "more.txt"
    more.write_text(("龘靐齉爩鱻，" * 20 + "\n\n") * 3 + POEMS, encoding="utf-8")
    tuned = train(tiny(tmp_path / "tuned", more, base=str(base)), Job())
    old = json.loads(base.read_text("utf-8"))["vocab"]["chars"]
    new = json.loads(tuned.read_text("utf-8"))["vocab"]["chars"]
    assert new.startswith(old) and "龘" in new and "龘" not in old


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file"),
    ("春眠不覺曉".encode("big5") * 10, "is not UTF-8 text"),
])
def test_bad_files(tmp_path, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(UserError, match=message):
        train(tiny(tmp_path / "x", bad), Job())


def test_missing_source_and_cli_message(tmp_path, capsys):
    status = cli.main(["train-text", str(tmp_path / "nothing.txt"), "-o", str(tmp_path / "m")])
    assert status == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_cli_write_with_a_trained_model(tmp_path, capsys):
    text = tmp_path / "poems.txt"
    text.write_text(POEMS, encoding="utf-8")
    card_path = train(tiny(tmp_path / "cli", text), Job())
    status = cli.main(["write", "--model", str(card_path), "--form", "wujue", "--seed", "3",
                       "--script", "simplified"])
    out = capsys.readouterr().out.strip()
    assert status == 0
    assert chinese.check_poem(out, chinese.FORMS["wujue"]).punctuation_ok


def test_sittings_keep_the_state_and_continue_the_step_count_and_curve(tmp_path):
    """Training in sittings (the shipped models): the committed state survives the end of a
    sitting, and the next sitting goes on from its step, optimizer and curve."""
    text = tmp_path / "poems.txt"
    text.write_text(POEMS, encoding="utf-8")
    state = tmp_path / "state"
    first = tiny(tmp_path / "verse", text, max_steps=8, lr_half_life=100, state_dir=str(state),
                 curve_every_s=0, precision="bf16")
    card = json.loads(train(first, Job()).read_text("utf-8"))
    assert card["training"]["steps"] == 8 and (state / "state.safetensors").exists()
    first_curve = card["training"]["curve"]
    assert first_curve[-1]["step"] == 8
    second = tiny(tmp_path / "verse", text, max_steps=14, lr_half_life=100, state_dir=str(state),
                  curve_every_s=0, precision="bf16")
    messages: list[str] = []
    card = json.loads(train(second, Job(on_progress=lambda f, m, e: messages.append(m)))
                      .read_text("utf-8"))
    assert "resuming at step 8" in messages
    assert card["training"]["steps"] == 14
    assert card["training"]["tokens_seen"] == 14 * 4 * 32
    assert card["training"]["curve"][:len(first_curve)] == first_curve
    assert [s["started_at_step"] for s in card["training"]["sittings"]] == [0, 8]
