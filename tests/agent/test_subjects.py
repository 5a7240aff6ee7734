"""Which documents a question's names are about: the names that tell documents apart decide,
those every document says (or none says often) do not."""

import pytest

from agent.subjects import MAX_NAMES, about_the_names, names, of_the_period, quarters


def test_a_name_is_a_capitalized_word_past_its_sentences_start():
    assert names("How has Apple's gross margin changed? If so, why did Intel’s fall?") == ["Apple", "Intel"]
    assert names("¿Cómo cambió la facturación de Inditex en 2023 Q3?") == ["Inditex"]
    assert names("what did siemens report?") == []
    # German capitalizes every noun: they are names here, and decide nothing unless they tell documents apart
    assert names("Wie hat sich der Umsatz von Siemens entwickelt?") == ["Umsatz", "Siemens"]


def test_the_documents_about_a_name_are_those_saying_it_often_most_first():
    acme, acme_more = "Acme sells tools. " * 10, "Acme sells tools. " * 30
    supplier = "Borealis sells steel. " * 20 + "Acme is a customer. " * 2
    kept, deciding = about_the_names("What did Acme's tools earn?", [supplier, acme, acme_more])
    assert kept == [2, 1] and deciding == ["Acme"]


def test_a_name_that_tells_no_document_apart_decides_nothing():
    reports = ["The Consolidated Statements of Acme. " * 5, "The Consolidated Statements of Acme. " * 4]
    assert about_the_names("What do the Consolidated Statements of Acme say?", reports) is None
    assert about_the_names("What did Acme earn?", ["Acme earned 4. " * 2, "Nothing here."]) is None  # said twice
    assert about_the_names("what did acme earn?", ["Acme earned 4. " * 9, "Nothing here."]) is None  # no name


def test_a_question_of_thousands_of_names_counts_a_few():
    letters = ["".join(chr(97 + k // 26**p % 26) for p in range(3)) for k in range(10_000)]
    question = "Is " + " ".join(f"N{word}" for word in letters) + "?"
    assert names(question) == [f"N{word}" for word in letters[:MAX_NAMES]]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("In the Q1 2023 10-Q, what was revenue?", {(2023, 1)}),
        ("2023 Q1 AAPL.pdf", {(2023, 1)}),
        ("reports/acme-2022-Q4.pdf", {(2022, 4)}),
        ("acme_2023Q2.pdf", {(2023, 2)}),
        ("Q3 FY2023 results", {(2023, 3)}),
        ("What did the first quarter of fiscal 2024 bring?", {(2024, 1)}),
        ("Wie hoch war der Umsatz im zweiten Quartal 2023?", {(2023, 2)}),
        ("Quel était le chiffre d'affaires du premier trimestre 2023 ?", {(2023, 1)}),
        ("¿Cuáles fueron las ventas del tercer trimestre de 2022?", {(2022, 3)}),
        ("Compare Q1 2023 with Q2 2023.", {(2023, 1), (2023, 2)}),
        # a year alone, a fifth quarter, a code that ends in Q1, a five-digit number: no quarter
        ("FY2023 results", set()),
        ("Revenue in 2023", set()),
        ("Q5 2023", set()),
        ("SEQ1 2023", set()),
        ("Q1 20234", set()),
    ],
)
def test_a_quarter_is_read_as_questions_and_file_names_say_it(text, expected):
    assert quarters(text) == expected


def test_the_documents_of_the_quarter_named():
    names = [["2022 Q3 AAPL.pdf"], ["reports/2023 Q1 AAPL.pdf"], ["2023 Q3 AAPL.pdf"], ["notes.txt"]]
    assert of_the_period("What was Apple's revenue in Q1 2023?", names) == [1]
    assert of_the_period("What did the latest 10-Q say about risks?", names) == [2]
    # a comparison from the latest quarter to the ones before asks all of them
    assert of_the_period("How does the most recent quarter compare to previous quarters?", names, latest=False) is None
    # no quarter named, or none of the documents' names gives it: the quarter decides nothing
    assert of_the_period("What was Apple's revenue?", names) is None
    assert of_the_period("What was Apple's revenue in Q2 2021?", names) is None
