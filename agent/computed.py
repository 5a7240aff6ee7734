"""Computed answers (generative reader): the model names the values it needs from the passages and
writes the calculation over them; where the question names an operation the values settle (an
average, a total, a growth, a change, a share: operations.py) the agent writes it over the listed
values instead. The calculation is evaluated here (arithmetic.py, never by the model), every number
in it must stand in a passage (each cited where it stands), and a number the passages lack means
no answer, not a guess.

    "What was the quick ratio?" -> "(1,636 + 3,188) / 5,038 = 0.958", citing the three rows.
"""

from __future__ import annotations

import re
import time

from .arithmetic import evaluate
from .citations import NOT_FOUND, locate
from .errors import ExpressionError
from .grounding import (
    calculation_over_names,
    grounded,
    numbers_as_values,
    one_cell_twice,
    same_number,
    table_rows,
    tables_named,
)
from .job import Job
from .notation import NUMBER, notation_of
from .operations import calculation, listed_values
from .prompts import computation_messages
from .writer import write

# a run of numbers, operators and parentheses: "= (32,136 - 31,657) / 31,657 * 100 = 1.44%" holds two,
# the calculation and the model's own result; the calculation is the last run with an operator
ARITHMETIC_RUN = re.compile(r"[-+*/×÷−()\d][-+*/×÷−().,\d \t]*")
OPERATION = re.compile(r"[\d)]\s*[-+*/×÷−]\s*[\d(]")
CONSTANTS = {str(n) for n in range(1, 13)} | {"100", "1000", "1,000"}  # "/ 2", "* 100": not values to cite
NOT_COMPUTED = "The document does not say (not found): the passages lack a value the calculation needs"


def answer(job: Job, passages, about=None):
    """Stream the model's reply, then (text, citations): the calculation with its value and the
    citation of each number, or the reply as an ordinary answer when it holds no calculation."""
    reply, citations = yield from write(job, passages, computation_messages(passages, job.question), about=about)
    if NOT_FOUND.search(reply) and 0 < len(named := tables_named(job.question, passages)) < len(passages):
        # a small model gives up among many passages: asked again over the tables the question names
        passages = named
        reply, citations = yield from write(job, passages, computation_messages(passages, job.question), about=about)
    start = time.perf_counter()
    if NOT_FOUND.search(reply):
        return reply, citations
    notation = notation_of(job.document.text)  # "13.115" is 13115 in a German report
    runs = [run.strip() for run in ARITHMETIC_RUN.findall(reply) if OPERATION.search(run)]
    rows = table_rows(passages)
    # the model's own calculation, over numbers or over the rows' names
    written = runs[-1] if runs else calculation_over_names(reply, job.question, rows)
    named = listed_values(reply) or numbers_as_values(_values_in(written), rows, notation)
    values = grounded(job.question, named, rows, notation)
    if twice := one_cell_twice(named, values):
        job.step("compute", start, detail=f"refused: {twice[0].number} and {twice[1].number} are one cell")
        return f"{NOT_COMPUTED}: {twice[0].number} and {twice[1].number} stand for one cell of the table.", []
    # the operation the question names over the grounded values; else the model's calculation over them
    expression = calculation(job.question, values, notation) or _regrounded(written, named, values, notation)
    if expression is None:
        return reply, citations
    numbers = list(NUMBER.finditer(expression))
    plain = expression
    for number in reversed(numbers):  # each number as Python writes it, in the document's notation
        plain = plain[: number.start()] + repr(notation.value(number.group())) + plain[number.end() :]
    try:
        value = evaluate(plain)
    except ExpressionError as error:
        job.step("compute", start, detail=f"refused: {error}")
        return f"{NOT_COMPUTED} (the calculation {expression!r} was refused: {error}).", []
    cited = []
    for token in dict.fromkeys(n.group() for n in numbers if n.group() not in CONSTANTS):
        written = notation.shown(notation.value(token))  # "4512" stands in the table as "4.512"
        where = _citation(job, passages, token) or _citation(job, passages, written)
        if where is None:
            return f"{NOT_COMPUTED}: {token} is in none of them.", []
        cited.append(where)
    job.step("compute", start, detail=f"{plain} = {value!r}")
    return f"{expression} = {notation.shown(value)}", sorted(set(cited), key=lambda c: c.char_start)


def _citation(job: Job, passages, number: str):
    """The line of a passage where `number` stands as a number of its own (not inside a longer one)."""
    pattern = re.compile(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)")
    for passage in passages:
        if (found := pattern.search(passage.text)) is None:
            continue
        first = passage.text.rfind("\n", 0, found.start()) + 1
        last = passage.text.find("\n", found.end()) % (len(passage.text) + 1)  # -1 (no newline): the end
        line = passage.text[first:last]
        citation = locate(job.document, passage.page, line, (passage.char_start + first, passage.char_start + last))
        if citation is not None:
            return citation
    return None


def _values_in(expression: str | None) -> list[str]:
    """The numbers of a calculation that are values (not its constants), each once."""
    numbers = NUMBER.findall(expression or "")
    return list(dict.fromkeys(n for n in numbers if n not in CONSTANTS))


def _regrounded(expression: str | None, named: list, values: list, notation) -> str | None:
    """The model's calculation with each value it named replaced by its grounded one, in order."""
    if expression is None or len(named) != len(values):
        return expression
    unused = list(range(len(named)))

    def grounded_number(match: re.Match) -> str:
        same = [i for i, value in enumerate(named) if same_number(value.number, match.group(), notation)]
        i = next((i for i in same if i in unused), same[-1] if same else None)
        if i is None:
            return match.group()
        if i in unused:
            unused.remove(i)
        return values[i].number

    return NUMBER.sub(grounded_number, expression)
