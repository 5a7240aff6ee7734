"""Each strategy by name on the example document, with what its trace says.

HF_HUB_OFFLINE=1 python examples/strategies.py
"""

from pathlib import Path

from agent import Agent
from retrieval.cache import DEFAULT_CACHE_DIR

DOC = Path(__file__).with_name("python-reference-excerpt.md")
QUESTIONS = {
    "rag": "What is the secret access code for the Lisbon office?",
    "multihop": "What is the secret access code for the Lisbon office?",
    "summary": "Summarize this document in two sentences.",
}

agent = Agent(cache_dir=DEFAULT_CACHE_DIR)  # the embedded SmolLM2, offline
for strategy, question in QUESTIONS.items():
    answer = agent.ask(DOC, question, strategy=strategy)
    print(f"== {strategy}: {question}\n{answer.text}")
    for c in answer.citations:
        print(f"   [page {c.page_label}] {c.quote!r}")
    for step in answer.trace.steps:
        print(f"   {step.name:<10} {step.seconds:6.1f} s  {step.prompt_tokens:>6} tokens  {step.detail[:100]}")
