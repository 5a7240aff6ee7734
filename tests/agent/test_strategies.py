"""`auto`: the choice between strategies, and its reason."""

import pytest

from agent.errors import UnknownStrategyError
from agent.question import sub_questions
from agent.strategies import choose


def pick(question, document_tokens=50_000, read_limit=32_000):
    return choose("auto", question, document_tokens, 20, 4096, 96, read_limit)


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
    chosen, reason = pick(question, document_tokens=20_000)
    assert chosen == strategy and reason


def test_a_document_that_fits_is_read_whole_whatever_the_question():
    assert pick("Summarize this report.", document_tokens=3000)[0] == "direct"
    assert "fits the 4,096-token window" in pick("List all cities.", document_tokens=3000)[1]


def test_reading_every_chunk_has_a_size_limit():
    chosen, reason = pick("List all the cities mentioned.", document_tokens=1_000_000)
    assert chosen == "rag" and "over the 32,000-token limit" in reason


def test_named_strategies_and_unknown_ones():
    assert choose("parallel", "x", 10, 1, 4096, 96, 0) == ("parallel", "asked for parallel")
    with pytest.raises(UnknownStrategyError, match="telepathy"):
        choose("telepathy", "x", 10, 1, 4096, 96, 0)


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
    assert pick(question, document_tokens=20_000)[0] == strategy


def test_an_extractive_reader_never_reads_a_whole_document_into_the_model():
    chosen, reason = choose("auto", "What is the code?", 3000, 20, 4096, 96, 32_000, reader="extractive")
    assert chosen == "rag" and "extractive reader" in reason
    assert choose("auto", "Summarize it.", 3000, 20, 4096, 96, 32_000, reader="extractive")[0] == "summary"
