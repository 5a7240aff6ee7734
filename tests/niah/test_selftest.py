"""`longdoc niah` and `niah.self_test`: arguments, errors, and the real embedded model (slow)."""

import json

import pytest

from longdoc.cli import main
from niah import NiahError, load_results, self_test
from niah.selftest import parse_depths, parse_lengths


def test_lengths_and_depths_are_read_as_needle_tests_write_them():
    assert parse_lengths("4k, 8K,1m,3000") == (4096, 8192, 1_048_576, 3000)
    assert parse_depths("5") == (0.0, 25.0, 50.0, 75.0, 100.0)
    assert parse_depths("0,12.5,100") == (0.0, 12.5, 100.0)
    with pytest.raises(NiahError, match="4q"):
        parse_lengths("4k,4q")
    with pytest.raises(NiahError, match="depths"):
        parse_depths("half")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tasks", ""], "no tasks"),
        (["--tasks", "single,poetry"], "unknown task"),
        (["--lengths", "eight"], "cannot read the length"),
        (["--depths", "50,120"], "percentages from 0 to 100"),
    ],
)
def test_bad_grids_are_refused_before_the_model_loads(args, message, capsys):
    assert main(["niah", *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_the_embedded_model_finds_needles_at_1k_and_records_every_cell(tmp_path):
    measurements = tmp_path / "effective.json"
    result = self_test(
        "model",
        lengths=[1024],
        depths=[0, 100],
        tasks=["single"],
        out=tmp_path / "run",
        measurements=measurements,
        progress=False,
        dtype="float32",
    )
    cells = load_results(tmp_path / "run")
    assert [c["score"] for c in cells] == [1.0, 1.0], [c["output"] for c in cells]
    assert all(abs(c["haystack_tokens"] - 1024) <= 4 and c["prompt_tokens"] > 1024 and c["seconds"] > 0 for c in cells)
    assert result["effective_context"] == 1024
    assert json.loads(measurements.read_text()) == {"SmolLM2-135M-Instruct|dca-8192-1024": 1024}
    again = self_test(
        "model",
        lengths=[1024],
        depths=[0, 100],
        tasks=["single"],
        out=tmp_path / "run",
        measurements=measurements,
        progress=False,
        dtype="float32",
    )
    assert again["ran"] == 0 and again["before"] == 2  # resumed: nothing left to run
