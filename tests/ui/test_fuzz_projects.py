"""Issue 22's fuzzing: projects and autosaves whose panel states hold values of the wrong
type or an absurd size. Each case takes a real session's saved state (work in every
panel), replaces some of its values with hostile ones, and applies it to the window as
opening the file would. Whatever the values, no exception but a UserError escapes,
nothing hangs, and a refused project leaves the session exactly as it was."""

from __future__ import annotations

import copy
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genart_desktop.core.errors import UserError
from genart_desktop.core.project import PanelData

from test_projects_all_panels import put_work_in_every_panel

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

HOSTILE = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-2**70, max_value=2**70),
    st.sampled_from([2e12, 1e300, -1e300, -4, 0, -1, 2**63, float("nan"), float("inf"),
                     -float("inf"), "loud", "", "1e9", [], {}, [["a", "b"]], {"x": None},
                     [None, None], "\x00", "../../etc/passwd"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.one_of(st.integers(-10**6, 10**6), st.text(max_size=3), st.none()), max_size=5),
    st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.none(), st.text(max_size=3)),
                    max_size=3),
)
PER_PLACE = 6  # hostile values tried at every place of the saved state, one at a time
MIXED = 60     # and cases that change up to four places at once


def run_cases(targets, check) -> int:
    """``check(changes)`` over each place and the mixed cases; the number of cases run."""
    count = [0]

    def counted(changes):
        count[0] += 1
        check(changes)

    for target in targets:
        @settings(max_examples=PER_PLACE, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(st.tuples(st.just(target), HOSTILE), min_size=1, max_size=1))
        def one_place(changes):
            counted(changes)

        one_place()

    @settings(max_examples=MIXED, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(targets), HOSTILE), min_size=2, max_size=4))
    def several(changes):
        counted(changes)

    several()
    return count[0]


def leaf_paths(value, path=()):
    """Every place in a JSON-like value: dict keys and list items, nested."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value[:6]):
            yield from leaf_paths(item, path + (index,))


def replaced(state, path, value):
    if not path:
        return value
    state = copy.copy(state)
    state[path[0]] = replaced(state[path[0]], path[1:], value)
    return state


def comparable(project) -> str:
    """What a refused project must leave untouched: every panel's state and files and the
    canvas's parameters (JSON with NaN spelt out, so equal values compare equal)."""
    panels = {name: {"state": data.state, "files": sorted(data.files.items())}
              for name, data in project.panels.items()}
    canvas = [(entry.parameters, entry.label, entry.image.tobytes().__hash__())
              for entry in project.canvas]
    return json.dumps({"panels": panels, "canvas": canvas, "index": project.canvas_index},
                      sort_keys=True, default=repr)


@pytest.fixture(scope="module")
def session_window():
    from PySide6.QtWidgets import QApplication

    from genart_desktop.ui.main_window import MainWindow

    QApplication.instance() or QApplication([])
    window = MainWindow()
    window.show()
    put_work_in_every_panel(window)
    window.messages.clear()
    yield window
    window.shutdown_workers()
    window.session.mark_clean()  # no "save changes?" question at the end
    window.close()


def test_hostile_panel_states_are_refused_whole_or_applied_without_a_traceback(session_window):
    window = session_window
    base = window.session.collect()
    targets = [(name, path) for name, data in sorted(base.panels.items())
               for path in leaf_paths(data.state)]
    outcomes = {"applied": 0, "refused": 0}

    def case(changes):
        window.session.apply(base)  # every case starts from the same work
        project = copy.deepcopy(base)
        for (name, path), value in changes:
            state = project.panels[name].state
            try:
                project.panels[name] = PanelData(replaced(state, path, value),
                                                 project.panels[name].files)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change removed this place
        before = comparable(window.session.collect())
        started = time.monotonic()
        try:
            window.session.apply(project)
            outcomes["applied"] += 1
        except UserError as error:
            assert "nothing was changed" in str(error)
            assert comparable(window.session.collect()) == before, changes
            outcomes["refused"] += 1
        assert time.monotonic() - started < 10, ("applying took too long", changes)
        again = window.session.collect()  # what was applied saves and opens cleanly
        window.session.apply(again)
        assert again.warnings == [], (changes, again.warnings)

    cases = run_cases(targets, case)
    print(f"fuzz: {cases} projects over {len(targets)} places, {outcomes}")
    assert sum(outcomes.values()) == cases >= PER_PLACE * len(targets)


def test_a_value_that_does_not_fit_is_named_and_the_rest_applied(session_window):
    window = session_window
    base = window.session.collect()
    project = copy.deepcopy(base)
    project.panels["style"] = PanelData(dict(base.panels["style"].state, strength="loud",
                                             preserve_colors=True))
    window.session.apply(project)
    assert any("style panel's strength ('loud')" in w for w in project.warnings)
    assert window.panels["style"].preserve_colours.isChecked()
    window.session.apply(base)


def test_a_panel_that_fails_leaves_the_whole_session_as_it_was(session_window, monkeypatch):
    """Opening is a transaction: the canvas and the panels before the failing one are
    put back too, and the user is told which part failed."""
    import numpy as np

    window = session_window
    base = window.session.collect()
    project = copy.deepcopy(base)
    project.canvas[-1].image = np.zeros_like(project.canvas[-1].image)
    project.panels["latent"] = PanelData(dict(base.panels["latent"].state, frames=30))
    before = comparable(window.session.collect())

    def broken(data):
        raise RuntimeError("a value no check foresaw")

    monkeypatch.setattr(window.panels["text"], "restore_state", broken)
    with pytest.raises(UserError, match="the text panel's state could not be applied"):
        window.session.apply(project)
    monkeypatch.undo()
    assert comparable(window.session.collect()) == before


@pytest.mark.parametrize("panels", [
    {"music": PanelData({"tempo": "fast", "time_signature": [-4, 4]}, {"score.mid": b"MThd\x00"})},
    {"latent": PanelData({"seed": 2e12, "frames": 1e300, "directions": "all"})},
    {"style": PanelData({"strength": "loud", "style_scale": -1, "styles": [[None, "x"]]})},
    {"text": PanelData({"drafts": "not a list", "settings": {"temperature": "hot"}},
                       {"poem.txt": b"\xff\xfe\x00"})},
])
def test_named_hostile_states_open_without_a_traceback(session_window, panels):
    """The issue's own examples, whole-panel: applied with defaults or refused whole."""
    window = session_window
    base = window.session.collect()
    project = copy.deepcopy(base)
    project.panels.update(panels)
    before = comparable(window.session.collect())
    try:
        window.session.apply(project)
    except UserError:
        assert comparable(window.session.collect()) == before
    window.session.apply(base)


PICTURE_PARAMETERS = {  # what the latent and style panels write into their PNGs
    "model": "twemoji-gan", "seed": 7, "truncation": 0.7, "directions": {"0": 1.5, "3": -2.0},
    "interpolation": {"a": {"model": "twemoji-gan", "seed": 1}, "b": {"model": "twemoji-gan",
                      "seed": 2}, "t": 0.25},
    "style": {"styles": [["builtin:2", "Name", 1.0], ["painting:poppies.jpg", "Poppies", 0.5]],
              "mode": "fast", "strength": 0.8, "preserve_colors": False, "style_scale": 1.5},
}


def test_hostile_png_parameters_open_without_a_traceback(session_window):
    """A PNG's stored parameters (File > Open of a picture this app or `genart` wrote):
    every panel that reads them takes values of any type and size without an exception."""
    window = session_window
    handlers = [window.panels["latent"].open_parameters, window.panels["style"]._image_opened]
    targets = list(leaf_paths(PICTURE_PARAMETERS))

    def case(changes):
        parameters = copy.deepcopy(PICTURE_PARAMETERS)
        for path, value in changes:
            try:
                parameters = replaced(parameters, path, value)
            except (KeyError, IndexError, TypeError):
                continue
        for handler in handlers:
            started = time.monotonic()
            handler("fuzz.png", parameters)
            assert time.monotonic() - started < 10, changes

    cases = run_cases(targets, case)
    print(f"fuzz: {cases} picture parameter blocks over {len(targets)} places")
    window.messages.clear()
