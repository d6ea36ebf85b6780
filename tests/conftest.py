"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), the app, its client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine, make_url

from soarflow.app import create_app
from soarflow.config import Settings
from soarflow.store.db import make_engine
from soarflow.store.migrate import upgrade
from tests.fixtures import FIXTURE_CATALOG, skip_or_fail

POSTGRES_URL = os.environ.get(
    "SOARFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TABLES_CHILD_FIRST = ("run", "playbook_version", "playbook")


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'soarflow.db'}"
    upgrade(url)
    return url


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
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in TABLES_CHILD_FIRST:
            connection.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(Settings(database_url, frontend_dir=tmp_path), catalog=FIXTURE_CATALOG)
    app.config["TESTING"] = True
    yield app
    app.extensions["soarflow.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
