"""The canvas's undo history: pictures with the parameters that made them.

Capped by memory, not by count: the oldest states are forgotten once the pictures held
exceed the budget (the current state is always kept). One gesture is one step: between
``begin_gesture`` and ``end_gesture`` every new picture replaces the gesture's own state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_BUDGET_BYTES = 512 * 2**20


@dataclass
class CanvasState:
    image: np.ndarray  # HxWx3 or HxWx4 uint8
    parameters: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def nbytes(self) -> int:
        return int(self.image.nbytes)


class CanvasHistory:
    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._states: list[CanvasState] = []
        self._index = -1
        self._gesture_label: str | None = None
        self._gesture_pushed = False

    @property
    def current(self) -> CanvasState | None:
        return self._states[self._index] if self._index >= 0 else None

    @property
    def index(self) -> int:
        return self._index

    def states(self) -> list[CanvasState]:
        return list(self._states)

    def replace(self, states: list[CanvasState], index: int) -> None:
        """Start over with these states (opening a project)."""
        self._states = list(states)
        self._index = min(max(index, 0), len(states) - 1) if states else -1
        self.end_gesture()
        self._enforce_budget()

    def __len__(self) -> int:
        return len(self._states)

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._states) - 1

    @property
    def held_bytes(self) -> int:
        return sum(state.nbytes for state in self._states)

    @property
    def in_gesture(self) -> bool:
        return self._gesture_label is not None

    def begin_gesture(self, label: str) -> None:
        self._gesture_label = label
        self._gesture_pushed = False

    def end_gesture(self) -> None:
        self._gesture_label = None
        self._gesture_pushed = False

    def push(self, image: np.ndarray, parameters: dict[str, Any] | None = None,
             label: str = "") -> CanvasState:
        state = CanvasState(image, dict(parameters or {}), label or self._gesture_label or "")
        if self.in_gesture and self._gesture_pushed:
            self._states[self._index] = state  # the gesture's one step, updated
        else:
            del self._states[self._index + 1:]  # a new branch forgets the redo future
            self._states.append(state)
            self._index = len(self._states) - 1
            self._gesture_pushed = self.in_gesture
        self._enforce_budget()
        return state

    def undo(self) -> CanvasState | None:
        self.end_gesture()
        if self.can_undo:
            self._index -= 1
        return self.current

    def redo(self) -> CanvasState | None:
        self.end_gesture()
        if self.can_redo:
            self._index += 1
        return self.current

    def set_budget(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._enforce_budget()

    def _enforce_budget(self) -> None:
        # Forget the oldest past states first, then the farthest redo states.
        while self.held_bytes > self.budget_bytes and len(self._states) > 1:
            if self._index > 0:
                del self._states[0]
                self._index -= 1
            else:
                del self._states[-1]
