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
- a continuation that asks a question of its own keeps it and gains the previous entity.
The words these rules read are the closed classes of English, German, French and Spanish
(pronouns, articles, question words, auxiliaries, prepositions): grammar, not a vocabulary of topics.
"""
from __future__ import annotations

import re

CONTINUATION = re.compile(
    r"^[\W_]*(?:(?:and|also|but|so|what about|how about|what of|same for|und|aber|auch|was ist mit|wie (?:ist|war|sieht) es mit"
    r"|et|mais|aussi|qu['’]en est-il|pour|y|pero|también|qué (?:hay|pasa) (?:de|con))\b[\s,:]*)+", re.I)
# the words that point back: to a thing or a group (any language's 3rd person), or to a person
# ("es" and "son" are also Spanish verbs: left out)
POINTING = frozenset("""it its they them their theirs itself themselves sein seine seinen seinem seiner seines sie
    ihr ihre ihren ihrem ihrer ihres il elle ils elles sa ses leur leurs lui eux él ella ellos ellas su sus
    there then dort damals dabei davon là alors allí ahí entonces""".split())
FORMAL = frozenset("sie ihr ihre ihren ihrem ihrer ihres".split())  # capitalised inside a question: German "you"
EXPLETIVE = re.compile(r"\b(?:(?:is|was|are|were) (?:there|it)|(?:there|it) (?:is|was|are|were|has been|have been))\b", re.I)
PERSONAL = frozenset("he him his she her hers himself herself er ihn ihm".split())
DEMONSTRATIVE = frozenset("this that these those dies das cela ça ceci eso esto".split())  # pointing only at the end
WHO = re.compile(r"^[\W_]*(?:who|whom|whose|wer|wen|wem|wessen|qui|quién|quiénes)\b", re.I)
# question words and auxiliaries: what a question opens with before its subject
OPENING = frozenset("""what which who whom how many much when where why was is were are did does do has have had
    can could will would should may might wie hoch viel viele welche welcher welches welchen was wer wann wo warum
    ist war waren sind hat hatte haben hatten wird wurde wurden kann quel quelle quels quelles combien quand où
    pourquoi qu que quoi est était étaient sont a ont avait fut été cuál cuáles cuánto cuánta cuántos cuántas qué
    cuándo dónde por es era eran son fue fueron ha han tiene tenía""".split())
ARTICLE = frozenset("the a an der die das den dem des ein eine einen le la les l un une el los las lo del".split())
# words that end a subject: prepositions, conjunctions, auxiliaries after it
SUBJECT_END = frozenset("""of in for at on by from to with as and or during between than did does do was is were are
    has have had von im in für bei am an auf aus mit zu zum zur und oder im war ist waren sind hat hatte der de du des d
    en pour à au aux par avec dans sur et ou entre del para con por y o entre sobre durante""".split())
FUNCTION = OPENING | ARTICLE | SUBJECT_END | frozenset("""me my you your we our i not no yes please tell ich mir du
    sie uns nous vous je moi yo mi tu nos""".split())
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# a period: a year, a fiscal year, a quarter or half ("FY2019", "Q3 2020", "2019/20")
PERIOD = re.compile(r"(?<![\w.,])(?:(?:FY|GJ|Q[1-4]|H[12])\s?)?(?:19|20)\d\d(?:/\d\d)?(?![\w,.]\d)|\b[QH][1-4]\b", re.I)
# a period named relative to the previous one: -1 or +1 year
EARLIER = re.compile(r"\b(?:the (?:year|period) before|the (?:previous|prior|preceding) (?:year|period)|a year (?:earlier|before)"
                     r"|(?:im |das )?vorjahr|das jahr davor|l['’]année (?:précédente|d['’]avant)|el año anterior)\b", re.I)
LATER = re.compile(r"\b(?:the (?:year|period) after|the (?:following|next) (?:year|period)|a year later"
                   r"|(?:im |das )?folgejahr|das jahr danach|l['’]année (?:suivante|d['’]après)|el año siguiente)\b", re.I)
YEAR = re.compile(r"(?<!\d)(19|20)(\d\d)(?!\d)")
# a name: capitalised words (joined by "of", "de", "&"...), not the question's first word
NAME = re.compile(r"(?<![\w'’])(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|[A-Z]{2,})(?:\s+(?:(?:of|de|del|du|von|&|and|y|et)\s+)?"
                  r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*))*")
MAX_ELLIPSIS_WORDS = 6  # "and what about the net income in 2019?": longer, it asks something of its own
ANSWER_NAME_WORDS = 40  # a who-question's answer short enough that its first name is the one meant


def depends(question: str) -> bool:
    """Whether `question` needs its conversation to be understood."""
    return bool(CONTINUATION.match(question) or _pointing(question) or not _content(question))


def standalone(question: str, previous: str, previous_answer: str = "") -> str:
    """`question` made standalone from the previous (standalone) question and its answer;
    `question` itself when it does not depend on them."""
    if not previous.strip() or not depends(question):
        return question
    rest = CONTINUATION.sub("", question, count=1).strip()
    pointing = _pointing(rest)
    short = not _asks(rest) and len(WORD.findall(rest)) <= MAX_ELLIPSIS_WORDS
    if not _content(rest) or (CONTINUATION.match(question) and short):  # "What was it in 2019?", "And the net income?"
        return _ellipsis(previous, rest, _periods(rest, previous))
    if pointing:
        referent = _referent(previous, previous_answer, person=bool(pointing & PERSONAL))
        return _with_referent(question, pointing, referent) if referent else f"{question} ({_stripped(previous)})"
    entity = _names(previous)
    return f"{question.rstrip(' ?？')} ({entity[-1]})?" if entity and not _names(rest, opening=False) else question


def _ellipsis(previous: str, rest: str, periods: list[str]) -> str:
    """The previous question with the period, name or subject `rest` names in place of its own."""
    out = previous
    named = _content(PERIOD.sub(" ", EARLIER.sub(" ", LATER.sub(" ", rest))))
    if named:
        phrase = " ".join(named)
        names = [n for n in _names(previous) if not PERIOD.fullmatch(n)]
        article = WORD.findall(rest)[0].casefold() in ARTICLE if WORD.findall(rest) else False
        subject = _subject(previous)
        if not article and (new := _names(rest, opening=False)) and names:
            out = _replace_last(out, names[-1], new[-1])
        elif subject:
            out = out.replace(subject, _subject_phrase(rest, subject) or phrase, 1)
        else:
            out = f"{_stripped(previous)}: {rest}"
    if periods:
        old = PERIOD.findall(out)
        if old:
            for before, after in zip(old[::-1], periods[::-1]):  # the last periods are the ones replaced
                out = _replace_last(out, before, after)
        else:
            out = f"{_stripped(out)} ({', '.join(periods)})?"
    return out


def _periods(rest: str, previous: str) -> list[str]:
    """The periods `rest` names, relative ones ("the year before") counted from the previous question's."""
    named = PERIOD.findall(rest)
    last = YEAR.findall(previous)
    for pattern, step in ((EARLIER, -1), (LATER, 1)):
        if pattern.search(rest) and last:
            named.append(str(int("".join(last[-1])) + step))
    return named


def _content(text: str) -> list[str]:
    """The words of `text` that are neither grammar nor pointing back."""
    return [w for w in WORD.findall(PERIOD.sub(" ", text))
            if w.casefold() not in FUNCTION and w.casefold() not in POINTING | PERSONAL | DEMONSTRATIVE]


def _pointing(text: str) -> set[str]:
    """The words of `text` that point back to the conversation."""
    text = EXPLETIVE.sub(" ", text)  # "is there a penalty", "was it possible to": nothing pointed at
    words = list(WORD.finditer(text))
    found = set()
    for k, match in enumerate(words):
        word = match.group()
        if (word.casefold() in POINTING or word.casefold() in PERSONAL) and not (k and word.casefold() in FORMAL and word[0].isupper()):
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
        name = re.sub(r"['’]s$", "", match.group().rstrip(".-"))
        if opening and first and match.start() == 0:
            name = name[len(first.group()):].strip()
        words = name.split()
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
    while end < len(words) and words[end].group().casefold() not in SUBJECT_END:
        end += 1
    if end == k or start == len(words):
        return ""
    return question[words[start].start():words[end - 1].end()]


def _subject_phrase(rest: str, subject: str) -> str:
    """The noun phrase an ellipsis names ("the net income" of "the net income in 2019"), a
    pointing word in front of it made the previous subject's article ("its net income")."""
    phrase = _subject(rest)
    first, _, tail = phrase.partition(" ")
    if first.casefold() in POINTING and tail:
        article = subject.split()[0] if subject.split()[0].casefold() in ARTICLE else ""
        return f"{article} {tail}".strip()
    return phrase


def _referent(previous: str, answer: str, person: bool) -> str:
    """What a pronoun points to: the person a who-question's answer named, else the previous
    question's last named entity, else its subject."""
    if WHO.match(previous) and (named := _names(" ".join(answer.split()[:ANSWER_NAME_WORDS]), opening=False)):
        return named[0]
    names = [n for n in _names(previous) if not PERIOD.fullmatch(n)]
    if person and not names and (named := _names(answer, opening=False)):
        return named[0]
    return names[-1] if names else _subject(previous)


def _with_referent(question: str, pointing: set[str], referent: str) -> str:
    """The first pointing word followed by its referent: "When was it (Acme Corp) founded?"."""
    for match in WORD.finditer(question):
        if match.group().casefold() in pointing:
            return f"{question[:match.end()]} ({referent}){question[match.end():]}"
    return question


def _replace_last(text: str, old: str, new: str) -> str:
    at = text.rfind(old)
    return text if at < 0 else text[:at] + new + text[at + len(old):]


def _stripped(question: str) -> str:
    return question.strip().rstrip(" ?？")
