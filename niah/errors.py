"""Typed errors of needle runs: each says what was wrong and what to do, before any cell runs."""


class NiahError(ValueError):
    """Base class: a needle run that cannot start (or resume) as asked."""


class EmptyGridError(NiahError):
    """No lengths, no depths or no tasks."""


class HaystackTooShortError(NiahError):
    """The haystack text has fewer tokens than a length asked (repeat it only when asked to)."""


class LengthBeyondTargetError(NiahError):
    """A length the target cannot take (the model's long-context limit)."""


class ResultsMismatchError(NiahError):
    """The results folder holds cells of a different run (another model, settings, seed or haystack)."""


class NoResultsError(NiahError):
    """A path to show results from holds no needle run's results."""
