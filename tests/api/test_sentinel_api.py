"""Microsoft Sentinel's incidents through POST /api/v1/sentinel/incidents, on SQLite and
PostgreSQL: one incident with all its alerts and entities, delivered again without duplicates,
closed from Sentinel, refused with every problem named, and automation rules answering it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from soarflow.api.extensions import db_session
from soarflow.store import automation as automation_repo
from tests.api.test_automation import commenting_playbook, rule, runs_of
from tests.api.test_incidents_api import assert_error, body, incident, ingested, listed
from tests.api.test_openapi import fits, spec
from tests.incident_support import (
    SENTINEL_ARM_ID,
    SENTINEL_INCIDENT,
    alert_body,
    sentinel_incident,
)

URL = "/api/v1/sentinel/incidents"
FIRST_ALERT = "7cab79f2-ad75-4212-bfc4-9d3b1c265ce7"
SECOND_ALERT = "5e0f63e4-67c1-4a49-aebf-3c836fa4d241"


def deliver(client: FlaskClient, payload: Any) -> TestResponse:
    return client.post(URL, json=payload)


def delivered(client: FlaskClient, payload: Any, status: int = 201) -> dict[str, Any]:
    response = deliver(client, payload)
    assert response.status_code == status, response.json
    found: dict[str, Any] = body(response)
    assert found["created"] is (status == 201)
    return found


def third_alert() -> dict[str, Any]:
    """A new alert joining the example incident in Sentinel."""
    alert: dict[str, Any] = {
        "id": "alert-3",
        "name": "0b7f3a52-3c1d-4f0e-9d55-2f4d1e6c8a90",
        "kind": "SecurityAlert",
        "properties": {
            "systemAlertId": "0b7f3a52-3c1d-4f0e-9d55-2f4d1e6c8a90",
            "alertDisplayName": "Outbound connection to a known C2 address",
            "severity": "Medium",
            "productName": "Azure Sentinel",
            "startTimeUtc": "2025-03-04T08:30:00Z",
            "tactics": ["CommandAndControl"],
            "entities": [{"kind": "Ip", "properties": {"address": "198.51.100.23"}}],
        },
    }
    return alert


def test_a_sentinel_incident_becomes_one_incident_with_its_alerts_and_entities(
    client: FlaskClient,
) -> None:
    response = deliver(client, SENTINEL_INCIDENT)
    assert response.status_code == 201, response.json
    fits(spec(client), URL, "post", 201, response.json)
    assert response.json["created"] is True
    found = response.json["incident"]
    assert response.headers["Location"] == f"/api/v1/incidents/{found['id']}"
    assert incident(client, found["id"]) == found

    assert (found["external_id"], found["external_number"]) == (SENTINEL_ARM_ID, 1423)
    assert found["title"] == "Phishing link click followed by malicious download on FIN-WS-042"
    assert (found["severity"], found["status"], found["classification"]) == ("high", "new", None)
    assert (found["owner"], found["labels"]) == (None, ["phishing"])
    assert found["rule_name"] == "Sign-in from threat-intel IP after phishing URL click"
    assert found["first_alert_at"].startswith("2025-03-04T07:52:03.118")
    assert found["last_alert_at"].startswith("2025-03-04T08:09:41.502")
    assert found["alert_count"] == 2
    assert [alert["source_alert_id"] for alert in found["alerts"]] == [FIRST_ALERT, SECOND_ALERT]
    assert {alert["grouping"] for alert in found["alerts"]} == {"created"}
    assert [entity["kind"] for entity in found["entities"]] == [
        "ip",
        "account",
        "host",
        "url",
        "filehash",
    ]
    account = found["entities"][1]["properties"]
    assert (account["Name"], account["UPNSuffix"]) == ("jdoe", "fabrikam.example")
    alert = client.get(f"/api/v1/alerts/{found['alerts'][0]['id']}").json
    assert (alert["source_product"], alert["tactics"]) == ("Azure Sentinel", ["InitialAccess"])
    assert alert["custom_details"]["Event Grouping"] == "SingleAlert"


def test_the_same_incident_delivered_again_is_the_same_incident(client: FlaskClient) -> None:
    first = delivered(client, SENTINEL_INCIDENT)
    again = delivered(client, SENTINEL_INCIDENT, status=200)
    assert again["incident"] == first["incident"]
    assert listed(client, "/api/v1/incidents") == [first["incident"]["id"]]
    assert len(listed(client, "/api/v1/alerts")) == 2


def test_a_later_delivery_updates_the_incident_and_adds_new_alerts(client: FlaskClient) -> None:
    first = delivered(client, SENTINEL_INCIDENT)["incident"]
    payload = sentinel_incident(
        title="Phishing campaign on FIN-WS-042",
        severity="Medium",
        status="Active",
        owner={"assignedTo": "Jane Doe", "userPrincipalName": "jane@fabrikam.example"},
        labels=[{"labelName": "phishing"}, {"labelName": "vip", "labelType": "User"}],
    )
    payload["object"]["properties"]["alerts"].append(third_alert())
    found = delivered(client, payload, status=200)["incident"]

    assert (found["id"], found["number"]) == (first["id"], first["number"])
    assert (found["title"], found["severity"], found["status"]) == (
        "Phishing campaign on FIN-WS-042",
        "medium",
        "active",
    )
    assert (found["owner"], found["labels"]) == ("jane@fabrikam.example", ["phishing", "vip"])
    assert found["alert_count"] == 3
    assert [alert["grouping"] for alert in found["alerts"]] == ["created", "created", "joined"]
    assert found["last_alert_at"].startswith("2025-03-04T08:30:00")
    # The new alert's IP was not among the incident's entities; the others are not repeated.
    assert len(found["entities"]) == 6
    assert found["entities"][-1] == {"kind": "ip", "properties": {"Address": "198.51.100.23"}}


def test_an_incident_closed_in_sentinel_is_closed_with_its_classification(
    client: FlaskClient,
) -> None:
    incident_id = delivered(client, SENTINEL_INCIDENT)["incident"]["id"]
    closed = sentinel_incident(
        status="Closed",
        classification="TruePositive",
        classificationReason="SuspiciousActivity",
        classificationComment="Credentials reset, host reimaged",
    )
    found = delivered(client, closed, status=200)["incident"]
    assert found["id"] == incident_id
    assert (found["status"], found["classification"]) == ("closed", "true_positive")
    assert found["classification_comment"] == (
        "SuspiciousActivity: Credentials reset, host reimaged"
    )
    # Reopened in Sentinel: open again here, without its classification.
    reopened = delivered(client, sentinel_incident(status="Active"), status=200)["incident"]
    assert (reopened["status"], reopened["classification"]) == ("active", None)


def test_an_incident_delivered_closed_is_created_closed(client: FlaskClient) -> None:
    payload = sentinel_incident(status="Closed", classification="FalsePositive")
    found = delivered(client, payload)["incident"]
    assert (found["status"], found["classification"]) == ("closed", "false_positive")


def test_a_payload_missing_required_fields_is_refused_naming_each(client: FlaskClient) -> None:
    payload = sentinel_incident(title=None, severity="Critical")
    del payload["object"]["properties"]["alerts"][1]["properties"]["productName"]
    response = deliver(client, payload)
    error = assert_error(response, 422, "invalid_fields")
    fits(spec(client), URL, "post", 422, response.json)
    fields = {problem["field"]: problem["code"] for problem in error["details"]["problems"]}
    assert fields == {
        "object.properties.title": "missing",
        "object.properties.severity": "invalid_value",
        "object.properties.alerts[1].properties.productName": "missing",
    }
    assert "object.properties.title" in error["message"]
    assert listed(client, "/api/v1/incidents") == []


def test_values_past_soarflows_limits_are_named_by_their_place_in_the_payload(
    client: FlaskClient,
) -> None:
    payload = sentinel_incident(labels=[{"labelName": "x" * 101}])
    payload["object"]["properties"]["alerts"][0]["properties"]["alertDisplayName"] = "y" * 501
    error = assert_error(deliver(client, payload), 422, "invalid_fields")
    fields = {problem["field"] for problem in error["details"]["problems"]}
    assert fields == {
        "object.properties.labels[0]",
        "object.properties.alerts[0].properties.alertDisplayName",
    }


def test_a_body_that_is_not_a_sentinel_incident_is_refused(client: FlaskClient) -> None:
    assert_error(deliver(client, [SENTINEL_INCIDENT]), 400, "bad_request")
    alert_trigger = {"SystemAlertId": "256f1775", "AlertDisplayName": "An alert"}
    error = assert_error(deliver(client, alert_trigger), 422, "invalid_fields")
    assert [problem["field"] for problem in error["details"]["problems"]] == ["object"]


def test_an_alert_received_before_is_not_stored_again(client: FlaskClient) -> None:
    sent = alert_body(source_product="Azure Sentinel", source_alert_id=FIRST_ALERT)
    earlier = ingested(client, sent)
    found = delivered(client, SENTINEL_INCIDENT)["incident"]
    # It stays in the incident it opened; the Sentinel incident has the other one.
    assert [alert["source_alert_id"] for alert in found["alerts"]] == [SECOND_ALERT]
    assert found["alert_count"] == 1
    assert (
        client.get(f"/api/v1/alerts/{earlier['alert']['id']}").json["incident_id"]
        == (earlier["incident_id"])
    )


def test_an_incident_created_rule_runs_once_and_an_update_raises_incident_updated(
    client: FlaskClient,
) -> None:
    playbook_id = commenting_playbook(client)
    rule(
        client,
        name="Sentinel incidents",
        trigger="incident_created",
        conditions={"all": [{"property": "labels", "operator": "equals", "values": ["phishing"]}]},
        actions=[
            {"type": "add_label", "label": "seen"},
            {"type": "run_playbook", "playbook_id": playbook_id},
        ],
    )
    rule(
        client,
        name="Re-rated in Sentinel",
        trigger="incident_updated",
        conditions={"all": [{"property": "severity", "operator": "changed"}]},
        actions=[{"type": "add_label", "label": "re-rated"}],
    )
    incident_id = delivered(client, SENTINEL_INCIDENT)["incident"]["id"]
    found = delivered(client, SENTINEL_INCIDENT, status=200)["incident"]

    # The rule's label stays: Sentinel's labels add to the incident's, they replace none.
    assert found["labels"] == ["phishing", "seen"]
    [comment] = found["comments"]
    assert comment["text"] == (
        "Looked at by soarflow: Phishing link click followed by malicious download on "
        "FIN-WS-042 (5 entities)"
    )
    assert len(runs_of(client, incident_id)) == 1

    rerated = delivered(client, sentinel_incident(severity="Low"), status=200)["incident"]
    assert rerated["labels"] == ["phishing", "seen", "re-rated"]
    assert len(runs_of(client, incident_id)) == 1
    with client.application.app_context():
        events = automation_repo.incident_events(db_session(), incident_id=incident_id)
    assert [event.trigger for event in events] == ["incident_created", "incident_updated"]
    assert events[1].previous is not None
    assert events[1].previous["severity"] == "high"
