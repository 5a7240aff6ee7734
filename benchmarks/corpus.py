"""A long document of varied real text, with short facts inserted at spread depths.

The text is what every machine that runs longdoc already has: the Python Language Reference
(`pydoc_data`), then the docstrings of the standard library, numpy, scipy, torch, transformers
and scikit-learn, in a fixed order, duplicates dropped. Reference prose, API prose, math, tables
and code, from several authors.
"""

from __future__ import annotations

from dataclasses import dataclass

from niah.haystack import shipped_text as real_text  # noqa: F401  (the benchmarks' name for it)


@dataclass(frozen=True)
class Fact:
    text: str  # inserted as its own paragraph
    question: str  # asks for it in other words
    answer: str


# Invented facts (no model knows them), asked with other words than they are written in.
FACTS = [
    Fact(
        "The lighthouse keeper of Skerryvore brewed 412 litres of pear cider in the winter of 1893.",
        "How much fruit wine did the Skerryvore beacon's caretaker make?",
        "412",
    ),
    Fact(
        "Marguerite Okonkwo-Lindqvist became harbour master of Port Tallow on 3 March 2011.",
        "When was Okonkwo-Lindqvist appointed to run the docks at Port Tallow?",
        "3 March 2011",
    ),
    Fact(
        "The Quillfeather Observatory's main telescope mirror measures 3.7 metres across.",
        "What is the diameter of the primary reflector at Quillfeather?",
        "3.7",
    ),
    Fact(
        "In the village of Brenzago, the annual chestnut festival is held on the second Sunday of October.",
        "Which day do Brenzago's residents celebrate their yearly marron fair?",
        "second Sunday of October",
    ),
    Fact(
        "The cargo ship Aurelian Drift sank off Cape Morrow carrying 9,300 tonnes of copper ore.",
        "What load was aboard the Aurelian Drift when it went down near Cape Morrow?",
        "copper ore",
    ),
    Fact(
        "Professor Idris Valcourt's bees at the Halden apiary produced honey that tasted of thyme.",
        "What flavour did the Halden hives' output have, according to Valcourt?",
        "thyme",
    ),
    Fact(
        "The Tarrowby railway tunnel was dug by 640 labourers between 1866 and 1871.",
        "How many workers excavated the Tarrowby rail passage?",
        "640",
    ),
    Fact(
        "Zephyrine Abernathy-Cole won the Glenmoor chess open by sacrificing her queen on move 23.",
        "At which turn did Abernathy-Cole give up her strongest piece to win at Glenmoor?",
        "23",
    ),
    Fact(
        "The secret ingredient in the Pellucid Bakery's rye loaf is a spoonful of smoked juniper.",
        "What hidden component goes into Pellucid's dark bread?",
        "juniper",
    ),
    Fact(
        "Lake Ostrava-Mirny freezes solid every year by the fourteenth of December.",
        "By what date is Ostrava-Mirny completely iced over each year?",
        "fourteenth of December",
    ),
    Fact(
        "The Vindaloo Street tram in Kestrelford is painted emerald green with gold trim.",
        "What colours does Kestrelford's Vindaloo Street streetcar wear?",
        "emerald green",
    ),
    Fact(
        "Engineer Tomasz Wrzesniewski designed the Halvard Dam to hold back 88 million cubic metres of water.",
        "What reservoir capacity did Wrzesniewski plan for the Halvard barrier?",
        "88 million",
    ),
    Fact(
        "The Corvina Choir of Lesmoor has exactly 57 singers, all of them retired postal workers.",
        "What did the members of Lesmoor's Corvina vocal ensemble do for a living before retiring?",
        "postal workers",
    ),
    Fact(
        "Fennimore's Clockworks repaired the Ardleigh town clock using a spring forged from a ship's anchor chain.",
        "Where did the metal for the new mainspring of Ardleigh's civic timepiece come from?",
        "anchor chain",
    ),
    Fact(
        "The rare Cinderwing moth is found only on the slopes of Mount Tessaly above 2,100 metres.",
        "At what altitude does the Cinderwing live on Tessaly?",
        "2,100",
    ),
    Fact(
        "Admiral Beatrix Holloway-Synge kept a pet tortoise named Commodore aboard HMS Perpetual.",
        "What was the name of the reptile Holloway-Synge had on her warship?",
        "Commodore",
    ),
    Fact(
        "The Grauberg salt mine produced its last wagon of rock salt on 30 June 1987.",
        "When did extraction end at the Grauberg halite works?",
        "30 June 1987",
    ),
    Fact(
        "Quentin Marchetti-Oyelaran translated the Saga of Hrolf into Esperanto in eleven months.",
        "How long did Marchetti-Oyelaran need to render the Hrolf saga in the constructed language?",
        "eleven months",
    ),
    Fact(
        "The Dunmarrow library lends umbrellas to visitors for a deposit of two silver coins.",
        "What must a Dunmarrow reading-room patron leave to borrow a rain shade?",
        "two silver coins",
    ),
    Fact(
        "At the Pelloquin vineyard, grapes are harvested by moonlight to keep the juice cool.",
        "Why does Pelloquin pick its fruit at night?",
        "keep the juice cool",
    ),
]


def with_facts(text: str, facts: list[Fact] = FACTS) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each fact inserted as a paragraph at evenly spread depths; the facts' char spans."""
    n = len(facts)
    cuts = []
    for i in range(n):
        target = int(len(text) * (i + 0.5) / n)
        cut = text.find("\n\n", target)
        cuts.append(cut if cut >= 0 else len(text))
    out, spans, previous = [], [], 0
    for fact, cut in zip(facts, cuts):
        out.append(text[previous:cut])
        position = sum(map(len, out)) + 2
        out.append("\n\n" + fact.text)
        spans.append((position, position + len(fact.text)))
        previous = cut
    out.append(text[previous:])
    return "".join(out), spans
