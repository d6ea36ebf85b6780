"""Roles and what they permit. The table that every route's declared permission is checked
against; granting a role is granting exactly these permissions in one workspace."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    PLAYBOOK_READ = "playbook.read"
    PLAYBOOK_WRITE = "playbook.write"
    PLAYBOOK_ENABLE = "playbook.enable"
    PLAYBOOK_RUN = "playbook.run"
    CONNECTION_READ = "connection.read"
    CONNECTION_WRITE = "connection.write"
    AUTOMATION_READ = "automation.read"
    AUTOMATION_WRITE = "automation.write"
    # Send alerts in and set how they group into incidents: for detection integrations.
    ALERT_WRITE = "alert.write"
    INCIDENT_READ = "incident.read"
    # Triage incidents (title, severity, status, owner, labels, closing) and comment on them.
    INCIDENT_WRITE = "incident.write"
    AUDIT_READ = "audit.read"
    ACCESS_MANAGE = "access.manage"


class Role(StrEnum):
    OWNER = "owner"
    PLAYBOOK_CONTRIBUTOR = "playbook_contributor"
    PLAYBOOK_OPERATOR = "playbook_operator"
    AUTOMATION_CONTRIBUTOR = "automation_contributor"
    RESPONDER = "responder"
    READER = "reader"


_READ = frozenset(
    {
        Permission.PLAYBOOK_READ,
        Permission.CONNECTION_READ,
        Permission.AUTOMATION_READ,
        Permission.INCIDENT_READ,
    }
)

# Incidents as in Sentinel: a Responder triages them and a Contributor can too; the Operator and
# Automation Contributor roles are about playbooks and automation rules only.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.PLAYBOOK_CONTRIBUTOR: _READ
    | {
        Permission.PLAYBOOK_WRITE,
        Permission.CONNECTION_WRITE,
        Permission.ALERT_WRITE,
        Permission.INCIDENT_WRITE,
    },
    Role.PLAYBOOK_OPERATOR: _READ | {Permission.PLAYBOOK_ENABLE},
    Role.AUTOMATION_CONTRIBUTOR: _READ | {Permission.AUTOMATION_WRITE},
    Role.RESPONDER: _READ | {Permission.PLAYBOOK_RUN, Permission.INCIDENT_WRITE},
    Role.READER: _READ,
}

TITLES: dict[Role, str] = {
    Role.OWNER: "Owner",
    Role.PLAYBOOK_CONTRIBUTOR: "Playbook Contributor",
    Role.PLAYBOOK_OPERATOR: "Playbook Operator",
    Role.AUTOMATION_CONTRIBUTOR: "Automation Contributor",
    Role.RESPONDER: "Responder",
    Role.READER: "Reader",
}


def parse_role(name: str) -> Role | None:
    """A role from its id or its title ('playbook_operator' or 'Playbook Operator')."""
    normalized = name.strip().lower().replace(" ", "_").replace("-", "_")
    return Role.__members__.get(normalized.upper())


def grants(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
