"""The operation a question names, written by the agent over the values the model listed, where
the values settle the roles; anything else keeps the model's calculation."""

import pytest

from agent.notation import CONTINENTAL, ENGLISH
from agent.operations import Value, calculation, listed_values, operation


@pytest.mark.parametrize(
    "question, name",
    [
        ("What was the average net income over 2021, 2022 and 2023?", "average"),
        ("Wie hoch war der durchschnittliche Umsatz je Region?", "average"),
        ("Quel est le résultat moyen sur trois ans ?", "average"),
        ("¿Cuál fue el promedio de ventas?", "average"),
        ("How much was paid in dividends and buybacks together?", "total"),
        ("Wie hoch war der Gesamtumsatz aller Regionen?", "total"),
        ("Quelle est la somme des charges ?", "total"),
        ("By how much did net sales grow from 2022 to 2023, in percent?", "growth"),
        ("Um wie viel Prozent wuchs der Umsatz?", "growth"),
        ("Quel est le taux de croissance du chiffre d'affaires ?", "growth"),
        ("¿Cuál fue el crecimiento de las ventas?", "growth"),
        ("What was the percentage decrease in long-term debt?", "growth"),
        ("What was the change in net income from 2021 to 2022?", "change"),
        ("Quelle est la variation du résultat ?", "change"),
        ("What was the gross margin in 2023?", "share"),
        ("Wie hoch war die Eigenkapitalquote?", "share"),
        ("What percentage of net sales was research and development?", "share"),
        ("¿Qué porcentaje de las ventas fue el beneficio neto en 2022?", "share"),  # a percentage alone: of a whole
        ("Quel pourcentage du chiffre d'affaires représente le résultat ?", "share"),
        ("Um wie viel Prozent stieg der Umsatz?", "growth"),  # a change in percent
        ("De combien de pourcent le chiffre d'affaires a-t-il augmenté ?", "growth"),
        ("¿En qué porcentaje aumentaron las ventas?", "growth"),
        ("By how much did inventories rise?", "change"),
        ("What was the ratio of debt to equity?", None),  # roles by the question's order: the model's own
        ("What was working capital, current assets minus current liabilities?", None),
    ],
)
def test_the_operation_a_question_names(question, name):
    assert operation(question) == name


def test_the_values_the_model_listed_with_their_periods():
    reply = "Net sales, 2023: $48,210 million\n- Net sales (2022): 45,372\nGross profit: 18.366\n= 1 + 1\nLate, 2020: 5"
    assert listed_values(reply) == [
        Value("Net sales, 2023", "48,210", 2023),
        Value("Net sales (2022)", "45,372", 2022),
        Value("Gross profit", "18.366", None),
    ]  # nothing after the calculation


@pytest.mark.parametrize(
    "question, values, expected",
    [
        (
            "What was the average net income?",
            [("2023", "6,105"), ("2022", "5,431"), ("2021", "4,612")],
            "(6,105 + 5,431 + 4,612) / 3",
        ),
        ("What were cash and receivables together?", [("", "1,636"), ("", "3,188")], "1,636 + 3,188"),
        (
            "By how much did sales grow, in percent?",
            [("2023", "48,210"), ("2022", "45,372")],
            "(48,210 - 45,372) / 45,372 * 100",
        ),
        (
            "What was the change in inventories?",
            [("2022", "2,501"), ("2023", "2,774")],
            "2,774 - 2,501",
        ),  # the latest minus the earliest
        (
            "What was the gross margin?",
            [("", "48,210"), ("", "18,366")],
            "18,366 / 48,210 * 100",
        ),  # the part over its whole
        ("What was the change in inventories?", [("", "2,501"), ("", "2,774")], None),  # no periods: roles unknown
        ("What was the change in inventories?", [("2023", "2,501"), ("2023", "2,774")], None),
        ("What was the growth?", [("2023", "2,774")], None),  # one value is no change
        ("What was the ratio of debt to equity?", [("", "7,900"), ("", "10,415")], None),
    ],
)
def test_the_agent_writes_the_calculation_where_the_values_settle_it(question, values, expected):
    listed = [
        Value(f"row, {period}" if period else "row", number, int(period) if period else None)
        for period, number in values
    ]
    assert calculation(question, listed, ENGLISH) == expected


def test_a_share_compares_values_as_the_document_writes_them():
    listed = [Value("Umsatz", "84.560", None), Value("Ergebnis", "10.148", None)]
    assert calculation("Wie hoch war die Marge?", listed, CONTINENTAL) == "10.148 / 84.560 * 100"
