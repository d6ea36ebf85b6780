"""Orquesta-style rehearsals: each YAML file under rehearsals/ is a playbook, its trigger input,
mocked step results and the expected run; every one runs on SQLite and on PostgreSQL.

A step's expectation is its status, or a mapping with `status` and optionally `output`,
`attempts`, `error_code` and `state` (keys that must be in the step's bookkeeping)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from soarflow.config import REPO_ROOT
from soarflow.connectors.registry import ConnectorRegistry
from soarflow.runtime.rehearsal import InvalidPlaybook, Rehearsal, rehearse, trace
from soarflow.runtime.state import RunState

EXPECT_KEYS = {"status", "error_code", "steps", "variables", "absent"}
STEP_KEYS = {"status", "output", "attempts", "error_code", "state"}
CASES = sorted((Path(__file__).parent / "rehearsals").glob("*.yaml"))


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return ConnectorRegistry.load(REPO_ROOT / "connectors")


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_rehearsal(path: Path, engine: Engine, registry: ConnectorRegistry) -> None:
    case = yaml.safe_load(path.read_text())
    assert set(case["expect"]) <= EXPECT_KEYS, f"unknown expectations in {path.name}"
    rehearsal = Rehearsal(case["playbook"], case.get("trigger", {}), case.get("mocks", {}))
    try:
        state = rehearse(rehearsal, engine=engine, registry=registry)
    except InvalidPlaybook as invalid:
        pytest.fail(f"invalid playbook:\n{json.dumps(invalid.problems, indent=1)}", pytrace=False)
    wrong = mismatches(state, case["expect"])
    shown = json.dumps(trace(state), indent=1, default=str)
    assert not wrong, f"{case['description']}\n" + "\n".join(wrong) + f"\ntrace:\n{shown}"


def mismatches(state: RunState, expect: dict[str, Any]) -> list[str]:
    """Every way the finished run differs from the expectation."""
    run = {"status": state.status, "error_code": (state.error or {}).get("code")}
    wrong = [
        f"run {name}: expected {expect[name]!r}, got {run[name]!r}"
        for name in ("status", "error_code")
        if name in expect and expect[name] != run[name]
    ]
    for key, wanted in expect.get("steps", {}).items():
        step = state.steps.get(key)
        if step is None:
            wrong.append(f"step {key}: missing")
            continue
        wanted = wanted if isinstance(wanted, dict) else {"status": wanted}
        assert set(wanted) <= STEP_KEYS, f"unknown expectations for step {key}"
        got = {
            "status": step.status,
            "output": step.output,
            "attempts": step.attempts,
            "error_code": (step.error or {}).get("code"),
            "state": {name: step.state.get(name) for name in wanted.get("state", {})},
        }
        wrong += [
            f"step {key} {name}: expected {value!r}, got {got[name]!r}"
            for name, value in wanted.items()
            if got[name] != value
        ]
    wrong += [
        f"variable {name}: expected {value!r}, got {state.variables.get(name)!r}"
        for name, value in expect.get("variables", {}).items()
        if state.variables.get(name) != value
    ]
    absent = [key for key in expect.get("absent", ()) if key in state.steps]
    return wrong + [f"step {key}: should not exist" for key in absent]
