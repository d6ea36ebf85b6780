"""/api/v1/workspaces: workspaces and who holds which role in each."""

from __future__ import annotations

import re

from flask import Blueprint, Response, url_for

from soarflow.api.audit import audit_target
from soarflow.api.auth import AUTHENTICATED, authorize, principal, requires
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session
from soarflow.api.openapi import operation
from soarflow.api.users import refuse_last_owner
from soarflow.security.roles import TITLES, Permission, Role, parse_role
from soarflow.store import access as repo
from soarflow.store.models import (
    MemberList,
    MemberPublic,
    User,
    Workspace,
    WorkspaceList,
    WorkspacePublic,
)

bp = Blueprint("workspaces", __name__, url_prefix="/api/v1/workspaces")
TAG = "access"
WORKSPACE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
ROLE_BODY = {
    "type": "object",
    "required": ["role"],
    "properties": {"role": {"enum": [str(role) for role in Role]}},
}


def _workspace(workspace_id: str) -> Workspace:
    """A workspace the caller holds a role in (others do not exist for them)."""
    workspace = repo.get_workspace(db_session(), key=workspace_id)
    if workspace is None or principal().role_in(workspace.id) is None:
        raise not_found("workspace", workspace_id)
    return workspace


def _managed_workspace(workspace_id: str) -> Workspace:
    workspace = _workspace(workspace_id)
    authorize(workspace.id, missing=not_found("workspace", workspace_id))
    return workspace


def _member(workspace: Workspace, user_id: str) -> User:
    user = repo.get_user(db_session(), user_id=user_id)
    if user is None:
        raise not_found("user", user_id)
    audit_target("user", user.id, workspace.id)
    return user


@bp.get("")
@requires(AUTHENTICATED)
@operation(
    "The workspaces you hold a role in",
    tag=TAG,
    responses={200: WorkspaceList, 401: "Not signed in"},
)
def list_all() -> Response:
    found = repo.list_workspaces(db_session(), ids=list(principal().roles))
    data = [WorkspacePublic.model_validate(workspace) for workspace in found]
    return model_response(WorkspaceList(data=data, total=len(data)))


@bp.post("")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Create a workspace; you become its Owner",
    tag=TAG,
    request={"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    responses={
        201: WorkspacePublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        409: "Name taken",
        422: "Bad name",
    },
)
def create() -> tuple[Response, int]:
    body = json_body()
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not WORKSPACE_NAME.match(name):
        raise ApiError(
            422,
            "invalid_name",
            "a workspace name has 1 to 100 lower-case letters, digits, - and _",
            {"field": "name"},
        )
    session = db_session()
    if repo.get_workspace(session, key=name) is not None:
        raise ApiError(409, "name_taken", f"a workspace named '{name}' exists", {"field": "name"})
    workspace = repo.create_workspace(session, name=name)
    repo.set_role(session, user_id=principal().user_id, workspace_id=workspace.id, role=Role.OWNER)
    session.commit()
    audit_target("workspace", workspace.id, workspace.id)
    response = model_response(WorkspacePublic.model_validate(workspace))
    response.headers["Location"] = url_for(".get", workspace_id=workspace.id)
    return response, 201


@bp.get("/<workspace_id>")
@requires(AUTHENTICATED)
@operation(
    "Get a workspace",
    tag=TAG,
    responses={200: WorkspacePublic, 401: "Not signed in", 404: "No such workspace"},
)
def get(workspace_id: str) -> Response:
    workspace = _workspace(workspace_id)
    return model_response(WorkspacePublic.model_validate(workspace))


@bp.get("/<workspace_id>/members")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Who holds which role in a workspace",
    tag=TAG,
    responses={200: MemberList, 401: "Not signed in", 403: "Not allowed", 404: "No such workspace"},
)
def members(workspace_id: str) -> Response:
    workspace = _managed_workspace(workspace_id)
    data = [
        MemberPublic(user_id=user.id, name=user.name, display_name=user.display_name, role=role)
        for user, role in repo.members(db_session(), workspace_id=workspace.id)
    ]
    return model_response(MemberList(data=data, total=len(data)))


@bp.put("/<workspace_id>/members/<user_id>")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Grant a user a role in a workspace, or change it",
    tag=TAG,
    request=ROLE_BODY,
    responses={
        200: MemberPublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such workspace or user",
        409: "Would remove the last Owner",
        422: "No such role",
    },
)
def grant(workspace_id: str, user_id: str) -> Response:
    workspace = _managed_workspace(workspace_id)
    user = _member(workspace, user_id)
    body = json_body()
    name = body.get("role") if isinstance(body, dict) else None
    role = parse_role(name) if isinstance(name, str) else None
    if role is None:
        raise ApiError(
            422,
            "unknown_role",
            f"there is no role '{name}'",
            {"field": "role", "roles": {str(r): title for r, title in TITLES.items()}},
        )
    session = db_session()
    current = repo.roles_of(session, user_id=user.id).get(workspace.id)
    if current == Role.OWNER and role != Role.OWNER:
        refuse_last_owner(user, [workspace.id])
    repo.set_role(session, user_id=user.id, workspace_id=workspace.id, role=role)
    session.commit()
    member = MemberPublic(
        user_id=user.id, name=user.name, display_name=user.display_name, role=role
    )
    return model_response(member)


@bp.delete("/<workspace_id>/members/<user_id>")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Take a user's role in a workspace away",
    tag=TAG,
    responses={
        204: "Removed",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such workspace, user or role",
        409: "Would remove the last Owner",
    },
)
def revoke(workspace_id: str, user_id: str) -> tuple[str, int]:
    workspace = _managed_workspace(workspace_id)
    user = _member(workspace, user_id)
    session = db_session()
    role = repo.roles_of(session, user_id=user.id).get(workspace.id)
    if role is None:
        raise not_found("member", user_id)
    if role == Role.OWNER:
        refuse_last_owner(user, [workspace.id])
    repo.remove_role(session, user_id=user.id, workspace_id=workspace.id)
    session.commit()
    return "", 204
