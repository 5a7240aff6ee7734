"""The agent with the embedded model on documents of real text up to a million tokens.

- single needle: at 128K, 512K and 1M tokens, 10 depths each; a hit is an answer holding the
  value and a citation whose span overlaps the needle;
- three needles asked together (10 trials): all three values in the answer;
- two-hop chains (10): the first fact names what the second one is about; the final value;
- seconds per answer on the indexed 1M-token document.

Needles come from niah.tasks (`fact`: ten sentence shapes; `chain`: two shapes) with invented
names and values (seeded), so no model knows them; every trial asks with `strategy="auto"` and
records the strategy it took.

    python -m benchmarks.agent [--lengths 128000 512000 1000000] [--trials 10] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import numpy as np

from agent import Agent
from benchmarks.common import DOCS, write_table
from benchmarks.corpus import real_text
from niah.tasks import chain, fact
from retrieval import DocumentIndex, load_document


def insert(text: str, sentences: list[str], depths: list[float]) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each sentence as a paragraph at a paragraph break near its depth; their spans."""
    cuts = []
    for depth in depths:
        cut = text.find("\n\n", int(len(text) * depth))
        cuts.append(len(text) if cut < 0 or depth >= 1.0 else cut)
    order = sorted(range(len(sentences)), key=lambda i: cuts[i])
    out, spans, previous, length = [], [None] * len(sentences), 0, 0
    for i in order:
        out.append(text[previous : cuts[i]])
        length += cuts[i] - previous
        piece = "\n\n" + sentences[i]
        spans[i] = (length + 2, length + len(piece))
        out.append(piece)
        length += len(piece)
        previous = cuts[i]
    out.append(text[previous:])
    return "".join(out), spans


def contains(answer: str, value: str) -> bool:
    return value.lower().replace(",", "") in answer.lower().replace(",", "")


def cites(answer, span) -> bool:
    return any(c.char_start < span[1] and span[0] < c.char_end for c in answer.citations)


def ask(agent, index, question) -> tuple[object, float]:
    start = time.perf_counter()
    answer = agent.ask(index, question)
    return answer, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[128_000, 512_000, 1_000_000])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tests", nargs="+", choices=["single", "multi"], default=["single", "multi"])
    args = parser.parse_args()
    rng = random.Random(args.seed)
    longest = max(args.lengths)
    agent = Agent(cache_dir=None)
    base = real_text(int(longest * 4.5))
    sample = base[:1_000_000]  # characters per token of the model's own tokenizer, measured here
    chars_per_token = len(sample) / len(agent.backend.tokenizer(sample, add_special_tokens=False)["input_ids"])
    depths = [i / 9 for i in range(10)]
    singles = [fact(rng, i) for i in range(10)]
    triples = [[fact(rng, 3 * t + k) for k in range(3)] for t in range(args.trials)]
    chains = [chain(rng, t) for t in range(args.trials)]
    rows, records, answer_seconds, longest_tokens = [], [], [], 0
    table = "agent" if len(args.tests) == 2 else f"agent-{args.tests[0]}"
    log = (DOCS / f"{table}.jsonl").open("w")

    def record(**fields):
        records.append(fields)
        log.write(json.dumps(fields) + "\n")
        log.flush()
        print(json.dumps(fields)[:300], flush=True)

    documents = [(length, [n.needles[0] for n in singles], list(depths), "single") for length in sorted(args.lengths)]
    extra = [n.needles[0] for triple in triples for n in triple] + [text for c in chains for text in c.needles]
    documents.append((longest, extra, [(i + 0.5) / len(extra) for i in range(len(extra))], "multi"))
    documents = [d for d in documents if d[3] in args.tests]
    for length, sentences, where, kind in documents:
        text, spans = insert(base[: int(length * chars_per_token)], sentences, where)
        document = load_document(text, filename=f"haystack-{length}-{kind}.txt")
        start = time.perf_counter()
        index = DocumentIndex.build(document)  # BM25 and the dense index, built before asking
        build = time.perf_counter() - start
        tokens = len(agent.backend.tokenizer(document.text, add_special_tokens=False)["input_ids"])
        if kind == "single":
            hits, strategies, seconds = [], [], []
            for needle, depth, span in zip(singles, depths, spans):
                answer, took = ask(agent, index, needle.question)
                [value] = needle.expected
                hit = contains(answer.text, value) and cites(answer, span)
                hits.append(hit)
                strategies.append(answer.strategy)
                seconds.append(took)
                record(
                    test="single",
                    tokens=tokens,
                    depth=round(depth, 2),
                    hit=hit,
                    value=value,
                    answer=answer.text,
                    strategy=answer.strategy,
                    seconds=round(took, 1),
                )
            if length == longest:
                answer_seconds = [s for s, st in zip(seconds, strategies) if st == "rag"]
                longest_tokens = tokens
            rows.append(
                [
                    f"single needle, {tokens:,} tokens",
                    f"{sum(hits)}/{len(hits)}",
                    _strategies(strategies),
                    f"{statistics.mean(seconds):.1f} / {max(seconds):.1f}",
                    f"{build:.0f} s",
                ]
            )
            continue
        offset = 0
        hits, strategies, seconds = [], [], []
        for t, triple in enumerate(triples):
            question = " ".join(n.question for n in triple)
            answer, took = ask(agent, index, question)
            found = [contains(answer.text, n.expected[0]) for n in triple]
            hits.append(all(found))
            strategies.append(answer.strategy)
            seconds.append(took)
            record(
                test="three",
                trial=t,
                hit=all(found),
                found=found,
                question=question,
                answer=answer.text,
                strategy=answer.strategy,
                seconds=round(took, 1),
            )
        rows.append(
            [
                f"three needles together, {tokens:,} tokens (with the chains: {len(extra)} facts)",
                f"{sum(hits)}/{len(hits)}",
                _strategies(strategies),
                f"{statistics.mean(seconds):.1f} / {max(seconds):.1f}",
                f"{build:.0f} s",
            ]
        )
        offset += 3 * len(triples)
        hits, strategies, seconds = [], [], []
        for t, trial in enumerate(chains):
            answer, took = ask(agent, index, trial.question)
            span = spans[offset + 2 * t + 1]
            [value] = trial.expected
            hit = contains(answer.text, value)
            hits.append(hit)
            strategies.append(answer.strategy)
            seconds.append(took)
            record(
                test="two-hop",
                trial=t,
                hit=hit,
                cited_second=cites(answer, span),
                value=value,
                question=trial.question,
                answer=answer.text,
                strategy=answer.strategy,
                seconds=round(took, 1),
            )
        rows.append(
            [
                f"two-hop chain, {tokens:,} tokens",
                f"{sum(hits)}/{len(hits)}",
                _strategies(strategies),
                f"{statistics.mean(seconds):.1f} / {max(seconds):.1f}",
                "same index",
            ]
        )
    log.close()
    rag = (
        f"Answer time by `rag` on the indexed {longest_tokens:,}-token document: mean "
        f"{statistics.mean(answer_seconds):.1f} s, p95 {np.percentile(answer_seconds, 95):.1f} s, "
        f"max {max(answer_seconds):.1f} s over {len(answer_seconds)} questions (goal <= 30 s)."
        if answer_seconds
        else ""
    )
    write_table(
        table,
        "Agent: needles in documents of real text, embedded SmolLM2-135M-Instruct",
        ["test", "hits", "strategies (auto)", "seconds per answer, mean / max", "index build"],
        rows,
        notes=f"{rag}\n\nEvery answer: docs/benchmarks/{table}.jsonl. A single-needle hit needs the value in "
        "the answer and a verified citation overlapping the needle; three needles need all three "
        "values; two-hop needs the second fact's value.",
    )


def _strategies(names: list[str]) -> str:
    return ", ".join(f"{n} {names.count(n)}" for n in sorted(set(names)))


if __name__ == "__main__":
    main()
