"""The store on SQLite and PostgreSQL: migrations match the models; saves never lose work."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from soarflow.store import access
from soarflow.store import playbooks as repo
from soarflow.store.db import make_engine
from soarflow.store.migrate import pending_revisions, upgrade
from soarflow.store.models import Playbook
from tests.fixtures import enrich_ips


def checked(name: str = "first", problems: int = 0) -> repo.Checked:
    problem = {"code": "unreachable", "message": "x", "node_id": "a", "path": "$", "details": {}}
    return repo.Checked(enrich_ips(name=name), [problem] * problems, "incident")


def default_workspace(session: Session) -> str:
    workspace = access.get_workspace(session, key="default")
    assert workspace is not None
    return workspace.id


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    assert not pending_revisions(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_database: str) -> None:
    engine = make_engine(sqlite_database)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_a_stale_save_raises_and_keeps_the_newer_version(engine: Engine) -> None:
    with Session(engine) as session:
        playbook = repo.create_playbook(
            session, checked=checked(), workspace_id=default_workspace(session)
        )
        session.commit()
        repo.save_document(session, playbook=playbook, expected_version=1, checked=checked("v2"))
        session.commit()
        with pytest.raises(repo.VersionConflictError) as conflict:
            repo.save_document(session, playbook=playbook, expected_version=1, checked=checked("x"))
        assert conflict.value.current == 2
    with Session(engine) as session:
        stored = session.get(Playbook, playbook.id)
        assert stored is not None
        assert (stored.name, stored.version) == ("v2", 2)
        assert len(repo.list_versions(session, playbook_id=playbook.id)) == 2


def test_concurrent_saves_of_one_version_have_one_winner(engine: Engine) -> None:
    with Session(engine) as session:
        playbook_id = repo.create_playbook(
            session, checked=checked(), workspace_id=default_workspace(session)
        ).id
        session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def save(name: str) -> None:
        with Session(engine) as session:
            playbook = repo.get_playbook(session, playbook_id=playbook_id)
            assert playbook is not None
            barrier.wait()
            try:
                repo.save_document(
                    session, playbook=playbook, expected_version=1, checked=checked(name)
                )
                session.commit()
                outcomes.append("won")
            except repo.VersionConflictError:
                outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(f"writer {i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "won"]
    with Session(engine) as session:
        assert len(repo.list_versions(session, playbook_id=playbook_id)) == 2


def test_deleting_a_playbook_deletes_its_versions(engine: Engine) -> None:
    with Session(engine) as session:
        playbook = repo.create_playbook(
            session, checked=checked(), workspace_id=default_workspace(session)
        )
        session.commit()
        repo.delete_playbook(session, playbook=playbook)
        session.commit()
        assert repo.list_versions(session, playbook_id=playbook.id) == []


def test_invalid_saves_disable_the_playbook(engine: Engine) -> None:
    with Session(engine) as session:
        playbook = repo.create_playbook(
            session, checked=checked(), workspace_id=default_workspace(session)
        )
        repo.set_enabled(session, playbook=playbook, enabled=True)
        session.commit()
        repo.save_document(
            session, playbook=playbook, expected_version=1, checked=checked(problems=2)
        )
        session.commit()
        assert (playbook.enabled, playbook.valid, playbook.problem_count) == (False, False, 2)


def test_upgrading_puts_existing_playbooks_in_the_default_workspace(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO playbook (id, name, description, enabled, valid, problem_count, "
                "trigger_kind, version, document, problems, created_at, updated_at) VALUES "
                "('p1', 'Old', '', 0, 1, 0, 'incident', 1, '{}', '[]', :now, :now)"
            ),
            {"now": "2026-01-01 00:00:00"},
        )
    upgrade(url)
    with Session(engine) as session:
        stored = session.get(Playbook, "p1")
        assert stored is not None
        assert stored.workspace_id == default_workspace(session)
    engine.dispose()
