"""The Ask page: a document (uploaded, the example, or a path inside the folders the operator
allowed), or several uploaded together with a checklist of those a question reads, and questions
about it in one conversation, answered as the agent streams: progress, the answer's tokens, then
its verified citations (naming their document) and the trace of how it was found.

An upload's bytes live only until they are parsed: the uploader then lets go of them (Streamlit
would keep them for the whole session) and the page keeps the parsed document. A PDF of at most
PAGE_VIEW_BYTES is kept too, in memory (never on disk), so a citation can show its page with the
quote highlighted: a session holds at most KEPT_DOCUMENTS of them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import streamlit as st

from agent import AgentError, Answer, Collection, Done, Progress, Retrieved, Token
from agent.question import MAX_QUESTION_CHARS
from agent.strategies import STRATEGIES, strategy_help
from longctx.errors import LongContextError
from retrieval import Document, EncryptedPDFError, RetrievalError, load_document
from retrieval.render import citation_picture
from retrieval.tokens import estimate_tokens

from . import state
from .access import read_allowed
from .settings import model_label

UPLOAD, SEVERAL, EXAMPLE, PATH = "Upload", "Several documents", "Example document", "Path on this machine"
FORMATS = ["pdf", "docx", "pptx", "epub", "html", "htm", "txt", "md", "markdown"]
MAX_UPLOADS = 20  # documents a session asks together
FAILURES = (AgentError, LongContextError, RetrievalError, state.ModelNotAllowedError, OSError)
KEPT_DOCUMENTS = 4  # parsed documents a session keeps
PAGE_VIEW_BYTES = 16 << 20  # a PDF up to this size is kept to draw cited pages; a larger one is let go
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


@dataclass
class Turn:
    question: str
    answer: Answer | None = None
    error: str = ""  # the typed error that stopped it; the question stays in the history


def plain(text: str) -> str:
    """Document and model text shown as written: no links, images or markup of its own."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def render() -> None:
    st.title("Ask a document")
    with st.sidebar:
        strategy = st.selectbox(
            "Strategy",
            STRATEGIES,
            help=strategy_help(),
        )
        max_new_tokens = st.slider("Answer length (tokens, at most)", 16, 512, 96, step=16)
        model = st.selectbox(
            "Model",
            state.settings().models,
            format_func=model_label,
            help="the models this app offers (longdoc ui --model)",
        )
    document = choose_document()
    if document is None:
        return
    if isinstance(document, list):  # several documents, asked together
        key, only = "collection:" + ",".join(sorted(d.id for d in document)), read_checklist(document)
        if not only:
            return
    else:
        key, only = document.id, None
        st.caption(
            f"{plain(document.name)}: {len(document.pages):,} page(s), about {estimate_tokens(document.text):,} "
            f"tokens, {len(document.text):,} characters"
        )
        for warning in document.warnings:
            st.warning(warning)
    # one conversation per document or collection: each question is read with the answered turns before it
    history = st.session_state.setdefault("history", {}).setdefault(key, [])
    if history and st.button("New conversation", help="the next question is read without the ones before"):
        history.clear()
        st.rerun()
    for number, turn in enumerate(history):
        show(turn, document, number)
    pending = st.session_state.get("pending")
    # the browser holds a question to the agent's bound; the agent checks it again
    question = st.chat_input("Ask about the document", disabled=pending is not None, max_chars=MAX_QUESTION_CHARS)
    if question is not None and pending is None:
        # answered on the next run, with the input disabled: a click meanwhile would stop this run
        st.session_state.pending = question
        st.rerun()
    if pending is not None:
        turn = Turn(pending)
        with st.chat_message("user"):
            st.markdown(plain(pending))
        with st.chat_message("assistant"):
            try:
                turns = [(t.question, t.answer.text) for t in history if t.answer is not None]
                turn.answer = answer(
                    state.shared_agent(model), document, pending, turns, strategy, max_new_tokens, only
                )
            except FAILURES as error:
                turn.error = f"{type(error).__name__}: {error}"
        history.append(turn)
        del st.session_state.pending
        st.rerun()


def choose_document() -> Document | None:
    config = state.settings()
    sources = (UPLOAD, EXAMPLE) + ((PATH,) if config.allowed_folders else ())
    source = st.radio("Document", sources[:1] + (SEVERAL,) + sources[1:], horizontal=True, label_visibility="collapsed")
    loaded = st.session_state.setdefault("documents", {})  # parsed once per upload or path, the latest last
    if source == UPLOAD:
        return uploaded(loaded, config)
    if source == SEVERAL:
        return several(config)
    if source == PATH:
        path = st.text_input(
            "Path of a PDF, DOCX, PPTX, EPUB, HTML, text or Markdown file",
            help="inside " + ", ".join(map(str, config.allowed_folders)),
        ).strip()
        if not path:
            return None
        return parsed(loaded, f"path:{path}", lambda: read_allowed(path, config.allowed_folders), config)
    return parsed(loaded, "example", lambda: (state.EXAMPLE.read_bytes(), state.EXAMPLE.name), config)


def uploaded(loaded: dict, config) -> Document | None:
    """The uploaded document. Once parsed, the uploader is replaced by its name and a button,
    and its bytes are handed back (a new upload is a new widget)."""
    shown = st.session_state.get("upload_shown")
    if shown in loaded:
        left, right = st.columns([4, 1])
        left.caption(f"Uploaded: {plain(loaded[shown].name)}")
        if right.button("Another file"):
            del st.session_state.upload_shown
            st.rerun()
        return loaded[shown]
    round_ = st.session_state.setdefault("upload_round", 0)
    upload = st.file_uploader(
        "A PDF (scans are read by OCR), DOCX, PPTX, EPUB, HTML, text or Markdown file",
        type=FORMATS,
        key=f"upload-{round_}",
    )
    if upload is None:
        return None
    key = f"upload:{upload.file_id}"
    document = parsed(loaded, key, lambda: (upload.getvalue(), upload.name), config)
    if key in loaded:  # parsed: let go of the bytes
        release(upload)
        st.session_state.upload_shown, st.session_state.upload_round = key, round_ + 1
        st.rerun()
    return document


def several(config) -> list[Document] | None:
    """Documents uploaded together, parsed once each (by content hash), asked as one collection.
    Once parsed, the uploader lets go of their bytes (as for one upload) and the page keeps the
    documents, with what could not be read, until "Other files"."""
    kept = st.session_state.get("several")  # (documents, the typed errors of the files skipped)
    if kept is not None:
        documents, failed = kept
        for failure in failed:
            st.warning(f"Skipped {plain(failure)}")
        if st.button("Other files"):
            del st.session_state.several
            st.rerun()
        return documents or None
    round_ = st.session_state.setdefault("uploads_round", 0)
    uploads = st.file_uploader(
        f"Up to {MAX_UPLOADS} documents, asked together",
        type=FORMATS,
        accept_multiple_files=True,
        key=f"uploads-{round_}",
    )
    if not uploads:
        return None
    if len(uploads) > MAX_UPLOADS:
        st.error(f"{len(uploads)} files: ask at most {MAX_UPLOADS} together")
        return None
    documents, failed = [], []
    with st.spinner(f"Reading {len(uploads)} documents"):
        for upload in uploads:
            try:
                documents.append(load_document(upload.getvalue(), filename=upload.name, cache_dir=config.cache_dir))
            except (RetrievalError, OSError) as error:
                failed.append(f"{upload.name}: {type(error).__name__}: {error}")
            release(upload)  # parsed or refused: its bytes go
    st.session_state.several, st.session_state.uploads_round = (documents, failed), round_ + 1
    st.rerun()


def read_checklist(documents: list[Document]) -> list[str]:
    """The documents the next question reads, ticked by the user (all at first)."""
    st.caption(f"{len(documents)} documents: the question reads those ticked")
    chosen = []
    for document in documents:
        if st.checkbox(plain(document.name), value=True, key=f"read-{document.id[:16]}"):  # a name is text, not markup
            chosen.append(document.name)
    if not chosen:
        st.info("Tick at least one document to ask about")
    return chosen


def release(upload) -> None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is not None and context.uploaded_file_mgr is not None:
        context.uploaded_file_mgr.remove_file(context.session_id, upload.file_id)


def parsed(loaded: dict, key: str, read, config) -> Document | None:
    """The document under `key`, parsed on first use from `read()` -> (bytes, name)."""
    password = st.session_state.get(f"password:{key}", "")
    if key not in loaded:
        try:
            with st.spinner("Reading the document"):
                data, name = read()
                loaded[key] = load_document(data, filename=name, password=password, cache_dir=config.cache_dir)
                if loaded[key].kind == "pdf" and len(data) <= PAGE_VIEW_BYTES:  # to draw cited pages
                    st.session_state.setdefault("pdf_bytes", {})[loaded[key].id] = (data, password)
                del data
        except EncryptedPDFError as error:
            st.error(f"{type(error).__name__}: {error}")
            st.text_input("Password", type="password", key=f"password:{key}")
            return None
        except (RetrievalError, OSError) as error:
            st.error(f"{type(error).__name__}: {error}")
            return None
        while len(loaded) > KEPT_DOCUMENTS:
            loaded.pop(next(iter(loaded)))
        kept = {d.id for d in loaded.values()}
        for stale in [i for i in st.session_state.get("pdf_bytes", {}) if i not in kept]:
            del st.session_state.pdf_bytes[stale]
    else:
        loaded[key] = loaded.pop(key)  # the latest last
    return loaded[key]


def answer(
    shared: state.SharedAgent,
    document: Document | list[Document],
    question: str,
    history: list,
    strategy: str,
    max_new_tokens: int,
    only: list[str] | None = None,
) -> Answer:
    """Stream one answer into the page: progress in a status box, the tokens as they come (a new
    answer when auto changes strategy), then the finished answer in full. `only`: the documents of
    a collection to read."""
    status = st.status("Waiting for another question to finish" if shared.lock.locked() else "Reading", expanded=False)
    with shared.lock:
        if isinstance(document, list):
            events = Collection(document, agent=shared.agent).ask_stream(
                question, history=history, only=only, strategy=strategy, max_new_tokens=max_new_tokens
            )
        else:
            events = shared.agent.ask_stream(
                document, question, history=history, strategy=strategy, max_new_tokens=max_new_tokens
            )
        done: list[Answer] = []
        while not done:
            st.write_stream(_tokens(events, status, done))
    result = done[0]
    status.update(label=f"Answered by {result.strategy}", state="complete")
    return result


def _tokens(events, status, done: list):
    """The tokens of one answer; progress goes to `status`. Returns at the last event, or when auto
    leaves an answer without support for another strategy."""
    bars = {}
    streamed = False
    for event in events:
        if isinstance(event, Token):
            streamed = True
            yield plain(event.text)  # write_stream renders markdown: the tokens are text
        elif isinstance(event, Done):
            done.append(event.answer)
            return
        elif isinstance(event, Retrieved):
            pages = sorted({p.page_label for p in event.passages}, key=lambda label: (len(label), label))
            status.write(
                f"Reading {len(event.passages)} passage(s) from page(s) {plain(', '.join(pages[:12]))}"
                + (" ..." if len(pages) > 12 else "")
            )
        elif isinstance(event, Progress):
            if event.stage.startswith("index"):
                if event.stage not in bars:
                    bars[event.stage] = status.progress(0.0, text=event.stage)
                bars[event.stage].progress(min(max(event.fraction, 0.0), 1.0), text=event.stage)
            elif event.detail:
                status.update(label=f"{event.stage}: {event.detail}"[:120])
                status.write(plain(f"{event.stage}: {event.detail}"))
            if event.stage == "strategy" and streamed:
                return  # the answer so far stays on the page above the next one
    raise AgentError("the agent stopped before its answer was done")  # else answer() would wait forever


def show(turn: Turn, document: Document | list[Document], number: int) -> None:
    with st.chat_message("user"):
        st.markdown(plain(turn.question))
        if turn.answer is not None and turn.answer.trace.question not in ("", turn.question):
            st.caption(f"Asked as: {plain(turn.answer.trace.question)}")  # a follow-up made standalone
    with st.chat_message("assistant"):
        if turn.error:
            st.error(turn.error)
            return
        result = turn.answer
        (st.markdown if result.supported else st.warning)(plain(result.text))
        for n, citation in enumerate(result.citations, start=1):
            where = f"{plain(citation.document)}, page" if citation.document else "page"
            st.markdown(
                f"**[{n}]** {where} {plain(citation.page_label)}, characters "
                f"{citation.char_start:,}-{citation.char_end:,}"
            )
            st.markdown("> " + plain(citation.quote).replace("  \n", "  \n> "))
            if not isinstance(document, Document):  # a collection's citation: its page is drawn for one document only
                continue
            source = st.session_state.get("pdf_bytes", {}).get(document.id)
            key = f"page-{document.id[:12]}-{number}-{n}"
            if source is not None and (
                st.session_state.get(key) or st.button(f"Show page {citation.page_label}", key=f"button-{key}")
            ):
                st.session_state[key] = True
                cited_page(source, document, citation)
        trace = result.trace
        st.caption(f"{result.strategy}: {plain(trace.strategy_reason)}")
        with st.expander("Trace"):
            st.write(
                f"Document: {trace.document_tokens:,} tokens; window: {trace.window:,} tokens; "
                f"{sum(s.seconds for s in trace.steps):.1f} s in all"
            )
            st.dataframe([asdict(step) for step in trace.steps], hide_index=True)


def cited_page(source: tuple[bytes, str], document: Document, citation) -> None:
    """The cited page drawn with the quote highlighted (drawn once per citation and session)."""
    drawn = st.session_state.setdefault("drawn_pages", {})
    key = (document.id, citation.char_start, citation.char_end)
    if key not in drawn:
        try:
            drawn[key] = citation_picture(
                source[0],
                document,
                citation.page,
                citation.char_start,
                citation.char_end,
                citation.quote,
                password=source[1],
            )
        except RetrievalError as error:
            st.error(f"{type(error).__name__}: {error}")
            return
        while len(drawn) > 16:
            drawn.pop(next(iter(drawn)))
    png, boxes = drawn[key]
    st.image(png, caption=f"Page {citation.page_label}: the quote highlighted ({boxes} box(es))", width="stretch")
