"""The OpenAPI document tells the truth: every route, valid OpenAPI, real responses fit it."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from soarflow.api.openapi import undocumented_routes
from tests.fixtures import enrich_ips, manual_chain


def spec(client: FlaskClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").json  # type: ignore[assignment]
    return document


def test_every_api_route_is_documented(app: Flask, client: FlaskClient) -> None:
    assert undocumented_routes(app) == []
    documented = {
        (path, method.upper()) for path, item in spec(client)["paths"].items() for method in item
    }
    routed = {
        (re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert documented == routed


def test_it_is_valid_openapi(client: FlaskClient) -> None:
    document = spec(client)
    assert document["openapi"].startswith("3.")
    validate_spec(document)


def response_schema(document: dict[str, Any], path: str, method: str, status: int) -> Any:
    content = document["paths"][path][method]["responses"][str(status)]["content"]
    schema = dict(content["application/json"]["schema"])
    schema["components"] = document["components"]
    return schema


def fits(document: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    schema = response_schema(document, path, method, status)
    errors = [error.message for error in Draft202012Validator(schema).iter_errors(body)]
    assert errors == []


def test_real_responses_fit_the_documented_schemas(client: FlaskClient) -> None:
    document = spec(client)
    created = client.post("/api/v1/playbooks", json=enrich_ips())
    playbook_id = created.json["id"]
    item = "/api/v1/playbooks/{playbook_id}"
    fits(document, "/api/v1/playbooks", "post", 201, created.json)
    fits(document, "/api/v1/playbooks", "get", 200, client.get("/api/v1/playbooks").json)
    fits(document, item, "get", 200, client.get(f"/api/v1/playbooks/{playbook_id}").json)
    versions = client.get(f"/api/v1/playbooks/{playbook_id}/versions").json
    fits(document, item + "/versions", "get", 200, versions)
    version = client.get(f"/api/v1/playbooks/{playbook_id}/versions/1").json
    fits(document, item + "/versions/{number}", "get", 200, version)
    result = client.post("/api/v1/playbooks/validate", json={"nodes": 1}).json
    fits(document, "/api/v1/playbooks/validate", "post", 200, result)
    missing = client.get("/api/v1/playbooks/nope")
    fits(document, item, "get", 404, missing.json)


def test_run_responses_fit_the_documented_schemas(client: FlaskClient) -> None:
    document = spec(client)
    compose = {"id": "a", "action": "core.compose", "inputs": {"value": "{{ trigger }}"}}
    playbook_id = client.post("/api/v1/playbooks", json=manual_chain(compose)).json["id"]
    started = client.post(f"/api/v1/playbooks/{playbook_id}/runs", json={"trigger": {"n": 1}})
    fits(document, "/api/v1/playbooks/{playbook_id}/runs", "post", 202, started.json)
    run_id = started.json["id"]
    item = "/api/v1/runs/{run_id}"
    fits(document, item, "get", 200, client.get(f"/api/v1/runs/{run_id}").json)
    fits(document, "/api/v1/runs", "get", 200, client.get("/api/v1/runs?limit=1").json)
    resubmitted = client.post(f"/api/v1/runs/{run_id}/resubmit")
    fits(document, item + "/resubmit", "post", 202, resubmitted.json)
    fits(document, item + "/cancel", "post", 409, client.post(f"/api/v1/runs/{run_id}/cancel").json)
    fits(
        document, item + "/restart", "post", 409, client.post(f"/api/v1/runs/{run_id}/restart").json
    )
    fits(document, item, "get", 404, client.get("/api/v1/runs/nope").json)
