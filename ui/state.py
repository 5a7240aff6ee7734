"""What every browser session shares: the operator's settings, one agent per allowed model (its
model and built indexes) and the lock that lets one question at a time use it (Streamlit runs
each session in its own thread)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import streamlit as st

from agent import Agent

from . import settings as settings_module

ROOT = Path(__file__).resolve().parents[1]  # the checkout: examples/ and docs/benchmarks/ when present
EXAMPLE = ROOT / "examples" / "python-reference-excerpt.md"


class ModelNotAllowedError(Exception):
    """A model the operator did not offer (`longdoc ui --model`)."""


class SharedAgent:
    def __init__(self, agent: Agent):
        self.agent = agent
        self.lock = threading.Lock()  # the model answers one question at a time


def settings() -> settings_module.Settings:
    return settings_module.current()


@st.cache_resource(show_spinner=False)
def _agent(model: str, cache_dir: str, server: str = "") -> SharedAgent:
    from agent.backends import LocalBackend
    from agent.http_backend import API_KEY_ENV, served_backend

    if server:  # `longdoc ui --server URL`: that server's model answers, none is loaded here
        return SharedAgent(Agent(served_backend(server, os.environ.get(API_KEY_ENV)), cache_dir=cache_dir))
    return SharedAgent(Agent(LocalBackend(model_name=model) if model else None, cache_dir=cache_dir))


def shared_agent(model: str = settings_module.EMBEDDED) -> SharedAgent:
    """The agent for `model`, one of the operator's models ("" is the embedded one), built once
    for all sessions; its model loads on the first question."""
    config = settings()
    if model not in config.models:
        raise ModelNotAllowedError(f"{model!r} is not one of this app's models")
    return _agent(model, str(config.cache_dir), config.server)
