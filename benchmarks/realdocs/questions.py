"""The real-document questions, written by reading the documents (benchmarks/realdocs/docs).

Each: (id, document, question, accepted answers, pages holding the answer, type[, evidence]).
`match`: "any" accepted answer in the reply (normalised: case, width, dashes, digit grouping);
"all" for lists (every item); "keywords" for summaries (at least 3 of them, no repeated
sentence). Unanswerable questions have no answers: the right reply says the document does not
answer and cites nothing. `evidence`: for single-page text files, a phrase of the answering
sentence (the page alone cannot tell a right citation from a wrong one).

Split: every third question of each document (ids ending in 3, 6, 9, 12) is the check set,
kept out of tuning; the rest is the tune set.
"""
from dataclasses import dataclass, field

DOCS = {
    "dpr-paper.pdf": "research paper (EMNLP 2020, 13 pages)",
    "war-and-peace.txt": "long book, plain text (Project Gutenberg, ~800K tokens)",
    "irs-irm-2-3-59.pdf": "technical manual (IRS, 400 pages)",
    "federal-register-2020-17221.pdf": "government / legal text (Federal Register, 15 pages)",
    "ca-warn-report.pdf": "table-heavy report (California WARN, 16 pages)",
    "databases-talk-slides.pdf": "slide deck (EuroPython 2025, 53 slides)",
    "geotopo-de.pdf": "non-English: German lecture notes (117 pages)",
    "rust-book-ch08-09.md": "Markdown (The Rust Programming Language, ch. 8-9)",
}


@dataclass(frozen=True)
class Question:
    id: str
    doc: str
    question: str
    answers: tuple[str, ...]
    pages: tuple[int, ...]
    type: str  # fact, number, date, table, list, two-hop, summary, unanswerable
    evidence: str = ""
    match: str = field(default="any")

    @property
    def split(self) -> str:
        return "check" if int(self.id.rsplit("-", 1)[1]) % 3 == 0 else "tune"

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def q(id, doc, question, answers, pages, type, evidence="", match=None):
    match = match or {"list": "all", "summary": "keywords"}.get(type, "any")
    return Question(id, doc, question, tuple(answers), tuple(pages), type, evidence, match)


QUESTIONS = [
    # -- research paper ------------------------------------------------------------------------
    q("dpr-01", "dpr-paper.pdf", "How many passages did splitting Wikipedia into 100-word blocks produce?",
      ["21,015,324"], [4], "number"),
    q("dpr-02", "dpr-paper.pdf", "Which Wikipedia dump was used as the source documents?",
      ["Dec. 20, 2018", "December 20, 2018"], [4], "date"),
    q("dpr-03", "dpr-paper.pdf", "How many questions per second can DPR process with the FAISS in-memory index?",
      ["995"], [7], "number"),
    q("dpr-04", "dpr-paper.pdf", "What batch size was the main DPR model trained with?", ["128"], [5], "number"),
    q("dpr-05", "dpr-paper.pdf", "What value of the BM25 parameter b was used?", ["0.4"], [5], "number"),
    q("dpr-06", "dpr-paper.pdf", "How long does building the FAISS index on 21 million vectors take on a single server?",
      ["8.5 hours"], [7], "number"),
    q("dpr-07", "dpr-paper.pdf", "What is the dimension d of the encoder output?", ["768"], [3], "number"),
    q("dpr-08", "dpr-paper.pdf", "On which CPU was the passage retrieval speed profiled?",
      ["Xeon CPU E5-2698 v4", "E5-2698"], [7], "fact"),
    q("dpr-09", "dpr-paper.pdf", "Which five QA datasets are used in the experiments?",
      ["Natural Questions", "TriviaQA", "WebQuestions", "TREC", "SQuAD"], [4], "list"),
    q("dpr-10", "dpr-paper.pdf", "How many test questions does the dataset whose questions were mined from real Google "
      "search queries have?", ["3,610"], [4], "two-hop"),
    q("dpr-11", "dpr-paper.pdf", "Under which software license was the DPR code released?", [], [], "unanswerable"),
    q("dpr-12", "dpr-paper.pdf", "What is this paper about?",
      ["dense", "retrieval", "passage", "BM25", "question answering", "encoder"], [1], "summary"),
    # -- long book, plain text -----------------------------------------------------------------
    q("wp-01", "war-and-peace.txt", "In what month and year does the story open?", ["July, 1805", "July 1805"], [1],
      "date", "It was in July, 1805, and the speaker"),
    q("wp-02", "war-and-peace.txt", "Who was the first to arrive at Anna Pavlovna's reception?",
      ["Prince Vasili Kuragin", "Vasili Kuragin", "Prince Vasili"], [1], "fact", "who was the first to arrive at her reception"),
    q("wp-03", "war-and-peace.txt", "Between which hours did Anna Pavlovna invite her guests?", ["7 and 10"], [1],
      "number", "between 7 and 10"),
    q("wp-04", "war-and-peace.txt", "Which new word was used only by the elite in St. Petersburg?", ["grippe"], [1],
      "fact", "grippe being then a new word in St. Petersburg"),
    q("wp-05", "war-and-peace.txt", "Whose son is Pierre?", ["Cyril Vladimirovich Bezukhov", "Count Bezukhov", "Bezukhov"],
      [1], "fact", "Cyril Vladimirovich Bezukhov's son"),
    q("wp-06", "war-and-peace.txt", "What did Prince Andrew see above him when he fell on his back?", ["sky"], [1], "fact",
      "Above him there was now nothing but the sky"),
    q("wp-07", "war-and-peace.txt", "How old must Platon Karataev have been, judging by his stories?", ["fifty"], [1],
      "number", "Platon Karataev must have been fifty"),
    q("wp-08", "war-and-peace.txt", "Within what distance was the chief action of the battle of Borodino fought?",
      ["seven thousand feet"], [1], "number", "The chief action of the battle of Borodino was fought within the seven"),
    q("wp-09", "war-and-peace.txt", "In what year was Pierre born?", [], [], "unanswerable"),
    q("wp-10", "war-and-peace.txt", "What is this book about?",
      ["war", "Napoleon", "Moscow", "Pierre", "Andrew", "Natasha", "Russia"], [1], "summary"),
    # -- technical manual, 400 pages -----------------------------------------------------------
    q("irs-01", "irs-irm-2-3-59.pdf", "Where are the accounts of the Business Master File located?",
      ["Martinsburg"], [7, 8], "fact"),
    q("irs-02", "irs-irm-2-3-59.pdf", "What is the weekly cut-off time for BMFOLB requests?",
      ["5:00 pm Wednesday", "5:00 pm"], [9], "date"),
    q("irs-03", "irs-irm-2-3-59.pdf", "Who signed this manual transmittal as Chief Information Officer?",
      ["Nancy Sieger"], [1], "fact"),
    q("irs-04", "irs-irm-2-3-59.pdf", "The IRM of which date is superseded by this one?",
      ["December 20, 2021"], [1], "date"),
    q("irs-05", "irs-irm-2-3-59.pdf", "How many years of retention data are in on-line status?", ["seven"], [7, 8], "number"),
    q("irs-06", "irs-irm-2-3-59.pdf", "What does message CFOL007 say?",
      ["RECOVERABLE RETENTION REGISTER PROBLEM"], [11], "fact"),
    q("irs-07", "irs-irm-2-3-59.pdf", "Who is responsible for maintenance of the command codes?",
      ["Applications Development"], [7], "fact"),
    q("irs-08", "irs-irm-2-3-59.pdf", "Which transaction does run 160-26 create?", ["TC008"], [9], "fact"),
    q("irs-09", "irs-irm-2-3-59.pdf", "What does the BMFOL definer code Z display?", ["Audit history"], [11], "table"),
    q("irs-10", "irs-irm-2-3-59.pdf", "On the IRC 965 Liability Schedule screen, what percentage is the deferral "
      "installment on line 13?", ["15%"], [399], "table"),
    q("irs-11", "irs-irm-2-3-59.pdf", "What is the telephone number of the User Support Desk?", [], [], "unanswerable"),
    q("irs-12", "irs-irm-2-3-59.pdf", "What is this manual about?",
      ["BMFOL", "BMFOR", "Business Master File", "command code", "IDRS", "screen", "display"], [1, 7], "summary"),
    # -- government / legal --------------------------------------------------------------------
    q("fr-01", "federal-register-2020-17221.pdf", "By what date must the FAA receive comments on the proposed AD?",
      ["September 21, 2020"], [1], "date"),
    q("fr-02", "federal-register-2020-17221.pdf", "How many fatalities resulted from the Lion Air Flight 610 accident?",
      ["189"], [2], "number"),
    q("fr-03", "federal-register-2020-17221.pdf", "How many airplanes of U.S. registry does the proposed AD affect?",
      ["73"], [5], "number"),
    q("fr-04", "federal-register-2020-17221.pdf", "What hourly labor rate does the FAA use in its cost estimates?",
      ["$85"], [5, 6], "number"),
    q("fr-05", "federal-register-2020-17221.pdf", "From which airport did Ethiopian Airlines Flight 302 take off?",
      ["Addis Ababa Bole International Airport", "Bole International"], [2], "fact"),
    q("fr-06", "federal-register-2020-17221.pdf", "What is the docket number of this rulemaking?",
      ["FAA-2020-0686"], [1], "fact"),
    q("fr-07", "federal-register-2020-17221.pdf", "Which airworthiness directive does the FAA propose to supersede?",
      ["2018-23-51"], [1], "fact"),
    q("fr-08", "federal-register-2020-17221.pdf", "Who is the contact for further information?", ["Ian Won"], [1], "fact"),
    q("fr-09", "federal-register-2020-17221.pdf", "What is the total cost on U.S. operators of the AOA sensor system test?",
      ["$248,200"], [6], "table"),
    q("fr-10", "federal-register-2020-17221.pdf", "How many passengers were aboard Ethiopian Airlines Flight 302?", [], [],
      "unanswerable"),
    q("fr-11", "federal-register-2020-17221.pdf", "Summarize what this proposed AD would require.",
      ["flight control computer", "Airplane Flight Manual", "MAX display system", "wire routing", "angle of attack",
       "operational readiness flight", "software"], [1], "summary"),
    # -- table-heavy report --------------------------------------------------------------------
    q("warn-01", "ca-warn-report.pdf", "How many employees were affected by the Hudsloan Enterprises closure in Los Angeles?",
      ["265"], [9], "table"),
    q("warn-02", "ca-warn-report.pdf", "In which city did Odwalla Inc. report a layoff?", ["Dinuba"], [13], "table"),
    q("warn-03", "ca-warn-report.pdf", "How many employees did Yahoo! Inc. lay off in Sunnyvale?", ["127"], [13], "table"),
    q("warn-04", "ca-warn-report.pdf", "How many employees were affected at The Ritz-Carlton, Lake Tahoe?", ["253"], [13],
      "table"),
    q("warn-05", "ca-warn-report.pdf", "In which city did TaylorMade Golf Company report a layoff?", ["Carlsbad"], [1], "table"),
    q("warn-06", "ca-warn-report.pdf", "How often is this WARN report updated?", ["bi-weekly", "10th and 25th"], [1], "fact"),
    q("warn-07", "ca-warn-report.pdf", "How many employees in total does the report count?", ["53,454"], [16], "table"),
    q("warn-08", "ca-warn-report.pdf", "In which cities did Suchman, LLC report closures or layoffs?",
      ["Modesto", "Fresno", "Vacaville", "Folsom", "Camarillo", "Milpitas", "Gilroy", "Ontario", "Tulare"], [9], "list"),
    q("warn-09", "ca-warn-report.pdf", "How many employees did Google report in this WARN report?", [], [], "unanswerable"),
    q("warn-10", "ca-warn-report.pdf", "What period does this WARN report cover?",
      ["07/01/2015 - 03/25/2016", "07/01/2015"], [1], "date"),
    # -- slide deck ----------------------------------------------------------------------------
    q("db-01", "databases-talk-slides.pdf", "When was this talk given?", ["18th July 2025"], [1], "date"),
    q("db-02", "databases-talk-slides.pdf", "In what year did Codd publish \"A Relational Model of Data for Large Shared "
      "Data Banks\"?", ["1970"], [4], "date"),
    q("db-03", "databases-talk-slides.pdf", "What was SQL originally called?", ["SEQUEL"], [6], "fact"),
    q("db-04", "databases-talk-slides.pdf", "Which five shapes of database does the talk cover?",
      ["Relational", "Columnar", "Document", "Key Value", "Graph"], [2, 50], "list"),
    q("db-05", "databases-talk-slides.pdf", "Which database is the talk's example of a columnar database?",
      ["ClickHouse"], [20, 50], "fact"),
    q("db-06", "databases-talk-slides.pdf", "What is OpenSearch backed by?", ["Apache Lucene", "Lucene"], [28], "fact"),
    q("db-07", "databases-talk-slides.pdf", "Which query language does Neo4J have?", ["Cypher"], [46], "fact"),
    q("db-08", "databases-talk-slides.pdf", "Under which license is the talk's key value example database released?",
      ["BSD"], [34], "two-hop"),
    q("db-09", "databases-talk-slides.pdf", "How many people attended the talk?", [], [], "unanswerable"),
    q("db-10", "databases-talk-slides.pdf", "Which kinds of data suit a columnar database?",
      ["Log data", "Sensor data", "Time series"], [19], "list"),
    # -- German lecture notes (asked in German, and once in English) ---------------------------
    q("geo-01", "geotopo-de.pdf", "In welchem Semester wurde dieses Skript geschrieben?",
      ["Wintersemester 2013/2014"], [2], "date"),
    q("geo-02", "geotopo-de.pdf", "Was kostet das Skript in A5 mit Ringbindung?", ["10 Euro"], [2], "number"),
    q("geo-03", "geotopo-de.pdf", "Auf wessen Vorlesung basiert das Skript?", ["Herrlich"], [2], "fact"),
    q("geo-04", "geotopo-de.pdf", "Wie lange wurde das Parallelenproblem nicht gelöst?", ["2000 Jahre"], [68], "number"),
    q("geo-05", "geotopo-de.pdf", "In welchem Buch kann man den Beweis des Satzes von Gauß-Bonnet nachlesen?",
      ["Elementare Differentialgeometrie"], [102], "fact"),
    q("geo-06", "geotopo-de.pdf", "Wie heißt die in Abbildung 1.9 dargestellte Kurve?", ["Hilbert-Kurve"], [22], "fact"),
    q("geo-07", "geotopo-de.pdf", "Wer hat durch viele Verbesserungsvorschläge zum Skript beigetragen?",
      ["Jérôme Urhausen", "Urhausen"], [2], "fact"),
    q("geo-08", "geotopo-de.pdf", "Auf wen geht der Satz von der Gebietstreue zurück?", ["Brouwer"], [28], "fact"),
    q("geo-09", "geotopo-de.pdf", "Wie viele Studierende besuchten die Vorlesung?", [], [], "unanswerable"),
    q("geo-10", "geotopo-de.pdf", "Who wrote these lecture notes?", ["Martin Thoma"], [1, 2], "fact"),
    q("geo-11", "geotopo-de.pdf", "Worum geht es in diesem Skript?",
      ["Topologie", "Geometrie", "Mannigfaltigkeit", "Fundamentalgruppe", "Krümmung", "topologisch"], [4], "summary"),
    # -- Markdown ------------------------------------------------------------------------------
    q("rust-01", "rust-book-ch08-09.md", "Which hashing function does HashMap use by default?", ["SipHash"], [1], "fact",
      "uses a hashing function called _SipHash_"),
    q("rust-02", "rust-book-ch08-09.md", "How many bytes does it take to encode \"Здравствуйте\" in UTF-8?", ["24"], [1],
      "number", "answer is 24"),
    q("rust-03", "rust-book-ch08-09.md", "What do you add to Cargo.toml to abort on panic?", ["panic = 'abort'"], [1],
      "fact", "adding `panic = 'abort'` to the appropriate"),
    q("rust-04", "rust-book-ch08-09.md", "Which environment variable makes a panic print a backtrace?", ["RUST_BACKTRACE"],
      [1], "fact", "we can set the `RUST_BACKTRACE` environment"),
    q("rust-05", "rust-book-ch08-09.md", "What is a String a wrapper over?", ["Vec<u8>"], [1], "fact",
      "A `String` is a wrapper over a `Vec<u8>`"),
    q("rust-06", "rust-book-ch08-09.md", "What would &\"hi\"[0] return if it were valid code that returned the byte value?",
      ["104"], [1], "number", "it would return `104`, not `h`"),
    q("rust-07", "rust-book-ch08-09.md", "What does SipHash provide resistance to?",
      ["denial-of-service", "DoS"], [1], "fact", "resistance to denial-of-service (DoS) attacks"),
    q("rust-08", "rust-book-ch08-09.md", "What are the three relevant ways to look at strings from Rust's perspective?",
      ["bytes", "scalar values", "grapheme clusters"], [1], "list", "three relevant ways to"),
    q("rust-09", "rust-book-ch08-09.md", "In which Rust version was HashMap added to the standard library?", [], [],
      "unanswerable"),
    q("rust-10", "rust-book-ch08-09.md", "Summarize what this text says about error handling.",
      ["panic", "Result", "recoverable", "unrecoverable", "unwrap", "expect"], [1], "summary"),
]
