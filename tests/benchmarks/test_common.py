"""The benchmarks' cell log: a long run resumes where it stopped and never counts a cell twice."""

import json

from benchmarks.common import CellLog


def test_a_rerun_skips_the_cells_already_logged_and_keeps_them(tmp_path):
    path = tmp_path / "needle.jsonl"
    first = CellLog(path, ("method", "tokens"))
    first.add(dict(method="dca", tokens=40960, correct=True))
    del first  # the run is interrupted here
    again = CellLog(path, ("method", "tokens"))
    assert again.done(method="dca", tokens=40960)
    assert not again.done(method="plain", tokens=40960) and not again.done(method="dca", tokens=65536)
    again.add(dict(method="plain", tokens=40960, correct=False))
    again.close()
    logged = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(c["method"], c["correct"]) for c in logged] == [("dca", True), ("plain", False)]
    assert len(CellLog(path, ("method", "tokens")).cells) == 2


def test_fresh_starts_over(tmp_path):
    path = tmp_path / "ppl.jsonl"
    path.write_text(json.dumps(dict(method="dca", length=40960)) + "\n")
    log = CellLog(path, ("method", "length"), fresh=True)
    assert not log.done(method="dca", length=40960) and log.cells == []
    log.close()
    assert path.read_text() == ""
