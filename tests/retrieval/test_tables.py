"""Table rows in text: PDF rows marked only where pypdf's layout and plain text agree (not prose set
in columns), in any language; headers found again for the rows below them."""

from retrieval.tables import header_at, mark_pdf_rows, may_hold_a_table, table_blocks, with_header


def test_prose_in_two_columns_is_left_alone():
    plain = (
        "The council met in March to discuss\nthe harbour. Its members agreed\nto raise the dues in 1998.\n"
        "Trade with Brazil grew in 2001\nas the new quay opened to ships\nof 3000 tonnes and more."
    )
    layout = (
        "The council met in March to discuss        Trade with Brazil grew in 2001\n"
        "the harbour. Its members agreed            as the new quay opened to ships\n"
        "to raise the dues in 1998.                 of 3000 tonnes and more."
    )
    assert mark_pdf_rows(plain, layout) == plain


def test_rows_in_other_languages_and_number_formats():
    plain = "Tabelle 2. Umsatz\nStadt Umsatz Wachstum\nMünchen 1.234,5 3,1 %\nKöln 987,0 -0,4 %\nBerlin 2.001,9 5,0 %"
    layout = (
        "Tabelle 2. Umsatz\nStadt       Umsatz       Wachstum\n\nMünchen     1.234,5      3,1 %\n\n"
        "Köln        987,0        -0,4 %\n\nBerlin      2.001,9      5,0 %"
    )
    marked = mark_pdf_rows(plain, layout)
    assert "Stadt | Umsatz | Wachstum\nMünchen | 1.234,5 | 3,1 %\nKöln | 987,0 | -0,4 %" in marked
    zh = "城市 | 收入 | 增长\n上海 | 2.3 | 14%\n北京 | 1.1 | -3%"
    blocks = table_blocks(zh)
    assert (
        blocks == [(0, len(zh), "城市 | 收入 | 增长", zh.index("\n"))]
        and header_at(blocks, zh.index("北京")) == "城市 | 收入 | 增长"
    )
    assert header_at(blocks, 0) == "" and with_header("", "x") == "x"
    assert may_hold_a_table(plain) and not may_hold_a_table("One sentence.\nAnother one without numbers.")


def test_a_caption_names_the_rows_but_prose_above_a_table_does_not():
    text = (
        "The company spent more on plants this year than it planned.\n\nConsolidated Balance Sheets\n"
        "(in millions)\n\n | 2023 | 2022\nInventories | 5,140 | 5,965\nGoodwill | 1,383 | 1,384"
    )
    [(start, end, header, first_row)] = table_blocks(text)
    assert header == "Consolidated Balance Sheets\n(in millions)\n | 2023 | 2022"
    assert header_at([(start, end, header, first_row)], text.index("Goodwill")) == header
    prose = "Sales fell in the north.\n | 2023 | 2022\nNorth | 1 | 2"
    assert table_blocks(prose)[0][2] == " | 2023 | 2022"  # a sentence's end is not a caption
    long_line = "word " * 20 + "\nA | B\n1 | 2"
    assert table_blocks(long_line)[0][2] == "A | B"
