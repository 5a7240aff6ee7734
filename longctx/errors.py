"""Typed errors of longctx; each message names the fix."""


class LongContextError(Exception):
    """Base class of every error longctx raises on purpose."""


class ConfigError(LongContextError, ValueError):
    """A LongContextConfig whose numbers cannot work."""


class UnsupportedModelError(LongContextError, TypeError):
    """A model whose attention layout longctx cannot patch."""


class BackendUnavailableError(LongContextError, RuntimeError):
    """An attention backend was requested that this machine cannot run."""


class ContextTooLongError(LongContextError, ValueError):
    """An input longer than the configured maximum."""


class ModelNotFoundError(LongContextError, FileNotFoundError):
    """A model path or the embedded default model is missing."""
