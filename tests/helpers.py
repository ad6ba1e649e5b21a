"""Helpers for writing test notes."""

from __future__ import annotations

import textwrap


def note(title: str, category: str, date: str, body: str = "正文。", **extra: str) -> str:
    """Return the text of a note with front matter."""
    lines = [f"title: {title}", f"category: {category}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in extra.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).strip() + "\n"
