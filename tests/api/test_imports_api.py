"""Importing Sentinel playbooks through the API and the command line, on SQLite and PostgreSQL:
a real template imports as a valid playbook with its report; a template with parts soarflow
cannot do is saved as a draft whose report and problems name them; a file that is not a
playbook is refused with its reason and leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from soarflow.app import create_app
from soarflow.config import Settings
from soarflow.logicapps import MAX_BYTES
from soarflow.security.roles import Role
from tests.conftest import loaded_registry
from tests.connectors.fakes import SHIPPED_CONNECTORS

CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus" / "sentinel-playbooks"
CLEAN = "Block-AADUser-incident-trigger.json"
WITH_GAPS = "AS-Incident-Spiderfoot-Scan.json"
SOARFLOW = Path(sys.executable).parent / "soarflow"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The shipped connectors as the catalog, as in production."""
    settings = Settings(
        database_url,
        frontend_dir=tmp_path / "no-frontend",
        connectors_dir=SHIPPED_CONNECTORS,
        var_dir=tmp_path / "var",
        executor="inline",
    )
    made = create_app(settings, registry=loaded_registry(SHIPPED_CONNECTORS))
    made.config["TESTING"] = True
    yield made
    made.extensions["soarflow.engine"].dispose()


def _import(client: FlaskClient, raw: bytes, name: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        f"/api/v1/playbooks/import?name={name}", data=raw, content_type="application/json"
    )
    assert response.json is not None
    return response.status_code, response.json


def _count(client: FlaskClient) -> int:
    listed = client.get("/api/v1/playbooks").json
    assert listed is not None
    return int(listed["total"])


def test_a_real_template_imports_as_a_valid_playbook(client: FlaskClient) -> None:
    status, result = _import(client, (CORPUS / CLEAN).read_bytes(), CLEAN)
    assert status == 201, result
    assert (result["status"], result["unmapped"], result["problems"]) == ("imported", 0, 0)
    playbook = client.get(f"/api/v1/playbooks/{result['playbook_id']}").json
    assert playbook is not None
    assert (playbook["name"], playbook["valid"]) == ("Block AAD user - Incident", True)
    assert playbook["document"]["trigger"]["type"] == "soarflow.incident_created"
    report = client.get(f"/api/v1/playbooks/{result['playbook_id']}/import-report").json
    assert report is not None
    assert (report["file_name"], report["unmapped"]) == (CLEAN, 0)
    # Its case mismatches are reported as the original's defects.
    assert any(finding["kind"] == "defect" for finding in report["findings"])


def test_what_does_not_carry_over_makes_a_draft_that_says_so(client: FlaskClient) -> None:
    status, result = _import(client, (CORPUS / WITH_GAPS).read_bytes(), WITH_GAPS)
    assert status == 201, result
    assert (result["status"], result["unmapped"]) == ("draft", 5)
    report = client.get(f"/api/v1/playbooks/{result['playbook_id']}/import-report").json
    assert report is not None
    unmapped = [f for f in report["findings"] if f["kind"] == "action"]
    assert [f["node_id"] for f in unmapped] == ["entities___get_accounts"]
    assert "the trigger field Entities" in unmapped[0]["message"]
    dangling = [f for f in report["findings"] if "dangling reference" in f["message"]]
    assert {f["node_id"] for f in dangling} == {"http__start_scan", "http__scan_status"}
    playbook = client.get(f"/api/v1/playbooks/{result['playbook_id']}").json
    assert playbook is not None
    assert playbook["valid"] is False
    flagged = {problem["node_id"] for problem in playbook["problems"]}
    [start_scan] = [p for p in playbook["problems"] if p["node_id"] == "http__start_scan"]
    assert start_scan["message"].startswith("not carried over from the imported workflow")
    assert "Get_Secret_-_Password" in start_scan["details"]["expression"]
    assert flagged == {
        "entities___get_accounts",
        "for_each__account",
        "http__start_scan",
        "http__scan_status",
        "set_variable__remove_last_comma_from_loop",
    }


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{ not json", "not JSON"),
        (b'{"resources": []}', "no Logic Apps workflow"),
        (
            json.dumps(
                {"resources": [{"type": "Microsoft.Logic/workflows", "properties": {}}] * 2}
            ).encode(),
            "2 workflows",
        ),
        (b"[" * 300 + b"]" * 300, "nested more than"),
    ],
)
def test_a_file_that_is_not_a_playbook_is_refused_and_nothing_is_saved(
    client: FlaskClient, raw: bytes, reason: str
) -> None:
    before = _count(client)
    status, body = _import(client, raw, "bad.json")
    assert status == 422
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "import_failed"
    assert reason in error["message"]
    assert error["details"]["file"] == "bad.json"
    assert _count(client) == before


def test_a_file_over_10_mb_is_refused(client: FlaskClient) -> None:
    status, body = _import(client, b" " * (MAX_BYTES + 1), "huge.json")
    assert status == 413
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "too_large"


def test_a_reader_may_not_import_and_a_playbook_not_imported_has_no_report(
    client_for: Callable[[Role], FlaskClient], client: FlaskClient
) -> None:
    reader = client_for(Role.READER)
    refused = reader.post("/api/v1/playbooks/import", data=b"{}", content_type="application/json")
    assert refused.status_code == 403
    made = client.post(
        "/api/v1/playbooks", json={"format": "soarflow.playbook/v1", "name": "By hand"}
    ).json
    assert made is not None
    report = client.get(f"/api/v1/playbooks/{made['id']}/import-report")
    assert (report.status_code, report.json["error"]["code"]) == (404, "not_imported")


def test_the_command_imports_files_and_folders_with_a_report(tmp_path: Path) -> None:
    folder = tmp_path / "sentinel"
    folder.mkdir()
    shutil.copy(CORPUS / CLEAN, folder)
    shutil.copy(CORPUS / WITH_GAPS, folder)
    (folder / "notes.json").write_text("not json")
    env = {
        **os.environ,
        "SOARFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SOARFLOW_VAR_DIR": str(tmp_path / "var"),
        "SOARFLOW_CONNECTORS_DIR": str(SHIPPED_CONNECTORS),
    }
    subprocess.run([SOARFLOW, "db", "upgrade"], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [SOARFLOW, "import", str(folder), "--json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    results = {Path(item["file"]).name: item for item in json.loads(done.stdout)}
    assert results[CLEAN]["status"] == "imported"
    assert results[WITH_GAPS]["status"] == "draft"
    assert results["notes.json"]["status"] == "failed"
    assert "not JSON" in results["notes.json"]["error"]
    assert "Importing" in done.stderr  # the progress bar
    text = subprocess.run(
        [SOARFLOW, "import", str(folder / CLEAN)], env=env, capture_output=True, text=True
    )
    assert text.returncode == 0
    assert "IMPORTED" in text.stdout
    assert "1 of 1 imported completely" in text.stdout
