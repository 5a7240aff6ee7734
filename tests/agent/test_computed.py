"""Computed answers: the model names values and writes the calculation; the agent evaluates it,
cites each number where it stands, and refuses numbers the passages lack or calculations that are
not plain arithmetic. Control flow with a scripted model; the embedded Qwen at the end (slow)."""

import pytest

from agent import Agent
from agent.question import computes
from tests.needs import needs_qwen, needs_qwen_1_5b

from .scripted import ScriptedBackend

SHEET = """Consolidated Balance Sheet (in millions)

| | 2019 | 2018
Cash and cash equivalents | 1,636 | 2,853
Accounts receivable, net | 3,188 | 3,050
Inventories | 2,134 | 1,996
Total current liabilities | 5,038 | 4,817

Net sales for 2019 were $32,136 million, up from $31,657 million in 2018.
"""
QUICK = "What was the quick ratio in 2019, cash plus receivables over current liabilities?"


UMSATZ = """Umsatz nach Regionen (in Tausend EUR)

| | 2023 | 2022
Deutschland | 13.115 | 12.480
Italien | 4.512 | 4.105
"""
RESULTAT = """Compte de résultat consolidé (en milliers d'euros)

| | 2023 | 2022
Chiffre d'affaires | 84 560 | 79 210
Résultat d'exploitation | 10 148 | 9 030
"""


def asked(reply, question=QUICK, document=SHEET):
    backend = ScriptedBackend(reply, window=2048)
    answer = Agent(backend, embedder=None, reader="generative").ask(document, question, strategy="rag")
    return answer, backend


def test_the_calculation_is_evaluated_here_and_each_value_cited():
    answer, backend = asked(
        "Cash, 2019: 1,636\nReceivables, 2019: 3,188\nCurrent liabilities, 2019: 5,038\n"
        "= (1,636 + 3,188) / 5,038 = 0.75"
    )  # the model's own result is wrong: ignored
    assert answer.text == "(1,636 + 3,188) / 5,038 = 0.958" and answer.supported
    assert [c.quote for c in answer.citations] == [
        "Cash and cash equivalents | 1,636 | 2,853",
        "Accounts receivable, net | 3,188 | 3,050",
        "Total current liabilities | 5,038 | 4,817",
    ]
    assert "calculated from numbers" in backend.prompts[0][0]["content"]
    assert any(s.name == "compute" and "0.957" in s.detail for s in answer.trace.steps)


def test_a_percentage_change_keeps_its_constants_uncited():
    answer, _ = asked(
        "= (32,136 - 31,657) / 31,657 * 100", "By how much did net sales grow from 2018 to 2019, in percent?"
    )
    assert answer.text == "(32,136 - 31,657) / 31,657 * 100 = 1.51"
    assert len(answer.citations) == 1 and "32,136" in answer.citations[0].quote  # one sentence holds both


@pytest.mark.parametrize(
    "reply, document, question, shown, rows",
    [
        (
            "= 13.115 + 4.512",
            UMSATZ,
            "Wie hoch war der durchschnittliche Umsatz 2023?",
            "(13.115 + 4.512) / 2 = 8.813,5",
            2,
        ),  # the question asks an average: the agent writes it
        (
            "= (13.115 + 4.512) / 2",
            UMSATZ,
            "Wie hoch war der durchschnittliche Umsatz 2023?",
            "(13.115 + 4.512) / 2 = 8.813,5",
            2,
        ),
        (
            "= (4512 - 4105) / 4105 * 100",
            UMSATZ,
            "Um wie viel Prozent wuchs der Umsatz in Italien?",
            "(4.512 - 4.105) / 4.105 * 100 = 9,91",
            1,
        ),  # the model dropped the groups: the cells as the table writes them
        (
            "= (84 560 - 79 210) / 79 210 * 100",
            RESULTAT,
            "Quel est le taux de croissance du chiffre d'affaires ?",
            "(84 560 - 79 210) / 79 210 * 100 = 6,75",
            1,
        ),
        (
            "= 10 148 / 84 560 * 100",
            RESULTAT,
            "Quelle est la marge d'exploitation en 2023 ?",
            "10 148 / 84 560 * 100 = 12",
            2,
        ),
    ],
)
def test_numbers_are_read_as_the_document_writes_them(reply, document, question, shown, rows):
    answer, _ = asked(reply, question, document)
    assert answer.text == shown and answer.supported
    assert len(answer.citations) == rows and all(" | " in c.quote for c in answer.citations)


def test_a_number_the_passages_lack_is_no_answer():
    answer, _ = asked("Goodwill: 7,700\n= 7,700 / 5,038", "What is the ratio of goodwill to current liabilities?")
    assert "not found" in answer.text and "7,700" in answer.text and not answer.citations and not answer.supported


@pytest.mark.parametrize(
    "reply",
    [
        "= __import__('os').system('id')",
        "= 9 ** 9 ** 9",
        "= " + "(" * 60 + "1 + 1" + ")" * 60,
        "= 1,636 / (3,188 - 3,188)",
    ],
)
def test_a_hostile_or_broken_calculation_is_refused(reply):
    answer, _ = asked(reply)
    assert answer.citations == [] and not answer.supported
    assert "not found" in answer.text or "No passage" in answer.text


def test_a_reply_without_a_calculation_is_an_ordinary_answer():
    answer, _ = asked("not found")
    assert answer.text.startswith("not found") and not answer.citations


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What was the gross margin in 2019?", True),
        ("By how much did revenue rise?", True),
        ("What is the change in inventories from 2018 to 2019?", True),
        ("Wie hoch war das Wachstum des Umsatzes?", True),
        ("Wie hoch war der durchschnittliche Umsatz je Region?", True),  # German words inflect and compound
        ("Wie hoch war die Eigenkapitalquote 2023?", True),
        ("Um wie viel Prozent stieg das Umsatzwachstum?", True),
        ("What percentage of revenue came from services in 2019?", True),  # a share of a whole
        ("Welchen Anteil hatte Italien am Umsatz?", True),
        ("Quel pourcentage du chiffre d'affaires vient de France ?", True),
        ("¿Qué porcentaje de las ventas fue el beneficio neto?", True),
        ("What was free cash flow, operating cash flow minus capital expenditure?", True),
        ("How much were salaries and pensions together in 2024?", True),  # a sum
        ("Wie hoch war der Gesamtumsatz aller Regionen?", True),
        ("¿Cuál fue la suma de los gastos?", True),
        ("Wie lautet das Zitat (quote) im Vorwort?", False),
        ("Quel est le taux de croissance du chiffre d'affaires ?", True),
        ("¿Cuál fue el margen bruto en 2019?", True),
        ("What changes in debt structure did the company disclose?", False),
        ("What was total revenue in 2019?", False),
        ("When did the Porto office open?", False),
    ],
)
def test_which_questions_ask_for_a_calculation(question, expected):
    assert computes(question) is expected


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, question, calculation",
    [
        pytest.param(
            "qwen",
            "By how much did net sales grow from 2018 to 2019, in percent?",
            "= 1.51",
            marks=needs_qwen,
            id="qwen",
        ),
        pytest.param(
            "qwen-1.5b",
            "What was the ratio of inventories to total current liabilities in 2018?",
            "1,996 / 4,817 = 0.41",
            marks=needs_qwen_1_5b,
            id="qwen-1.5b",
        ),
    ],
)
def test_an_embedded_qwen_computes_over_the_table(tmp_path, model, question, calculation):
    from agent.backends import LocalBackend

    agent = Agent(LocalBackend(model_name=model, cache_dir=tmp_path), embedder=None, reader="generative")
    answer = agent.ask(SHEET, question, strategy="rag")
    assert calculation in answer.text and answer.supported, answer.text
