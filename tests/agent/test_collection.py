"""One question over many documents: a look-up answered by the best-ranked document that says,
a comparison by each document then together, every citation naming its document; narrowed,
refreshed and refused as the bad inputs need. A scripted model for control flow (the extractive
reader quotes the documents' own sentences); the real embedded model answers a collection in
the slow test."""

import os

import pytest

from agent import Agent, Collection, CollectionError

from .scripted import ScriptedBackend, filler

Q1 = f"Quarterly report, first quarter 2023.\n\n{filler(3)}\n\nRevenue in the first quarter was 4,100 thousand euros.\n"
Q2 = (
    f"Quarterly report, second quarter 2023.\n\n{filler(3, 3)}\n\nRevenue in the second quarter was 5,300 thousand "
    "euros.\n\nThe Porto office closed on 12 May 2023.\n"
)


@pytest.fixture
def reports(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "q1.txt").write_text(Q1)
    (tmp_path / "reports" / "q2.txt").write_text(Q2)
    (tmp_path / "reports" / "notes.pdf").write_bytes(b"%PDF-1.7 broken")
    return tmp_path / "reports"


def extractive():
    return Agent(ScriptedBackend("unused"), embedder=None, reader="extractive")


def test_a_look_up_is_answered_by_the_document_that_holds_it(reports):
    answer = extractive().ask(str(reports), "When did the Porto office close?")
    assert "12 May 2023" in answer.text and answer.strategy.startswith("collection")
    assert [os.path.basename(c.document) for c in answer.citations] == ["q2.txt"]
    assert Q2[answer.citations[0].char_start : answer.citations[0].char_end] == answer.citations[0].quote


def test_a_comparison_is_answered_by_each_document_then_together(reports):
    answer = extractive().ask(
        [str(reports / "q1.txt"), str(reports / "q2.txt")], "Which quarter had the higher revenue?"
    )
    assert answer.text.splitlines()[0] == f"Highest: {reports / 'q2.txt'} (5,300)"
    assert {os.path.basename(c.document) for c in answer.citations} == {"q1.txt", "q2.txt"}
    assert "4,100" in answer.text and "5,300" in answer.text


def test_the_user_narrows_the_documents_read(reports):
    collection = Collection([str(reports)], agent=extractive())
    answer = collection.ask("Which quarter had the higher revenue?", only=[str(reports / "q1.txt")])
    assert {os.path.basename(c.document) for c in answer.citations} == {"q1.txt"} and "5,300" not in answer.text
    with pytest.raises(CollectionError, match="no document 'q3.txt'"):
        collection.ask("Which quarter had the higher revenue?", only=["q3.txt"])


def test_a_changed_or_deleted_file_is_never_cited_stale(reports):
    collection = Collection([str(reports)], agent=extractive())
    assert "12 May 2023" in collection.ask("When did the Porto office close?").text
    (reports / "q2.txt").write_text(Q2.replace("12 May 2023", "30 June 2023"))
    assert "30 June 2023" in collection.ask("When did the Porto office close?").text
    os.remove(reports / "q2.txt")
    gone = collection.ask("When did the Porto office close?")
    assert not any("q2.txt" in c.document for c in gone.citations) and "30 June" not in gone.text


def test_unreadable_files_are_listed_and_the_rest_answer(reports):
    collection = Collection([str(reports)], agent=extractive())
    assert [os.path.basename(s.name) for s in collection.skipped] == ["notes.pdf"]
    assert "CorruptPDFError" in collection.skipped[0].error and len(collection.members) == 2
    (reports / "q1.txt").unlink()
    (reports / "q2.txt").unlink()
    with pytest.raises(CollectionError, match="no readable document.*notes.pdf"):
        collection.ask("When did the Porto office close?")


def test_a_follow_up_over_a_collection_is_made_standalone_once(reports):
    history = [("What was the revenue in the first quarter?", "4,100 thousand euros.")]
    answer = extractive().ask(str(reports), "And in the second quarter?", history=history)
    assert answer.trace.question == "What was the revenue in the second quarter?" and "5,300" in answer.text


def test_a_year_is_no_value_and_a_change_over_time_names_no_winner(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Report A.\n\nIn 2023 the revenue of the northern branch was 4,100 thousand euros.\n"
    )
    (tmp_path / "b.txt").write_text(
        "Report B.\n\nIn 2022 the revenue of the southern branch was 5,300 thousand euros.\n"
    )
    agent = extractive()
    which = agent.ask(str(tmp_path), "Which branch had the higher revenue?")
    assert which.text.splitlines()[0] == f"Highest: {tmp_path / 'b.txt'} (5,300)"
    changed = agent.ask(str(tmp_path), "How has the revenue changed over time?")
    assert not changed.text.startswith("Highest") and "4,100" in changed.text and "5,300" in changed.text


def test_a_long_line_of_text_is_a_document_not_a_folder():
    # 660 characters on one line: too long a name for a path (it raised ENAMETOOLONG), read as the text
    answer = extractive().ask("The Lisbon office code is 58213. " * 20, "What is the Lisbon office code?")
    assert "58213" in answer.text and not answer.strategy.startswith("collection")


@pytest.mark.parametrize(
    "question, together",
    [
        # answered per document, then together: comparisons and changes over the documents' periods
        ("Which warehouse stored the most grain?", True),
        ("In which reports is asbestos mentioned?", True),
        ("How did the headcount develop over the reporting periods?", True),
        ("Wie hat sich die Zahl der Mitarbeiter im Zeitverlauf entwickelt?", True),
        ("Welches Werk hatte die höchste Produktion?", True),
        ("Comment l'effectif a-t-il évolué au fil du temps ?", True),
        ("¿Cuál de las plantas tuvo la mayor producción?", True),
        # over the documents' periods, however it is said
        ("Did the company buy back shares during the reported years?", True),
        ("How did staff numbers move over the reporting period?", True),
        ("Is this quarter's margin above that of earlier quarters?", True),
        ("What risks do Siemens' annual reports list?", True),
        ("Wie hat sich der Umsatz in den Quartalen entwickelt?", True),
        ("Quels risques sont décrits dans les rapports ?", True),
        ("La marge dépasse-t-elle celle des trimestres précédents ?", True),
        ("¿Cómo cambiaron las ventas durante los trimestres?", True),
        # a look-up: one document answers
        ("When did the Porto office close?", False),
        ("Wann wurde das Werk in Leipzig eröffnet?", False),
        ("What was the headcount at the end of 2021?", False),
        ("How much cash was used during the period?", False),
        ("What does the report say about leases?", False),
        ("Wie hoch war der Umsatz im dritten Quartal?", False),
        ("¿Cuándo se publicó el informe?", False),
    ],
)
def test_which_questions_are_answered_by_each_document_then_together(question, together):
    from agent.collection import compares

    assert compares(question) is together


@pytest.mark.parametrize(
    "question, apart",
    [
        ("How has the revenue changed over time?", True),
        ("Does Acme report acquisitions in these 10-Qs?", True),
        ("In which quarter was revenue highest?", True),
        ("In which reports is asbestos mentioned?", False),
        ("In welchen Berichten wird Asbest erwähnt?", False),
        ("Dans quels rapports l'amiante est-elle citée ?", False),
    ],
)
def test_what_the_compared_documents_all_repeat_is_no_answer_unless_asked_where_it_is_said(question, apart):
    from agent.collection import tells_apart

    assert tells_apart(question) is apart


CITIES = ["Porto", "Lyon", "Graz", "Bergen", "Turku", "Gdansk", "Malaga", "Bari", "Utrecht", "Ghent", "Brno", "Cork"]


@pytest.fixture
def offices(tmp_path):
    for k, city in enumerate(CITIES):
        (tmp_path / f"office-{city.lower()}.txt").write_text(
            f"Office report.\n\n{filler(2, k)}\n\nThe {city} office opened in {1990 + k} with {10 + k} staff.\n"
        )
    return tmp_path


def test_a_large_collection_opens_only_the_indexes_of_the_documents_routed_to(offices, monkeypatch):
    agent = Agent(ScriptedBackend("unused"), embedder=None, reader="extractive", cache_dir=offices / "cache")
    opened = []
    index_for = agent.index_for
    monkeypatch.setattr(
        agent, "index_for", lambda document, *a: opened.append(document.name) or index_for(document, *a)
    )
    collection = Collection(str(offices), agent=agent, routed=3)
    answer = collection.ask("When did the Graz office open?")
    assert "1992" in answer.text and [os.path.basename(c.document) for c in answer.citations] == ["office-graz.txt"]
    assert len(set(opened)) <= 3 and any("graz" in name for name in opened)
    route = next(s for s in answer.trace.steps if s.name == "route")
    assert route.detail.startswith("3 of 12 documents opened")
    # the cache folder inside the collection's folder is not read as documents
    assert len(Collection(str(offices), agent=agent, routed=3).members) == 12


def test_building_in_the_background_adds_each_documents_vectors_and_can_be_stopped(offices):
    agent = Agent(ScriptedBackend("unused"), reader="extractive", cache_dir=offices / "cache")
    collection = Collection(str(offices), agent=agent, routed=3)
    stopping = []
    collection.start_building(lambda state: stopping.append(state) or (state.done == 2 and collection.stop_building()))
    collection.stop_building(timeout=120)  # stopped between two documents, not after all twelve
    assert not collection.building.running and collection.building.done < 12
    states = []
    final = collection.build(states.append)
    assert final.done == final.total == 12 and not final.running and not final.error
    assert [s.done for s in states] == sorted(s.done for s in states)
    assert all(collection.profiles.of(m.document).vectors is not None for m in collection.members)
    answer = collection.ask("When did the Graz office open?")
    assert "1992" in answer.text
    assert next(s for s in answer.trace.steps if s.name == "route").detail.endswith("(whole texts, names, vectors)")


def test_the_documents_named_as_where_to_look_are_all_of_each_not_their_certification_page(tmp_path):
    # "in these quarterly reports" means every page of each report; read as a part's name it chose
    # the pages titled "quarterly report": the certification, which answers nothing asked
    for quarter, sale in (("first", "the Lyon bakery unit"), ("second", "the Gent laundry unit")):
        (tmp_path / f"{quarter}.txt").write_text(
            f"Nordwind Group, {quarter} quarter 2023.\n\n{filler(3)}\n\nAmong its divestitures, the group sold"
            f" {sale} to a rival in the {quarter} quarter.\n\f"
            "Certification of the quarterly report.\n\nI have reviewed this quarterly report of Nordwind"
            " Group; it states every material fact.\n"
        )
    answer = extractive().ask(
        [str(tmp_path / "first.txt"), str(tmp_path / "second.txt")],
        "Did Nordwind make divestitures to a rival in these quarterly reports?",
        strategy="rag",  # as the 10-Qs were read: on two short pages "auto" hops and reads both anyway
    )
    assert "Lyon bakery" in answer.text and "Gent laundry" in answer.text
    assert {c.page for c in answer.citations} == {1}


def test_a_question_naming_its_subject_is_asked_of_the_documents_about_it(tmp_path):
    # a supplier's report mentions the customer and its own gross margin: it is not about Acme
    for quarter, margin in (("first", "38"), ("second", "40")):
        (tmp_path / f"acme-{quarter}.txt").write_text(
            f"Acme quarterly report, {quarter} quarter.\n\nAcme makes tools. Acme sells them in Europe. "
            f"Acme employs 900 people. Acme's board met twice. Acme opened a plant in Porto. Acme hired "
            f"40 engineers. Acme paid a dividend.\n\nAcme's gross margin in the {quarter} quarter was {margin} "
            "percent.\n"
        )
    (tmp_path / "borealis.txt").write_text(
        "Borealis quarterly report.\n\nBorealis makes steel. Borealis sells it to carmakers. Borealis "
        "employs 300 people.\n\nThe gross margin of Borealis was 22 percent, as sales to Acme grew.\n"
    )
    answer = extractive().ask(str(tmp_path), "How has Acme's gross margin changed over time?")
    assert {os.path.basename(c.document) for c in answer.citations} == {"acme-first.txt", "acme-second.txt"}
    assert "22 percent" not in answer.text
    assert "2 about Acme" in next(s.detail for s in answer.trace.steps if s.name == "collection")
    # named in a clause that is not searched for, the subject still chooses the documents
    answer = extractive().ask(str(tmp_path), "What gross margin do the reports give, and how might it affect Acme?")
    assert {os.path.basename(c.document) for c in answer.citations} == {"acme-first.txt", "acme-second.txt"}


def disclaimed(tmp_path):
    """Two quarterly reports that repeat one disclaimer (dated as each quarter ends) holding more of
    the question's words than the sentence stating each report's own revenue."""
    for quarter, day, revenue in (("first", "March 31, 2023", "4,100"), ("second", "June 30, 2023", "5,300")):
        (tmp_path / f"{quarter}.txt").write_text(
            f"Nordwind Group, {quarter} quarter report.\n\n{filler(3)}\n\nNordwind's revenue in the {quarter} "
            f"quarter came to {revenue} thousand euros.\n\nForward-looking statements as of {day}: how Nordwind's "
            "revenue changes over time may differ from what these statements say.\n"
        )
    return [str(tmp_path / "first.txt"), str(tmp_path / "second.txt")]


def test_what_every_compared_report_repeats_does_not_answer_how_they_differ(tmp_path):
    reports = disclaimed(tmp_path)
    answer = extractive().ask(reports, "How has Nordwind's revenue changed over time?", strategy="rag")
    assert "4,100" in answer.text and "5,300" in answer.text and "Forward-looking" not in answer.text
    # asked which reports say it, the sentence they all repeat is the answer
    answer = extractive().ask(reports, "In which reports are forward-looking statements made?", strategy="rag")
    assert answer.text.count("Forward-looking statements") == 2
    # one report alone: nothing to compare it with, its best sentence answers
    alone = extractive().ask(reports[0], "How has Nordwind's revenue changed over time?", strategy="rag")
    assert "Forward-looking" in alone.text


def test_the_documents_about_the_subject_named_are_read_though_routing_left_them_out(tmp_path):
    # the question's words fit the other companies' reports best; only Acme's are about Acme: routing
    # (two documents opened of six) leaves them out, the subject counted in every document brings them in
    for company, risk in (("Acme", "a strike at the Porto plant"), ("Borealis", "floods"), ("Cygnus", "fraud")):
        for quarter in ("first", "second"):
            weight = "" if company == "Acme" else " Legal risks, legal risks and legal proceedings weigh on it."
            (tmp_path / f"{company.lower()}-{quarter}.txt").write_text(
                f"{company} quarterly report, {quarter} quarter.\n\n{company} makes tools. {company} sells them in "
                f"Europe. {company} employs 900 people.{weight}\n\nThe main risk named in the {quarter} quarter is "
                f"{risk}.\n"
            )
    agent = Agent(ScriptedBackend("unused"), embedder=None, reader="extractive", cache_dir=tmp_path / "cache")
    answer = Collection(str(tmp_path), agent=agent, routed=2).ask(
        "What legal risks do the quarterly reports name, and how might they affect Acme?"
    )
    assert {os.path.basename(c.document) for c in answer.citations} <= {"acme-first.txt", "acme-second.txt"}
    assert answer.citations and "Porto" in answer.text


def test_a_repeated_disclaimer_is_no_answer_in_german_reports_either(tmp_path):
    reports = []
    for quarter, day, revenue in (("ersten", "31. März 2023", "4.100"), ("zweiten", "30. Juni 2023", "5.300")):
        path = tmp_path / f"{quarter}.txt"
        path.write_text(
            f"Nordwind AG, Bericht zum {quarter} Quartal.\n\n{filler(3)}\n\nDer Umsatz von Nordwind im {quarter} "
            f"Quartal betrug {revenue} Tausend Euro.\n\nZukunftsgerichtete Aussagen, Stand {day}: wie sich der Umsatz "
            "von Nordwind im Zeitverlauf entwickelt, kann von diesen Aussagen abweichen.\n"
        )
        reports.append(str(path))
    answer = extractive().ask(
        reports, "Wie hat sich der Umsatz von Nordwind im Zeitverlauf entwickelt?", strategy="rag"
    )
    assert "4.100" in answer.text and "5.300" in answer.text and "Zukunftsgerichtete" not in answer.text


def stocked(tmp_path):
    """Two quarterly reports whose balance sheets give the inventories, each beside prose holding
    more of the question's words ("inventory levels shifted") but no inventory of its own, and
    "Total" rows among paragraphs that say "total" throughout."""
    reports = []
    for quarter, day, stock, total, prose in (
        (
            "first",
            "March 31, 2023",
            "2,980",
            "9,180",
            "Dealers' inventory levels shifted to spring models, Nordwind says.",
        ),
        (
            "second",
            "June 30, 2023",
            "3,410",
            "9,610",
            "Nordwind saw channel inventory levels shift as retailers ordered less.",
        ),
    ):
        totals = "\n\n".join(f"In total, section {n} adds the total of the {n} crates." for n in range(4))
        path = tmp_path / f"{quarter}.txt"
        path.write_text(
            f"Nordwind Group, {quarter} quarter report.\n\n{filler(3)}\n\n{totals}\n\nBalance sheet\n"
            f"(in thousands of euros)\n | {day} | December 31, 2022\nCash | 1,200 | 1,100\n"
            f"Inventories | {stock} | 3,742\nTotal | {total} | 4,842\n\n{prose}\n"
        )
        reports.append(str(path))
    return reports


def test_compared_reports_each_answer_with_the_row_the_question_names(tmp_path):
    reports = stocked(tmp_path)
    answer = extractive().ask(
        reports, "How have Nordwind's inventory levels shifted during these quarters?", strategy="rag"
    )
    assert "Inventories | 2,980 | 3,742" in answer.text and "Inventories | 3,410 | 3,742" in answer.text
    # each report's part holds its row under the header that says which column is which
    assert "| March 31, 2023 | December 31, 2022\n  Inventories | 2,980" in answer.text
    assert "shifted to spring" not in answer.text
    # a "Total" row names nothing in particular where "total" is said throughout
    answer = extractive().ask(reports, "How has Nordwind's total shifted during these quarters?", strategy="rag")
    assert "Total |" not in answer.text
    # one report alone compares nothing: its prose repeating the question's words answers, as before
    alone = extractive().ask(reports[0], "How have Nordwind's inventory levels shifted?", strategy="rag")
    assert "shifted to spring" in alone.text


def test_a_question_naming_a_quarter_is_asked_of_the_report_named_for_it(tmp_path):
    # the first quarter's report repeats the question's words more; the file names say which quarter is which
    for quarter, revenue, words in (
        ("Q1", "4,100", " Revenue in the report, revenue in the quarter."),
        ("Q2", "5,300", ""),
    ):
        (tmp_path / f"2023 {quarter} acme.txt").write_text(
            f"Acme quarterly report. Acme makes tools.\n\n{filler(2)}\n\nAcme's revenue came to {revenue} thousand "
            f"euros.{words}\n"
        )
    (tmp_path / "2023 Q2 borealis.txt").write_text(
        f"Borealis quarterly report. Borealis makes steel.\n\n{filler(2)}\n\nBorealis's revenue came to 900 "
        "thousand euros.\n"
    )
    for question in ("What was Acme's revenue in the Q2 2023 report?", "What was Acme's revenue in the latest report?"):
        answer = extractive().ask(str(tmp_path), question, strategy="rag")
        assert [os.path.basename(c.document) for c in answer.citations] == ["2023 Q2 acme.txt"], question
        assert "5,300" in answer.text and "1 of the quarter named" in answer.trace.steps[0].detail
    # no quarter named: the report fitting the question's words best answers, as before
    answer = extractive().ask(str(tmp_path), "What was Acme's revenue in the report?", strategy="rag")
    assert [os.path.basename(c.document) for c in answer.citations] == ["2023 Q1 acme.txt"]


def test_compared_german_reports_each_answer_with_the_row_the_question_names(tmp_path):
    # German reports: the row's label answers, not the prose repeating the question's words
    reports = []
    for quarter, day, stock, total, prose in (
        (
            "ersten",
            "31.03.2023",
            "2.980",
            "9.180",
            "Die Vorräte der Händler schwankten im Quartal stark, sagt Nordwind.",
        ),
        (
            "zweiten",
            "30.06.2023",
            "3.410",
            "9.610",
            "Nordwind sah die Vorräte im Handel schwanken, weil weniger bestellt wurde.",
        ),
    ):
        summen = "\n\n".join(f"Insgesamt ergibt Abschnitt {n} die Summe von {n} Kisten." for n in range(4))
        path = tmp_path / f"{quarter}.txt"
        path.write_text(
            f"Nordwind AG, Bericht zum {quarter} Quartal.\n\n{filler(3)}\n\n{summen}\n\nBilanz\n"
            f"(in Tausend Euro)\n | {day} | 31.12.2022\nKasse | 1.200 | 1.100\n"
            f"Vorräte | {stock} | 3.742\nSumme | {total} | 4.842\n\n{prose}\n"
        )
        reports.append(str(path))
    answer = extractive().ask(reports, "Wie schwankten die Vorräte von Nordwind in diesen Quartalen?", strategy="rag")
    assert "Vorräte | 2.980 | 3.742" in answer.text and "Vorräte | 3.410 | 3.742" in answer.text
    assert "schwankten im Quartal" not in answer.text
    # "Summe" is a sum, as "Total" is
    answer = extractive().ask(reports, "Wie schwankte die Summe von Nordwind in diesen Quartalen?", strategy="rag")
    assert "Summe |" not in answer.text
