"""`longdoc ask`: bad input fails fast with a message; the README's main job answers from the example."""

import subprocess
import sys
from pathlib import Path

import pytest

from longctx.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-reference-excerpt.md"


def test_empty_question(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("some text")
    with pytest.raises(SystemExit, match="question is empty"):
        main(["ask", str(doc), "   "])


def test_empty_file(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("  \n")
    with pytest.raises(SystemExit, match="is empty"):
        main(["ask", str(doc), "what?"])


def test_non_utf8_file(tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_bytes("caf\u00e9 cr\u00e8me".encode("latin-1"))
    with pytest.raises(SystemExit, match="not UTF-8"):
        main(["ask", str(doc), "what?"])


def test_missing_file(tmp_path, capsys):
    assert main(["ask", str(tmp_path / "nope.txt"), "what?"]) == 2
    assert "nope.txt" in capsys.readouterr().err


@pytest.mark.slow
def test_main_job_answers_from_example_past_the_window():
    done = subprocess.run([sys.executable, "-m", "longctx.cli", "ask", str(EXAMPLE),
                           "What is the secret access code for the Lisbon office?"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "58213" in done.stdout
    assert "DCA chunk_size=8192" in done.stderr and "prompt tokens" in done.stderr
