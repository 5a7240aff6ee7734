"""Which documents a question's names are about: the names that tell documents apart decide,
those every document says (or none says often) do not."""

from agent.subjects import MAX_NAMES, about_the_names, names


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
