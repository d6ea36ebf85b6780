"""Runtime throughput and latency with the durable trace on (DESIGN.md section 3).

Prints one JSON line. Run from the repository root: .venv/bin/python -m bench.runtime

Settings are those of `soarflow serve`: a SQLite file database (in a temporary directory,
migrated with the Alembic migrations), the ThreadExecutor with its default pool and the real
timer thread. The actions are stubs in this file: `stub.noop` answers at once and is instant
(like the built-in pure actions), `stub.wait` sleeps 50 ms and goes to the thread pool.

- P1  runs per second of a 10-step chain (trigger -> s1 -> ... -> s10), many runs in flight.
- P2  engine overhead per action step: (run wall time - time inside actions) / 10, measured
      on runs of the P1 chain one at a time (median over runs); also the same quantity
      amortised over the whole P1 workload (total-based).
- P3  wall time of one run of a 40-step chain (median over runs), one at a time.
- P5  wall time of one run of a foreach over 1,000 items, concurrency 50, body 50 ms each.

A run's wall time goes from the call to submit() to the end of the save that finished it
(a RunStore subclass notes that moment); every run is checked to have ended `succeeded` in the
run table. Goals on the 2-core reference machine are printed alongside.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from soarflow.playbook import ActionSpec, StaticCatalog
from soarflow.runtime.executors import DEFAULT_THREADS, ThreadExecutor
from soarflow.runtime.rehearsal import store_playbook
from soarflow.runtime.runner import Runner, RunRequest
from soarflow.runtime.state import Dispatch, RunState, StepResult
from soarflow.store.db import make_engine
from soarflow.store.migrate import upgrade
from soarflow.store.runs import RUN, NewRun, RunStore

NOOP = "stub.noop"
WAIT = "stub.wait"
WAIT_SECONDS = 0.05
CATALOG = StaticCatalog([ActionSpec(NOOP), ActionSpec(WAIT)])
TRIGGER = {"title": "Suspicious sign-in", "severity": "High"}
GOALS = {
    "p1_runs_per_s": ">= 1000",
    "p2_overhead_us_per_step": "<= 100",
    "p3_ms_40_steps": "<= 50",
    "p5_s_foreach_1000": "<= 1.3",
}
RUN_TIMEOUT = 300.0


class StubActions:
    """The ActionPerformer of the benchmark; sums the time spent inside perform, per run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.busy: defaultdict[str, float] = defaultdict(float)

    def is_instant(self, work: Dispatch) -> bool:
        return work.action == NOOP

    def perform(self, work: Dispatch) -> StepResult:
        started = time.perf_counter()
        if work.action == WAIT:
            time.sleep(WAIT_SECONDS)
        value = work.inputs.get("value") if isinstance(work.inputs, dict) else None
        result = StepResult(work.run_id, work.key, work.attempt, output={"value": value})
        elapsed = time.perf_counter() - started
        with self._lock:
            self.busy[work.run_id] += elapsed
        return result


class TimedStore(RunStore):
    """A RunStore that notes when each run's finishing save is done (perf_counter).

    Runner.wait_idle alone cannot time a run: a run enters the runner's memory only when its
    first turn starts on a pool thread, so wait_idle right after submit() may return at once."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.finished: dict[str, float] = {}
        self._condition = threading.Condition()
        self._target = 0

    def save(self, state: RunState, *, new: NewRun | None = None) -> None:
        super().save(state, new=new)
        if state.finished:
            moment = time.perf_counter()
            with self._condition:
                self.finished.setdefault(state.id, moment)
                if len(self.finished) >= self._target:
                    self._condition.notify_all()

    def wait_for(self, count: int, timeout: float = RUN_TIMEOUT) -> None:
        """Until `count` runs in all have finished (count them before submitting)."""
        with self._condition:
            self._target = count
            if not self._condition.wait_for(lambda: len(self.finished) >= count, timeout):
                raise TimeoutError(f"{len(self.finished)} of {count} runs finished in time")


@dataclass
class Harness:
    runner: Runner
    store: TimedStore
    actions: StubActions

    def run_once(self, request: RunRequest) -> tuple[str, float]:
        """Submit one run and wait for it alone; its id and wall time in seconds."""
        target = len(self.store.finished) + 1
        started = time.perf_counter()
        run_id = self.runner.submit(request)
        self.store.wait_for(target)
        return run_id, self.store.finished[run_id] - started


class Bench:
    def __init__(self, directory: str) -> None:
        url = f"sqlite:///{directory}/bench.db"
        upgrade(url)
        self.engine = make_engine(url)

    def playbook(self, document: dict[str, Any], trigger: Any) -> RunRequest:
        return store_playbook(self.engine, document, trigger, CATALOG)

    @contextmanager
    def harness(self) -> Iterator[Harness]:
        store = TimedStore(self.engine)
        actions = StubActions()
        runner = Runner(store=store, catalog=CATALOG, actions=actions, executor=ThreadExecutor())
        try:
            yield Harness(runner, store, actions)
        finally:
            runner.close()

    def statuses(self, run_ids: Sequence[str]) -> dict[str, int]:
        """How many of the runs ended in each status, from the run table."""
        counts: defaultdict[str, int] = defaultdict(int)
        with self.engine.connect() as connection:
            for start in range(0, len(run_ids), 500):
                chunk = list(run_ids[start : start + 500])
                rows = connection.execute(
                    select(RUN.c.status, func.count())
                    .where(RUN.c.id.in_(chunk))
                    .group_by(RUN.c.status)
                )
                for status, count in rows:
                    counts[status] += count
        return dict(counts)


def chain(length: int) -> dict[str, Any]:
    """trigger -> s1 -> ... -> s<length>; each step passes the previous one's output on."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    previous = "trigger"
    for index in range(1, length + 1):
        node_id = f"s{index}"
        source = "trigger.title" if index == 1 else f"steps.{previous}.output.value"
        nodes.append(
            {
                "id": node_id,
                "kind": "action",
                "action": NOOP,
                "inputs": {"value": f"{{{{ {source} }}}}"},
            }
        )
        edges.append({"source": previous, "target": node_id})
        previous = node_id
    return _document(f"Chain of {length}", nodes, edges)


def foreach(concurrency: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [
        {
            "id": "each",
            "kind": "foreach",
            "items": "{{ trigger.items }}",
            "concurrency": concurrency,
        },
        {
            "id": "probe",
            "kind": "action",
            "parent": "each",
            "branch": "body",
            "action": WAIT,
            "inputs": {"value": "{{ item }}"},
        },
    ]
    edges = [
        {"source": "trigger", "target": "each"},
        {"source": "each", "target": "probe", "branch": "body"},
    ]
    return _document("Foreach", nodes, edges)


def _document(
    name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": {"id": "trigger", "type": "core.manual"},
        "nodes": nodes,
        "edges": edges,
    }


@dataclass
class Outcome:
    """Every run's id, to check the statuses in the run table at the end."""

    run_ids: list[str]


def throughput(
    bench: Bench, request: RunRequest, runs: int, submitters: int, outcome: Outcome
) -> tuple[float, float]:
    """P1: runs submitted from `submitters` threads at once; (runs per second, amortised
    overhead in us per action step)."""
    with bench.harness() as harness:
        for _ in range(10):  # warm up: the compiled plan, SQLAlchemy's statement cache
            outcome.run_ids.append(harness.run_once(request)[0])
        warm = len(harness.store.finished)
        harness.actions.busy.clear()
        ids: list[list[str]] = [[] for _ in range(submitters)]
        shares = [
            runs // submitters + (1 if i < runs % submitters else 0) for i in range(submitters)
        ]

        def submit(index: int) -> None:
            ids[index].extend(harness.runner.submit(request) for _ in range(shares[index]))

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(submitters)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        harness.store.wait_for(warm + runs)
        wall = time.perf_counter() - started
        if not harness.runner.wait_idle(RUN_TIMEOUT):
            raise TimeoutError("the runner did not become idle")
        busy = sum(harness.actions.busy.values())
    for chunk in ids:
        outcome.run_ids.extend(chunk)
    return runs / wall, (wall - busy) / (runs * 10) * 1e6


def sequential(
    bench: Bench, request: RunRequest, runs: int, steps: int, outcome: Outcome
) -> tuple[list[float], list[float]]:
    """Runs one at a time: each run's wall time (s), and its overhead per step (us)."""
    walls: list[float] = []
    overheads: list[float] = []
    with bench.harness() as harness:
        for _ in range(5):  # warm up
            outcome.run_ids.append(harness.run_once(request)[0])
        for _ in range(runs):
            run_id, wall = harness.run_once(request)
            outcome.run_ids.append(run_id)
            walls.append(wall)
            overheads.append((wall - harness.actions.busy[run_id]) / steps * 1e6)
    return walls, overheads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=2000, help="P1 runs per repeat")
    parser.add_argument("--submitters", type=int, default=4, help="P1 submitting threads")
    parser.add_argument("--sequential-runs", type=int, default=200, help="P2 runs per repeat")
    parser.add_argument("--long-runs", type=int, default=20, help="P3 runs per repeat")
    parser.add_argument("--items", type=int, default=1000, help="P5 foreach items")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="soarflow-bench-") as directory:
        bench = Bench(directory)
        short = bench.playbook(chain(10), TRIGGER)
        long = bench.playbook(chain(40), TRIGGER)
        loop = bench.playbook(foreach(50), {**TRIGGER, "items": list(range(args.items))})
        outcome = Outcome([])
        p1: list[float] = []
        p2_total: list[float] = []
        p2: list[float] = []
        p2_wall: list[float] = []
        p3: list[float] = []
        p5: list[float] = []
        for _ in range(args.repeat):
            rate, amortised = throughput(bench, short, args.runs, args.submitters, outcome)
            p1.append(rate)
            p2_total.append(amortised)
            walls, overheads = sequential(bench, short, args.sequential_runs, 10, outcome)
            p2.append(statistics.median(overheads))
            p2_wall.append(statistics.median(walls) * 1000)
            walls, _ = sequential(bench, long, args.long_runs, 40, outcome)
            p3.append(statistics.median(walls) * 1000)
            with bench.harness() as harness:
                run_id, wall = harness.run_once(loop)
                outcome.run_ids.append(run_id)
                p5.append(wall)
        statuses = bench.statuses(outcome.run_ids)
        bench.engine.dispose()
    result: dict[str, object] = {
        "benchmark": "runtime",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "threads": DEFAULT_THREADS,
        "repeat": args.repeat,
        "p1_runs": args.runs,
        "p1_submitters": args.submitters,
        "p1_runs_per_s": round(statistics.median(p1), 1),
        "p1_runs_per_s_each": [round(value, 1) for value in p1],
        "p2_overhead_us_per_step": round(statistics.median(p2), 1),
        "p2_overhead_us_per_step_each": [round(value, 1) for value in p2],
        "p2_note": "median over one-at-a-time runs of the 10-step chain of (wall - actions) / 10",
        "p2_run_ms_10_steps": round(statistics.median(p2_wall), 3),
        "p2_throughput_us_per_step_total": round(statistics.median(p2_total), 1),
        "p3_ms_40_steps": round(statistics.median(p3), 2),
        "p3_ms_40_steps_each": [round(value, 2) for value in p3],
        "p5_s_foreach_1000": round(statistics.median(p5), 3),
        "p5_s_foreach_1000_each": [round(value, 3) for value in p5],
        "p5_items": args.items,
        "runs_checked": len(outcome.run_ids),
        "statuses": statuses,
        "failures": len(outcome.run_ids) - statuses.get("succeeded", 0),
        "goals": GOALS,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
