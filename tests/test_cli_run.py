"""`soarflow run`: rehearse a playbook from the command line, with mocked steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from soarflow.cli import main

PLAYBOOK: dict[str, Any] = {
    "format": "soarflow.playbook/v1",
    "name": "Enrich and count",
    "trigger": {"id": "incident", "type": "core.manual"},
    "variables": {"seen": {"type": "integer"}},
    "nodes": [
        {"id": "each_ip", "kind": "foreach", "items": "{{ trigger.ips }}"},
        {
            "id": "count",
            "kind": "action",
            "parent": "each_ip",
            "branch": "body",
            "action": "core.increment_variable",
            "inputs": {"name": "seen"},
        },
        {
            "id": "notify",
            "kind": "action",
            "action": "core.http_request",
            "inputs": {"url": "https://hooks.example.com/x", "body": "{{ vars.seen }}"},
            "retry": {"policy": "fixed", "count": 2, "interval": "PT10M"},
        },
    ],
    "edges": [
        {"source": "incident", "target": "each_ip"},
        {"source": "each_ip", "target": "count", "branch": "body"},
        {"source": "each_ip", "target": "notify"},
    ],
}


def _write(folder: Path, name: str, value: Any) -> str:
    path = folder / name
    path.write_text(json.dumps(value))
    return str(path)


def test_run_prints_the_trace_with_mocked_retries(tmp_path: Path) -> None:
    attempts = [
        {"status": "failed", "error": {"code": "http_error", "details": {"status": 503}}},
        {"output": {"status": 200}},
    ]
    result = CliRunner().invoke(
        main,
        [
            "run",
            _write(tmp_path, "playbook.json", PLAYBOOK),
            "--input",
            _write(tmp_path, "trigger.json", {"ips": ["10.0.0.1", "10.0.0.2", "10.0.0.3"]}),
            "--mock",
            "notify=" + _write(tmp_path, "notify.json", attempts),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    trace = json.loads(result.output)
    assert trace["status"] == "succeeded"
    assert trace["variables"] == {"seen": 3}
    steps = {step["key"]: step for step in trace["steps"]}
    assert steps["notify"]["attempts"] == 2
    assert steps["notify"]["output"] == {"status": 200}
    assert [step["key"] for step in trace["steps"]][:2] == ["incident", "each_ip"]


def test_a_failed_run_exits_1_and_says_why(tmp_path: Path) -> None:
    failure = {"status": "failed", "error": {"code": "http_error", "details": {"status": 404}}}
    result = CliRunner().invoke(
        main,
        [
            "run",
            _write(tmp_path, "playbook.json", PLAYBOOK),
            "--input",
            _write(tmp_path, "trigger.json", {"ips": []}),
            "--mock",
            "notify=" + _write(tmp_path, "notify.json", failure),
        ],
    )
    assert result.exit_code == 1
    assert "failed     notify  http_error" in result.output
    assert result.output.rstrip().endswith("run failed: notify failed: notify failed (mocked)")


def test_an_invalid_playbook_runs_nothing(tmp_path: Path) -> None:
    broken = {**PLAYBOOK, "edges": []}
    result = CliRunner().invoke(main, ["run", _write(tmp_path, "playbook.json", broken)])
    assert result.exit_code == 2
    assert "unreachable" in result.output
    assert "nothing ran" in result.output


def test_a_malformed_mock_is_refused(tmp_path: Path) -> None:
    playbook = _write(tmp_path, "playbook.json", PLAYBOOK)
    result = CliRunner().invoke(main, ["run", playbook, "--mock", "notify"])
    assert result.exit_code == 2
    assert "NODE=RESULT.json" in result.output
