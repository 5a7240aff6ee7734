"""`longdoc serve`'s app in a process of its own on 127.0.0.1, for hostile-load tests and the
hostile benchmark: the embedded model's real tokenizer and chat template, with a scripted reply
(`per_word` seconds a word) in place of its weights, so each case measures the server, not the model.

    python -m tests.security.load_server --port PORT FOLDER [PER_WORD_SECONDS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPLY = " ".join(f"word{n}" for n in range(2000))


class TokenizedWordBackend:
    """The embedded model's tokenizer and template; replies REPLY word by word."""

    name = "SmolLM2-135M-Instruct"
    window, window_source, max_length = 8192, "given", 8192

    def __init__(self, per_word: float):
        from longctx.loading import embedded_tokenizer

        self.tokenizer, self.per_word, self.generated = embedded_tokenizer(), per_word, 0

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def max_token_bytes(self) -> int:
        from agent.backends import longest_token_bytes

        return longest_token_bytes(self.tokenizer)

    def prompt_tokens(self, messages: list[dict]) -> int:
        from agent.backends import chat_prompt_ids

        return chat_prompt_ids(self.tokenizer, messages).shape[1]

    def stream(self, messages, max_new_tokens, sampling=None):
        for word in REPLY.split()[:max_new_tokens]:
            time.sleep(self.per_word)
            self.generated += 1
            yield word + " "


def main(argv: list[str]) -> None:
    import uvicorn

    from agent import Agent
    from longdoc.documents import DocumentStore
    from longdoc.serve import create_app

    port, folder = int(argv[1]), Path(argv[2])
    backend = TokenizedWordBackend(float(argv[3]) if len(argv) > 3 else 0.05)
    _ = backend.max_token_bytes  # computed before serving
    store = DocumentStore(folder / "served", embedder=None, cache_dir=folder)
    app = create_app(
        backend, documents=store, agent=Agent(backend, embedder=None, reader="extractive", cache_dir=folder)
    )

    @app.get("/generated")
    async def generated():  # words the scripted model has produced: did a departed client's reply stop?
        return {"words": backend.generated}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])


MODEL = TokenizedWordBackend.name


def chat_body(content: str, **fields) -> bytes:
    import json

    return json.dumps({"model": MODEL, "messages": [{"role": "user", "content": content}], **fields}).encode()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


class HealthProbe:
    """Polls `url`/health every 20 ms in a thread while a case runs; `worst` is the slowest answer
    (a probe that got no answer within 5 s counts as 5 s)."""

    def __init__(self, url: str):
        import threading

        self.url, self.latencies, self._stop = url, [], threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        import httpx

        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    ok = client.get(f"{self.url}/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append(time.perf_counter() - start if ok else 5.0)
                self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def worst(self) -> float:
        return max(self.latencies, default=0.0)
