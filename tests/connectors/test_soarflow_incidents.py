"""The soarflow connector's incident actions against the real store (SQLite and PostgreSQL):
what a playbook reads and changes, only in its own workspace, and the step errors it gets."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.bootstrap import DEFAULT_WORKSPACE
from soarflow.connectors.builtin import ActionContext
from soarflow.connectors.builtin import incidents as actions
from soarflow.connectors.http import ActionFailed
from soarflow.store import access
from soarflow.store import incidents as repo
from soarflow.store.incident_desk import StoreIncidentDesk
from soarflow.store.models import AlertCreate
from tests.incident_support import alert_body

BASE_URL = "https://soc.example"


@pytest.fixture
def incident_id(engine: Engine) -> str:
    with Session(engine) as session:
        workspace = access.get_workspace(session, key=DEFAULT_WORKSPACE)
        assert workspace is not None
        ingested = repo.ingest_alert(
            session,
            workspace_id=workspace.id,
            alert=AlertCreate.model_validate(alert_body()),
            idempotency_key=None,
        )
        session.commit()
        assert ingested.incident is not None
        return ingested.incident.id


def context(engine: Engine, workspace_key: str = DEFAULT_WORKSPACE) -> ActionContext:
    with Session(engine) as session:
        workspace = access.get_workspace(session, key=workspace_key)
        if workspace is None:
            workspace = access.create_workspace(session, name=workspace_key)
            session.commit()
        workspace_id = workspace.id
    return ActionContext(
        requests.Session(),
        workspace_id=workspace_id,
        run_id="",
        incidents=StoreIncidentDesk(engine, BASE_URL),
    )


def test_get_incident_as_a_playbook_sees_it(engine: Engine, incident_id: str) -> None:
    found = actions.get_incident({"incident_id": incident_id}, {}, context(engine))
    assert found["url"] == f"{BASE_URL}/incidents/{incident_id}"
    assert found["severity"] == "medium"
    assert {"kind": "ip", "address": "198.51.100.23"} in found["entities"]
    assert [alert["rule_name"] for alert in found["alerts"]] == [
        "Service account ran a known-malicious binary"
    ]


def test_list_entities_of_some_kinds_and_the_alerts(engine: Engine, incident_id: str) -> None:
    ctx = context(engine)
    some = actions.list_entities({"incident_id": incident_id, "kinds": ["IP", "host"]}, {}, ctx)
    assert [entity["kind"] for entity in some["entities"]] == ["host", "ip"]
    assert some["entities"][0]["host_name"] == "FIN-WS-042"
    every = actions.list_entities({"incident_id": incident_id}, {}, ctx)
    assert every["count"] == 4
    alerts = actions.list_incident_alerts({"incident_id": incident_id}, {}, ctx)
    assert alerts["count"] == 1
    assert alerts["alerts"][0]["tactics"] == ["Execution", "CommandAndControl"]


def test_update_close_and_comment(engine: Engine, incident_id: str) -> None:
    ctx = context(engine)
    updated = actions.update_incident(
        {"incident_id": incident_id, "severity": "high", "add_labels": ["vip", "vip"], "owner": ""},
        {},
        ctx,
    )
    assert (updated["severity"], updated["labels"], updated["owner"]) == ("high", ["vip"], None)
    again = actions.update_incident({"incident_id": incident_id, "add_labels": ["vip"]}, {}, ctx)
    assert again["labels"] == ["vip"]
    closed = actions.close_incident(
        {"incident_id": incident_id, "classification": "true_positive", "comment": "Blocked"},
        {},
        ctx,
    )
    assert (closed["status"], closed["classification"]) == ("closed", "true_positive")
    assert closed["severity"] == "high", "no severity given: it stays"
    reclosed = actions.close_incident(
        {"incident_id": incident_id, "classification": "true_positive", "severity": "low"},
        {},
        ctx,
    )
    assert (reclosed["status"], reclosed["severity"]) == ("closed", "low")
    comment = actions.add_incident_comment(
        {"incident_id": incident_id, "text": "<b>{{ 7 * 7 }}</b>"}, {}, ctx
    )
    assert comment["text"] == "<b>{{ 7 * 7 }}</b>"
    assert comment["author_name"] == "Playbook"


@pytest.mark.parametrize(
    ("call", "inputs", "code"),
    [
        (actions.get_incident, {"incident_id": "nope"}, "incident_not_found"),
        (actions.update_incident, {"incident_id": "{id}"}, "nothing_to_change"),
        (actions.update_incident, {"incident_id": "{id}", "severity": "urgent"}, "invalid_change"),
        (
            actions.close_incident,
            {"incident_id": "{id}", "classification": "maybe"},
            "invalid_change",
        ),
    ],
)
def test_refusals_are_step_errors(
    engine: Engine, incident_id: str, call: Any, inputs: dict[str, str], code: str
) -> None:
    filled = {name: value.replace("{id}", incident_id) for name, value in inputs.items()}
    with pytest.raises(ActionFailed) as refused:
        call(filled, {}, context(engine))
    assert refused.value.code == code


def test_another_workspaces_incident_is_unknown(engine: Engine, incident_id: str) -> None:
    with pytest.raises(ActionFailed) as refused:
        actions.get_incident({"incident_id": incident_id}, {}, context(engine, "elsewhere"))
    assert refused.value.code == "incident_not_found"


def test_outside_the_server_there_are_no_incidents() -> None:
    with pytest.raises(ActionFailed) as refused:
        actions.get_incident({"incident_id": "x"}, {}, ActionContext(requests.Session()))
    assert refused.value.code == "incidents_unavailable"
