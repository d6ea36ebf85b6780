"""Automation rules, end to end through the API on SQLite and PostgreSQL: an alert arrives, its
incident is created, rules run in order (changes, then a playbook that comments on the incident
through the soarflow connector), the runs tab lists the run; and by hand from the incident."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from soarflow.api.extensions import automation, db_session
from soarflow.security.roles import Role
from soarflow.store import automation as automation_repo
from soarflow.store import incidents as incident_repo
from tests.api.test_incidents_api import assert_error, body, incident, ingested, patch
from tests.incident_support import alert_body

COMMENT = "Looked at by soarflow: {{ trigger.title }} ({{ trigger.entities | length }} entities)"


def commenting_playbook(client: FlaskClient, name: str = "Comment on new incidents") -> str:
    """An enabled playbook that comments on the incident it starts with."""
    document = {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": {"id": "incident", "type": "soarflow.incident_created"},
        "nodes": [
            {
                "id": "comment",
                "kind": "action",
                "action": "soarflow.add_incident_comment",
                "inputs": {"incident_id": "{{ trigger.id }}", "text": COMMENT},
            }
        ],
        "edges": [{"source": "incident", "target": "comment"}],
    }
    created = client.post("/api/v1/playbooks", json=document)
    assert created.status_code == 201, created.json
    assert created.json["valid"], created.json["problems"]
    playbook_id: str = created.json["id"]
    enabled = client.post(f"/api/v1/playbooks/{playbook_id}/enable")
    assert enabled.status_code == 200, enabled.json
    return playbook_id


def rule(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/automation-rules", json=fields)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = body(response)
    return created


def runs_of(client: FlaskClient, incident_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/incidents/{incident_id}/runs")
    assert response.status_code == 200, response.json
    runs: list[dict[str, Any]] = response.json["data"]
    return runs


def test_an_alert_opens_an_incident_and_a_rule_runs_a_playbook_that_comments_on_it(
    client: FlaskClient,
) -> None:
    playbook_id = commenting_playbook(client)
    rule(
        client,
        name="Triage medium incidents",
        order=10,
        trigger="incident_created",
        conditions={
            "all": [
                {"property": "severity", "operator": "equals", "values": ["Medium", "High"]},
                {"property": "entity_kinds", "operator": "equals", "values": ["ip"]},
            ]
        },
        actions=[
            {"type": "change_status", "status": "active"},
            {"type": "add_label", "label": "triaged"},
            {"type": "run_playbook", "playbook_id": playbook_id},
        ],
    )

    result = ingested(client, alert_body(source_alert_id="rule-run-1"))
    found = incident(client, result["incident_id"])

    assert found["status"] == "active"
    assert found["labels"] == ["triaged"]
    [comment] = found["comments"]
    assert comment["text"] == (
        "Looked at by soarflow: Service account ran a known-malicious binary (4 entities)"
    )
    assert comment["author_name"] == "Playbook: Comment on new incidents"
    [run] = runs_of(client, found["id"])
    assert (run["playbook_id"], run["status"], run["trigger_type"]) == (
        playbook_id,
        "succeeded",
        "automation",
    )
    assert run["incident_id"] == found["id"]
    # The playbook saw the incident as the rule's changes left it, entities in snake_case.
    trigger = client.get(f"/api/v1/runs/{run['id']}").json["trigger"]
    assert (trigger["status"], trigger["labels"]) == ("active", ["triaged"])
    assert {"kind": "ip", "address": "198.51.100.23"} in trigger["entities"]
    # The same alert again opens nothing and runs nothing.
    again = ingested(client, alert_body(source_alert_id="rule-run-1"), status=200)
    assert again["incident_id"] == found["id"]
    assert len(runs_of(client, found["id"])) == 1


def test_later_rules_see_what_earlier_ones_changed_and_unmet_rules_do_nothing(
    client: FlaskClient,
) -> None:
    rule(
        client,
        name="b escalate",
        order=2,
        trigger="incident_created",
        conditions={"all": [{"property": "severity", "operator": "equals", "values": ["high"]}]},
        actions=[{"type": "add_label", "label": "escalated"}],
    )
    rule(
        client,
        name="a raise",
        order=1,
        trigger="incident_created",
        conditions={
            "any": [{"property": "title", "operator": "contains", "values": ["malicious"]}]
        },
        actions=[{"type": "change_severity", "severity": "high"}],
    )
    rule(
        client,
        name="c never",
        order=3,
        trigger="incident_created",
        conditions={"all": [{"property": "tactics", "operator": "equals", "values": ["Impact"]}]},
        actions=[{"type": "add_label", "label": "impact"}],
    )
    rule(
        client,
        name="d disabled",
        order=4,
        enabled=False,
        trigger="incident_created",
        actions=[{"type": "add_label", "label": "disabled"}],
    )
    rule(
        client,
        name="e expired",
        order=5,
        expires_at="2020-01-01T00:00:00Z",
        trigger="incident_created",
        actions=[{"type": "add_label", "label": "expired"}],
    )
    found = incident(client, ingested(client, alert_body())["incident_id"])
    assert (found["severity"], found["labels"]) == ("high", ["escalated"])
    listed = client.get("/api/v1/automation-rules").json
    assert [item["name"] for item in listed["data"]] == [
        "a raise",
        "b escalate",
        "c never",
        "d disabled",
        "e expired",
    ]


def test_an_update_rule_reads_what_changed_and_automation_starts_no_update_rule(
    client: FlaskClient,
) -> None:
    rule(
        client,
        name="Severity changed",
        trigger="incident_updated",
        conditions={"all": [{"property": "severity", "operator": "changed"}]},
        actions=[
            {"type": "add_label", "label": "re-rated"},
            {"type": "assign_owner", "owner": "bob"},
        ],
    )
    incident_id = ingested(client, alert_body())["incident_id"]
    # A change of title only: the rule's condition does not hold.
    assert patch(client, incident_id, title="Renamed").status_code == 200
    assert incident(client, incident_id)["labels"] == []
    changed = patch(client, incident_id, severity="high")
    assert changed.status_code == 200
    assert (changed.json["labels"], changed.json["owner"]) == (["re-rated"], "bob")
    # The rule's own change (labels, owner) raised no update event of its own.
    with client.application.app_context():
        events = automation_repo.incident_events(db_session(), incident_id=incident_id)
    assert [event.trigger for event in events] == [
        "alert_created",
        "incident_created",
        "incident_updated",
        "incident_updated",
    ]


def test_a_rule_runs_only_playbooks_whose_trigger_fits(client: FlaskClient) -> None:
    playbook_id = commenting_playbook(client)
    response = client.post(
        "/api/v1/automation-rules",
        json={
            "name": "Alert rule",
            "trigger": "alert_created",
            "actions": [{"type": "run_playbook", "playbook_id": playbook_id}],
        },
    )
    error = assert_error(response, 422, "trigger_kind_mismatch")
    assert error["details"]["field"] == "actions[0].playbook_id"
    assert error["details"]["expected"] == "soarflow.alert_created"
    unknown = client.post(
        "/api/v1/automation-rules",
        json={
            "name": "Ghost",
            "trigger": "incident_created",
            "actions": [{"type": "run_playbook", "playbook_id": "ghost"}],
        },
    )
    assert_error(unknown, 422, "unknown_playbook")


def test_every_problem_of_a_rule_is_named(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/automation-rules",
        json={
            "name": "",
            "trigger": "incident_created",
            "conditions": {"all": [{"property": "colour", "operator": "equals", "values": ["x"]}]},
            "actions": [{"type": "change_severity", "severity": "urgent"}, {"type": "explode"}],
        },
    )
    error = assert_error(response, 422, "invalid_fields")
    fields = {problem["field"] for problem in error["details"]["problems"]}
    assert {
        "name",
        "conditions.all[0].property",
        "actions[0].severity",
        "actions[1].type",
    } <= fields
    assert client.get("/api/v1/automation-rules").json["total"] == 0


def test_rules_are_reordered_disabled_replaced_and_deleted(client: FlaskClient) -> None:
    created = rule(
        client,
        name="Label",
        trigger="incident_created",
        actions=[{"type": "add_label", "label": "one"}],
    )
    url = f"/api/v1/automation-rules/{created['id']}"
    patched = client.patch(url, json={"order": 7, "enabled": False})
    assert (patched.json["order"], patched.json["enabled"]) == (7, False)
    assert_error(client.patch(url, json={"name": "x"}), 422, "invalid_fields")
    replaced = client.put(
        url,
        json={
            "name": "Label two",
            "trigger": "incident_created",
            "actions": [{"type": "add_label", "label": "two"}],
        },
    )
    assert replaced.status_code == 200, replaced.json
    assert (replaced.json["name"], replaced.json["enabled"], replaced.json["order"]) == (
        "Label two",
        True,
        500,
    )
    assert client.delete(url).status_code == 204
    assert_error(client.get(url), 404, "not_found")


def test_a_pending_event_runs_once_when_the_server_starts_again(
    app: Flask, client: FlaskClient
) -> None:
    """The event is written with the alert; a server that died before the rules ran them
    finds it pending on its next start. Taking it up twice starts one run."""
    playbook_id = commenting_playbook(client)
    rule(
        client,
        name="Comment",
        trigger="incident_created",
        actions=[{"type": "run_playbook", "playbook_id": playbook_id}],
    )
    incident_id = ingested(client, alert_body())["incident_id"]
    with app.app_context():
        session = db_session()
        event = automation_repo.record_event(
            session,
            workspace_id=_workspace(app, incident_id),
            trigger="incident_created",
            incident_id=incident_id,
        )
        session.commit()
        assert automation().process_pending() == 1
        automation().process(event.id)
        assert automation().process_pending() == 0
    runs = runs_of(client, incident_id)
    assert len(runs) == 2  # one for the alert's own event, one for the replayed event
    assert len(incident(client, incident_id)["comments"]) == 2


def _workspace(app: Flask, incident_id: str) -> str:
    with app.app_context():
        found = incident_repo.get_incident(db_session(), incident_id=incident_id)
        assert found is not None
        return found.workspace_id


def test_a_responder_runs_a_playbook_on_an_incident_by_hand(
    client: FlaskClient, client_for: Callable[[Role], FlaskClient]
) -> None:
    playbook_id = commenting_playbook(client)
    disabled = commenting_playbook(client, name="Disabled one")
    assert client.post(f"/api/v1/playbooks/{disabled}/disable").status_code == 200
    incident_id = ingested(client, alert_body())["incident_id"]
    responder = client_for(Role.RESPONDER)

    offered = responder.get(f"/api/v1/incidents/{incident_id}/playbooks")
    assert offered.status_code == 200, offered.json
    assert [item["id"] for item in offered.json["data"]] == [playbook_id]
    started = responder.post(
        f"/api/v1/incidents/{incident_id}/runs", json={"playbook_id": playbook_id}
    )
    assert started.status_code == 202, started.json
    [run] = runs_of(responder, incident_id)
    assert (run["id"], run["trigger_type"], run["status"]) == (
        started.json["id"],
        "manual",
        "succeeded",
    )
    assert run["started_by"] is not None
    assert len(incident(client, incident_id)["comments"]) == 1

    reader = client_for(Role.READER)
    refused = reader.post(
        f"/api/v1/incidents/{incident_id}/runs", json={"playbook_id": playbook_id}
    )
    assert_error(refused, 403, "forbidden")
    alert_only = responder.get(
        f"/api/v1/alerts/{incident(client, incident_id)['alerts'][0]['id']}/playbooks"
    )
    assert alert_only.json["data"] == []
    wrong = responder.post(
        f"/api/v1/alerts/{incident(client, incident_id)['alerts'][0]['id']}/runs",
        json={"playbook_id": playbook_id},
    )
    assert_error(wrong, 409, "playbook_not_runnable")
