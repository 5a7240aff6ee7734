"""Evidence: sentences ranked by the question's words (idf-weighted) and meaning (MiniLM), fused;
page furniture never evidence; the extractive reader quotes the best sentence, or says the
document does not say."""

import pytest

from agent import Agent
from agent.evidence import Echoes, furniture, rank, repeat_key, sentences_of
from agent.job import page_passages
from retrieval import DocumentIndex, load_document

from .scripted import ScriptedBackend, filler

BRANCHES = ["Dormirfen", "Halpelfen", "Quawymir", "Sobelhal", "Apgriqua"]


def look_alikes():
    """Several facts of one template among filler: only the branch name tells them apart."""
    return load_document(
        "\n\n".join(
            filler(3, start=10 * i) + "\n\n" + f"The vault code for the {b} branch office is {1000 + i}."
            for i, b in enumerate(BRANCHES)
        ),
        filename="vaults.txt",
    )


def ranked_texts(index, question):
    return [s.text for s, _ in rank(index, question, sentences_of(index.chunks, index.document))]


def test_the_sentence_naming_the_asked_thing_ranks_first_among_look_alikes():
    index = DocumentIndex.build(look_alikes(), embedder=None)
    assert (
        ranked_texts(index, "Which code opens the vault at the Quawymir branch?")[0]
        == "The vault code for the Quawymir branch office is 1002."
    )


@pytest.fixture(scope="module")
def minilm():
    from retrieval.dense import default_embedder

    return default_embedder()


def test_meaning_finds_a_paraphrase_that_shares_no_rare_word(minilm):
    facts = [
        "The plant began manufacturing bicycles in 1952.",
        "The harbour froze over in the winter of 1947.",
        "Tickets for the museum cost four euros.",
        "The choir sings every Sunday in the old church.",
    ]
    document = load_document(
        "\n\n".join(f"{filler(2, 10 * i)}\n\n{fact}" for i, fact in enumerate(facts)), filename="town.txt"
    )
    index = DocumentIndex.build(document, embedder=minilm)
    assert ranked_texts(index, "When did the factory start production?")[0] == facts[0]
    assert ranked_texts(index, "How much is admission to the museum?")[0] == facts[2]


@pytest.mark.parametrize(
    "document, question, expected",
    [
        (
            "Die Zugspitze ist mit 2962 Metern der höchste Berg Deutschlands. Der Rhein fließt durch Basel.",
            "Wie hoch ist der höchste Berg Deutschlands?",
            "Die Zugspitze ist mit 2962 Metern der höchste Berg Deutschlands.",
        ),
        ("東京は日本の首都です。大阪は商業の中心です。", "日本の首都はどこですか？", "東京は日本の首都です。"),
    ],
    ids=["german", "japanese"],
)
def test_ranking_needs_no_english(document, question, expected):
    index = DocumentIndex.build(load_document(f"{filler(5)}\n\n{document}", filename="t.txt"), embedder=None)
    assert ranked_texts(index, question)[0] == expected


PROJECTS = ["harbour", "bridge", "tunnel", "school", "library", "museum"]


def test_running_headers_and_footers_are_not_evidence():
    pages = [
        f"ACME Annual Report 2023\nThe {p} project was finished in year {2000 + n} with\n{p} care. "
        f"It cost {n} million.\nPage {n + 1} of 6"
        for n, p in enumerate(PROJECTS)
    ]
    document = load_document("\f".join(pages), filename="report.txt")
    assert furniture(document) == {"acme annual report #", "page # of #"}
    found = sentences_of(page_passages(document), document)
    assert not any("ACME" in s.text or "Page" in s.text for s in found)
    # the header wraps into the first sentence; cut off, the sentence keeps exact offsets
    assert found[0].text.startswith("The harbour project")
    assert all(document.text[s.char_start : s.char_end] == s.text for s in found)
    # a year ending a sentence on many pages is not furniture; a bare page number is
    years = load_document(
        "\f".join(f"Report {p} was filed on May 4,\n{2000 + n}.\n{n + 1}" for n, p in enumerate(PROJECTS))
    )
    assert furniture(years) == {"#"}
    assert [s.text for s in sentences_of(page_passages(years), years)][0] == "Report harbour was filed on May 4,\n2000."
    # a line on a few pages of a long document is content, not furniture
    assert furniture(load_document("\f".join(["A line said twice.", "Other.", "A line said twice."] + ["x"] * 30))) == {
        "x"
    }


def test_the_extractive_reader_quotes_the_best_sentence_and_cites_it():
    backend = ScriptedBackend("unused", window=1024)
    document = look_alikes()
    answer = Agent(backend, embedder=None, reader="extractive").ask(
        document, "What is the vault code of the Sobelhal branch?"
    )
    assert answer.strategy == "rag" and not backend.prompts  # no model call
    assert answer.text == "The vault code for the Sobelhal branch office is 1003."
    [citation] = answer.citations
    assert document.text[citation.char_start : citation.char_end] == citation.quote == answer.text


def test_a_short_fragment_is_quoted_with_its_neighbours():
    document = load_document(
        f"{filler(30)}\n\nThe Varnholt dam failed in spring. Casualties: 41. Rebuilding began in 1960.\n\n"
        f"{filler(30, 30)}",
        filename="dam.txt",
    )
    answer = Agent(ScriptedBackend("unused"), embedder=None, reader="extractive").ask(
        document, "How many casualties were there?"
    )
    assert answer.text == "The Varnholt dam failed in spring. Casualties: 41. Rebuilding began in 1960."


def test_the_extractive_reader_says_when_nothing_shares_a_word_with_the_question():
    answer = Agent(ScriptedBackend("unused"), embedder=None, reader="extractive").ask(
        look_alikes(), "Who painted the ceiling?"
    )
    assert not answer.citations and "does not say" in answer.text and not answer.supported


def test_auto_reader_is_extractive_for_small_local_models_only():
    small, qwen, large, remote = (ScriptedBackend("x") for _ in range(4))
    small.parameters, qwen.parameters, large.parameters = 135_000_000, 630_000_000, 7_000_000_000  # SmolLM2, Qwen 0.5B
    agent = Agent(embedder=None)
    assert [agent.reader_for(b) for b in (small, qwen, large, remote)] == [
        "extractive",
        "generative",
        "generative",
        "generative",
    ]
    assert Agent(embedder=None, reader="generative").reader_for(small) == "generative"


@pytest.mark.parametrize(
    "question, row",
    [
        ("What were total liabilities in 2021?", "Total liabilities | 41,190 | 36,851"),
        ("What were deferred tax liabilities in 2021?", "Total deferred tax liabilities | 1,987 | 1,950"),
        ("Wie hoch waren die Verbindlichkeiten insgesamt 2021?", "Verbindlichkeiten insgesamt | 41.190 | 36.851"),
    ],
)
def test_the_row_whose_label_the_question_names_ranks_first(question, row):
    text = (
        "Balance sheet\n(in millions)\n | 2021 | 2020\nTotal deferred tax liabilities | 1,987 | 1,950\n"
        "Other current liabilities | 3,000 | 2,900\nTotal liabilities | 41,190 | 36,851\n"
        "Verbindlichkeiten aus Steuern insgesamt | 1.987 | 1.950\nVerbindlichkeiten insgesamt | 41.190 | 36.851\n\n"
        + filler(2)
    )
    document = load_document(text, filename="balance.txt")
    index = DocumentIndex.build(document, embedder=None)
    ranked = rank(index, question, sentences_of(index.search(question, k=4), document))
    assert ranked[0][0].text == row


@pytest.mark.parametrize(
    "one, other, same",
    [
        ("Reviewed as of September 30, 2023.", "Reviewed  as of March 31, 2022.", True),
        ("Stand: 31. März 2023, geprüft.", "Stand: 30. Juni 2023, geprüft.", True),
        ("Arrêté au 30 septembre 2022.", "Arrêté au 31 mars 2023.", True),
        ("Cerrado al 30 de junio de 2023.", "Cerrado al 31 de diciembre de 2022.", True),
        ("Fiscal 2022 and fiscal 2023 results.", "FISCAL 2021 and fiscal 2022 results.", True),
        # the values it reports are what tells two periods apart, and words that begin like a month
        ("Revenue decreased 5% in the market.", "Revenue decreased 3% in the market.", False),
        ("Sales in March 12 stores fell.", "Sales in marches 12 stores fell.", False),
    ],
)
def test_sentences_compare_across_reports_without_their_dates(one, other, same):
    assert (repeat_key(one) == repeat_key(other)) is same


def test_what_other_documents_say_too_echoes_them_and_ranks_last():
    first = load_document(
        f"{filler(2)}\n\nRevenue was 4,100 euros as of March 31, 2023. Revenue may vary.\n\nResults could differ"
        " for many reasons, among them exchange rates, demand, inflation and the harvest.\n"
    )
    second = load_document(
        f"{filler(2, 7)}\n\nRevenue was 5,300 euros as of June 30, 2023. Revenue may vary.\n\nResults could differ"
        " for many reasons, among them exchange rates, demand, wages, inflation and the harvest.\n"
    )
    third = load_document("Revenue was 4,100 euros as of March 31, 2023, and then 4,200 euros as of June 30, 2023.\n")
    echoes = Echoes([second, second])
    assert "Revenue may vary." in echoes  # said by the other, word for word
    reworded = "Results could differ for many reasons, among them exchange rates, demand, inflation and the harvest."
    assert reworded in echoes  # a word added in the other: the same disclaimer
    assert "Revenue was 4,100 euros as of March 31, 2023." not in echoes  # its own value
    assert "Revenue was 4,100 euros as of March 31, 2023." not in Echoes([third])  # mostly its words, not its values
    assert "Revenue may vary." not in Echoes([]) and not Echoes([]) and echoes
    index = DocumentIndex.build(first, embedder=None)
    sentences = sentences_of(index.chunks, first)
    assert rank(index, "Revenue may vary", sentences)[0][0].text == "Revenue may vary."
    ranked = [s.text for s, _ in rank(index, "Revenue may vary", sentences, echoes)]
    assert ranked[0].startswith("Revenue was 4,100") and set(ranked[-2:]) == {"Revenue may vary.", reworded}
