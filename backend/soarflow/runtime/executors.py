"""Executors carry out work the runner hands them and report back. `inline` does it at once in
the caller's thread (deterministic: tests, the CLI); `threads` uses a bounded pool, so that the
I/O of parallel branches and loop iterations overlaps. A Celery executor would send the work to
a queue and report from the worker's answer; neither the conductor nor the runner would change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

log = logging.getLogger(__name__)

DEFAULT_THREADS = 64


class Executor(Protocol):
    def run(self, task: Callable[[], None]) -> None:
        """Carry out task (an action attempt and its report, or a turn of a run) soon."""
        ...

    def shutdown(self) -> None: ...


class InlineExecutor:
    def run(self, task: Callable[[], None]) -> None:
        task()

    def shutdown(self) -> None:
        return None


class ThreadExecutor:
    def __init__(self, threads: int = DEFAULT_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="soarflow-step")

    def run(self, task: Callable[[], None]) -> None:
        self._pool.submit(_logged, task)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _logged(task: Callable[[], None]) -> None:
    try:
        task()
    except Exception:  # a pool swallows exceptions; a bug must at least be seen
        log.exception("runtime task failed")
