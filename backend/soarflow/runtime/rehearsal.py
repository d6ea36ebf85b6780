"""Rehearsing a playbook: run a document with the inline executor and a clock that jumps over
timers, some nodes' results mocked, and report the trace. `soarflow run` and the rehearsal
tests both come through here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.bootstrap import DEFAULT_WORKSPACE
from soarflow.connectors.registry import ConnectorRegistry
from soarflow.playbook import ActionCatalog, validate
from soarflow.playbook.summary import trigger_kind
from soarflow.runtime.actions import ConnectionLookup, ConnectorActions, MockedActions
from soarflow.runtime.executors import InlineExecutor
from soarflow.runtime.runner import ManualClock, Runner, RunRequest
from soarflow.runtime.state import RunState
from soarflow.security.outbound import OutboundPolicy
from soarflow.store import access
from soarflow.store import playbooks as repo
from soarflow.store.runs import RunStore


class InvalidPlaybook(Exception):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"the playbook has {len(problems)} problem(s)")
        self.problems = problems


@dataclass(frozen=True)
class Rehearsal:
    document: Mapping[str, Any]
    trigger: Any
    mocks: Mapping[str, Sequence[Mapping[str, Any]]]


def rehearse(
    rehearsal: Rehearsal,
    *,
    engine: Engine,
    registry: ConnectorRegistry,
    policy: OutboundPolicy | None = None,
    connections: ConnectionLookup | None = None,
) -> RunState:
    """Run the rehearsal to its end in the store behind engine; the finished run's state as its
    trace shows it (secret values masked)."""
    request = store_playbook(engine, rehearsal.document, rehearsal.trigger, registry)
    actions = ConnectorActions(registry, connections or _no_connections, policy or OutboundPolicy())
    store = RunStore(engine)
    runner = Runner(
        store=store,
        catalog=registry,
        actions=MockedActions(actions, rehearsal.mocks),
        executor=InlineExecutor(),
        clock=ManualClock(),
        timer_thread=False,
    )
    run_id = runner.submit(request)
    runner.settle(run_id)
    state = store.load(run_id, unseal=False)
    assert state is not None
    return state


def store_playbook(
    engine: Engine, document: Mapping[str, Any], trigger: Any, catalog: ActionCatalog
) -> RunRequest:
    """Save a valid document as a playbook in the default workspace; a request to run it."""
    document = dict(document)
    problems = [problem.to_dict() for problem in validate(document, catalog=catalog)]
    if problems:
        raise InvalidPlaybook(problems)
    with Session(engine) as session:
        workspace = access.get_workspace(session, key=DEFAULT_WORKSPACE)
        assert workspace is not None, "the migrations create the default workspace"
        checked = repo.Checked(document, [], trigger_kind(document))
        playbook = repo.create_playbook(session, checked=checked, workspace_id=workspace.id)
        session.commit()
        return RunRequest(playbook.id, 1, workspace.id, playbook.name, trigger)


def _no_connections(_workspace_id: str, _reference: str) -> None:
    return None


def trace(state: RunState) -> dict[str, Any]:
    """The run as `soarflow run --json` prints it: status, error, and every step instance."""
    return {
        "run": state.id,
        "status": state.status,
        "error": state.error,
        "variables": state.variables,
        "steps": [
            {
                "key": step.key,
                "status": step.status,
                "output": step.output,
                "error": step.error,
                "attempts": step.attempts,
            }
            for step in state.steps.values()
        ],
    }
