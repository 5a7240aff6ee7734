"""The computed-answers benchmark's scorer: a reply's value read in its document's notation, a
percentage also as a fraction, a refusal for what the documents cannot answer."""

from benchmarks.computed import QUESTIONS, is_right

BY_ID = {q.id: q for q in QUESTIONS}


def test_values_are_read_in_the_documents_notation():
    assert is_right(BY_ID["italien-wachstum"], "(4.512 - 4.105) / 4.105 * 100 = 9,91")
    assert not is_right(BY_ID["italien-wachstum"], "(4.512 - 4.105) / 4.105 * 100 = 991")
    assert is_right(BY_ID["regionen-summe"], "13.115 + 6.054 + 4.512 + 3.606 = 27.287")
    assert is_right(BY_ID["croissance-ca"], "(84 560 - 79 210) / 79 210 * 100 = 6,75")


def test_a_percentage_as_a_fraction_and_a_decrease_as_a_positive_change_are_right():
    assert is_right(BY_ID["gross-margin"], "18,366 / 48,210 * 100 = 38.1")
    assert is_right(BY_ID["gross-margin"], "18,366 / 48,210 = 0.381")
    assert not is_right(BY_ID["gross-margin"], "(48,210 - 45,372) / 45,372 = 0.0625")
    assert is_right(BY_ID["debt-decrease"], "(7,450 - 7,900) / 7,900 * 100 = -5.7")
    assert not is_right(BY_ID["net-income-change"], "(5,431 - 4,612) / 4,612 = 0.178")  # a change is not a rate


def test_what_the_documents_lack_must_be_refused():
    assert is_right(BY_ID["goodwill-ratio"], "The document does not say (not found): it never mentions goodwill.")
    assert not is_right(BY_ID["goodwill-ratio"], "(8,050 - 7,185) / 7,185 * 100 = 12.04")
    assert not is_right(BY_ID["opex-total"], "not found.")
