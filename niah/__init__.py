"""Needle-in-a-haystack self-tests: lengths x depths x tasks on the user's model, settings and
documents, scored without a judge; heatmaps, summaries and the model's effective context."""

from .errors import (
    EmptyGridError,
    HaystackTooShortError,
    LengthBeyondTargetError,
    NiahError,
    NoResultsError,
    ResultsMismatchError,
)
from .haystack import Haystack, Placed
from .report import Run, effective_context, heatmap, heatmap_figure, load_results, open_run
from .run import Grid, run
from .selftest import self_test
from .targets import AgentTarget, ModelTarget
from .tasks import TASKS, Trial, score

__all__ = [
    "AgentTarget",
    "EmptyGridError",
    "Grid",
    "Haystack",
    "HaystackTooShortError",
    "LengthBeyondTargetError",
    "ModelTarget",
    "NiahError",
    "NoResultsError",
    "Placed",
    "ResultsMismatchError",
    "Run",
    "TASKS",
    "Trial",
    "effective_context",
    "heatmap",
    "heatmap_figure",
    "load_results",
    "open_run",
    "run",
    "score",
    "self_test",
]
