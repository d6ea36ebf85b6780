"""/api/v1/playbooks: save, list, version, enable and validate playbooks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from soarflow.api.audit import audit_target, unaudited
from soarflow.api.auth import authorize, listed_workspaces, requires, target_workspace
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import action_catalog, db_session
from soarflow.api.openapi import operation
from soarflow.api.pagination import QUERY_PARAMETERS, page_request
from soarflow.expressions.fields import dynamic_fields
from soarflow.playbook import FORMAT, PlaybookGraph, trigger_kind, validate
from soarflow.security.roles import Permission
from soarflow.store import playbooks as repo
from soarflow.store import triggers as trigger_repo
from soarflow.store.models import (
    MAX_VERSION,
    FieldList,
    Playbook,
    PlaybookPage,
    PlaybookPublic,
    PlaybookSummary,
    PlaybookVersionList,
    PlaybookVersionPublic,
    PlaybookVersionSummary,
    ValidationResult,
)

bp = Blueprint("playbooks", __name__, url_prefix="/api/v1/playbooks")

DOCUMENT_SCHEMA = "/api/v1/schemas/playbook"
WORKSPACE_PARAMETER = {"type": "string", "description": "workspace id or name"}
FIELDS_REQUEST = {
    "type": "object",
    "required": ["document", "node_id"],
    "properties": {"document": {"$ref": DOCUMENT_SCHEMA}, "node_id": {"type": "string"}},
}
IF_MATCH = {"If-Match": {"type": "string", "description": "the ETag of the version edited"}}
TAG = "playbooks"


def check(document: Any) -> repo.Checked:
    """Validate a document for saving; refuse only what cannot be saved even as a draft."""
    problems = [problem.to_dict() for problem in validate(document, catalog=action_catalog())]
    if not _is_saveable(document):
        raise ApiError(
            422,
            "invalid_document",
            f"a playbook must be a JSON object with format '{FORMAT}' and a name",
            {"problems": problems},
        )
    return repo.Checked(document=document, problems=problems, trigger_kind=trigger_kind(document))


def _is_saveable(document: Any) -> bool:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return False
    name = document.get("name")
    return isinstance(name, str) and len(name.strip()) > 0 and len(name) <= 200


def _etag(playbook: Playbook) -> str:
    return f'"{playbook.version}"'


def _public(playbook: Playbook) -> Response:
    runs = repo.count_runs(db_session(), playbook_id=playbook.id)
    body = PlaybookPublic.model_validate(playbook, update={"runs_count": runs})
    response = model_response(body)
    response.headers["ETag"] = _etag(playbook)
    return response


def _load(playbook_id: str) -> Playbook:
    playbook = repo.get_playbook(db_session(), playbook_id=playbook_id)
    missing = not_found("playbook", playbook_id)
    if playbook is None:
        raise missing
    authorize(playbook.workspace_id, missing=missing)
    audit_target("playbook", playbook.id, playbook.workspace_id)
    return playbook


def _require_match(playbook: Playbook, *, required: bool) -> int:
    """The version the caller last saw, from If-Match; 412 when it is missing or stale."""
    if not request.if_match and not required:
        return playbook.version
    if request.if_match.star_tag or request.if_match.contains(str(playbook.version)):
        return playbook.version
    raise _conflict(playbook.version)


def _conflict(current: int) -> ApiError:
    return ApiError(
        412,
        "version_conflict",
        "the playbook changed since you loaded it: reload it, then apply your change again"
        if request.if_match
        else "send If-Match with the ETag of the version you edited",
        {"current_version": current, "etag": f'"{current}"'},
    )


@bp.post("/validate")
@requires(Permission.PLAYBOOK_READ)
@unaudited
@operation(
    "Validate a playbook document without saving it",
    tag=TAG,
    request=DOCUMENT_SCHEMA,
    responses={200: ValidationResult, 400: "Not JSON", 413: "Too large", 415: "Not JSON"},
)
def validate_document() -> Response:
    problems = [p.to_dict() for p in validate(json_body(), catalog=action_catalog())]
    return jsonify({"valid": not problems, "problems": problems})


@bp.post("/fields")
@requires(Permission.PLAYBOOK_READ)
@unaudited
@operation(
    "What a node of a document may reference: the dynamic fields of the picker",
    tag=TAG,
    request=FIELDS_REQUEST,
    responses={
        200: FieldList,
        400: "Malformed",
        413: "Too large",
        415: "Not JSON",
        422: "No such node in the document",
    },
)
def fields() -> Response:
    body = json_body()
    document = body.get("document") if isinstance(body, dict) else None
    node_id = body.get("node_id") if isinstance(body, dict) else None
    if not isinstance(document, dict) or not isinstance(node_id, str):
        raise ApiError(400, "bad_request", 'send {"document": <playbook>, "node_id": <id>}')
    graph = PlaybookGraph.from_document(document)
    node = graph.node(node_id)
    if node is None or node.is_trigger:
        raise ApiError(
            422, "unknown_node", f"the document has no step '{node_id}'", {"node_id": node_id}
        )
    found = [field.to_dict() for field in dynamic_fields(graph, action_catalog(), node)]
    return jsonify({"node_id": node_id, "fields": found})


@bp.post("")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Create a playbook; a document with problems is saved as a draft",
    tag=TAG,
    request=DOCUMENT_SCHEMA,
    responses={
        201: PlaybookPublic,
        400: "Not JSON",
        413: "Too large",
        415: "Not JSON",
        422: "Not a playbook document",
    },
)
def create() -> tuple[Response, int]:
    workspace_id = target_workspace()
    return created(workspace_id, json_body())


def created(workspace_id: str, document: Any) -> tuple[Response, int]:
    """Save a new playbook as POST /playbooks does (other routes that make playbooks come
    here, so that they validate and store exactly alike): 201 with its Location."""
    checked = check(document)
    session = db_session()
    playbook = repo.create_playbook(session, checked=checked, workspace_id=workspace_id)
    trigger_repo.ensure_webhook(session, playbook_id=playbook.id, document=checked.document)
    session.commit()
    audit_target("playbook", playbook.id, workspace_id)
    response = _public(playbook)
    response.headers["Location"] = url_for("playbooks.get", playbook_id=playbook.id)
    return response, 201


@bp.get("")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "List playbooks, most recently changed first",
    tag=TAG,
    query={
        **QUERY_PARAMETERS,
        "q": {"type": "string", "description": "name contains"},
        "workspace": WORKSPACE_PARAMETER,
    },
    responses={200: PlaybookPage, 400: "Bad query parameter"},
)
def list_all() -> Response:
    page = page_request()
    name_contains = request.args.get("q") or None
    workspace_ids = listed_workspaces()
    rows, total = repo.list_playbooks(
        db_session(),
        workspace_ids=workspace_ids,
        offset=page.offset,
        limit=page.limit,
        name_contains=name_contains,
    )
    data = [
        PlaybookSummary.model_validate(playbook, update={"runs_count": runs})
        for playbook, runs in rows
    ]
    extra = {k: v for k, v in request.args.items() if k in ("q", "workspace")}
    result = PlaybookPage(data=data, total=total, next=page.next_url(total, **extra))
    return model_response(result)


@bp.get("/<playbook_id>")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "Get a playbook with its document",
    tag=TAG,
    responses={200: PlaybookPublic, 404: "No such playbook"},
)
def get(playbook_id: str) -> Response:
    return _public(_load(playbook_id))


@bp.put("/<playbook_id>")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Save a new version of a playbook (If-Match required)",
    tag=TAG,
    request=DOCUMENT_SCHEMA,
    headers=IF_MATCH,
    responses={
        200: PlaybookPublic,
        400: "Not JSON",
        404: "No such playbook",
        412: "Changed since loaded",
        413: "Too large",
        415: "Not JSON",
        422: "Not a playbook document",
    },
)
def put(playbook_id: str) -> Response:
    playbook = _load(playbook_id)
    expected = _require_match(playbook, required=True)
    checked = check(json_body())
    return _save(playbook, expected, checked)


def _save(playbook: Playbook, expected: int, checked: repo.Checked) -> Response:
    session = db_session()
    try:
        repo.save_document(session, playbook=playbook, expected_version=expected, checked=checked)
    except repo.VersionConflictError as conflict:
        raise _conflict(conflict.current) from None
    trigger_repo.ensure_webhook(session, playbook_id=playbook.id, document=checked.document)
    session.commit()
    return _public(playbook)


@bp.delete("/<playbook_id>")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Delete a playbook and its versions",
    tag=TAG,
    headers=IF_MATCH,
    responses={204: "Deleted", 404: "No such playbook", 412: "Changed since loaded"},
)
def delete(playbook_id: str) -> tuple[str, int]:
    playbook = _load(playbook_id)
    _require_match(playbook, required=False)
    session = db_session()
    repo.delete_playbook(session, playbook=playbook)
    session.commit()
    return "", 204


@bp.post("/<playbook_id>/enable")
@requires(Permission.PLAYBOOK_ENABLE)
@operation(
    "Enable a valid playbook",
    tag=TAG,
    responses={200: PlaybookPublic, 404: "No such playbook", 409: "The playbook has problems"},
)
def enable(playbook_id: str) -> Response:
    playbook = _load(playbook_id)
    if not playbook.valid:
        raise ApiError(
            409,
            "invalid_playbook",
            f"fix the playbook's {playbook.problem_count} problem(s) before enabling it",
            {"problems": playbook.problems},
        )
    return _set_enabled(playbook, enabled=True)


@bp.post("/<playbook_id>/disable")
@requires(Permission.PLAYBOOK_ENABLE)
@operation("Disable a playbook", tag=TAG, responses={200: PlaybookPublic, 404: "No such playbook"})
def disable(playbook_id: str) -> Response:
    return _set_enabled(_load(playbook_id), enabled=False)


def _set_enabled(playbook: Playbook, *, enabled: bool) -> Response:
    session = db_session()
    repo.set_enabled(session, playbook=playbook, enabled=enabled)
    session.commit()
    return _public(playbook)


@bp.get("/<playbook_id>/versions")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "List the saved versions of a playbook, newest first",
    tag=TAG,
    responses={200: PlaybookVersionList, 404: "No such playbook"},
)
def versions(playbook_id: str) -> Response:
    playbook = _load(playbook_id)
    found = repo.list_versions(db_session(), playbook_id=playbook.id)
    data = [
        PlaybookVersionSummary(
            number=v.number, name=str(v.document["name"]), created_at=v.created_at
        )
        for v in found
    ]
    return model_response(PlaybookVersionList(data=data, total=len(data)))


def _load_version(playbook: Playbook, number: int) -> Any:
    version = repo.get_version(db_session(), playbook_id=playbook.id, number=number)
    if version is None:
        raise not_found("version", f"{playbook.id}/{number}")
    return version


@bp.get(f"/<playbook_id>/versions/<int(max={MAX_VERSION}):number>")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "Get one saved version of a playbook",
    tag=TAG,
    responses={200: PlaybookVersionPublic, 404: "No such playbook or version"},
)
def version(playbook_id: str, number: int) -> Response:
    found = _load_version(_load(playbook_id), number)
    body = PlaybookVersionPublic(
        playbook_id=found.playbook_id,
        number=found.number,
        name=str(found.document["name"]),
        created_at=found.created_at,
        document=found.document,
    )
    return model_response(body)


@bp.post(f"/<playbook_id>/versions/<int(max={MAX_VERSION}):number>/restore")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Restore an earlier version as a new version",
    tag=TAG,
    headers=IF_MATCH,
    responses={
        200: PlaybookPublic,
        404: "No such playbook or version",
        412: "Changed since loaded",
    },
)
def restore(playbook_id: str, number: int) -> Response:
    playbook = _load(playbook_id)
    expected = _require_match(playbook, required=False)
    document = _load_version(playbook, number).document
    return _save(playbook, expected, check(document))
