"""`rag` with the extractive reader: a question asking for a number or a date is answered by a
top sentence holding one, in several languages, or refused when none does; whole sentences
across chunk boundaries."""

import pytest

from agent import Agent, rag
from agent.job import Job
from agent.question import ASKS_PERSON, HOLDS_DATE, HOLDS_NUMBER, names_beyond, value_kind
from retrieval import ChunkSettings, DocumentIndex, load_document

from .scripted import ScriptedBackend, filler


@pytest.mark.parametrize(
    "question, kind",
    [
        ("When did the bridge open?", HOLDS_DATE),
        ("In which year was the mill sold?", HOLDS_DATE),
        ("In what month and year does the story open?", HOLDS_DATE),
        ("Wann wurde die Brücke eröffnet?", HOLDS_DATE),
        ("Quand le pont a-t-il été ouvert ?", HOLDS_DATE),
        ("这座桥是什么时候建的？", HOLDS_DATE),
        ("How many workers did the mill employ?", HOLDS_NUMBER),
        ("Wie viele Arbeiter hatte die Mühle?", HOLDS_NUMBER),
        ("Combien d'ouvriers travaillaient au moulin ?", HOLDS_NUMBER),
        ("What is the phone number of the office?", HOLDS_NUMBER),
        ("Who built the bridge?", None),
    ],
)
def test_the_kind_of_value_a_question_asks_for(question, kind):
    assert value_kind(question) is kind


@pytest.mark.parametrize(
    "text, date, number",
    [
        ("It was in July, 1805, and the speaker was a lady.", True, True),
        ("Das Skript entstand im Wintersemester 2013/2014.", True, True),
        ("Le pont fut ouvert en mars.", True, False),
        ("橋は1990年に建てられた。", True, True),
        ("The mill employed three hundred workers.", False, True),
        ("The bridge was built by the Varnholt company.", False, False),
    ],
)
def test_what_a_sentence_holds(text, date, number):
    assert bool(HOLDS_DATE.search(text)) is date and bool(HOLDS_NUMBER.search(text)) is number


def extractive():
    return Agent(ScriptedBackend("unused", window=1024), embedder=None, reader="extractive")


MILL = (
    "The Varnholt mill stands on the river. The Varnholt mill was sold to the town in 1931. "
    "The Varnholt mill is painted red."
)


def test_a_date_question_is_answered_by_a_top_sentence_holding_a_date():
    document = load_document(f"{filler(20)}\n\n{MILL}\n\n{filler(20, 20)}", filename="mill.txt")
    answer = extractive().ask(document, "When did the Varnholt mill stand on the river?")
    assert answer.text == "The Varnholt mill was sold to the town in 1931."  # the best sentence holds no date


def test_a_number_question_no_top_sentence_about_it_answers_is_refused():
    # the filler's years are numbers, but not about the Varnholt mill
    document = load_document(
        f"{filler(20)}\n\nThe Varnholt mill stands on the river. It is painted red.\n\n{filler(20, 20)}",
        filename="mill.txt",
    )
    answer = extractive().ask(document, "How many workers did the Varnholt mill employ?")
    assert "does not say" in answer.text and not answer.citations and not answer.supported


def test_german_questions_are_typed_too():
    text = "Die Varnholt-Mühle steht am Fluss. Die Varnholt-Mühle wurde 1931 an die Stadt verkauft."
    document = load_document(f"{filler(20)}\n\n{text}\n\n{filler(20, 20)}", filename="muehle.txt")
    assert (
        extractive().ask(document, "Wann stand die Varnholt-Mühle am Fluss?").text
        == "Die Varnholt-Mühle wurde 1931 an die Stadt verkauft."
    )


@pytest.mark.parametrize(
    "question, text, names",
    [
        ("Who is the contact?", "FOR FURTHER INFORMATION CONTACT: Ian \nWon, Manager, 2200 South St.", True),
        ("Who is the contact?", "Send it to the person named in the FOR FURTHER INFORMATION CONTACT section.", False),
        ("Who is the contact?", "Except for Confidential Business Information (CBI), we post all comments.", False),
        ("Who came first to Anna Pavlovna's?", "Anna Pavlovna's reception was in full swing.", False),
        ("Who came first to Anna Pavlovna's?", "The first to come was Prince Vasili.", True),
        ("Wer hat beigetragen?", "Dank an Jérôme Urhausen für viele Hinweise.", True),
        ("Qui a signé la lettre ?", "La lettre fut signée par J. Dupont.", False),  # one capitalised word
        ("Qui a signé la lettre ?", "La lettre fut signée par Jean Dupont.", True),
    ],
)
def test_a_name_the_question_does_not_give(question, text, names):
    assert ASKS_PERSON.search(question) and names_beyond(question, text) is names


def test_a_who_question_is_answered_by_a_top_sentence_naming_someone():
    text = (
        "Questions about the Varnholt mill sale go to the contact named in the Varnholt sale section below. "
        "The Varnholt sale contact is Greta Olsen of the town office."
    )
    document = load_document(f"{filler(20)}\n\n{text}\n\n{filler(20, 20)}", filename="sale.txt")
    index = DocumentIndex.build(document, embedder=None)
    question = "Who is the contact for the Varnholt mill sale?"
    job = Job(document, question, None, lambda: index, 3000, 100, 1, reader="extractive")
    assert rag.ranked_evidence(job)[1][0][0].text.startswith("Questions about")  # the pointer ranks first
    answer = extractive().ask(index, question, strategy="rag")
    assert answer.text == "The Varnholt sale contact is Greta Olsen of the town office."
    # answered by a role, no name among the best: the ranking stands, nothing is refused
    role = "Questions about the Varnholt mill sale go to the clerk of the town office."
    document = load_document(f"{filler(20)}\n\n{role}\n\n{filler(20, 20)}", filename="clerk.txt")
    answer = extractive().ask(document, "Who receives questions about the Varnholt mill sale?", strategy="rag")
    assert answer.text == role and answer.citations


def test_a_sentence_cut_by_a_chunk_boundary_is_quoted_whole():
    sentence = (
        "The committee of the Varnholt mill must receive all comments on the proposed sale by September 21, 2020."
    )
    document = load_document(f"{filler(3)} {sentence} {filler(3, 3)}", filename="sale.txt")
    # tiny chunks: the sentence spans two of them
    index = DocumentIndex.build(
        document, embedder=None, settings=ChunkSettings(max_tokens=12, overlap_tokens=0, snippet_tokens=12)
    )
    assert not any(sentence in c.text for c in index.chunks)
    answer = extractive().ask(index, "By what date must the committee receive comments on the Varnholt sale?")
    assert answer.text == sentence and answer.citations[0].quote == sentence


def test_the_cue_word_itself_does_not_make_a_sentence_about_the_question():
    text = "Report Number 11 35-46 CUSIP Number 11 59-68. Please call the Varnholt help desk for support."
    document = load_document(f"{filler(20)}\n\n{text}\n\n{filler(20, 20)}", filename="desk.txt")
    answer = extractive().ask(document, "What is the telephone number of the Varnholt help desk?")
    assert "does not say" in answer.text and not answer.citations


def statement_document():
    from tests.retrieval.pdfs import statement_pdf
    from tests.retrieval.test_pdf_tables import CASH_FLOWS

    narrative = (
        "Liquidity. In 2017 purchases of property, plant and equipment were budgeted at 1,500 million, "
        "funded from operating cash flows."
    )
    auditor = (
        "Report of Independent Auditors. We have audited the accompanying consolidated statements of cash "
        "flows for each of the years 2018, 2017 and 2016, which include purchases of property, plant and equipment."
    )
    return load_document(
        statement_pdf(
            [
                {"prose": narrative, "rows": [["Segment", "1", "2"], ["Other", "3", "4"]]},
                {"prose": auditor, "rows": [["Fees", "5", "6"], ["Other", "7", "8"]]},
                CASH_FLOWS,
            ]
        ),
        filename="statements.pdf",
    )


def test_a_question_naming_a_statement_is_answered_from_that_statement(monkeypatch):
    question = (
        "What were purchases of property, plant and equipment in 2017 based on the cash flow statement? "
        "Answer in USD millions."
    )
    document = statement_document()
    answer = extractive().ask(document, question)
    assert [c.page for c in answer.citations] == [3]
    assert answer.text.startswith("(1,373) (millions; Year Ended December 31, 2017)\n")  # the cell first, then the row
    # the pages so titled decide: were page 2 (the same rows under another title) the one found, it would answer
    monkeypatch.setattr(DocumentIndex, "chunks_about", lambda self, name: [c.index for c in self.chunks if c.page == 2])
    assert [c.page for c in extractive().ask(document, question).citations] == [2]


def test_a_named_part_the_document_lacks_falls_back_to_the_whole_document():
    answer = extractive().ask(
        statement_document(),
        "What were purchases of property, plant and equipment in 2017 according to the segment table of contents?",
    )
    assert answer.citations  # no page is so titled: the question is searched as a whole


def test_a_year_the_statement_lacks_is_refused_not_read_from_the_nearest_column():
    answer = extractive().ask(
        statement_document(),
        "What were purchases of property, plant and equipment in 2019 based on the cash flow statement?",
    )
    assert not answer.citations and "not found" in answer.text


def test_neighbouring_table_rows_both_reach_the_generative_reader():
    # one row stands between the two the question names: the second is not dropped for sharing
    # that row with the first one's context, and the header row is shown once per passage
    table = (
        "Personnel costs (in thousands)\n\n| | 2024 | 2023\nSalaries | 4,120 | 3,980\nPensions | 610 | 585\n"
        "Training | 95 | 88\nTravel | 240 | 205\nSocial charges | 1,030 | 990\n"
    )
    backend = ScriptedBackend("not found", window=2048)
    Agent(backend, embedder=None, reader="generative").ask(
        table, "What were salaries and training costs in 2024?", strategy="rag"
    )
    prompt = backend.prompts[0][-1]["content"]
    assert "Salaries | 4,120 | 3,980" in prompt and "Training | 95 | 88" in prompt
    assert all(passage.count("| | 2024 | 2023") <= 1 for passage in prompt.split("</passage>"))


def test_the_table_row_a_question_names_is_read_though_prose_repeating_its_words_outranks_it():
    # every paragraph repeats the question's words; only the statement's row holds the number
    prose = "".join(
        f"Note {k}. The board discussed net income for 2024 again: net income in 2024, net income guidance "
        f"for 2024 and what net income in 2024 means for topic {k}.\n\n"
        for k in range(1, 61)
    )
    table = (
        "Statement of operations (in thousands)\n\n| | 2024 | 2023\nRevenue | 9,120 | 8,410\nNet income | 612 | 587\n"
    )
    document = load_document((prose + table).encode(), filename="report.txt")
    small = ChunkSettings(max_tokens=80, overlap_tokens=8, snippet_tokens=40)  # many chunks: more than the pool
    index = DocumentIndex.build(document, embedder=None, settings=small)
    question = "What was the net income in 2024?"
    job = Job(document, question, ScriptedBackend("not found"), lambda: index, 2048, 64, 1, reader="extractive")
    hits, ranked = rag.ranked_evidence(job)
    assert any(s.text == "Net income | 612 | 587" for s, _ in ranked)
    # search alone misses it
    assert not any("Net income | 612" in hit.text for hit in index.search(question, k=rag.POOL))


def test_the_row_a_question_names_in_full_answers_before_prose_that_means_the_same():
    # the prose says what the table shows, in the question's words and close to its meaning; the
    # row the question names holds the number
    text = (
        filler(40)
        + (
            "\n\nResults of operations. The following table shows net sales by category for the three- and "
            "nine-month periods ended June 25, 2022 and June 26, 2021 (in millions).\n\n"
            "Statement of operations (in millions)\n\n"
            "| | Three Months Ended June 25, 2022 | Three Months Ended June 26, 2021\n"
            "Products | 63,355 | 63,948\nServices | 19,604 | 17,486\nTotal net sales | 82,959 | 81,434\n"
            "Cost of sales | 47,074 | 46,179\n\n"
        )
        + filler(40, start=40)
    )
    agent = Agent(ScriptedBackend("unused", window=1024), reader="extractive")  # MiniLM: the dense view too
    answer = agent.ask(text, "What were the total net sales in the three months ended June 26, 2021?", strategy="rag")
    assert "81,434" in answer.text


@pytest.mark.parametrize(
    "prose, header, rows, question, value",
    [
        (
            "Ertragslage. Die folgende Tabelle zeigt die Umsatzerlöse nach Regionen für die Geschäftsjahre "
            "2023 und 2022 (in Mio. EUR).",
            "| | 2023 | 2022",
            "Europa | 810 | 790\nUmsatzerlöse | 1.234 | 1.100\nMaterialaufwand | 512 | 480",
            "Wie hoch waren die Umsatzerlöse im Jahr 2022?",
            "1.100",
        ),
        (
            "Résultats. Le tableau suivant présente le chiffre d'affaires par région pour les exercices "
            "2023 et 2022 (en millions d'euros).",
            "| | 2023 | 2022",
            "Europe | 810 | 790\nChiffre d'affaires total | 1 234 | 1 100\nAchats consommés | 512 | 480",
            "Quel était le chiffre d'affaires total en 2022 ?",
            "1 100",
        ),
    ],
)
def test_a_named_row_answers_in_other_languages_and_with_a_one_word_label(prose, header, rows, question, value):
    text = filler(40) + f"\n\n{prose}\n\nTabelle / tableau (Mio. EUR)\n\n{header}\n{rows}\n\n" + filler(40, start=40)
    answer = Agent(ScriptedBackend("unused", window=1024), reader="extractive").ask(text, question, strategy="rag")
    assert value in answer.text
