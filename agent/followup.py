"""A follow-up question made standalone by rules, from the conversation's previous question (itself
made standalone) and answer: the way of a reader that cannot write (the extractive one), and
the check that decides whether a question needs its conversation at all (a new topic is asked
as it was typed, by either reader).

A follow-up depends on its conversation when it opens with a continuation ("and ...", "what
about ...", "und ...", "et ...", "¿y ...?"), refers back with a pronoun ("its", "they", "sie",
"son", "su") or asks nothing of its own ("In 2019?"). Then, in order:
- an ellipsis ("And in 2019?", "What about the net income?", "Und Siemens?") is the previous
  question with what it names put in place of its period, its subject or its named entity;
- a pronoun gets its referent beside it in parentheses ("When was it (Acme Corp) founded?"):
  the person a who-question's answer named, else the previous question's named entity or subject;
  none when the document read mentions that all through ("DPR" in the paper on DPR): it would
  narrow nothing and pull the search to the sentences that name it;
- a continuation that asks a question of its own keeps it and gains the previous entity.
The words these rules read are the closed classes of English, German, French and Spanish
(pronouns, articles, question words, auxiliaries, prepositions): grammar, not a vocabulary of topics.
"""

from __future__ import annotations

import re

CONTINUATION = re.compile(
    r"^[\W_]*(?:(?:and|also|but|so|what about|how about|what of|same for|und|aber|auch|was ist mit|wie (?:ist"
    r"|war|sieht) es mit"
    r"|et|mais|aussi|qu['’]en est-il|pour|y|pero|también|qué (?:hay|pasa) (?:de|con))\b[\s,:]*)+",
    re.I,
)
# the words that point back: to a thing or a group (any language's 3rd person), or to a person
# ("es" and "son" are also Spanish verbs: left out)
POINTING = frozenset(
    """it its they them their theirs itself themselves sein seine seinen seinem seiner seines sie
    ihr ihre ihren ihrem ihrer ihres il elle ils elles sa ses leur leurs lui eux él ella ellos ellas su sus
    there then dort damals dabei davon dazu darin darauf daran dafür darüber là alors allí ahí entonces""".split()
)
FORMAL = frozenset("sie ihr ihre ihren ihrem ihrer ihres".split())  # capitalised inside a question: German "you"
EXPLETIVE = re.compile(
    r"\b(?:(?:is|was|are|were) there|there (?:is|are|was|were|has been|have been)"
    r"|(?:is|was) it (?:\w+ ){0,2}?(?:to|that)|it (?:is|was) (?:\w+ ){0,2}?(?:to|that))\b",
    re.I,
)
PERSONAL = frozenset("he him his she her hers himself herself er ihn ihm".split())
# never a person: a thing, a place, a time
NEUTER = frozenset(
    """it its itself there then dort damals dabei davon dazu darin darauf daran dafür darüber là alors
    allí ahí entonces""".split()
)
DEMONSTRATIVE = frozenset("this that these those dies das cela ça ceci eso esto".split())  # pointing only at the end
WHO = re.compile(r"^[\W_]*(?:who|whom|whose|wer|wen|wem|wessen|qui|quién|quiénes)\b", re.I)
# question words and auxiliaries: what a question opens with before its subject
OPENING = frozenset(
    """what which who whom how many much when where why was is were are did does do has have had
    can could will would should may might wie hoch viel viele welche welcher welches welchen was wer wann wo warum
    ist war waren sind hat hatte haben hatten wird wurde wurden kann quel quelle quels quelles combien quand où
    pourquoi qu que quoi est était étaient sont a ont avait fut été cuál cuáles cuánto cuánta cuántos cuántas qué
    cuándo dónde por es era eran son fue fueron ha han tiene tenía""".split()
)
ARTICLE = frozenset(
    """the a an this that these those der die das den dem des ein eine einen dieser diese dieses le la
    les l un une ce cette ces el los las lo del este esta estos estas""".split()
)  # and the demonstratives
# words that end a subject: prepositions, conjunctions, auxiliaries after it
SUBJECT_END = frozenset(
    """of in for at on by from to with as and or during between than did does do was is were are
    has have had about after before over under into through against across within without per
    von im in für bei am an auf aus mit zu zum zur und oder im war ist waren sind hat hatte der de du des d
    über unter nach vor gegen durch ohne seit
    en pour à au aux par avec dans sur et ou entre del para con por y o entre sobre durante
    après avant sous contre sans depuis tras ante bajo contra sin desde""".split()
)
# nouns naming the value a question asks for ("the docket number of the rule"): a pronoun later
# points to what the value is of, never to the value itself
VALUE = frozenset(
    """number name date year amount value figure total count title address
    nummer name datum jahr betrag wert zahl titel adresse
    numéro nom date année montant valeur chiffre total titre adresse
    número nombre fecha año importe valor cifra total título dirección""".split()
)
OF = re.compile(r"\s+(?:of|von|des|der|de la|de los|de las|de|du|del)\s+", re.I)
FUNCTION = (
    OPENING
    | ARTICLE
    | SUBJECT_END
    | frozenset(
        """me my you your we our i not no yes please tell ich mir du
    sie uns nous vous je moi yo mi tu nos""".split()
    )
)
WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
POSSESSIVE = re.compile(r"['’]s$")
ABBREVIATION = re.compile(r"(?<![\w.])[A-Z][a-z]{1,3}\.$")  # "Inc.", "Corp." keep their point; a sentence's goes
# a period: a year, a fiscal year, a quarter or half ("FY2019", "Q3 2020", "2019/20")
PERIOD = re.compile(r"(?<![\w.,])(?:(?:FY|GJ|Q[1-4]|H[12])\s?)?(?:19|20)\d\d(?:/\d\d)?(?![\w,.]\d)|\b[QH][1-4]\b", re.I)
# a period named relative to the previous one: -1 or +1 year
EARLIER = re.compile(
    r"\b(?:the (?:year|period) before|the (?:previous|prior|preceding) (?:year|period)|a year (?:earlier|before)"
    r"|(?:im |das )?vorjahr|das jahr davor|l['’]année (?:précédente|d['’]avant)|el año anterior)\b",
    re.I,
)
LATER = re.compile(
    r"\b(?:the (?:year|period) after|the (?:following|next) (?:year|period)|a year later"
    r"|(?:im |das )?folgejahr|das jahr danach|l['’]année (?:suivante|d['’]après)|el año siguiente)\b",
    re.I,
)
YEAR = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")
# a name: capitalised words (joined by "of", "de", "&"...), not the question's first word
NAME = re.compile(
    r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’.!&-]*(?:\s+(?:(?:of|de|del|du|von|&|and|y|et)\s+)?"
    r"(?:[A-ZÀ-ÖØ-Þ][\w'’.!&-]*|(?!(?:19|20)\d\d\b)\d[\d-]*\b))*"
)  # "Flight 302", not "AG 2018"
SUBJECT_WORDS = 4  # "research and development expense" is the longest subject taken whole
MAX_ELLIPSIS_WORDS = 8  # "and from the Ethiopian Airlines Flight 302 accident?": longer, it says something of its own
ANSWER_NAME_WORDS = 40  # a who-question's answer short enough that its first name is the one meant


def depends(question: str) -> bool:
    """Whether `question` needs its conversation to be understood."""
    return bool(CONTINUATION.match(question) or _pointing(question) or not _content(question))


def standalone(question: str, previous: str, previous_answer: str = "", everywhere=None) -> str:
    """`question` made standalone from the previous (standalone) question and its answer;
    `question` itself when it does not depend on them. `everywhere(referent)`: whether the
    document read mentions the referent throughout, so that naming it narrows nothing."""
    if not previous.strip() or not depends(question):
        return question
    rest = CONTINUATION.sub("", question, count=1).strip()
    pointing = _pointing(rest)
    short = not _asks(rest) and len(WORD.findall(rest)) <= MAX_ELLIPSIS_WORDS
    if not _content(rest) or (CONTINUATION.match(question) and short):  # "What was it in 2019?", "And the net income?"
        return _ellipsis(previous, rest, _periods(rest, previous))
    if pointing:
        referent = _referent(previous, previous_answer, person=bool(pointing & PERSONAL), thing=pointing <= NEUTER)
        if referent and everywhere is not None and everywhere(referent):
            return question  # what all of the document is about ("DPR" in the paper on DPR): nothing to add
        return _with_referent(question, pointing, referent) if referent else f"{question} ({_stripped(previous)})"
    entity = _names(previous)
    return f"{question.rstrip(' ?？')} ({entity[-1]})?" if entity and not _names(rest, opening=False) else question


def _ellipsis(previous: str, rest: str, periods: list[str]) -> str:
    """The previous question with the period, name or subject `rest` names in place of its own:
    a phrase sharing a word with it takes that phrase's place ("nine months" for "three months"),
    names take the places of its names, else the phrase becomes its subject ("the net income"
    for "the revenue"), unless a preposition opens it ("in the same quarter"): a circumstance."""
    out = previous
    if _content(rest):
        words = WORD.findall(rest)
        circumstance = bool(words) and words[0].casefold() in SUBJECT_END and words[0].casefold() not in ARTICLE
        phrase = _phrase(rest)
        # a lowercase article before it: a common noun ("der Gewinn"), not a name ("The Ritz-Carlton")
        common = bool(phrase) and any(w.group() in ARTICLE for w in WORD.finditer(rest[: phrase[0].start()]))
        out = (
            _aligned(previous, rest)
            or (None if common else _renamed(previous, rest))
            or (previous if circumstance else _resubjected(previous, rest))
            or f"{_stripped(previous)}: {rest}"
        )
    if periods:
        old = PERIOD.findall(out)
        if old:
            for before, after in zip(old[::-1], periods[::-1]):  # the last periods are the ones replaced
                out = _replace_last(out, before, after)
        else:
            out = f"{_stripped(out)} ({', '.join(periods)})?"
    return out


def _phrase(text: str) -> list[re.Match]:
    """The noun phrase `text` names: its words after a leading preposition, article or pointing
    word, up to the next grammar word or period."""
    words = [w for w in WORD.finditer(text) if not PERIOD.fullmatch(w.group())]
    k = 0
    while k < len(words) and (words[k].group().casefold() in FUNCTION or words[k].group().casefold() in POINTING):
        k += 1
    end = k
    while end < len(words) and words[end].group().casefold() not in FUNCTION:
        end += 1
    return words[k:end]


def _aligned(previous: str, rest: str) -> str | None:
    """`previous` with the phrase of `rest` in place of the one it shares a word with, aligned on
    that word: "parameter k1" replaces "parameter b", "Lisbon office" replaces "Porto office"."""
    new = _phrase(rest)
    old = [w for w in WORD.finditer(previous)]
    for i, word in enumerate(new):
        for j, there in enumerate(old):
            if there.group().casefold() != word.group().casefold() or word.group().casefold() in FUNCTION:
                continue
            first, last = j - i, j - i + len(new) - 1
            # a grammar word in the way ends it; a capital is a label there ("Class A shares")
            if first < 0 or last >= len(old) or any(old[k].group() in FUNCTION for k in range(first, last + 1)):
                return None
            replaced = " ".join(w.group() for w in new)
            return previous[: old[first].start()] + replaced + previous[old[last].end() :]
    return None


def _renamed(previous: str, rest: str) -> str | None:
    """`previous` with the names of `rest` in place of its own, the last for the last."""
    new = _names(rest, opening=False)
    old = [n for n in _names(previous) if not PERIOD.fullmatch(n)]
    if not new or not old:
        return None
    out = previous
    for before, after in zip(old[::-1], new[::-1]):
        out = _replace_last(out, before, after)
    return out


def _resubjected(previous: str, rest: str) -> str | None:
    """`previous` with the phrase of `rest` as its subject."""
    subject = _subject(previous)
    phrase = " ".join(w.group() for w in _phrase(rest))
    if not subject or not phrase:
        return None
    lead = subject.split()[0]
    # the subject's article or possessor stays ("the revenue" -> "the net income",
    # "Apple's revenue" -> "Apple's net income")
    kept = lead if lead.casefold() in ARTICLE or POSSESSIVE.search(lead) else ""
    return previous.replace(subject, f"{kept} {phrase}".strip(), 1)


def _periods(rest: str, previous: str) -> list[str]:
    """The periods `rest` names, relative ones ("the year before") counted from the previous question's."""
    named = PERIOD.findall(rest)
    last = YEAR.findall(previous)
    for pattern, step in ((EARLIER, -1), (LATER, 1)):
        if pattern.search(rest) and last:
            named.append(str(int("".join(last[-1])) + step))
    return named


def own_words(text: str) -> list[str]:
    """What `text` asks of its own: its periods and the words that are neither grammar nor pointing back."""
    return PERIOD.findall(text) + _content(text)


def _content(text: str) -> list[str]:
    """The words of `text` that are neither grammar nor pointing back."""
    return [
        w
        for w in WORD.findall(PERIOD.sub(" ", EARLIER.sub(" ", LATER.sub(" ", text))))
        if w.casefold() not in FUNCTION and w.casefold() not in POINTING | PERSONAL | DEMONSTRATIVE
    ]


def _pointing(text: str) -> set[str]:
    """The words of `text` that point back to the conversation."""
    text = EXPLETIVE.sub(" ", text)  # "is there a penalty", "was it possible to": nothing pointed at
    words = list(WORD.finditer(text))
    found = set()
    for k, match in enumerate(words):
        word = match.group()
        if (word.casefold() in POINTING or word.casefold() in PERSONAL) and not (
            k and word.casefold() in FORMAL and word[0].isupper()
        ):
            found.add(word.casefold())
    if words and words[-1].group().casefold() in DEMONSTRATIVE:  # "What caused that?"; not "the ship that sank"
        found.add(words[-1].group().casefold())
    return found


def _asks(text: str) -> bool:
    """Whether `text` opens with a question word or verb of its own ("who audited it?")."""
    words = WORD.findall(text)
    return bool(words) and words[0].casefold() in OPENING and words[0].casefold() not in ARTICLE


def _names(text: str, opening: bool = True) -> list[str]:
    """Named entities: capitalised runs, less the grammar words and (`opening`: `text` is a
    whole question) its first word, capitalised as any sentence's."""
    body = text.lstrip(" ¿¡\"'([")
    first = WORD.match(body)
    out = []
    for match in NAME.finditer(body):
        name = match.group() if ABBREVIATION.search(match.group()) else match.group().rstrip(".-")
        name = POSSESSIVE.sub("", name)
        words = name.split()
        if opening and first and match.start() == 0:  # the question's own capital, and grammar after it
            words = words[1:]
            while words and words[0].casefold() in FUNCTION:
                words = words[1:]
        if words and not all(w.casefold() in FUNCTION for w in words):
            out.append(" ".join(words))
    return out


def _subject(question: str) -> str:
    """What the question asks about, as written after its opening: "the revenue" of "What was
    the revenue of Acme in 2018?", "employees" of "How many employees did Acme have?"."""
    words = list(WORD.finditer(question))
    k = 0
    while k < len(words) and words[k].group().casefold() in OPENING:
        k += 1
    start = k
    if k < len(words) and words[k].group().casefold() in ARTICLE:
        k += 1
    end = k
    while end < len(words) and words[end].group().casefold() not in FUNCTION and end - k < SUBJECT_WORDS:
        end += 1
    if end == k or start == len(words):
        return ""
    return question[words[start].start() : words[end - 1].end()]


def _referent(previous: str, answer: str, person: bool, thing: bool) -> str:
    """What a pronoun points to: the person a who-question's answer named (unless it points at a
    thing), else the previous question's last named entity, else its subject."""
    if (
        not thing
        and WHO.match(previous)
        and (named := _names(" ".join(answer.split()[:ANSWER_NAME_WORDS]), opening=False))
    ):
        return named[0]
    names = [n for n in _names(previous) if not PERIOD.fullmatch(n)]
    if person and not names and (named := _names(answer, opening=False)):
        return named[0]
    return names[-1] if names else _possessor(previous) or _subject(previous)


def _possessor(question: str) -> str:
    """What the question's subject is a value of: "this rulemaking" of "What is the docket number
    of this rulemaking?"; "" when the subject is not a value ("the revenue of Acme")."""
    subject = _subject(question)
    if not subject or subject.split()[-1].casefold() not in VALUE:
        return ""
    after = question[question.find(subject) + len(subject) :]
    of = OF.match(after)
    # the phrase after "of", read as the subject of a question asking for it
    return _subject("what is " + after[of.end() :].rstrip(" ?？.!")) if of else ""


def _with_referent(question: str, pointing: set[str], referent: str) -> str:
    """The first pointing word followed by its referent: "When was it (Acme Corp) founded?"."""
    for match in WORD.finditer(question):
        if match.group().casefold() in pointing:
            return f"{question[: match.end()]} ({referent}){question[match.end() :]}"
    return question


def _replace_last(text: str, old: str, new: str) -> str:
    at = text.rfind(old)
    return text if at < 0 else text[:at] + new + text[at + len(old) :]


def _stripped(question: str) -> str:
    return question.strip().rstrip(" ?？")
