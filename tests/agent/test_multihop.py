"""`multihop`: a finding per hop, verified; what it adds is followed; the stop rule and the hop
limit end the loop; `auto` escalates to it when retrieval finds no support."""
import pytest

from agent import Agent
from agent.events import Progress, Token
from agent.multihop import look_alike
from agent.prompts import FINDING_SYSTEM, SYSTEM
from retrieval import load_document

from .scripted import ScriptedBackend, filler, system, user

A = "The courier assigned to the Oslo archive is Dana Whitcombe."
B = "Dana Whitcombe keeps her locker shut with the combination 4417."
QUESTION = "What is the locker combination of the courier assigned to the Oslo archive?"


def chain_document(*facts):
    parts = [filler(60)]
    for n, fact in enumerate(facts):
        parts += [fact, filler(60, 60 * (n + 1))]
    return load_document("\n\n".join(parts), filename="chain.txt")


def copier(first_line_of: dict, answer: str):
    """A reader that copies the sentence holding a key word (the first key found in the passages)."""
    def reply(messages):
        if system(messages) == FINDING_SYSTEM:
            passages = user(messages).split("Question:")[0]
            return next((sentence for key, sentence in first_line_of.items() if key in passages), "not found")
        assert system(messages) == SYSTEM
        return answer
    return reply


def test_the_next_link_is_followed_even_if_an_earlier_hop_read_it():
    # both facts in one chunk: hop 1 reads them together, hop 2 still finds the second
    backend = ScriptedBackend(copier({"Oslo": A}, "The combination is 4417."), window=1024)
    document = load_document("\n\n".join([filler(60), A, B, filler(60, 60)]), filename="near.txt")
    answer = Agent(backend, embedder=None, rag_budget=600).ask(document, QUESTION, strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop ")]
    assert hops[0].detail.endswith(A) and hops[1].detail.endswith(B)
    assert any(c.quote == B for c in answer.citations)


def test_two_hops_follow_the_name_and_answer_from_both_passages():
    backend = ScriptedBackend(copier({"Oslo": A, "4417": B}, "The combination is 4417."), window=1024)
    answer = Agent(backend, embedder=None, rag_budget=600).ask(chain_document(A, B), QUESTION, strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop")]
    assert hops[0].detail.endswith(A) and "Dana Whitcombe" in hops[1].detail
    final = user(backend.prompts[-1])
    assert A in final and B in final
    assert answer.supported and any(c.quote == B for c in answer.citations)
    [stop] = [s for s in answer.trace.steps if s.name == "stop"]
    assert stop.detail  # why it stopped is in the trace


def test_an_unrelated_copied_line_is_replaced_by_the_sentence_that_bears_on_the_question():
    confused = ScriptedBackend(copier({"Section": "Section 3. The archive lists shipments of grain, wool and timber "
                                                  "for year 1803."}, "4417"), window=1024)
    answer = Agent(confused, embedder=None, rag_budget=600).ask(chain_document(A, B), QUESTION, strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop")]
    assert hops[0].detail.endswith(A)  # the question's own terms pick the courier sentence
    assert B in user(confused.prompts[-1])


def test_the_hop_limit_ends_a_long_chain():
    chain = [f"The key to box {n} is kept inside box {n + 1} of the vault." for n in range(1, 7)]
    backend = ScriptedBackend(lambda m: "not found" if system(m) == FINDING_SYSTEM else "box 7", window=1024)
    agent = Agent(backend, embedder=None, rag_budget=400)
    answer = agent.ask(chain_document(*chain), "Where is the key to box 1 kept?", strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop ")]
    assert 1 <= len(hops) <= 3
    [stop] = [s for s in answer.trace.steps if s.name == "stop"]
    assert "hop limit (3)" in stop.detail or "nothing new" in stop.detail or "no passage mentions" in stop.detail


def test_a_dead_end_stops_before_the_limit():
    backend = ScriptedBackend(copier({"Oslo": A}, "not found"), window=1024)
    answer = Agent(backend, embedder=None, rag_budget=600).ask(chain_document(A), QUESTION, strategy="multihop")
    [stop] = [s for s in answer.trace.steps if s.name == "stop"]
    assert "no passage mentions what" in stop.detail  # nothing else names Dana Whitcombe
    assert len([s for s in answer.trace.steps if s.name.startswith("hop ")]) == 1


def test_auto_escalates_from_rag_to_multihop_when_retrieval_finds_no_support():
    answers = iter(["not found", "not found", "The combination is 4417."])  # focused rag, its chunks, multihop

    def reply(messages):
        return copier({"Oslo": A, "4417": B}, "")(messages) if system(messages) == FINDING_SYSTEM else next(answers)

    backend = ScriptedBackend(reply, window=1024)
    answer = Agent(backend, embedder=None, rag_budget=600).ask(chain_document(A, B), QUESTION)
    assert answer.strategy == "multihop" and "focused sentences did not support" in answer.trace.strategy_reason
    assert "then the retrieved passages did not support" in answer.trace.strategy_reason
    assert answer.supported and answer.text == "The combination is 4417."


def test_auto_follows_a_supported_answer_that_is_only_the_first_link():
    # rag cites the courier sentence (supported), but the question's "locker combination" is
    # left uncovered and another passage links the courier's name to it: follow the chain
    answers = iter(["The courier is Dana Whitcombe.", "The combination is 4417."])

    def reply(messages):
        return copier({"Oslo": A, "4417": B}, "")(messages) if system(messages) == FINDING_SYSTEM else next(answers)

    answer = Agent(ScriptedBackend(reply, window=1024), embedder=None, rag_budget=300).ask(chain_document(A, B), QUESTION)
    assert answer.strategy == "multihop" and "another passage links" in answer.trace.strategy_reason
    assert answer.text == "The combination is 4417." and any(c.quote == B for c in answer.citations)


def test_a_complete_answer_is_not_followed():
    backend = ScriptedBackend("The combination is 4417.", window=1024)
    answer = Agent(backend, embedder=None, rag_budget=300).ask(chain_document(B), "What is Dana Whitcombe's locker combination?")
    assert answer.strategy == "rag" and len(backend.prompts) == 1


@pytest.mark.slow
def test_the_real_model_follows_a_two_hop_chain():
    from benchmarks.corpus import real_text

    text = real_text(40_000)[:40_000]
    cut = text.find("\n\n", 20_000)
    document = load_document("\n\n".join([text[:cut], A, text[cut:], B]), filename="chain.txt")
    answer = Agent(embedder=None).ask(document, QUESTION)
    assert answer.strategy == "multihop"  # auto: rag named the courier, the chain goes on
    assert "4417" in answer.text and any(c.quote == B for c in answer.citations)


def test_a_copied_look_alike_is_not_the_finding():
    # five couriers, five archives: the reader copies the first courier line it sees
    look_alike = "The courier assigned to the Bergen archive is Omar Feld."
    backend = ScriptedBackend(copier({"Bergen": look_alike, "Oslo": A, "4417": B}, "The combination is 4417."),
                              window=1024)
    document = load_document("\n\n".join([filler(60), look_alike, A, filler(60, 60), B, filler(60, 120)]),
                             filename="couriers.txt")
    answer = Agent(backend, embedder=None, rag_budget=600).ask(document, QUESTION, strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop")]
    assert hops[0].detail.endswith(A) and "Omar Feld" not in hops[1].detail
    assert any(c.quote == B for c in answer.citations)


def test_a_rare_word_every_look_alike_shares_is_not_followed():
    # "keeps", "shut" are rare in the archive's text but in every locker line: after B, only
    # its code is new enough to follow, and nothing else mentions it
    look_alike = "Omar Feld keeps his locker shut with the combination 9021."
    backend = ScriptedBackend(copier({"Feld": look_alike, "Oslo": A, "4417": B}, "The combination is 4417."),
                              window=1024)
    document = chain_document(A, B, look_alike)
    answer = Agent(backend, embedder=None, rag_budget=600).ask(document, QUESTION, strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop ")]
    assert [h.detail.split(" -> ")[1] for h in hops] == [A, B]
    assert "Omar Feld" not in user(backend.prompts[-1])


def test_an_answer_short_of_the_chains_end_is_the_chain_itself():
    backend = ScriptedBackend(copier({"Oslo": A, "4417": B}, "The courier is Dana Whitcombe."), window=1024)
    events = list(Agent(backend, embedder=None, rag_budget=600).ask_stream(chain_document(A, B), QUESTION,
                                                                           strategy="multihop"))
    answer = events[-1].answer
    assert answer.text == f"{A} {B}" and [c.quote for c in answer.citations] == [A, B]
    assert "stops before the chain's end" in answer.trace.strategy_reason
    said = [e for e in events if isinstance(e, Progress) and e.stage == "strategy"]
    assert said and "chain's sentences" in said[-1].detail  # streamed: a new answer follows
    assert [e.text for e in events if isinstance(e, Token)][-1] == f"{A} {B}"


def test_a_chain_from_a_look_alike_does_not_answer():
    # asked about Madrid, which the document never names: the Oslo chain is not the answer
    backend = ScriptedBackend(copier({"Oslo": A, "4417": B}, "not found"), window=1024)
    question = QUESTION.replace("Oslo", "Madrid")
    answer = Agent(backend, embedder=None, rag_budget=600).ask(chain_document(A, B), question, strategy="multihop")
    assert not answer.supported and "4417" not in answer.text


@pytest.mark.parametrize("sentence, finding, follow, expected", [
    ("The bells of Dorgriso cathedral were cast from zinc mined nearby.",
     "The bells of Apvenbel cathedral were cast from zinc mined nearby.", {"mine"}, True),
    ("Omar Feld keeps his locker shut with the combination 9021.", B, {"4417"}, True),
    (B, A, {"dana", "whitcomb"}, False),  # the next link
    ("Bob Jones reports to Carol White.", "Alice Smith reports to Bob Jones.", {"bob", "jone"}, False),
    ("The key to box 2 is kept inside box 3.", "The key to box 1 is kept inside box 2.", set(), False),
])
def test_look_alike_tells_a_fact_about_another_name_from_the_next_link(sentence, finding, follow, expected):
    assert look_alike(sentence, finding, follow) is expected


def test_a_look_alike_of_the_first_finding_is_not_the_second():
    # the bells' metal adds rare words ("zinc mined nearby") that Dorgriso's look-alike line shares
    first = "The bells of Apvenbel cathedral were cast from zinc mined nearby."
    other = "The bells of Dorgriso cathedral were cast from zinc mined nearby."
    backend = ScriptedBackend(copier({"Apvenbel": first, "Dorgriso": other}, "zinc"), window=1024)
    answer = Agent(backend, embedder=None, rag_budget=600).ask(
        chain_document(first, other), "Which metal was used to cast the Apvenbel cathedral bells?", strategy="multihop")
    hops = [s for s in answer.trace.steps if s.name.startswith("hop ")]
    assert hops[0].detail.endswith(first) and "Dorgriso" not in user(backend.prompts[-1])
