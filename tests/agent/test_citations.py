"""Citations: verified on their page, one per fact of a multi-fact answer, none for an answer
that only restates the question or finds nothing."""
from agent.citations import distinctive_names, find_quote, supporting_citations
from agent.strategies import Passage, page_passages
from retrieval import load_document

PAGES = ["The vault code is 7731. The weather was mild.", "Lunch is served at noon.",
         "The night guard is Ilse Brandt, hired in 2004."]


def test_each_fact_of_an_answer_is_cited_on_its_own_page():
    document = load_document("\f".join(PAGES))
    answer = "The vault code is 7731, and the night guard is Ilse Brandt."
    citations = supporting_citations(document, page_passages(document), "What are the vault code and the guard?", answer)
    assert [(c.page, c.quote) for c in citations] == [(1, "The vault code is 7731."),
                                                      (3, "The night guard is Ilse Brandt, hired in 2004.")]
    for c in citations:
        assert document.text[c.char_start : c.char_end] == c.quote


def test_no_citation_without_new_content_or_when_nothing_was_found():
    document = load_document("\f".join(PAGES))
    passages = page_passages(document)
    assert supporting_citations(document, passages, "What is the vault code?", "The vault code.") == []
    assert supporting_citations(document, passages, "What is the vault code?", "Not found in the passages.") == []
    assert supporting_citations(document, passages, "What is the vault code?", "It is 9999.") == []


def test_find_quote_only_inside_the_given_passages():
    document = load_document("\f".join(PAGES))
    passages = page_passages(document)
    assert find_quote(document, passages[:1], "Lunch is  served at noon.") is None
    assert find_quote(document, passages[1:2], "Lunch is  served at noon.").page == 2


def test_a_line_that_occurs_twice_is_cited_where_the_passage_has_it():
    document = load_document("Returns None.\n\nThe vault code is 7731.\n\nReturns None.")
    second = Passage("Returns None.", 1, "1", len(document.text) - 13, len(document.text))
    citation = find_quote(document, [second], "Returns None.")
    assert (citation.char_start, citation.char_end) == (second.char_start, second.char_end)


def test_evidence_must_name_what_the_question_names():
    text = ("The Mirkamir bakery sells 7655 loaves of rye bread every Saturday.\n\n"
            "The Griquafen bakery sells 3120 loaves of rye bread every Saturday. Porto bakeries open at dawn.\n\n"
            "It was founded by Ana Lobo. She sells 88 pies a day.")
    document = load_document(text, filename="bakeries.txt")
    passages = page_passages(document)
    question = "How many rye loaves does the Griquafen bakery sell on a Saturday?"
    names = distinctive_names(document, question)
    assert names == {"griquafen"}
    # the look-alike's number, with the asked name put in: the sentence that holds it names Mirkamir
    assert supporting_citations(document, passages, question, "The Griquafen bakery sells 7655 loaves.", names=names) == []
    assert not supporting_citations(document, passages, question, "7655", names=names)
    [right] = supporting_citations(document, passages, question, "The Griquafen bakery sells 3120 loaves.", names=names)
    assert "3120" in right.quote
    # the name may be in the sentence before the cited one ("She ...")
    question = "How many pies does Ana Lobo sell?"
    [pies] = supporting_citations(document, passages, question, "88 pies a day", names=distinctive_names(document, question))
    assert pies.quote == "She sells 88 pies a day."
    # a neighbour of the named sentence that does not refer to it is not evidence about it
    question = "When does the Griquafen bakery open?"
    assert not supporting_citations(document, passages, question, "Porto bakeries open at dawn",
                                    names=distinctive_names(document, question))
    # a name on every page (the document's subject) is not required
    assert distinctive_names(load_document("Porto. " * 10 + "\n\nIt has 3 bridges.", filename="p.txt"),
                             "How many bridges does Porto have?") == set()
