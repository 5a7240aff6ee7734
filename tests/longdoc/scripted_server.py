"""A scripted model behind a real HTTP server on 127.0.0.1, for the clients of `longdoc serve`
(the CLI, the SDKs, the app)."""

import contextlib
import threading
import time

from tests.agent.scripted import ScriptedBackend
from tests.ui.serving import free_port

KEY = "serve-test-key-0123456789"


class WordBackend(ScriptedBackend):
    """Replies word by word, `per_word` seconds apart; records whether a generation was stopped."""

    def __init__(self, reply, per_word: float = 0.0, window: int = 4096):
        super().__init__(reply, window=window)
        self.per_word, self.closed_early = per_word, threading.Event()

    def stream(self, messages, max_new_tokens):
        self.prompts.append(messages)
        words = (self.reply(messages) if callable(self.reply) else self.reply).split()[:max_new_tokens]
        try:
            for word in words:
                time.sleep(self.per_word)
                yield word + " "
        except GeneratorExit:
            self.closed_early.set()
            raise


@contextlib.contextmanager
def serving(app):
    """`app` served by uvicorn in a thread; yields its URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(10)
