"""/api/v1 routes about the API itself: health, JSON Schemas and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from soarflow.api.auth import AUTHENTICATED, PUBLIC, requires
from soarflow.api.extensions import db_session
from soarflow.api.openapi import build_openapi, operation
from soarflow.connectors.registry import connector_schema
from soarflow.playbook.schema import playbook_schema

bp = Blueprint("meta", __name__, url_prefix="/api/v1")
TAG = "meta"


@bp.get("/health")
@requires(PUBLIC)
@operation(
    "Whether the service and its database answer",
    tag=TAG,
    responses={200: {"type": "object", "properties": {"status": {"const": "ok"}}}},
)
def health() -> Response:
    db_session().execute(text("SELECT 1"))
    return jsonify({"status": "ok", "database": "ok"})


@bp.get("/schemas/playbook")
@requires(AUTHENTICATED)
@operation(
    "The JSON Schema (draft 2020-12) of the soarflow.playbook/v1 document",
    tag=TAG,
    responses={200: {"type": "object"}},
)
def playbook_document_schema() -> Response:
    return jsonify(playbook_schema())


@bp.get("/schemas/connector")
@requires(AUTHENTICATED)
@operation(
    "The JSON Schema (draft 2020-12) of a soarflow.connector/v1 manifest",
    tag=TAG,
    responses={200: {"type": "object"}},
)
def connector_manifest_schema() -> Response:
    return jsonify(connector_schema())


@bp.get("/openapi.json")
@requires(AUTHENTICATED)
@operation("This OpenAPI 3.1 document", tag=TAG, responses={200: {"type": "object"}})
def openapi() -> Response:
    return jsonify(build_openapi(current_app))
