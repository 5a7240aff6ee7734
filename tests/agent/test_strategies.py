"""`auto`: the choice between strategies, and its reason."""

import pytest

from agent.errors import UnknownStrategyError
from agent.job import ANSWER_RESERVE, Situation
from agent.question import sub_questions
from agent.strategies import REGISTRY, STRATEGIES, pick, strategy_help

WINDOW = 4096


def situation(question, document_tokens=50_000, read_limit=32_000, reader="generative"):
    room = WINDOW - 20 - 96 - ANSWER_RESERVE  # a 20-token question, a 96-token answer
    return Situation(question, document_tokens, WINDOW, room, read_limit, reader)


def auto(question, document_tokens=50_000, read_limit=32_000):
    return pick(situation(question, document_tokens, read_limit))


@pytest.mark.parametrize(
    "question, strategy",
    [
        ("What is the Lisbon office code?", "rag"),
        ("Summarize this report.", "summary"),
        ("What is the paper about?", "summary"),
        ("Give an overview of the main findings.", "summary"),
        ("List all the cities mentioned.", "parallel"),
        ("How many times is the harbour mentioned?", "parallel"),
        ("How many ships sank in 1850?", "rag"),
        ("What is the locker number of the courier who carries the Oslo files?", "multihop"),
        ("Whose signature is on the contract that was signed in May?", "multihop"),
    ],
)
def test_auto_reads_the_question(question, strategy):
    chosen, reason = auto(question, document_tokens=20_000)
    assert chosen == strategy and reason


def test_a_document_that_fits_is_read_whole_whatever_the_question():
    assert auto("Summarize this report.", document_tokens=3000)[0] == "direct"
    assert "fits the 4,096-token window" in auto("List all cities.", document_tokens=3000)[1]


def test_reading_every_chunk_has_a_size_limit():
    chosen, reason = auto("List all the cities mentioned.", document_tokens=1_000_000)
    assert chosen == "rag" and "over the 32,000-token limit" in reason


def test_named_strategies_and_unknown_ones():
    assert pick(situation("x", 10), "parallel") == ("parallel", "asked for parallel")
    with pytest.raises(UnknownStrategyError, match="telepathy"):
        pick(situation("x", 10), "telepathy")


def test_several_questions_in_one_are_split():
    assert sub_questions("Where was Ilse born? What is the vault code of the Oslo branch?") == [
        "Where was Ilse born?",
        "What is the vault code of the Oslo branch?",
    ]
    assert sub_questions("What is the vault code?") == ["What is the vault code?"]
    assert sub_questions("Is it A? or B? Explain the difference in detail") == [
        "Is it A? or B? Explain the difference in detail"
    ]


@pytest.mark.parametrize(
    "question, strategy",
    [
        ("Fasse das Dokument zusammen.", "summary"),
        ("Worum geht es in diesem Bericht?", "summary"),
        ("De quoi parle ce rapport ?", "summary"),
        ("总结这份文件", "summary"),
        ("Liste alle Städte, die genannt werden.", "parallel"),
        ("列出文中提到的所有城市", "parallel"),
        ("Wie hoch ist der höchste Berg?", "rag"),
    ],
    ids=["de-summary", "de-about", "fr-about", "zh-summary", "de-list", "zh-list", "de-fact"],
)
def test_the_cues_are_not_only_english(question, strategy):
    assert auto(question, document_tokens=20_000)[0] == strategy


def test_an_extractive_reader_never_reads_a_whole_document_into_the_model():
    chosen, reason = pick(situation("What is the code?", 3000, reader="extractive"))
    assert chosen == "rag" and "extractive reader" in reason
    assert pick(situation("Summarize it.", 3000, reader="extractive"))[0] == "summary"


def test_the_registry_is_the_one_list_of_strategies():
    # what the command line offers and explains is what the router can run, mapreduce included
    assert STRATEGIES == ("auto", *REGISTRY) and "mapreduce" in REGISTRY
    assert all(f"{name}: " in strategy_help() for name in STRATEGIES)
    assert REGISTRY["mapreduce"].routes is None  # asked for by name only: auto never reads every chunk so
    assert all(pick(situation(q, 10**7), "auto")[0] != "mapreduce" for q in ("Summarize it.", "List all cities."))
