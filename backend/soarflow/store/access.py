"""Repository for workspaces, users, role assignments, API tokens and browser sessions."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from soarflow.security.credentials import new_token, token_digest
from soarflow.security.roles import Role
from soarflow.store.models import (
    ApiToken,
    AuthSession,
    RoleAssignment,
    User,
    Workspace,
    as_utc,
    utcnow,
)

SESSION_LIFETIME = timedelta(hours=12)


def get_workspace(session: Session, *, key: str) -> Workspace | None:
    """A workspace by id or by name."""
    found = session.get(Workspace, key)
    if found is not None:
        return found
    return session.exec(select(Workspace).where(col(Workspace.name) == key)).first()


def list_workspaces(session: Session, *, ids: Sequence[str] | None = None) -> Sequence[Workspace]:
    query = select(Workspace).order_by(col(Workspace.name))
    if ids is not None:
        query = query.where(col(Workspace.id).in_(ids))
    return session.exec(query).all()


def create_workspace(session: Session, *, name: str) -> Workspace:
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    return workspace


def get_user(session: Session, *, user_id: str) -> User | None:
    return session.get(User, user_id)


def get_user_by_name(session: Session, *, name: str) -> User | None:
    return session.exec(select(User).where(col(User.name) == name)).first()


def list_users(session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(col(User.name))).all()


def count_users(session: Session) -> int:
    return session.exec(select(func.count()).select_from(User)).one()


def create_user(session: Session, *, name: str, password_hash: str, display_name: str = "") -> User:
    user = User(name=name, password_hash=password_hash, display_name=display_name)
    session.add(user)
    session.flush()
    return user


def roles_of(session: Session, *, user_id: str) -> dict[str, Role]:
    query = select(RoleAssignment).where(col(RoleAssignment.user_id) == user_id)
    return {row.workspace_id: Role(row.role) for row in session.exec(query)}


def members(session: Session, *, workspace_id: str) -> Sequence[tuple[User, str]]:
    query = (
        select(User, RoleAssignment.role)
        .join(RoleAssignment, col(RoleAssignment.user_id) == col(User.id))
        .where(col(RoleAssignment.workspace_id) == workspace_id)
        .order_by(col(User.name))
    )
    return [(user, role) for user, role in session.exec(query)]


def owner_ids(session: Session, *, workspace_id: str) -> set[str]:
    query = select(RoleAssignment.user_id).where(
        col(RoleAssignment.workspace_id) == workspace_id, col(RoleAssignment.role) == Role.OWNER
    )
    return set(session.exec(query))


def set_role(session: Session, *, user_id: str, workspace_id: str, role: Role) -> None:
    assignment = session.get(RoleAssignment, (user_id, workspace_id))
    if assignment is None:
        assignment = RoleAssignment(user_id=user_id, workspace_id=workspace_id, role=role)
    assignment.role = role
    session.add(assignment)
    session.flush()


def remove_role(session: Session, *, user_id: str, workspace_id: str) -> bool:
    assignment = session.get(RoleAssignment, (user_id, workspace_id))
    if assignment is None:
        return False
    session.delete(assignment)
    session.flush()
    return True


def create_token(
    session: Session,
    *,
    user_id: str,
    workspace_id: str,
    name: str,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret, which exists only in this return value from now on."""
    secret = new_token()
    token = ApiToken(
        user_id=user_id,
        workspace_id=workspace_id,
        name=name,
        digest=token_digest(secret),
        prefix=secret[:10],
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, secret


def get_token(session: Session, *, token_id: str) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def find_token(session: Session, *, secret: str) -> ApiToken | None:
    query = select(ApiToken).where(col(ApiToken.digest) == token_digest(secret))
    return session.exec(query).first()


def list_tokens(session: Session, *, user_id: str | None = None) -> Sequence[ApiToken]:
    query = select(ApiToken).order_by(col(ApiToken.created_at).desc())
    if user_id is not None:
        query = query.where(col(ApiToken.user_id) == user_id)
    return session.exec(query).all()


def token_is_usable(token: ApiToken) -> bool:
    now = utcnow()
    expired = token.expires_at is not None and as_utc(token.expires_at) <= now
    return token.revoked_at is None and not expired


def revoke_token(session: Session, *, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.flush()


def create_session(session: Session, *, user_id: str) -> tuple[AuthSession, str]:
    """A new browser session and the cookie value that names it (stored only as a digest)."""
    cookie = secrets.token_urlsafe(32)
    auth = AuthSession(
        digest=token_digest(cookie),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    session.add(auth)
    session.flush()
    return auth, cookie


def find_session(session: Session, *, cookie: str) -> AuthSession | None:
    found = session.get(AuthSession, token_digest(cookie))
    if found is None or as_utc(found.expires_at) <= utcnow():
        return None
    return found


def end_session(session: Session, *, cookie: str) -> None:
    found = session.get(AuthSession, token_digest(cookie))
    if found is not None:
        session.delete(found)
        session.flush()
