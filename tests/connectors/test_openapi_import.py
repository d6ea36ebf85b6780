"""Custom connectors from OpenAPI: two real Swagger 2.0 documents (Power Platform's VirusTotal
and JIRA connectors) and small OpenAPI 3.1 and 3.0 documents of our own become manifests the
registry loads without a problem; what cannot be mapped is listed by path; and the generated
request templates work through the real executor against a local fake."""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from flask import Flask, Response, jsonify, request
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, call_action
from soarflow.connectors.openapi_import import (
    IDENTIFIER,
    ImportResult,
    OpenApiImportError,
    check_connector,
    identifier,
    import_openapi,
    parse_spec,
    write_connector,
)
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import local_session, manifest_action, serving
from tests.fixtures import skip_or_fail

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "connector-specs"
VIRUSTOTAL = CORPUS / "virustotal.apiDefinition.swagger.json"
JIRA = CORPUS / "jira.apiDefinition.swagger.json"
NO_WAIT = RetryPolicy(interval=0, min_interval=0, max_interval=0)
TOKEN = "casedesk-token-3b9f0d27c1e84a56"
VT_KEY = "vt-import-test-key-0f9e8d7c6b5a4f3e"

needs_corpus = pytest.mark.usefixtures("corpus")


@pytest.fixture
def corpus() -> None:
    """The public definitions live in shared/ beside the checkout, as CI lays it out."""
    if not VIRUSTOTAL.is_file() or not JIRA.is_file():
        skip_or_fail(f"the public connector definitions are not in {CORPUS}")


# Written for these tests: every feature the importer maps or must list, in OpenAPI 3.1.
CASE_DESK = """
openapi: 3.1.0
info:
  title: Case Desk
  version: 2.4.0
  description: A small case-tracking API, written for the importer's tests.
servers:
  - url: https://{tenant}.casedesk.example/api/v2
    variables:
      tenant:
        default: demo
        description: Your tenant's name, the first label of its address.
  - url: https://sandbox.casedesk.example/api/v2
security:
  - token: []
components:
  securitySchemes:
    token:
      type: http
      scheme: bearer
      bearerFormat: JWT
    session:
      type: apiKey
      in: cookie
      name: session
  parameters:
    CaseId:
      name: caseId
      in: path
      required: true
      description: The case's identifier.
      schema: {type: string, pattern: "^C-[0-9]+$"}
  schemas:
    Severity:
      type: string
      enum: [low, medium, high]
      description: How bad it is.
    Note:
      type: object
      required: [id, text]
      properties:
        id: {type: integer}
        text: {type: string}
        author:
          type: [string, "null"]
          description: null when an automation wrote it.
        replies:
          type: array
          items: {$ref: "#/components/schemas/Note"}
    User:
      type: object
      properties:
        kind: {const: user}
        email: {type: string, format: email}
    Team:
      type: object
      properties:
        kind: {const: team}
        name: {type: string}
    Case:
      type: object
      required: [id, title, severity]
      properties:
        id: {type: string}
        title: {type: string}
        severity: {$ref: "#/components/schemas/Severity"}
        closed_at:
          type: [string, "null"]
          format: date-time
        assignee:
          oneOf:
            - $ref: "#/components/schemas/User"
            - $ref: "#/components/schemas/Team"
        notes:
          type: array
          items: {$ref: "#/components/schemas/Note"}
paths:
  /cases/{caseId}:
    parameters:
      - $ref: "#/components/parameters/CaseId"
    get:
      operationId: getCase
      summary: Get a case
      description: One case with its notes.
      parameters:
        - name: expand
          in: query
          explode: false
          schema: {type: array, items: {type: string, enum: [notes, assignee]}}
      responses:
        "200":
          description: The case.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Case"}
    delete:
      operationId: deleteCase
      summary: Delete a case
      responses:
        "204": {description: Deleted.}
  /cases/{caseId}/notes:
    parameters:
      - $ref: "#/components/parameters/CaseId"
    post:
      operationId: addNote
      summary: Add a note to a case
      parameters:
        - {name: notify, in: query, schema: {type: boolean}}
        - name: X-Request-Source
          in: header
          required: true
          schema: {type: string, default: soarflow}
        - {name: tracking, in: cookie, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string, minLength: 1}
                visibility: {type: string, enum: [internal, public], default: internal}
      responses:
        "201":
          description: The new note.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
      callbacks:
        noteRead:
          "{$request.body#/callback}":
            post:
              responses:
                "200": {description: Received.}
  /cases/{caseId}/attachments:
    parameters:
      - $ref: "#/components/parameters/CaseId"
    post:
      operationId: uploadAttachment
      summary: Attach a file to a case
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, contentMediaType: application/octet-stream}
      responses:
        "201": {description: Stored.}
  /health:
    head:
      operationId: healthHead
      responses:
        "200": {description: Up.}
    get:
      operationId: health
      summary: Is the service up
      responses:
        "200":
          description: Up.
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: {type: string}
webhooks:
  caseCreated:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Case"}
      responses:
        "200": {description: Received.}
"""

# OpenAPI 3.0's own dialect, OAuth2 client credentials, and the parts that cannot be sent.
INVENTORY = {
    "openapi": "3.0.3",
    "info": {"title": "Asset Inventory", "version": "2023-07-01"},
    "servers": [{"url": "https://inventory.example.net/v1/"}],
    "components": {
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": "https://login.example.net/authorize",
                        "tokenUrl": "https://login.example.net/token",
                        "scopes": {"assets.read": "Read assets"},
                    },
                    "clientCredentials": {
                        "tokenUrl": "/oauth/token",
                        "scopes": {"assets.read": "Read assets", "assets.write": "Change assets"},
                    },
                },
            },
            "key": {"type": "apiKey", "in": "query", "name": "key"},
        },
        "schemas": {
            "Asset": {
                "type": "object",
                "discriminator": {"propertyName": "kind"},
                "xml": {"name": "asset"},
                "required": ["id"],
                "properties": {
                    "id": {"type": "string", "example": "A-1"},
                    "kind": {"type": "string", "enum": ["host", "user"], "nullable": True},
                    "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": True},
                    "risk": {
                        "type": "number",
                        "minimum": 0,
                        "exclusiveMinimum": True,
                        "maximum": 100,
                        "exclusiveMaximum": False,
                    },
                    "label": {"type": "string", "pattern": "^\\p{L}+$"},
                    "location": {"$ref": "#/components/schemas/Nowhere"},
                    "x-internal-note": {"type": "string"},
                },
                "x-ms-dynamic-properties": {"operationId": "ListFields"},
            },
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    },
    "security": [{"oauth": ["assets.read"]}, {"key": []}],
    "paths": {
        "/assets": {
            "get": {
                "operationId": "list-assets",
                "parameters": [
                    {"name": "tags", "in": "query", "schema": {"type": "array"}},
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "schema": {"type": "object"},
                    },
                    {"name": "Accept", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "Assets.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Asset"},
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                # Distinct, but the same identifier once in snake_case.
                "operationId": "list_assets",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Asset"}}
                    }
                },
                "responses": {"201": {"description": "Created."}},
            },
        },
        "/assets/{id}/scan": {
            "post": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "required": True, "schema": {}},
                ],
                "responses": {"202": {"description": "Queued."}},
            }
        },
        "/reports/{name}": {
            "get": {
                "security": [{"key": []}],
                "responses": {
                    "200": {
                        "description": "A PDF.",
                        "content": {"application/pdf": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    },
}


def actions_of(result: ImportResult) -> dict[str, dict[str, Any]]:
    return {action["id"]: action for action in result.manifest["actions"]}


def skipped_of(result: ImportResult) -> dict[str, str]:
    return {item.path: item.reason for item in result.skipped}


def assert_loads(result: ImportResult, tmp_path: Path) -> None:
    """Written out, the connector loads in the registry with no problem at all."""
    connector_id = result.manifest["id"]
    write_connector(result, tmp_path / connector_id)
    registry = ConnectorRegistry.load(tmp_path)
    assert registry.problems == []
    assert list(registry.connectors) == [connector_id]


@pytest.fixture(scope="module")
def virustotal() -> ImportResult:
    if not VIRUSTOTAL.is_file():
        skip_or_fail(f"no {VIRUSTOTAL}")
    return import_openapi(VIRUSTOTAL.read_bytes(), "virustotal_custom")


@pytest.fixture(scope="module")
def jira() -> ImportResult:
    if not JIRA.is_file():
        skip_or_fail(f"no {JIRA}")
    return import_openapi(json.loads(JIRA.read_text()), "jira_custom")


@pytest.fixture(scope="module")
def case_desk() -> ImportResult:
    return import_openapi(CASE_DESK, "case_desk")


# ---------------------------------------------------------------------------------------------
# VirusTotal (Swagger 2.0)


@needs_corpus
def test_virustotal_every_operation_but_the_uploads_is_an_action(
    virustotal: ImportResult, tmp_path: Path
) -> None:
    assert sorted(actions_of(virustotal)) == [
        "virus_total_get_domain_report",
        "virus_total_get_ip_scan_v3",
        "virus_total_get_ip_scan_v3_v2",
        "virus_total_get_url_report",
        "virus_total_retrieve_info",
        "virus_total_retrieve_info_v2",
        "virus_total_retrieve_infoabout_file",
        "virus_total_retrieve_infoabout_file_v2",
    ]
    skipped = skipped_of(virustotal)
    for path, field in (("/api/v3/urls", "url"), ("/api/v3/files", "file")):
        reason = skipped[f"$.paths['{path}'].post"]
        assert reason.startswith("not imported:")
        assert f"form field '{field}'" in reason
        assert "multipart/form-data" in reason
    assert len(virustotal.skipped) == 2
    assert virustotal.manifest["name"] == "Virus Total"
    assert virustotal.manifest["version"] == "1.0.5"
    assert_loads(virustotal, tmp_path)


@needs_corpus
def test_virustotal_authenticates_with_the_x_apikey_header(virustotal: ImportResult) -> None:
    connection = virustotal.manifest["connection"]
    assert connection["auth"] == {
        "type": "api_key",
        "in": "header",
        "name": "x-apikey",
        "value": "{{ connection.api_key }}",
    }
    api_key = connection["fields"]["properties"]["api_key"]
    assert api_key["writeOnly"] is True
    assert connection["fields"]["required"] == ["api_key"]
    assert connection["base_url"] == "https://www.virustotal.com"
    assert connection["allowed_hosts"] == ["www.virustotal.com"]
    # Every operation needs an identifier: there is no call to test a connection with.
    assert "test" not in connection


@needs_corpus
def test_virustotal_ip_report_maps_path_input_and_output(virustotal: ImportResult) -> None:
    action = actions_of(virustotal)["virus_total_get_ip_scan_v3_v2"]
    assert action["title"] == "Get an IP report"
    assert action["side_effects"] == "read"
    assert action["idempotent"] is True
    assert action["request"] == {
        "method": "GET",
        "path": "/api/v3/ip_addresses/connectorV2/{{ inputs.ip }}",
    }
    assert action["inputs"]["required"] == ["ip"]
    ip = action["inputs"]["properties"]["ip"]
    assert ip["type"] == "string"
    assert ip["title"] == "IP Address"  # x-ms-summary
    attributes = action["outputs"]["properties"]["data"]["properties"]["attributes"]
    owner = attributes["properties"]["as_owner"]
    assert owner == {
        "type": "string",
        "title": "Owner",
        "description": "Owner of the Autonomous System to which the IP belongs",
    }
    stats = attributes["properties"]["last_analysis_stats"]["properties"]
    assert stats["malicious"] == {
        "type": "integer",
        "format": "int32",
        "description": "Number of reports saying that is malicious",
        "title": "Malicious",
    }
    deprecated = actions_of(virustotal)["virus_total_get_ip_scan_v3"]
    assert deprecated["description"].startswith("Deprecated in the API.")


# ---------------------------------------------------------------------------------------------
# JIRA (Swagger 2.0 with Power Platform extensions)


@needs_corpus
def test_jira_operations_become_actions_and_triggers_are_listed(
    jira: ImportResult, tmp_path: Path
) -> None:
    actions = actions_of(jira)
    # 27 operations, 4 of them polling triggers.
    assert len(actions) == 23
    assert {"create_issue", "create_issue_v2", "add_comment", "get_issue"} <= set(actions)
    skipped = skipped_of(jira)
    for path in (
        "/new_issue_trigger/search",
        "/close_issue_trigger/search",
        "/update_issue_trigger/search",
        "/new_issue_jql_trigger/search",
    ):
        assert "x-ms-trigger: batch" in skipped[f"$.paths['{path}'].get"]
    webhook = "$.paths['/3/rest/webhooks/1.0/webhook']['x-ms-notification-content']"
    assert "webhook" in skipped[webhook]
    assert_loads(jira, tmp_path)


@needs_corpus
def test_jira_dynamic_values_and_schemas_are_listed_by_path(jira: ImportResult) -> None:
    skipped = skipped_of(jira)
    dynamic_values = {path for path in skipped if path.endswith("['x-ms-dynamic-values']")}
    assert {
        "$.paths['/issue'].post.parameters[0]['x-ms-dynamic-values']",
        "$.paths['/v2/issue'].post.parameters[0]['x-ms-dynamic-values']",
        "$.paths['/v2/issue'].post.parameters[1]['x-ms-dynamic-values']",
        "$.paths['/issue/createmeta'].get.parameters[0]['x-ms-dynamic-values']",
        "$.paths['/user/permission/search'].get.parameters[0]['x-ms-dynamic-values']",
        "$.definitions.CreateIssueRequest.properties.fields.properties.issuetype.properties.id"
        "['x-ms-dynamic-values']",
    } <= dynamic_values
    schema_path = "$.paths['/v2/issue'].post.parameters[2].schema['x-ms-dynamic-schema']"
    assert "only the static schema" in skipped[schema_path]
    assert "first page" in skipped["$.paths['/project/search'].get['x-ms-pageable']"]
    # The triggers' own dynamic values go with them: one line each, not one per parameter.
    assert not any(path.startswith("$.paths['/new_issue_trigger") for path in dynamic_values)


@needs_corpus
def test_jira_requests_inputs_and_outputs(jira: ImportResult) -> None:
    actions = actions_of(jira)
    create = actions["create_issue"]
    assert create["request"] == {
        "method": "POST",
        "path": "/issue",
        "query": {"projectKey": "{{ inputs.project_key }}"},
        "body": "{{ inputs.body }}",
    }
    assert create["side_effects"] == "write"
    assert create["idempotent"] is False
    assert create["inputs"]["required"] == ["project_key", "body"]
    body = create["inputs"]["properties"]["body"]
    assert body["title"] == "Issue"
    assert body["required"] == ["fields"]
    assert body["properties"]["fields"]["required"] == ["summary", "issuetype"]
    assert create["outputs"]["properties"]["key"]["title"] == "Issue Key"

    comment = actions["add_comment"]
    assert comment["request"]["path"] == "/issue/{{ inputs.issue_key }}/comment"
    assert comment["outputs"]["properties"]["created"]["format"] == "date-time"

    delete = actions["delete_project"]
    assert delete["side_effects"] == "destructive"
    assert delete["idempotent"] is True
    # An optional boolean goes out as JSON's true/false, and not at all when left empty.
    assert delete["request"]["query"] == {
        "enableUndo": "{{ inputs.enable_undo | json if inputs.enable_undo is defined else none }}"
    }
    # A required header with a default is sent with it unless the analyst gives another value.
    cancel = actions["cancel_task"]
    assert cancel["request"]["headers"] == {
        "X-Atlassian-Token": (
            '{{ inputs.x_atlassian_token if inputs.x_atlassian_token is defined else "nocheck" }}'
        )
    }
    assert cancel["inputs"]["required"] == ["task_id"]


@needs_corpus
def test_jira_basic_auth_and_test_call(jira: ImportResult) -> None:
    connection = jira.manifest["connection"]
    assert connection["auth"] == {
        "type": "basic",
        "username": "{{ connection.username }}",
        "password": "{{ connection.password }}",
    }
    properties = connection["fields"]["properties"]
    assert properties["password"]["writeOnly"] is True
    assert "writeOnly" not in properties["username"]
    assert connection["base_url"] == "https://yourhost.yourdomain.com/rest/api"
    # x-ms-capabilities.testConnection names ListProjects_V2.
    assert connection["test"] == {"method": "GET", "path": "/project/search"}


# ---------------------------------------------------------------------------------------------
# Our own OpenAPI 3.1 document


def test_own_documents_are_valid_openapi() -> None:
    validate_openapi(parse_spec(CASE_DESK))
    inventory = copy.deepcopy(INVENTORY)
    # Its deliberate mistakes: a reference to nothing, an undeclared path parameter, and a
    # pattern Python cannot read (the validator checks patterns with Python's re too).
    asset = inventory["components"]["schemas"]["Asset"]["properties"]
    del asset["location"], asset["label"]
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    inventory["paths"]["/reports/{name}"]["get"]["parameters"] = [name]
    validate_openapi(inventory)


def test_case_desk_actions_and_what_was_left_out(case_desk: ImportResult, tmp_path: Path) -> None:
    actions = actions_of(case_desk)
    assert list(actions) == ["get_case", "delete_case", "add_note", "health"]
    assert case_desk.manifest["version"] == "2.4.0"
    skipped = skipped_of(case_desk)
    upload = skipped["$.paths['/cases/{caseId}/attachments'].post"]
    assert upload.startswith("not imported: the request body is multipart/form-data")
    assert "HEAD" in skipped["$.paths['/health'].head"]
    assert "cookie" in skipped["$.paths['/cases/{caseId}/notes'].post.parameters[2]"]
    assert "callback" in skipped["$.paths['/cases/{caseId}/notes'].post.callbacks.noteRead"]
    assert "webhook" in skipped["$.webhooks.caseCreated"]
    assert "first server" in skipped["$.servers[1]"]
    assert "cookie" in skipped["$.components.securitySchemes.session"]
    recursive = "$.components.schemas.Note.properties.replies.items['$ref']"
    assert "recursive reference to #/components/schemas/Note" in skipped[recursive]
    assert_loads(case_desk, tmp_path)
    assert check_connector(case_desk) == []
    readme = (tmp_path / "case_desk" / "README.md").read_text()
    for item in case_desk.skipped:
        assert f"`{item.path}`: {item.reason}" in readme
    assert "| `add_note` | `POST /cases/{caseId}/notes` | write |" in readme
    assert (tmp_path / "case_desk" / "icon.svg").read_text().startswith("<svg")


def test_case_desk_connection_bearer_and_tenant(case_desk: ImportResult) -> None:
    connection = case_desk.manifest["connection"]
    assert connection["auth"] == {"type": "bearer", "token": "{{ connection.token }}"}
    assert connection["fields"]["properties"]["token"]["writeOnly"] is True
    assert connection["fields"]["properties"]["tenant"]["default"] == "demo"
    assert connection["fields"]["required"] == ["token"]
    assert connection["base_url"] == (
        'https://{{ connection.tenant | default("demo") }}.casedesk.example/api/v2'
    )
    assert connection["allowed_hosts"] == ["*.casedesk.example"]
    assert connection["test"] == {"method": "GET", "path": "/health"}


def test_case_desk_schemas_are_embedded_and_converted(case_desk: ImportResult) -> None:
    get_case = actions_of(case_desk)["get_case"]
    assert get_case["request"] == {
        "method": "GET",
        "path": "/cases/{{ inputs.case_id }}",
        "query": {
            "expand": '{{ inputs.expand | join(",") if inputs.expand is defined else none }}'
        },
    }
    case_id = get_case["inputs"]["properties"]["case_id"]
    assert case_id["pattern"] == "^C-[0-9]+$"
    assert case_id["description"] == "The case's identifier. (Sent as path parameter caseId.)"
    outputs = get_case["outputs"]
    assert "$ref" not in json.dumps(outputs)
    properties = outputs["properties"]
    assert properties["severity"] == {
        "type": "string",
        "enum": ["low", "medium", "high"],
        "description": "How bad it is.",
    }
    assert properties["closed_at"]["type"] == ["string", "null"]
    users, teams = properties["assignee"]["oneOf"]
    assert users["properties"]["kind"] == {"const": "user"}
    assert teams["properties"]["name"] == {"type": "string"}
    note = properties["notes"]["items"]
    replies = note["properties"]["replies"]["items"]
    assert replies["type"] == "object"
    assert "recurses" in replies["description"]
    assert "properties" not in replies

    validator = Draft202012Validator(outputs)
    answer: dict[str, Any] = {
        "id": "C-7",
        "title": "Phish",
        "severity": "high",
        "closed_at": None,
        "notes": [],
    }
    assert list(validator.iter_errors(answer)) == []
    assert list(validator.iter_errors({**answer, "severity": "urgent"}))

    delete = actions_of(case_desk)["delete_case"]
    assert delete["title"] == "Delete a case"
    assert "description" not in delete  # the document gives only a summary
    assert delete["side_effects"] == "destructive"
    assert delete["outputs"] == {"description": "Deleted."}


def test_case_desk_note_request_template(case_desk: ImportResult) -> None:
    add_note = actions_of(case_desk)["add_note"]
    assert add_note["idempotent"] is False
    assert add_note["request"] == {
        "method": "POST",
        "path": "/cases/{{ inputs.case_id }}/notes",
        "query": {"notify": "{{ inputs.notify | json if inputs.notify is defined else none }}"},
        "headers": {
            "X-Request-Source": (
                "{{ inputs.x_request_source if inputs.x_request_source is defined "
                'else "soarflow" }}'
            )
        },
        "body": "{{ inputs.body }}",
    }
    inputs = add_note["inputs"]
    assert list(inputs["properties"]) == ["case_id", "notify", "x_request_source", "body"]
    assert inputs["required"] == ["case_id", "body"]
    assert inputs["additionalProperties"] is False
    assert inputs["properties"]["body"]["properties"]["visibility"]["default"] == "internal"


# ---------------------------------------------------------------------------------------------
# Our own OpenAPI 3.0 document: its dialect, OAuth2, and what cannot be sent


def test_inventory_openapi_30_dialect_becomes_2020_12(tmp_path: Path) -> None:
    result = import_openapi(INVENTORY, "inventory")
    actions = actions_of(result)
    assert list(actions) == ["list_assets", "list_assets_2", "get_reports_name"]
    asset = actions["list_assets"]["outputs"]["items"]
    properties = asset["properties"]
    assert properties["id"] == {"type": "string", "examples": ["A-1"]}
    assert properties["kind"] == {"type": ["string", "null"], "enum": ["host", "user", None]}
    assert properties["owner"] == {
        "anyOf": [
            {"allOf": [{"type": "object", "properties": {"name": {"type": "string"}}}]},
            {"type": "null"},
        ]
    }
    assert properties["risk"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 100}
    assert properties["label"] == {"type": "string"}
    assert properties["location"] == {}
    assert "discriminator" not in asset
    assert "xml" not in asset
    assert "x-internal-note" in properties  # a property's name, not an extension
    skipped = skipped_of(result)
    asset_path = "$.components.schemas.Asset"
    assert "regular expression" in skipped[f"{asset_path}.properties.label.pattern"]
    assert "does not resolve" in skipped[f"{asset_path}.properties.location['$ref']"]
    assert "static schema" in skipped[f"{asset_path}['x-ms-dynamic-properties']"]
    assert_loads(result, tmp_path)


def test_inventory_client_credentials_and_unsendable_parts() -> None:
    result = import_openapi(INVENTORY, "inventory")
    connection = result.manifest["connection"]
    assert connection["auth"] == {
        "type": "oauth2_client_credentials",
        "token_url": "https://inventory.example.net/oauth/token",
        "client_id": "{{ connection.client_id }}",
        "client_secret": "{{ connection.client_secret }}",
        "scope": '{{ connection.scope | default("assets.read assets.write") }}',
    }
    fields = connection["fields"]
    assert fields["required"] == ["client_id", "client_secret"]
    assert fields["properties"]["client_secret"]["writeOnly"] is True
    assert connection["base_url"] == "https://inventory.example.net/v1"
    skipped = skipped_of(result)
    assert "signed-in user" in skipped["$.components.securitySchemes.oauth.flows.authorizationCode"]
    assert "'oauth' was chosen" in skipped["$.components.securitySchemes.key"]
    scan = skipped["$.paths['/assets/{id}/scan'].post"]
    assert scan.startswith("not imported: the cookie parameter 'session'")
    listing = "$.paths['/assets'].get.parameters"
    assert "holds an object" in skipped[f"{listing}[1]"]
    assert "comma-separated" in skipped[f"{listing}[0]"]
    assert "set by soarflow" in skipped[f"{listing}[2]"]
    assert "'oauth'" in skipped["$.paths['/reports/{name}'].get.security"]
    assert "not JSON" in skipped["$.paths['/reports/{name}'].get.responses['200'].content"]
    assert actions_of(result)["list_assets"]["title"] == "List assets"
    # The optional array parameter is left out of the test call: it sends no input.
    assert connection["test"] == {"method": "GET", "path": "/assets"}
    report = actions_of(result)["get_reports_name"]
    assert report["request"]["path"] == "/reports/{{ inputs.name }}"
    assert report["outputs"]["type"] == "string"
    # A date is no semantic version: the connector starts at 1.0.0.
    assert result.manifest["version"] == "1.0.0"


def test_a_relative_server_url_asks_the_connection_for_the_address() -> None:
    spec = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "servers": [{"url": "/v2"}]}
    result = import_openapi(spec, "relative")
    connection = result.manifest["connection"]
    assert connection["base_url"] == "{{ connection.base_url }}"
    assert connection["allowed_hosts"] == ["{{ connection.base_url | domain_of }}"]
    assert connection["fields"]["required"] == ["base_url"]
    assert connection["auth"] == {"type": "none"}
    assert "'/v2'" in skipped_of(result)["$.servers[0]"]


# ---------------------------------------------------------------------------------------------
# Through the executor


def case_desk_fake() -> Flask:
    app = Flask("casedesk")

    @app.post("/api/v2/cases/<case_id>/notes")
    def add_note(case_id: str) -> Any:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return jsonify(error="unauthorized"), 401
        if case_id != "C-42":
            return jsonify(error="no such case"), 404
        body = request.get_json()
        note = {
            "id": 7,
            "text": body["text"],
            "author": None,
            "replies": [],
            "seen": {
                "notify": request.args.get("notify"),
                "source": request.headers.get("X-Request-Source"),
                "visibility": body.get("visibility"),
            },
        }
        return jsonify(note), 201

    @app.get("/api/v2/cases/<path:case_id>")
    def get_case(case_id: str) -> Response:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        return jsonify(id=case_id, title=f"{raw}", severity="low", notes=[])

    return app


@pytest.fixture(scope="module")
def case_desk_url() -> Iterator[str]:
    with serving(case_desk_fake()) as url:
        yield url


def to_fake(manifest: dict[str, Any], fake_url: str) -> dict[str, Any]:
    """A copy whose connection goes to the fake, keeping the API's base path."""
    pointed = copy.deepcopy(manifest)
    connection = pointed["connection"]
    connection["base_url"] = fake_url + urlsplit(connection["base_url"]).path
    connection["allowed_hosts"] = [urlsplit(fake_url).hostname]
    return pointed


def test_an_imported_action_runs_through_the_executor(
    case_desk: ImportResult, case_desk_url: str
) -> None:
    manifest = to_fake(case_desk.manifest, case_desk_url)
    action = manifest_action(manifest, "add_note")
    outcome = call_action(
        manifest=manifest,
        action=action,
        inputs={"case_id": "C-42", "notify": True, "body": {"text": "Contained."}},
        connection={"token": TOKEN},
        session=local_session(),
        retry=NO_WAIT,
    )
    assert outcome.status == 201
    assert outcome.output["text"] == "Contained."
    # The boolean went out as true, the header with its default, the body as given.
    assert outcome.output["seen"] == {"notify": "true", "source": "soarflow", "visibility": None}
    assert list(Draft202012Validator(action["outputs"]).iter_errors(outcome.output)) == []

    quiet = call_action(
        manifest=manifest,
        action=action,
        inputs={
            "case_id": "C-42",
            "x_request_source": "playbook",
            "body": {"text": "Seen.", "visibility": "public"},
        },
        connection={"token": TOKEN},
        session=local_session(),
        retry=NO_WAIT,
    )
    assert quiet.output["seen"] == {"notify": None, "source": "playbook", "visibility": "public"}


def test_imported_path_and_array_query_values_are_encoded(
    case_desk: ImportResult, case_desk_url: str
) -> None:
    manifest = to_fake(case_desk.manifest, case_desk_url)
    outcome = call_action(
        manifest=manifest,
        action=manifest_action(manifest, "get_case"),
        inputs={"case_id": "C-1/../../admin", "expand": ["notes", "assignee"]},
        connection={"token": TOKEN},
        session=local_session(),
        retry=NO_WAIT,
    )
    # The value stays one path segment; the array is one comma-separated value.
    assert outcome.output["id"] == "C-1/../../admin"
    assert outcome.output["title"] == "/api/v2/cases/C-1%2F..%2F..%2Fadmin?expand=notes%2Cassignee"


def test_an_imported_action_without_credentials_fails_without_leaking(
    case_desk: ImportResult, case_desk_url: str
) -> None:
    manifest = to_fake(case_desk.manifest, case_desk_url)
    with pytest.raises(ActionFailed) as failed:
        call_action(
            manifest=manifest,
            action=manifest_action(manifest, "add_note"),
            inputs={"case_id": "C-42", "body": {"text": "x"}},
            connection={"token": "wrong-token"},
            session=local_session(),
            retry=NO_WAIT,
        )
    assert failed.value.code == "http_error"
    assert failed.value.details["status"] == 401
    assert "wrong-token" not in json.dumps([failed.value.message, failed.value.details])


@needs_corpus
def test_the_imported_virustotal_ip_report_runs_against_a_fake(virustotal: ImportResult) -> None:
    app = Flask("virustotal")

    @app.get("/api/v3/ip_addresses/connectorV2/<ip>")
    def report(ip: str) -> Any:
        if request.headers.get("x-apikey") != VT_KEY:
            return jsonify(error={"code": "WrongCredentialsError", "message": "Wrong key"}), 401
        stats = {"harmless": 60, "malicious": 2, "suspicious": 0, "undetected": 10, "timeout": 0}
        attributes = {"as_owner": "GOOGLE", "asn": 15169, "last_analysis_stats": stats}
        return jsonify(data={"id": ip, "type": "ip_address", "attributes": attributes})

    with serving(app) as url:
        manifest = to_fake(virustotal.manifest, url)
        action = manifest_action(manifest, "virus_total_get_ip_scan_v3_v2")
        outcome = call_action(
            manifest=manifest,
            action=action,
            inputs={"ip": "8.8.8.8"},
            connection={"api_key": VT_KEY},
            session=local_session(),
            retry=NO_WAIT,
        )
    assert outcome.output["data"]["attributes"]["as_owner"] == "GOOGLE"
    assert list(Draft202012Validator(action["outputs"]).iter_errors(outcome.output)) == []


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("just: text\n", "no 'openapi' or 'swagger'"),
        ("- a list\n", "not an object"),
        ('{"swagger": "1.2"}', "only 2.0"),
        ('{"openapi": "4.0.0"}', "only 3.0 and 3.1"),
        ('{"openapi": "3.1.0", "x": NaN}', "not JSON"),
        ("openapi: [unclosed\n", "not YAML"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_documents_that_cannot_be_imported(spec: str | bytes, message: str) -> None:
    with pytest.raises(OpenApiImportError, match=message):
        import_openapi(spec, "broken")


@pytest.mark.parametrize("connector_id", ["", "Jira", "1password", "a-b", "x" * 65])
def test_connector_ids_follow_the_manifest_pattern(connector_id: str) -> None:
    with pytest.raises(OpenApiImportError, match="connector id"):
        import_openapi({"openapi": "3.1.0", "info": {}}, connector_id)


def test_yaml_aliases_cannot_blow_up_the_document() -> None:
    lines = ["openapi: 3.1.0", 'a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    with pytest.raises(OpenApiImportError, match="more than"):
        parse_spec("\n".join(lines))


def test_yaml_is_read_as_openapi_means_it() -> None:
    spec = parse_spec("openapi: 3.1.0\ninfo: {version: 2024-01-31, on: yes}\npaths: {}\n")
    assert spec["info"] == {"version": "2024-01-31", "on": "yes"}


def test_deep_and_self_referencing_schemas_are_cut_and_listed(tmp_path: Path) -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(80):
        deep = {"type": "object", "properties": {"inner": deep}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Deep", "version": "1.0.0"},
        "servers": [{"url": "https://deep.example.org"}],
        "components": {"schemas": {"Loop": {"$ref": "#/components/schemas/Loop"}}},
        "paths": {
            "/deep": {
                "get": {
                    "operationId": "deep",
                    "responses": {
                        "200": {
                            "description": "Deep.",
                            "content": {"application/json": {"schema": deep}},
                        }
                    },
                }
            },
            "/loop": {
                "get": {
                    "operationId": "loop",
                    "responses": {
                        "200": {
                            "description": "Loop.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Loop"}
                                }
                            },
                        }
                    },
                }
            },
        },
    }
    result = import_openapi(spec, "deep")
    reasons = [item.reason for item in result.skipped]
    assert any("nested deeper than" in reason for reason in reasons)
    assert any("recursive reference to #/components/schemas/Loop" in r for r in reasons)
    assert_loads(result, tmp_path)


def test_write_connector_leaves_an_existing_folder_alone(
    case_desk: ImportResult, tmp_path: Path
) -> None:
    folder = tmp_path / "case_desk"
    folder.mkdir()
    (folder / "manifest.yaml").write_text("mine")
    with pytest.raises(FileExistsError):
        write_connector(case_desk, folder)
    assert (folder / "manifest.yaml").read_text() == "mine"


def test_the_manifest_yaml_has_no_aliases(virustotal: ImportResult, tmp_path: Path) -> None:
    write_connector(virustotal, tmp_path / "vt")
    text = (tmp_path / "vt" / "manifest.yaml").read_text()
    assert "&id" not in text
    assert yaml.safe_load(text) == json.loads(json.dumps(virustotal.manifest))


@settings(max_examples=50)
@given(st.text(alphabet=string.printable + "éß漢", max_size=80))
def test_identifiers_always_fit_the_pattern(text: str) -> None:
    assert IDENTIFIER.match(identifier(text))


@settings(max_examples=30)
@given(st.lists(st.sampled_from(["getThing", "get_thing", "GetThing", "get-thing", "x" * 70])))
def test_operation_ids_that_normalise_alike_stay_distinct(names: list[str]) -> None:
    paths = {
        f"/p{index}": {"get": {"operationId": name, "responses": {}}}
        for index, name in enumerate(names)
    }
    spec = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": paths}
    ids = [action["id"] for action in import_openapi(spec, "same").manifest["actions"]]
    assert len(set(ids)) == len(names)
    assert all(IDENTIFIER.match(action_id) for action_id in ids)
