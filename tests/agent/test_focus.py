"""rag's focused first read: the retrieved sentences that share the question's rarest terms."""
from agent import Agent
from agent.strategies import Passage, focus
from retrieval.bm25 import BM25

from .scripted import ScriptedBackend, filler, user

BRANCHES = ["Dormirfen", "Halpelfen", "Quawymir", "Sobelhal", "Apgriqua"]


def vault(branch: str, code: int) -> str:
    return f"The vault code for the {branch} branch office is {code}."


def look_alikes() -> str:
    """Several facts of one template among filler: only the branch name tells them apart."""
    parts = [filler(3, start=10 * i) + "\n\n" + vault(b, 1000 + i) for i, b in enumerate(BRANCHES)]
    return "\n\n".join(parts)


def words(text):
    return len(text.split())


def test_focus_picks_the_sentence_naming_the_rare_term_with_its_neighbours():
    text = look_alikes()
    passage = Passage(text, 1, "1", 0, len(text))
    bm25 = BM25.build([text[i:i + 400] for i in range(0, len(text), 400)])
    spans = focus([passage], "Which code opens the vault at the Quawymir branch?", bm25, 60, words)
    assert spans and "Quawymir branch office is 1002" in spans[0].text
    assert all(text[s.char_start:s.char_end] == s.text for s in spans)  # offsets into the document
    assert sum(words(s.text) + 12 for s in spans) <= 60
    assert not any("Dormirfen" in s.text for s in spans)  # the look-alikes share only common words


def test_focus_is_off_with_no_budget_or_no_match():
    text = look_alikes()
    bm25 = BM25.build([text])
    passage = Passage(text, 1, "1", 0, len(text))
    assert focus([passage], "Which code opens the vault at Quawymir?", bm25, 0, words) == []
    assert focus([passage], "zebra xylophone?", bm25, 300, words) == []


def test_rag_answers_from_the_focused_sentences_first():
    backend = ScriptedBackend(lambda m: "The code is 1003." if "Sobelhal" in user(m) else "not found", window=2048)
    answer = Agent(backend, embedder=None, rag_budget=600, focus_budget=80).ask(
        look_alikes(), "Which code opens the vault at the Sobelhal branch?", strategy="rag")
    assert answer.supported and "1003" in answer.text and len(backend.prompts) == 1
    read = user(backend.prompts[0])
    assert "Sobelhal" in read and "Dormirfen" not in read and words(read) < 80


def test_an_unsupported_focused_answer_reads_the_chunks():
    # the focused sentences name the branch, but the reader finds the answer only with more text
    backend = ScriptedBackend(lambda m: "The code is 1003." if "Dormirfen" in user(m) else "not found", window=2048)
    answer = Agent(backend, embedder=None, rag_budget=600, focus_budget=80).ask(
        look_alikes(), "Which code opens the vault at the Sobelhal branch?", strategy="rag")
    assert len(backend.prompts) == 2 and words(user(backend.prompts[1])) > words(user(backend.prompts[0]))
    assert "focused sentences did not support" in answer.trace.strategy_reason
    assert answer.supported and any("Sobelhal" in c.quote for c in answer.citations)


def test_key_words_are_the_names_and_codes_of_the_question():
    from agent.citations import key_words

    assert key_words("Which code opens the vault at the Quawymir branch?") == ["Quawymir"]
    assert key_words("Where was Teszu Kasozu born in 1921?") == ["Teszu", "Kasozu", "1921"]
    assert key_words("Lisbon: what is the code?") == []  # the first word is capitalised anyway
    assert key_words("when was the dam finished?") == []
    assert key_words("What is Tesqua Apkaqua's tortoise called?") == ["Tesqua", "Apkaqua"]


def test_a_named_question_reads_only_sentences_naming_it_however_large_the_budget():
    text = look_alikes()
    passage = Passage(text, 1, "1", 0, len(text))
    # in a long document the template's words are rare too: nearly as rare as the names
    rest = filler(2000, start=100)
    bm25 = BM25.build([text[i:i + 400] for i in range(0, len(text), 400)] + [rest[i:i + 400] for i in range(0, len(rest), 400)])
    from retrieval.analysis import terms

    spans = focus([passage], "Which code opens the vault at the Quawymir branch office?", bm25, 2000, words,
                  names=set(terms("Quawymir")))
    assert [s for s in spans if "vault code" in s.text] == spans[:1] and len(spans) == 1
    assert "Quawymir branch office is 1002" in spans[0].text
    # a question naming nothing reads every look-alike that fits
    spans = focus([passage], "which code opens the vault at the branch office?", bm25, 2000, words)
    assert sum("vault code" in s.text for s in spans) == len(BRANCHES)


def test_hits_naming_the_asked_thing_come_first():
    from types import SimpleNamespace

    from agent.strategies import naming_first
    from retrieval.analysis import terms

    hits = [SimpleNamespace(text=vault(b, i)) for i, b in enumerate(BRANCHES)]
    ranked = naming_first(hits, set(terms("Sobelhal")))
    assert "Sobelhal" in ranked[0].text and [h.text for h in ranked[1:]] == [h.text for h in hits if "Sobelhal" not in h.text]
    assert naming_first(hits, set()) == hits
