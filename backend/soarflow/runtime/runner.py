"""The runner: the shell around the conductor. It keeps the runs in progress, feeds the
conductor one event at a time per run, saves each turn in one transaction, and only then hands
the turn's action attempts to the executor (so nothing runs whose cause is not on disk).

Instant actions (pure built-ins) run inside the turn, before it is saved: a 10-step run of
them is one transaction. A run that only waits is dropped from memory; its timer, kept by one
thread for all runs, brings it back."""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from soarflow.playbook.catalog import ActionCatalog
from soarflow.runtime.actions import ActionPerformer, failure
from soarflow.runtime.conductor import Conductor
from soarflow.runtime.directives import initial_variables
from soarflow.runtime.executors import Executor
from soarflow.runtime.plan import compile_plan
from soarflow.runtime.state import Dispatch, RunState, StepResult
from soarflow.store.runs import NewRun, RunStore

log = logging.getLogger(__name__)

# Instant steps one turn may run before the rest goes to the executor, so that a loop over a
# long list of them does not hold one thread (or an API request) for long.
INSTANT_BUDGET = 500

Event = tuple[str, Any]


@dataclass(eq=False)
class _Active:
    """A run in memory: its state, and the events waiting for its next turn."""

    state: RunState
    conductor: Conductor
    lock: threading.Lock = field(default_factory=threading.Lock)
    inbox: deque[Event] = field(default_factory=deque)
    driving: bool = False
    closed: bool = False
    # The run's row, until the first turn's save writes it.
    new: NewRun | None = None


@dataclass(frozen=True)
class RunRequest:
    playbook_id: str
    playbook_version: int
    workspace_id: str
    playbook_name: str
    trigger: Any
    trigger_type: str = "manual"
    resubmitted_from: str | None = None
    started_by: str | None = None
    # Chosen by the caller from what caused the run (a schedule's instant, an automation event),
    # it makes submitting twice, from two processes or after a crash, start one run.
    run_id: str | None = None
    # What the run is about, for the incident's or alert's runs tab.
    incident_id: str | None = None
    alert_id: str | None = None
    # The automation rule that started the run.
    rule_id: str | None = None
    # The run whose Run a playbook step started this one, and how many such steps deep it is.
    parent_run_id: str | None = None
    depth: int = 0


class Runner:
    def __init__(
        self,
        *,
        store: RunStore,
        catalog: ActionCatalog,
        actions: ActionPerformer,
        executor: Executor,
        clock: Callable[[], float] = time.time,
        timer_thread: bool = True,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.actions = actions
        self.executor = executor
        self.clock = clock
        # `<server start>/<worker>`: see RunStore.claim.
        self.owner = owner or f"{uuid.uuid4()}/{os.getpid()}"
        self._conductors: dict[tuple[str, int], Conductor] = {}
        self._active: dict[str, _Active] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._timers = _Timers(self._on_timer) if timer_thread else None

    # -- what the API and the CLI call ------------------------------------------------------

    def submit(self, request: RunRequest) -> str:
        """Store a new run (queued) and start it; returns its id once it is safely stored.
        A request whose run_id is stored already starts nothing and returns that id."""
        run_id = request.run_id or str(uuid.uuid4())
        if request.run_id is not None and self.store.header(run_id) is not None:
            return run_id
        conductor = self._conductor(request.playbook_id, request.playbook_version)
        if conductor is None:
            raise LookupError(f"no version {request.playbook_version} of {request.playbook_id}")
        now = datetime.fromtimestamp(self.clock(), UTC)
        context = {
            "run": {
                "id": run_id,
                "started_at": now.isoformat().replace("+00:00", "Z"),
                "parent_run_id": request.parent_run_id,
                "depth": request.depth,
            },
            "playbook": {"id": request.playbook_id, "name": request.playbook_name},
        }
        variables = initial_variables(conductor.plan)
        new = NewRun(
            request.playbook_id,
            request.playbook_version,
            request.workspace_id,
            request.trigger_type,
            request.trigger,
            variables,
            context,
            self.owner,
            now,
            request.resubmitted_from,
            request.started_by,
            request.incident_id,
            request.alert_id,
            request.rule_id,
        )
        state = RunState(run_id, request.trigger, variables, context, request.workspace_id)
        active = _Active(state, conductor, new=new, driving=True)
        active.inbox.append(("start", None))
        with self._lock:
            self._active[run_id] = active
        # The first turn here, so that the run is stored (with its first steps, in one
        # transaction) when this returns; later turns go to the executor.
        try:
            self._drive(active, once=True)
        except IntegrityError:
            if request.run_id is None:
                raise
            # Another process stored the same run first: it is that one's to drive.
            with self._lock:
                self._active.pop(run_id, None)
        return run_id

    def cancel(self, run_id: str, message: str = "cancelled by a user") -> None:
        self._post(run_id, ("cancel", message))

    def restart(self, run_id: str) -> None:
        self._post(run_id, ("restart", None))

    def answer(self, run_id: str, key: str, output: Any, *, final: bool) -> None:
        """Someone answered the step `key` waits on: its output so far, and whether that
        decides it (the step then succeeds with this output)."""
        self._post(run_id, ("answer", (key, output, final)))

    def resume_all(self) -> list[str]:
        """Take over every unfinished run no live server of this instance drives."""
        unfinished = self.store.unfinished()
        resumed = [run_id for run_id in unfinished if self.store.claim(run_id, self.owner)]
        for run_id in resumed:
            self._post(run_id, ("resume", None))
        return resumed

    def settle(self, run_id: str) -> None:
        """Inline use (tests, CLI): run to the end, jumping the clock over every timer."""
        while True:
            with self._lock:
                active = self._active.get(run_id)
            state = active.state if active else self.store.load(run_id)
            if state is None or state.finished:
                return
            wake = state.next_wake()
            if wake is None:
                raise RuntimeError(f"run {run_id} is stuck: nothing in flight, nothing to wait for")
            advance = getattr(self.clock, "advance_to", None)
            if advance is None:
                raise RuntimeError("settle() needs a clock it can move (ManualClock)")
            advance(wake)
            self._post(run_id, ("timers", None))

    def wait_idle(self, timeout: float) -> bool:
        """Threads use (tests, benchmarks): wait until no run is in memory."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._active, timeout)

    def close(self) -> None:
        if self._timers is not None:
            self._timers.stop()
        self.executor.shutdown()

    # -- turns ------------------------------------------------------------------------------

    def _post(self, run_id: str, event: Event) -> None:
        active = self._activate(run_id)
        while active is not None and not self._deliver(active, event):
            active = self._activate(run_id)  # it left memory meanwhile: load it again

    def _deliver(self, active: _Active, event: Event) -> bool:
        with active.lock:
            if active.closed:
                return False
            active.inbox.append(event)
            if active.driving:
                return True
            active.driving = True
        self.executor.spawn(lambda: self._drive(active))
        return True

    def _activate(self, run_id: str) -> _Active | None:
        with self._lock:
            active = self._active.get(run_id)
        if active is not None:
            return active
        header = self.store.header(run_id)
        if header is None:
            return None
        conductor = self._conductor(header.playbook_id, header.playbook_version)
        state = self.store.load(run_id) if conductor else None
        if conductor is None or state is None:
            return None
        conductor.adopt(state)
        with self._lock:
            return self._active.setdefault(run_id, _Active(state, conductor))

    def _drive(self, active: _Active, *, once: bool = False) -> None:
        """Take turns while events wait; with `once`, take one and leave the rest to the
        executor."""
        while (events := self._take_events(active)) is not None:
            self._take_turn(active, events)
            if once:
                with active.lock:
                    idle = self._stop_if_idle(active)
                if not idle:
                    self.executor.spawn(lambda: self._drive(active))
                return

    def _take_events(self, active: _Active) -> list[Event] | None:
        """The events waiting, or None (and the run no longer driven) when there are none."""
        with active.lock:
            if self._stop_if_idle(active):
                return None
            events = list(active.inbox)
            active.inbox.clear()
            return events

    def _stop_if_idle(self, active: _Active) -> bool:
        """Under active.lock: with no event waiting, stop driving (and leave memory when
        finished or only waiting)."""
        if active.inbox:
            return False
        active.driving = False
        self._maybe_close(active)
        return True

    def _take_turn(self, active: _Active, events: list[Event]) -> None:
        state = active.state
        outgoing = self._turn(active, events)
        self.store.save(state, new=active.new)
        active.new = None
        wake = state.next_wake()
        if wake is not None and self._timers is not None:
            self._timers.at(wake, state.id)
        for work in outgoing:
            self.executor.submit(work, self._attempt, self._report)

    def _turn(self, active: _Active, events: list[Event]) -> list[Dispatch]:
        """Apply the events, running instant steps as they come, within INSTANT_BUDGET."""
        outgoing: list[Dispatch] = []
        pending = deque(events)
        budget = INSTANT_BUDGET
        while pending:
            for work in self._apply(active, pending.popleft()):
                if budget > 0 and self.actions.is_instant(work):
                    budget -= 1
                    pending.append(("result", self._attempt(work)))
                else:
                    outgoing.append(work)
        return outgoing

    def _apply(self, active: _Active, event: Event) -> list[Dispatch]:
        kind, value = event
        state, conductor, now = active.state, active.conductor, self.clock()
        if kind == "result":
            return conductor.on_result(state, value, now)
        if kind == "timers":
            return conductor.on_timers(state, now)
        if kind == "start":
            return conductor.start(state, now)
        if kind == "resume":
            return conductor.resume(state, now)
        if kind == "restart":
            return conductor.restart(state, now) if state.finished else []
        if kind == "cancel":
            conductor.cancel(state, now, value)
            return []
        if kind == "answer":
            key, output, final = value
            return conductor.on_answer(state, key, output, final, now)
        raise ValueError(f"unknown runtime event {kind}")

    def _maybe_close(self, active: _Active) -> None:
        """Called under active.lock: leave memory when finished or only waiting."""
        state = active.state
        if state.in_flight and not state.finished:
            return
        active.closed = True
        with self._lock:
            if self._active.get(state.id) is active:
                del self._active[state.id]
            self._idle.notify_all()

    def _report(self, result: StepResult) -> None:
        self._post(result.run_id, ("result", result))

    def _attempt(self, work: Dispatch) -> StepResult:
        try:
            return self.actions.perform(work)
        except Exception:  # a bug in one action fails its step, not the runtime
            log.exception("action %s failed unexpectedly", work.action)
            return failure(work, "internal_error", f"{work.action} failed unexpectedly")

    def _on_timer(self, run_id: str) -> None:
        self._post(run_id, ("timers", None))

    def _conductor(self, playbook_id: str, version: int) -> Conductor | None:
        key = (playbook_id, version)
        with self._lock:
            conductor = self._conductors.get(key)
        if conductor is None:
            document = self.store.document(playbook_id, version)
            if document is None:
                return None
            conductor = Conductor(compile_plan(document, self.catalog))
            with self._lock:
                conductor = self._conductors.setdefault(key, conductor)
        return conductor


class ManualClock:
    """A clock that moves only when told: rehearsals wait for timers without sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance_to(self, moment: float) -> None:
        self.now = max(self.now, moment)


class _Timers:
    """One thread for every run's next timer."""

    def __init__(self, fire: Callable[[str], None]) -> None:
        self._fire = fire
        self._heap: list[tuple[float, str]] = []
        self._condition = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="soarflow-timers", daemon=True)
        self._thread.start()

    def at(self, moment: float, run_id: str) -> None:
        with self._condition:
            heapq.heappush(self._heap, (moment, run_id))
            self._condition.notify()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.time()):
                    delay = self._heap[0][0] - time.time() if self._heap else None
                    self._condition.wait(delay)
                if self._stopped:
                    return
                _, run_id = heapq.heappop(self._heap)
            try:
                self._fire(run_id)
            except Exception:
                log.exception("timer of run %s failed", run_id)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")
