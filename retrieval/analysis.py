"""Search terms for BM25 in any language: stemmed words, CJK character unigrams and bigrams."""

import re
import unicodedata
from functools import lru_cache

from .tokens import CJK

_WORD = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")
_CJK_RUN = re.compile(rf"[{CJK}]")
# Function words that only add noise to BM25 (English; other languages keep theirs, low idf anyway).
STOP_WORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have he her his how i if in
    into is it its me my no not of on or our she so than that the their them then there these they this to
    was we were what when where which who whom why will with would you your""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=1 << 18)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word) if word.isascii() and word.isalpha() else word


def terms(text: str) -> list[str]:
    """BM25 terms of `text`: casefolded, NFKC (full-width to ASCII), stop words out, English stems."""
    out = []
    for match in _WORD.finditer(unicodedata.normalize("NFKC", text).casefold()):
        word = match.group()
        if _CJK_RUN.match(word):
            # No spaces between CJK words: index characters and character bigrams (as Lucene's CJK analyzer).
            out.extend(word)
            out.extend(word[i : i + 2] for i in range(len(word) - 1))
        elif word not in STOP_WORDS and not (len(word) == 1 and word.isascii() and word.isalpha()):
            out.append(_stem(word))  # single letters out: the s of "Brenzago's", the t of "don't"
    return out
