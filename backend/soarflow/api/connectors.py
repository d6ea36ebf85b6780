"""/api/v1/connectors: the catalogue of connectors for the palette, and their manifests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, send_file, url_for

from soarflow.api.auth import requires
from soarflow.api.body import json_body
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import connector_registry
from soarflow.api.openapi import operation
from soarflow.connectors.openapi_import import (
    IDENTIFIER,
    OpenApiImportError,
    check_connector,
    import_openapi,
    readme,
)
from soarflow.connectors.registry import Connector
from soarflow.security.roles import Permission

bp = Blueprint("connectors", __name__, url_prefix="/api/v1/connectors")
TAG = "connectors"
# An SVG may carry script; served on its own it must not run any.
ICON_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
CATALOGUE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "array", "items": {"type": "object"}},
        "total": {"type": "integer"},
        "problems": {"type": "array", "items": {"type": "object"}},
    },
}


IMPORT_BODY = {
    "type": "object",
    "required": ["id", "spec"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
        "spec": {
            "type": ["object", "string"],
            "description": "the OpenAPI 3 or Swagger 2.0 document, or its JSON or YAML text",
        },
    },
}
IMPORTED = {
    "type": "object",
    "properties": {
        "manifest": {"type": "object"},
        "skipped": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "problems": {"type": "array", "items": {"type": "object"}},
        "readme": {"type": "string"},
    },
}


def _load(connector_id: str) -> Connector:
    connector = connector_registry().connectors.get(connector_id)
    if connector is None:
        raise not_found("connector", connector_id)
    return connector


def _summary(connector: Connector) -> dict[str, Any]:
    manifest = connector.manifest
    return {
        "id": connector.id,
        "name": manifest["name"],
        "version": manifest["version"],
        "description": manifest.get("description", ""),
        "icon_url": url_for(".icon", connector_id=connector.id),
        "categories": manifest.get("categories", []),
        "triggers": [
            {"type": f"{connector.id}.{t['id']}", "title": t["title"]}
            for t in manifest.get("triggers", [])
        ],
        "actions": [
            {
                "action": f"{connector.id}.{a['id']}",
                "title": a["title"],
                "side_effects": a["side_effects"],
            }
            for a in manifest.get("actions", [])
        ],
    }


@bp.get("")
@requires(Permission.CONNECTION_READ)
@operation(
    "The connectors, their triggers and actions, and any manifest that failed to load",
    tag=TAG,
    responses={200: CATALOGUE, 401: "Not signed in", 403: "Not allowed"},
)
def list_all() -> Response:
    registry = connector_registry()
    data = [_summary(connector) for connector in registry.connectors.values()]
    problems = [
        {"file": problem.file, "path": problem.path, "reason": problem.reason}
        for problem in registry.problems
    ]
    return jsonify({"data": data, "total": len(data), "problems": problems})


@bp.get("/<connector_id>")
@requires(Permission.CONNECTION_READ)
@operation(
    "A connector's whole manifest",
    tag=TAG,
    responses={
        200: {"type": "object"},
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connector",
    },
)
def get(connector_id: str) -> Response:
    connector = _load(connector_id)
    return jsonify({**connector.manifest, "icon_url": url_for(".icon", connector_id=connector.id)})


@bp.get("/<connector_id>/icon")
@requires(Permission.CONNECTION_READ)
@operation(
    "A connector's icon (SVG)",
    tag=TAG,
    responses={
        200: "image/svg+xml",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connector",
    },
)
def icon(connector_id: str) -> Response:
    response = send_file(_load(connector_id).icon_path, mimetype="image/svg+xml", max_age=3600)
    response.headers["Content-Security-Policy"] = ICON_POLICY
    return response


@bp.post("/import-openapi")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "A connector manifest made from an OpenAPI 3 or Swagger 2.0 document, and what it could "
    "not map (nothing is installed)",
    tag=TAG,
    request=IMPORT_BODY,
    responses={
        200: IMPORTED,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        422: "Not an OpenAPI document, or a bad id",
    },
)
def import_openapi_route() -> Response:
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict | str):
        raise ApiError(400, "bad_request", 'send {"id": "...", "spec": {...} or "text"}')
    connector_id = body.get("id")
    if not isinstance(connector_id, str) or not IDENTIFIER.match(connector_id):
        raise ApiError(
            422,
            "invalid_id",
            "the id is 1 to 64 lower case letters, digits and _, starting with a letter",
            {"field": "id"},
        )
    try:
        result = import_openapi(body["spec"], connector_id)
    except OpenApiImportError as error:
        raise ApiError(422, "invalid_spec", str(error), {"field": "spec"}) from None
    return jsonify(
        {
            "manifest": result.manifest,
            "skipped": [{"path": item.path, "reason": item.reason} for item in result.skipped],
            "problems": [
                {"file": p.file, "path": p.path, "reason": p.reason}
                for p in check_connector(result)
            ],
            "readme": readme(result),
        }
    )
