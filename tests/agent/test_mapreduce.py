"""`mapreduce`: notes on every part, merged until they fit, the answer from the notes, citations
verified in the parts."""

from agent import Agent
from agent.prompts import MAP_SYSTEM, REDUCE_SYSTEM
from retrieval import load_document

from .scripted import ScriptedBackend, filler, system, user

TOPICS = [
    "The first chapter describes the founding of the Tallow salt works in 1841.",
    "The second chapter follows the strike of 1872 that closed the Tallow mine for a year.",
    "The third chapter tells how the Tallow works became a museum in 1990.",
]


def note_taker(messages):
    """Notes: the chapter sentence of the part, if any; reduce: join the notes; answer: restate."""
    text = user(messages).split("Request")[0]
    if system(messages) == MAP_SYSTEM:
        return next((t for t in TOPICS if t in text), "nothing")
    if system(messages) == REDUCE_SYSTEM and "Request (answer" in user(messages) and len(messages) == 2:
        found = [t for t in TOPICS if t in text]
        return " ".join(found) or "nothing"
    raise AssertionError(messages)


def book():
    return load_document(
        "\f".join(f"{topic}\n\n{filler(80, 80 * n)}" for n, topic in enumerate(TOPICS)), filename="book.txt"
    )


def test_every_part_is_noted_and_notes_are_reduced_into_the_answer():
    backend = ScriptedBackend(note_taker, window=1024, delay=0.01)
    doc = book()
    agent = Agent(backend, embedder=None, rag_budget=300, concurrency=2)
    answer = agent.ask(doc, "Summarize this document.", strategy="mapreduce")
    assert answer.strategy == "mapreduce"
    maps = [m for m in backend.prompts if system(m) == MAP_SYSTEM]
    for chunk in agent._indexes[doc.id].chunks:
        assert sum(chunk.text in user(m) for m in maps) == 1  # every chunk read once
    assert backend.most_running <= 2
    final = user(backend.prompts[-1])
    assert all(topic in final for topic in TOPICS) and "filler" not in final
    assert 'page="1"' in final and 'page="3"' in final  # notes keep the pages they cover
    # the answer restates the notes; each part of it is cited on its own page
    assert answer.supported and {c.page for c in answer.citations} == {1, 2, 3}
    assert {c.quote for c in answer.citations} == set(TOPICS)


def test_notes_over_the_budget_are_reduced_in_rounds():
    backend = ScriptedBackend(note_taker, window=1024)
    answer = Agent(backend, embedder=None, rag_budget=40).ask(
        book(), "Give an overview of the main points.", strategy="mapreduce"
    )
    rounds = [s.name for s in answer.trace.steps if s.name.startswith("reduce")]
    assert rounds and rounds[0] == "reduce 1"
    assert answer.supported
