"""A question naming what the document never mentions (a company, a year) is refused before any
passage is read; names spelled a little differently, or run together, still count as mentioned;
a capital is no name in a language that capitalizes its nouns."""

import time

import pytest

from agent import Agent
from agent.absent import absent, names
from retrieval import load_document

from .scripted import ScriptedBackend, filler

REPORT = load_document(
    "Netflix streaming memberships grew in 2015. Best Buy opened stores in Ohio. "
    "Apply for the grant by May. " + filler(2),
    filename="report.txt",
)


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What are the bankers' names associated with Apple Inc?", ["Apple", "Inc"]),
        ("What was the shortfall in Japan's GDP growth?", ["Japan"]),  # possessive off, acronym no name
        ("What was paid on Monday, 3 March?", []),  # days and months are capitalized, no names
        ("What is the After-tax Return of EBITDA?", ["Return"]),  # hyphenated and all-caps words are measures as often
        ("Netflix: how many members?", []),  # the first word is capitalized anyway
        (
            "Who are the directors of the firm? Enumerate their names. Then Name them.",
            [],
        ),  # sentences open with capitals
        ("In welchem Buch steht der Beweis des Satzes?", []),  # German capitalizes every noun
    ],
)
def test_the_names_a_question_gives(question, expected):
    assert names(question) == expected


@pytest.mark.parametrize(
    "question, missing",
    [
        ("Where are the plants of Apple located?", ["Apple"]),  # "Apply" is another word
        ("How many members did Neflix have in 2015?", []),  # a typo of a long name: one edit
        ("How many stores did Bestbuy open in Ohio?", []),  # run together
        ("What did Netflix report for FY2015?", []),
        ("What did Netflix report as of March 31, 2017?", ["2017"]),
        ("Who leads Globex in Ohio in 2031?", ["2031", "Globex"]),
    ],
)
def test_what_the_document_never_mentions(question, missing):
    assert absent(question, REPORT) == missing


def test_a_question_about_what_the_document_never_mentions_is_refused_unread():
    backend = ScriptedBackend("unused", window=1024)
    answer = Agent(backend, embedder=None, reader="extractive").ask(REPORT, "How many stores did Globex open in Ohio?")
    assert not answer.citations and answer.text == "The document does not say (not found): it never mentions Globex."
    assert "never mentions (Globex)" in answer.trace.strategy_reason and backend.prompts == []
    kept = Agent(backend, embedder=None, reader="extractive").ask(REPORT, "Where did Bestbuy open stores?")
    assert kept.citations  # spelled otherwise, still the document's


def test_a_question_of_a_thousand_capitals_costs_a_few_scans():
    long_document = load_document(filler(2) * 400, filename="long.txt")
    start = time.perf_counter()
    absent("What about " + " ".join(f"Name{i:04d}x" for i in range(500)) + "?", long_document)
    absent("What about " + "Zyx " * 1000 + "?", long_document)
    assert time.perf_counter() - start < 5.0
