"""Repository for API connections. Secrets arrive and leave here already encrypted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from soarflow.playbook.connections import connection_references, with_connections_renamed
from soarflow.store import playbooks
from soarflow.store.models import Connection, Playbook, PlaybookUse, utcnow


def create_connection(
    session: Session,
    *,
    workspace_id: str,
    connector_id: str,
    name: str,
    fields: dict[str, Any],
    secrets: str,
) -> Connection:
    connection = Connection(
        workspace_id=workspace_id,
        connector_id=connector_id,
        name=name,
        fields=fields,
        secrets=secrets,
    )
    session.add(connection)
    session.flush()
    return connection


def get_connection(session: Session, *, connection_id: str) -> Connection | None:
    return session.get(Connection, connection_id)


def find_by_name(session: Session, *, workspace_id: str, name: str) -> Connection | None:
    query = select(Connection).where(
        col(Connection.workspace_id) == workspace_id, col(Connection.name) == name
    )
    return session.exec(query).first()


def list_connections(
    session: Session, *, workspace_ids: Sequence[str], connector_id: str | None = None
) -> Sequence[Connection]:
    query = (
        select(Connection)
        .where(col(Connection.workspace_id).in_(workspace_ids))
        .order_by(col(Connection.name))
    )
    if connector_id is not None:
        query = query.where(col(Connection.connector_id) == connector_id)
    return session.exec(query).all()


def update_connection(
    session: Session, *, connection: Connection, name: str, fields: dict[str, Any], secrets: str
) -> Connection:
    connection.name, connection.fields, connection.secrets = name, fields, secrets
    connection.status, connection.status_reason = "untested", ""
    connection.updated_at = utcnow()
    session.add(connection)
    session.flush()
    return connection


def rename_connection(session: Session, *, connection: Connection, name: str) -> list[str]:
    """Renames a connection, and the steps that name it with it: steps store the name (it
    survives export and import), so a rename alone would break every playbook calling with it.
    Each playbook changed is saved as a new version; returns their ids."""
    old_name = connection.name
    changed = []
    for playbook in _playbooks_in(session, workspace_ids=[connection.workspace_id]):
        if old_name not in connection_references(playbook.document):
            continue
        document = with_connections_renamed(playbook.document, {old_name: name})
        checked = playbooks.Checked(document, playbook.problems, playbook.trigger_kind)
        playbooks.save_document(
            session, playbook=playbook, expected_version=playbook.version, checked=checked
        )
        changed.append(playbook.id)
    connection.name = name
    connection.updated_at = utcnow()
    session.add(connection)
    session.flush()
    return changed


def playbooks_using(
    session: Session, *, connections: Sequence[Connection]
) -> dict[str, list[PlaybookUse]]:
    """For each connection's id, the playbooks of its workspace whose current document has a
    step calling with it (by name or by id, as find_for_run resolves it), by playbook name."""
    used_by: dict[str, list[PlaybookUse]] = {connection.id: [] for connection in connections}
    by_workspace: defaultdict[str, list[Connection]] = defaultdict(list)
    for connection in connections:
        by_workspace[connection.workspace_id].append(connection)
    for playbook in _playbooks_in(session, workspace_ids=list(by_workspace)):
        references = connection_references(playbook.document)
        for connection in by_workspace[playbook.workspace_id]:
            if connection.id in references or connection.name in references:
                use = PlaybookUse(id=playbook.id, name=playbook.name, enabled=playbook.enabled)
                used_by[connection.id].append(use)
    return used_by


def _playbooks_in(session: Session, *, workspace_ids: Sequence[str]) -> Sequence[Playbook]:
    if not workspace_ids:
        return []
    query = (
        select(Playbook)
        .where(col(Playbook.workspace_id).in_(workspace_ids))
        .order_by(col(Playbook.name), col(Playbook.id))
    )
    return session.exec(query).all()


def record_test(session: Session, *, connection: Connection, ok: bool, reason: str) -> Connection:
    connection.status = "connected" if ok else "error"
    connection.status_reason = reason[:1000]
    connection.last_tested_at = utcnow()
    session.add(connection)
    session.flush()
    return connection


def delete_connection(session: Session, *, connection: Connection) -> None:
    session.delete(connection)
    session.flush()


def find_for_run(session: Session, *, workspace_id: str, reference: str) -> Connection | None:
    """The connection a playbook node names, by id or by name, in the run's workspace."""
    found = session.get(Connection, reference)
    if found is not None and found.workspace_id == workspace_id:
        return found
    return find_by_name(session, workspace_id=workspace_id, name=reference)
