"""Every route, for every role and for an anonymous caller, against the permission table.

The routes come from the app itself, so a new route is in this matrix the moment it exists,
and a route that declares no permission fails here."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from soarflow.api.auth import AUTHENTICATED, PUBLIC, declared_rule
from soarflow.api.extensions import db_session, runner, secret_box
from soarflow.app import create_app
from soarflow.config import Settings
from soarflow.runtime.runner import RunRequest
from soarflow.security.roles import Permission, Role, grants
from soarflow.store import access, automation, connections, incidents, triggers
from soarflow.store import playbooks as playbook_repo
from soarflow.store.models import AlertCreate, AutomationRuleBody
from tests.fixtures import PASSWORD, Person, enrich_ips
from tests.incident_support import SENTINEL_INCIDENT, alert_body

# Only its url_map is read: it lists the same routes as every app create_app() builds.
_SCRATCH_APP = create_app(Settings("sqlite://", frontend_dir=Path("/nonexistent")))
ROUTES = sorted(
    (rule.rule, method, rule.endpoint)
    for rule in _SCRATCH_APP.url_map.iter_rules()
    for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
)
_unique = itertools.count()
# A trigger the matrix's playbook runs to its end with, calling nothing outside.
NO_ENTITIES = {"id": "INC-1", "entities": []}
# An enabled playbook started by its webhook: anyone's call to it starts a run.
HOOKED = {
    "format": "soarflow.playbook/v1",
    "name": "matrix hook",
    "trigger": {"id": "call", "type": "core.webhook"},
    "nodes": [],
    "edges": [],
}


MATRIX_RULE = {
    "name": "matrix rule",
    "trigger": "incident_created",
    "actions": [{"type": "add_label", "label": "matrix"}],
}


def bodies(endpoint: str) -> Any:
    """A plausible body for each route that takes one; others get an empty object."""
    number = next(_unique)
    return {
        "playbooks.validate_document": enrich_ips(),
        "playbooks.fields": {"document": enrich_ips(), "node_id": "comment"},
        "playbooks.create": enrich_ips(),
        "playbooks.put": enrich_ips(name="changed"),
        "users.create": {"name": f"new_user_{number}", "password": PASSWORD},
        "users.update": {"display_name": "Changed"},
        "workspaces.create": {"name": f"space-{number}"},
        "workspaces.grant": {"role": "reader"},
        "tokens.create": {"name": "matrix"},
        "connections.bulk_delete": {"ids": []},
        "connections.patch": {"name": f"renamed {number}"},
        "connectors.import_openapi_route": {
            "id": "matrix",
            "spec": {"openapi": "3.1.0", "info": {"title": "m", "version": "1"}, "paths": {}},
        },
        "auth.login": {"username": "nobody", "password": "wrong password!"},
        "runs.start": {"trigger": NO_ENTITIES},
        "alerts.ingest": alert_body(),
        "sentinel.receive_incident": SENTINEL_INCIDENT,
        "alerts.put_grouping_rule": {"rule_name": f"rule {number}", "action": "group"},
        "incidents.patch": {"severity": "high"},
        "incidents.add_comment": {"text": "matrix"},
        "automation_rules.create": MATRIX_RULE,
        "automation_rules.put": MATRIX_RULE,
        "automation_rules.patch": {"enabled": False},
        "subject_runs.run_on_incident": {"playbook_id": "no-such-playbook"},
        "subject_runs.run_on_alert": {"playbook_id": "no-such-playbook"},
        "approvals.link_answer": {"option": "Block"},
        "approvals.respond": {"option": "Block"},
        "templates.deploy": {
            "name": f"from template {number}",
            "connections": {"virustotal": "matrix-vt"},
        },
    }.get(endpoint, {})


def fresh_targets(app: Flask, owner: Person, rule: str) -> dict[str, str]:
    """New records for the route's path parameters, so no request sees another's changes; only
    those the route names are made (making all of them for every call would be most of the
    matrix's time)."""
    names = set(re.findall(r"<(?:[^:>]+:)?(\w+)>", rule))
    workspace_id = owner.workspace_id
    values = {"number": "1", "workspace_id": workspace_id, "page": "playbooks/some-page"}
    values["connector_id"] = "soarflow"
    # No approval is needed: the routes must refuse or not find, never fail, for anyone.
    values |= {"token": "not-a-token", "approval_id": "no-such-approval"}
    values["template_id"] = "virustotal_ip_enrichment"
    with app.app_context():
        session = db_session()
        if names & {"playbook_id", "run_id"}:
            checked = playbook_repo.Checked(enrich_ips(), [], "incident")
            playbook = playbook_repo.create_playbook(
                session, checked=checked, workspace_id=workspace_id
            )
            values["playbook_id"] = playbook.id
        if names & {"user_id", "token_id"}:
            user = access.create_user(session, name=f"target_{next(_unique)}", password_hash="x")
            access.set_role(session, user_id=user.id, workspace_id=workspace_id, role=Role.READER)
            token, _ = access.create_token(
                session, user_id=user.id, workspace_id=workspace_id, name="target"
            )
            values |= {"user_id": user.id, "token_id": token.id}
        if "connection_id" in names:
            connection = connections.create_connection(
                session,
                workspace_id=workspace_id,
                connector_id="echo",
                name=f"target {next(_unique)}",
                fields={},
                secrets=secret_box().encrypt({}),
            )
            values["connection_id"] = connection.id
        if names & {"incident_id", "alert_id"}:
            ingested = incidents.ingest_alert(
                session,
                workspace_id=workspace_id,
                alert=AlertCreate.model_validate(alert_body()),
                idempotency_key=None,
            )
            assert ingested.incident is not None
            values |= {"incident_id": ingested.incident.id, "alert_id": ingested.alert.id}
        if "webhook_id" in names:
            values["webhook_id"] = _webhook(session, workspace_id)
        if "rule_id" in names:
            made = automation.create_rule(
                session,
                workspace_id=workspace_id,
                body=AutomationRuleBody.model_validate(MATRIX_RULE),
            )
            values["rule_id"] = made.id
        session.commit()
        if "run_id" in names:
            values["run_id"] = runner().submit(
                RunRequest(values["playbook_id"], 1, workspace_id, "matrix", NO_ENTITIES)
            )
        return values


def _webhook(session: Any, workspace_id: str) -> str:
    checked = playbook_repo.Checked(HOOKED, [], "other")
    playbook = playbook_repo.create_playbook(session, checked=checked, workspace_id=workspace_id)
    playbook_repo.set_enabled(session, playbook=playbook, enabled=True)
    webhook = triggers.ensure_webhook(session, playbook_id=playbook.id, document=HOOKED)
    assert webhook is not None
    return webhook.id


def url_for_rule(rule: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the matrix does not know how to fill <{name}> in {rule}"
        return values[name]

    return re.sub(r"<(?:[^:>]+:)?(\w+)>", value, rule)


def call(client: FlaskClient, method: str, url: str, endpoint: str) -> Any:
    if method in ("GET", "DELETE"):
        return client.open(url, method=method, headers={"If-Match": "*"})
    return client.open(url, method=method, json=bodies(endpoint), headers={"If-Match": "*"})


def error_code(response: Any) -> str | None:
    """The code of an error body; a run's own `error` field (null, or why it failed) is not one."""
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"error"}:
        return None
    code: str = body["error"]["code"]
    return code


@pytest.mark.parametrize(
    ("rule", "method", "endpoint"), ROUTES, ids=[f"{m} {r}" for r, m, _ in ROUTES]
)
def test_route_against_the_permission_table(
    app: Flask,
    people: dict[Role, Person],
    client_for: Any,
    anonymous: FlaskClient,
    rule: str,
    method: str,
    endpoint: str,
) -> None:
    declared = declared_rule(app, endpoint)
    assert declared is not None, f"{method} {rule} declares no permission"

    url = url_for_rule(rule, fresh_targets(app, people[Role.OWNER], rule))
    response = call(anonymous, method, url, endpoint)
    if declared == PUBLIC:
        assert error_code(response) not in {"unauthenticated", "forbidden"}
    else:
        assert response.status_code == 401, (method, rule, response.status_code)
        assert error_code(response) == "unauthenticated"

    for role in Role:
        url = url_for_rule(rule, fresh_targets(app, people[Role.OWNER], rule))
        response = call(client_for(role), method, url, endpoint)
        allowed = declared in (PUBLIC, AUTHENTICATED) or grants(role, Permission(declared))
        if allowed:
            assert error_code(response) not in {"unauthenticated", "forbidden"}, (
                role,
                method,
                rule,
                response.get_json(silent=True),
            )
            assert response.status_code < 500
        else:
            assert response.status_code == 403, (role, method, rule, response.status_code)
            assert response.json["error"]["details"]["permission"] == declared


EVERYONE = frozenset(Role)
TRIAGERS = frozenset({Role.OWNER, Role.PLAYBOOK_CONTRIBUTOR, Role.RESPONDER})
ALERT_SENDERS = frozenset({Role.OWNER, Role.PLAYBOOK_CONTRIBUTOR})
# Spelled out rather than derived from the declared permissions, so that a route declaring the
# wrong one fails: Responders and above triage and comment, Readers read (DESIGN.md section 6).
ALERT_AND_INCIDENT_ROUTES = {
    ("POST", "/api/v1/alerts"): ALERT_SENDERS,
    ("POST", "/api/v1/sentinel/incidents"): ALERT_SENDERS,
    ("GET", "/api/v1/alerts"): EVERYONE,
    ("GET", "/api/v1/alerts/<alert_id>"): EVERYONE,
    ("GET", "/api/v1/alert-grouping-rules"): EVERYONE,
    ("PUT", "/api/v1/alert-grouping-rules"): ALERT_SENDERS,
    ("GET", "/api/v1/incidents"): EVERYONE,
    ("GET", "/api/v1/incidents/<incident_id>"): EVERYONE,
    ("PATCH", "/api/v1/incidents/<incident_id>"): TRIAGERS,
    ("GET", "/api/v1/incidents/<incident_id>/comments"): EVERYONE,
    ("POST", "/api/v1/incidents/<incident_id>/comments"): TRIAGERS,
}


def test_who_may_send_alerts_and_triage_incidents() -> None:
    found = {
        (method, rule): frozenset(
            role
            for role in Role
            if grants(role, Permission(str(declared_rule(_SCRATCH_APP, endpoint))))
        )
        for rule, method, endpoint in ROUTES
        if endpoint.partition(".")[0] in ("alerts", "incidents", "sentinel")
    }
    assert found == ALERT_AND_INCIDENT_ROUTES


def test_a_webhook_url_is_shown_to_its_designers_and_called_by_anyone() -> None:
    designers = frozenset({Role.OWNER, Role.PLAYBOOK_CONTRIBUTOR})
    found = {
        (method, rule): declared_rule(_SCRATCH_APP, endpoint)
        for rule, method, endpoint in ROUTES
        if endpoint.partition(".")[0] == "webhooks"
    }
    assert found == {
        ("POST", "/api/v1/hooks/<webhook_id>"): PUBLIC,
        ("GET", "/api/v1/playbooks/<playbook_id>/webhook"): Permission.PLAYBOOK_WRITE,
        ("POST", "/api/v1/playbooks/<playbook_id>/webhook/rotate"): Permission.PLAYBOOK_WRITE,
    }
    assert {role for role in Role if grants(role, Permission.PLAYBOOK_WRITE)} == designers


def test_the_matrix_sees_the_routes_of_every_blueprint() -> None:
    blueprints = {endpoint.partition(".")[0] for _, _, endpoint in ROUTES}
    assert set(_SCRATCH_APP.blueprints) == blueprints
