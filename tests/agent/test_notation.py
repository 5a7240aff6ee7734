"""Numbers as documents write them: a report's own numbers say its notation, and each number is
read in it (en, de, fr, es, it, Swiss), so that a calculation over a German table is not off by 1,000."""

import pytest

from agent.notation import CONTINENTAL, ENGLISH, FRENCH, NUMBER, notation_of


@pytest.mark.parametrize(
    "text, notation",
    [
        ("Net sales were $48,210 million, up 6.3% from $45,372 million.", ENGLISH),
        ("Total | 1,636 | 3,188\nDividend of $0.62 per share.", ENGLISH),
        ("Umsatz | 13.115 | 12.480\nItalien | 4.512 | 4.105", CONTINENTAL),  # only groups of three: thousands
        ("Der Umsatz stieg um 5,4 % auf 1.301,0 Mio. EUR (Vorjahr: 1.234,5).", CONTINENTAL),
        ("Las ventas crecieron un 3,2 % hasta 2.418 millones de euros.", CONTINENTAL),
        ("Il fatturato è salito del 7,5% a 1.150 milioni.", CONTINENTAL),
        ("Chiffre d'affaires | 84 560 | 79 210\nRésultat net | 6 912 | 6 100", FRENCH),
        ("Le résultat progresse de 12,4 % à 10\u202f148 milliers d'euros.", FRENCH),
        ("Version 3.10 of the tool, released 31.12.2023, reads 1.576 files a second.", ENGLISH),  # a sure decimal point
        ("Stichtag 31.12.2023; Umsatz 1.234,5; Abschnitt 2.3", CONTINENTAL),  # a date is no evidence; 1.234,5 is
        ("No numbers at all.", ENGLISH),
    ],
)
def test_a_documents_notation_is_what_its_own_numbers_say(text, notation):
    assert notation_of(text) == notation


@pytest.mark.parametrize(
    "notation, token, value",
    [
        (ENGLISH, "1,636", 1636.0),
        (ENGLISH, "1,234.5", 1234.5),
        (ENGLISH, "0.62", 0.62),
        (ENGLISH, "13.115", 13.115),
        (CONTINENTAL, "13.115", 13115.0),
        (CONTINENTAL, "1.234,5", 1234.5),
        (CONTINENTAL, "5,4", 5.4),
        (FRENCH, "84 560", 84560.0),
        (FRENCH, "10\u202f148,25", 10148.25),
        (ENGLISH, "1'234.50", 1234.5),
    ],
)
def test_each_number_is_read_in_the_notation(notation, token, value):
    [found] = NUMBER.findall(token)
    assert found == token and notation.value(token) == value


def test_numbers_in_a_calculation_are_whole_tokens():
    assert NUMBER.findall("(84 560 - 79 210) / 79 210 * 100") == ["84 560", "79 210", "79 210", "100"]
    assert NUMBER.findall("(1,636 + 3,188) / 5,038") == ["1,636", "3,188", "5,038"]
    assert NUMBER.findall("(4.512 - 4.105) / 4.105 * 100") == ["4.512", "4.105", "4.105", "100"]


@pytest.mark.parametrize(
    "notation, value, shown",
    [
        (ENGLISH, 27287.0, "27,287"),
        (ENGLISH, 0.9575, "0.958"),
        (ENGLISH, 0.01234, "0.0123"),
        (ENGLISH, 0.0, "0"),
        (CONTINENTAL, 27287.0, "27.287"),
        (CONTINENTAL, 6551.25, "6.551,25"),
        (FRENCH, 6.7542, "6,75"),
        (FRENCH, 84560.0, "84 560"),
        (ENGLISH, -819.0, "-819"),
    ],
)
def test_a_result_is_shown_as_the_document_writes_numbers(notation, value, shown):
    assert notation.shown(value) == shown


@pytest.mark.parametrize(
    "hostile",
    [
        "111 " * 250_000 + ",5",
        "1" * 1_000_000,
        "1.111" * 200_000,
        "1,1" * 300_000,
        "1 " * 500_000,
        "9\u202f999" * 200_000 + ",5",
    ],
)
def test_a_document_of_hostile_numbers_is_read_in_linear_time(hostile):
    import time

    start = time.perf_counter()
    notation_of(hostile)
    NUMBER.findall(hostile)
    assert time.perf_counter() - start < 5  # a megabyte: well under a second; quadratic would be minutes
