"""Styled letters in MathML as Unicode characters: `\\mathbb{R}` as ℝ, not `R` in plain type.

KaTeX writes `<mi mathvariant="double-struck">R</mi>`. MathML Core, which Chromium implements,
ignores every mathvariant but "normal", so Chrome and Edge readers saw ℝ, 𝓛 and 𝐱 as R, L and
x. The Mathematical Alphanumeric Symbols block has these letters as characters of their own; the
MathML Core spec gives this same mapping for authoring tools.
"""

from __future__ import annotations

import re

# First code point of A-Z, a-z and 0-9 in each style (None: the style has no digits).
_STARTS: dict[str, tuple[int, int, int | None]] = {
    "bold": (0x1D400, 0x1D41A, 0x1D7CE),
    "italic": (0x1D434, 0x1D44E, None),
    "bold-italic": (0x1D468, 0x1D482, None),
    "script": (0x1D49C, 0x1D4B6, None),
    "bold-script": (0x1D4D0, 0x1D4EA, None),
    "fraktur": (0x1D504, 0x1D51E, None),
    "double-struck": (0x1D538, 0x1D552, 0x1D7D8),
    "bold-fraktur": (0x1D56C, 0x1D586, None),
    "sans-serif": (0x1D5A0, 0x1D5BA, 0x1D7E2),
    "bold-sans-serif": (0x1D5D4, 0x1D5EE, 0x1D7EC),
    "sans-serif-italic": (0x1D608, 0x1D622, None),
    "sans-serif-bold-italic": (0x1D63C, 0x1D656, None),
    "monospace": (0x1D670, 0x1D68A, 0x1D7F6),
}
# Letters Unicode had already encoded (Letterlike Symbols) and left as holes in the block.
_HOLES = {
    "italic": {"h": "ℎ"},
    "script": dict(zip("BEFHILMRego", "ℬℰℱℋℐℒℳℛℯℊℴ", strict=True)),
    "fraktur": dict(zip("CHIRZ", "ℭℌℑℜℨ", strict=True)),
    "double-struck": dict(zip("CHNPQRZ", "ℂℍℕℙℚℝℤ", strict=True)),
}
# First code point of Α-Ω and α-ω (U+0391, U+03B1) where the style has Greek: \boldsymbol{\theta}.
_GREEK: dict[str, tuple[int, int]] = {
    "bold": (0x1D6A8, 0x1D6C2),
    "italic": (0x1D6E2, 0x1D6FC),
    "bold-italic": (0x1D71C, 0x1D736),
}
_STYLED = re.compile(r'<(mi|mn)([^>]*?) mathvariant="([a-z-]+)"([^>]*)>([^<]*)</\1>')


def unicode_variants(mathml: str) -> str:
    """Replace mathvariant on letters and digits by the styled characters themselves; leave an
    element whose style or characters have none (Greek in bold, say) as it was."""
    if "mathvariant" not in mathml:
        return mathml
    return _STYLED.sub(_restyle, mathml)


def _restyle(match: re.Match[str]) -> str:
    tag, before, variant, after, text = match.groups()
    styled = [_styled(char, variant) for char in text]
    if not text or None in styled:
        return match[0]
    return f"<{tag}{before}{after}>{''.join(s for s in styled if s)}</{tag}>"


def _styled(char: str, variant: str) -> str | None:
    starts = _STARTS.get(variant)
    if starts is None:
        return None
    hole = _HOLES.get(variant, {}).get(char)
    if hole:
        return hole
    upper, lower, digits = starts
    if "A" <= char <= "Z":
        return chr(upper + ord(char) - ord("A"))
    if "a" <= char <= "z":
        return chr(lower + ord(char) - ord("a"))
    if "0" <= char <= "9" and digits is not None:
        return chr(digits + ord(char) - ord("0"))
    greek = _GREEK.get(variant)
    if greek and "Α" <= char <= "Ω" and char != "\u03a2":  # U+03A2 is unassigned
        return chr(greek[0] + ord(char) - ord("Α"))
    if greek and "α" <= char <= "ω":
        return chr(greek[1] + ord(char) - ord("α"))
    return None
