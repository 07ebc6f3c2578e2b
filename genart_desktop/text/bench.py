"""``python -m genart_desktop.bench text [--seeds N] [--models tang,english]``

Prints JSON lines: held-out bits per character next to the Kneser-Ney baseline (from
the model cards, where they were measured on the held-out split), then, over N seeds and
mixed requests, the share of poems meeting their form exactly, the rhyme and tone rates,
the same rates on real held-out Tang poems for scale, the share of repeated lines, and
speed (a whole 七言律诗, the first character, characters per second).
"""

from __future__ import annotations

import argparse
import statistics
import time

from genart_desktop.core.benchmarks import emit, hardware
from genart_desktop.core.jobs import Job
from genart_desktop.text import chinese, english
from genart_desktop.text.engine import PoemRequest, PoetryEngine

ZH_FORMS = ["wujue", "qijue", "wulv", "qilv"]
ACROSTICS = {4: ["春江花月", "山水清音", "风花雪月"], 8: ["春江花月夜色正好", "一帆风顺万事如意"]}
FIRST_COUPLETS = {5: ["床前明月光，疑是地上霜。", "白日依山尽，黄河入海流。"],
                  7: ["春江潮水連海平，海上明月共潮生。", "故人西辭黃鶴樓，煙花三月下揚州。"]}
PARTIALS = ["明月", "秋風", "山中", "江上"]


def chinese_case(seed: int) -> tuple[str, PoemRequest]:
    form = ZH_FORMS[(seed // 5) % 4]
    spec = chinese.FORMS[form]
    case = seed % 5
    request = PoemRequest(form=form, rhyme=True, seed=seed)
    if case == 1:
        options = ACROSTICS[spec.lines]
        request.acrostic = options[seed % len(options)]
        return "acrostic", request
    if case == 2:
        request.prompt = PARTIALS[seed % len(PARTIALS)]
        return "partial line", request
    if case == 3:
        options = FIRST_COUPLETS[spec.line_length]
        request.prompt = options[seed % len(options)]
        return "first couplet", request
    if case == 4:
        request.tones = True
        return "tones on", request
    return "no prompt", request


def repeated_lines(lines: list[str]) -> int:
    return len(lines) - len(set(lines))


def bench_chinese(engine: PoetryEngine, seeds: int) -> None:
    counts = {"form": 0, "rhyme": 0, "acrostic": 0, "acrostic_n": 0, "tones_on": 0,
              "tones_on_n": 0, "tones_free": 0, "tones_free_n": 0, "repeated_lines": 0,
              "lines": 0, "prompt_kept": 0, "prompt_n": 0}
    for seed in range(seeds):
        kind, request = chinese_case(seed)
        poem = engine.generate(request)
        spec = chinese.FORMS[request.form]
        check = chinese.check_poem(poem, spec)
        lines = chinese.poem_lines(poem)
        counts["form"] += check.lengths_ok and check.punctuation_ok
        counts["rhyme"] += check.rhyme_ok
        counts["repeated_lines"] += repeated_lines(lines)
        counts["lines"] += len(lines)
        if kind == "acrostic":
            counts["acrostic_n"] += 1
            counts["acrostic"] += "".join(l[0] for l in lines) == request.acrostic
        if kind in ("partial line", "first couplet"):
            counts["prompt_n"] += 1
            counts["prompt_kept"] += poem.startswith(request.prompt)
        key = "tones_on" if request.tones else "tones_free"
        counts[key + "_n"] += 1
        counts[key] += check.tones_ok
    n = seeds
    tag = {"model": engine.name, "seeds": n}
    emit("zh_form_exact_share", counts["form"] / n, "fraction", **tag,
         note="line count, line length and ，。 punctuation all exact")
    emit("zh_rhyme_share", counts["rhyme"] / n, "fraction", **tag,
         note="rhyme on in every request: every even line ends in one rhyme group (modern Mandarin)")
    emit("zh_acrostic_share", counts["acrostic"] / max(counts["acrostic_n"], 1), "fraction",
         model=engine.name, poems=counts["acrostic_n"])
    emit("zh_prompt_kept_share", counts["prompt_kept"] / max(counts["prompt_n"], 1), "fraction",
         model=engine.name, poems=counts["prompt_n"])
    emit("zh_tone_pattern_rate_enforced", counts["tones_on"] / max(counts["tones_on_n"], 1),
         "fraction", model=engine.name, poems=counts["tones_on_n"],
         note="--tones: whole 平仄 pattern (2-4-6, 粘对, line ends) by Mandarin tones")
    emit("zh_tone_pattern_rate_unconstrained", counts["tones_free"] / max(counts["tones_free_n"], 1),
         "fraction", model=engine.name, poems=counts["tones_free_n"])
    emit("zh_repeated_line_share", counts["repeated_lines"] / max(counts["lines"], 1), "fraction",
         model=engine.name, lines=counts["lines"], note="lines identical to an earlier line")


def bench_real_tang() -> None:
    """Rhyme and tone rates of real held-out Tang 绝句/律诗, by the same Mandarin checks."""
    from genart_desktop.text.corpora import tang_corpus

    try:
        corpus = tang_corpus()
    except Exception as error:  # noqa: BLE001 - the data is optional for the benchmark
        emit("zh_real_tang_rhyme_share", None, "fraction", skipped=str(error))
        return
    rhyme = tones = total = 0
    for poem in corpus.held_out:
        lines = chinese.poem_lines(poem)
        if len(lines) not in (4, 8) or {len(l) for l in lines} not in ({5}, {7}):
            continue
        check = chinese.check_poem(poem, chinese.form_for(len(lines[0]), len(lines)))
        if not (check.lengths_ok and check.punctuation_ok):
            continue
        total += 1
        rhyme += check.rhyme_ok
        tones += check.tones_ok
    emit("zh_real_tang_rhyme_share", rhyme / max(total, 1), "fraction", poems=total,
         note="held-out Tang 绝句/律诗; Mandarin finals miss Middle Chinese rhymes")
    emit("zh_real_tang_tone_pattern_rate", tones / max(total, 1), "fraction", poems=total,
         note="Mandarin tones: entering-tone (入声) characters now read level")


def bench_english(engine: PoetryEngine, seeds: int) -> None:
    exact = rhymed = repeated = lines_total = 0
    schemes = ["AABB", "ABAB", "ABCB", "couplet"]
    for seed in range(seeds):
        scheme = schemes[seed % 4]
        prompt = ["", "The", "O wild west wind,", ""][seed // 4 % 4]
        request = PoemRequest(form="couplet" if scheme == "couplet" else "quatrain",
                              scheme="AABB" if scheme == "couplet" else scheme,
                              syllables=[8, 10, 6][seed % 3], prompt=prompt, seed=seed)
        poem = engine.generate(request)
        lines = poem.split("\n")
        letters = "AA" if scheme == "couplet" else scheme
        given = 1 if prompt.endswith(",") else 0  # a user's line keeps its own length
        exact += len(lines) == len(letters) and all(
            english.line_syllables(l) == request.syllables for l in lines[given:])
        ends = [english.rhyme_part(english.last_word(l)) for l in lines]
        rhymed += all(len({ends[i] for i, x in enumerate(letters) if x == letter}) == 1
                      for letter in set(letters) if letters.count(letter) > 1)
        repeated += repeated_lines(lines)
        lines_total += len(lines)
    tag = {"model": engine.name, "seeds": seeds}
    emit("en_form_exact_share", exact / seeds, "fraction", **tag,
         note="line count and syllables per line (cmudict) exact")
    emit("en_rhyme_share", rhymed / seeds, "fraction", **tag,
         note="every pair the scheme names rhymes (cmudict rhyming part)")
    emit("en_repeated_line_share", repeated / max(lines_total, 1), "fraction", **tag)


def bench_speed(engine: PoetryEngine, request: PoemRequest, label: str, runs: int = 10) -> None:
    totals, firsts, rates = [], [], []
    engine.generate(request)  # warm-up
    for run in range(runs):
        request.seed = 1000 + run
        first: list[float] = []
        start = time.perf_counter()
        job = Job(on_partial=lambda text: first.append(time.perf_counter()) if not first else None)
        poem = engine.generate(request, job)
        total = time.perf_counter() - start
        totals.append(total)
        firsts.append(first[0] - start)
        rates.append(len(poem) / total)
    tag = {"model": engine.name, "runs": runs, **hardware()}
    emit(f"{label}_whole_poem_s", statistics.median(totals), "s", **tag)
    emit(f"{label}_first_char_ms", statistics.median(firsts) * 1000, "ms", **tag)
    emit(f"{label}_chars_per_s", statistics.median(rates), "chars/s", **tag,
         note="characters of the finished poem (punctuation included) per second")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m genart_desktop.bench text")
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--models", default="tang,english")
    parser.add_argument("--skip-real", action="store_true", help="skip the real Tang poems")
    args = parser.parse_args(argv)
    emit("text_hardware", None, "", **hardware())
    for name in args.models.split(","):
        engine = PoetryEngine.load(name)
        metrics = engine.card.get("metrics", {})
        emit("held_out_bpc", metrics.get("held_out_bpc"), "bits/char", model=engine.name,
             source="model card", parameters=engine.card["architecture"].get("parameters"))
        emit("baseline_kn3_bpc", metrics.get("baseline_kneser_ney_3gram_bpc"), "bits/char",
             model=engine.name, source="model card")
        if engine.language == "zh":
            bench_speed(engine, PoemRequest(form="qilv", rhyme=True), "zh_qilv")
            if args.seeds:
                bench_chinese(engine, args.seeds)
            if not args.skip_real:
                bench_real_tang()
        else:
            bench_speed(engine, PoemRequest(form="quatrain", scheme="ABAB"), "en_quatrain")
            bench_speed(engine, PoemRequest(form="free", lines=8), "en_free8")
            if args.seeds:
                bench_english(engine, args.seeds)
    return 0
