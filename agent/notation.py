"""How a document writes its numbers, so that a calculation over them reads 13.115 in a German
report as thirteen thousand and 84 560 in a French one as one number: "1,234.5" (English),
"1.234,5" (German, Spanish, Italian ...), "1 234,5" (French, SI).

A token with both marks ("1.234,5", "1,234.5") says its notation for sure; one with a decimal part
only ("3,5", "0.62") is weaker evidence (a section "2.3" looks like one), counted when no token is
sure. A dotted number with three digits after each dot ("13.115") is a thousands group when the
document has no dot that is a decimal point.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SPACES = " \u00a0\u202f"  # a space, a no-break space, a narrow no-break space (French and SI grouping)
APOSTROPHES = "'\u2019"  # Swiss grouping: 1'234.50
# a number as documents write it: digit groups joined by , . a space or an apostrophe, then an optional decimal part
NUMBER = re.compile(
    rf"(?<![\d.,])\d{{1,3}}(?:[,.{SPACES}{APOSTROPHES}]\d{{3}}(?!\d))+(?:[.,]\d+)?(?!\d)"
    r"|(?<![\d.,])\d+(?:[.,]\d+)?(?!\d)"
)
# sure evidence: groups and a decimal part
SURE_COMMA_DECIMAL = re.compile(r"(?<![\d,.])\d{1,3}(?:\.\d{3})+,\d+(?![\d.,])")
SURE_DOT_DECIMAL = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+\.\d+(?![\d.,])")
# weaker evidence: a decimal part that is not a group of three, after either mark
# (one run of digits before the mark: a repeated group before it would make a document of
# "111 111 ..." take quadratic time)
COMMA_DECIMAL = re.compile(r"(?<![\d,.])\d+,(?:\d{1,2}|\d{4,})(?![\d.,])")
DOT_DECIMAL = re.compile(r"(?<![\d,.])\d+\.(?:\d{1,2}|\d{4,})(?![\d.,])")
SPACE_GROUPS = re.compile(rf"(?<![\d])\d{{1,3}}(?:[{SPACES}]\d{{3}})+(?:,\d+)?(?![\d])")
DOT_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d.])")


@dataclass(frozen=True)
class Notation:
    decimal: str  # "." or ","
    group: str  # "," "." or " "

    def value(self, token: str) -> float:
        """The number `token` writes in this notation ("13.115" continental: 13115.0)."""
        text = token.strip()
        for mark in SPACES + APOSTROPHES:
            text = text.replace(mark, "")
        if self.decimal == ",":
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
        return float(text)

    def shown(self, value: float) -> str:
        """`value` written as the document writes numbers: two decimals at most, three significant
        digits below 1 (a growth of 0.105 is not 0.11)."""
        if abs(value) >= 1e15:
            return f"{value:.4g}"
        decimals = 2 if abs(value) >= 1 or value == 0 else 2 - math.floor(math.log10(abs(value)))
        english = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
        if self.decimal == ".":
            return english
        whole, _, fraction = english.partition(".")
        return whole.replace(",", self.group) + ("," + fraction if fraction else "")


ENGLISH = Notation(".", ",")
CONTINENTAL = Notation(",", ".")
FRENCH = Notation(",", " ")


def notation_of(text: str) -> Notation:
    """The notation `text` writes its numbers in: English unless its own numbers say otherwise."""
    commas, dots = len(SURE_COMMA_DECIMAL.findall(text)), len(SURE_DOT_DECIMAL.findall(text))
    if not commas and not dots:
        commas, dots = len(COMMA_DECIMAL.findall(text)), len(DOT_DECIMAL.findall(text))
    spaced = len(SPACE_GROUPS.findall(text))
    if commas > dots or (not dots and (spaced or DOT_GROUPS.search(text))):
        return FRENCH if spaced > len(DOT_GROUPS.findall(text)) else CONTINENTAL
    return ENGLISH
