"""Typed errors of the agent; document errors come from retrieval unchanged."""


class AgentError(Exception):
    """Base class of every error the agent raises on purpose."""


class EmptyQuestionError(AgentError, ValueError):
    """A question that is empty or whitespace."""


class QuestionTooLongError(AgentError, ValueError):
    """A question that leaves no room for the document in the model's window."""


class TooManyQuestionsError(AgentError, ValueError):
    """More questions asked in one message than the agent answers at once."""


class HistoryError(AgentError, ValueError):
    """A conversation history that is not a list of (question, answer) pairs of text."""


class CollectionError(AgentError, ValueError):
    """A collection with no readable document, or a document name it does not hold."""


class UnknownStrategyError(AgentError, ValueError):
    """A strategy name the agent does not have."""


class ExpressionError(AgentError, ValueError):
    """Arithmetic a model wrote that is not plain arithmetic over numbers, or has no finite value."""


class BackendError(AgentError, RuntimeError):
    """The language model failed or could not be reached."""


class IncompleteReplyError(BackendError):
    """A reply that stopped before its end (cut, timed out, or without [DONE]): `partial` holds
    the text streamed before it stopped, never an answer."""

    def __init__(self, message: str, partial: str = ""):
        super().__init__(message)
        self.partial = partial
