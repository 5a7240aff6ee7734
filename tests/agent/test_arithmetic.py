"""The safe evaluator of a model's arithmetic: plain arithmetic over numbers, everything else refused
quickly, whatever the expression tries."""

import time

import pytest

from agent.arithmetic import MAX_DEPTH, evaluate
from agent.errors import ExpressionError


@pytest.mark.parametrize(
    "expression, value",
    [
        ("(1,636 + 3,188) / 5,038", (1636 + 3188) / 5038),  # a quick ratio, digit groups as printed
        ("-(258) - 2", -260.0),
        ("1577 - 1373", 204.0),
        ("(21213 / 81797) * 100", 21213 / 81797 * 100),
        ("12.5 × 2 − 5 ÷ 2", 22.5),  # the signs a model may copy from a document
        ("+3", 3.0),
    ],
)
def test_arithmetic_over_numbers(expression, value):
    assert evaluate(expression) == pytest.approx(value)


@pytest.mark.parametrize(
    "expression, why",
    [
        ("__import__('os').system('id')", "Call"),
        ("().__class__.__bases__[0]", "Subscript"),
        ("(1).real", "Attribute"),
        ("revenue / 2", "Name"),
        ("(lambda: 1)()", "Call"),
        ("2 ** 10", "BinOp"),  # no powers: 9 ** 9 ** 9 would never end
        ("9 ** 9 ** 9", "BinOp"),
        ("7 // 2", "BinOp"),
        ("7 % 2", "BinOp"),
        ("[1, 2]", "List"),
        ("'1' + '2'", "Constant"),
        ("True + 1", "Constant"),
        ("1j * 2", "Constant"),
        ("f(1,2)", "not an arithmetic|Call"),
        ("1 if 1 else 2", "IfExp"),
        ("1; 2", "not an arithmetic"),
        ("", "no expression"),
        ("1 / 0", "division by zero"),
        ("1e300 * 1e300", "past any amount"),
        ("1" * 500, "characters"),
        ("(" * 5000 + "1" + ")" * 5000, "characters"),
        ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), "nested"),
        ("-" * 300 + "1", "nested|parts"),
        ("+".join(["1"] * 150), "parts"),
    ],
)
def test_anything_else_is_refused_quickly(expression, why):
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match=why):
        evaluate(expression)
    assert time.perf_counter() - start < 0.5


def test_not_a_string_is_refused():
    with pytest.raises(ExpressionError):
        evaluate(None)
