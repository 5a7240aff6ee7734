"""`longdoc ask`: bad input fails fast with a one-line message; the README's main job answers
from the example document, past the model's window, with a verified citation."""

import subprocess
import sys
from pathlib import Path

import pytest

from longdoc.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python-reference-excerpt.md"


def test_empty_question(tmp_path, capsys):
    doc = tmp_path / "doc.txt"
    doc.write_text("some text")
    assert main(["ask", str(doc), "   ", "--cache-dir", str(tmp_path)]) == 2
    assert "question is empty" in capsys.readouterr().err


def test_a_long_question_is_refused_before_the_document_is_read(tmp_path, capsys):
    import time

    start = time.perf_counter()
    assert main(["ask", str(tmp_path / "never-read.pdf"), "where is the office " * 50_000]) == 2  # 1 MB
    assert "over the 4,000 a question may have" in capsys.readouterr().err and time.perf_counter() - start < 1.0


def test_document_errors_reach_the_user_unchanged(tmp_path, capsys):
    (tmp_path / "doc.txt").write_text("  \n")
    assert main(["ask", str(tmp_path / "doc.txt"), "what?", "--cache-dir", str(tmp_path)]) == 2
    assert "nothing to read" in capsys.readouterr().err
    assert main(["ask", str(tmp_path / "nope.txt"), "what?", "--cache-dir", str(tmp_path)]) == 2
    assert "nope.txt" in capsys.readouterr().err


@pytest.mark.slow
def test_main_job_answers_from_example_past_the_window(tmp_path):
    done = subprocess.run([sys.executable, "-m", "longdoc.cli", "ask", str(EXAMPLE),
                           "What is the secret access code for the Lisbon office?", "--cache-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    answer, *citations = done.stdout.strip().splitlines()
    assert "58213" in answer
    assert any("58213" in c and c.startswith("[1] page 1") for c in citations)
    assert "strategy rag" in done.stderr
