"""What a question is before any rule reads it: bounded in length, split when it holds several.

Every rule over a question's text runs after `checked` (a 1 MB question never reaches a regex),
and the ones here are linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import EmptyQuestionError, QuestionTooLongError, TooManyQuestionsError
from .operations import NAMED

MAX_QUESTION_CHARS = 4_000  # about 1,000 tokens: long instructions fit, a pasted document does not
MAX_SUB_QUESTIONS = 8  # questions asked at once, each a full answer of the model's time
QUESTION_END = re.compile(r"(?<=[?？])")  # the place after each question mark: a split in one pass


# A question whose answer is calculated from values (a ratio, a change, a growth rate, a margin, an
# average, a share of a whole, A minus B; a sum: operations.NAMED): en, de, fr, es. "changes in
# debt structure" (plural) asks for a description, not a number.
COMPUTES = re.compile(
    r"\b(?:ratio|margin|growth|average|mean|difference|percentage (?:change|increase|decrease|of)|change (?:in|from)"
    r"|what (?:per ?cent|share|proportion) of|prozentsatz|anteil\w*|pourcentage|proportion|porcentaje|minus|plus"
    r"|by how much|how much (?:more|less|higher|lower)|(?:increase|decrease|grow|rise|fall)[sd]? by"
    r"|\w*(?:verhältnis|wachstum|durchschnitt|differenz|veränderung|rendite)\w*|\w+quote|marge|um wie viel"
    r"|taux|croissance|moyenne|différence|variation|de combien"
    r"|tasa|margen|crecimiento|promedio|diferencia|variación|cuánto (?:más|menos))\b",
    re.I,
)


def computes(question: str) -> bool:
    """Whether answering `question` means calculating from values of the document."""
    return COMPUTES.search(question) is not None or NAMED["total"].search(question) is not None  # a sum of values


# an answer opening with one of these affirms or denies the question itself (en, de, fr, es)
YES_NO = re.compile(r"^\W*(?:yes|no|ja|nein|oui|non|sí|si)\b[\s,.;:!-]*", re.I)


def checked(question) -> str:
    """`question` if it is a string worth asking and short enough to read; else a typed error."""
    if not isinstance(question, str) or not question.strip():
        raise EmptyQuestionError("the question is empty; ask something about the document")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionTooLongError(
            f"the question is {len(question):,} characters, over the {MAX_QUESTION_CHARS:,} "
            "a question may have; shorten it (put long material in the document)"
        )
    return question


# a question that only means something after the one before it ("If so, what drove it?")
DEPENDS = re.compile(
    r"(?:and\s+)?(?:if\s+(?:so|yes|not|no)|in that case|(?:und\s+)?(?:wenn|falls)\s+(?:ja|nein|nicht)"
    r"|(?:et\s+)?si\s+(?:oui|non|c['’]est le cas)|(?:y\s+)?si\s+(?:es así|así es|no)|en caso afirmativo)\b",
    re.I,
)


def sub_questions(question: str) -> list[str]:
    """Several questions asked at once ("What is A? Where is B?"), one by one; else [question].
    Each needs three words and a question mark, and nothing may follow the last one; one that
    depends on the one before ("If so, why?") keeps them one question."""
    *asked, rest = QUESTION_END.split(question)
    parts = [part.strip() for part in asked if len(part.split()) >= 3]
    if len(parts) < 2 or rest.strip() or any(DEPENDS.match(part) for part in parts[1:]):
        return [question]
    if len(parts) > MAX_SUB_QUESTIONS:
        raise TooManyQuestionsError(f"the message asks {len(parts)} questions; ask at most {MAX_SUB_QUESTIONS} at once")
    return parts


@dataclass(frozen=True)
class Request:
    """A question as what it asks (`information`: searched for and ranked by) and how to answer it,
    which is never searched: `instruction`, the answer's form ("Answer in USD millions", "round to
    two decimal places"), and `source`, the part of the document it names as where to look ("cash
    flow statement", "Tabelle 3"), which chooses the pages read (Qwen-Agent's split of a query into
    information and instruction)."""

    information: str
    instruction: str = ""
    source: str = ""


# Sentences and clauses saying how to answer, in the languages the agent answers in. A verb that
# also asks for content ("give the name ...") counts only with the answer as its object.
FORM_SENTENCE = re.compile(
    r"^(?:please\s+|bitte\s+|veuillez\s+|por favor,?\s+)?(?:answer|respond|reply|round|express|format|assume|"
    r"(?:give|provide|report|state|present|write|return)\s+(?:your\s+|the\s+)?(?:answers?|results?|values?|numbers?|figures?)\s+"
    r"(?:in|as|to|with|rounded)\b|antworte|antworten sie|runde|runden sie|gib die antwort|geben sie die antwort|"
    r"réponds|répondez|arrondis|arrondissez|exprimez|responde|responda|redondea|redondee|exprese)\b|^请(?:用|以|保留|四舍五入)|^保留",
    re.I,
)
FORM_CLAUSE = re.compile(
    r"\(\s*(?:in|en|auf|answer in)\s[^()]{1,40}\)"  # "(in USD millions)", "(en millones)"
    r"|(?:[,;] ?)?\b(?:and\s+)?(?:please\s+)?(?:answer(?:ed)?|round(?:ed)?|express(?:ed)?|give it|gerundet"
    r"|arrondi|redondeado)\s+"
    r"(?:in|to|as|auf|à|a|en)\s[^.?!;,]{1,60}"  # ", round to two decimal places"
    r"|(?:[,;] ?)?\bin (?:percentage|percent) terms?\b",
    re.I,
)  # no leading \s*: quadratic on a run of spaces
SENTENCE = re.compile(r"[^.?!。？！\n]+[.?!。？！]*\s*|\n+")
# Where to look: a connective, then a part of the document named by a noun of document structure.
SOURCE_CUE = re.compile(
    r"\b(?:based on|on the basis of|according to|(?:as\s+)?(?:shown|reported|stated|given|presented|disclosed"
    r"|listed)\s+in|"
    r"by relying on(?:\s+the\s+(?:details|figures|numbers|data|information)(?:\s+(?:shown|given|presented"
    r"|reported))?\s+in)?|"
    r"using|from|in|laut|gemäß|basierend auf|aus|selon|d['’]après|dans|à partir d[eu]|según|de acuerdo con|a"
    r" partir de|en)\s+",
    re.I,
)
STRUCTURE = re.compile(
    r"(?:statements?|sheets?|tables?|sections?|chapters?|notes?|appendix|appendices|reports?|figures?|exhibits?|schedules?|"
    r"charts?|slides?|\w*(?:tabelle|bilanz|abschnitt|kapitel|anhang|bericht|rechnung|übersicht|abbildung)|tableaux?|bilan|"
    r"chapitre|annexe|rapport|états?|comptes?|tablas?|balance|sección|capítulo|anexo|informe|estados?|cuadros?|nota)$",
    re.I,
)
LEADING = re.compile(
    r"^(?:the|its|their|this|that|these|a|an|company['’]s|der|die|das|dem|den|des|le|la|les|l['’]|du|de la|"
    r"el|los|las|del)\s+",
    re.I,
)
GENITIVE = {"of", "des", "de", "du", "del", "der", "d'", "d’"}
AFTER_NAME = {
    "for",
    "in",
    "im",
    "at",
    "on",
    "as",
    "pour",
    "en",
    "au",
    "para",
    "für",
    "zum",
    "and",
    "und",
    "et",
    "y",
    "to",
    "about",
    "über",
    "sur",
    "sobre",
    "with",
    "mit",
    "avec",
    "con",
    "by",
    "von",
    "par",
    "por",
}
COMPOUND = re.compile(
    r"\w{3,}(?:tabelle|bilanz|abschnitt|kapitel|anhang|bericht|rechnung|übersicht)", re.I
)  # "Konzernbilanz"
NAME_WORD = re.compile(r"[^\s.,;:?!()]+")
SOURCE_WORDS = 6  # a part's name: "consolidated statements of cash flows"
# The documents themselves named as where to look ("in these quarterly reports", "in the 10-Qs",
# "in den Quartalsberichten", "dans les rapports annuels"), or the periods they cover ("over time",
# "during the reported quarters"): the whole of each document, not a part of it. Searched for, these
# words rank the pages that name the report (its certifications, its cover) or speak of time (its
# forward-looking statements) first. A report of someone ("the report of the auditors") stays.
DOCUMENTS_THEMSELVES = re.compile(
    r"[,;]?\s?\b(?:in|across|throughout|within|from|of|over|according to|based on"
    r"|as (?:reported|disclosed|stated) in)\s"
    r"(?:(?:the|these|those|this|all|each|every|both|its|their|all of the|each of the)\s)?"
    r"(?:(?:annual|quarterly|interim|half-year(?:ly)?|semi-annual|monthly|yearly|sec|financial|10-?[kq])\s){0,2}"
    r"(?:reports|filings|documents|files|10-?[kq]s|(?:annual|quarterly|interim|half-year(?:ly)?|semi-annual|yearly"
    r"|10-?[kq]) (?:report|filing)|10-?[kq] (?:report|filing)s?|10-?[kq]|report|document|filing)\b(?!\s(?:of|by)\b)"
    r"|[,;]?\s?\b(?:during|over|across|in|for|throughout)\s(?:the|these|those|all|each|every)\s"
    r"(?:(?:reported|reporting|covered|presented)\s)?(?:quarters|periods|years)\b(?!\s(?:of|ended|ending)\b)"
    r"|[,;]?\s?\b(?:over time|across (?:quarters|periods|years)|(?:from\s)?(?:quarter to quarter|period to period"
    r"|year to year)|im zeitverlauf|au fil du temps|a lo largo del tiempo)\b"
    r"|[,;]?\s?\b(?:in|aus|laut|gemäß)\s(?:den|dem|diesen|diesem|der|allen)\s"
    r"(?:quartals|jahres|geschäfts|halbjahres|zwischen)?(?:bericht(?:e|en|s)?|dokument(?:e|en)?|unterlagen)\b"
    r"|[,;]?\s?\b(?:dans|selon|d['’]après)\s(?:les|ces|le|ce|la|cette)\s(?:rapports?|documents?)"
    r"(?:\s(?:annuels?|trimestriels?|semestriels?|financiers?))?\b(?!\s(?:de|du|des)\b)"
    r"|[,;]?\s?\b(?:en|según)\s(?:los|estos|el|este|la|esta)\s(?:informes?|documentos?)"
    r"(?:\s(?:anuales?|trimestrales?|semestrales?|financieros?))?\b(?!\s(?:de|del)\b)",
    re.I,
)
# A clause after the question asking what its answer means ("..., and what might this indicate
# about their supply chain?", "und welche Folgen hat das?", "et qu'est-ce que cela implique ?"):
# inferred from what the first part finds, not looked up. Searched for, its words ("implications",
# "indicate", "supply chain management") rank pages of risks and outlooks before the figures asked
# about. A writing reader still reads the whole question; only the search leaves the clause out.
# Starts at its conjunction (no leading \s: quadratic on a run of spaces).
FOLLOW_ON = re.compile(
    r"\b(?:and|und|et|y)\s+(?:what|how|which|was|wie|welche\w*|que|qu['’]\w*|quel\w*|comment|qué|cómo"
    r"|cuál\w*)\b[^.?!;。？！]*",
    re.I,
)
INTERPRETIVE = re.compile(
    r"\b(?:implications?|repercussions?|consequences?|ramifications?|impacts?|effects?|affect|influence|indicate"
    r"|suggest|mean|imply|signal|bedeut\w*|folgen|auswirkung\w*|konsequenz\w*|implikation\w*|(?:an|hin)?deut(?:e|et|en|ete|eten|est)?"
    r"|signifi\w*|indiqu\w*|sugg[èé]r\w*|conséquences?|répercussions?|effets?|impliqu\w*|indica\w*|sugier\w*"
    r"|sugerir|implica\w*|consecuencias?|repercusi\w*|efectos?)\b",
    re.I,
)
BACK_REFERENCE = re.compile(
    r"\b(?:this|these|that|those|they|it|them|das|dies|diese[rsmn]?|sie|cela|ceci|ça|ils|elles|esto|eso|ello"
    r"|estos|estas|esos|esas)\b",
    re.I,
)
REQUEST_WORDING = re.compile(r"^\s*(?:please\s+)?(?:tell me|can you tell me|i want to know)\s*", re.I)


def request(question: str) -> Request:
    """`question` split into what it asks, how to answer and where to look (see Request)."""
    information: list[str] = []
    instruction: list[str] = []
    for match in SENTENCE.finditer(question):
        part = match.group()
        (instruction if FORM_SENTENCE.match(part.strip()) else information).append(part)
    asked = "".join(information)
    instruction += [m.group().strip(" ,;") for m in FORM_CLAUSE.finditer(asked)]
    asked = FORM_CLAUSE.sub(" ", asked)
    itself = DOCUMENTS_THEMSELVES.sub("", asked)
    if _asks_something(itself):  # else the documents are what is asked about
        asked = itself
    asked = _without_interpretation(asked)
    source, rest = _source(asked)
    if _asks_something(rest):  # else the part named is what is asked about ("What is in Table 3?")
        asked = rest
    else:
        source = ""
    asked = re.sub(r"\s+(?=[?？.!,;:])", "", " ".join(REQUEST_WORDING.sub("", asked).split())).lstrip(",;: ")
    if not asked.strip(" ?？.!"):  # all of it said how to answer: search with all of it
        return Request(" ".join(question.split()))
    return Request(asked, " ".join(" ".join(instruction).split()), source)


def _without_interpretation(text: str) -> str:
    """`text` less a clause after it asking what its answer means (FOLLOW_ON: an interpretive word,
    and a word pointing back or nothing named after it: "and what are the potential repercussions?"),
    where the rest still asks something."""
    for clause in FOLLOW_ON.finditer(text):
        said = clause.group()
        meaning = list(INTERPRETIVE.finditer(said))
        points_back = BACK_REFERENCE.search(said) or (meaning and not said[meaning[-1].end() :].strip())
        before = text[: clause.start()].rstrip(" ,")
        if meaning and points_back and _asks_something(before):
            return before + text[clause.end() :]
    return text


def _asks_something(text: str) -> bool:
    """Whether `text` still asks something once a phrase is taken out of it: three words of three letters."""
    return len(re.findall(r"\w{3,}", text)) > 2


def _source(text: str) -> tuple[str, str]:
    """(the part of the document `text` names, `text` without that phrase). A name must qualify its
    noun ("balance sheet", "Table 3"): "in the report" means the whole document. Linear: each cue
    reads at most SOURCE_WORDS + 2 words after it."""
    for cue in SOURCE_CUE.finditer(text):
        words: list[re.Match] = []
        end = cue.end()
        for word in NAME_WORD.finditer(text, cue.end()):
            if text[end : word.start()].strip() or len(words) > SOURCE_WORDS:
                break  # punctuation ends the phrase
            words.append(word)
            end = word.end()
        if words and LEADING.fullmatch(words[0].group() + " "):
            words = words[1:]
        names = [w.group() for w in words][:SOURCE_WORDS]
        ends = [i for i, word in enumerate(names) if STRUCTURE.match(word)]
        if not ends:
            continue
        last = ends[-1]
        while (
            last + 1 < len(names)
            and (names[last + 1].casefold() in GENITIVE or last > ends[-1])
            and names[last + 1].casefold() not in AFTER_NAME
        ):
            last += 1  # "statement of cash flows", "tableau des flux de trésorerie"
        while (
            last == 0
            and last + 1 < len(names) <= 3
            and not COMPOUND.fullmatch(names[0])
            and names[last + 1].casefold() not in AFTER_NAME
        ):
            last += 1  # the noun's own qualifier after it: "balance general", "Table 3"
        if last == 0 and not COMPOUND.fullmatch(names[0]):
            continue
        return " ".join(names[: last + 1]), text[: cue.start()] + " " + text[words[last].end() :]
    return "", text


# What kind of value a question asks for, from its wording; and whether a text holds one.
ASKS_NUMBER = re.compile(
    r"\bhow (?:many|much|long|far|old|big|large|high)\b|\bwhat (?:percentage|share|amount|size)\b"
    r"|\b(?:number|nummer|anzahl|numéro|nombre de|número)\b"
    r"|\bwie (?:viele?|hoch|lang|groß|alt|weit)\b|\bcombien\b|\bcu[aá]nt[oa]s?\b|多少|几[个位次]|何人|いくつ",
    re.I,
)
ASKS_DATE = re.compile(
    r"\bwhen\b|\b(?:what|which) (?:year|month|date|day)\b|\bby what date\b|\bwann\b"
    r"|\bin welchem (?:jahr|monat)\b|\bquand\b|\b(?:en )?quelle (?:année|date)\b|\bcu[aá]ndo\b"
    r"|什么时候|何时|哪一?年|いつ",
    re.I,
)
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|eins?|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|hundert|tausend|"
    r"un|deux|trois|quatre|cinq|dix|cent|mille|dos|tres|cuatro|cinco|diez|cien|mil"
)
HOLDS_NUMBER = re.compile(rf"\d|\b(?:{NUMBER_WORDS})\b|[一二三四五六七八九十百千万亿]", re.I)
MONTHS = (
    r"jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|févr(?:ier)?|mar(?:ch)?|märz|mars|apr(?:il)?|avril|may|mai|june?|juni|"
    r"juin|july?|juli|juillet|aug(?:ust)?|août|sep(?:t|tember)?|septembre|oct(?:ober)?|okt(?:ober)?|octobre|"
    r"nov(?:ember)?|novembre|dec(?:ember)?|dez(?:ember)?|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|octubre|noviembre|diciembre|spring|summer|autumn|fall|winter|frühling|sommer|herbst"
)
HOLDS_DATE = re.compile(
    rf"\b(?:1[0-9]|20)\d\d\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\b(?:{MONTHS})\b|\d+\s*[年月日]", re.I
)
# A question asking who; and a name: capitalised words in a row ("Ian Won", "Jérôme Urhausen",
# "Applications Development"), an initial between them; words in capitals ("CONTACT") are not one.
ASKS_PERSON = re.compile(r"\bwho(?:m|se)?\b|\bwe(?:r|m|n|ssen)\b|\bqui\b|\bqui[eé]n(?:es)?\b|谁|誰", re.I)
UPPER, LOWER = "A-ZÀ-ÖØ-ÞĀ-Ž", "a-zß-öø-ÿā-ž"
NAME = re.compile(rf"\b[{UPPER}][{LOWER}]+(?:\s+(?:[{UPPER}]\.\s*)?[{UPPER}][{LOWER}]+)+")
DEFINED = re.compile(rf"\s*\([{UPPER}]{{2,}}\)")  # "Confidential Business Information (CBI)": a defined term


def names_beyond(question: str, text: str) -> bool:
    """Whether `text` names someone or something by a name the question does not give."""
    given = set(re.findall(r"\w+", question.casefold()))
    return any(
        not set(match.group().casefold().split()) <= given and not DEFINED.match(text, match.end())
        for match in NAME.finditer(text)
    )


def value_kind(question: str) -> re.Pattern | None:
    """What the question asks for: a date, a number (a pattern a sentence holding one matches), or None."""
    return HOLDS_DATE if ASKS_DATE.search(question) else HOLDS_NUMBER if ASKS_NUMBER.search(question) else None
