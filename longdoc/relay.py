"""A blocking iterator (a model's generation, the agent's events) run in a worker thread and read
from the event loop. Leaving early (a client gone) closes it in its own thread at its next item:
a generation stops within a token."""

from __future__ import annotations

import asyncio
import threading

_END = object()


async def relay(make_iterator, on_leave=None):
    """The items of `make_iterator()`, produced in a worker thread; its exception is raised here.
    `on_leave()` is called when the reader leaves early, before waiting for the worker: it can
    stop work the worker is blocked in (a prefill that yields no item for a minute)."""
    loop, queue, stop = asyncio.get_running_loop(), asyncio.Queue(), threading.Event()

    def work():
        iterator = None
        try:
            iterator = make_iterator()
            for item in iterator:
                loop.call_soon_threadsafe(queue.put_nowait, (True, item))
                if stop.is_set():
                    break
            loop.call_soon_threadsafe(queue.put_nowait, (True, _END))
        except BaseException as error:  # raised in the reader's task
            loop.call_soon_threadsafe(queue.put_nowait, (False, error))
        finally:
            if iterator is not None and hasattr(iterator, "close"):
                iterator.close()  # a generator's cleanup: LocalBackend.stream stops the model

    worker = threading.Thread(target=work, daemon=True, name="longdoc-relay")
    worker.start()
    try:
        while True:
            ok, item = await queue.get()
            if not ok:
                raise item
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        if on_leave is not None and worker.is_alive():
            on_leave()
        await asyncio.to_thread(worker.join)
