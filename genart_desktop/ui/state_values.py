"""Reading a panel's saved state that came from outside (a project, an autosave): every
value is checked for its type and range before a widget sees it.

A project file is the user's to edit and anyone's to send, so its values can be of the
wrong type ("loud" for a strength), absurd (a seed of 2e12, which overflows a Qt spin
box's 32-bit int) or missing. ``StateValues`` is the one typed reader the panels share:
a value that does not fit is not used, the widget keeps what it had, and a named line
goes to ``dropped`` (the session shows them with the project's other warnings).

Widgets are their own schema: a spin box's or slider's minimum and maximum are the
range a number must be in (``to_widget``), so the checks cannot drift from the controls.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QCheckBox, QDoubleSpinBox

_MISSING = object()


class StateValues:
    def __init__(self, state: Any, panel: str, dropped: list[str] | None = None) -> None:
        self.panel = panel
        self.dropped = dropped if dropped is not None else []
        if state is None:
            state = {}
        if not isinstance(state, dict):
            self.refuse("state", state, "a set of named values")
            state = {}
        self.state = state

    def __contains__(self, key: str) -> bool:
        return key in self.state

    def refuse(self, key: str, value: Any, wanted: str) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        self.dropped.append(f"the {self.panel} panel's {key} ({shown}) is not {wanted}; "
                            "left as it was")

    def number(self, key: str, low: float, high: float, default: Any = None,
               integer: bool = False):
        """A finite number in [low, high] (an integer when asked; 3.0 counts as 3), or
        ``default``. A bool is not a number here, however Python sees it."""
        value = self.state.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not low <= value <= high \
                or (integer and value != int(value)):
            kind = "a whole number" if integer else "a number"
            self.refuse(key, value, f"{kind} from {low:g} to {high:g}")
            return default
        return int(value) if integer else float(value)

    def flag(self, key: str, default: Any = None):
        value = self.state.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self.refuse(key, value, "true or false")
            return default
        return value

    def choice(self, key: str, choices, default: Any = None):
        """One of ``choices`` (any hashable JSON value), or ``default``."""
        value = self.state.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        try:
            if value in choices:
                return value
        except TypeError:  # a list or dict is never a choice
            pass
        self.refuse(key, value, "one of " + ", ".join(map(str, list(choices)[:6])))
        return default

    def numbers(self, key: str, count: int | None, low: float, high: float,
                default: Any = None) -> list[float] | None:
        """A list of ``count`` (any, when None) finite numbers in [low, high]; an empty
        list is no value (a loop or zoom that was not set is saved as [])."""
        value = self.state.get(key, _MISSING)
        if value is _MISSING or value is None or value == []:
            return default
        fits = isinstance(value, list) and (count is None or len(value) == count) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            and low <= x <= high for x in value)
        if not fits:
            size = f"{count} " if count is not None else ""
            self.refuse(key, value, f"a list of {size}numbers from {low:g} to {high:g}")
            return default
        return [float(x) for x in value]

    def _checked(self, key: str, fits, wanted: str, default: Any):
        """The value when ``fits(value)``; missing or None: ``default``; else refused."""
        value = self.state.get(key, _MISSING)
        if value is _MISSING or value is None:
            return default
        if not fits(value):
            self.refuse(key, value, wanted)
            return default
        return value

    def strings(self, key: str, default: Any = None) -> list[str] | None:
        return self._checked(key, lambda v: isinstance(v, list)
                             and all(isinstance(x, str) for x in v), "a list of names", default)

    def mapping(self, key: str, default: Any = None) -> dict | None:
        return self._checked(key, lambda v: isinstance(v, dict), "a set of named values", default)

    def items(self, key: str, default: Any = None) -> list | None:
        return self._checked(key, lambda v: isinstance(v, list), "a list", default)

    def to_widget(self, widget, key: str, scale: float = 1.0) -> bool:
        """Set a spin box, slider or check box from ``key`` when the value fits the
        widget's own range (``scale``: the widget shows value x scale, e.g. a 0..1
        strength on a 0..100 slider). Signals are not blocked here; True when set."""
        if isinstance(widget, QCheckBox):
            value = self.flag(key)
            if value is not None:
                widget.setChecked(value)
            return value is not None
        if not isinstance(widget, (QAbstractSpinBox, QAbstractSlider)):
            raise TypeError(f"to_widget does not know {type(widget).__name__}")
        integer = not isinstance(widget, QDoubleSpinBox)
        low, high = widget.minimum() / scale, widget.maximum() / scale
        value = self.number(key, low, high, integer=integer and scale == 1.0)
        if value is None:
            return False
        widget.setValue(round(value * scale) if integer else value * scale)
        return True
