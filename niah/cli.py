"""`longdoc niah`: needle-in-a-haystack self-tests of the user's model, settings and documents."""

from __future__ import annotations

import shlex
import sys

from .run import DEFAULT_THRESHOLD
from .selftest import DEPTHS, parse_depths, parse_lengths, self_test
from .tasks import TASKS

# flags handed to self_test as they are, under their own names
AS_GIVEN = (
    "model",
    "long_context",
    "chunk_size",
    "local_size",
    "strategy",
    "haystack",
    "repeat",
    "seed",
    "threshold",
    "out",
    "max_new_tokens",
    "dtype",
)


def niah(args) -> int:
    result = self_test(
        args.target,
        **{name: getattr(args, name) for name in AS_GIVEN},
        temperature=args.attention_temperature,
        lengths=parse_lengths(args.lengths) if args.lengths else None,
        depths=parse_depths(args.depths),
        tasks=[t.strip() for t in args.tasks.split(",") if t.strip()],
        command="longdoc " + shlex.join(sys.argv[1:]) if sys.argv[1:2] == ["niah"] else "",
    )
    print(
        f"[longdoc] {result['ran']} cells run now, {result['before']} from before; results in {result['out']}",
        file=sys.stderr,
    )
    for path in result["files"]:
        print(path)
    effective = result["effective_context"]
    print(
        f"effective context: {f'{effective:,} tokens' if effective else 'below the shortest length tested'}"
        + (f" (saved to {result['saved_to']})" if result.get("saved_to") else "")
    )
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("niah", help="needle-in-a-haystack self-test: heatmap and effective context of a model")
    p.add_argument(
        "--target",
        choices=("model", "agent"),
        default="model",
        help="model: the haystack read whole in the long-context window; agent: agent.ask over it",
    )
    p.add_argument("--model", default=None, help="Hub id, local folder or .gguf file (default: embedded SmolLM2)")
    p.add_argument(
        "--long-context",
        choices=("auto", "plain"),
        default="auto",
        help="model target: longctx's DCA + YaRN settings for the model (auto) or none (plain)",
    )
    p.add_argument("--chunk-size", type=int, default=None, help="DCA chunk size (default: the model's preset)")
    p.add_argument("--local-size", type=int, default=None, help="DCA local window (default: the model's preset)")
    p.add_argument(
        "--attention-temperature",
        type=float,
        default=None,
        metavar="C",
        help="DCA's YaRN temperature coefficient: logits times (C·ln(L/window) + 1)² past the window; "
        "0 turns it off (default: the preset's, 0.1)",
    )
    p.add_argument("--strategy", default="auto", help="agent target: the agent's strategy (default auto)")
    p.add_argument(
        "--lengths",
        default=None,
        help="context lengths in tokens, e.g. 4k,8k,16k,32k (default: that for model, 32k,128k,512k,1m for agent)",
    )
    p.add_argument(
        "--depths",
        default=",".join(f"{d:g}" for d in DEPTHS),
        help="needle depths in percent (0,25,50) or a count of evenly spaced ones (11)",
    )
    p.add_argument("--tasks", default="single", help=f"comma-separated, from: {', '.join(TASKS)}")
    p.add_argument(
        "--haystack",
        nargs="+",
        default=None,
        help="your files or folders (PDF, text, Markdown) as haystack (default: text shipped with Python)",
    )
    p.add_argument("--repeat", action="store_true", help="repeat a haystack shorter than a length asked")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="accuracy that counts as working, for the effective context (default %(default)s)",
    )
    p.add_argument(
        "--out", default=None, help="results folder (default runs/niah/TARGET-MODEL-SETTINGS); rerun to resume"
    )
    p.add_argument("--max-new-tokens", type=int, default=None)
    p.add_argument(
        "--dtype",
        choices=("float32", "bfloat16", "float16"),
        default=None,
        help="model target: weights' type (default bfloat16 on a GPU, float32 on CPU)",
    )
    p.set_defaults(run=niah)
