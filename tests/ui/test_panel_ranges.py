"""The panels' numeric inputs take exactly the values the ``genart`` commands take: a
number the window accepts is never one the CLI (or the engine behind both) refuses."""

from __future__ import annotations

import argparse

import pytest

from genart_desktop.cli import build_parser
from genart_desktop.core.errors import UserError

# (panel, its spin box attribute) -> (genart command, option)
SAME_RANGES = [
    (("latent", "seed_box"), ("sample", "--seed")),
    (("text", "syllables"), ("write", "--syllables")),
    (("text", "lines"), ("write", "--lines")),
    (("text", "temperature"), ("write", "--temperature")),
    (("text", "seed"), ("write", "--seed")),
    (("music", "bars"), ("compose", "--bars")),
    (("music", "seed"), ("compose", "--seed")),
    (("study", "levels"), ("study", "--values")),
    (("insight", "colours"), ("analyze", "--palette")),
]


def cli_check(command: str, option: str):
    """The argparse ``type=`` that checks ``genart COMMAND OPTION``."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return next(a for a in commands.choices[command]._actions if option in a.option_strings).type


def refused(check, value) -> bool:
    try:
        check(str(value))
    except argparse.ArgumentTypeError:
        return True
    return False


@pytest.mark.parametrize("widget, option", SAME_RANGES, ids=lambda item: ".".join(item))
def test_spin_box_range_is_the_clis(window, widget, option):
    spin = getattr(window.panels[widget[0]], widget[1])
    check = cli_check(*option)
    # the smallest step past each end: a whole number, or the spin box's last decimal
    step = 1 if isinstance(spin.minimum(), int) else 10 ** -spin.decimals()
    assert not refused(check, spin.minimum()) and not refused(check, spin.maximum())
    assert refused(check, spin.minimum() - step) and refused(check, spin.maximum() + step)


def test_direction_numbers_and_style_weights_agree(window):
    from genart_desktop.latent.commands import parse_directions
    from genart_desktop.style.commands import parse_style
    from genart_desktop.style.request import MAX_STYLE_WEIGHT

    sliders = window.panels["latent"].sliders
    assert parse_directions([f"{len(sliders)}=1"]) == {len(sliders) - 1: 1.0}  # numbered 1..16
    with pytest.raises(UserError):
        parse_directions([f"{len(sliders) + 1}=1"])
    assert parse_style(f"3:{MAX_STYLE_WEIGHT:g}") == (2, MAX_STYLE_WEIGHT)
    for weight in (-1, MAX_STYLE_WEIGHT + 0.1, "nan"):
        with pytest.raises(UserError):
            parse_style(f"3:{weight}")


def test_brush_scale_slider_is_the_clis_style_scale(window):
    from genart_desktop.ui.panels.style import slider_to_scale

    slider, check = window.panels["style"].brush_scale, cli_check("stylize", "--style-scale")
    low, high = (slider_to_scale(end) for end in (slider.minimum(), slider.maximum()))
    assert not refused(check, low) and not refused(check, high)
    assert refused(check, low * 0.99) and refused(check, high * 1.01)
