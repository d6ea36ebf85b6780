"""/api/v1/connections: named credentials for one connector in one workspace (Logic Apps'
API connections). Secret fields are write-only: stored encrypted, never returned. A connection
that an enabled playbook calls with cannot be deleted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from jsonschema import Draft202012Validator

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, listed_workspaces, requires, target_workspace
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import connector_registry, db_session, outbound_policy, secret_box
from soarflow.api.openapi import operation
from soarflow.connectors.builtin import ActionContext, call_python_action
from soarflow.connectors.http import ActionFailed, call_action
from soarflow.connectors.registry import Connector, secret_fields
from soarflow.connectors.retry import NO_RETRY
from soarflow.playbook.document import json_path
from soarflow.security.outbound import guarded_session
from soarflow.security.roles import Permission
from soarflow.store import connections as repo
from soarflow.store.models import Connection, ConnectionList, ConnectionPublic, PlaybookUse
from soarflow.store.playbooks import VersionConflictError

bp = Blueprint("connections", __name__, url_prefix="/api/v1/connections")
TAG = "connections"
CONNECTION_BODY = {
    "type": "object",
    "required": ["connector", "name", "fields"],
    "properties": {
        "connector": {"type": "string"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "fields": {"type": "object", "description": "secret fields are write-only"},
    },
}
NAME_BODY = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200}},
}
IDS_BODY = {
    "type": "object",
    "required": ["ids"],
    "properties": {"ids": {"type": "array", "items": {"type": "string"}, "maxItems": 500}},
}
BULK_DELETED = {
    "type": "object",
    "properties": {
        "deleted": {"type": "array", "items": {"type": "string"}},
        "not_found": {"type": "array", "items": {"type": "string"}},
    },
}


def public_list(connections: Sequence[Connection]) -> list[ConnectionPublic]:
    used_by = repo.playbooks_using(db_session(), connections=connections)
    return [
        ConnectionPublic.model_validate(
            connection,
            update={
                "secret_fields_set": sorted(secret_box().decrypt(connection.secrets)),
                "used_by": used_by[connection.id],
            },
        )
        for connection in connections
    ]


def public(connection: Connection) -> ConnectionPublic:
    return public_list([connection])[0]


def _load(connection_id: str) -> Connection:
    connection = repo.get_connection(db_session(), connection_id=connection_id)
    missing = not_found("connection", connection_id)
    if connection is None:
        raise missing
    authorize(connection.workspace_id, missing=missing)
    audit_target("connection", connection.id, connection.workspace_id)
    return connection


def _connector(connector_id: Any) -> Connector:
    connector = connector_registry().connectors.get(str(connector_id))
    if connector is None or "connection" not in connector.manifest:
        raise ApiError(
            422,
            "unknown_connector",
            f"no connector '{connector_id}' that takes a connection",
            {"field": "connector"},
        )
    return connector


def _split_fields(
    connector: Connector, fields: Any, kept_secrets: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Plain and secret fields, checked against the connector's connection schema. Secrets not
    sent keep their stored values (they cannot be read back to be sent again)."""
    if not isinstance(fields, dict):
        raise ApiError(422, "invalid_fields", "fields must be an object", {"field": "fields"})
    schema = connector.manifest["connection"]["fields"]
    declared = set(schema.get("properties", {}))
    unknown = sorted(set(fields) - declared)
    if unknown:
        raise ApiError(
            422,
            "invalid_fields",
            f"the {connector.id} connector has no field(s) {', '.join(unknown)}",
            {"fields": unknown, "connector": connector.id},
        )
    secrets = secret_fields(connector.manifest)
    # An empty secret is a password input left empty: keep what is stored.
    sent = {k: v for k, v in fields.items() if k not in secrets or v not in ("", None)}
    merged = {**{k: v for k, v in kept_secrets.items() if k in secrets}, **sent}
    problems = [
        {"path": json_path(("fields", *error.absolute_path)), "message": _without_values(error)}
        for error in Draft202012Validator(schema).iter_errors(merged)
    ]
    if problems:
        raise ApiError(
            422, "invalid_fields", "the fields do not fit the connector", {"problems": problems}
        )
    plain = {k: v for k, v in merged.items() if k not in secrets}
    hidden = {k: str(v) for k, v in merged.items() if k in secrets}
    return plain, hidden


def _without_values(error: Any) -> str:
    """jsonschema quotes the offending value, which may be a secret."""
    return f"breaks the '{error.validator}' rule of the field"


def _name(body: Mapping[str, Any], default: str | None = None) -> str:
    name = body.get("name", default)
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
        raise ApiError(
            422, "invalid_field", "name is text of 1 to 200 characters", {"field": "name"}
        )
    return name.strip()


def _body() -> dict[str, Any]:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object")
    return body


def _refuse_taken_name(connection: Connection, name: str) -> None:
    other = repo.find_by_name(db_session(), workspace_id=connection.workspace_id, name=name)
    if other is not None and other.id != connection.id:
        raise ApiError(409, "name_taken", f"a connection named '{name}' exists", {"field": "name"})


def _rename(connection: Connection, name: str) -> None:
    """Renames, carrying the name along in the steps that call with the connection."""
    if name == connection.name:
        return
    _refuse_taken_name(connection, name)
    try:
        repo.rename_connection(db_session(), connection=connection, name=name)
    except VersionConflictError:
        raise ApiError(
            409,
            "playbook_changed",
            "a playbook calling with this connection was saved meanwhile: rename again",
        ) from None


def _refuse_deleting_in_use(connections: Sequence[Connection]) -> None:
    """All or nothing: one connection an enabled playbook calls with keeps every one."""
    used_by = repo.playbooks_using(db_session(), connections=connections)
    enabled_users = {
        connection.id: [use for use in used_by[connection.id] if use.enabled]
        for connection in connections
    }
    blocked = [
        (connection, enabled_users[connection.id])
        for connection in connections
        if enabled_users[connection.id]
    ]
    if not blocked:
        return
    raise ApiError(
        409,
        "connection_in_use",
        f"{_in_use_text(blocked)}. Disable those playbooks or make their steps use another "
        "connection, then delete again; nothing was deleted",
        {
            "connections": [
                {
                    "id": connection.id,
                    "name": connection.name,
                    "playbooks": [{"id": use.id, "name": use.name} for use in uses],
                }
                for connection, uses in blocked
            ]
        },
    )


def _in_use_text(blocked: Sequence[tuple[Connection, Sequence[PlaybookUse]]]) -> str:
    return "; ".join(
        f"'{connection.name}' is used by the enabled "
        f"{'playbooks' if len(uses) > 1 else 'playbook'} {_quoted(use.name for use in uses)}"
        for connection, uses in blocked
    )


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


@bp.get("")
@requires(Permission.CONNECTION_READ)
@operation(
    "List connections",
    tag=TAG,
    query={"workspace": {"type": "string"}, "connector": {"type": "string"}},
    responses={
        200: ConnectionList,
        401: "Not signed in",
        403: "Not allowed",
        404: "No such workspace",
    },
)
def list_all() -> Response:
    found = repo.list_connections(
        db_session(), workspace_ids=listed_workspaces(), connector_id=request.args.get("connector")
    )
    data = public_list(found)
    return model_response(ConnectionList(data=data, total=len(data)))


@bp.post("")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "Create a connection",
    tag=TAG,
    request=CONNECTION_BODY,
    responses={
        201: ConnectionPublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        409: "Name taken",
        422: "Unknown connector or bad fields",
    },
)
def create() -> tuple[Response, int]:
    workspace_id = target_workspace()
    body = _body()
    connector = _connector(body.get("connector"))
    name = _name(body)
    plain, secrets = _split_fields(connector, body.get("fields"), {})
    session = db_session()
    if repo.find_by_name(session, workspace_id=workspace_id, name=name):
        raise ApiError(409, "name_taken", f"a connection named '{name}' exists", {"field": "name"})
    connection = repo.create_connection(
        session,
        workspace_id=workspace_id,
        connector_id=connector.id,
        name=name,
        fields=plain,
        secrets=secret_box().encrypt(secrets),
    )
    session.commit()
    audit_target("connection", connection.id, workspace_id)
    response = model_response(public(connection))
    response.headers["Location"] = url_for(".get", connection_id=connection.id)
    return response, 201


@bp.post("/bulk-delete")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "Delete several connections; none when an enabled playbook calls with any of them",
    tag=TAG,
    request=IDS_BODY,
    responses={
        200: BULK_DELETED,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        409: "In use by enabled playbooks (details.connections lists them)",
    },
)
def bulk_delete() -> Response:
    ids = _body().get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > 500:
        raise ApiError(400, "bad_request", 'send {"ids": [...]} with at most 500 ids')
    session = db_session()
    found, missing = [], []
    for connection_id in dict.fromkeys(ids):
        connection = repo.get_connection(session, connection_id=connection_id)
        if connection is None or not _may_write(connection):
            missing.append(connection_id)
        else:
            found.append(connection)
    _refuse_deleting_in_use(found)
    for connection in found:
        repo.delete_connection(session, connection=connection)
    session.commit()
    return jsonify({"deleted": [connection.id for connection in found], "not_found": missing})


def _may_write(connection: Connection) -> bool:
    try:
        authorize(connection.workspace_id, missing=not_found("connection", connection.id))
    except ApiError:
        return False
    return True


@bp.get("/<connection_id>")
@requires(Permission.CONNECTION_READ)
@operation(
    "Get a connection (without its secrets)",
    tag=TAG,
    responses={
        200: ConnectionPublic,
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connection",
    },
)
def get(connection_id: str) -> Response:
    return model_response(public(_load(connection_id)))


@bp.put("/<connection_id>")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "Change a connection's name or fields; secrets left out or empty keep their values, and "
    "the steps calling with it by name follow a new name",
    tag=TAG,
    request={
        "type": "object",
        "properties": {"name": {"type": "string"}, "fields": {"type": "object"}},
    },
    responses={
        200: ConnectionPublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connection",
        409: "Name taken, or a playbook calling with it changed meanwhile",
        422: "Bad fields",
    },
)
def put(connection_id: str) -> Response:
    connection = _load(connection_id)
    body = _body()
    connector = _connector(connection.connector_id)
    name = _name(body, connection.name)
    stored = secret_box().decrypt(connection.secrets)
    fields = body.get("fields", {**connection.fields})
    plain, secrets = _split_fields(connector, fields, stored)
    _rename(connection, name)
    session = db_session()
    repo.update_connection(
        session,
        connection=connection,
        name=name,
        fields=plain,
        secrets=secret_box().encrypt(secrets),
    )
    session.commit()
    return model_response(public(connection))


@bp.patch("/<connection_id>")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "Rename a connection; the steps calling with it by name are changed to the new name",
    tag=TAG,
    request=NAME_BODY,
    responses={
        200: ConnectionPublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connection",
        409: "Name taken, or a playbook calling with it changed meanwhile",
        422: "Bad name",
    },
)
def patch(connection_id: str) -> Response:
    connection = _load(connection_id)
    body = _body()
    unknown = sorted(set(body) - {"name"})
    if unknown:
        raise ApiError(
            422,
            "invalid_field",
            "only the name is changed this way; send fields with PUT",
            {"fields": unknown},
        )
    _rename(connection, _name(body))
    db_session().commit()
    return model_response(public(connection))


@bp.delete("/<connection_id>")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "Delete a connection no enabled playbook calls with",
    tag=TAG,
    responses={
        204: "Deleted",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connection",
        409: "In use by enabled playbooks (details.connections lists them)",
    },
)
def delete(connection_id: str) -> tuple[str, int]:
    connection = _load(connection_id)
    _refuse_deleting_in_use([connection])
    session = db_session()
    repo.delete_connection(session, connection=connection)
    session.commit()
    return "", 204


@bp.post("/<connection_id>/test")
@requires(Permission.CONNECTION_WRITE)
@operation(
    "Run the connector's test call with this connection and record the outcome",
    tag=TAG,
    responses={
        200: ConnectionPublic,
        401: "Not signed in",
        403: "Not allowed",
        404: "No such connection",
        422: "The connector has no test call",
    },
)
def test(connection_id: str) -> Response:
    connection = _load(connection_id)
    connector = _connector(connection.connector_id)
    check = connector.manifest["connection"].get("test")
    if check is None:
        raise ApiError(422, "no_test", f"the {connector.id} connector declares no test call")
    values = {**connection.fields, **secret_box().decrypt(connection.secrets)}
    outbound = guarded_session(outbound_policy(), timeout=(5, 15))
    try:
        if "python" in check:
            context = ActionContext(outbound, policy=outbound_policy())
            call_python_action(check["python"], {}, values, context)
        else:
            call_action(
                manifest=connector.manifest,
                action={"id": "test", "idempotent": True, "request": check},
                inputs={},
                connection=values,
                session=outbound,
                retry=NO_RETRY,
            )
        ok, reason = True, ""
    except ActionFailed as failure:
        ok, reason = False, f"{failure.code}: {failure.message}"
    session = db_session()
    repo.record_test(session, connection=connection, ok=ok, reason=reason)
    session.commit()
    return model_response(public(connection))
