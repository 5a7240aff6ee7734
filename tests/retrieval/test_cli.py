"""`longdoc search`: real files through the installed entry point, progress bars on stderr."""

import subprocess
import sys

from longdoc.cli import main

from .pdfs import rewrite, text_pdf


def run(*args):
    return subprocess.run([sys.executable, "-m", "longdoc.cli", *args], capture_output=True, text=True, timeout=300)


def test_search_a_pdf_shows_pages_and_progress(tmp_path):
    pages = ["Front matter of the survey."] + [
        f"Chapter {i}. The soil samples of field {i} were ordinary." for i in range(1, 6)
    ]
    pages[4] += " The sample from the north meadow held traces of platinum."
    path = tmp_path / "survey.pdf"
    path.write_bytes(rewrite(text_pdf(pages), roman_front_pages=1))
    done = run("search", str(path), "where was platinum found?", "-k", "2", "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("[1] survey.pdf, page 5 (labelled 4)")
    assert "platinum" in done.stdout
    assert "embed" in done.stderr and "100%" in done.stderr  # the progress bars


def test_search_errors_are_one_line_messages(tmp_path, capsys):
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(rewrite(text_pdf(["secret text"]), user_password="pw"))
    assert main(["search", str(locked), "anything", "--bm25-only", "--cache-dir", str(tmp_path)]) == 2
    assert "encrypted PDF" in capsys.readouterr().err
    assert main(["search", str(tmp_path / "missing.txt"), "anything", "--cache-dir", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
