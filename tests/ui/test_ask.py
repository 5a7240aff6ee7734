"""The Ask page in Streamlit's headless AppTest, with a scripted model for control flow (the real
embedded model answers in the browser test): documents from paths in the allowed folder, typed
errors that keep the question, citations as verified, document text shown as data."""

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from agent import Agent  # noqa: E402
from ui import ask, state  # noqa: E402
from ui.settings import SETTINGS_ENV, Settings  # noqa: E402

from ..agent.scripted import ScriptedBackend, filler  # noqa: E402
from ..retrieval.pdfs import rewrite, text_pdf  # noqa: E402

PAGE = "from ui.ask import render\nrender()\n"
NEEDLE = "The secret access code for the Lisbon office is 58213."


@pytest.fixture
def backend(monkeypatch, tmp_path):
    """The page's shared agent, answering from a script; files of tmp_path may be opened by
    path, parsed documents are cached in tmp_path/cache."""
    scripted = ScriptedBackend("The code is 58213.")
    shared = state.SharedAgent(Agent(scripted, embedder=None, cache_dir=tmp_path / "cache"))
    monkeypatch.setattr(state, "shared_agent", lambda model="": shared)
    monkeypatch.setenv(SETTINGS_ENV, Settings((tmp_path.resolve(),), cache_dir=tmp_path / "cache").to_env())
    return scripted


def page() -> AppTest:
    return AppTest.from_string(PAGE, default_timeout=60).run()


def open_path(app: AppTest, path: Path) -> AppTest:
    app.radio[0].set_value("Path on this machine").run()
    app.text_input[0].input(str(path)).run()
    return app


def test_a_question_is_answered_with_verified_citations_and_kept_in_the_history(backend, tmp_path):
    doc = tmp_path / "report.txt"
    doc.write_text(filler(5) + "\n\n" + NEEDLE + "\n\n" + filler(3, start=5))
    app = open_path(page(), doc)
    assert ask.plain("report.txt") + ": 1 page(s)" in app.caption[0].value
    app.chat_input[0].set_value("What is the Lisbon office code?").run()
    assert not app.exception, app.exception
    markdown = [m.value for m in app.markdown]
    assert "The code is 58213\\." in markdown  # escaped as data, shown as written
    assert any("page 1, characters" in m for m in markdown)
    assert "> " + ask.plain(NEEDLE) in markdown
    assert any(c.value.startswith("direct: ") for c in app.caption)
    assert not app.chat_input[0].disabled  # free for the next question
    # a second question: both stay on the page
    backend.reply = "It is not stated."
    app.chat_input[0].set_value("Who founded the office?").run()
    asked = [m.markdown[0].value for m in app.chat_message if m.name == "user"]
    assert asked == [ask.plain("What is the Lisbon office code?"), ask.plain("Who founded the office?")]
    assert "No passage of the document supports this answer" in app.warning[0].value
    assert len(backend.prompts) == 2


def test_document_text_cannot_add_links_or_markup(backend, tmp_path):
    hostile = "![x](http://attacker.example/p.png) [click](http://attacker.example) <b>bold</b> $x$"
    assert "](" not in ask.plain(hostile).replace("\\]\\(", "")
    doc = tmp_path / "hostile.md"
    doc.write_text(filler(3) + "\n\n" + hostile + "\n")
    backend.reply = hostile
    app = open_path(page(), doc)
    app.chat_input[0].set_value("What does it link to?").run()
    shown = [m.value for m in app.markdown] + [w.value for w in app.warning]
    assert not any("](http" in value for value in shown)
    assert any(ask.plain(hostile) in value for value in shown)


def test_bad_documents_and_questions_get_typed_errors(backend, tmp_path):
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n" + b"\x13\x37garbage " * 200)
    app = open_path(page(), corrupt)
    assert "CorruptPDFError" in app.error[0].value and not app.chat_input
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    app = open_path(page(), empty)
    assert "EmptyDocumentError" in app.error[0].value
    app = open_path(page(), tmp_path / "missing.pdf")
    assert "DocumentNotFoundError" in app.error[0].value
    doc = tmp_path / "ok.txt"
    doc.write_text(filler(4))
    app = open_path(page(), doc)
    app.chat_input[0].set_value("   ").run()
    assert "EmptyQuestionError" in app.error[0].value  # kept in the history with its error
    assert not backend.prompts


def test_an_encrypted_pdf_asks_for_its_password(backend, tmp_path):
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(rewrite(text_pdf(["Page one.", NEEDLE]), user_password="s3cret"))
    app = open_path(page(), locked)
    assert "EncryptedPDFError" in app.error[0].value
    app.text_input(key=f"password:path:{locked}").input("s3cret").run()
    assert not app.error and ask.plain("locked.pdf") + ": 2 page(s)" in app.caption[0].value
    app.chat_input[0].set_value("What is the Lisbon office code?").run()
    assert any("page 2, characters" in m.value for m in app.markdown)


def test_streamed_tokens_are_text_too():
    from agent import Done, Token

    done = []
    events = iter([Token("![x](http://attacker.example/p.png)"), Token(" ok"), Done("the answer")])
    streamed = "".join(ask._tokens(events, status=None, done=done))
    assert streamed == ask.plain("![x](http://attacker.example/p.png) ok") and done == ["the answer"]


def test_events_that_end_without_an_answer_are_an_error_not_a_wait():
    from agent import AgentError, Token

    with pytest.raises(AgentError):
        list(ask._tokens(iter([Token("half an answer")]), status=None, done=[]))


def test_a_follow_up_is_read_with_its_conversation_until_a_new_one_starts(backend, tmp_path):
    doc = tmp_path / "freight.txt"
    doc.write_text(
        f"{filler(3)}\n\nIn 2018 the company carried 41,000 tonnes of freight.\n\n"
        "In 2019 the company carried 47,500 tonnes of freight.\n"
    )
    backend.reply = lambda messages: (
        "How many tonnes of freight did the company carry in 2019?"
        if "Rewritten question:" in messages[-1]["content"]
        else "47,500 tonnes."
    )
    app = open_path(page(), doc)
    app.chat_input[0].set_value("How many tonnes of freight did the company carry in 2018?").run()
    app.chat_input[0].set_value("And in 2019?").run()
    assert not app.exception, app.exception
    asked_as = [c.value for c in app.caption if c.value.startswith("Asked as:")]
    assert asked_as == ["Asked as: " + ask.plain("How many tonnes of freight did the company carry in 2019?")]
    next(b for b in app.button if b.label == "New conversation").click().run()
    assert not [m for m in app.chat_message if m.name == "user"]  # the page starts a new conversation
    app.chat_input[0].set_value("And in 2019?").run()
    assert not [c for c in app.caption if c.value.startswith("Asked as:")]  # nothing before it to follow
