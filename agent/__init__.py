"""agent: `ask(doc, question)` that picks its strategy, cites verified passages and stays on task."""

from .backends import LangChainBackend, LocalBackend
from .collection import Collection
from .conversation import Conversation
from .core import Agent, ask, ask_stream
from .errors import (
    AgentError,
    BackendError,
    CollectionError,
    EmptyQuestionError,
    HistoryError,
    IncompleteReplyError,
    QuestionTooLongError,
    TooManyQuestionsError,
    UnknownStrategyError,
)
from .events import Answer, Citation, CitationEvent, Done, Progress, Retrieved, Step, Token, Trace
from .http_backend import OpenAIBackend

__all__ = [
    "Agent",
    "Collection",
    "Conversation",
    "ask",
    "ask_stream",
    "LocalBackend",
    "LangChainBackend",
    "OpenAIBackend",
    "Answer",
    "Citation",
    "CitationEvent",
    "Done",
    "Progress",
    "Retrieved",
    "Step",
    "Token",
    "Trace",
    "AgentError",
    "BackendError",
    "CollectionError",
    "IncompleteReplyError",
    "EmptyQuestionError",
    "HistoryError",
    "QuestionTooLongError",
    "TooManyQuestionsError",
    "UnknownStrategyError",
]
