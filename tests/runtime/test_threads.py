"""The runner with the thread executor and real timers, as `soarflow serve` runs it: loop
iterations really overlap, a hanging action times out, and a delay holds no thread and
survives a restart of the runtime."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from sqlalchemy import text
from sqlalchemy.engine import Engine

from soarflow.config import REPO_ROOT
from soarflow.connectors.registry import ConnectorRegistry
from soarflow.runtime.actions import ConnectorActions
from soarflow.runtime.executors import ThreadExecutor
from soarflow.runtime.rehearsal import store_playbook
from soarflow.runtime.runner import Runner
from soarflow.runtime.state import RunState
from soarflow.security.outbound import OutboundPolicy
from soarflow.store.runs import RunStore
from tests.connectors.fakes import serving

LOCAL = OutboundPolicy.from_env({"SOARFLOW_ALLOWED_NETWORKS": "127.0.0.0/8"})
DEADLINE_S = 20.0


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(REPO_ROOT / "connectors")


class SlowService:
    """Answers after `delay` seconds and notes how many requests were open at once."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.open = 0
        self.most_open = 0
        self.calls = 0
        self._lock = threading.Lock()
        self.app = Flask("slow")
        self.app.add_url_rule("/lookup", view_func=self._lookup, methods=["POST"])

    def _lookup(self) -> Response:
        with self._lock:
            self.open += 1
            self.calls += 1
            self.most_open = max(self.most_open, self.open)
        try:
            time.sleep(self.delay)
            return jsonify({"seen": (request.get_json() or {}).get("ip")})
        finally:
            with self._lock:
                self.open -= 1


@contextmanager
def threaded_runner(engine: Engine, registry: ConnectorRegistry) -> Iterator[Runner]:
    actions = ConnectorActions(registry, lambda _workspace, _name: None, LOCAL)
    runner = Runner(
        store=RunStore(engine), catalog=registry, actions=actions, executor=ThreadExecutor(32)
    )
    try:
        yield runner
    finally:
        runner.close()


def finished(engine: Engine, run_id: str) -> RunState:
    state: RunState = until(lambda: _ended(engine, run_id), f"run {run_id} to end")
    return state


def _ended(engine: Engine, run_id: str) -> RunState | None:
    state = RunStore(engine).load(run_id)
    return state if state is not None and state.finished else None


def until(probe: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"waited {DEADLINE_S} s for {what}")


def lookup(node_id: str, url: str, ip: str, **settings: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "action",
        "action": "core.http_request",
        "inputs": {"method": "POST", "url": url, "body": {"ip": ip}},
        **settings,
    }


def test_loop_iterations_wait_on_io_at_the_same_time(
    engine: Engine, registry: ConnectorRegistry
) -> None:
    service = SlowService(delay=0.3)
    with serving(service.app) as base, threaded_runner(engine, registry) as runner:
        document = {
            "format": "soarflow.playbook/v1",
            "name": "parallel lookups",
            "trigger": {"id": "t", "type": "core.manual"},
            "nodes": [
                {"id": "each", "kind": "foreach", "items": "{{ trigger.ips }}", "concurrency": 10},
                {
                    **lookup("vt", f"{base}/lookup", "{{ item }}"),
                    "parent": "each",
                    "branch": "body",
                },
            ],
            "edges": [
                {"source": "t", "target": "each"},
                {"source": "each", "target": "vt", "branch": "body"},
            ],
        }
        ips = [f"10.0.0.{n}" for n in range(20)]
        request_ = store_playbook(engine, document, {"ips": ips}, registry)
        state = finished(engine, runner.submit(request_))
    assert state.status == "succeeded", state.error
    assert [entry["vt"]["body"] for entry in state.steps["each"].output] == [
        {"seen": ip} for ip in ips
    ]
    # Ten at a time: never more than the loop's concurrency, and really more than one.
    assert 2 <= service.most_open <= 10
    assert service.calls == 20


def test_a_hanging_action_times_out_and_its_late_answer_is_ignored(
    engine: Engine, registry: ConnectorRegistry
) -> None:
    service = SlowService(delay=2.0)
    with serving(service.app) as base, threaded_runner(engine, registry) as runner:
        document = {
            "format": "soarflow.playbook/v1",
            "name": "timeout",
            "trigger": {"id": "t", "type": "core.manual"},
            "nodes": [
                lookup("slow", f"{base}/lookup", "10.0.0.1", timeout="PT0.3S"),
                {
                    "id": "fallback",
                    "kind": "action",
                    "action": "core.compose",
                    "inputs": {"value": "{{ steps.slow.status }}"},
                },
            ],
            "edges": [
                {"source": "t", "target": "slow"},
                {"source": "slow", "target": "fallback", "when": ["timed_out"]},
            ],
        }
        request_ = store_playbook(engine, document, {}, registry)
        state = finished(engine, runner.submit(request_))
        assert state.steps["slow"].status == "timed_out"
        assert state.steps["fallback"].output == "timed_out"
        assert state.status == "succeeded"
        until(lambda: service.calls == 1 and service.open == 0, "the late answer")
        time.sleep(0.1)
    again = RunStore(engine).load(state.id)
    assert again is not None
    assert again.steps["slow"].status == "timed_out"
    assert again.steps["slow"].output is None


def test_a_delay_holds_no_thread_and_survives_a_new_runtime(
    engine: Engine, registry: ConnectorRegistry
) -> None:
    document = {
        "format": "soarflow.playbook/v1",
        "name": "wait a little",
        "trigger": {"id": "t", "type": "core.manual"},
        "nodes": [
            {
                "id": "wait",
                "kind": "action",
                "action": "core.delay",
                "inputs": {"duration": "PT1S"},
            },
            {"id": "after", "kind": "action", "action": "core.compose", "inputs": {"value": 1}},
        ],
        "edges": [{"source": "t", "target": "wait"}, {"source": "wait", "target": "after"}],
    }
    request_ = store_playbook(engine, document, {}, registry)
    with threaded_runner(engine, registry) as first:
        run_id = first.submit(request_)
        waiting = until(lambda: RunStore(engine).load(run_id), "the run to be stored")
        assert waiting.status == "waiting"
        assert waiting.steps["wait"].status == "waiting"
        # Waiting, the run is in no thread and not even in memory: only its timer remains.
        assert first.wait_idle(timeout=5)
    with threaded_runner(engine, registry) as second:
        assert second.resume_all() == [run_id]
        state = finished(engine, run_id)
    assert state.status == "succeeded"
    assert state.steps["after"].status == "succeeded"
    waited = state.steps["wait"]
    assert waited.ended_at is not None
    assert waited.started_at is not None
    assert waited.ended_at - waited.started_at >= 1.0


def test_a_run_id_chosen_by_the_caller_starts_one_run_however_often_it_is_submitted(
    engine: Engine, registry: ConnectorRegistry
) -> None:
    """What a schedule or an automation rule relies on: two processes (two runners on one
    database) submitting the run for the same cause, at the same moment and again later."""
    document = {
        "format": "soarflow.playbook/v1",
        "name": "Once",
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": [
            {"id": "note", "kind": "action", "action": "core.compose", "inputs": {"value": 1}}
        ],
        "edges": [{"source": "start", "target": "note"}],
    }
    request_ = dataclasses.replace(
        store_playbook(engine, document, {}, registry),
        run_id="9b2f6c1e-0000-4000-8000-000000000001",
    )
    with threaded_runner(engine, registry) as first, threaded_runner(engine, registry) as second:
        barrier = threading.Barrier(2)
        ids: list[str] = []

        def submit(runner: Runner) -> None:
            barrier.wait()
            ids.append(runner.submit(request_))

        threads = [threading.Thread(target=submit, args=(r,)) for r in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        state = finished(engine, request_.run_id or "")
        assert first.submit(request_) == request_.run_id
    assert ids == [request_.run_id, request_.run_id]
    assert state.status == "succeeded"
    with engine.connect() as connection:
        runs = connection.execute(text("select count(*) from run")).scalar_one()
        steps = connection.execute(text("select key from step order by key")).scalars().all()
    assert runs == 1
    assert steps == ["note", "start"]
