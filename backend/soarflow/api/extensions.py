"""What views share: the database engine (one Session per request), the connector registry
and the action catalog."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.config import Settings
from soarflow.connectors import ConnectorRegistry
from soarflow.playbook import ActionCatalog
from soarflow.security.outbound import OutboundPolicy
from soarflow.security.secret_box import SecretBox, load_secret_box

_ENGINE = "soarflow.engine"
_CATALOG = "soarflow.catalog"
_REGISTRY = "soarflow.registry"
_SETTINGS = "soarflow.settings"
_SECRET_BOX = "soarflow.secret_box"  # noqa: S105 (a dictionary key, not a secret)


def init_app(
    app: Flask,
    *,
    settings: Settings,
    engine: Engine,
    registry: ConnectorRegistry,
    catalog: ActionCatalog,
) -> None:
    app.extensions[_SETTINGS] = settings
    app.extensions[_ENGINE] = engine
    app.extensions[_REGISTRY] = registry
    app.extensions[_CATALOG] = catalog
    app.teardown_appcontext(_close_session)


def secret_box() -> SecretBox:
    """Loaded on first use, so that only an instance that stores secrets makes a key file."""
    if _SECRET_BOX not in current_app.extensions:
        settings: Settings = current_app.extensions[_SETTINGS]
        environ = {"SOARFLOW_SECRET_KEYS": settings.secret_keys} if settings.secret_keys else {}
        current_app.extensions[_SECRET_BOX] = load_secret_box(
            environ=environ, var_dir=settings.var_dir
        )
    box: SecretBox = current_app.extensions[_SECRET_BOX]
    return box


def outbound_policy() -> OutboundPolicy:
    settings: Settings = current_app.extensions[_SETTINGS]
    return OutboundPolicy.from_env({"SOARFLOW_ALLOWED_NETWORKS": settings.allowed_networks})


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
