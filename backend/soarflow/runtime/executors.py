"""Executors carry out action attempts and the runner's turns. `inline` does both at once in
the caller's thread (deterministic: tests, the CLI); `threads` uses a bounded pool, so that the
I/O of parallel branches and loop iterations overlaps.

A Celery executor fits the same interface: `submit` sends the Dispatch (plain data) to a worker
task whose process has its own ActionPerformer, and calls `report` with the StepResult it
returns; `spawn` keeps turns in the server's own threads. The conductor does not change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from soarflow.runtime.state import Dispatch, StepResult

log = logging.getLogger(__name__)

DEFAULT_THREADS = 64
Perform = Callable[[Dispatch], StepResult]
Report = Callable[[StepResult], None]


class Executor(Protocol):
    def submit(self, work: Dispatch, perform: Perform, report: Report) -> None:
        """Carry out one action attempt (with `perform`, when in this process) and report its
        result, from any thread."""
        ...

    def spawn(self, task: Callable[[], None]) -> None:
        """Run a turn of a run soon."""
        ...

    def shutdown(self) -> None: ...


class InlineExecutor:
    def submit(self, work: Dispatch, perform: Perform, report: Report) -> None:
        report(perform(work))

    def spawn(self, task: Callable[[], None]) -> None:
        task()

    def shutdown(self) -> None:
        return None


class ThreadExecutor:
    def __init__(self, threads: int = DEFAULT_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="soarflow-step")

    def submit(self, work: Dispatch, perform: Perform, report: Report) -> None:
        self._pool.submit(_logged, lambda: report(perform(work)))

    def spawn(self, task: Callable[[], None]) -> None:
        self._pool.submit(_logged, task)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _logged(task: Callable[[], None]) -> None:
    try:
        task()
    except Exception:  # a pool swallows exceptions; a bug must at least be seen
        log.exception("runtime task failed")
