"""Sentences of extracted text: wrapped PDF lines joined, abbreviations and list items kept whole,
table rows and headings apart, in several languages; offsets exact."""

import time

import pytest

from retrieval.sentences import MAX_CHARS, readable, sentence_spans


def sentences(text):
    spans = sentence_spans(text)
    return [text[a:b] for a, b in spans]


def test_a_wrapped_pdf_line_is_not_a_sentence_end():
    text = (
        "The committee met in Geneva on 4 May and agreed that the\nreport would be published before the end of the\n"
        "year. A second meeting was planned."
    )
    assert [readable(s) for s in sentences(text)] == [
        "The committee met in Geneva on 4 May and agreed that the report would be published before the end of"
        " the year.",
        "A second meeting was planned.",
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Dr. Smith arrived on Dec. 20 at noon. He left e.g. by train.",
            ["Dr. Smith arrived on Dec. 20 at noon.", "He left e.g. by train."],
        ),
        (
            "Das gilt z. B. für Flüsse. Die Karte zeigt das Gelände.",
            ["Das gilt z. B. für Flüsse.", "Die Karte zeigt das Gelände."],
        ),
        (
            "Les cartes montrent le relief. Elles sont anciennes.",
            ["Les cartes montrent le relief.", "Elles sont anciennes."],
        ),
        ("東京は日本の首都です。人口は多い。", ["東京は日本の首都です。", "人口は多い。"]),
        ("See Fig. 3 for the U.S. results. They hold.", ["See Fig. 3 for the U.S. results.", "They hold."]),
    ],
    ids=["english-abbreviations", "german", "french", "japanese", "figures"],
)
def test_sentence_ends_in_several_languages(text, expected):
    assert sentences(text) == expected


def test_list_items_table_rows_and_headings_stay_apart():
    text = "Results\n1. The first item is short\n2. The second item too\n\nYear Revenue Cost\n2019 10 4\n2020 12 5"
    found = sentences(text)
    assert "Results" in found and "2019 10 4" in found and "2020 12 5" in found
    assert "1. The first item is short" in found and "2. The second item too" in found


def test_a_line_starting_with_a_number_goes_on_a_sentence_cut_at_a_comma():
    text = "The directive applies to airworthiness directive (AD)\n2018-23-51, which applies to all engines."
    assert len(sentences(text)) == 1


def test_offsets_are_exact_and_no_unit_is_over_long():
    text = "word, " * 400 + "end.\n\nNext one here."
    spans = sentence_spans(text)
    assert all(b - a <= MAX_CHARS for a, b in spans)
    assert all(text[a:b] == text[a:b].strip() and text[a:b] for a, b in spans)
    assert text[spans[-1][0] : spans[-1][1]] == "Next one here."


def test_readable_joins_hyphenated_words_and_codes():
    assert readable("it re-\nmoves the  old\nfilter") == "it removes the old filter"
    assert readable("AD 2018–\n23–51 applies") == "AD 2018–23–51 applies"


# a Federal Register page: a narrow column beside wider footnotes, so the page's usual line is
# longer than the column's; pypdf gives each line with a trailing space
TWO_WIDTHS = (
    "1 A footnote that runs across the width of the whole page, wider than one. \n"
    "2 Another footnote as wide as that one, the page's usual full line here. \n"
    "3 A third footnote of the same width as those two above it, for the page. \n"
    "4 A fourth footnote keeps the page's usual line long and wide like those. \n"
    "Background \n"
    "On March 10, 2019, a Boeing Model \n"
    "737–8 airplane operated by Ethiopian \n"
    "Airlines (Ethiopian Airlines Flight 302) \n"
    "was involved in an accident after takeoff \n"
    "from Addis Ababa Bole International \n"
    "Airport in Addis Ababa, Ethiopia, \n"
    "resulting in 157 fatalities. The accident \n"
    "is under investigation by the bureau \n"
    "with assistance from the NTSB and the \n"
    "FAA of the United States. \n"
    "Costs of Compliance \n"
    "Therefore, the FAA estimates \n"
    "the average total cost per operator to be \n"
    "$7,650 (90 work-hours × $85 per work- \n"
    "hour). \n"
)


def test_a_narrow_columns_wrap_is_joined_where_a_name_or_an_amount_runs_on():
    found = [readable(s) for s in sentences(TWO_WIDTHS)]
    assert (
        "On March 10, 2019, a Boeing Model 737–8 airplane operated by Ethiopian Airlines (Ethiopian Airlines Flight"
        " 302) was involved in an accident after takeoff from Addis Ababa Bole International Airport in Addis Ababa,"
        " Ethiopia, resulting in 157 fatalities." in found
    )
    assert (
        "The accident is under investigation by the bureau with assistance from the NTSB and the FAA of the United"
        " States." in found
    )
    assert (
        "Therefore, the FAA estimates the average total cost per operator to be $7,650 (90 work-hours × $85 per"
        " work-hour)." in found
    )
    assert "Background" in found and "Costs of Compliance" in found  # headings open no paragraph


def test_names_and_amounts_on_lines_of_their_own_stay_apart():
    listed = (
        TWO_WIDTHS
        + "The agency consulted two bodies: \nEuropean Union Aviation Safety \nTransport Canada Civil Aviation \n"
    )
    found = sentences(listed)
    assert "European Union Aviation Safety" in found and "Transport Canada Civil Aviation" in found
    statement = "Three Months Ended Six Months Ended\nApril 1,\n2023\nTotal net sales\n$94,836 $117,154\n"
    assert "Total net sales" in sentences(statement) and "$94,836 $117,154" in sentences(statement)


@pytest.mark.parametrize(
    "column, sentence",
    [
        (
            "Die Strecke zwischen beiden Städten \nwird seit 1994 von der Deutschen \n"
            "Bahn betrieben und wurde 2020 für \nZüge mit Neigetechnik ausgebaut. \n",
            "Die Strecke zwischen beiden Städten wird seit 1994 von der Deutschen Bahn betrieben und wurde 2020 für"
            " Züge mit Neigetechnik ausgebaut.",
        ),
        (
            "Le rapport a été remis en mars aux \nservices compétents de la \nCommission européenne, qui l'a \n"
            "publié au Journal officiel. \n",
            "Le rapport a été remis en mars aux services compétents de la Commission européenne, qui l'a publié au"
            " Journal officiel.",
        ),
    ],
    ids=["german-name", "french-article"],
)
def test_a_narrow_columns_wrap_runs_on_in_other_languages(column, sentence):
    page = "".join(TWO_WIDTHS.splitlines(keepends=True)[:4]) + column  # the wide footnotes, then the column
    assert sentence in [readable(s) for s in sentences(page)]


def test_a_page_of_one_long_paragraph_is_read_in_linear_time():
    # 40,000 wrapped lines and no sentence end: each line once, not the paragraph again at each
    page = "".join(f"the text goes on and on over line {k} of the River Sea\n" for k in range(40_000))
    start = time.perf_counter()
    assert sentence_spans(page)
    assert time.perf_counter() - start < 20.0  # about 1 s on 2 cores; rescanning the paragraph was minutes
