"""What views share: the database engine (one Session per request), the connector registry
and the action catalog."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.automation.dispatch import Automation
from soarflow.config import Settings
from soarflow.connectors import ConnectorRegistry
from soarflow.playbook import ActionCatalog
from soarflow.runtime.actions import ConnectorActions
from soarflow.runtime.executors import InlineExecutor, ThreadExecutor
from soarflow.runtime.runner import Runner, RunRequest
from soarflow.runtime.scheduler import Scheduler
from soarflow.security.approval_links import ApprovalLinks
from soarflow.security.outbound import OutboundPolicy
from soarflow.security.secret_box import SecretBox, load_secret_box
from soarflow.store import connections
from soarflow.store.approval_desk import StoreApprovalDesk
from soarflow.store.incident_desk import StoreIncidentDesk
from soarflow.store.playbook_desk import StorePlaybookDesk
from soarflow.store.runs import RunStore

_ENGINE = "soarflow.engine"
_CATALOG = "soarflow.catalog"
_REGISTRY = "soarflow.registry"
_SETTINGS = "soarflow.settings"
_SECRET_BOX = "soarflow.secret_box"  # noqa: S105 (a dictionary key, not a secret)
_RUNNER = "soarflow.runner"
_SCHEDULER = "soarflow.scheduler"
_AUTOMATION = "soarflow.automation"
_APPROVAL_LINKS = "soarflow.approval_links"
APPROVAL_LINKS_PURPOSE = "approval-links"
_RUNNER_LOCK = threading.Lock()


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


def approval_links() -> ApprovalLinks:
    """The signer of approval links, with keys derived from the installation's secret keys."""
    if _APPROVAL_LINKS not in current_app.extensions:
        keys = secret_box().signing_keys(APPROVAL_LINKS_PURPOSE)
        current_app.extensions[_APPROVAL_LINKS] = ApprovalLinks(keys)
    links: ApprovalLinks = current_app.extensions[_APPROVAL_LINKS]
    return links


def settings() -> Settings:
    found: Settings = current_app.extensions[_SETTINGS]
    return found


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


def runner() -> Runner:
    """The app's runtime, made on first use: after gunicorn forks, since it starts threads."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _RUNNER_LOCK:
        if _RUNNER not in app.extensions:
            app.extensions[_RUNNER] = make_runner(app)
    found: Runner = app.extensions[_RUNNER]
    return found


def automation() -> Automation:
    """The app's automation rules dispatcher; its runs go to the app's runner."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = runner()
    with _RUNNER_LOCK:
        if _AUTOMATION not in app.extensions:
            settings: Settings = app.extensions[_SETTINGS]
            app.extensions[_AUTOMATION] = Automation(
                app.extensions[_ENGINE], found.submit, settings.base_url
            )
    made: Automation = app.extensions[_AUTOMATION]
    return made


def scheduler() -> Scheduler:
    """The app's scheduler of schedule playbooks, made on first use but not started: `soarflow
    serve` starts it in each worker, next to the runner; tests start theirs when they want."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = runner()
    with _RUNNER_LOCK:
        if _SCHEDULER not in app.extensions:
            app.extensions[_SCHEDULER] = Scheduler(runner=found, engine=app.extensions[_ENGINE])
    made: Scheduler = app.extensions[_SCHEDULER]
    return made


def make_runner(app: Flask) -> Runner:
    settings: Settings = app.extensions[_SETTINGS]
    engine: Engine = app.extensions[_ENGINE]

    def lookup(workspace_id: str, reference: str) -> tuple[str, dict[str, Any]] | None:
        with app.app_context(), Session(engine) as session:
            found = connections.find_for_run(
                session, workspace_id=workspace_id, reference=reference
            )
            if found is None:
                return None
            return found.connector_id, {**found.fields, **secret_box().decrypt(found.secrets)}

    def links_of_app() -> ApprovalLinks:
        with app.app_context():
            return approval_links()

    def box_of_app() -> SecretBox:
        with app.app_context():
            return secret_box()

    def submit(request: RunRequest) -> str:
        # Run a playbook starts runs on the runner whose step calls it, made just below.
        return made.submit(request)

    policy = OutboundPolicy.from_env({"SOARFLOW_ALLOWED_NETWORKS": settings.allowed_networks})
    inline = settings.executor == "inline"
    made = Runner(
        store=RunStore(engine, box_of_app),
        catalog=app.extensions[_CATALOG],
        actions=ConnectorActions(
            app.extensions[_REGISTRY],
            lookup,
            policy,
            incidents=StoreIncidentDesk(engine, settings.base_url),
            approvals=StoreApprovalDesk(engine, links_of_app, settings.base_url),
            playbooks=StorePlaybookDesk(engine, settings.base_url, submit),
        ),
        executor=InlineExecutor() if inline else ThreadExecutor(settings.step_threads),
        timer_thread=True,
        owner=app.config.get("SOARFLOW_OWNER"),
    )
    return made


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(db_engine(), expire_on_commit=False)
    session: Session = g.db_session
    return session


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
