"""create_app(): the Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, Response

from soarflow import web
from soarflow.api import (
    alerts,
    approvals,
    audit,
    auth,
    automation_rules,
    connections,
    connectors,
    errors,
    extensions,
    imports,
    incidents,
    meta,
    playbooks,
    runs,
    sentinel,
    sessions,
    subject_runs,
    templates,
    tokens,
    users,
    webhooks,
    workspaces,
)
from soarflow.config import MAX_BODY_BYTES, Settings
from soarflow.connectors import ConnectorRegistry
from soarflow.playbook import ActionCatalog
from soarflow.store.db import make_engine

log = logging.getLogger(__name__)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
}


def create_app(
    settings: Settings | None = None,
    *,
    catalog: ActionCatalog | None = None,
    registry: ConnectorRegistry | None = None,
) -> Flask:
    """Build the app; playbooks are checked against the connectors under
    settings.connectors_dir unless another catalog is given. A registry already loaded from
    that folder may be handed in (tests build hundreds of apps over one folder)."""
    settings = settings or Settings.from_env()
    registry = registry or ConnectorRegistry.load(settings.connectors_dir)
    for problem in registry.problems:
        log.warning("connector manifest problem: %s", problem)
    app = Flask(__name__, static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    extensions.init_app(
        app,
        settings=settings,
        engine=make_engine(settings.database_url),
        registry=registry,
        catalog=catalog or registry,
    )
    errors.init_app(app)
    auth.init_app(app)
    audit.init_app(app)
    for blueprint in (
        meta.bp,
        sessions.bp,
        users.bp,
        workspaces.bp,
        tokens.bp,
        audit.bp,
        connectors.bp,
        connections.bp,
        playbooks.bp,
        runs.bp,
        webhooks.bp,
        alerts.bp,
        incidents.bp,
        sentinel.bp,
        automation_rules.bp,
        subject_runs.bp,
        approvals.bp,
        imports.bp,
        templates.bp,
    ):
        app.register_blueprint(blueprint)
    web.init_app(app, settings.frontend_dir)
    app.after_request(_add_security_headers)
    return app


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
