"""The connector registry: manifests are checked by file, path and reason; one bad manifest
never stops the others; the catalogue API and the validator use the registry."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from flask.testing import FlaskClient

from soarflow.cli import main
from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.expressions.fields import dynamic_fields
from soarflow.playbook import PlaybookGraph, validate
from tests.fixtures import enrich_ips

CONNECTORS = REPO_ROOT / "connectors"
ICON = '<svg xmlns="http://www.w3.org/2000/svg"/>'


def good_manifest(connector_id: str = "echo") -> dict[str, Any]:
    return {
        "format": "soarflow.connector/v1",
        "id": connector_id,
        "name": "Echo",
        "version": "1.0.0",
        "icon": "icon.svg",
        "connection": {
            "fields": {
                "type": "object",
                "properties": {"token": {"type": "string", "writeOnly": True}},
            },
            "auth": {"type": "bearer", "token": "{{ connection.token }}"},
            "base_url": "https://echo.example",
        },
        "actions": [
            {
                "id": "say",
                "title": "Say something",
                "side_effects": "none",
                "idempotent": True,
                "inputs": {"type": "object", "properties": {"text": {"type": "string"}}},
                "outputs": {"type": "object", "properties": {"echo": {"type": "string"}}},
                "request": {
                    "method": "POST",
                    "path": "/say",
                    "body": {"text": "{{ inputs.text }}"},
                },
            }
        ],
    }


def write(root: Path, folder: str, manifest: Any, *, icon: bool = True) -> Path:
    place = root / folder
    place.mkdir(parents=True)
    text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest)
    (place / "manifest.yaml").write_text(text)
    if icon:
        (place / "icon.svg").write_text(ICON)
    return place


def reasons(registry: ConnectorRegistry) -> list[tuple[str, str, str]]:
    return [(Path(p.file).parent.name, p.path, p.reason) for p in registry.problems]


def test_the_shipped_connectors_load_cleanly() -> None:
    registry = ConnectorRegistry.load(CONNECTORS)
    assert registry.problems == []
    assert "soarflow" in registry.connectors
    assert registry.get_trigger("soarflow.incident_created") is not None


def test_a_good_manifest_becomes_actions(tmp_path: Path) -> None:
    write(tmp_path, "echo", good_manifest())
    registry = ConnectorRegistry.load(tmp_path)
    assert registry.problems == []
    spec = registry.get_action("echo.say")
    assert spec is not None
    assert spec.output_schema["properties"]["echo"]["type"] == "string"
    assert registry.get_action("echo.shout") is None


def test_bad_manifests_are_reported_and_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good", good_manifest("good"))
    unknown_key = good_manifest("unknown_key") | {"colour": "red"}
    write(tmp_path, "unknown_key", unknown_key)
    bad_schema = good_manifest("bad_schema")
    bad_schema["actions"][0]["inputs"] = {"type": "text"}
    write(tmp_path, "bad_schema", bad_schema)
    twice = good_manifest("twice")
    twice["actions"].append(dict(twice["actions"][0]))
    write(tmp_path, "twice", twice)
    write(tmp_path, "no_icon", good_manifest("no_icon"), icon=False)
    write(tmp_path, "not_yaml", "id: [unclosed")
    write(tmp_path, "misnamed", good_manifest("other_name"))
    foreign = good_manifest("foreign")
    del foreign["actions"][0]["request"]
    foreign["actions"][0]["python"] = "os:system"
    write(tmp_path, "foreign", foreign)
    (tmp_path / "empty").mkdir()

    registry = ConnectorRegistry.load(tmp_path)
    assert list(registry.connectors) == ["good"]
    found = reasons(registry)
    assert (
        "unknown_key",
        "$",
        "Additional properties are not allowed ('colour' was unexpected)",
    ) in found
    assert any(f[0] == "bad_schema" and f[1] == "$.actions[0].inputs.type" for f in found)
    assert ("twice", "$.actions[1].id", "id 'say' is used twice") in found
    assert ("no_icon", "$.icon", "no icon file icon.svg") in found
    assert any(f[0] == "not_yaml" and "cannot be read as YAML" in f[2] for f in found)
    assert ("misnamed", "$.id", "the id must match the folder name 'misnamed'") in found
    assert (
        "foreign",
        "$.actions[0].python",
        "Python actions live in soarflow.connectors.builtin.*",
    ) in found
    assert ("empty", "$", "no manifest.yaml in the folder") in found


def test_connectors_check_command(tmp_path: Path) -> None:
    clean = CliRunner().invoke(main, ["connectors", "check", str(CONNECTORS)])
    assert clean.exit_code == 0, clean.output
    assert clean.output.strip().endswith("0 problems")
    shutil.copytree(CONNECTORS / "soarflow", tmp_path / "soarflow")
    write(tmp_path, "broken", good_manifest("broken") | {"version": "one"})
    failing = CliRunner().invoke(main, ["connectors", "check", str(tmp_path)])
    assert failing.exit_code == 1
    assert "broken/manifest.yaml: $.version: 'one' does not match" in failing.output
    assert "ok  soarflow" in failing.output


def test_the_catalogue_api(client: FlaskClient) -> None:
    catalogue = client.get("/api/v1/connectors").json
    assert catalogue["problems"] == []
    [soarflow] = [c for c in catalogue["data"] if c["id"] == "soarflow"]
    assert {
        "type": "soarflow.incident_created",
        "title": "When an incident is created",
    } in soarflow["triggers"]
    manifest = client.get("/api/v1/connectors/soarflow").json
    assert manifest["format"] == "soarflow.connector/v1"
    icon = client.get(soarflow["icon_url"])
    assert icon.mimetype == "image/svg+xml"
    assert "sandbox" in icon.headers["Content-Security-Policy"]
    assert client.get("/api/v1/connectors/nope").status_code == 404
    schema = client.get("/api/v1/schemas/connector").json
    assert schema["$id"].endswith("soarflow.connector/v1")


def test_validation_and_fields_use_the_registry() -> None:
    registry = ConnectorRegistry.load(CONNECTORS)
    document = enrich_ips()
    document["nodes"][2]["inputs"]["text"] = "{{ trigger.titel }}"
    codes = {p.code for p in validate(document, catalog=registry)}
    assert "unknown_field" in codes, "the shipped incident trigger declares its fields"
    assert "unknown_action" not in codes, "the shipped connectors offer every action it calls"
    graph = PlaybookGraph.from_document(enrich_ips())
    node = graph.node("comment")
    assert node is not None
    offered = {f.expression: f.type for f in dynamic_fields(graph, registry, node)}
    assert offered["{{ trigger.severity }}"] == "string"
    assert offered["{{ item.address }}"] == "string"


@pytest.mark.parametrize("folder", sorted(p.name for p in CONNECTORS.iterdir() if p.is_dir()))
def test_every_shipped_connector_has_a_readme(folder: str) -> None:
    assert (CONNECTORS / folder / "README.md").is_file()
