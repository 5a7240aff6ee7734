"""`parallel`: every chunk read once with a bounded JSON verdict, at most `concurrency` at a
time; quotes verified; the answer written from the original text of the useful parts."""

import pytest

from agent import Agent
from agent.parallel import parse_verdict
from agent.prompts import SYSTEM, VERDICT_SYSTEM
from retrieval import load_document

from .scripted import ScriptedBackend, filler, system, user

NEEDLE = "The secret access code for the Lisbon office is 58213."
OTHER = "The Porto office was closed in 1999."


@pytest.mark.parametrize(
    "reply, expected",
    [
        ('{"relevant": true, "quote": "It is 5."}', (True, "It is 5.", True)),
        ('```json\n{"relevant": false, "quote": ""}\n```', (False, "", True)),
        ('Sure! {"relevant": "yes", "quote": "a"} hope it helps', (True, "a", True)),
        ('{"relevant": true, "quote": "cut off in the mid', (True, "cut off in the mid", True)),
        ("Yes, the passage gives the code.", (True, "", False)),
        ("The passage talks about grain.", (False, "", False)),
        ("", (False, "", False)),
    ],
)
def test_parse_verdict(reply, expected):
    assert parse_verdict(reply) == expected


def reader(messages):
    """Says a part is relevant when it holds the Lisbon sentence, quoting it; a confused reader
    also calls the Porto part relevant with an invented quote. Then answers."""
    if system(messages) == VERDICT_SYSTEM:
        text = user(messages).split("Question:")[0]  # the passages only
        if "Lisbon" in text:
            return '{"relevant": true, "quote": "The secret access code for the Lisbon office is 58213."}'
        if "Porto" in text:
            return '{"relevant": true, "quote": "The Porto office holds the Lisbon code 11111."}'
        return '{"relevant": false, "quote": ""}'
    assert system(messages) == SYSTEM
    return "The code is 58213."


def document():
    return load_document(
        "\n\n".join([filler(120), OTHER, filler(120, 120), NEEDLE, filler(120, 240)]), filename="d.txt"
    )


def test_every_chunk_is_read_once_within_the_concurrency_bound():
    backend = ScriptedBackend(reader, window=1024, delay=0.02)
    agent = Agent(backend, embedder=None, rag_budget=600, concurrency=3)
    doc = document()
    answer = agent.ask(doc, "What is the Lisbon office code?", strategy="parallel")
    verdicts = [m for m in backend.prompts if system(m) == VERDICT_SYSTEM]
    index = agent._indexes[doc.id]
    # every chunk's text was in exactly one verdict prompt
    for chunk in index.chunks:
        assert sum(chunk.text in user(m) for m in verdicts) == 1
    assert 1 < backend.most_running <= 3
    final = user(backend.prompts[-1])
    assert NEEDLE in final  # the original text around the verified quote is read
    assert OTHER not in final  # the part judged relevant with an invented quote is not
    assert len(final.split()) < 700  # within the budget (plus the question)
    assert answer.strategy == "parallel" and answer.supported
    assert answer.citations[0].quote == NEEDLE
    [read] = [s for s in answer.trace.steps if s.name == "read"]
    assert "2 judged useful, 1 with a verified quote" in read.detail  # the invented quote does not count


def test_a_reader_that_calls_everything_relevant_is_not_trusted():
    backend = ScriptedBackend(
        lambda m: '{"relevant": true, "quote": "<the helpful sentence>"}' if system(m) == VERDICT_SYSTEM else "58213",
        window=1024,
    )
    answer = Agent(backend, embedder=None, rag_budget=300).ask(
        document(), "What is the Lisbon office code?", strategy="parallel"
    )
    assert "no informative verdict" in " ".join(s.detail for s in answer.trace.steps)
    assert NEEDLE in user(backend.prompts[-1])


def test_when_no_part_is_useful_the_answer_comes_from_retrieval():
    backend = ScriptedBackend(lambda m: '{"relevant": false}' if system(m) == VERDICT_SYSTEM else "58213")
    answer = Agent(backend, embedder=None, rag_budget=300).ask(
        document(), "What is the Lisbon office code?", strategy="parallel"
    )
    assert "no informative verdict: answer from retrieval" in " ".join(s.detail for s in answer.trace.steps)
    assert NEEDLE in user(backend.prompts[-1]) and answer.citations[0].quote == NEEDLE


def test_auto_reads_every_chunk_for_a_listing_question_under_the_limit():
    backend = ScriptedBackend(reader, window=1024)
    doc = document()
    answer = Agent(backend, embedder=None, rag_budget=300).ask(doc, "List all the office codes mentioned.")
    assert answer.strategy == "parallel" and "every mention" in answer.trace.strategy_reason
    small_limit = Agent(ScriptedBackend(reader, window=1024), embedder=None, rag_budget=300, read_limit=100)
    answer = small_limit.ask(doc, "List all the office codes mentioned.")
    assert answer.strategy != "parallel" and "over the 100-token limit" in answer.trace.strategy_reason


def test_the_extractive_reader_quotes_every_mention_in_document_order():
    offices = [
        f"The {city} office was opened in {1990 + n}." for n, city in enumerate(["Lisbon", "Porto", "Braga", "Faro"])
    ]
    doc = load_document("\n\n".join(f"{filler(40, 40 * n)}\n\n{o}" for n, o in enumerate(offices)), filename="o.txt")
    backend = ScriptedBackend("unused", window=1024)
    answer = Agent(backend, embedder=None, reader="extractive").ask(doc, "List all the offices that were opened.")
    assert answer.strategy == "parallel" and not backend.prompts  # every sentence read, no model call
    assert answer.text.splitlines() == offices and [c.quote for c in answer.citations] == offices
