"""A fake model for agent control-flow tests: replies are scripted, prompts recorded. The real
embedded model runs in the tests marked slow."""

import threading
import time


class ScriptedBackend:
    """Replies with `reply` (a string, or a function of the chat messages), word by word."""

    name = "scripted"
    window_source = "given"

    def __init__(self, reply, window: int = 4096, delay: float = 0.0):
        self.reply, self.window, self.delay = reply, window, delay
        self.prompts: list[list[dict]] = []
        self.running = self.most_running = 0
        self._lock = threading.Lock()

    def count_tokens(self, text):
        return len(text.split())

    def prompt_tokens(self, messages):
        return sum(len(m["content"].split()) for m in messages)

    def stream(self, messages, max_new_tokens):
        with self._lock:
            self.prompts.append(messages)
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            time.sleep(self.delay)
            text = self.reply(messages) if callable(self.reply) else self.reply
        finally:
            with self._lock:
                self.running -= 1
        yield from (word + " " for word in text.split())


def filler(paragraphs: int, start: int = 0) -> str:
    return "\n\n".join(
        f"Section {i}. The archive lists shipments of grain, wool and timber for year {1800 + i}."
        for i in range(start, start + paragraphs)
    )


def system(messages) -> str:
    return messages[0]["content"]


def user(messages) -> str:
    return messages[-1]["content"]
