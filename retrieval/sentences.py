"""Sentences of extracted text, with exact offsets: what a reader quotes and a citation points at.

Text from PDFs breaks every line, so a line break is not a sentence end: a wrapped line is
joined to the next when it runs on (it ends without closing punctuation and the next line goes
on in lower case, or it is as long as the page's full lines, or inside a paragraph as its
neighbours, and the next starts a word or an amount). Blank
lines, list bullets, table rows (lines starting with a digit) and headings stay apart.
Sentences end at ., !, ? (and their CJK forms) before a capital, digit or quote, but not after
an abbreviation ("Dec. 20", "e.g.", "z. B.", "U.S.", "Fig. 3"). Over-long units are cut at
clause breaks so none exceeds `MAX_CHARS`.
"""

from __future__ import annotations

import re

from .tables import CELL_SEPARATOR

MAX_CHARS = 600
BULLET = re.compile(r"\s*(?:[•‣◦▪●○■□\-*–—]|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-ÞĀ-ſА-Я])|(?<=[。！？])\s*")
ABBREVIATION = re.compile(
    r"(?:\b[A-Za-zÀ-ÿ]|\b(?:e\.g|i\.e|et al|etc|vs|approx|No|Nr|Vol|Fig|Figs|Eq|Sec|pp|ca|bzw|vgl|usw|Abb|Tab"
    r"|Prof|Dr|Mr|Mrs|Ms|St|Jr|Sr|Inc|Ltd|Corp|Dept|Univ|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"|(?:\b[A-Za-z]\.){1,3}[A-Za-z]?)\.$"
)
LIST_NUMBER = re.compile(r"\s*\(?\d{1,3}[.)]")  # "1." opening a list item ends nothing
CLAUSE = re.compile(r"(?<=[;,:])\s+")
CURRENCY = "$€£¥"
LOWER_WORD = re.compile(r"\b[a-zäöüéèàç]{2,}\b")
NEIGHBOURS = 2  # lines on each side that tell a column's width
NAME_END = re.compile(r"(?:^|\s)[A-ZÀ-ÖØ-Þ][^\W\d_]+$")  # the line ends in a capitalised word
# articles, prepositions and conjunctions (en, de, fr, es): a sentence never ends on one
OPEN_WORDS = frozenset(
    """the a an of to in for and or by with from at on as der die das den dem des ein eine und oder von
    zu mit für im le la les de des du et ou à en au aux un une el los las y con para por del""".split()
)


def _lines(text: str):
    """(start, end) of each line, without its newline."""
    start = 0
    for match in re.finditer(r"\n", text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _runs_on(line: str, following: str, full: float, column: float = 0) -> bool:
    """Whether `line` wraps into `following` (the same sentence goes on), a full line being
    `full` characters long on the page and `column` long among its neighbours (0: not inside a
    paragraph). A line that starts with a digit or an amount goes on a sentence only after a
    comma or a cut word, or when it reads on in lower case: "...(AD)\n2018–23–51, which
    applies..." and "...to be\n$7,650 (90 work-hours × $85 per work-" do, a table row does not."""
    stripped, nxt = line.rstrip(), following.lstrip()
    if CELL_SEPARATOR in line or CELL_SEPARATOR in following:  # a table row is a line of its own
        return False
    if not stripped or not nxt or BULLET.match(following) or stripped[-1] in ".!?。！？":
        return False
    if nxt[0].islower():
        return True
    if nxt[0].isdigit() or nxt[0] in CURRENCY:
        return stripped[-1] in ",-–" or len(LOWER_WORD.findall(nxt)) >= 2
    if not nxt[0].isalpha():
        return False
    # inside a paragraph whose column is narrower than the page's usual line (a page of columns
    # of two widths), a line as long as its neighbours that ends in a name or a word that ends no
    # sentence runs on: "operated by Ethiopian\nAirlines (...)", "and the FAA of the\nUnited States"
    cut = NAME_END.search(stripped) is not None or stripped.split()[-1].casefold() in OPEN_WORDS
    return len(stripped) >= 0.8 * full or (bool(column) and cut and len(stripped) >= 0.8 * column)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of text whose line breaks are wraps, not ends."""
    lines = [(a, b) for a, b in _lines(text)]
    lengths = [b - a for a, b in lines]
    filled = sorted(n for n in lengths if n)
    full = filled[int(0.75 * (len(filled) - 1))] if filled else 0  # a full line's length on this page
    blocks, start, lowers = [], None, 0
    for i, (a, b) in enumerate(lines):
        if not text[a:b].strip():
            if start is not None:
                blocks.append((start, lines[i - 1][1]))
                start = None
            continue
        # inside a paragraph of prose: the line before ran on, and lower-case words in this line
        # and in the paragraph (counted as it grows: a page of one paragraph is read once)
        here = len(LOWER_WORD.findall(text, a, b))
        lowers = here + (lowers if start is not None else 0)
        column = _neighbours(lengths, i) if start is not None and here and lowers >= 3 else 0
        start = a if start is None else start
        if i + 1 == len(lines) or not _runs_on(text[a:b], text[lines[i + 1][0] : lines[i + 1][1]], full, column):
            blocks.append((start, b))
            start = None
    return blocks


def _neighbours(lengths: list[int], i: int) -> float:
    """The median length of the lines around line i (two on each side, itself included)."""
    near = sorted(n for n in lengths[max(0, i - NEIGHBOURS) : i + NEIGHBOURS + 1] if n)
    return near[len(near) // 2] if near else 0


def _split(text: str, a: int, b: int):
    """Sentence spans inside one block."""
    start = a
    for match in END.finditer(text, a, b):
        before = text[start : match.start()].rstrip()
        if (ABBREVIATION.search(before) and not before.endswith(("...", "!", "?"))) or LIST_NUMBER.fullmatch(before):
            continue
        yield start, match.start()
        start = match.end()
    yield start, b


def _bounded(text: str, a: int, b: int):
    """Cut a unit longer than MAX_CHARS at clause breaks (or anywhere, as a last resort)."""
    while b - a > MAX_CHARS:
        cut = max(
            (m.start() for m in CLAUSE.finditer(text, a, a + MAX_CHARS) if m.start() > a + MAX_CHARS // 3), default=None
        )
        cut = (
            cut
            if cut is not None
            else (text.rfind(" ", a, a + MAX_CHARS) if text.rfind(" ", a, a + MAX_CHARS) > a else a + MAX_CHARS)
        )
        yield a, cut
        a = cut
        while a < b and text[a].isspace():
            a += 1
    yield a, b


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace trimmed, in order."""
    spans = []
    for block in _blocks(text):
        for a, b in _split(text, *block):
            for x, y in _bounded(text, a, b):
                while x < y and text[x].isspace():
                    x += 1
                while y > x and text[y - 1].isspace():
                    y -= 1
                if y > x:
                    spans.append((x, y))
    return spans


def readable(text: str) -> str:
    """A quote as a reader should see it: line breaks of wrapped text joined (a word cut at a
    line end, "re-\\nmoves", "2018–\\n23–51", joined whole), runs of spaces made one."""
    text = re.sub(r"(?<=\w)-\n(?=[a-zäöüßàâçéèêëîïôûùüÿñæœ])", "", text)  # a word hyphenated at the line end
    text = re.sub(r"(?<=[\w])([–‑-])\s*\n\s*(?=\w)", r"\1", text)  # a dash at the line end, inside a code or range
    return " ".join(text.split())
