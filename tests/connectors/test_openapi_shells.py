"""`soarflow connectors import-openapi` and POST /api/v1/connectors/import-openapi."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from flask.testing import FlaskClient

from soarflow.cli import main
from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from tests.fixtures import skip_or_fail

VIRUSTOTAL_SPEC = (
    REPO_ROOT.parent / "shared/corpus/connector-specs/virustotal.apiDefinition.swagger.json"
)
SMALL_SPEC = """
openapi: 3.1.0
info: {title: Cases, version: "1.0"}
servers: [{url: "https://cases.example/api"}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
security: [{key: []}]
paths:
  /cases/{id}:
    get:
      operationId: getCase
      summary: Get a case
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the case
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}, title: {type: string}}}
"""


def test_the_command_writes_a_connector_that_loads(tmp_path: Path) -> None:
    spec = tmp_path / "cases.yaml"
    spec.write_text(SMALL_SPEC)
    result = CliRunner().invoke(
        main,
        [
            "connectors",
            "import-openapi",
            str(spec),
            "--id",
            "cases",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    registry = ConnectorRegistry.load(tmp_path / "out")
    assert registry.problems == []
    action = registry.get_action("cases.get_case")
    assert action is not None
    assert action.output_schema["properties"]["title"]["type"] == "string"
    again = CliRunner().invoke(
        main,
        [
            "connectors",
            "import-openapi",
            str(spec),
            "--id",
            "cases",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert again.exit_code == 1, "an existing connector is never overwritten"


def test_the_command_lists_what_it_skips_and_refuses_bad_input(tmp_path: Path) -> None:
    if not VIRUSTOTAL_SPEC.is_file():
        skip_or_fail(f"no {VIRUSTOTAL_SPEC} (the shared corpus lies beside the checkout)")
    result = CliRunner().invoke(
        main,
        [
            "connectors",
            "import-openapi",
            str(VIRUSTOTAL_SPEC),
            "--id",
            "vt_import",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output
    junk = tmp_path / "junk.yaml"
    junk.write_text("just: [a, list")
    assert (
        CliRunner().invoke(main, ["connectors", "import-openapi", str(junk), "--id", "x"]).exit_code
        == 2
    )
    bad_id = CliRunner().invoke(main, ["connectors", "import-openapi", str(junk), "--id", "Bad-Id"])
    assert bad_id.exit_code == 2


def test_the_route_returns_a_manifest_and_installs_nothing(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/connectors/import-openapi", json={"id": "cases", "spec": SMALL_SPEC}
    )
    assert response.status_code == 200
    body = response.json
    assert body["problems"] == []
    assert [a["id"] for a in body["manifest"]["actions"]] == ["get_case"]
    assert yaml.safe_dump(body["manifest"])
    assert "cases" not in [c["id"] for c in client.get("/api/v1/connectors").json["data"]]
    for payload, code in (
        ({"id": "Bad", "spec": SMALL_SPEC}, "invalid_id"),
        ({"id": "x", "spec": "openapi: [unclosed"}, "invalid_spec"),
    ):
        refused = client.post("/api/v1/connectors/import-openapi", json=payload)
        assert (refused.status_code, refused.json["error"]["code"]) == (422, code)
