"""`multihop`: a finding per hop, ranked from the document's sentences; what it adds is followed;
look-alikes are skipped; the stop rule and the hop limit end the loop; `auto` hands over to it
when retrieval finds no support or only the first link."""

from dataclasses import replace

import pytest

from agent import Agent
from agent.events import Progress, Token
from agent.multihop import look_alike
from retrieval import DocumentIndex, load_document

from .scripted import ScriptedBackend, filler, user

A = "The courier assigned to the Oslo archive is Dana Whitcombe."
B = "Dana Whitcombe keeps her locker shut with the combination 4417."
QUESTION = "What is the locker combination of the courier assigned to the Oslo archive?"


def chain_document(*facts):
    parts = [filler(60)]
    for n, fact in enumerate(facts):
        parts += [fact, filler(60, 60 * (n + 1))]
    return load_document("\n\n".join(parts), filename="chain.txt")


def extractive(**options):
    return Agent(ScriptedBackend("unused", window=1024), embedder=None, reader="extractive", **options)


def hops(answer) -> list[str]:
    return [s.detail for s in answer.trace.steps if s.name.startswith("hop ")]


def stop(answer) -> str:
    [step] = [s for s in answer.trace.steps if s.name == "stop"]
    return step.detail


def test_two_hops_follow_the_name_and_quote_the_chain():
    answer = extractive().ask(chain_document(A, B), QUESTION, strategy="multihop")
    assert hops(answer) == [A, B]
    assert answer.text == f"{A} {B}" and [c.quote for c in answer.citations] == [A, B]
    assert answer.supported and stop(answer)  # why it stopped is in the trace


def test_the_next_link_is_followed_even_if_an_earlier_hop_read_it():
    document = load_document("\n\n".join([filler(60), A, B, filler(60, 60)]), filename="near.txt")
    assert hops(extractive().ask(document, QUESTION, strategy="multihop")) == [A, B]


def test_a_generative_reader_writes_from_the_chain_and_cites_it():
    backend = ScriptedBackend("The combination is 4417.", window=1024)
    answer = Agent(backend, embedder=None).ask(chain_document(A, B), QUESTION, strategy="multihop")
    final = user(backend.prompts[-1])
    assert A in final and B in final and answer.text == "The combination is 4417."
    assert answer.supported and [c.quote for c in answer.citations] == [B]


def test_a_who_question_starts_from_a_sentence_naming_someone_as_rag_does():
    pointer = "Questions about the Varnholt mill sale go to the contact named in the Varnholt sale section below."
    named = "The Varnholt sale contact is Greta Olsen of the town office."
    document = load_document("\n\n".join([filler(60), f"{pointer} {named}", filler(60, 60)]), filename="sale.txt")
    answer = extractive().ask(document, "Who is the contact for the Varnholt mill sale?", strategy="multihop")
    assert hops(answer)[0] == named


def test_the_hop_limit_ends_a_long_chain():
    chain = [f"The key to box {n} is kept inside box {n + 1} of the vault." for n in range(1, 7)]
    answer = extractive().ask(chain_document(*chain), "Where is the key to box 1 kept?", strategy="multihop")
    assert 1 <= len(hops(answer)) <= 3 and hops(answer)[0] == chain[0]


def test_a_dead_end_stops_before_the_limit():
    answer = extractive().ask(chain_document(A), QUESTION, strategy="multihop")
    assert hops(answer) == [A] and "no sentence mentions what the last finding adds" in stop(answer)
    assert answer.text == A  # the one link found is the answer, cited


def test_a_look_alike_is_not_the_next_link():
    # "keeps", "shut", "locker" are in every locker line: after B only its code is new, and
    # nothing else mentions it; Omar Feld's locker line is a look-alike of B, not its next link
    look_alike_line = "Omar Feld keeps his locker shut with the combination 9021."
    answer = extractive().ask(chain_document(A, B, look_alike_line), QUESTION, strategy="multihop")
    assert hops(answer) == [A, B] and "9021" not in answer.text


def test_a_look_alike_of_the_first_finding_is_not_the_second():
    first = "The bells of Apvenbel cathedral were cast from zinc mined nearby."
    other = "The bells of Dorgriso cathedral were cast from zinc mined nearby."
    answer = extractive().ask(
        chain_document(first, other), "Which metal was used to cast the Apvenbel cathedral bells?", strategy="multihop"
    )
    assert hops(answer) == [first] and "Dorgriso" not in answer.text


def test_a_chain_from_a_look_alike_does_not_answer():
    # asked about Madrid, which the document never names: the Oslo chain is not the answer
    backend = ScriptedBackend("not found", window=1024)
    answer = Agent(backend, embedder=None).ask(
        chain_document(A, B), QUESTION.replace("Oslo", "Madrid"), strategy="multihop"
    )
    assert not answer.supported and "4417" not in answer.text


@pytest.mark.parametrize(
    "sentence, finding, follow, expected",
    [
        (
            "The bells of Dorgriso cathedral were cast from zinc mined nearby.",
            "The bells of Apvenbel cathedral were cast from zinc mined nearby.",
            {"mine"},
            True,
        ),
        ("Omar Feld keeps his locker shut with the combination 9021.", B, {"4417"}, True),
        (B, A, {"dana", "whitcomb"}, False),  # the next link
        ("Bob Jones reports to Carol White.", "Alice Smith reports to Bob Jones.", {"bob", "jone"}, False),
    ],
)
def test_look_alike_tells_a_fact_about_another_name_from_the_next_link(sentence, finding, follow, expected):
    document = load_document("\n\n".join([filler(40), sentence, finding]), filename="pair.txt")
    assert look_alike(DocumentIndex.build(document, embedder=None), sentence, finding, follow) is expected


def test_auto_hands_over_to_multihop_when_retrieval_finds_no_support():
    replies = iter(["not found", "The combination is 4417."])  # rag's answer, then multihop's
    backend = ScriptedBackend(lambda messages: next(replies), window=1024)
    events = list(Agent(backend, embedder=None).ask_stream(chain_document(A, B), QUESTION))
    answer = events[-1].answer
    assert answer.strategy == "multihop" and "did not support an answer" in answer.trace.strategy_reason
    assert answer.supported and answer.text == "The combination is 4417."
    # the abandoned attempt streamed nothing: a reader sees one answer
    assert "".join(e.text for e in events if isinstance(e, Token)).strip() == "The combination is 4417."


def test_auto_follows_a_supported_answer_that_is_only_the_first_link():
    # rag cites the courier sentence (supported), but "locker combination" is left uncovered and
    # another sentence links the courier's name to it: follow the chain
    replies = iter(["The courier is Dana Whitcombe.", "The combination is 4417."])
    backend = ScriptedBackend(lambda messages: next(replies), window=1024)
    answer = Agent(backend, embedder=None).ask(chain_document(A, B), QUESTION)
    assert answer.strategy == "multihop" and "another sentence links" in answer.trace.strategy_reason
    assert answer.text == "The combination is 4417." and [c.quote for c in answer.citations] == [B]


def test_the_extractive_reader_follows_the_chain_from_auto():
    answer = extractive().ask(chain_document(A, B), QUESTION)
    assert answer.strategy == "multihop" and answer.text == f"{A} {B}"


def test_a_complete_answer_is_not_followed():
    backend = ScriptedBackend("The combination is 4417.", window=1024)
    answer = Agent(backend, embedder=None).ask(chain_document(B), "What is Dana Whitcombe's locker combination?")
    assert answer.strategy == "rag" and len(backend.prompts) == 1


def test_an_answer_short_of_the_chains_end_is_the_chain_itself():
    backend = ScriptedBackend("The courier is Dana Whitcombe.", window=1024)
    events = list(Agent(backend, embedder=None).ask_stream(chain_document(A, B), QUESTION, strategy="multihop"))
    answer = events[-1].answer
    assert answer.text == f"{A} {B}" and [c.quote for c in answer.citations] == [A, B]
    assert "stops before the chain's end" in answer.trace.strategy_reason
    said = [e for e in events if isinstance(e, Progress) and e.stage == "strategy"]
    assert said and "chain's sentences" in said[-1].detail  # streamed: a new answer follows
    assert [e.text for e in events if isinstance(e, Token)][-1] == f"{A} {B}"


@pytest.mark.slow
def test_the_real_model_follows_a_two_hop_chain():
    from benchmarks.corpus import real_text

    text = real_text(40_000)[:40_000]
    cut = text.find("\n\n", 20_000)
    document = load_document("\n\n".join([text[:cut], A, text[cut:], B]), filename="chain.txt")
    answer = Agent(embedder=None).ask(document, QUESTION)
    assert answer.strategy == "multihop"  # auto: rag named the courier, the chain goes on
    assert "4417" in answer.text and any(c.quote == B for c in answer.citations)


def test_a_chain_that_finds_no_support_keeps_rags_answer(monkeypatch):
    from agent import strategies
    from agent.events import Answer, Citation, Done

    cited = Citation(1, "1", A, 0, len(A))

    def attempt(text, supported):
        def run(job):
            yield Token(text)
            yield Done(
                Answer(text, [cited] if supported else [], "rag" if supported else "multihop", job.trace, supported)
            )

        return run

    rag, multihop = strategies.REGISTRY["rag"], strategies.REGISTRY["multihop"]
    monkeypatch.setitem(strategies.REGISTRY, "rag", replace(rag, answer=attempt("Dana Whitcombe.", True)))
    chain = replace(multihop, answer=attempt("not found", False), follows=lambda job, first: "a chain may go on")
    monkeypatch.setitem(strategies.REGISTRY, "multihop", chain)
    events = list(
        Agent(ScriptedBackend("unused", window=1024), embedder=None).ask_stream(chain_document(A, B), QUESTION)
    )
    answer = events[-1].answer
    assert answer.strategy == "rag" and answer.supported and "rag's answer kept" in answer.trace.strategy_reason
    assert [e.text for e in events if isinstance(e, Token)] == ["Dana Whitcombe."]  # one answer shown
