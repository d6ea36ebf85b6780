"""Audit every change made through the API, whoever made it and however it ended; and
GET /api/v1/audit for Owners."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from sqlmodel import Session

from soarflow.api.auth import listed_workspaces, requires
from soarflow.api.body import model_response
from soarflow.api.extensions import db_engine, db_session
from soarflow.api.openapi import operation
from soarflow.api.pagination import QUERY_PARAMETERS, page_request, time_parameter
from soarflow.security.roles import Permission
from soarflow.store import audit as repo
from soarflow.store.models import AuditEventPublic, AuditPage

log = logging.getLogger(__name__)
bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNAUDITED = "__unaudited__"


def unaudited(view: Any) -> Any:
    """For a POST that changes nothing (validation without saving)."""
    setattr(view, UNAUDITED, True)
    return view


def audit_target(target_type: str, target_id: str, workspace_id: str | None = None) -> None:
    g.audit_target = (target_type, target_id, workspace_id)


def audit_action(action: str) -> None:
    g.audit_action = action


def init_app(app: Flask) -> None:
    app.after_request(_record_change)


def _record_change(response: Response) -> Response:
    if request.method not in CHANGING_METHODS or not _is_audited_route():
        return response
    target_type, target_id, workspace_id = g.get("audit_target") or _target_from_url()
    caller = g.get("principal")
    event: dict[str, Any] = {
        "actor_type": caller.via if caller else "anonymous",
        "actor_id": caller.user_id if caller else None,
        "actor_name": caller.user_name if caller else "",
        "action": g.get("audit_action") or str(request.endpoint),
        "target_type": target_type,
        "target_id": target_id,
        "workspace_id": workspace_id,
        "ip": request.remote_addr,
        "outcome": _outcome(response.status_code),
        "status": response.status_code,
        "details": {"method": request.method, "path": request.path[:500]},
    }
    if caller and caller.token_id:
        event["details"]["token_id"] = caller.token_id
    try:
        with Session(db_engine()) as session:
            repo.record(session, **event)
            session.commit()
    except Exception:
        log.exception("could not write the audit event for %s %s", request.method, request.path)
    return response


def _is_audited_route() -> bool:
    from flask import current_app

    if request.endpoint is None or not request.path.startswith("/api/"):
        return False
    return not getattr(current_app.view_functions[request.endpoint], UNAUDITED, False)


def _target_from_url() -> tuple[str | None, str | None, str | None]:
    for name, value in (request.view_args or {}).items():
        if name.endswith("_id"):
            return name.removesuffix("_id"), str(value), None
    return None, None, None


def _outcome(status: int) -> str:
    if status < 400:
        return "success"
    return "denied" if status in (401, 403) else "failed"


@bp.get("")
@requires(Permission.AUDIT_READ)
@operation(
    "The audit log, newest first",
    tag="audit",
    query={
        **QUERY_PARAMETERS,
        "user": {"type": "string", "description": "actor id or name"},
        "target_type": {"type": "string"},
        "target_id": {"type": "string"},
        "since": {"type": "string", "format": "date-time"},
        "until": {"type": "string", "format": "date-time"},
        "workspace": {"type": "string"},
    },
    responses={
        200: AuditPage,
        400: "Bad query parameter",
        401: "Not signed in",
        403: "Not allowed",
    },
)
def list_events() -> Response:
    page = page_request()
    where = repo.AuditFilter(
        actor=request.args.get("user"),
        target_type=request.args.get("target_type"),
        target_id=request.args.get("target_id"),
        workspace_ids=listed_workspaces(),
        since=time_parameter("since"),
        until=time_parameter("until"),
    )
    events, total = repo.list_events(
        db_session(), where=where, offset=page.offset, limit=page.limit
    )
    passed = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
    body = AuditPage(
        data=[AuditEventPublic.model_validate(event) for event in events],
        total=total,
        next=page.next_url(total, **passed),
    )
    return model_response(body)
