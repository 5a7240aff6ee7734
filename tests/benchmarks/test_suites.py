"""The peer suites' scorer, without an LLM: numbers within 1% after units, lists as sets, refusals."""
import pytest

from benchmarks.suites.mmlongbench import Question, value_right


def question(answer: str, kind: str) -> Question:
    return Question("0001", "a.pdf", "Financial report", "q?", answer, kind, [3], "tune")


@pytest.mark.parametrize("answer, kind, text, right", [
    ("1577", "Int", "Capital expenditure was $1,577 million in FY2018.", True),
    ("0.96", "Float", "The quick ratio is 0.965.", True),
    ("12.5%", "Float", "Margins rose to 12.4% last year.", True),
    ("12.5%", "Float", "Margins rose to 14% last year.", False),
    ("['Paris', 'Lyon']", "List", "Offices in Lyon and in Paris.", True),
    ("['Paris', 'Lyon']", "List", "Offices in Paris.", False),
    ("0.5", "List", "Half of it: 0.5 of the shares.", True),  # a "list" of one value, as the suite has
    ("Less well-off", "Str", "They see it as less well-off than now.", True),
], ids=["int", "float-1pct", "percent", "percent-wrong", "list", "list-missing", "list-of-one", "string"])
def test_values_are_scored_by_kind(answer, kind, text, right):
    assert value_right(question(answer, kind), text, True, [3]) is right


def test_an_unanswerable_question_is_right_only_refused_with_nothing_cited():
    q = question("Not answerable", "None")
    assert value_right(q, "The document does not say.", True, [])
    assert not value_right(q, "The document does not say.", True, [4])
    assert not value_right(q, "Revenue was $5 million.", True, [4])
