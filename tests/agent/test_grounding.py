"""The values of a calculation taken from the table cells of the row and period they name: the model
picks the row, the table gives the number. Tables here are the tests' own (es, en, it), not the
computed benchmark's statements."""

import time

import pytest

from agent import Agent
from agent.grounding import calculation_over_names, grounded, numbers_as_values, table_rows, tables_named
from agent.job import Passage
from agent.notation import CONTINENTAL, ENGLISH
from agent.operations import Value

from .scripted import ScriptedBackend


def passage(text: str) -> Passage:
    return Passage(text, 1, "1", 0, len(text))


BALANCE = """Statement of Financial Position (in thousands)

| | FY2021 | FY2020
Cash | 812 | 640
Trade receivables | 1,904 | 1,733
Inventory | 2,210 | 1,985
Total liabilities | 6,480 | 6,020
Equity | 9,310 | 8,870
"""
VENTAS = """Cuenta de resultados (miles de euros)

| | 2022 | 2021
Ventas netas | 25.480 | 23.910
Beneficio bruto | 9.170 | 8.640
Beneficio neto | 3.015 | 2.790
"""
ERGEBNIS = """Gewinn- und Verlustrechnung (in Tausend EUR)

| | 2020 | 2019 | 2018
Umsatzerlöse | 7.410 | 7.025 | 6.880
Jahresüberschuss | 512 | 470 | 455
"""


def rows_of(text):
    return table_rows([passage(text)])


def test_a_table_row_reads_as_its_cells_by_period():
    rows = rows_of(BALANCE)
    assert [r.label for r in rows] == ["Cash", "Trade receivables", "Inventory", "Total liabilities", "Equity"]
    assert rows[2].number_in(2020) == "1,985" and rows[2].period_of("2,210", ENGLISH) == 2021


@pytest.mark.parametrize(
    "question, listed, expected",
    [
        # the model copied the other year's cell: the period it named picks the cell
        (
            "By how much did inventory rise from FY2020 to FY2021?",
            [Value("Inventory, 2021", "2,210", 2021), Value("Inventory, 2020", "2,210", 2020)],
            ["1,985", "2,210"],
        ),
        # the question's one year decides, whatever the model dated its values
        (
            "What was the ratio of total liabilities to equity in FY2020?",
            [Value("Total liabilities, 2021", "6,480", 2021), Value("Equity", "9,310", None)],
            ["6,020", "8,870"],
        ),
        # a label found by its stem ("receivables"), a plural, another case
        (
            "What share of total liabilities were trade receivables in 2021?",
            [Value("RECEIVABLE", "1,733", None), Value("total liabilities", "6,480", None)],
            ["1,904", "6,480"],
        ),
    ],
)
def test_each_value_becomes_the_cell_of_its_row_and_period(question, listed, expected):
    got = grounded(question, listed, rows_of(BALANCE), ENGLISH)
    assert sorted(v.number for v in got) == sorted(expected)


def test_a_value_in_no_table_stays_as_the_model_gave_it():
    listed = [Value("Headcount, 2021", "1,240", 2021), Value("Headcount, 2020", "1,180", 2020)]
    assert grounded("By what percentage did headcount grow in 2021?", listed, rows_of(BALANCE), ENGLISH) == listed


def test_a_label_sharing_one_word_with_a_row_is_not_that_row():
    # "Total assets" shares "total" with "Total liabilities" only: the number's own row decides
    got = grounded(
        "What were total assets in FY2020?", [Value("Total assets", "9,310", None)], rows_of(BALANCE), ENGLISH
    )
    assert got[0].label == "Equity" and got[0].number == "8,870"  # 9,310 stands in Equity's FY2021 column
    assert grounded("What were total assets?", [Value("Total assets", "123", None)], rows_of(BALANCE), ENGLISH) == [
        Value("Total assets", "123", None)
    ]


def test_a_number_standing_in_two_rows_names_none():
    rows = rows_of("| | 2022 | 2021\nA | 5 | 7\nB | 5 | 9\n")
    assert numbers_as_values(["5"], rows, ENGLISH) == [Value("", "5", None)]


def test_tables_without_periods_are_not_read():
    assert rows_of("| Name | Role\nAda | Chair\nLin | Clerk\n") == []


def asked(reply, question, document):
    backend = ScriptedBackend(reply, window=2048)
    return Agent(backend, embedder=None, reader="generative").ask(document, question, strategy="rag")


@pytest.mark.parametrize(
    "reply, document, question, shown",
    [
        # 2022's ratio asked, 2022's net profit divided by 2021's sales: the sales cell of 2022 is taken
        (
            "= 3.015 / 23.910 * 100",
            VENTAS,
            "¿Qué porcentaje de las ventas netas fue el beneficio neto en 2022?",
            "3.015 / 25.480 * 100 = 11,83",
        ),
        # a change whose two numbers are one cell: the row's two periods are taken
        (
            "= 2,210 - 2,210",
            BALANCE,
            "By how much did inventory increase from FY2020 to FY2021?",
            "2,210 - 1,985 = 225",
        ),
        # the model wrote a growth where a change was asked, with its numbers in the row's columns
        (
            "= (470 - 512) / 512 * 100",
            ERGEBNIS,
            "Um wie viel veränderte sich der Jahresüberschuss von 2019 auf 2020?",
            "512 - 470 = 42",
        ),
    ],
)
def test_a_calculation_takes_its_numbers_from_the_asked_cells(reply, document, question, shown):
    answer = asked(reply, question, document)
    assert answer.text == shown and answer.supported
    assert all(" | " in c.quote for c in answer.citations)


def test_a_hostile_table_is_read_in_linear_time():
    def name(i):  # a label of its own for each row: "bcd"
        return "".join(chr(97 + int(d)) for d in str(i))

    rows = "\n".join(f"{name(i)} costs of many words here | {i:,} | {i + 1:,}" for i in range(20_000))
    text = f"| | 2021 | 2020\n{rows}\n"  # 600 KB of table
    start = time.perf_counter()
    found = rows_of(text)
    values = grounded("What were h costs in 2020?", [Value("h costs", "7", None)] * 30, found, ENGLISH)
    assert time.perf_counter() - start < 60  # seconds (9 s on 2 busy cores); quadratic in the rows would be hours
    assert len(found) == 20_000 and values[0].number == "8"


def test_continental_cells_compare_by_value():
    assert rows_of(ERGEBNIS)[0].period_of("7410", CONTINENTAL) == 2020


@pytest.mark.parametrize(
    "reply, question, expected",
    [
        (
            "Ratio = total liabilities / equity",
            "What was the ratio of liabilities to equity in FY2020?",
            "6,020 / 8,870",
        ),
        (
            "= (cash + trade receivables) / total liabilities",
            "What was the quick ratio in 2021?",
            "(812 + 1,904) / 6,480",
        ),
        ("= (cash + goodwill) / total liabilities", "What was it in 2021?", None),  # goodwill is no row
        ("= cash / equity", "What was the cash to equity ratio?", None),  # no year: no cell
        ("= long-term debt / equity", "What was it in 2021?", None),  # "long-term" is one name, and no row
    ],
)
def test_a_calculation_over_row_names_takes_their_cells(reply, question, expected):
    assert calculation_over_names(reply, question, rows_of(BALANCE)) == expected


def test_two_values_read_as_one_cell_are_no_answer():
    # 2020's and 2021's equity, asked of 2021 only: the model divided a row by itself
    answer = asked("= 9,310 / 8,870", "What was the ratio of liabilities to equity in FY2021?", BALANCE)
    assert "not found" in answer.text and "one cell" in answer.text and not answer.citations


def test_a_model_giving_up_among_many_passages_is_asked_again_over_the_named_table():
    replies = iter(["not found", "= 2,210 - 1,985"])
    backend = ScriptedBackend(lambda messages: next(replies), window=8192)
    prose = "\n\n".join(
        f"Note {i}. The warehouse in Lyon was repainted in spring and the roof repaired." for i in range(8)
    )
    document = f"{prose}\n\n{BALANCE}\n\n{prose}"
    answer = Agent(backend, embedder=None, reader="generative").ask(
        document, "By how much did inventory increase from FY2020 to FY2021?", strategy="rag"
    )
    assert answer.text == "2,210 - 1,985 = 225" and len(backend.prompts) == 2
    assert "Lyon" in backend.prompts[0][-1]["content"] and "Lyon" not in backend.prompts[1][-1]["content"]


def test_tables_the_question_names_by_caption_or_row():
    passages = [passage(BALANCE), passage(VENTAS), passage(ERGEBNIS)]
    assert tables_named("How much inventory was there?", passages) == passages[:1]
    assert tables_named("Wie hoch war die Gewinn- und Verlustrechnung?", passages) == passages[2:]  # its caption
    assert tables_named("Wie hoch war der Gesamtjahresüberschuss?", passages) == passages[2:]  # a compound's head
    assert tables_named("When did the office open?", passages) == []
