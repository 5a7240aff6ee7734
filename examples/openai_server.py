"""Ask the example document through an OpenAI-compatible server (vLLM, llama.cpp, Ollama...).

python examples/openai_server.py http://127.0.0.1:8000/v1 Qwen/Qwen2.5-7B-Instruct [--window 32768]
"""

import argparse
from pathlib import Path

from agent import Agent, OpenAIBackend

parser = argparse.ArgumentParser()
parser.add_argument("base_url")
parser.add_argument("model")
parser.add_argument("--window", type=int, default=32768, help="the context the server's model really reads")
parser.add_argument("--api-key", default=None)
args = parser.parse_args()

backend = OpenAIBackend(args.base_url, args.model, api_key=args.api_key, window=args.window)
answer = Agent(backend).ask(
    Path(__file__).with_name("python-reference-excerpt.md"), "What is the secret access code for the Lisbon office?"
)
print(answer.text, f"({answer.strategy})")
for c in answer.citations:
    print(f"[page {c.page_label}] {c.quote!r}")
