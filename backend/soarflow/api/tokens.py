"""/api/v1/tokens: API tokens for machines. The secret is shown once, at creation."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response

from soarflow.api.audit import audit_target
from soarflow.api.auth import AUTHENTICATED, principal, requires
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session
from soarflow.api.openapi import operation
from soarflow.security.roles import Permission
from soarflow.store import access as repo
from soarflow.store.models import ApiToken, TokenCreated, TokenList, TokenPublic, utcnow

bp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens")
TAG = "access"
MAX_DAYS = 3650
NEW_TOKEN = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "workspace": {"type": "string", "description": "id or name; defaults to your only one"},
        "expires_in_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
    },
}


def _visible(token: ApiToken) -> bool:
    """Your own tokens, and those of workspaces whose access you manage."""
    caller = principal()
    return token.user_id == caller.user_id or caller.can(
        Permission.ACCESS_MANAGE, token.workspace_id
    )


@bp.get("")
@requires(AUTHENTICATED)
@operation(
    "Your API tokens, and those of the workspaces you manage",
    tag=TAG,
    responses={200: TokenList, 401: "Not signed in"},
)
def list_all() -> Response:
    found = [t for t in repo.list_tokens(db_session()) if _visible(t)]
    data = [TokenPublic.model_validate(token) for token in found]
    return model_response(TokenList(data=data, total=len(data)))


@bp.post("")
@requires(AUTHENTICATED)
@operation(
    "Create an API token for yourself in one workspace; the response holds the secret once",
    tag=TAG,
    request=NEW_TOKEN,
    responses={
        201: TokenCreated,
        400: "Malformed",
        401: "Not signed in",
        404: "No such workspace",
        422: "Bad field",
    },
)
def create() -> tuple[Response, int]:
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object")
    name = body.get("name")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 100:
        raise ApiError(
            422, "invalid_field", "name is text of 1 to 100 characters", {"field": "name"}
        )
    days = body.get("expires_in_days")
    if days is not None and (
        isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= MAX_DAYS
    ):
        raise ApiError(
            422,
            "invalid_field",
            f"expires_in_days is a whole number from 1 to {MAX_DAYS}",
            {"field": "expires_in_days"},
        )
    workspace_id = _own_workspace(body.get("workspace"))
    session = db_session()
    token, secret = repo.create_token(
        session,
        user_id=principal().user_id,
        workspace_id=workspace_id,
        name=name.strip(),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.commit()
    audit_target("token", token.id, workspace_id)
    created = TokenCreated.model_validate(token, update={"token": secret})
    response = model_response(created)
    response.headers["Cache-Control"] = "no-store"
    return response, 201


def _own_workspace(key: object) -> str:
    caller = principal()
    if key is None:
        if len(caller.roles) == 1:
            return next(iter(caller.roles))
        raise ApiError(
            400,
            "workspace_required",
            "you work in several workspaces: name one in 'workspace'",
            {"workspaces": list(caller.roles)},
        )
    workspace = repo.get_workspace(db_session(), key=str(key))
    if workspace is None or caller.role_in(workspace.id) is None:
        raise not_found("workspace", key)
    return workspace.id


@bp.delete("/<token_id>")
@requires(AUTHENTICATED)
@operation(
    "Revoke an API token (yours, or one of a workspace you manage)",
    tag=TAG,
    responses={204: "Revoked", 401: "Not signed in", 404: "No such token"},
)
def revoke(token_id: str) -> tuple[str, int]:
    session = db_session()
    token = repo.get_token(session, token_id=token_id)
    if token is None or not _visible(token):
        raise not_found("token", token_id)
    audit_target("token", token.id, token.workspace_id)
    repo.revoke_token(session, token=token)
    session.commit()
    return "", 204
