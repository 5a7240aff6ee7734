"""Ask the example document a question with the Python API, streaming the answer.

HF_HUB_OFFLINE=1 python examples/ask_api.py
"""

from pathlib import Path

from agent import Agent, CitationEvent, Done, Progress, Token
from retrieval.cache import DEFAULT_CACHE_DIR

DOC = Path(__file__).with_name("python-reference-excerpt.md")

agent = Agent(cache_dir=DEFAULT_CACHE_DIR)  # the embedded SmolLM2, offline
for event in agent.ask_stream(DOC, "What is the secret access code for the Lisbon office?"):
    if isinstance(event, Progress) and event.stage == "strategy":
        print(f"[strategy] {event.detail}")
    elif isinstance(event, Token):
        print(event.text, end="", flush=True)
    elif isinstance(event, CitationEvent):
        print(f"\n[cited] page {event.citation.page_label}: {event.citation.quote!r}")
    elif isinstance(event, Done):
        print(f"\n[done] {event.answer.strategy}, supported={event.answer.supported}")
