"""``evaluate-text``: the model's own loss, a baseline from the training split only, and
one-line refusals of files that are not text."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from genart_desktop import cli
from genart_desktop.core.errors import UserError
from genart_desktop.core.jobs import Job
from genart_desktop.text import corpora, evaluate
from genart_desktop.text.engine import PoetryEngine
from genart_desktop.text.kneser_ney import KneserNey3
from genart_desktop.text.train import TokenStream, TrainParams, train
from genart_desktop.text.vocab import BOS, EOS

LINES = ("床前明月光 疑是地上霜 舉頭望明月 低頭思故鄉 春眠不覺曉 處處聞啼鳥 夜來風雨聲 花落知多少 "
         "白日依山盡 黃河入海流 欲窮千里目 更上一層樓 紅豆生南國 春來發幾枝 願君多采擷 此物最相思 "
         "千山鳥飛絕 萬徑人蹤滅 孤舟蓑笠翁 獨釣寒江雪").split()
# 60 distinct couplets: the sha1 split holds 5 of them out, so both parts are real poems.
POEMS = [f"{LINES[i]}，{LINES[(i + j) % len(LINES)]}。" for i in range(len(LINES)) for j in (1, 3, 5)]
SHORT = "床前明月光，疑是地上霜。\n舉頭望明月，低頭思故鄉。"  # shorter than one context window


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained on POEMS (a few steps: the numbers only need to be its own)."""
    folder = tmp_path_factory.mktemp("evaluate")
    source = folder / "poems.txt"
    source.write_text("\n\n".join(POEMS), encoding="utf-8")
    params = TrainParams(output=str(folder / "tiny"), source=str(source), minutes=5, layers=1,
                         width=32, heads=2, context=32, batch=4, max_steps=6, threads=1,
                         checkpoint_every_s=0, sample_every_s=0)
    card_path = train(params, Job())
    return card_path, corpora.user_corpus(source)


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    status = cli.main(["evaluate-text", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_same_figure_as_the_models_own_loss(trained, tmp_path, capsys):
    card_path, _ = trained
    engine = PoetryEngine.load(str(card_path))
    ids = torch.tensor([BOS] + engine.vocab.encode(SHORT) + [EOS])
    with torch.no_grad():
        logits = engine.model(ids[None, :-1])[0]
    # The loss the model trains on, over every character but the EOS target.
    direct = F.cross_entropy(logits[:-1], ids[1:-1]).item() / math.log(2)

    score = evaluate.evaluate_text(engine, SHORT)
    assert score.bits_per_char == pytest.approx(direct, abs=1e-5)
    # The training couplets are one line each: the newline is unknown to this model,
    # scored as <unk> and counted.
    assert score.characters == len(SHORT) and score.unknown_characters == 1
    assert not engine.model.training  # the engine's model is handed back in eval mode

    status, out, _ = run_cli(capsys, "--model", card_path, write(tmp_path / "short.txt", SHORT),
                             "--json")
    figures = json.loads(out)
    assert status == 0
    assert figures["bits_per_char"] == pytest.approx(direct, abs=1e-4)
    assert figures["characters"] == len(SHORT)
    assert figures["baseline_bits_per_char"] > 0 and figures["unknown_characters"] == 1
    assert "<unk>" in figures["unknown_handling"]


def test_the_held_out_split_gives_the_cards_figure(trained, tmp_path, capsys):
    """Several context windows: the same number the training run wrote in the card."""
    card_path, corpus = trained
    card = json.loads(card_path.read_text("utf-8"))
    held = write(tmp_path / "held.txt", "\n\n".join(corpus.held_out))
    status, out, _ = run_cli(capsys, "--model", card_path, held, "--json")
    assert status == 0
    assert json.loads(out)["bits_per_char"] == pytest.approx(card["metrics"]["held_out_bpc"], abs=2e-4)


def test_the_baseline_is_built_from_the_training_split_only(trained, tmp_path, monkeypatch):
    card_path, corpus = trained
    assert corpus.held_out and not set(corpus.held_out) & set(corpus.train)
    monkeypatch.setenv("GENART_CACHE_DIR", str(tmp_path / "cache"))  # no cached baseline
    given: list[np.ndarray] = []

    class Spy(KneserNey3):
        def __init__(self, ids, vocab_size):
            given.append(ids.copy())
            super().__init__(ids, vocab_size)

    monkeypatch.setattr(evaluate, "KneserNey3", Spy)
    engine = PoetryEngine.load(str(card_path))
    text = "\n\n".join(corpus.held_out)
    score = evaluate.evaluate_text(engine, text)
    assert len(given) == 1
    assert np.array_equal(given[0], TokenStream(corpus.train, engine.vocab, False).ids)
    # Had the held-out poems been in the baseline's data, it would know them better.
    held_ids = TokenStream(corpus.held_out, engine.vocab, False).ids
    leaky = KneserNey3(np.concatenate([given[0], held_ids]), len(engine.vocab))
    assert leaky.bits_per_char(held_ids) < score.baseline_bits_per_char - 0.1

    # Built once: the next run reads the cache, even with the training text gone.
    monkeypatch.setattr(evaluate, "training_documents", lambda card: pytest.fail("rebuilt"))
    again = evaluate.evaluate_text(engine, text)
    assert again.baseline_bits_per_char == pytest.approx(score.baseline_bits_per_char)
    assert evaluate.baseline_cache_path(engine.card).exists()


def test_unknown_characters_are_counted_the_same_for_both(trained):
    engine = PoetryEngine.load(str(trained[0]))
    score = evaluate.evaluate_text(engine, "床前明月光，龘靐齉爩鱻。")
    assert score.unknown_characters == 5 and score.characters == 12
    assert score.baseline_bits_per_char is not None


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"  \n\n ", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file"),
    ("春眠不覺曉，處處聞啼鳥。".encode("big5") * 10, "is not UTF-8, UTF-16 or GBK text"),
    ("Ünïcödé café".encode("latin-1"), "is not UTF-8, UTF-16 or GBK text"),
])
def test_files_that_are_not_text_are_refused_in_one_line(trained, tmp_path, capsys, content, message):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    status, out, err = run_cli(capsys, "--model", trained[0], bad)
    assert status == 2 and not out
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_missing_file_is_refused_by_the_parser(tmp_path, capsys):
    status, _, err = run_cli(capsys, "--model", "tang", tmp_path / "nothing.txt")
    assert status == 2 and "no such file" in err and len(err.strip().splitlines()) == 1


def test_utf16_and_gbk_files_are_read(trained, tmp_path, capsys):
    simplified = "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。"
    figures = {}
    for encoding, written in (("utf-8", "utf-8"), ("utf-16", "utf-16"), ("gbk", "gbk")):
        path = write(tmp_path / f"{encoding}.txt", simplified, written)
        status, out, _ = run_cli(capsys, "--model", trained[0], path, "--json")
        assert status == 0
        figures[encoding] = json.loads(out)
        assert figures[encoding]["encoding"] == encoding
    assert figures["gbk"]["bits_per_char"] == figures["utf-16"]["bits_per_char"] \
        == figures["utf-8"]["bits_per_char"]


def test_a_text_in_the_other_language_says_so(trained, tmp_path, capsys, en_engine):
    english = write(tmp_path / "english.txt", "I wandered lonely as a cloud\nThat floats on high")
    status, _, err = run_cli(capsys, "--model", trained[0], english)
    assert status == 2 and "is not Chinese" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(UserError, match="is Chinese, and 'tiny-en' writes English verse"):
        evaluate.evaluate_text(en_engine, SHORT)


def test_simplified_text_is_read_in_a_traditional_models_script(zh_engine):
    """The fixture engine has no training data: the model's figure still comes, with why
    there is no baseline."""
    score = evaluate.evaluate_text(zh_engine, "举头望明月，低头思故乡。")
    assert score.script_converted_to == "traditional"
    assert score.baseline_bits_per_char is None and "does not say" in score.baseline
    assert any("not available" in line for line in score.summary())


def test_plain_output_is_a_few_lines(trained, tmp_path, capsys):
    status, out, _ = run_cli(capsys, "--model", trained[0], write(tmp_path / "s.txt", SHORT))
    assert status == 0
    assert 2 <= len(out.strip().splitlines()) <= 4 and "bits per character" in out


def test_scoring_a_long_text_stops_when_cancelled(trained):
    """A held-out measurement checks for cancel between batches, so closing the window
    or pressing Cancel does not wait for a big text to be scored."""
    from genart_desktop.core.errors import JobCancelled
    from genart_desktop.text.train import TokenStream, evaluate_bpc

    engine = PoetryEngine.load(str(trained[0]))
    stream = TokenStream(POEMS * 50, engine.vocab, bos_at_lines=False)
    job = Job()
    job.cancel()
    with pytest.raises(JobCancelled):
        evaluate_bpc(engine.model, stream, job=job)
    assert evaluate_bpc(engine.model, stream, max_tokens=200) > 0
