"""Needle tasks (RULER's variants, no LLM judge): what is hidden, what is asked, how it is scored.

- single: one key-value needle.
- multikey: the needle among distractor needles of the same form with other keys; an answer
  that gives a distractor's value as well does not count.
- multivalue: one key holds several values; the score is the share of them given.
- multiquery: several keys, all asked at once; the share of their values given.
- chain: two hops; the first needle names a person, the second gives that person's value.

Beside the tasks, the needles of the benchmarks and tests: `fact` (ten sentence shapes),
`chain` of another shape, and `access_code` (the model-level needle benchmark).

The needle of the cell's depth is the first one; the others go at depths drawn from the seed.
Keys are invented words and values random numbers, so no model knows them.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

SYLLABLES = "ka lo ven dra mir tes so bel qua rin dor ap fen gri hal mon zu pel tor wy".split()
OTHERS = 3  # distractors (multikey), extra values (multivalue), extra keys (multiquery)


@dataclass(frozen=True)
class Trial:
    needles: tuple[str, ...]  # needles[0] goes at the cell's depth
    question: str
    expected: tuple[str, ...]  # values the answer must hold
    forbidden: tuple[str, ...] = ()  # values it must not hold (distractors)


def word(rng: random.Random, syllables: int = 3) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def number(rng: random.Random) -> str:
    return str(rng.randint(1_000_000, 9_999_999))


def distinct(make, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        if (item := make()) not in out:
            out.append(item)
    return out


def magic(key: str, value: str) -> str:
    return f"The special magic number for {key} is {value}."


def ask(key: str) -> str:
    return f"What is the special magic number for {key}?"


def single(rng: random.Random) -> Trial:
    key, value = word(rng), number(rng)
    return Trial((magic(key, value),), ask(key), (value,))


def multikey(rng: random.Random) -> Trial:
    keys, values = distinct(lambda: word(rng), OTHERS + 1), distinct(lambda: number(rng), OTHERS + 1)
    return Trial(tuple(map(magic, keys, values)), ask(keys[0]), (values[0],), tuple(values[1:]))


def multivalue(rng: random.Random) -> Trial:
    key, values = word(rng), distinct(lambda: number(rng), OTHERS + 1)
    return Trial(
        tuple(magic(key, v) for v in values), f"What are all the special magic numbers for {key}?", tuple(values)
    )


def multiquery(rng: random.Random) -> Trial:
    keys, values = distinct(lambda: word(rng), OTHERS + 1), distinct(lambda: number(rng), OTHERS + 1)
    return Trial(tuple(map(magic, keys, values)), " ".join(map(ask, keys)), tuple(values))


def chain(rng: random.Random, kind: int = 0) -> Trial:
    """Two facts: the first names a person, the second gives that person's value; asked through
    the first. `kind` picks the sentence shapes (the niah task uses the first)."""
    place, person, value = word(rng), f"{word(rng, 2)} {word(rng)}", number(rng)
    if kind % 2 == 0:
        return Trial(
            (
                f"The courier assigned to the {place} archive is {person}.",
                f"{person} keeps a locker shut with the combination {value}.",
            ),
            f"What is the locker combination of the courier assigned to the {place} archive?",
            (value,),
        )
    dish = word(rng)
    return Trial(
        (f"The {place} expedition was led by {person}.", f"The favourite dish of {person} is a stew called {dish}."),
        f"What is the favourite dish of the person who led the {place} expedition?",
        (dish,),
    )


def fact(rng: random.Random, kind: int) -> Trial:
    """One fact in one of ten sentence shapes (`kind`), asked in other words than it is written in."""
    place, person, other = word(rng), f"{word(rng, 2)} {word(rng)}", word(rng)
    value = str(rng.randint(1000, 99999))
    hour = f"{rng.randint(5, 11)}:{rng.choice(['05', '15', '25', '35', '45', '55'])}"
    colour, metal = (
        rng.choice(["amber", "violet", "teal", "crimson", "ochre"]),
        rng.choice(["tin", "copper", "zinc", "nickel"]),
    )
    shapes = [
        (
            f"The vault code for the {place} branch office is {value}.",
            f"Which code opens the vault at the {place} branch?",
            value,
        ),
        (f"{person} keeps a tortoise named {other} in the garden.", f"What is the name of {person}'s tortoise?", other),
        (
            f"The ferry to {place} island leaves the harbour at {hour} every morning.",
            f"At what time does the {place} ferry depart?",
            hour,
        ),
        (f"{person} was born in the mountain town of {other}.", f"Where was {person} born?", other),
        (
            f"The {place} observatory recorded {value} meteors during the winter survey.",
            f"How many meteors did the {place} observatory count in the winter survey?",
            value,
        ),
        (
            f"The front door of the {place} lighthouse is painted {colour}.",
            f"What colour is the door of the {place} lighthouse?",
            colour,
        ),
        (
            f"The bells of {place} cathedral were cast from {metal} mined nearby.",
            f"Which metal was used to cast the {place} cathedral bells?",
            metal,
        ),
        (f"{person} wrote the novel {other} during a long winter at sea.", f"Which novel did {person} write?", other),
        (
            f"The {place} bakery sells {value} loaves of rye bread every Saturday.",
            f"How many rye loaves does the {place} bakery sell on a Saturday?",
            value,
        ),
        (
            f"The password for the {place} wireless network is {other}{value[:2]}.",
            f"What is the wireless password at {place}?",
            f"{other}{value[:2]}",
        ),
    ]
    text, question, expected = shapes[kind % len(shapes)]
    return Trial((text,), question, (expected,))


def access_code(rng: random.Random) -> Trial:
    """The needle of the model-level needle benchmark and test: a city office's access code."""
    city = rng.choice(["Lisbon", "Oslo", "Nairobi", "Lima", "Hanoi", "Quito", "Tunis", "Perth", "Kyoto", "Riga"])
    value = str(rng.randint(10000, 99999))
    return Trial(
        (f"The secret access code for the {city} office is {value}.",),
        f"What is the secret access code for the {city} office?",
        (value,),
    )


TASKS = {"single": single, "multikey": multikey, "multivalue": multivalue, "multiquery": multiquery, "chain": chain}


def trial(task: str, seed: int, length: int, depth: float) -> Trial:
    """The trial of one cell: the same for every target and setting with the same seed."""
    return TASKS[task](random.Random(f"{seed}|{task}|{length}|{depth}"))


def other_depths(trial_: Trial, seed: int, length: int, depth: float) -> list[float]:
    """Depths (percent) of the needles after the first, drawn from the seed."""
    rng = random.Random(f"{seed}|depths|{length}|{depth}")
    return [round(rng.uniform(0, 100), 1) for _ in trial_.needles[1:]]


def normalize(text: str) -> str:
    """Casefolded words and numbers, single-spaced; digit groups joined ("1,234,567" -> "1234567")."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"(?<=\d)[,\s'’_](?=\d{3}\b)", "", text)
    return " ".join(re.findall(r"\w+", text))


def score(output: str, t: Trial) -> float:
    """Share of the expected values found as whole words in the output; 0 if a forbidden one is."""
    said = f" {normalize(output)} "
    if any(f" {normalize(v)} " in said for v in t.forbidden):
        return 0.0
    return sum(f" {normalize(v)} " in said for v in t.expected) / len(t.expected)
