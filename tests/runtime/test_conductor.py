"""The conductor alone: no database, no executor, no clock. Events in, decisions out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from soarflow.config import REPO_ROOT
from soarflow.connectors.registry import ConnectorRegistry
from soarflow.runtime.conductor import Conductor
from soarflow.runtime.directives import initial_variables
from soarflow.runtime.plan import compile_plan
from soarflow.runtime.state import Dispatch, RunState, StepResult

REGISTRY = ConnectorRegistry.load(REPO_ROOT / "connectors")
T0 = 1_000_000.0


def http(node_id: str, **settings: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "action",
        "action": "core.http_request",
        "inputs": {"url": f"https://api.example.com/{node_id}"},
        **settings,
    }


def conductor(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> Conductor:
    document = {
        "format": "soarflow.playbook/v1",
        "name": "p",
        "trigger": {"id": "t", "type": "core.manual"},
        "variables": {"n": {"type": "integer"}},
        "nodes": nodes,
        "edges": edges,
    }
    return Conductor(compile_plan(document, REGISTRY))


def new_state(conductor: Conductor) -> RunState:
    return RunState("run-1", {}, initial_variables(conductor.plan), workspace_id="ws")


def ok(work: Dispatch, output: Any = None) -> StepResult:
    return StepResult(work.run_id, work.key, work.attempt, output=output)


def failed(work: Dispatch, status: int) -> StepResult:
    error = {"code": "http_error", "message": f"{status}", "details": {"status": status}}
    return StepResult(work.run_id, work.key, work.attempt, error=error)


CHAIN = conductor(
    [http("a"), http("b"), http("c")],
    [
        {"source": "t", "target": "a"},
        {"source": "a", "target": "b"},
        {"source": "b", "target": "c"},
    ],
)


def test_the_state_is_plain_json_after_every_decision() -> None:
    state = new_state(CHAIN)
    [work] = CHAIN.start(state, T0)
    assert (work.key, work.attempt, work.idempotency_key) == ("a", 1, "run-1/a")
    for step in state.steps.values():
        json.dumps({name: getattr(step, name) for name in step.__slots__})
    json.dumps([state.variables, state.error, work.inputs])


def test_a_duplicate_or_late_report_changes_nothing() -> None:
    state = new_state(CHAIN)
    [work] = CHAIN.start(state, T0)
    [next_work] = CHAIN.on_result(state, ok(work, 1), T0 + 1)
    assert next_work.key == "b"
    assert CHAIN.on_result(state, ok(work, 2), T0 + 2) == []
    assert state.steps["a"].output == 1


def test_retry_waits_on_a_timer_then_tries_again() -> None:
    state = new_state(CHAIN)
    [work] = CHAIN.start(state, T0)
    assert CHAIN.on_result(state, failed(work, 503), T0) == []
    assert (state.status, state.steps["a"].status) == ("waiting", "waiting")
    assert state.next_wake() == T0 + 7.5  # Logic Apps' first exponential interval
    assert CHAIN.on_timers(state, T0 + 7) == []
    [again] = CHAIN.on_timers(state, T0 + 7.5)
    assert (again.key, again.attempt, again.idempotency_key) == ("a", 2, "run-1/a")
    assert state.status == "running"


def test_a_4xx_is_not_retried_and_skips_what_follows() -> None:
    state = new_state(CHAIN)
    [work] = CHAIN.start(state, T0)
    assert CHAIN.on_result(state, failed(work, 404), T0) == []
    assert {key: step.status for key, step in state.steps.items()} == {
        "t": "succeeded",
        "a": "failed",
        "b": "skipped",
        "c": "skipped",
    }
    assert state.status == "failed"
    assert state.error is not None
    assert state.error["details"] == {"step": "a"}


def test_cancel_cancels_what_is_in_flight_and_ignores_its_answer() -> None:
    state = new_state(CHAIN)
    [work] = CHAIN.start(state, T0)
    CHAIN.cancel(state, T0 + 1, "enough")
    assert (state.status, state.steps["a"].status) == ("cancelled", "cancelled")
    assert CHAIN.on_result(state, ok(work), T0 + 2) == []
    assert "b" not in state.steps


def test_resume_dispatches_again_only_what_was_in_flight() -> None:
    state = new_state(CHAIN)
    [work] = CHAIN.start(state, T0)
    [second] = CHAIN.on_result(state, ok(work, "A"), T0 + 1)
    reloaded = RunState(
        state.id, state.trigger, state.variables, workspace_id="ws", status=state.status
    )
    reloaded.steps = state.steps
    CHAIN.adopt(reloaded)
    [again] = CHAIN.resume(reloaded, T0 + 60)
    assert (again.key, again.attempt, again.inputs) == ("b", 1, second.inputs)
    assert again.idempotency_key == second.idempotency_key


def test_restart_keeps_what_succeeded_and_runs_again_what_failed_and_follows() -> None:
    state = new_state(CHAIN)
    [a] = CHAIN.start(state, T0)
    [b] = CHAIN.on_result(state, ok(a, "A"), T0 + 1)
    CHAIN.on_result(state, failed(b, 400), T0 + 2)
    assert state.status == "failed"
    a_ended = state.steps["a"].ended_at

    [b_again] = CHAIN.restart(state, T0 + 100)
    assert b_again.key == "b"
    assert state.steps["a"].ended_at == a_ended
    assert "c" not in state.steps
    assert state.deleted == {"c"}  # b is made again in the same turn: its row is updated
    [c] = CHAIN.on_result(state, ok(b_again, "B"), T0 + 101)
    CHAIN.on_result(state, ok(c, "C"), T0 + 102)
    assert state.status == "succeeded"
    assert [state.steps[key].output for key in ("a", "b", "c")] == ["A", "B", "C"]


def test_restart_inside_a_loop_keeps_the_iterations_that_succeeded() -> None:
    loop = conductor(
        [
            {"id": "each", "kind": "foreach", "items": "{{ [1, 2, 3] }}", "concurrency": 3},
            {**http("call"), "parent": "each", "branch": "body"},
        ],
        [{"source": "t", "target": "each"}, {"source": "each", "target": "call", "branch": "body"}],
    )
    state = new_state(loop)
    first = loop.start(state, T0)
    assert [work.key for work in first] == ["each[0]/call", "each[1]/call", "each[2]/call"]
    loop.on_result(state, ok(first[0], 0), T0)
    loop.on_result(state, failed(first[1], 400), T0)
    loop.on_result(state, ok(first[2], 2), T0)
    assert (state.status, state.steps["each"].status) == ("failed", "failed")

    [again] = loop.restart(state, T0 + 10)
    assert again.key == "each[1]/call"
    loop.on_result(state, ok(again, 1), T0 + 11)
    assert state.status == "succeeded"
    assert state.steps["each"].output == [{"call": 0}, {"call": 1}, {"call": 2}]


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_loop_never_has_more_iterations_open_than_its_concurrency(concurrency: int) -> None:
    loop = conductor(
        [
            {
                "id": "each",
                "kind": "foreach",
                "items": "{{ [1, 2, 3, 4] }}",
                "concurrency": concurrency,
            },
            {**http("call"), "parent": "each", "branch": "body"},
        ],
        [{"source": "t", "target": "each"}, {"source": "each", "target": "call", "branch": "body"}],
    )
    state = new_state(loop)
    open_work = loop.start(state, T0)
    seen = 0
    while open_work:
        assert len(state.in_flight) <= concurrency
        seen += 1
        work = open_work.pop(0)
        open_work += loop.on_result(state, ok(work, work.key), T0)
    assert seen == 4
    assert state.status == "succeeded"


def test_a_secret_outputs_values_are_the_runs_secrets_and_later_steps_get_them_real() -> None:
    """Key Vault's `value` is writeOnly in its output schema: from then on the run knows it as
    a secret (for the store to mask), while the next step's inputs hold the real value."""
    secret = "Kv-s3cret-value-0123456789"
    kv = {
        "id": "kv",
        "kind": "action",
        "action": "azure_key_vault.get_secret",
        "connection": "kv-main",
        "inputs": {"name": "graph-app"},
    }
    token = http("token", inputs={"url": "https://login.example.com/token", "method": "POST"})
    token["inputs"]["body"] = "client_secret={{ steps.kv.output.value }}"
    run = conductor(
        [kv, token], [{"source": "t", "target": "kv"}, {"source": "kv", "target": "token"}]
    )
    assert run.plan.nodes["kv"].secret_outputs == frozenset({"value"})
    state = new_state(run)
    [read] = run.start(state, T0)
    state.dirty.clear()
    output = {"value": secret, "name": "graph-app", "tags": {"owner": "soc"}}
    [then] = run.on_result(state, ok(read, output), T0 + 1)
    assert state.secrets == {secret}
    assert "" in state.dirty, "the run row keeps the run's secrets"
    assert then.inputs["body"] == f"client_secret={secret}"
    assert state.steps["kv"].output == output, "in memory the value stays real"
