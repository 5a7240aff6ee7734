"""Sentences of extracted text: wrapped PDF lines joined, abbreviations and list items kept whole,
table rows and headings apart, in several languages; offsets exact."""

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
