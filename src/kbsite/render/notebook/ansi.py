"""Terminal text (IPython's coloured tracebacks) -> HTML: ANSI colours become classes
(`ansi-red`, `ansi-bold`) the theme colours for light and dark, never raw escape codes."""

from __future__ import annotations

import re
from html import escape

# SGR sequences (colours, bold) are read; any other escape sequence (cursor moves, titles) is
# dropped with them.
_ESCAPE = re.compile(r"\x1b\[([\d;]*)m|\x1b\[[\d;?]*[A-Za-ln-z]|\x1b\][^\x07]*\x07|\x1b.")
_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def ansi_html(text: str) -> str:
    """Escape terminal text for a <pre>, its SGR colours as spans with classes."""
    if "\x1b" not in text:
        return escape(text, quote=False)
    parts: list[str] = []
    state: dict[str, str] = {}
    done = 0
    for match in _ESCAPE.finditer(text):
        parts.append(_span(text[done : match.start()], state))
        done = match.end()
        if match[1] is not None:
            _apply(match[1], state)
    parts.append(_span(text[done:], state))
    return "".join(parts)


def _span(text: str, state: dict[str, str]) -> str:
    if not text:
        return ""
    shown = escape(text, quote=False)
    if not state:
        return shown
    classes = " ".join(state[key] for key in sorted(state))
    return f'<span class="{classes}">{shown}</span>'


def _apply(codes: str, state: dict[str, str]) -> None:
    """Update the current style by one SGR sequence's codes."""
    numbers = [int(c) if c else 0 for c in codes.split(";")]
    at = 0
    while at < len(numbers):
        code = numbers[at]
        at += 1
        if code == 0:
            state.clear()
        elif code == 1:
            state["b"] = "ansi-bold"
        elif code == 4:
            state["u"] = "ansi-underline"
        elif code in (22, 24):
            state.pop("b" if code == 22 else "u", None)
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state["fg"] = f"ansi-{_COLOURS[code % 10]}" + ("-intense" if code >= 90 else "")
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state["bg"] = f"ansi-bg-{_COLOURS[code % 10]}" + ("-intense" if code >= 100 else "")
        elif code in (39, 49):
            state.pop("fg" if code == 39 else "bg", None)
        elif code in (38, 48) and at < len(numbers):
            # 256-colour and RGB colours have no class: skipped, text keeps the default colour
            at += 2 if numbers[at] == 5 else 4 if numbers[at] == 2 else 1
