"""A table cell as the answer: the column the question's period names, with the table's unit;
a table of periods lacking the one asked answers nothing; other tables keep the whole row."""

import pytest

from agent.cells import NO_SUCH_PERIOD, Cell, asked_years, cell

STATEMENT = (
    "Consolidated Balance Sheets\n$ in millions, except per share amounts\n"
    "Fiscal Years Ended | January 28, 2023 | January 29, 2022"
)
ROW = "Total current assets | 8,802 | 10,539"


@pytest.mark.parametrize(
    "question, years",
    [
        ("What were sales in FY2018?", {"2018"}),
        ("What were sales in fiscal 2023?", {"2023"}),
        ("What was it in FY 17?", {"2017"}),
        ("Umsatz im GJ 2021?", {"2021"}),
        ("for the fiscal year ending January 28, 2023", {"2023"}),
        ("from 2014 to 2015", {"2014", "2015"}),
        ("What is the code 12018?", set()),
        ("How many stores?", set()),
        ("What was 1,2019 worth?", set()),
    ],
)
def test_the_years_a_question_names(question, years):
    assert asked_years(question) == years


def test_the_cell_of_the_period_asked_with_its_unit_and_column():
    found = cell("What were total current assets for the fiscal year ending January 29, 2022?", STATEMENT, ROW)
    assert found == Cell("10,539", "January 29, 2022", "millions")
    assert found.lead() == "10,539 (millions; January 29, 2022)"
    german = cell(
        "Wie hoch war der Umsatz 2023?",
        "Umsatz nach Regionen\nin Millionen EUR\nRegion | 2023 | 2022",
        "Nord | 1.234,5 | 1.100,0",
    )
    assert german.lead() == "1.234,5 (millionen; 2023)"


def test_a_table_of_periods_lacking_the_one_asked_answers_nothing():
    assert cell("What were total current assets in FY2019?", STATEMENT, ROW) is NO_SUCH_PERIOD


@pytest.mark.parametrize(
    "question, header, row",
    [
        ("What were total current assets?", STATEMENT, ROW),  # no period asked: the whole row
        ("What were assets in 2022 and 2023?", STATEMENT, ROW),  # two columns asked
        (
            "What were sales in 2022?",
            "Sales by region\nRegion | North | South",
            "Sales | 5 | 6",
        ),  # columns are not periods
        ("What were sales in 2022?", STATEMENT, "Total | 8,802"),  # a row short of the header's columns
        ("What was the dividend in 2023?", STATEMENT, "Dividends |  | 3"),  # the asked cell is empty
    ],
)
def test_otherwise_the_row_is_kept(question, header, row):
    assert cell(question, header, row) is None
