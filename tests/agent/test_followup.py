"""Follow-ups made standalone by rules: an ellipsis takes the previous question's frame, a pronoun
gets its referent, a new topic is asked as typed (en, de, fr, es; the tests' own sentences)."""

import time

import pytest

from agent.conversation import mentioned_throughout
from agent.followup import depends, standalone

REVENUE = "What was the revenue of Acme in 2018?"
UMSATZ = "Wie hoch war der Umsatz der Müller AG 2018?"
CHIFFRE = "Quel était le chiffre d'affaires de Acme en 2018 ?"
EMPLEADOS = "¿Cuántos empleados tenía Acme en 2018?"


@pytest.mark.parametrize(
    "previous, follow_up, expected",
    [
        (REVENUE, "And in 2019?", "What was the revenue of Acme in 2019?"),
        (REVENUE, "What was it in 2019?", "What was the revenue of Acme in 2019?"),
        (REVENUE, "And the year before?", "What was the revenue of Acme in 2017?"),
        (REVENUE, "What about the net income?", "What was the net income of Acme in 2018?"),
        (REVENUE, "And its net income?", "What was the net income of Acme in 2018?"),
        (REVENUE, "What about Globex?", "What was the revenue of Globex in 2018?"),
        ("How many employees did Acme have in 2018?", "And stores?", "How many stores did Acme have in 2018?"),
        (UMSATZ, "Und 2019?", "Wie hoch war der Umsatz der Müller AG 2019?"),
        (UMSATZ, "Und im Vorjahr?", "Wie hoch war der Umsatz der Müller AG 2017?"),
        (UMSATZ, "Und der Gewinn?", "Wie hoch war der Gewinn der Müller AG 2018?"),
        (UMSATZ, "Und Siemens?", "Wie hoch war der Umsatz der Siemens 2018?"),
        (CHIFFRE, "Et en 2019 ?", "Quel était le chiffre d'affaires de Acme en 2019 ?"),
        (CHIFFRE, "Et le bénéfice ?", "Quel était le bénéfice de Acme en 2018 ?"),
        (EMPLEADOS, "¿Y en 2020?", "¿Cuántos empleados tenía Acme en 2020?"),
    ],
)
def test_an_ellipsis_is_the_previous_question_with_what_it_names(previous, follow_up, expected):
    assert standalone(follow_up, previous) == expected


@pytest.mark.parametrize(
    "previous, follow_up, expected",
    [
        # a phrase sharing a word with the previous question takes its place, aligned on that word
        (
            "What was the closing price of the Class A shares in 2019?",
            "And the Class B shares?",
            "What was the closing price of the Class B shares in 2019?",
        ),
        ("When did the Porto office open?", "And the Lisbon office?", "When did the Lisbon office open?"),
        (
            "How many seats did Delta Flight 1402 have?",
            "And United Flight 88?",
            "How many seats did United Flight 88 have?",
        ),
        ("What was the net revenue of Acme?", "What about the net income?", "What was the net income of Acme?"),
        # names for names, the last for the last; an abbreviation keeps its point
        (
            "How many people did Globex employ in Springfield?",
            "What about Initech in Austin?",
            "How many people did Initech employ in Austin?",
        ),
        ("Where is Initech Corp. based?", "What about Globex Ltd.?", "Where is Globex Ltd. based?"),
        (
            "Combien de salariés travaillent à Lyon ?",
            "Et à Marseille ?",
            "Combien de salariés travaillent à Marseille ?",
        ),
        # a preposition opens a circumstance: its period replaces the previous one, the subject stays
        (
            "What were the company's sales in the quarter ended March 31, 2023?",
            "And in the same quarter of 2022?",
            "What were the company's sales in the quarter ended March 31, 2022?",
        ),
        # the subject's possessor stays when a pointing word stands for it
        ("What was Siemens's order intake in 2021?", "And its net profit?", "What was Siemens's net profit in 2021?"),
    ],
)
def test_an_ellipsis_replaces_the_phrase_name_or_period_it_matches(previous, follow_up, expected):
    assert standalone(follow_up, previous) == expected


@pytest.mark.parametrize(
    "previous, answer, follow_up, expected",
    [
        ("When was Acme Corp founded?", "In 1990.", "Who founded it?", "Who founded it (Acme Corp)?"),
        # a who-question's answer names the person the next question points to
        (
            "Who is the chief executive of Acme?",
            "Jane Doe is the chief executive.",
            "When did she join?",
            "When did she (Jane Doe) join?",
        ),
        (
            "Qui dirige Acme ?",
            "Marie Curie dirige Acme.",
            "Depuis quand est-elle en poste ?",
            "Depuis quand est-elle (Marie Curie) en poste ?",
        ),
        (EMPLEADOS, "", "¿Dónde está su sede?", "¿Dónde está su (Acme) sede?"),
        (
            "What is the capital of France?",
            "Paris.",
            "How many people live there?",
            "How many people live there (France)?",
        ),
        (REVENUE, "", "And who audited the accounts?", "And who audited the accounts (Acme)?"),
        # a preposition ends the subject: "about" is not part of what the question was about
        ("What is this handbook about?", "", "Who wrote its foreword?", "Who wrote its (this handbook) foreword?"),
        ("What is the handbook about?", "", "Who wrote its foreword?", "Who wrote its (the handbook) foreword?"),
        # the value asked for is not what a pronoun points to: what it is a value of is
        ("What is the case number of the appeal?", "", "Who filed it?", "Who filed it (the appeal)?"),
        ("What was the date of the merger?", "", "Who approved it?", "Who approved it (the merger)?"),
        (
            "Wie lautet der Name des Projekts?",
            "",
            "Wer leitet seine Entwicklung?",
            "Wer leitet seine (Projekts) Entwicklung?",
        ),
        ("¿Cuál es el importe del proyecto?", "", "¿Quién firmó su contrato?", "¿Quién firmó su (proyecto) contrato?"),
        # "revenue" is not a value noun: the subject itself
        ("What is the revenue of the segment?", "", "Why did it fall?", "Why did it (the revenue) fall?"),
    ],
)
def test_a_pronoun_gets_its_referent(previous, answer, follow_up, expected):
    assert standalone(follow_up, previous, answer) == expected


@pytest.mark.parametrize(
    "question",
    [
        "Who audited the accounts?",
        "Is there a penalty for late filing?",  # existential "there", expletive "it": nothing pointed at
        "Is it possible to file late?",
        "What is the name of the ship that sank?",  # a relative "that"
        "Können Sie mir die Adresse des Hauptsitzes nennen?",  # "Sie": the German "you"
        "¿Cuáles son los riesgos principales?",  # "son": a verb, not a French possessive
        "Quelle est la date de clôture de l'exercice ?",
    ],
)
def test_a_new_topic_is_asked_as_typed(question):
    assert not depends(question)
    assert standalone(question, REVENUE, "It was 12 million dollars.") == question


def test_without_a_previous_question_nothing_changes():
    assert standalone("And in 2019?", "") == "And in 2019?"


def test_a_pronoun_for_a_thing_never_means_the_person_a_who_question_found():
    # "it" is the manual, not its signer
    got = standalone("Which edition does it replace?", "Who signed the Rail Safety Manual?", "Jane Doe signed it.")
    assert got == "Which edition does it (Rail Safety Manual) replace?"
    assert (
        standalone("When did she join?", "Who signed the Rail Safety Manual?", "Jane Doe signed it.")
        == "When did she (Jane Doe) join?"
    )


def test_a_referent_the_document_mentions_throughout_is_left_out():
    paper = " ".join(f"Section {k}: DPR uses a dual encoder, and the index holds passages." for k in range(40))
    paper += " The encoder output has dimension d = 768. FAISS serves the index."
    everywhere = mentioned_throughout(paper)
    assert everywhere("DPR") and not everywhere("FAISS") and not everywhere("DPR FAISS")
    previous = "What batch size was the main DPR model trained with?"
    assert standalone("What is the dimension d of its encoder output?", previous, "", everywhere) == (
        "What is the dimension d of its encoder output?"
    )
    assert standalone("How fast is it?", "What does FAISS serve?", "", everywhere) == "How fast is it (FAISS)?"
    assert standalone("How fast is it?", "What does FAISS serve?", "") == "How fast is it (FAISS)?"


def test_a_referent_mentioned_throughout_in_german_is_left_out_too():
    skript = " ".join(f"Kapitel {k}: Das Skript behandelt Flächen und ihre Krümmung." for k in range(30))
    skript += " Der Satz von Gauß-Bonnet steht in Kapitel 5."
    everywhere = mentioned_throughout(skript)
    assert standalone("Wer hat es geschrieben?", "Wann wurde das Skript geschrieben?", "", everywhere) == (
        "Wer hat es geschrieben?"
    )
    assert standalone("Wo steht er?", "Was sagt der Satz von Gauß-Bonnet?", "", everywhere) == (
        "Wo steht er (Satz von Gauß-Bonnet)?"
    )


def test_a_long_referent_over_a_long_text_is_looked_up_word_by_word():
    text = "alpha beta gamma delta. " * 100_000  # 2.4 MB
    everywhere = mentioned_throughout(text)
    referent = " ".join(f"Name{k}" for k in range(700))  # as many words as a question may hold
    start = time.perf_counter()
    assert everywhere("alpha gamma") and not everywhere(referent) and not everywhere("alpha " + referent)
    assert time.perf_counter() - start < 10.0  # one read of the text: about 1 s; a scan a word was minutes
