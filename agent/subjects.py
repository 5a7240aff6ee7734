"""Which documents of a collection a question's names are about, and which its quarter names.

A question naming its subject ("Apple's gross margin", "in NVIDIA's quarterly reports") asks the
documents about it: a supplier's filing that mentions the customer twice is not one of them. A
name is a capitalized word past the start of its sentence (a possessive's 's dropped); a
document is about it when it says it at least SHARE as often as the document saying it most.
Only names that tell the documents apart decide: one that every document says about as often
("Consolidated Statements", in German any noun) or that none says MIN_MENTIONS times decides
nothing. Counted in each document's text with its case: "Apple" is not "apple".
"""

from __future__ import annotations

import re

SHARE = 0.2
MIN_MENTIONS = 3  # a name said once or twice does not say what a document is about
MAX_NAMES = 8  # of a question's names, those counted (a hostile question names thousands)
SENTENCE = re.compile(r"(?<=[.?!:;])\s+")
WORD = re.compile(r"[^\W\d_][\w&'’-]*")
POSSESSIVE = re.compile(r"['’]s?$")


def names(question: str) -> list[str]:
    """The capitalized words of `question` that do not start a sentence, once each, in order."""
    found = []
    for sentence in SENTENCE.split(question):
        for n, match in enumerate(WORD.finditer(sentence)):
            word = POSSESSIVE.sub("", match.group(0))
            if n and len(word) > 1 and word[0].isupper() and not any(c.isdigit() for c in word):
                found.append(word)
    return list(dict.fromkeys(found))[:MAX_NAMES]


def about_the_names(question: str, texts: list[str]) -> tuple[list[int], list[str]] | None:
    """(the positions in `texts` of the documents about a name `question` gives, the most about it
    first; the names that told them apart), or None when none does."""
    telling, deciding = [], []
    for name in names(question):
        said = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        counts = [sum(1 for _ in said.finditer(text)) for text in texts]
        most = max(counts, default=0)
        if most >= MIN_MENTIONS and min(counts) < SHARE * most:
            telling.append([count / most for count in counts])
            deciding.append(name)
    if not telling:
        return None
    share = [max(shares[k] for shares in telling) for k in range(len(texts))]
    return sorted((k for k in range(len(texts)) if share[k] >= SHARE), key=lambda k: -share[k]), deciding


# A quarter and its year as a question or a file name says it: "Q1 2023", "2023 Q1", "2023-Q1",
# "Q3 FY2023", "the first quarter of 2023", "ersten Quartal 2023", "premier trimestre 2023",
# "primer trimestre de 2023"; `latest` asks for the most recent one ("the latest 10-Q").
QUARTER_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "ersten": 1, "zweiten": 2, "dritten": 3, "vierten": 4,
    "erstes": 1, "zweites": 2, "drittes": 3, "viertes": 4, "premier": 1, "deuxième": 2, "troisième": 3,
    "quatrième": 4, "primer": 1, "segundo": 2, "tercer": 3, "cuarto": 4,
}  # fmt: skip
QUARTER = re.compile(
    r"(?<![^\W_])Q([1-4])[\s_/-]*(?:FY|fiscal\s+)?[\s_/-]*((?:19|20)\d\d)(?!\d)"
    r"|(?<!\d)((?:19|20)\d\d)[\s_/-]*Q([1-4])(?![^\W_])"
    rf"|\b({'|'.join(QUARTER_WORDS)})\s+(?:quarter|quartal|trimestre)\s+(?:(?:of|des|de|del)\s+)?"
    r"(?:(?:fiscal|geschäftsjahr(?:es)?|l['’]exercice|ejercicio)\s+)?((?:19|20)\d\d)\b",
    re.I,
)
LATEST = re.compile(
    r"\b(?:latest|most recent|last|neueste[nmrs]?|letzte[nmrs]?|dernier|dernière|plus récent|último|más reciente)"
    r"\s+(?:quarterly report|report|filing|10-?q|quarter|bericht|quartalsbericht|rapport|informe)\b",
    re.I,
)


def quarters(text: str) -> set[tuple[int, int]]:
    """The (year, quarter) pairs `text` names."""
    found = set()
    for match in QUARTER.finditer(text):
        q1, y1, y2, q2, word, y3 = match.groups()
        if q1:
            found.add((int(y1), int(q1)))
        elif q2:
            found.add((int(y2), int(q2)))
        else:
            found.add((int(y3), QUARTER_WORDS[word.lower()]))
    return found


def of_the_period(question: str, names: list[list[str]], latest: bool = True) -> list[int] | None:
    """The positions in `names` (each document's file names) of the documents whose name gives the
    quarter the question names (or, asked for the latest report and `latest`, the latest quarter any
    name gives); None when the question names none, or no name gives it: the period decides nothing.
    A comparison passes `latest=False`: "the most recent quarter compared to previous quarters"
    asks all of them."""
    given = [set().union(*map(quarters, some)) for some in names]
    asked = quarters(question)
    if not asked and latest and LATEST.search(question):
        asked = set(sorted(set().union(*given))[-1:])
    chosen = [k for k, periods in enumerate(given) if periods & asked]
    return chosen or None
