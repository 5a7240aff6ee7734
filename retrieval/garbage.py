"""Text a PDF's text layer gives that is not text: glyph names (`/g18/g152`, `/gid00012`,
`(cid:12)`), replacement characters, private-use code points. Such a page is flagged, re-read by
OCR when it can be, and never indexed as it is."""

from __future__ import annotations

import re

GLYPH_NAMES = re.compile(r"/(?:g|gid|glyph|uni|c|G)[0-9A-Fa-f]{1,6}\b|\(cid:\d+\)|/[A-Za-z]{1,3}\d{1,5}(?=[/\s]|$)")
REPLACEMENT = "\ufffd"
NOT_TEXT_SHARE = 0.3  # of a page's non-space characters


def _private_use(char: str) -> bool:
    code = ord(char)
    return 0xE000 <= code <= 0xF8FF or code >= 0xF0000


def garbage_share(text: str) -> float:
    """The share of `text`'s non-space characters that are glyph names, U+FFFD or private use."""
    visible = sum(not c.isspace() for c in text)
    if not visible:
        return 0.0
    names = sum(len(match.group()) for match in GLYPH_NAMES.finditer(text))
    odd = sum(c == REPLACEMENT or _private_use(c) for c in text)
    return min(1.0, (names + odd) / visible)


def is_garbage(text: str) -> bool:
    return garbage_share(text) >= NOT_TEXT_SHARE


def describe(text: str) -> str:
    """What kind of garbage, for the page's warning."""
    if GLYPH_NAMES.search(text):
        sample = GLYPH_NAMES.search(text).group()
        return f"its text layer holds glyph names (like {sample!r}), not characters"
    if REPLACEMENT in text:
        return "its text layer holds replacement characters (U+FFFD): the font has no Unicode mapping"
    return "its text layer holds private-use code points: the font has no Unicode mapping"
