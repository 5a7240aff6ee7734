"""The calculation a question names, written by the agent over the values the model listed.

A small model copies the shape of whatever formula it saw last ("(a - b) / b" for a margin); the
value it must pick is easier for it than the formula. Where the question names an operation whose
roles the values settle by themselves, the agent writes the calculation:

    average, total        over every value listed
    growth, change        the latest period's value against the earliest's (the periods the model named)
    share, margin         the smaller value over the larger, * 100 (a part of its whole)

Anything else (a ratio of A to B, "A minus B") keeps the model's own calculation. en, de, fr, es.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .notation import NUMBER, Notation

# what names each operation a question may ask for (looked for in this order by `operation`)
NAMED = {
    "average": re.compile(r"\b(?:average|mean|\w*durchschnitt\w*|mittelwert|moyen(?:ne)?|promedio|media)\b", re.I),
    "total": re.compile(
        r"\b(?:sum|together|combined|in total|altogether|zusammen|insgesamt|summe|gesamt\w*"
        r"|somme|ensemble|au total|suma|en total|juntos)\b",
        re.I,
    ),
    "growth": re.compile(
        r"\b(?:growth|grow|grew|grown|wachstum\w*|wuchs|gewachsen|croissance|crecimiento|crecieron"
        r"|creció)\b",
        re.I,
    ),
    "change": re.compile(
        r"\b(?:change|difference|increase[sd]?|decrease[sd]?|rise|rose|fall|fell|by how much"
        r"|veränderung|verändert\w*|differenz|um wie viel|stieg|gestiegen|sank|gesunken|variation"
        r"|différence|de combien|augment\w*|baiss\w*|diferencia|variación|cuánto|aument\w*"
        r"|disminu\w*)\b",
        re.I,
    ),
}
PERCENT = re.compile(r"\b(?:per ?cent(?:age)?|prozent\w*|pourcent\w*|porcentaje|por ciento)\b|%", re.I)
SHARE = re.compile(r"\b(?:margin|share of|proportion|marge|anteil|\w+quote|part de|margen|proporción)\b", re.I)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# a value line of the model's list: "Net sales, 2023: 48,210" (no operator after the colon)
VALUE_LINE = re.compile(
    r"^\W*(?P<label>[^:=\n]*?)\s*:\s*\$?\s*(?P<number>\(?-?\d[\d.,' \u00a0\u202f]*\)?)\s*"
    r"(?:%|[A-Za-zÀ-ÿ.]+)?\s*$"
)


@dataclass(frozen=True)
class Value:
    label: str
    number: str  # as written
    period: int | None  # the year the model named with it


def operation(question: str) -> str | None:
    """average, total, growth (a change in percent), change, share (a percentage of a whole), or None."""
    for name in ("average", "total", "growth"):
        if NAMED[name].search(question):
            return name
    if NAMED["change"].search(question):
        return "growth" if PERCENT.search(question) else "change"
    return "share" if SHARE.search(question) or PERCENT.search(question) else None


def listed_values(reply: str) -> list[Value]:
    """The values the model listed before its calculation, one per line."""
    out = []
    for line in reply.splitlines():
        if line.lstrip().startswith("="):
            break
        if (found := VALUE_LINE.match(line.strip())) and (number := NUMBER.search(found["number"])):
            years = YEAR.findall(found["label"])
            out.append(Value(found["label"], number.group(), int(years[-1]) if years else None))
    return out


def calculation(question: str, values: list[Value], notation: Notation) -> str | None:
    """The calculation the question names over `values`, or None when its roles are not settled
    (another operation, too few values, periods missing or equal)."""
    name = operation(question)
    numbers = [v.number for v in values]
    if name in ("average", "total") and len(values) >= 2:
        total = " + ".join(numbers)
        return f"({total}) / {len(values)}" if name == "average" else total
    if name in ("growth", "change") and len(values) == 2 and None not in (periods := [v.period for v in values]):
        if periods[0] == periods[1]:
            return None
        old, new = sorted(values, key=lambda v: v.period)  # type: ignore[arg-type,return-value]
        return (
            f"({new.number} - {old.number}) / {old.number} * 100"
            if name == "growth"
            else f"{new.number} - {old.number}"
        )
    if name == "share" and len(values) == 2:
        part, whole = sorted(values, key=lambda v: abs(notation.value(v.number)))
        return f"{part.number} / {whole.number} * 100"
    return None
