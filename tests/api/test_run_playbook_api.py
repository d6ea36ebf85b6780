"""Run a playbook (the soarflow connector's run_playbook) in the server, on SQLite and
PostgreSQL: a parent run starts child runs of webhook and by-hand playbooks, which show on the
parent's incident; the refusals; a step carried out again finds the run it started; playbooks
that start each other stop at the depth limit.

The app's executor is inline, so a child run has ended when the parent's step has."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlmodel import col, select

from soarflow.api.extensions import db_session, runner
from soarflow.bootstrap import DEFAULT_WORKSPACE
from soarflow.connectors.builtin.playbooks import MAX_CALL_DEPTH
from soarflow.playbook import trigger_kind
from soarflow.runtime.state import Dispatch
from soarflow.store import access
from soarflow.store import incidents as incident_repo
from soarflow.store import playbooks as playbook_repo
from soarflow.store.models import AlertCreate, Run
from tests.api.test_runs_api import fetch, steps
from tests.incident_support import alert_body


@pytest.fixture
def app(app: Flask) -> Flask:
    """Validate against the shipped connectors, as the server does."""
    app.extensions["soarflow.catalog"] = app.extensions["soarflow.registry"]
    return app


def playbook(name: str, trigger: dict[str, Any], *nodes: dict[str, Any]) -> dict[str, Any]:
    """The trigger, then its action nodes one after the other."""
    ids = [str(trigger["id"]), *(str(node["id"]) for node in nodes)]
    return {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": trigger,
        "nodes": [{"kind": "action", **node} for node in nodes],
        "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)],
    }


def compose(node_id: str, value: Any) -> dict[str, Any]:
    return {"id": node_id, "action": "core.compose", "inputs": {"value": value}}


def call(node_id: str, name: str, body: Any = None) -> dict[str, Any]:
    inputs = {"playbook": name} if body is None else {"playbook": name, "body": body}
    return {"id": node_id, "action": "soarflow.run_playbook", "inputs": inputs}


HOOK = {"id": "hook", "type": "core.webhook"}
BY_HAND = {"id": "start", "type": "core.manual"}
WHO_CALLED = compose("who", {"parent": "{{ run.parent_run_id }}", "depth": "{{ run.depth }}"})


def create(client: FlaskClient, document: dict[str, Any], *, enabled: bool = True) -> str:
    created = client.post("/api/v1/playbooks", json=document)
    assert created.status_code == 201, created.json
    assert created.json["problems"] == [], created.json["problems"]
    playbook_id: str = created.json["id"]
    if enabled:
        assert client.post(f"/api/v1/playbooks/{playbook_id}/enable").status_code == 200
    return playbook_id


def run_by_hand(client: FlaskClient, playbook_id: str, trigger: Any = None) -> dict[str, Any]:
    started = client.post(f"/api/v1/playbooks/{playbook_id}/runs", json={"trigger": trigger or {}})
    assert started.status_code == 202, started.json
    return fetch(client, started.json["id"])


def test_an_incident_playbook_hands_selected_entities_to_a_webhook_playbook(
    app: Flask, client: FlaskClient
) -> None:
    """The Sentinel master playbook's shape: Select the incident's IPs with the incident's id
    beside each, and hand them to another playbook, which runs on the same incident."""
    create(
        client,
        playbook(
            "IP Blocklist",
            HOOK,
            compose("addresses", "{{ trigger.body | map(attribute='address') | list }}"),
            WHO_CALLED,
        ),
    )
    parent_id = create(
        client,
        playbook(
            "Master",
            {"id": "incident", "type": "soarflow.incident_created"},
            {
                "id": "ips",
                "action": "core.select",
                "inputs": {
                    "items": "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | list }}",
                    "fields": {"IncidentID": "{{ trigger.id }}", "address": "{{ item.address }}"},
                },
            },
            call("blocklist", "ip blocklist", "{{ steps.ips.output }}"),
        ),
    )
    with app.app_context():
        session = db_session()
        workspace = access.get_workspace(session, key=DEFAULT_WORKSPACE)
        assert workspace is not None
        ingested = incident_repo.ingest_alert(
            session,
            workspace_id=workspace.id,
            alert=AlertCreate.model_validate(alert_body()),
            idempotency_key=None,
        )
        session.commit()
        assert ingested.incident is not None
        incident_id = ingested.incident.id
    started = client.post(f"/api/v1/incidents/{incident_id}/runs", json={"playbook_id": parent_id})
    assert started.status_code == 202, started.json
    parent = fetch(client, started.json["id"])
    assert parent["status"] == "succeeded", parent
    called = steps(parent)["blocklist"]["output"]
    assert called["status"] == "succeeded"
    assert called["url"].endswith(f"/runs/{called['run_id']}")
    assert called["status_url"].endswith(f"/api/v1/runs/{called['run_id']}")
    child = fetch(client, called["run_id"])
    assert (child["trigger_type"], child["status"]) == ("playbook", "succeeded")
    assert child["trigger"]["body"] == [{"IncidentID": incident_id, "address": "198.51.100.23"}]
    assert steps(child)["addresses"]["output"] == ["198.51.100.23"]
    assert steps(child)["who"]["output"] == {"parent": parent["id"], "depth": 1}
    on_incident = client.get(f"/api/v1/incidents/{incident_id}/runs")
    assert {run["id"] for run in on_incident.json["data"]} == {parent["id"], child["id"]}


def test_a_playbook_run_by_hand_gets_the_body_as_its_checked_inputs(client: FlaskClient) -> None:
    inputs = {"type": "object", "required": ["upn"], "properties": {"upn": {"type": "string"}}}
    create(
        client,
        playbook(
            "Revoke sessions",
            {**BY_HAND, "params": {"inputs": inputs}},
            compose("upn", "{{ trigger.upn }}"),
        ),
    )
    parent_id = create(
        client,
        playbook("Caller", BY_HAND, call("fits", "Revoke sessions", {"upn": "a@example.org"})),
    )
    parent = run_by_hand(client, parent_id)
    child = fetch(client, steps(parent)["fits"]["output"]["run_id"])
    assert steps(child)["upn"]["output"] == "a@example.org"
    misfit_id = create(client, playbook("Misfit", BY_HAND, call("misfit", "Revoke sessions")))
    failed = steps(run_by_hand(client, misfit_id))["misfit"]
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "invalid_trigger_input"
    assert "'upn' is a required property" in failed["error"]["message"]


def test_refusals_fail_the_step_with_their_codes(app: Flask, client: FlaskClient) -> None:
    create(client, playbook("Disabled", HOOK, compose("x", 1)), enabled=False)
    create(client, playbook("Twin", HOOK, compose("x", 1)))
    create(client, playbook("twin", HOOK, compose("x", 1)))
    scheduled = {"id": "tick", "type": "core.schedule", "params": {"cron": "0 * * * *"}}
    create(client, playbook("Hourly", scheduled, compose("x", 1)))
    with app.app_context():
        session = db_session()
        other = access.create_workspace(session, name="elsewhere")
        document = playbook("Elsewhere", HOOK, compose("x", 1))
        checked = playbook_repo.Checked(document, [], trigger_kind(document))
        foreign = playbook_repo.create_playbook(session, checked=checked, workspace_id=other.id)
        playbook_repo.set_enabled(session, playbook=foreign, enabled=True)
        session.commit()
        foreign_id = foreign.id
    cases = {
        "unknown": ("No such playbook", "playbook_not_found"),
        "foreign_by_name": ("Elsewhere", "playbook_not_found"),
        "foreign_by_id": (foreign_id, "playbook_not_found"),
        "disabled": ("Disabled", "playbook_disabled"),
        "ambiguous": ("TWIN", "playbook_ambiguous"),
        "scheduled": ("Hourly", "playbook_not_callable"),
    }
    document = playbook(
        "Refused", BY_HAND, *(call(node_id, name) for node_id, (name, _) in cases.items())
    )
    document["edges"] = [{"source": "start", "target": node_id} for node_id in cases]
    parent = run_by_hand(client, create(client, document))
    assert parent["status"] == "failed"
    errors = {node_id: steps(parent)[node_id]["error"]["code"] for node_id in cases}
    assert errors == {node_id: code for node_id, (_, code) in cases.items()}
    with app.app_context():
        runs = db_session().exec(select(func.count()).select_from(Run)).one()
    assert runs == 1, "no refused call started a run"


def test_a_step_carried_out_again_finds_the_run_it_started(app: Flask, client: FlaskClient) -> None:
    child_id = create(client, playbook("Child", HOOK, compose("x", "{{ trigger.body }}")))
    parent = run_by_hand(client, create(client, playbook("Parent", BY_HAND, call("c", "Child", 7))))
    step = steps(parent)["c"]
    # The executor carries the step out again, as after a crash before its result was stored.
    again = Dispatch(
        parent["id"],
        parent["workspace_id"],
        "c",
        "c",
        "soarflow.run_playbook",
        None,
        step["inputs"],
        2,
        f"{parent['id']}/c",
    )
    with app.app_context():
        result = runner().actions.perform(again)
        child_runs = db_session().exec(
            select(func.count()).select_from(Run).where(col(Run.playbook_id) == child_id)
        )
        assert child_runs.one() == 1
    assert result.error is None, result.error
    assert result.output["run_id"] == step["output"]["run_id"]


def test_playbooks_that_start_themselves_stop_at_the_depth_limit(
    app: Flask, client: FlaskClient
) -> None:
    looping = create(client, playbook("Loop", HOOK, WHO_CALLED, call("again", "Loop", "more")))
    run_by_hand(client, looping)
    with app.app_context():
        runs = db_session().exec(select(Run).where(col(Run.playbook_id) == looping)).all()
        by_depth = {run.context["run"]["depth"]: run for run in runs}
    assert sorted(by_depth) == list(range(MAX_CALL_DEPTH + 1))
    assert all(by_depth[depth].status == "succeeded" for depth in range(MAX_CALL_DEPTH))
    deepest = fetch(client, by_depth[MAX_CALL_DEPTH].id)
    assert deepest["status"] == "failed"
    assert steps(deepest)["again"]["error"]["code"] == "call_depth_exceeded"
    assert steps(deepest)["who"]["output"] == {
        "parent": by_depth[MAX_CALL_DEPTH - 1].id,
        "depth": MAX_CALL_DEPTH,
    }
