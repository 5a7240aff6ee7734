"""`longdoc search FILE QUERY`: the passages an index returns, with pages, and progress bars."""

from __future__ import annotations

import sys

from .cache import DEFAULT_CACHE_DIR


def printable(text) -> str:
    """`text` safe for a terminal: control and format characters (ESC sequences, carriage
    returns, bidirectional overrides) are shown escaped, never sent to it."""
    return "".join(
        c if c.isprintable() or c in "\n\t" else c.encode("unicode_escape").decode("ascii") for c in str(text)
    )


class ProgressBars:
    """A `progress(stage, fraction)` callback drawing one tqdm bar per stage on stderr."""

    def __init__(self):
        self.bars = {}

    def __call__(self, stage: str, fraction: float) -> None:
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=100, desc=f"{stage:>6}", unit="%", file=sys.stderr, leave=True)
        bar.update(round(fraction * 100) - bar.n)
        if fraction >= 1.0:
            bar.close()


def add_parser(sub) -> None:
    parser = sub.add_parser("search", help="show the passages of a PDF, text or Markdown file that match a query")
    parser.add_argument("file")
    parser.add_argument("query")
    parser.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    parser.add_argument("--bm25-only", action="store_true", help="skip the dense index (ready in seconds)")
    parser.add_argument(
        "--cache-dir", default=str(DEFAULT_CACHE_DIR), help="parsed documents and indexes (default ~/.cache/longdoc)"
    )
    parser.add_argument("--password", default="", help="password of an encrypted PDF")
    parser.set_defaults(run=search)


def search(args) -> int:
    from .document import load_document
    from .index import DocumentIndex

    document = load_document(args.file, password=args.password, cache_dir=args.cache_dir)
    for warning in document.warnings:
        print(f"longdoc: warning: {printable(warning)}", file=sys.stderr)
    index = DocumentIndex.build(
        document, embedder=None if args.bm25_only else "default", cache_dir=args.cache_dir, progress=ProgressBars()
    )
    for rank, hit in enumerate(index.search(args.query, k=args.k), start=1):
        where = f"page {hit.page}" + (f" (labelled {hit.page_label})" if hit.page_label != str(hit.page) else "")
        print(
            printable(
                f"[{rank}] {document.name}, {where}, characters {hit.char_start}-{hit.char_end}, score {hit.score:.4f}"
            )
        )
        print(printable("    " + hit.text.replace("\n", "\n    ")))
    return 0
