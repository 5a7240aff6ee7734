"""What `ask_stream` yields, and the `Answer` that `ask` returns (carried by the last event)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Citation:
    """A verified quote: `quote == document.text[char_start:char_end]`, on page `page`."""

    page: int
    page_label: str
    quote: str
    char_start: int
    char_end: int
    document: str = ""  # in a collection, the document's name (offsets are into its text)


@dataclass
class Step:
    name: str
    seconds: float
    prompt_tokens: int = 0
    output_tokens: int = 0
    detail: str = ""


@dataclass
class Trace:
    strategy_reason: str = ""
    document_tokens: int = 0
    window: int = 0
    steps: list[Step] = field(default_factory=list)
    question: str = ""  # the question answered: a follow-up made standalone, else as asked


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    strategy: str
    trace: Trace
    supported: bool  # False: no passage of the document backs the answer, and the text says so


@dataclass(frozen=True)
class Progress:
    stage: str  # "load", "index", "strategy", "read", "answer"
    fraction: float
    detail: str = ""


@dataclass(frozen=True)
class Retrieved:
    """Passages the answer is written from, in the order the model reads them (objects with
    .text, .page, .page_label, .char_start, .char_end)."""

    passages: tuple


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class CitationEvent:
    citation: Citation


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Progress | Retrieved | Token | CitationEvent | Done
