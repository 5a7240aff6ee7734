"""What a question is before any rule reads it: bounded in length, split when it holds several.

Every rule over a question's text runs after `checked` (a 1 MB question never reaches a regex),
and the ones here are linear in its length.
"""
from __future__ import annotations

import re

from .errors import EmptyQuestionError, QuestionTooLongError, TooManyQuestionsError

MAX_QUESTION_CHARS = 4_000  # about 1,000 tokens: long instructions fit, a pasted document does not
MAX_SUB_QUESTIONS = 8  # questions asked at once, each a full answer of the model's time
QUESTION_END = re.compile(r"(?<=[?？])")  # the place after each question mark: a split in one pass


def checked(question) -> str:
    """`question` if it is a string worth asking and short enough to read; else a typed error."""
    if not isinstance(question, str) or not question.strip():
        raise EmptyQuestionError("the question is empty; ask something about the document")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(f"the question is {len(question):,} characters, over the {MAX_QUESTION_CHARS:,} "
                                   "a question may have; shorten it (put long material in the document)")
    return question


def sub_questions(question: str) -> list[str]:
    """Several questions asked at once ("What is A? Where is B?"), one by one; else [question].
    Each needs three words and a question mark, and nothing may follow the last one."""
    *asked, rest = QUESTION_END.split(question)
    parts = [part.strip() for part in asked if len(part.split()) >= 3]
    if len(parts) < 2 or rest.strip():
        return [question]
    if len(parts) > MAX_SUB_QUESTIONS:
        raise TooManyQuestionsError(f"the message asks {len(parts)} questions; ask at most {MAX_SUB_QUESTIONS} at once")
    return parts
