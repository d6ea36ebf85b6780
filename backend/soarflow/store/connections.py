"""Repository for API connections. Secrets arrive and leave here already encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from soarflow.store.models import Connection, utcnow


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
