"""`longdoc` command line. `longdoc ask FILE QUESTION` reads the whole file in the model's extended window."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import LongContextError


def _read_text(path: str) -> str:
    data = Path(path).read_bytes()
    if not data.strip():
        raise SystemExit(f"longdoc: {path} is empty")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SystemExit(f"longdoc: {path} is not UTF-8 text ({err}); convert it, e.g. iconv -t UTF-8") from err


def ask(args) -> int:
    from transformers import TextStreamer

    from .loading import load_model
    from .patch import dca_state
    from .reading import answer, chat_input_ids

    if not args.question.strip():
        raise SystemExit("longdoc: the question is empty")
    document = _read_text(args.file)
    model, tokenizer = load_model(args.model, long_context=None if args.plain else "auto")
    n_tokens = chat_input_ids(tokenizer, document, args.question).shape[1]
    state = dca_state(model)
    how = (f"DCA chunk_size={state.config.chunk_size} local_size={state.config.local_size} ({state.backend})"
           if state else "plain attention")
    print(f"[longdoc] {n_tokens} prompt tokens, trained window {model.config.max_position_embeddings}, {how}",
          file=sys.stderr)
    start = time.perf_counter()
    answer(model, tokenizer, document, args.question, max_new_tokens=args.max_new_tokens,
           streamer=TextStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True))
    print(f"[longdoc] answered in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="longdoc", description="Long-context document question answering.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_ask = sub.add_parser("ask", help="answer a question about a text or Markdown file, read whole")
    p_ask.add_argument("file")
    p_ask.add_argument("question")
    p_ask.add_argument("--model", default=None, help="Hub id, local folder or .gguf file (default: embedded SmolLM2)")
    p_ask.add_argument("--plain", action="store_true", help="no long-context patch (to compare)")
    p_ask.add_argument("--max-new-tokens", type=int, default=48)
    p_ask.set_defaults(run=ask)
    from retrieval.cli import add_parser as add_search_parser
    from retrieval.errors import RetrievalError

    add_search_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (LongContextError, RetrievalError, FileNotFoundError) as err:
        print(f"longdoc: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
