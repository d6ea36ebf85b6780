"""The soarflow command: validate's exit codes, db upgrade."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from soarflow.cli import main
from tests.fixtures import enrich_ips


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "playbook.json"
    path.write_text(content)
    return path


def test_validate_a_structurally_valid_file(tmp_path: Path) -> None:
    document = {k: v for k, v in enrich_ips().items() if k != "nodes"}
    document["nodes"] = []
    document["edges"] = []
    result = CliRunner().invoke(main, ["validate", str(write(tmp_path, json.dumps(document)))])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(": valid")


def test_validate_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    document = enrich_ips()
    del document["trigger"]
    document["nodes"][1]["action"] = "nowhere.lookup"
    result = CliRunner().invoke(main, ["validate", str(write(tmp_path, json.dumps(document)))])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0] == "$.trigger: no_trigger: the playbook has no trigger"
    assert "$.nodes[1].action (node vt): unknown_action: " in result.output
    assert lines[-1].endswith(f": {len(lines) - 1} problem(s)")


def test_validate_json_output(tmp_path: Path) -> None:
    document = enrich_ips()
    document["nodes"][1]["action"] = "nowhere.lookup"
    result = CliRunner().invoke(
        main, ["validate", str(write(tmp_path, json.dumps(document))), "--json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    first = report["problems"][0]
    assert (first["code"], first["node_id"]) == ("unknown_action", "vt")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "cannot read"), ("{not json", "not JSON"), ('{"a": NaN}', "not JSON")],
)
def test_validate_unreadable_files_exit_2(tmp_path: Path, content: str | None, reason: str) -> None:
    path = tmp_path / "missing.json" if content is None else write(tmp_path, content)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert reason in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_db_upgrade_through_the_installed_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'fresh.db'}"
    command = [str(Path(sys.executable).parent / "soarflow"), "db", "upgrade"]
    env = {"SOARFLOW_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "database is up to date" in first.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0
    assert (tmp_path / "var" / "fresh.db").is_file()
