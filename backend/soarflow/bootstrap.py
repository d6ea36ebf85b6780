"""First run: an empty database gets the Owner account 'admin' in the workspace 'default'."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from soarflow.security.credentials import hash_password, password_problem
from soarflow.security.roles import Role
from soarflow.store import access, audit

ADMIN = "admin"
DEFAULT_WORKSPACE = "default"


class BootstrapError(Exception):
    pass


def ensure_first_owner(session: Session, *, password: str | None) -> str | None:
    """Create the first Owner if there are no users yet.

    Returns the password when it was generated here (the caller shows it once), else None.
    """
    if access.count_users(session):
        return None
    if password is not None and (problem := password_problem(password)):
        raise BootstrapError(f"SOARFLOW_ADMIN_PASSWORD is not usable: {problem}")
    chosen = password or secrets.token_urlsafe(18)
    workspace = access.get_workspace(session, key=DEFAULT_WORKSPACE) or access.create_workspace(
        session, name=DEFAULT_WORKSPACE
    )
    user = access.create_user(
        session, name=ADMIN, password_hash=hash_password(chosen), display_name="Administrator"
    )
    access.set_role(session, user_id=user.id, workspace_id=workspace.id, role=Role.OWNER)
    audit.record(
        session,
        actor_type="system",
        actor_name="first run",
        action="users.create",
        target_type="user",
        target_id=user.id,
        workspace_id=workspace.id,
        outcome="success",
        details={"role": str(Role.OWNER)},
    )
    session.commit()
    return None if password else chosen
