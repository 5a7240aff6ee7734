"""Needle runs: cells, resume, reports, effective context and bad grids, with a reader of known
reach (it sees only the first `reach` tokens), so every expected score is known in advance. The
embedded model runs in test_selftest.py (slow)."""

import json
import re
import struct

import pytest

from agent import Agent
from niah import (
    EmptyGridError,
    Grid,
    Haystack,
    HaystackTooShortError,
    LengthBeyondTargetError,
    NiahError,
    ResultsMismatchError,
    load_results,
    open_run,
    run,
)
from niah.report import tokens_label
from niah.targets import AgentTarget
from retrieval.tokens import RegexTokenCounter
from tests.agent.scripted import ScriptedBackend, user

COUNTER = RegexTokenCounter()


class ReachTarget:
    """Answers from the first `reach` tokens of the haystack: the values of the asked keys there."""

    kind, name, settings, max_new_tokens = "model", "reach-reader", "plain", 32

    def __init__(self, reach: int, max_tokens=None, fail_after=None):
        self.reach, self.max_tokens, self.fail_after, self.calls = reach, max_tokens, fail_after, 0
        self.counter = COUNTER

    def answer(self, haystack, question):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt  # the user stops the run
        starts = COUNTER.token_starts(haystack)
        seen = haystack[: starts[self.reach]] if self.reach < len(starts) else haystack
        keys = re.findall(r"number for (\w+)\?", question)
        values = [v for k in keys for v in re.findall(rf"number for {k} is (\d+)", seen)]
        return {"output": " ".join(values) or "I do not know.", "seconds": 0.0}


@pytest.fixture(scope="module")
def stack():
    return Haystack.shipped(COUNTER, 4000)


def test_scores_follow_the_reach_and_the_effective_context_is_saved(stack, tmp_path):
    grid = Grid((1000, 2000, 4000), (0.0, 50.0, 100.0), ("single",))
    saved = tmp_path / "effective.json"
    summary = run(ReachTarget(2100), grid, stack, tmp_path / "run", measurements=saved, progress=False)
    cells = load_results(tmp_path / "run")
    assert summary["ran"] == 9 and len(cells) == 9
    by = {(c["length"], c["depth"]): c["score"] for c in cells}
    assert all(by[(n, d)] == 1.0 for n in (1000, 2000) for d in (0.0, 50.0, 100.0))
    assert by[(4000, 0.0)] == 1.0 and by[(4000, 100.0)] == 0.0  # the needle past the reach is missed
    cell = cells[0]
    assert cell["expected"][0] in cell["needles"][0] and cell["question"] and "output" in cell
    assert summary["effective_context"] == 2000
    assert json.loads(saved.read_text()) == {"reach-reader|plain": 2000}
    png = (tmp_path / "run" / "heatmap.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] > 300
    table = (tmp_path / "run" / "summary.md").read_text()
    assert "| 1K | 100% |" in table and "| 4K | 67% |" in table and "**2,000 tokens**" in table
    opened = open_run(tmp_path / "run")  # as the app shows it
    assert opened.title == "reach-reader (plain), target model, seed 0" and opened.config["settings"] == "plain"
    assert opened.cells == cells


def test_length_labels():
    assert [tokens_label(n) for n in (1000, 4096, 12288, 1 << 20, 1_000_000, 1234)] == [
        "1K",
        "4K",
        "12K",
        "1M",
        "1M",
        "1234",
    ]


def test_an_interrupted_run_resumes_without_redoing_cells(stack, tmp_path):
    grid = Grid((1000, 2000), (0.0, 100.0), ("single", "multiquery"))
    with pytest.raises(KeyboardInterrupt):
        run(ReachTarget(10_000, fail_after=3), grid, stack, tmp_path, progress=False)
    assert len(load_results(tmp_path)) == 3
    assert "Incomplete: 3 of 8 cells" in (tmp_path / "summary.md").read_text()
    with open(tmp_path / "results.jsonl", "a") as log:
        log.write('{"cell": "single|20')  # a line cut short by the interruption: that cell runs again
    target = ReachTarget(10_000)
    summary = run(target, grid, stack, tmp_path, progress=False)
    assert target.calls == 5 and summary["before"] == 3
    cells = load_results(tmp_path)
    assert sorted(c["cell"] for c in cells) == sorted({c["cell"] for c in cells}) and len(cells) == 8
    assert all(c["score"] == 1.0 for c in cells)


def test_a_folder_of_another_run_is_not_mixed(stack, tmp_path):
    grid = Grid((1000,), (50.0,))
    run(ReachTarget(10_000), grid, stack, tmp_path, seed=1, progress=False)
    with pytest.raises(ResultsMismatchError, match="seed: 1 -> 2"):
        run(ReachTarget(10_000), grid, stack, tmp_path, seed=2, progress=False)


def test_bad_grids_fail_before_any_cell(stack, tmp_path):
    with pytest.raises(EmptyGridError, match="no lengths"):
        Grid((), (50.0,))
    with pytest.raises(NiahError, match="unknown task"):
        Grid((1000,), (50.0,), ("haiku",))
    with pytest.raises(NiahError, match="percentages"):
        Grid((1000,), (0.5, 150.0))
    target = ReachTarget(10_000, max_tokens=2048)
    with pytest.raises(LengthBeyondTargetError, match="takes at most 2,048 tokens; lengths 4,000"):
        run(target, Grid((1000, 4000), (50.0,)), stack, tmp_path / "a", progress=False)
    with pytest.raises(HaystackTooShortError):
        run(target, Grid((1000,), (50.0,)), Haystack("Short text.\n", COUNTER, "short"), tmp_path / "b", progress=False)
    assert target.calls == 0 and not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_length_the_target_cannot_hold_in_memory_scores_zero_and_the_run_goes_on(stack, tmp_path):
    class Hungry(ReachTarget):
        def answer(self, haystack, question):
            if len(haystack) > 6000:
                raise MemoryError("cannot allocate")
            return super().answer(haystack, question)

    run(Hungry(10_000), Grid((1000, 4000), (50.0,)), stack, tmp_path, progress=False)
    cells = {c["length"]: c for c in load_results(tmp_path)}
    assert cells[1000]["score"] == 1.0
    assert cells[4000]["score"] == 0.0 and cells[4000]["error"].startswith("MemoryError")


def test_the_agent_target_asks_the_agent_over_the_haystack(stack, tmp_path):
    def reader(messages):  # a reader that copies the number of the asked key from what it is shown
        key = re.search(r"number for (\w+)\?", user(messages)).group(1)
        found = re.search(rf"number for {key} is (\d+)", user(messages).split("Question")[0])
        return f"The number is {found.group(1)}." if found else "not found"

    target = AgentTarget(Agent(ScriptedBackend(reader, window=4096), embedder=None))
    run(target, Grid((8000,), (0.0, 100.0), ("single", "multikey")), stack, tmp_path, progress=False)
    cells = load_results(tmp_path)
    assert [c["score"] for c in cells] == [1.0] * 4
    assert [(c["strategy"], bool(c["citations"])) for c in cells] == [("rag", True)] * 4
    assert all(0 < c["prompt_tokens"] < 2000 for c in cells)  # the agent read a few passages, not 8,000 tokens
    assert json.loads((tmp_path / "run.json").read_text())["target"] == "agent"
