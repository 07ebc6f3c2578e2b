"""How the text panel's actions touch the editor: where a poem's lines are, how a
continuation is glued to the user's own text, and one undo step for a streamed action.

The engine returns whole poems in its own layout (Chinese lines re-punctuated, English
lines stripped). The editor must keep what the user typed *exactly*, so the panel never
pastes the engine's text over the user's: it finds the part that is new and writes only
that, next to the user's characters.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit

from genart_desktop.text import chinese

SEPARATORS_ZH = chinese.PUNCTUATION + "\n"


def _is_content(char: str, language: str) -> bool:
    """Characters the engine keeps one for one (the rest is layout it may rewrite)."""
    if language == "zh":
        return not (char.isspace() or char in chinese.PUNCTUATION)
    return not char.isspace()


def line_spans(text: str, language: str) -> list[tuple[int, int]]:
    """(start, end) of each poem line in ``text``, as the engine counts lines.

    Chinese: pieces between punctuation or line breaks (one row often holds two lines).
    English: each non-blank row, without its surrounding spaces.
    """
    spans = []
    pattern = f"[^{re.escape(SEPARATORS_ZH)}]+" if language == "zh" else r"[^\n]+"
    for match in re.finditer(pattern, text):
        piece = match.group()
        if not piece.strip():
            continue
        start = match.start() + len(piece) - len(piece.lstrip())
        end = match.end() - (len(piece) - len(piece.rstrip()))
        spans.append((start, end))
    return spans


def line_at(spans: list[tuple[int, int]], position: int) -> int:
    """The line under the cursor: the last line that starts at or before it."""
    index = 0
    for number, (start, _end) in enumerate(spans):
        if start <= position:
            index = number
    return index


def result_lines(poem: str, language: str) -> list[str]:
    text = poem.strip()
    return [text[start:end] for start, end in line_spans(text, language)]


def splice_continuation(user_text: str, poem: str, language: str) -> str:
    """The user's text unchanged, followed by what ``poem`` (the engine's whole poem,
    which begins with the user's characters in its own layout) adds after them."""
    wanted = sum(_is_content(c, language) for c in user_text)
    seen, cut = 0, 0
    if wanted:
        for index, char in enumerate(poem):
            if _is_content(char, language):
                seen += 1
                if seen == wanted:
                    cut = index + 1
                    break
        else:
            return user_text  # the engine has not got past the user's text yet
    added = poem[cut:]
    lead = len(added) - len(added.lstrip(SEPARATORS_ZH + " \t"))
    glue, rest = added[:lead], added[lead:]
    tail = user_text[len(user_text.rstrip(SEPARATORS_ZH + " \t")):]
    if user_text and not tail and language == "en" and glue == "" and rest:
        glue = " "  # never run the user's last word into a new one
    if tail:
        # What the user already typed between the lines is not written twice.
        if "\n" in tail:  # the user ended a row: the next line starts right there
            glue = ""
        elif any(c in chinese.PUNCTUATION for c in tail):
            glue = "".join(c for c in glue if c not in chinese.PUNCTUATION)
        if tail[-1] in " \t":
            glue = glue.lstrip(" \t")
    return user_text + glue + rest


def engine_prompt(user_text: str, language: str) -> str:
    """The user's text as the engine should read it. The engine strips the prompt, so a
    line closed only by a line break would read as unfinished: close it with punctuation,
    which the engine takes as a line's end (the panel keeps the user's own layout, and
    ``splice_continuation`` drops that mark again)."""
    stripped = user_text.rstrip()
    if stripped and "\n" in user_text[len(stripped):] and stripped[-1] not in chinese.PUNCTUATION:
        return stripped + (chinese.STOP if language == "zh" else ",")
    return user_text


def utf16_length(text: str) -> int:
    """Qt counts positions in UTF-16 units; a character outside the BMP takes two."""
    return len(text.encode("utf-16-le")) // 2


class StreamWriter:
    """Replaces one region of the editor again and again as text streams in, as a single
    undo step: the first change opens an edit block, later ones join it. (An edit block
    held open across events would hide the text until the end.)"""

    def __init__(self, editor: QPlainTextEdit, start: int, end: int) -> None:
        self.document: QTextDocument = editor.document()
        text = self.document.toPlainText()
        self.start = utf16_length(text[:start])
        self.shown = text[start:end]
        self.changed = False

    def show(self, text: str) -> None:
        if text == self.shown:
            return
        common = 0
        limit = min(len(text), len(self.shown))
        while common < limit and text[common] == self.shown[common]:
            common += 1
        cursor = QTextCursor(self.document)
        if self.changed:
            cursor.joinPreviousEditBlock()
        else:
            cursor.beginEditBlock()
        cursor.setPosition(self.start + utf16_length(self.shown[:common]))
        cursor.setPosition(self.start + utf16_length(self.shown),
                           QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(text[common:])
        cursor.endEditBlock()
        self.changed = True
        self.shown = text
