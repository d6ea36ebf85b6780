"""Playbook repository: keyword-only functions over a Session. Callers commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from soarflow.store.models import (
    DESCRIPTION_COLUMN_LENGTH,
    Playbook,
    PlaybookVersion,
    Run,
    utcnow,
)


class VersionConflictError(Exception):
    """The playbook changed since the caller read it."""

    def __init__(self, current: int) -> None:
        super().__init__(f"playbook is at version {current}")
        self.current = current


@dataclass(frozen=True)
class Checked:
    """A document with what validation said of it, ready to store."""

    document: dict[str, Any]
    problems: list[dict[str, Any]]
    trigger_kind: str

    @property
    def name(self) -> str:
        return str(self.document["name"])

    @property
    def description(self) -> str:
        """The list column's copy; a draft may hold a longer one, kept whole in the document."""
        description = self.document.get("description", "")
        return description[:DESCRIPTION_COLUMN_LENGTH] if isinstance(description, str) else ""

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "document": self.document,
            "problems": self.problems,
            "valid": not self.problems,
            "problem_count": len(self.problems),
            "trigger_kind": self.trigger_kind,
        }


def create_playbook(session: Session, *, checked: Checked, workspace_id: str) -> Playbook:
    playbook = Playbook(**checked.columns(), version=1, workspace_id=workspace_id)
    session.add(playbook)
    session.add(PlaybookVersion(playbook_id=playbook.id, number=1, document=checked.document))
    session.flush()
    return playbook


def get_playbook(session: Session, *, playbook_id: str) -> Playbook | None:
    return session.get(Playbook, playbook_id)


def list_playbooks(
    session: Session,
    *,
    workspace_ids: Sequence[str],
    offset: int,
    limit: int,
    name_contains: str | None = None,
) -> tuple[Sequence[tuple[Playbook, int]], int]:
    """A page of playbooks, newest change first, each with its run count; and the total."""
    runs = (
        select(func.count())
        .where(col(Run.playbook_id) == col(Playbook.id))
        .correlate(Playbook)
        .scalar_subquery()
    )
    in_workspaces = col(Playbook.workspace_id).in_(workspace_ids)
    query = select(Playbook, runs).where(in_workspaces)
    total_query = select(func.count()).select_from(Playbook).where(in_workspaces)
    if name_contains:
        pattern = f"%{_escape_like(name_contains.lower())}%"
        matches = func.lower(col(Playbook.name)).like(pattern, escape="\\")
        query = query.where(matches)
        total_query = total_query.where(matches)
    query = query.order_by(col(Playbook.updated_at).desc(), col(Playbook.id)).offset(offset)
    rows = session.exec(query.limit(limit)).all()
    return [(playbook, count) for playbook, count in rows], session.exec(total_query).one()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_runs(session: Session, *, playbook_id: str) -> int:
    query = select(func.count()).select_from(Run).where(col(Run.playbook_id) == playbook_id)
    return session.exec(query).one()


def save_document(
    session: Session, *, playbook: Playbook, expected_version: int, checked: Checked
) -> Playbook:
    """Store a new version of the document, unless someone else saved since expected_version.

    The compare-and-set happens in the UPDATE itself, so two concurrent saves of the same
    version cannot both win, on SQLite or PostgreSQL.
    """
    values = {**checked.columns(), "version": expected_version + 1, "updated_at": utcnow()}
    if not values["valid"]:
        values["enabled"] = False
    result = session.execute(
        update(Playbook)
        .where(col(Playbook.id) == playbook.id, col(Playbook.version) == expected_version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = get_playbook(session, playbook_id=playbook.id)
        raise VersionConflictError(current.version if current else 0)
    session.add(
        PlaybookVersion(
            playbook_id=playbook.id, number=expected_version + 1, document=checked.document
        )
    )
    session.flush()
    session.refresh(playbook)
    return playbook


def set_enabled(session: Session, *, playbook: Playbook, enabled: bool) -> Playbook:
    playbook.enabled = enabled
    playbook.updated_at = utcnow()
    session.add(playbook)
    session.flush()
    return playbook


def delete_playbook(session: Session, *, playbook: Playbook) -> None:
    session.delete(playbook)
    session.flush()


def list_versions(session: Session, *, playbook_id: str) -> Sequence[PlaybookVersion]:
    query = (
        select(PlaybookVersion)
        .where(col(PlaybookVersion.playbook_id) == playbook_id)
        .order_by(col(PlaybookVersion.number).desc())
    )
    return session.exec(query).all()


def get_version(session: Session, *, playbook_id: str, number: int) -> PlaybookVersion | None:
    query = select(PlaybookVersion).where(
        col(PlaybookVersion.playbook_id) == playbook_id, col(PlaybookVersion.number) == number
    )
    return session.exec(query).first()
