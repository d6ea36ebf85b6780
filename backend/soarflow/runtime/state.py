"""A run's state as the conductor sees it, and the messages between conductor and executors.

Every step instance has a key: the node id after the loop iterations around it, e.g.
`each_ip[3]/vt`. Everything here is plain data that serialises to JSON."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

STEP_TERMINAL = frozenset({"succeeded", "failed", "skipped", "timed_out", "cancelled"})
STEP_FAILED = frozenset({"failed", "timed_out"})
RUN_TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


class StepFailed(Exception):
    """A step failed before any executor saw it (a bad list, a variable of the wrong type)."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.error = {"code": code, "message": message, "details": details}


@dataclass(slots=True)
class Step:
    key: str
    node_id: str
    status: str
    inputs: Any = None
    output: Any = None
    error: dict[str, Any] | None = None
    attempts: int = 0
    started_at: float | None = None
    ended_at: float | None = None
    wake_at: float | None = None
    # A container's bookkeeping (branch taken, loop cursor), or an action's deadline and retry.
    state: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        """What `steps.<id>` shows an expression."""
        return {"output": self.output, "status": self.status, "error": self.error}


@dataclass
class RunState:
    id: str
    trigger: Any
    variables: dict[str, Any]
    # `run` and `playbook` as expressions see them.
    context: dict[str, Any] = field(default_factory=dict)
    workspace_id: str = ""
    status: str = "queued"
    error: dict[str, Any] | None = None
    started_at: float | None = None
    ended_at: float | None = None
    steps: dict[str, Step] = field(default_factory=dict)
    # What changed since the store last saved this state.
    dirty: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    saved: set[str] = field(default_factory=set)
    # Steps made since the last save, in the order they were made (the trace's order).
    created: list[str] = field(default_factory=list)
    # Steps with a timer, and action steps an executor is carrying out.
    wakes: dict[str, float] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)
    # The values this run read from secret outputs (output fields marked writeOnly). They stay
    # real here, for the expressions of later steps; the store masks them in everything it
    # writes (steps, variables, errors) and keeps the real values encrypted for a resumed run.
    secrets: set[str] = field(default_factory=set)

    @property
    def finished(self) -> bool:
        return self.status in RUN_TERMINAL

    def next_wake(self) -> float | None:
        return min(self.wakes.values(), default=None)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Carry out one attempt of an action step."""

    run_id: str
    workspace_id: str
    key: str
    node_id: str
    action: str
    connection: str | None
    inputs: Any
    attempt: int
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class StepResult:
    """What an attempt came to: an output, or an error `{code, message, details}`; or, with
    `wait_until`, that the action asked someone and the step waits for the answer (approvals)
    until then, `output` being what it has so far."""

    run_id: str
    key: str
    attempt: int
    output: Any = None
    error: Mapping[str, Any] | None = None
    wait_until: float | None = None


def secret_texts(output: Any, fields: frozenset[str]) -> set[str]:
    """The texts an output holds under its secret fields, nested ones included."""
    if not isinstance(output, Mapping):
        return set()
    found: set[str] = set()
    pending = [output[name] for name in fields if name in output]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, Mapping):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return found


def prefix_of(key: str) -> str:
    """The loop iterations a step key sits in: `a[1]/b[2]/` for `a[1]/b[2]/vt`."""
    return key[: key.rfind("/") + 1]


def iterations(prefix: str) -> Iterator[tuple[str, str, int]]:
    """For each loop iteration in a prefix, outermost first: the loop step's key, the loop's
    node id and the iteration index."""
    outer = ""
    for segment in prefix[:-1].split("/") if prefix else ():
        node_id, _, rest = segment.partition("[")
        yield outer + node_id, node_id, int(rest[:-1])
        outer += segment + "/"


class StepsView(Mapping[str, Any]):
    """`steps.<id>` for an expression evaluated at a prefix: the instance in the same loop
    iteration, else in the enclosing ones."""

    __slots__ = ("_prefix", "_steps")

    def __init__(self, steps: Mapping[str, Step], prefix: str) -> None:
        self._steps = steps
        self._prefix = prefix

    def __getitem__(self, node_id: str) -> dict[str, Any]:
        prefix = self._prefix
        while True:
            step = self._steps.get(prefix + node_id)
            if step is not None:
                return step.view()
            if not prefix:
                raise KeyError(node_id)
            prefix = prefix_of(prefix[:-1])

    def __iter__(self) -> Iterator[str]:
        return iter({step.node_id for step in self._steps.values()})

    def __len__(self) -> int:
        return len({step.node_id for step in self._steps.values()})
