"""Citations: verified on their page, one per fact of a multi-fact answer, none for an answer
that only restates the question or finds nothing."""

from agent.citations import find_quote, supporting_citations
from agent.evidence import about
from agent.job import Passage, page_passages
from retrieval import DocumentIndex, load_document

from .scripted import filler

PAGES = [
    "The vault code is 7731. The weather was mild.",
    "Lunch is served at noon.",
    "The night guard is Ilse Brandt, hired in 2004.",
]


def test_each_fact_of_an_answer_is_cited_on_its_own_page():
    document = load_document("\f".join(PAGES))
    answer = "The vault code is 7731, and the night guard is Ilse Brandt."
    citations = supporting_citations(
        document, page_passages(document), "What are the vault code and the guard?", answer
    )
    assert [(c.page, c.quote) for c in citations] == [
        (1, "The vault code is 7731."),
        (3, "The night guard is Ilse Brandt, hired in 2004."),
    ]
    for c in citations:
        assert document.text[c.char_start : c.char_end] == c.quote


def test_no_citation_without_new_content_or_when_nothing_was_found():
    document = load_document("\f".join(PAGES))
    passages = page_passages(document)
    assert supporting_citations(document, passages, "What is the vault code?", "The vault code.") == []
    assert supporting_citations(document, passages, "What is the vault code?", "Not found in the passages.") == []
    assert supporting_citations(document, passages, "What is the vault code?", "It is 9999.") == []


def test_a_yes_or_no_cites_the_sentence_that_says_what_the_question_asks():
    document = load_document("\f".join(PAGES))
    passages = page_passages(document)
    cite = lambda question, answer: [
        (c.page, c.quote) for c in supporting_citations(document, passages, question, answer)
    ]
    guard = [(3, "The night guard is Ilse Brandt, hired in 2004.")]
    assert cite("Was Ilse Brandt hired as night guard in 2004?", "Yes.") == guard
    assert cite("Wurde Ilse Brandt 2004 als night guard hired?", "Ja, 2004.") == guard  # a German yes
    assert cite("Is lunch served at noon?", "No, it is served at noon on page 2") == [(2, "Lunch is served at noon.")]
    assert cite("Is the vault code 9999?", "Yes") == []  # nothing says so
    assert cite("Who is the night guard?", "Nobody knows") == []  # "Nobody" is no yes or no


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


def test_evidence_must_be_about_what_the_question_asks():
    text = "\n\n".join(
        [
            filler(20),
            "The Mirkamir bakery sells 7655 loaves of rye bread every Saturday.",
            filler(20, 20),
            "The Griquafen bakery sells 3120 loaves of rye bread every Saturday. Porto bakeries open at dawn.",
            filler(20, 40),
            "It was founded by Ana Lobo. She sells 88 pies a day.",
        ]
    )
    document = load_document(text, filename="bakeries.txt")
    index = DocumentIndex.build(document, embedder=None)
    passages = page_passages(document)
    question = "How many rye loaves does the Griquafen bakery sell on a Saturday?"
    check = about(index, question)
    # the look-alike's number, with the asked name put in: the sentence that holds it is about Mirkamir
    assert (
        supporting_citations(document, passages, question, "The Griquafen bakery sells 7655 loaves.", about=check) == []
    )
    [right] = supporting_citations(document, passages, question, "The Griquafen bakery sells 3120 loaves.", about=check)
    assert "3120" in right.quote
    # what the question asks may be named in the sentence before the cited one ("She ...")
    question = "How many pies does Ana Lobo sell?"
    [pies] = supporting_citations(document, passages, question, "88 pies a day", about=about(index, question))
    assert pies.quote == "She sells 88 pies a day."


def test_the_kind_of_answer_and_the_document_itself_are_not_what_a_question_is_about():
    # the rarest words of these questions name the answer's kind ("number") or the document ("this
    # order"); the sentence that answers says neither, and a look-alike about another thing stays out
    text = "\n\n".join(
        [
            filler(20),
            "Docket No. KX-2211-08; filed by the harbour authority.",
            filler(20, 20),
            "The ferry licence is registered as FL-7730. The docket is public.",
            filler(20, 40),
            "Under this order, a number of berths close in winter.",
            filler(20, 60),
            "Comments on the docket are due in May.",
        ]
    )  # "docket" is commoner than "number" or "order"
    document = load_document(text, filename="order.txt")
    index = DocumentIndex.build(document, embedder=None)
    passages = page_passages(document)
    for question in (
        "What is the docket number of this order?",
        "Wie lautet die Docket-Nummer dieser Anordnung?",
        "Quel est le numéro du docket de cette ordonnance ?",
    ):
        [cited] = supporting_citations(document, passages, question, "KX-2211-08", about=about(index, question))
        assert cited.quote.startswith("Docket No. KX-2211-08"), question
        assert supporting_citations(document, passages, question, "FL-7730", about=about(index, question)) == []
    # a name asked through its kind still needs the asked thing in the sentence
    question = "What is the registration number of the ferry licence?"
    assert supporting_citations(document, passages, question, "KX-2211-08", about=about(index, question)) == []
