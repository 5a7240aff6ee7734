"""`summary`: representative sentences from every part of the document, quoted (extractive) or
summarized in one call."""

from agent import Agent, Done, Token
from retrieval import load_document

from .scripted import ScriptedBackend, filler, user

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
