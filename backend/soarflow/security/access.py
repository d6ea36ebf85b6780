"""Who is calling and what they may do where: the principal and its per-workspace roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from soarflow.security.roles import PERMISSIONS, Permission, Role


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. A token acts only in its own workspace, whatever else its user
    may do elsewhere."""

    user_id: str
    user_name: str
    via: Literal["session", "token"]
    roles: dict[str, Role] = field(default_factory=dict)
    token_id: str | None = None
    csrf_token: str | None = None

    def workspaces_with(self, permission: Permission) -> list[str]:
        return [ws for ws, role in self.roles.items() if permission in PERMISSIONS[role]]

    def role_in(self, workspace_id: str) -> Role | None:
        return self.roles.get(workspace_id)

    def can(self, permission: Permission, workspace_id: str) -> bool:
        role = self.roles.get(workspace_id)
        return role is not None and permission in PERMISSIONS[role]
