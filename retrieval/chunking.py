"""Token-aware chunking that respects paragraphs and sentences and keeps exact offsets.

The text is cut into units (sentences, lines; pieces of over-long ones), units are packed
greedily into chunks of at most `max_tokens`, preferring to end a chunk at a paragraph break,
and each chunk starts with the last sentences of the previous one (`overlap_tokens`). Chunks
never cross a page break, so each cites exactly one page. A chunk that starts inside a table
(rows of " | " cells) below its header row carries that row as `header`, and is read and
searched with it. Inside
each chunk, units are packed again into small snippets for the dense embedder, which truncates
long inputs.
"""

import re
from dataclasses import dataclass

import numpy as np

from .document import Document
from .tables import header_at, page_blocks, with_header
from .tokens import TokenCounter, token_counter

# Unit boundaries: blank lines (paragraph), line breaks, sentence ends (Latin and CJK punctuation).
UNIT_BOUNDARY = re.compile(r"\n[ \t\r\f\v]*\n\s*|\n|(?<=[.!?;:])[\"'”’)\]]*\s+|(?<=[。！？；])\s*")


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 400
    overlap_tokens: int = 40
    snippet_tokens: int = 96  # all-MiniLM-L6-v2 was trained on 128 word pieces

    def __post_init__(self):
        if not 0 < self.snippet_tokens <= self.max_tokens or not 0 <= self.overlap_tokens < self.max_tokens // 2:
            raise ValueError(f"need 0 < snippet_tokens <= max_tokens and 0 <= overlap_tokens < max_tokens/2: {self}")


@dataclass(frozen=True)
class Chunk:
    """A passage of Document.text: `text == document.text[char_start:char_end]`."""

    index: int
    text: str
    char_start: int
    char_end: int
    page: int  # 1-based page number (chunks never cross pages)
    page_label: str
    n_tokens: int
    snippets: tuple[tuple[int, int], ...]  # (char_start, char_end) spans embedded for dense search
    header: str = ""  # the header row of the table the chunk starts inside, below that row (read with it)


@dataclass
class Units:
    """Spans tiling a text, with token counts and whether a paragraph ends after each."""

    start: np.ndarray
    end: np.ndarray
    tokens: np.ndarray
    paragraph_end: np.ndarray
    token_starts: np.ndarray  # of the whole text

    def count(self, start: int, end: int) -> int:
        """Tokens starting in text[start:end]."""
        return int(np.searchsorted(self.token_starts, end) - np.searchsorted(self.token_starts, start))

    def __len__(self) -> int:
        return len(self.start)


def chunk_document(document: Document, settings: ChunkSettings = ChunkSettings(), *, tokenizer=None) -> list[Chunk]:
    """Chunks of `document`, counting tokens with `tokenizer` (a transformers tokenizer) or a regex default."""
    counter = token_counter(tokenizer)
    text = document.text
    units = segment(text, counter, settings.snippet_tokens)
    cum = np.concatenate([[0], np.cumsum(units.tokens)])
    # units of page i are [first_unit[i], first_unit[i + 1]): page separators are unit boundaries
    first_unit = np.searchsorted(units.start, [page.char_start for page in document.pages] + [len(text) + 1])
    chunks, tables = [], page_blocks(document.pages)
    for page, lo, hi in zip(document.pages, first_unit[:-1], first_unit[1:]):
        for s, e in pack(units, cum, int(lo), int(hi), settings.max_tokens, settings.overlap_tokens):
            start, end = _trim(text, int(units.start[s]), int(units.end[e - 1]))
            if start >= end:
                continue
            snippets = []
            for ws, we in pack(units, cum, s, e, settings.snippet_tokens, 0):
                a, b = _trim(text, int(units.start[ws]), int(units.end[we - 1]))
                if a < b:
                    snippets.append((a, b))
            chunks.append(
                Chunk(
                    len(chunks),
                    text[start:end],
                    start,
                    end,
                    page.number,
                    page.label,
                    units.count(start, end),
                    tuple(snippets),
                    header_at(tables, start),
                )
            )
    return chunks


def snippet_texts(document: Document, chunks: list[Chunk]) -> list[str]:
    """The text searched for each snippet, in chunk order: a snippet inside a table below its
    header row is searched with that row, so "Growth of Porto" finds "Porto | 1.1 | -3%"."""
    tables = page_blocks(document.pages)
    return [with_header(header_at(tables, a), document.text[a:b]) for chunk in chunks for a, b in chunk.snippets]


def segment(text: str, counter: TokenCounter, max_unit_tokens: int) -> Units:
    """Sentence and line units of `text`; a unit over `max_unit_tokens` is cut at token starts."""
    token_starts = counter.token_starts(text)
    starts, ends, paragraph = [], [], []
    previous = 0
    for match in UNIT_BOUNDARY.finditer(text):
        if match.end() > previous:
            starts.append(previous)
            ends.append(match.end())
            paragraph.append(match.group().count("\n") >= 2)
            previous = match.end()
    if previous < len(text):
        starts.append(previous)
        ends.append(len(text))
        paragraph.append(True)
    start, end = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    first_token = np.searchsorted(token_starts, start)
    tokens = np.searchsorted(token_starts, end) - first_token
    units = Units(start, end, tokens, np.array(paragraph, dtype=bool), token_starts)
    long = np.flatnonzero(units.tokens > max_unit_tokens)
    return _split_long(text, units, long, token_starts, first_token, max_unit_tokens) if len(long) else units


def _split_long(text, units, long, token_starts, first_token, max_tokens) -> Units:
    """Cut each over-long unit every `max_tokens` tokens, at a token after whitespace when one is near."""
    start, end, tokens, paragraph = [], [], [], []
    previous = 0
    for i in long:
        start.append(units.start[previous:i])
        end.append(units.end[previous:i])
        tokens.append(units.tokens[previous:i])
        paragraph.append(units.paragraph_end[previous:i])
        t0, n = int(first_token[i]), int(units.tokens[i])
        cuts = [int(units.start[i])]
        k = 0
        while n - k > max_tokens:
            cut = k + max_tokens
            for j in range(cut, k + max_tokens * 3 // 4, -1):  # back off to a word start
                if text[token_starts[t0 + j] - 1].isspace():
                    cut = j
                    break
            cuts.append(int(token_starts[t0 + cut]))
            k = cut
        cuts.append(int(units.end[i]))
        pieces = np.array(cuts, dtype=np.int64)
        start.append(pieces[:-1])
        end.append(pieces[1:])
        tokens.append(np.searchsorted(token_starts, pieces[1:]) - np.searchsorted(token_starts, pieces[:-1]))
        paragraph.append(np.array([False] * (len(cuts) - 2) + [bool(units.paragraph_end[i])]))
        previous = i + 1
    start.append(units.start[previous:])
    end.append(units.end[previous:])
    tokens.append(units.tokens[previous:])
    paragraph.append(units.paragraph_end[previous:])
    return Units(*(np.concatenate(parts) for parts in (start, end, tokens, paragraph)), token_starts)


def pack(
    units: Units, cum: np.ndarray, lo: int, hi: int, max_tokens: int, overlap_tokens: int
) -> list[tuple[int, int]]:
    """Greedy unit ranges [s, e) within [lo, hi) of at most `max_tokens` (cum: token prefix sums).

    A range ends at the last paragraph break past its half when there is one; the next range
    starts with the trailing units of the previous that fit in `overlap_tokens`.
    """
    breaks = np.flatnonzero(units.paragraph_end[lo:hi]) + lo + 1  # range ends right after a paragraph
    ranges, s = [], lo
    while s < hi:
        e = int(np.searchsorted(cum, cum[s] + max_tokens, side="right")) - 1
        e = min(max(e, s + 1), hi)
        if e < hi:
            j = int(np.searchsorted(breaks, e, side="right")) - 1
            if j >= 0 and breaks[j] > s and cum[breaks[j]] - cum[s] >= max_tokens // 2:
                e = int(breaks[j])
        ranges.append((s, e))
        if e >= hi:
            break
        next_start = e
        while next_start - 1 > s and cum[e] - cum[next_start - 1] <= overlap_tokens:
            next_start -= 1
        s = next_start
    return ranges


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
