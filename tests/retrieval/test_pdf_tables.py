"""PDF tables from pypdf's layout text: statements the tests typeset (fpdf2) come back as rows
under a header that names every column, whatever the columns hold; prose set in columns and
pages without tables are left as pypdf's plain text gives them."""

import io

from pypdf import PdfReader, PdfWriter

from retrieval import load_document
from retrieval.pdf_tables import page_text, split_row
from retrieval.tables import header_at, table_blocks

from .pdfs import statement_pdf

CASH_FLOWS = {
    "title": "Consolidated Statements of Cash Flows",
    "unit": "(in millions, except per share data)",
    "headers": [["Year Ended December 31,"], ["2018", "2017", "2016"]],
    "rows": [
        ["Cash flows from operating activities"],
        ["Net income", "$ 5,363", "$ 4,869", "$ 5,058"],
        ["Depreciation and amortization (1)", "1,488", "1,544", "1,474"],
        ["Purchases of property, plant and equipment", "(1,577)", "(1,373)", "(1,420)"],
        ["Other - net", "-", "12", "(4)"],
        ["Net cash used in investing activities", "(1,315)", "(1,361)", "(1,424)"],
    ],
}


def rows_of(text: str) -> dict[str, str]:
    return {line.split(" | ")[0]: line for line in text.splitlines() if " | " in line}


def test_a_statement_reads_as_rows_under_headers_naming_each_column():
    page = load_document(statement_pdf([CASH_FLOWS]), filename="cash.pdf").pages[0].text
    rows = rows_of(page)
    spanned = " | Year Ended December 31, 2018 | Year Ended December 31, 2017 | Year Ended December 31, 2016"
    assert spanned in page.splitlines()  # the heading over all columns heads each of them
    assert rows["Purchases of property, plant and equipment"].endswith("| (1,577) | (1,373) | (1,420)")
    assert rows["Net income"].endswith("| $ 5,363 | $ 4,869 | $ 5,058")  # the currency sign stays with its number
    assert rows["Depreciation and amortization (1)"].endswith("| 1,488 | 1,544 | 1,474")  # footnote mark in the label
    assert rows["Other - net"].endswith("| - | 12 | (4)")  # a dash is a value: nothing
    assert (
        rows["Cash flows from operating activities"] == "Cash flows from operating activities |  |  | "
    )  # a section line
    assert page.startswith("Consolidated Statements of Cash Flows\n(in millions, except per share data)")
    blocks = table_blocks(page)
    caption = "Consolidated Statements of Cash Flows\n(in millions, except per share data)\n"
    assert len(blocks) == 1 and header_at(blocks, page.index("Purchases")) == caption + spanned


INCOME = {
    "title": "Income Statements",
    "unit": "(In millions) (Unaudited)",
    "headers": [["Three Months Ended", "Six Months Ended"], ["December 31,", "December 31,"], ["2022", "2021"] * 2],
    "rows": [
        ["Revenue", "$ 52,747", "$ 51,728", "$ 102,869", "$ 97,045"],
        ["Research and development", "6,844", "5,758", "13,472", "11,357"],
        ["Operating income", "20,399", "22,247", "41,917", "42,485"],
        ["Net income", "$ 16,425", "$ 18,765", "$ 33,981", "$ 39,270"],
    ],
}


def test_headers_spanning_groups_of_columns_head_their_own_group_however_they_were_drawn():
    for stacked in (False, True):
        data = statement_pdf([dict(INCOME, stacked=stacked)])
        plain = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
        # drawn group by group, the plain text reads each group's lines together: another order than the layout's
        assert ("Three Months Ended December 31, Six" in plain) is stacked
        rows = rows_of(load_document(data, filename="income.pdf").pages[0].text)
        three, six = "Three Months Ended December 31,", "Six Months Ended December 31,"
        assert rows[""] == f" | {three} 2022 | {three} 2021 | {six} 2022 | {six} 2021"
        assert rows["Research and development"] == "Research and development | 6,844 | 5,758 | 13,472 | 11,357"


def test_a_sentence_leading_into_a_table_is_prose_not_its_columns_header():
    lead = "Cash flows of the company and of its subsidiaries for each year were as follows (in millions):"
    page = load_document(statement_pdf([dict(CASH_FLOWS, title=lead, unit=None)]), filename="lead.pdf").pages[0].text
    assert page.startswith(lead + "\n")
    assert (
        rows_of(page)[""]
        == " | Year Ended December 31, 2018 | Year Ended December 31, 2017 | Year Ended December 31, 2016"
    )


def test_empty_cells_stay_in_their_column_and_locale_numbers_are_values():
    table = {
        "title": "Umsatz nach Regionen",
        "unit": "in Tausend EUR",
        "headers": [["2022", "2023", "Veränderung"]],
        "rows": [
            ["Nord", "1.234,5", "1.301,0", "5,4 %"],
            ["Süd", "", "987,0", ""],
            ["Ost", "1 234,5", "", "-0,4 %"],
            ["West", "2.001,9", "2.100,2", "4,9 %"],
        ],
    }
    rows = rows_of(load_document(statement_pdf([table]), filename="umsatz.pdf").pages[0].text)
    assert rows[""] == " | 2022 | 2023 | Veränderung"
    assert rows["Nord"] == "Nord | 1.234,5 | 1.301,0 | 5,4 %"
    assert rows["Süd"] == "Süd |  | 987,0 | "  # the lone value in the middle column stays there
    assert rows["Ost"] == "Ost | 1 234,5 |  | -0,4 %"


def test_a_table_continued_on_the_next_page_has_its_header_on_both():
    first = dict(CASH_FLOWS, rows=CASH_FLOWS["rows"][:4])
    continued = dict(CASH_FLOWS, title="Consolidated Statements of Cash Flows (continued)", rows=CASH_FLOWS["rows"][4:])
    pages = load_document(statement_pdf([first, continued]), filename="two.pdf").pages
    for page, row in zip(pages, ("Net income", "Other - net")):
        blocks = table_blocks(page.text)
        assert blocks and header_at(blocks, page.text.index(row)).endswith("| Year Ended December 31, 2016")


def test_prose_before_a_table_keeps_its_sentences():
    prose = (
        "Capital spending rose in 2018 as the company built two plants. Management expects spending of "
        "about 1.6 billion dollars next year, funded from operating cash flows."
    )
    page = load_document(statement_pdf([dict(CASH_FLOWS, prose=prose)]), filename="note.pdf").pages[0].text
    assert " ".join(page.split()).startswith(prose)
    assert "Net income | $ 5,363" in page


def test_prose_in_two_columns_and_numbered_lines_are_not_tables():
    plain = (
        "Revenue grew in 2019\nas new stores opened\nin 14 cities and 3\nThe board met 6 times\nand approved 2 plans\n"
        "for 2020 and 2021.\n"
    )
    layout = (
        "Revenue grew in 2019       The board met 6 times\nas new stores opened       and approved 2 plans\n"
        "in 14 cities and 3         for 2020 and 2021.\n"
    )
    assert page_text(plain, layout) == plain  # the two texts read in different orders: columns of prose
    assert split_row("    12") is None  # a page number set apart
    assert split_row("                 2018        2017        2016") is None  # a header of years
    assert split_row("Net sales      1,000      (200)")[0] == "Net sales"


def test_a_rotated_statement_page_still_gives_its_words():
    reader = PdfReader(io.BytesIO(statement_pdf([CASH_FLOWS])))
    writer = PdfWriter()
    writer.add_page(reader.pages[0]).rotate(90)
    out = io.BytesIO()
    writer.write(out)
    page = load_document(out.getvalue(), filename="rotated.pdf").pages[0].text
    assert "Purchases of property, plant and equipment" in page and "(1,577)" in page


def test_hostile_layouts_are_read_in_bounded_time():
    import time

    words = [f"w{i}" for i in range(5_000)]
    shuffled = " ".join(words[1::2] + words[::2])  # the same words, another order: compared word by word
    rows = "\n".join(f"Item {i}      {i},000      ({i})" for i in range(100_000))  # one table of 100,000 rows
    blanks = "\n" * 200_000 + "Label      1      2\n" * 3  # a table under 200,000 blank lines
    huge = " ".join(f"x{i}" for i in range(300_000))  # too long to compare: left as plain text gives it
    start = time.perf_counter()
    assert page_text(" ".join(words), shuffled) == " ".join(words)
    assert page_text(rows.replace("      ", " "), rows).count(" | ") == 200_000
    assert "Label | 1 | 2" in page_text(blanks.replace("      ", " "), blanks)
    assert page_text(huge, huge[::-1]) == huge
    assert time.perf_counter() - start < 20  # linear: about 4 s here
