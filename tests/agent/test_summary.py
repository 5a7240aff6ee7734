"""`summary`: representative sentences from every part of the document, quoted (extractive) or
summarized in one call; `mapreduce`: notes on every part, merged until they fit, the answer from
the notes, citations verified in the parts."""

from agent import Agent, Done, Token
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


CHAPTERS = [
    [
        "The Tallow salt works opened in 1841 beside the river.",
        "Salt from the works was carried by barge to the coast.",
        "The salt works employed two hundred workers in its first decade.",
    ],
    [
        "A strike in 1872 closed the Tallow mine for a year.",
        "The workers of the mine asked for shorter shifts.",
        "The strike ended when the mine owners agreed to eight-hour shifts.",
    ],
    [
        "In 1990 the old salt works became a museum.",
        "The museum shows the tools of the salt workers.",
        "Visitors to the museum can walk through the old mine.",
    ],
]


def chapters():
    pages = ["\n\n".join(sentences + [filler(3, 100 * n)]) for n, sentences in enumerate(CHAPTERS)]
    return load_document("\f".join(pages), filename="tallow.txt")


def test_the_extractive_summary_quotes_every_part_in_order_without_repeats():
    backend = ScriptedBackend("unused", window=2048)
    events = list(Agent(backend, embedder=None, reader="extractive").ask_stream(chapters(), "Summarize this document."))
    answer = events[-1].answer
    assert answer.strategy == "summary" and "whole document" in answer.trace.strategy_reason and not backend.prompts
    assert {c.page for c in answer.citations} == {1, 2, 3}  # every part speaks
    assert [c.char_start for c in answer.citations] == sorted(c.char_start for c in answer.citations)
    lines = answer.text.splitlines()
    assert len(lines) == len(set(lines)) == len(answer.citations)
    # the archive's filler lines differ only by their year: said once at most
    assert sum("The archive lists shipments" in line for line in lines) <= 1
    assert "".join(e.text for e in events if isinstance(e, Token)) == answer.text and isinstance(events[-1], Done)


def test_a_generative_summary_is_one_call_over_the_representative_sentences():
    backend = ScriptedBackend("The salt works opened in 1841 and became a museum in 1990.", window=2048)
    answer = Agent(backend, embedder=None).ask(chapters(), "Give an overview of the main points.", strategy="summary")
    [prompt] = backend.prompts
    assert sum(any(s in user(prompt) for s in chapter) for chapter in CHAPTERS) == 3
    assert answer.strategy == "summary" and answer.supported


def test_a_summary_quotes_prose_not_markup_formulas_or_table_rows():
    noise = [
        '<Listing number="8-1" caption="Creating a new vector of the salt works">',
        "S = {0, 1, 2} ⊆ T × U, x ∈ S",
        "02/12/2016 12/15/2015 Tallow Salt Works 265 Closure Permanent",
    ]
    pages = ["\n\n".join(noise + sentences) for sentences in CHAPTERS]
    document = load_document("\f".join(pages), filename="mixed.txt")
    answer = Agent(ScriptedBackend("unused", window=2048), embedder=None, reader="extractive").ask(
        document, "Summarize it."
    )
    assert answer.citations and all(c.quote in {s for chapter in CHAPTERS for s in chapter} for c in answer.citations)


def test_a_summary_about_a_topic_quotes_the_sentences_on_it():
    strike = [f"The strike of {1870 + n} closed the Tallow mine for {n + 2} weeks of that year." for n in range(8)]
    pages = ["\n\n".join(CHAPTERS[0] + strike[:4]), "\n\n".join(CHAPTERS[2] + strike[4:])]
    document = load_document("\f".join(pages), filename="tallow.txt")
    answer = Agent(ScriptedBackend("unused", window=2048), embedder=None, reader="extractive").ask(
        document, "Summarize what the text says about the strikes."
    )
    assert answer.strategy == "summary" and answer.citations
    assert all("strike" in c.quote for c in answer.citations)
