"""What views share: the database engine (one Session per request), the connector registry
and the action catalog."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.connectors import ConnectorRegistry
from soarflow.playbook import ActionCatalog

_ENGINE = "soarflow.engine"
_CATALOG = "soarflow.catalog"
_REGISTRY = "soarflow.registry"


def init_app(
    app: Flask, *, engine: Engine, registry: ConnectorRegistry, catalog: ActionCatalog
) -> None:
    app.extensions[_ENGINE] = engine
    app.extensions[_REGISTRY] = registry
    app.extensions[_CATALOG] = catalog
    app.teardown_appcontext(_close_session)


def db_engine() -> Engine:
    engine: Engine = current_app.extensions[_ENGINE]
    return engine


def connector_registry() -> ConnectorRegistry:
    registry: ConnectorRegistry = current_app.extensions[_REGISTRY]
    return registry


def action_catalog() -> ActionCatalog:
    """What playbooks are validated against: the registry, unless a test hands in another."""
    catalog: ActionCatalog = current_app.extensions[_CATALOG]
    return catalog


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(db_engine(), expire_on_commit=False)
    session: Session = g.db_session
    return session


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
