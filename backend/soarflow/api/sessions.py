"""/api/v1/auth: sign in and out with a session cookie, and who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, g, request

from soarflow.api.audit import audit_action, audit_target
from soarflow.api.auth import (
    AUTHENTICATED,
    PUBLIC,
    SESSION_COOKIE,
    clear_session_cookie,
    principal,
    requires,
    set_session_cookie,
)
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError
from soarflow.api.extensions import db_session
from soarflow.api.openapi import operation
from soarflow.security.access import Principal
from soarflow.security.credentials import password_matches
from soarflow.security.roles import PERMISSIONS
from soarflow.store import access as repo
from soarflow.store import audit
from soarflow.store.models import Me, SignedIn, UserPublic, WorkspaceAccess, utcnow

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")
TAG = "auth"
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 10
LOGIN_BODY = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
}


@bp.post("/login")
@requires(PUBLIC)
@operation(
    "Sign in; sets an HttpOnly session cookie and returns the CSRF token for writes",
    tag=TAG,
    request=LOGIN_BODY,
    responses={
        200: SignedIn,
        400: "Malformed",
        401: "Wrong name or password",
        429: "Too many failed sign-ins",
    },
)
def login() -> Response:
    name, password = _credentials(json_body())
    session = db_session()
    audit_action(audit.LOGIN_FAILED)
    audit_target("user", name)
    since = utcnow() - FAILURE_WINDOW
    if (
        audit.recent_failed_logins(session, name=name, ip=request.remote_addr, since=since)
        >= MAX_FAILURES
    ):
        seconds = int(FAILURE_WINDOW.total_seconds())
        raise ApiError(
            429,
            "rate_limited",
            "too many failed sign-ins; wait before trying again",
            {"retry_after": seconds},
            headers={"Retry-After": str(seconds)},
        )
    user = repo.get_user_by_name(session, name=name)
    if (
        not password_matches(user.password_hash if user else None, password)
        or not user
        or not user.active
    ):
        raise ApiError(401, "invalid_credentials", "wrong user name or password")
    old_cookie = request.cookies.get(SESSION_COOKIE)
    if old_cookie:
        repo.end_session(session, cookie=old_cookie)
    auth, cookie = repo.create_session(session, user_id=user.id)
    session.commit()
    audit_action("auth.login")
    audit_target("user", user.id)
    g.principal = Principal(user.id, user.name, "session")
    body = SignedIn(user=UserPublic.model_validate(user), csrf_token=auth.csrf_token)
    response = model_response(body)
    set_session_cookie(response, cookie)
    return response


def _credentials(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", 'send {"username": ..., "password": ...}')
    name, password = body.get("username"), body.get("password")
    if not isinstance(name, str) or not isinstance(password, str) or not name:
        raise ApiError(
            400,
            "bad_request",
            "username and password must be non-empty strings",
            {"fields": ["username", "password"]},
        )
    return name[:100], password[:1024]


@bp.post("/logout")
@requires(AUTHENTICATED)
@operation(
    "Sign out: end this browser session",
    tag=TAG,
    responses={204: "Signed out", 401: "Not signed in", 403: "CSRF token missing"},
)
def logout() -> tuple[Response, int]:
    cookie = request.cookies.get(SESSION_COOKIE)
    if principal().via == "session" and cookie:
        session = db_session()
        repo.end_session(session, cookie=cookie)
        session.commit()
    response = Response(status=204)
    clear_session_cookie(response)
    return response, 204


@bp.get("/me")
@requires(AUTHENTICATED)
@operation(
    "The signed-in user, their workspaces and roles",
    tag=TAG,
    responses={200: Me, 401: "Not signed in"},
)
def me() -> Response:
    caller = principal()
    session = db_session()
    user = repo.get_user(session, user_id=caller.user_id)
    assert user is not None
    workspaces = [
        WorkspaceAccess(
            id=workspace.id,
            name=workspace.name,
            created_at=workspace.created_at,
            role=str(caller.roles[workspace.id]),
            permissions=sorted(PERMISSIONS[caller.roles[workspace.id]]),
        )
        for workspace in repo.list_workspaces(session, ids=list(caller.roles))
    ]
    body = Me(
        user=UserPublic.model_validate(user),
        auth=caller.via,
        csrf_token=caller.csrf_token,
        workspaces=workspaces,
    )
    return model_response(body)
