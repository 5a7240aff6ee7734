"""Where a small model's reply has run away: it says a sentence (or clause) again, whole or as
part of an earlier one ('The passage "X." ... X.'), repeats a list item ("3. Porto" after
"2. Porto", however short), or starts writing the prompt's own scaffolding (a passage tag,
"Question (answer from ..."). Past that point it only loops or
echoes the prompt, so generation stops there and the reply is cut.

While streaming, an unfinished last sentence that may be part of either is held back
(`settled`), so the reader never sees text that is then cut.
"""

import re

from retrieval.chunking import UNIT_BOUNDARY

# the prompts' own markers (prompts.py): a reply that writes one is echoing its prompt
SCAFFOLD = re.compile(r"<\s*/?\s*passage\b|^[ \t]*(?:Question|Request)\s*[(:]", re.I | re.M)
MARKERS = ("<passage", "</passage", "question (", "question:", "request (", "request:")
SHORTEST_REPEAT = 12  # characters: "Yes." twice is not a loop
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•‣·]|\(?\d{1,3}[.)]|\(?[a-z][.)])[ \t]+(.+?)[ \t]*$", re.M)


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _units(text: str, finished: bool = False) -> list[tuple[int, int]]:
    """(start, end) of the finished sentences and clauses; the unfinished rest is one only
    when the reply is `finished`."""
    spans, previous = [], 0
    for boundary in UNIT_BOUNDARY.finditer(text):
        if boundary.start() > previous:
            spans.append((previous, boundary.start()))
        previous = boundary.end()
    return spans + [(previous, len(text))] if finished and text[previous:].strip() else spans


def reply_end(text: str, finished: bool = False) -> int | None:
    """Where the reply should end, or None while it may go on (`finished`: it has ended)."""
    end = len(text)
    if scaffold := SCAFFOLD.search(text):
        end = scaffold.start()
    items = set()
    for item in LIST_ITEM.finditer(text):
        if item.start() >= end or not (finished or text.endswith("\n", 0, item.end() + 1)):
            break  # an item is judged once its line has ended
        if (key := _key(item.group(1))) in items:
            end = item.start()
            break
        items.add(key)
    seen: set = set()
    for a, b in _units(text, finished):
        if a >= end:
            break
        key = _key(text[a:b])
        if len(key) >= SHORTEST_REPEAT and any(key in earlier for earlier in seen):  # said again, maybe as a quote
            end = a
            break
        seen.add(key)
    return end if end < len(text) else None


def settled(text: str) -> int:
    """How much of `text` (not run away: reply_end is None) can be shown: all but an
    unfinished last sentence that so far reads as part of an earlier one or a marker's start."""
    tail = max((b.end() for b in UNIT_BOUNDARY.finditer(text)), default=0)  # the unfinished sentence
    start = text[tail:].lstrip().lower()
    if not start:
        return len(text)
    key, earlier = _key(start), {_key(text[a:b]) for a, b in _units(text)}
    if any(m.startswith(start[: len(m)]) for m in MARKERS) or key and any(key in e for e in earlier):
        return tail
    return len(text)
