"""/api/v1/users: user accounts (instance-wide; roles are granted per workspace)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, url_for

from soarflow.api.audit import audit_target
from soarflow.api.auth import principal, requires
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session
from soarflow.api.openapi import operation
from soarflow.security.credentials import hash_password, password_problem
from soarflow.security.roles import Permission, Role
from soarflow.store import access as repo
from soarflow.store.models import User, UserList, UserPublic

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")
TAG = "access"
USER_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
NEW_USER = {
    "type": "object",
    "required": ["name", "password"],
    "properties": {
        "name": {"type": "string", "pattern": USER_NAME.pattern},
        "password": {"type": "string", "minLength": 12, "writeOnly": True},
        "display_name": {"type": "string", "maxLength": 200},
    },
}
USER_CHANGES = {
    "type": "object",
    "properties": {
        "password": {"type": "string", "minLength": 12, "writeOnly": True},
        "display_name": {"type": "string", "maxLength": 200},
        "active": {"type": "boolean"},
    },
}


def _public(user: User) -> Response:
    return model_response(UserPublic.model_validate(user))


def valid_user_name(name: Any) -> str:
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise ApiError(
            422,
            "invalid_name",
            "a user name has 1 to 100 letters, digits and . _ @ -",
            {"field": "name"},
        )
    return name


def valid_password(password: Any) -> str:
    problem = password_problem(password) if isinstance(password, str) else "send a string"
    if problem:
        raise ApiError(422, "weak_password", problem, {"field": "password"})
    assert isinstance(password, str)
    return password


def _load(user_id: str) -> User:
    user = repo.get_user(db_session(), user_id=user_id)
    if user is None:
        raise not_found("user", user_id)
    audit_target("user", user.id)
    return user


def _require_authority_over(user: User) -> None:
    """Changing an account reaches every workspace it works in: the caller must manage each."""
    caller = principal()
    for workspace_id in repo.roles_of(db_session(), user_id=user.id):
        if not caller.can(Permission.ACCESS_MANAGE, workspace_id):
            raise ApiError(
                403,
                "forbidden",
                "this user works in a workspace you do not manage",
                {"permission": str(Permission.ACCESS_MANAGE)},
            )


def refuse_last_owner(user: User, workspace_ids: Iterable[str]) -> None:
    """Refuse to take the last Owner away from any of these workspaces."""
    session = db_session()
    for workspace_id in workspace_ids:
        if repo.owner_ids(session, workspace_id=workspace_id) == {user.id}:
            raise ApiError(
                409,
                "last_owner",
                f"'{user.name}' is the last Owner of a workspace; make someone else Owner first",
                {"workspace_id": workspace_id},
            )


def _owned_workspaces(user: User) -> list[str]:
    roles = repo.roles_of(db_session(), user_id=user.id)
    return [workspace_id for workspace_id, role in roles.items() if role == Role.OWNER]


@bp.get("")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "List user accounts",
    tag=TAG,
    responses={200: UserList, 401: "Not signed in", 403: "Not allowed"},
)
def list_all() -> Response:
    users = [UserPublic.model_validate(user) for user in repo.list_users(db_session())]
    return model_response(UserList(data=users, total=len(users)))


@bp.post("")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Create a user account (grant it a role with PUT /workspaces/{id}/members/{user_id})",
    tag=TAG,
    request=NEW_USER,
    responses={
        201: UserPublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        409: "Name taken",
        422: "Bad name or weak password",
    },
)
def create() -> tuple[Response, int]:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object")
    name = valid_user_name(body.get("name"))
    password = valid_password(body.get("password"))
    display_name = body.get("display_name", "")
    if not isinstance(display_name, str) or len(display_name) > 200:
        raise ApiError(
            422,
            "invalid_field",
            "display_name is text of at most 200 characters",
            {"field": "display_name"},
        )
    session = db_session()
    if repo.get_user_by_name(session, name=name) is not None:
        raise ApiError(409, "name_taken", f"a user named '{name}' exists", {"field": "name"})
    user = repo.create_user(
        session, name=name, password_hash=hash_password(password), display_name=display_name
    )
    session.commit()
    audit_target("user", user.id)
    response = _public(user)
    response.headers["Location"] = url_for(".get", user_id=user.id)
    return response, 201


@bp.get("/<user_id>")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Get a user account",
    tag=TAG,
    responses={200: UserPublic, 401: "Not signed in", 403: "Not allowed", 404: "No such user"},
)
def get(user_id: str) -> Response:
    return _public(_load(user_id))


@bp.patch("/<user_id>")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Change a user's display name or password, or disable or enable the account",
    tag=TAG,
    request=USER_CHANGES,
    responses={
        200: UserPublic,
        400: "Malformed",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such user",
        409: "Would remove the last Owner",
        422: "Bad value",
    },
)
def update(user_id: str) -> Response:
    user = _load(user_id)
    _require_authority_over(user)
    body = json_body()
    if not isinstance(body, dict) or set(body) - {"password", "display_name", "active"}:
        raise ApiError(400, "bad_request", "send an object with password, display_name or active")
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise ApiError(422, "invalid_field", "active is true or false", {"field": "active"})
        if not body["active"]:
            refuse_last_owner(user, _owned_workspaces(user))
        user.active = body["active"]
    if "display_name" in body:
        if not isinstance(body["display_name"], str) or len(body["display_name"]) > 200:
            raise ApiError(
                422,
                "invalid_field",
                "display_name is text of at most 200 characters",
                {"field": "display_name"},
            )
        user.display_name = body["display_name"]
    if "password" in body:
        user.password_hash = hash_password(valid_password(body["password"]))
    session = db_session()
    session.add(user)
    session.commit()
    return _public(user)


@bp.delete("/<user_id>")
@requires(Permission.ACCESS_MANAGE)
@operation(
    "Delete a user account, its roles and tokens",
    tag=TAG,
    responses={
        204: "Deleted",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such user",
        409: "Would remove the last Owner",
    },
)
def delete(user_id: str) -> tuple[str, int]:
    user = _load(user_id)
    _require_authority_over(user)
    refuse_last_owner(user, _owned_workspaces(user))
    session = db_session()
    session.delete(user)
    session.commit()
    return "", 204
