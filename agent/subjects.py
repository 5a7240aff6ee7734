"""Which documents of a collection a question's names are about.

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
