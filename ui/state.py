"""What every browser session shares: one agent per model (its model and built indexes) and the
lock that lets one question at a time use it (Streamlit runs each session in its own thread)."""
from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from agent import Agent

CACHE = Path.home() / ".cache" / "longdoc"  # parsed documents and indexes, as the CLI keeps them
ROOT = Path(__file__).resolve().parents[1]  # the checkout: examples/ and docs/benchmarks/ when present
EXAMPLE = ROOT / "examples" / "python-reference-excerpt.md"


class SharedAgent:
    def __init__(self, agent: Agent):
        self.agent = agent
        self.lock = threading.Lock()  # the model answers one question at a time


@st.cache_resource(show_spinner=False)
def shared_agent(model: str = "") -> SharedAgent:
    """The agent for `model` (a Hub id, local folder or .gguf file; "" is the embedded model),
    built once for all sessions; its model loads on the first question."""
    from agent.backends import LocalBackend

    return SharedAgent(Agent(LocalBackend(model_name=model) if model else None, cache_dir=CACHE))
