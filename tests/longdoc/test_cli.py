"""`longdoc ask`: bad input fails fast with a one-line message; the README's main job answers
from the example document, past the model's window, with a verified citation."""

import subprocess
import sys
import time
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
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "longdoc.cli",
            "ask",
            str(EXAMPLE),
            "What is the secret access code for the Lisbon office?",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    answer, *citations = done.stdout.strip().splitlines()
    assert "58213" in answer
    assert any("58213" in c and c.startswith("[1] page 1") for c in citations)
    assert "strategy rag" in done.stderr


def test_chat_answers_follow_ups_and_ctrl_c_stops_only_the_answer(tmp_path):
    """`longdoc chat` in a real process against a real server (a scripted model): a follow-up
    read with its conversation, Ctrl-C mid-answer stops that answer (the server's generation
    too) and the loop goes on; the stopped answer joins no conversation; Ctrl-D ends."""
    import os
    import signal
    import threading

    from longdoc.serve import create_app
    from tests.agent.scripted import filler, user

    from .scripted_server import KEY, WordBackend, serving

    slow_started = threading.Event()

    def reply(messages):
        if "Rewritten question:" in user(messages):
            return "How many tonnes of freight did the company carry in 2019?"
        if "Which ports" in user(messages):
            slow_started.set()
            return "The company served " + "many ports " * 200
        return "47,500 tonnes." if "carry in 2019?" in user(messages) else "41,000 tonnes."

    # 96 words of the slow answer take 19 s: Ctrl-C lands mid-answer even on a loaded machine
    backend = WordBackend(reply, per_word=0.2)
    document = tmp_path / "freight.txt"
    document.write_text(
        f"{filler(5)}\n\nIn 2018 the company carried 41,000 tonnes of freight.\n\n"
        f"In 2019 the company carried 47,500 tonnes of freight.\n\nIts ports are Lisbon and Porto.\n"
    )
    with serving(create_app(backend, api_key=KEY)) as url:
        chat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "longdoc.cli",
                "chat",
                str(document),
                "--server",
                url,
                "--cache-dir",
                str(tmp_path / "cache"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "LONGDOC_API_KEY": KEY},
        )
        chat.stdin.write(
            "How many tonnes of freight did the company carry in 2018?\nWhich ports did the company serve?\n"
        )
        chat.stdin.flush()
        assert slow_started.wait(60)
        time.sleep(0.5)
        chat.send_signal(signal.SIGINT)
        assert backend.closed_early.wait(30)  # the server stopped writing the stopped answer
        out, err = chat.communicate("And in 2019?\n", timeout=120)
    assert chat.returncode == 0, err
    assert "41,000 tonnes." in out and "47,500 tonnes." in out and "[longdoc] stopped" in err
    assert "asked as: How many tonnes of freight did the company carry in 2019?" in err
    rewrite = next(m for m in backend.prompts if "Rewritten question:" in user(m))
    assert "Which ports" not in user(rewrite)  # the stopped turn is not in the conversation


def test_ask_reads_a_folder_together_and_names_each_citation_s_document(tmp_path, capsys, monkeypatch):
    from longdoc.serve import create_app
    from tests.agent.scripted import user

    from .scripted_server import KEY, WordBackend, serving

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "q1.txt").write_text("First quarter.\n\nRevenue in the first quarter was 4,100 thousand euros.\n")
    (folder / "q2.txt").write_text("Second quarter.\n\nRevenue in the second quarter was 5,300 thousand euros.\n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 broken")
    backend = WordBackend(lambda m: "5,300 thousand euros." if "second quarter was" in user(m) else "not found")
    monkeypatch.setenv("LONGDOC_API_KEY", KEY)
    with serving(create_app(backend, api_key=KEY)) as url:
        assert (
            main(
                [
                    "ask",
                    str(folder),
                    "What was the revenue in the second quarter?",
                    "--server",
                    url,
                    "--cache-dir",
                    str(tmp_path / "cache"),
                ]
            )
            == 0
        )
    out, err = capsys.readouterr()
    assert "5,300 thousand euros." in out and f"[1] {folder / 'q2.txt'}, page 1, characters" in out
    assert "skipped" in err and "broken.pdf" in err and "CorruptPDFError" in err


def test_chat_over_a_large_folder_routes_and_indexes_it_in_the_background(tmp_path, capsys, monkeypatch):
    import io

    from longdoc.serve import create_app
    from tests.agent.scripted import user

    from .scripted_server import KEY, WordBackend, serving

    folder = tmp_path / "offices"
    folder.mkdir()
    cities = [
        "Porto",
        "Lyon",
        "Graz",
        "Bergen",
        "Turku",
        "Gdansk",
        "Malaga",
        "Bari",
        "Utrecht",
        "Ghent",
        "Brno",
        "Cork",
        "Oulu",
    ]
    for k, city in enumerate(cities):
        (folder / f"{city.lower()}.txt").write_text(f"Office report.\n\nThe {city} office opened in {1990 + k}.\n")
    backend = WordBackend(lambda m: "In 1992." if "Graz office opened" in user(m) else "not found")
    monkeypatch.setenv("LONGDOC_API_KEY", KEY)
    monkeypatch.setattr("sys.stdin", io.StringIO("When did the Graz office open?\n"))
    with serving(create_app(backend, api_key=KEY)) as url:
        assert main(["chat", str(folder), "--server", url, "--cache-dir", str(tmp_path / "cache")]) == 0
    out, err = capsys.readouterr()
    assert "indexing 13 documents in the background" in err
    assert "In 1992." in out and f"[1] {folder / 'graz.txt'}, page 1" in out
