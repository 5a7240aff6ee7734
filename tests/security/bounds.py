"""Run one hostile case in a fresh process and measure it: wall time and the peak resident
memory of that process and every process it waited for (the PDF workers)."""

from __future__ import annotations

import multiprocessing
import resource
import time
import traceback
from dataclasses import dataclass


@dataclass
class Outcome:
    error: str | None  # the exception's class name, None when the call returned
    message: str
    value: object
    seconds: float
    peak_mib: float

    def __str__(self):
        return f"{self.error or 'returned'} in {self.seconds:.2f} s, peak {self.peak_mib:.0f} MiB: {self.message[:300]}"


def _child(pipe, call, args):
    start = time.perf_counter()
    try:
        value, error, message = call(*args), None, ""
    except BaseException as exc:  # reported to the parent, which asserts on it
        value, error, message = None, type(exc).__name__, f"{exc}\n{traceback.format_exc(limit=3)}"
    seconds = time.perf_counter() - start
    peak_kib = max(_own_peak_kib(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    pipe.send(Outcome(error, message, value, seconds, peak_kib / 1024))


def _own_peak_kib() -> int:
    """This process's own high-water mark. Not ru_maxrss: Linux carries that across the fork and
    exec that started us, so it would report the test runner's size."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_bounded(call, *args, timeout: float = 120.0) -> Outcome:
    """`call(*args)` (a module-level function) in a spawned process; fails the test if it runs
    past `timeout` (it is killed: nothing hangs the suite)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, call, args), daemon=True)
    process.start()
    try:
        if not receive.poll(timeout):
            raise AssertionError(f"{getattr(call, '__name__', call)} ran past {timeout} s")
        try:
            return receive.recv()
        except EOFError:  # the process died without a word: a crash (a segfault, an abort)
            process.join(5)
            raise AssertionError(
                f"{getattr(call, '__name__', call)} crashed the process (exit {process.exitcode})"
            ) from None
    finally:
        process.kill()
        process.join()
