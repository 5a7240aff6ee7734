"""What the command line prints of a document (names, labels, text, the model's tokens) reaches
the terminal as text: no escape sequence of a document's runs there. And `longdoc ask` opens
encrypted PDFs with --password, as EncryptedPDFError tells users to."""

import pytest

import agent
from longdoc.cli import main
from retrieval.cli import printable

from ..agent.scripted import ScriptedBackend
from ..retrieval.pdfs import rewrite, text_pdf
from .hostile_pdfs import with_labels

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x1b[31m\r\u202e"


def test_printable_escapes_control_and_format_characters():
    assert printable(f"a{ESCAPES}b\nc\td") == "a\\x1b]0;owned\\x07\\x1b[2J\\x1b[31m\\r\\u202eb\nc\td"
    assert printable("Zürich 北京") == "Zürich 北京"


def test_search_prints_no_escape_sequence(tmp_path, capsys):
    pdf = tmp_path / f"report{ESCAPES}.pdf"
    pdf.write_bytes(with_labels(text_pdf(["The vault code is 4417."]), f"p{ESCAPES}"))
    assert main(["search", str(pdf), "vault code", "--bm25-only", "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr()
    assert "4417" in out.out and "\x1b" not in out.out + out.err and "\r" not in out.out and "\u202e" not in out.out


@pytest.fixture
def scripted(monkeypatch):
    """`longdoc ask` with a scripted model in place of the embedded one."""
    backend = ScriptedBackend(f"The code is 4417.{ESCAPES}")

    class ScriptedAgent(agent.Agent):
        def __init__(self, _backend=None, **options):
            super().__init__(backend, embedder=None, **options)

    monkeypatch.setattr(agent, "Agent", ScriptedAgent)
    return backend


def test_ask_prints_the_models_tokens_as_text(tmp_path, capsys, scripted):
    doc = tmp_path / f"notes{ESCAPES}.txt"
    doc.write_text("The vault code is 4417.\n\nThe office is in Porto.")
    assert main(["ask", str(doc), "What is the vault code?", "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr()
    assert "The code is 4417." in out.out
    assert "\x1b" not in out.out + out.err and "\u202e" not in out.out + out.err


def test_ask_opens_an_encrypted_pdf_with_its_password(tmp_path, capsys, scripted):
    scripted.reply = "The code is 4417."
    pdf = tmp_path / "locked.pdf"
    pdf.write_bytes(rewrite(text_pdf(["The vault code is 4417."]), user_password="s3cret"))
    cache = str(tmp_path / "cache")
    assert main(["ask", str(pdf), "What is the vault code?", "--cache-dir", cache]) == 2
    assert "password" in capsys.readouterr().err
    assert main(["ask", str(pdf), "What is the vault code?", "--cache-dir", cache, "--password", "wrong"]) == 2
    assert "password given is wrong" in capsys.readouterr().err
    assert main(["ask", str(pdf), "What is the vault code?", "--cache-dir", cache, "--password", "s3cret"]) == 0
    out = capsys.readouterr().out
    assert "The code is 4417." in out and '[1] page 1, characters 0-23: "The vault code is 4417."' in out
