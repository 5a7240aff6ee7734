"""`Span`: what every stretch of a document that a citation can name has in common: a chunk, a
search hit, an evidence sentence, a passage given to the model. Each holds
`document.text[char_start:char_end]` on one page, and the header row of the table it starts
inside when it starts below that row ("" otherwise)."""

from __future__ import annotations

from typing import Protocol


class Span(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def page(self) -> int: ...  # 1-based

    @property
    def page_label(self) -> str: ...

    @property
    def char_start(self) -> int: ...

    @property
    def char_end(self) -> int: ...

    @property
    def header(self) -> str: ...
