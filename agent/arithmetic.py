"""Arithmetic a model writes over values it read, evaluated safely: numbers, + - * / ( ) and unary
minus, nothing else. Parsed with `ast` (never `eval`/`exec`); names, calls, attributes, powers,
lambdas and anything else are refused; the text, the tree's size and depth and every intermediate
value are bounded, so no expression can run long or grow huge.

    evaluate("(1,636 + 3,188) / 5,038")  ->  0.9575...
"""

from __future__ import annotations

import ast
import math
import re

from .errors import ExpressionError

MAX_CHARS = 400
MAX_NODES = 200
MAX_DEPTH = 32  # parentheses nested deeper than any real formula
MAX_MAGNITUDE = 1e18  # past any amount a document reports
DIGIT_GROUPS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # "1,636" -> "1636", but "f(1,2)" stays refused
OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def evaluate(expression: str) -> float:
    """The value of `expression`; raises ExpressionError saying why it is refused."""
    if not isinstance(expression, str) or not expression.strip():
        raise ExpressionError("no expression")
    if len(expression) > MAX_CHARS:
        raise ExpressionError(f"the expression has {len(expression):,} characters, over {MAX_CHARS}")
    text = DIGIT_GROUPS.sub("", expression.strip().replace("−", "-").replace("×", "*").replace("÷", "/"))
    if text.count("(") > MAX_DEPTH:  # before parsing: the parser itself recurses on nesting
        raise ExpressionError(f"parentheses nested past {MAX_DEPTH}")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"not an arithmetic expression ({type(error).__name__})") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"the expression has over {MAX_NODES} parts")
    return _value(tree.body, 0)


def _value(node: ast.AST, depth: int) -> float:
    if depth > MAX_DEPTH:
        raise ExpressionError(f"nested past {MAX_DEPTH}")
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = float(node.value)  # type: ignore[arg-type]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand, depth + 1)
        value = -inner if isinstance(node.op, ast.USub) else inner
    elif isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _value(node.left, depth + 1), _value(node.right, depth + 1)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ExpressionError("division by zero")
        value = OPERATORS[type(node.op)](left, right)
    else:
        raise ExpressionError(f"{type(node).__name__} is not allowed: only numbers, + - * / and parentheses")
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise ExpressionError("a value past any amount a document reports")
    return value
