"""The one access mechanism: every route declares what it needs with @requires, and a
before-request guard enforces it, denying any route that declares nothing.

Routes that work on a record call authorize() with the record's workspace; it applies the
permission the route declared, so handlers never name permissions themselves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final, Literal, TypeVar

from flask import Flask, Response, current_app, g, request

from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session
from soarflow.api.openapi import openapi_path
from soarflow.security.access import Principal
from soarflow.security.credentials import same_secret
from soarflow.security.roles import TITLES, Permission, Role, grants
from soarflow.store import access as repo
from soarflow.store.models import as_utc, utcnow

log = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable[..., Any])
Rule = Permission | Literal["public", "authenticated"]
PUBLIC: Final = "public"
AUTHENTICATED: Final = "authenticated"
ATTRIBUTE = "__access__"
SESSION_COOKIE = "soarflow_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def requires(rule: Rule) -> Callable[[View], View]:
    """Declare what a route needs: a permission, any signed-in caller, or nothing (public)."""

    def declare(view: View) -> View:
        setattr(view, ATTRIBUTE, rule)
        return view

    return declare


def declared_rule(app: Flask, endpoint: str) -> Rule | None:
    rule: Rule | None = getattr(app.view_functions[endpoint], ATTRIBUTE, None)
    return rule


def init_app(app: Flask) -> None:
    app.before_request(_guard)


def _guard() -> None:
    if request.endpoint is None:
        return
    rule = declared_rule(current_app, request.endpoint)
    if rule is None:
        log.error("route %s declares no permission; denied", request.endpoint)
        raise ApiError(403, "forbidden", "this route declares no permission, so it is closed")
    if rule == PUBLIC:
        return
    principal = _authenticate()
    g.principal = principal
    if principal.via == "session" and request.method not in SAFE_METHODS:
        _check_csrf(principal)
    if rule == AUTHENTICATED:
        return
    g.permission = rule
    if not principal.workspaces_with(rule):
        raise forbidden(rule)


def forbidden(permission: Permission) -> ApiError:
    return ApiError(
        403,
        "forbidden",
        f"your role does not allow this (it needs the '{permission}' permission)",
        {"permission": str(permission)},
    )


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def _authenticate() -> Principal:
    header = request.headers.get("Authorization")
    if header is not None:
        return _from_token(header)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _from_session(cookie)
    raise unauthenticated("sign in, or send an API token as 'Authorization: Bearer <token>'")


def _from_token(header: str) -> Principal:
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise unauthenticated("the Authorization header must be 'Bearer <token>'")
    session = db_session()
    token = repo.find_token(session, secret=secret.strip())
    if token is None or not repo.token_is_usable(token):
        raise unauthenticated("the API token is unknown, revoked or expired")
    user = repo.get_user(session, user_id=token.user_id)
    if user is None or not user.active:
        raise unauthenticated("the API token's user is disabled")
    if token.last_used_at is None or as_utc(token.last_used_at) < utcnow() - TOKEN_TOUCH_INTERVAL:
        token.last_used_at = utcnow()
        session.add(token)
        session.commit()
    roles = repo.roles_of(session, user_id=user.id)
    own = {token.workspace_id: roles[token.workspace_id]} if token.workspace_id in roles else {}
    return Principal(user.id, user.name, "token", own, token_id=token.id)


def _from_session(cookie: str) -> Principal:
    session = db_session()
    auth = repo.find_session(session, cookie=cookie)
    user = repo.get_user(session, user_id=auth.user_id) if auth else None
    if auth is None or user is None or not user.active:
        raise unauthenticated("your session has ended; sign in again")
    roles = repo.roles_of(session, user_id=user.id)
    return Principal(user.id, user.name, "session", roles, csrf_token=auth.csrf_token)


def _check_csrf(principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or principal.csrf_token is None or not same_secret(sent, principal.csrf_token):
        raise ApiError(
            403,
            "csrf_failed",
            f"send the {CSRF_HEADER} header from sign-in with every change made in a browser",
        )


def principal() -> Principal:
    found: Principal = g.principal
    return found


def authorize(workspace_id: str, *, missing: ApiError) -> None:
    """Apply the route's permission in one workspace. A caller with no role there learns
    nothing (the `missing` 404); a role without the permission gets 403."""
    caller = principal()
    if caller.role_in(workspace_id) is None:
        raise missing
    permission: Permission = g.permission
    if not caller.can(permission, workspace_id):
        raise forbidden(permission)


def listed_workspaces() -> list[str]:
    """The workspaces a list shows: ?workspace= if given and allowed, else every allowed one."""
    key = request.args.get("workspace")
    if key is None:
        return principal().workspaces_with(g.permission)
    return [_allowed_workspace(key)]


def target_workspace(key: str | None = None) -> str:
    """Where a new record goes: the workspace `key` names (else ?workspace=), or the caller's
    only (or 'default') workspace."""
    key = key if key is not None else request.args.get("workspace")
    if key is not None:
        return _allowed_workspace(key)
    allowed = principal().workspaces_with(g.permission)
    if len(allowed) == 1:
        return allowed[0]
    default = repo.get_workspace(db_session(), key="default")
    if default is not None and default.id in allowed:
        return default.id
    raise ApiError(
        400,
        "workspace_required",
        "you work in several workspaces: say which one with ?workspace=",
        {"workspaces": allowed},
    )


def _allowed_workspace(key: str) -> str:
    workspace = repo.get_workspace(db_session(), key=key)
    missing = not_found("workspace", key)
    if workspace is None:
        raise missing
    authorize(workspace.id, missing=missing)
    return workspace.id


def set_session_cookie(response: Response, cookie: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(repo.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="Lax", secure=request.is_secure, path="/"
    )


def permission_tables(app: Flask) -> str:
    """Markdown: what each role may do, then what each route needs; printed by
    `soarflow permissions` and kept in the README."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(TITLES[role] for role in roles) + " |",
        "| --- |" + " :-: |" * len(roles),
    ]
    for permission in Permission:
        marks = ("yes" if grants(role, permission) else "" for role in roles)
        lines.append(f"| `{permission}` | " + " | ".join(marks) + " |")
    lines += ["", "| route | needs |", "| --- | --- |"]
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith("/api/"):
            continue
        needs = declared_rule(app, rule.endpoint) or "nothing declared: closed"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            lines.append(f"| `{method} {openapi_path(rule.rule)}` | {needs} |")
    return "\n".join(lines)
