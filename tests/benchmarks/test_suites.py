"""The peer suites' scorer, without an LLM: numbers within 1% after units, lists as sets, refusals."""

import pytest

from benchmarks.suites.mmlongbench import Question, value_right


def question(answer: str, kind: str) -> Question:
    return Question("0001", "a.pdf", "Financial report", "q?", answer, kind, [3], "tune")


@pytest.mark.parametrize(
    "answer, kind, text, right",
    [
        ("1577", "Int", "Capital expenditure was $1,577 million in FY2018.", True),
        ("0.96", "Float", "The quick ratio is 0.965.", True),
        ("12.5%", "Float", "Margins rose to 12.4% last year.", True),
        ("12.5%", "Float", "Margins rose to 14% last year.", False),
        ("['Paris', 'Lyon']", "List", "Offices in Lyon and in Paris.", True),
        ("['Paris', 'Lyon']", "List", "Offices in Paris.", False),
        ("0.5", "List", "Half of it: 0.5 of the shares.", True),  # a "list" of one value, as the suite has
        ("Less well-off", "Str", "They see it as less well-off than now.", True),
    ],
    ids=["int", "float-1pct", "percent", "percent-wrong", "list", "list-missing", "list-of-one", "string"],
)
def test_values_are_scored_by_kind(answer, kind, text, right):
    assert value_right(question(answer, kind), text, True, [3]) is right


def test_an_unanswerable_question_is_right_only_refused_with_nothing_cited():
    q = question("Not answerable", "None")
    assert value_right(q, "The document does not say.", True, [])
    assert not value_right(q, "The document does not say.", True, [4])
    assert not value_right(q, "Revenue was $5 million.", True, [4])


def test_docugami_values_leave_out_dates_years_forms_and_the_hundred_of_a_percentage():
    from benchmarks.suites.docugami import distinctive_values

    answer = (
        "For the three months ended July 1, 2023, Apple's Q3 2023 10-Q shows Services of 21,213 million of "
        "81,797 million: (21,213 / 81,797) * 100 = 25.93%, up 8%. SOURCE(S): 2023 Q3 AAPL.pdf"
    )
    assert distinctive_values(answer) == ["21,213", "81,797", "25.93"]


def test_docugami_evidence_pages_print_the_most_values_as_numbers_of_their_own():
    from benchmarks.suites.docugami import evidence_pages
    from retrieval import load_document

    pages = load_document(
        "\f".join(
            ["Services 21,213 and total 81,797.", "Services 21,213 only.", "Not 121,2130 nor 21,213.5 here.", "nothing"]
        )
    ).pages
    assert evidence_pages(["21,213", "81,797"], pages) == [1]
    assert evidence_pages(["9,999"], pages) == []


@pytest.mark.parametrize(
    "gold, reply, kind, right",
    [
        ("The gross margin was $36,413 million.", "Gross margin | 36,413 | 35,885", "value", True),
        ("Segments: 2,856 and 416 million.", "Gaming revenue was $2,856 million.", "value", True),  # half of them
        ("Segments: 2,856, 416 and 1,200 million.", "Gaming revenue was $2,856 million.", "value", False),
        ("No, there were none.", "No significant acquisitions were reported.", "yes/no", True),
        ("Yes, 102,673,000 shares.", "The Company repurchased 102,673,000 shares.", "yes/no", False),
    ],
)
def test_docugami_replies_are_scored_by_kind(gold, reply, kind, right):
    from benchmarks.suites.common import Reply
    from benchmarks.suites.docugami import Question as DocugamiQuestion
    from benchmarks.suites.docugami import scored
    from retrieval import load_document

    question = DocugamiQuestion("001", "a.pdf", "single-chunk", "Table", "What was it?", gold, "check")
    result = scored(question, Reply(text=reply), load_document("x").pages, [], cold=False)
    assert (result.scored_as, result.right) == (kind, right)
