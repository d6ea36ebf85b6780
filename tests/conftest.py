"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), the app, its client."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine, make_url

from soarflow.api.extensions import db_session
from soarflow.app import create_app
from soarflow.config import REPO_ROOT, Settings
from soarflow.connectors.registry import ConnectorRegistry
from soarflow.security.credentials import hash_password
from soarflow.security.roles import Role
from soarflow.store import access
from soarflow.store.db import make_engine
from soarflow.store.migrate import upgrade
from tests.fixtures import FIXTURE_CATALOG, PASSWORD, Person, skip_or_fail

POSTGRES_URL = os.environ.get(
    "SOARFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Everything a test may write. The audit log refuses DELETE, so PostgreSQL empties tables with
# TRUNCATE (which row triggers do not see) and SQLite tests each get a fresh copy of a template.
WRITTEN_TABLES = (
    "playbook_import",
    "approval_response",
    "approval",
    "automation_event",
    "automation_rule",
    "incident_comment",
    "alert",
    "incident",
    "incident_counter",
    "alert_grouping_rule",
    "webhook_delivery",
    "webhook",
    "connection",
    "step",
    "run",
    "playbook_version",
    "playbook",
    "audit_event",
    "auth_session",
    "api_token",
    "role_assignment",
    "account",
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_database(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "soarflow.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, migrated, dropped at the end."""
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        admin.dispose()
        skip_or_fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error.orig).__name__}); "
            "start it (pg_ctlcluster <version> main start) or point "
            "SOARFLOW_TEST_POSTGRES_URL at a server where this user may create databases"
        )
    name = f"soarflow_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url: str = request.getfixturevalue(f"{request.param}_database")
    yield url
    if request.param == "postgres":
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {', '.join(WRITTEN_TABLES)} RESTART IDENTITY"))
            connection.execute(sa.text("DELETE FROM workspace WHERE name <> 'default'"))
        engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connectors_dir() -> Path:
    """The connectors the app loads; a test module may override this fixture."""
    return REPO_ROOT / "connectors"


@functools.cache
def loaded_registry(directory: Path) -> ConnectorRegistry:
    """The shipped connectors, loaded once for the whole run: a registry does not change once
    loaded, and loading takes a second. Folders a test writes have paths of their own."""
    return ConnectorRegistry.load(directory)


@pytest.fixture
def app(database_url: str, tmp_path: Path, connectors_dir: Path) -> Iterator[Flask]:
    frontend = tmp_path / "frontend"
    frontend.mkdir()
    (frontend / "index.html").write_text("<!doctype html><title>soarflow</title>")
    settings = Settings(
        database_url,
        frontend_dir=frontend,
        connectors_dir=connectors_dir,
        var_dir=tmp_path / "var",
        # The fakes that stand in for vendors' APIs listen on loopback.
        allowed_networks="127.0.0.0/8",
        # A manual run goes to its end (or first wait) inside the request that starts it.
        executor="inline",
    )
    app = create_app(settings, catalog=FIXTURE_CATALOG, registry=loaded_registry(connectors_dir))
    app.config["TESTING"] = True
    yield app
    if "soarflow.scheduler" in app.extensions:
        app.extensions["soarflow.scheduler"].stop()
    if "soarflow.runner" in app.extensions:
        app.extensions["soarflow.runner"].close()
    app.extensions["soarflow.engine"].dispose()


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Hashing is slow on purpose; the test users share one hash of the one test password."""
    return hash_password(PASSWORD)


@pytest.fixture
def people(app: Flask, password_hash: str) -> dict[Role, Person]:
    """One user for each role in the workspace 'default', each with an API token."""
    with app.app_context():
        session = db_session()
        default = access.get_workspace(session, key="default")
        assert default is not None
        found = {}
        for role in Role:
            user = access.create_user(session, name=f"{role}_user", password_hash=password_hash)
            access.set_role(session, user_id=user.id, workspace_id=default.id, role=role)
            _, token = access.create_token(
                session, user_id=user.id, workspace_id=default.id, name="tests"
            )
            found[role] = Person(user.id, user.name, token, default.id)
        session.commit()
    return found


@pytest.fixture
def client_for(app: Flask, people: dict[Role, Person]) -> Callable[[Role], FlaskClient]:
    """A test client that sends the API token of the user holding that role."""

    def make(role: Role) -> FlaskClient:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {people[role].token}"
        return client

    return make


@pytest.fixture
def client(client_for: Callable[[Role], FlaskClient]) -> FlaskClient:
    """An Owner's client: what most API tests act as."""
    return client_for(Role.OWNER)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()
