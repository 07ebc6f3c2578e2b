"""Every mistake a newcomer made with ``genart`` ends in one line, exit status 2, no
traceback, and no file written (issue: a newcomer's first hour)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from genart_desktop import cli


def run(capsys, *argv: str) -> tuple[int, list[str]]:
    try:
        status = cli.main(list(argv))
    except SystemExit as stop:          # argparse's own exit, through our parser
        status = stop.code
    err = capsys.readouterr().err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    return status, lines


def assert_one_line_error(status: int, lines: list[str], *words: str) -> None:
    assert status == 2, lines
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1 and errors[0] == lines[-1], lines
    assert errors[0].startswith("genart"), errors
    assert not any("Traceback" in line for line in lines)
    for word in words:
        assert word in errors[0], (word, errors[0])


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.full((32, 32, 3), 128, np.uint8)).save(path)
    return path


@pytest.mark.parametrize("argv, words", [
    (["sample", "--model", "twemoji-gan", "--seed", "-1"], ["seed", "-1"]),
    (["interpolate", "--model", "twemoji-gan", "--seeds", "-1", "2"], ["seed"]),
    (["sample", "--model", "twemoji-gan", "--scale", "0"], ["--scale"]),
    (["sample", "--model", "twemoji-gan", "--truncation", "-3"], ["--truncation"]),
    (["interpolate", "--model", "twemoji-gan", "--seeds", "1", "2", "--frames", "1"], ["--frames"]),
])
def test_bad_numbers_are_refused_before_any_work(tmp_path, capsys, argv, words):
    out = tmp_path / "x.png"
    status, lines = run(capsys, *argv, "-o", str(out))
    assert_one_line_error(status, lines, *words)
    assert not out.exists()


def test_directions_are_numbered_as_the_sliders_number_them(tmp_path, capsys):
    out = tmp_path / "x.png"
    status, lines = run(capsys, "sample", "--model", "twemoji-gan", "--direction", "0=1",
                        "-o", str(out))
    assert_one_line_error(status, lines, "1 to 16")
    assert cli.main(["sample", "--model", "twemoji-gan", "--direction", "16=1.5",
                     "-o", str(out)]) == 0
    assert out.exists()


def test_harmonize_given_a_folder_says_it_needs_a_file(tmp_path, capsys):
    out = tmp_path / "h.mid"
    status, lines = run(capsys, "compose", "--mode", "harmonize", "--in", str(tmp_path),
                        "-o", str(out))
    assert_one_line_error(status, lines, "folder")
    assert not out.exists()


def test_training_on_a_missing_folder_is_one_line(tmp_path, capsys):
    status, lines = run(capsys, "train-images", str(tmp_path / "missing"), "--kind", "vae",
                        "--minutes", "1", "-o", str(tmp_path / "m"))
    assert_one_line_error(status, lines, "no such folder")


@pytest.mark.parametrize("option", ["--prompt", "--acrostic"])
def test_an_empty_prompt_or_acrostic_is_refused(capsys, option):
    status, lines = run(capsys, "write", "--model", "tang", option, "")
    assert_one_line_error(status, lines, "empty")


def test_a_prompt_in_the_other_language_is_named(capsys):
    status, lines = run(capsys, "write", "--model", "english", "--prompt", "春眠不觉晓")
    assert_one_line_error(status, lines, "Chinese")
    status, lines = run(capsys, "write", "--model", "tang", "--prompt", "The moon is up")
    assert_one_line_error(status, lines, "not Chinese")


def test_stylize_to_an_existing_folder_refuses_and_writes_nothing(tmp_path, capsys, photo):
    folder = tmp_path / "out"
    folder.mkdir()
    status, lines = run(capsys, "stylize", str(photo), "-s", "7", "-o", str(folder))
    assert_one_line_error(status, lines, "folder")
    assert list(folder.iterdir()) == [] and not (tmp_path / "out.png").exists()


def test_stylize_output_without_a_suffix_is_refused(tmp_path, capsys, photo):
    status, lines = run(capsys, "stylize", str(photo), "-s", "7", "-o", str(tmp_path / "result"))
    assert_one_line_error(status, lines, "must end in")
    assert not (tmp_path / "result").exists() and not (tmp_path / "result.png").exists()


def test_stylize_a_folder_into_a_picture_name_makes_no_folder(tmp_path, capsys, photo):
    status, lines = run(capsys, "stylize", str(photo.parent), "-s", "7", "-o",
                        str(tmp_path / "x.png"))
    assert_one_line_error(status, lines, "folder")
    assert not (tmp_path / "x.png").exists()


def test_stylize_into_a_missing_folder_fails_before_the_work(tmp_path, capsys, photo, monkeypatch):
    from genart_desktop.style import stylize

    def no_work(*args, **kwargs):
        raise AssertionError("the picture was stylized before the output was checked")

    monkeypatch.setattr(stylize, "stylize", no_work)
    status, lines = run(capsys, "stylize", str(photo), "-s", "7", "-o",
                        str(tmp_path / "missing" / "x.png"))
    assert_one_line_error(status, lines, "does not exist")


def test_an_error_after_a_progress_line_starts_its_own_line(capsys):
    from genart_desktop.core.cli_args import print_error
    from genart_desktop.core.jobs import console_job

    job = console_job("train ")
    job.progress(0.3, "95 training characters")
    print_error("genart: error: too little text")
    err = capsys.readouterr().err
    assert "\ngenart: error: too little text\n" in err


def test_screenshot_name_says_the_format(tmp_path):
    from genart_desktop.app import parse_arguments

    assert parse_arguments(["--screenshot", str(tmp_path / "s.jpg")]).screenshot.suffix == ".jpg"
    with pytest.raises(SystemExit) as stop:
        parse_arguments(["--screenshot", str(tmp_path / "s.gif")])
    assert stop.value.code == 2
