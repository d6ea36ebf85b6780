"""Importing Microsoft Sentinel playbooks (ARM templates) and Logic Apps workflows: one file per
request, so that one bad file is one error and the others still import; and the report of what
an imported playbook did not carry over."""

from __future__ import annotations

from flask import Blueprint, Response, request

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, requires, target_workspace
from soarflow.api.body import model_response, raw_body
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import action_catalog, db_session
from soarflow.api.openapi import operation
from soarflow.logicapps import MAX_BYTES
from soarflow.security.roles import Permission
from soarflow.store import imports as repo
from soarflow.store import playbooks as playbook_repo
from soarflow.store.models import ImportedFile, ImportReport

bp = Blueprint("imports", __name__, url_prefix="/api/v1")
TAG = "imports"
MAX_NAME = 500


@bp.post("/playbooks/import")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Import one Sentinel playbook (ARM template) or Logic Apps workflow definition, sent as the "
    "body; what does not carry over is listed and the playbook saved as a draft",
    tag=TAG,
    query={
        "name": {"type": "string", "description": "the file's name, for the report"},
        "workspace": {"type": "string", "description": "workspace id or name"},
    },
    request={"description": "the file as it is (JSON)"},
    responses={
        201: ImportedFile,
        413: "Larger than 10 MB",
        422: "Not an importable playbook (import_failed, with the reason)",
    },
)
def import_playbook() -> tuple[Response, int]:
    workspace_id = target_workspace()
    file_name = (request.args.get("name") or "playbook.json")[:MAX_NAME]
    raw = raw_body(MAX_BYTES, "an import")
    result = repo.import_file(
        db_session(),
        workspace_id=workspace_id,
        file_name=file_name,
        raw=raw,
        catalog=action_catalog(),
    )
    if result.playbook_id is None:
        raise ApiError(
            422,
            "import_failed",
            f"{file_name}: {result.error}",
            {"file": file_name, "reason": result.error},
        )
    audit_target("playbook", result.playbook_id, workspace_id)
    response = model_response(result)
    response.headers["Location"] = f"/api/v1/playbooks/{result.playbook_id}"
    return response, 201


@bp.get("/playbooks/<playbook_id>/import-report")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "What an imported playbook's source held that did not carry over, and its defects",
    tag=TAG,
    responses={200: ImportReport, 404: "No such playbook, or it was not imported"},
)
def import_report(playbook_id: str) -> Response:
    session = db_session()
    playbook = playbook_repo.get_playbook(session, playbook_id=playbook_id)
    missing = not_found("playbook", playbook_id)
    if playbook is None:
        raise missing
    authorize(playbook.workspace_id, missing=missing)
    report = repo.import_report(session, playbook_id=playbook.id)
    if report is None:
        raise ApiError(
            404, "not_imported", "this playbook was not imported", {"playbook_id": playbook.id}
        )
    return model_response(report)
