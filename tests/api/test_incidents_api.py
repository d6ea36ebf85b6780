"""Alerts and incidents through the API, on SQLite and PostgreSQL: receiving alerts (once),
grouping them into incidents, listing, triage, closing and comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from soarflow.api.extensions import db_session
from soarflow.security.roles import Role
from soarflow.store import access
from tests.api.test_openapi import fits, spec
from tests.fixtures import Person
from tests.incident_support import alert_body, ip


def at(hour: int, day: int = 4) -> str:
    return f"2025-03-{day:02d}T{hour:02d}:00:00Z"


def ingest(client: FlaskClient, body: Any, **headers: str) -> TestResponse:
    return client.post("/api/v1/alerts", json=body, headers=headers)


def ingested(client: FlaskClient, sent: dict[str, Any], status: int = 201) -> Any:
    response = ingest(client, sent)
    assert response.status_code == status, response.json
    return body(response)


def incident(client: FlaskClient, incident_id: str) -> Any:
    response = client.get(f"/api/v1/incidents/{incident_id}")
    assert response.status_code == 200, response.json
    return body(response)


def patch(client: FlaskClient, incident_id: str, **changes: Any) -> TestResponse:
    return client.patch(f"/api/v1/incidents/{incident_id}", json=changes)


def listed(client: FlaskClient, path: str, **query: str) -> list[str]:
    response = client.get(path, query_string=query)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["data"]]


def body(response: TestResponse) -> Any:
    """The JSON body: indexed directly by the tests, which fail loudly if it is missing."""
    assert response.is_json, response.get_data(as_text=True)
    return response.json


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.json
    assert set(body(response)) == {"error"}
    error: dict[str, Any] = response.json["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert error["message"]
    return error


def problem_fields(response: TestResponse) -> dict[str, str]:
    error = assert_error(response, 422, "invalid_fields")
    return {problem["field"]: problem["code"] for problem in error["details"]["problems"]}


def group_alerts(client: FlaskClient, rule_name: str, **settings: str) -> None:
    body = {"rule_name": rule_name, "action": "group", **settings}
    response = client.put("/api/v1/alert-grouping-rules", json=body)
    assert response.status_code == 200, response.json


def test_an_alert_opens_an_incident_with_its_entities(client: FlaskClient) -> None:
    response = ingest(client, alert_body(source_alert_id="256f1775"))
    assert response.status_code == 201, response.json
    result = response.json
    assert result["grouping"] == "created"
    alert = result["alert"]
    assert response.headers["Location"] == f"/api/v1/alerts/{alert['id']}"
    assert alert["severity"] == "medium"
    assert alert["incident_id"] == result["incident_id"]
    assert alert["time"].startswith("2025-03-05T13:02:11.207")
    assert alert["custom_details"]["RemotePort"] == ["443"]
    assert client.get(f"/api/v1/alerts/{alert['id']}").json == alert

    found = incident(client, result["incident_id"])
    assert found["number"] >= 1
    assert (found["title"], found["severity"], found["status"]) == (
        alert["title"],
        "medium",
        "new",
    )
    assert found["rule_name"] == alert["rule_name"]
    assert found["classification"] is None
    assert found["owner"] is None
    assert found["labels"] == []
    assert found["comments"] == []
    assert [a["id"] for a in found["alerts"]] == [alert["id"]]
    assert found["entities"] == alert["entities"]
    assert [e["kind"] for e in found["entities"]] == ["host", "ip", "account", "filehash"]


def test_incident_numbers_increase_in_each_workspace(
    app: Flask, client: FlaskClient, password_hash: str
) -> None:
    numbers = [
        incident(client, ingested(client, alert_body())["incident_id"])["number"] for _ in range(3)
    ]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]

    other = elsewhere(app, password_hash)
    theirs = ingested(other, alert_body())
    assert incident(other, theirs["incident_id"])["number"] == 1
    # Whoever has no role in a workspace learns nothing of what is in it.
    assert_error(client.get(f"/api/v1/incidents/{theirs['incident_id']}"), 404, "not_found")
    assert theirs["incident_id"] not in listed(client, "/api/v1/incidents")


def elsewhere(app: Flask, password_hash: str) -> FlaskClient:
    """An Owner's client in a workspace of its own."""
    with app.app_context():
        session = db_session()
        workspace = access.create_workspace(session, name="elsewhere")
        user = access.create_user(session, name="elsewhere_owner", password_hash=password_hash)
        access.set_role(session, user_id=user.id, workspace_id=workspace.id, role=Role.OWNER)
        _, token = access.create_token(
            session, user_id=user.id, workspace_id=workspace.id, name="tests"
        )
        session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_an_alert_sent_again_with_its_source_id_changes_nothing(client: FlaskClient) -> None:
    first = ingested(client, alert_body(source_alert_id="256f1775"))
    again = ingest(client, alert_body(source_alert_id="256f1775", title="Sent again"))
    assert again.status_code == 200, again.json
    assert again.json == first
    assert listed(client, "/api/v1/alerts") == [first["alert"]["id"]]
    assert listed(client, "/api/v1/incidents") == [first["incident_id"]]
    # The same id from another product is another alert.
    other = ingested(client, alert_body(source_alert_id="256f1775", source_product="Defender"))
    assert other["alert"]["id"] != first["alert"]["id"]


def test_an_alert_sent_again_with_its_idempotency_key_changes_nothing(client: FlaskClient) -> None:
    first = ingest(client, alert_body(), **{"Idempotency-Key": "delivery-1"})
    assert first.status_code == 201, first.json
    again = ingest(client, alert_body(title="Retried"), **{"Idempotency-Key": "delivery-1"})
    assert again.status_code == 200, again.json
    assert again.json == first.json
    assert len(listed(client, "/api/v1/alerts")) == 1
    assert ingest(client, alert_body(), **{"Idempotency-Key": "delivery-2"}).status_code == 201
    assert len(listed(client, "/api/v1/incidents")) == 2
    assert_error(
        ingest(client, alert_body(), **{"Idempotency-Key": "x" * 201}), 400, "invalid_header"
    )


def test_grouping_joins_an_open_incident_of_the_rule_sharing_an_entity(
    client: FlaskClient,
) -> None:
    group_alerts(client, "Brute force")
    first = ingested(
        client, alert_body(rule_name="Brute force", time=at(8), entities=[ip("203.0.113.1")])
    )
    shared = [
        ip("203.0.113.1"),
        {"kind": "host", "properties": {"HostName": "ws-1", "DnsDomain": "corp.example"}},
    ]
    joined = ingested(client, alert_body(rule_name="Brute force", time=at(12), entities=shared))
    assert joined["grouping"] == "joined"
    assert joined["incident_id"] == first["incident_id"]
    found = incident(client, first["incident_id"])
    assert found["alert_count"] == 2
    assert [a["id"] for a in found["alerts"]] == [first["alert"]["id"], joined["alert"]["id"]]
    assert [e["kind"] for e in found["entities"]] == ["ip", "host"]
    assert found["first_alert_at"].startswith("2025-03-04T08:00")
    assert found["last_alert_at"].startswith("2025-03-04T12:00")
    assert listed(client, "/api/v1/alerts", incident=first["incident_id"]) == [
        joined["alert"]["id"],
        first["alert"]["id"],
    ]


def test_grouping_opens_a_new_incident_past_the_window_or_without_a_shared_entity(
    client: FlaskClient,
) -> None:
    group_alerts(client, "Brute force")
    first = ingested(
        client, alert_body(rule_name="Brute force", time=at(8), entities=[ip("203.0.113.1")])
    )
    late = ingested(
        client, alert_body(rule_name="Brute force", time=at(14), entities=[ip("203.0.113.1")])
    )
    assert (late["grouping"], late["incident_id"] != first["incident_id"]) == ("created", True)
    unrelated = ingested(
        client, alert_body(rule_name="Brute force", time=at(9), entities=[ip("203.0.113.2")])
    )
    assert unrelated["grouping"] == "created"
    assert unrelated["incident_id"] not in (first["incident_id"], late["incident_id"])


def test_grouping_never_joins_another_rules_or_a_closed_incident(client: FlaskClient) -> None:
    group_alerts(client, "Brute force")
    group_alerts(client, "Password spray")
    first = ingested(
        client, alert_body(rule_name="Brute force", time=at(8), entities=[ip("203.0.113.1")])
    )
    spray = ingested(
        client, alert_body(rule_name="Password spray", time=at(8), entities=[ip("203.0.113.1")])
    )
    assert spray["grouping"] == "created"
    assert spray["incident_id"] != first["incident_id"]

    closed = patch(client, first["incident_id"], status="closed", classification="true_positive")
    assert closed.status_code == 200, closed.json
    after = ingested(
        client, alert_body(rule_name="Brute force", time=at(9), entities=[ip("203.0.113.1")])
    )
    assert after["grouping"] == "created"
    assert after["incident_id"] != first["incident_id"]
    assert incident(client, first["incident_id"])["alert_count"] == 1


def test_grouping_on_all_entities_and_a_shorter_window(client: FlaskClient) -> None:
    group_alerts(client, "Beaconing", entity_match="all", time_window="PT1H")
    both = [ip("203.0.113.1"), ip("203.0.113.2")]
    first = ingested(client, alert_body(rule_name="Beaconing", time=at(8), entities=both))
    subset = ingested(client, alert_body(rule_name="Beaconing", time=at(8), entities=both[:1]))
    assert subset["grouping"] == "created"
    same = ingested(client, alert_body(rule_name="Beaconing", time=at(9), entities=both[::-1]))
    assert (same["grouping"], same["incident_id"]) == ("joined", first["incident_id"])
    later = ingested(client, alert_body(rule_name="Beaconing", time=at(10), entities=both))
    assert later["grouping"] == "created"
    rules = client.get("/api/v1/alert-grouping-rules").json
    assert rules["data"] == [
        {
            "rule_name": "Beaconing",
            "action": "group",
            "entity_match": "all",
            "time_window": "PT1H",
            "workspace_id": rules["data"][0]["workspace_id"],
            "updated_at": rules["data"][0]["updated_at"],
        }
    ]


def test_a_rule_may_raise_alerts_without_incidents(client: FlaskClient) -> None:
    response = client.put(
        "/api/v1/alert-grouping-rules", json={"rule_name": "Noisy", "action": "no_incident"}
    )
    assert response.status_code == 200, response.json
    result = ingested(client, alert_body(rule_name="Noisy"))
    assert (result["grouping"], result["incident_id"]) == ("none", None)
    assert result["alert"]["incident_id"] is None
    assert listed(client, "/api/v1/incidents") == []


def test_grouping_rules_are_checked(client: FlaskClient) -> None:
    put = client.put
    bad = put("/api/v1/alert-grouping-rules", json={"rule_name": "r", "action": "merge"})
    assert problem_fields(bad) == {"action": "enum"}
    short = {"rule_name": "r", "action": "group", "time_window": "PT1M"}
    assert problem_fields(put("/api/v1/alert-grouping-rules", json=short)) == {
        "time_window": "value_error"
    }
    unknown = {"rule_name": "r", "action": "group", "time_window": "5 hours"}
    assert problem_fields(put("/api/v1/alert-grouping-rules", json=unknown)) == {
        "time_window": "value_error"
    }


def test_an_unknown_entity_kind_is_kept(client: FlaskClient) -> None:
    registry = {"kind": "RegistryKey", "properties": {"Hive": "HKEY_LOCAL_MACHINE", "Key": "Run"}}
    mixed = [{"kind": "IP", "properties": {"Address": "203.0.113.5"}}, registry, registry]
    result = ingested(client, alert_body(entities=mixed))
    assert result["alert"]["entities"] == [
        {"kind": "ip", "properties": {"Address": "203.0.113.5"}},
        registry,
        registry,
    ]
    assert incident(client, result["incident_id"])["entities"] == [
        {"kind": "ip", "properties": {"Address": "203.0.113.5"}},
        registry,
    ]


def test_missing_fields_are_named_each(client: FlaskClient) -> None:
    assert problem_fields(ingest(client, {})) == {
        "source_product": "missing",
        "rule_name": "missing",
        "title": "missing",
        "severity": "missing",
        "time": "missing",
    }
    body = alert_body()
    del body["title"]
    assert problem_fields(ingest(client, body)) == {"title": "missing"}
    assert listed(client, "/api/v1/alerts") == []


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"severity": "critical"}, "severity", "enum"),
        ({"time": "2025-03-05T13:02:11"}, "time", "timezone_aware"),
        ({"title": ""}, "title", "string_too_short"),
        ({"tactics": "Execution"}, "tactics", "list_type"),
        ({"custom_details": []}, "custom_details", "dict_type"),
        ({"entities": [{"properties": {}}]}, "entities[0].kind", "missing"),
        ({"sevirity": "high"}, "sevirity", "extra_forbidden"),
    ],
)
def test_invalid_fields_are_named(
    client: FlaskClient, changes: dict[str, Any], field: str, code: str
) -> None:
    assert problem_fields(ingest(client, alert_body(**changes))) == {field: code}


def test_bad_bodies_are_refused(client: FlaskClient) -> None:
    huge = alert_body(description="x" * (2 * 1024 * 1024))
    assert_error(ingest(client, huge), 413, "too_large")
    assert_error(ingest(client, [alert_body()]), 400, "bad_request")
    response = client.post("/api/v1/alerts", data="{}", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    assert listed(client, "/api/v1/alerts") == []


def test_incidents_list_newest_first_with_filters(client: FlaskClient) -> None:
    ids = [
        ingested(client, alert_body(title=title, severity=severity))["incident_id"]
        for title, severity in [
            ("Phishing link clicked", "high"),
            ("Impossible travel", "low"),
            ("Phishing mail reported", "low"),
        ]
    ]
    assert patch(client, ids[1], status="active", owner="alice@fabrikam.example").status_code == 200
    assert listed(client, "/api/v1/incidents") == ids[::-1]
    assert listed(client, "/api/v1/incidents", severity="low") == [ids[2], ids[1]]
    assert listed(client, "/api/v1/incidents", status="active") == [ids[1]]
    assert listed(client, "/api/v1/incidents", status="new", q="PHISHING") == [ids[2], ids[0]]
    assert listed(client, "/api/v1/incidents", owner="alice@fabrikam.example") == [ids[1]]
    assert listed(client, "/api/v1/incidents", q="100%_") == []
    assert listed(client, "/api/v1/incidents", workspace="default") == ids[::-1]
    page = client.get("/api/v1/incidents?limit=2").json
    assert (page["total"], len(page["data"])) == (3, 2)
    assert client.get(page["next"]).json["data"][0]["id"] == ids[0]
    assert_error(client.get("/api/v1/incidents?status=open"), 400, "invalid_parameter")
    assert_error(client.get("/api/v1/incidents?severity=critical"), 400, "invalid_parameter")


def test_alerts_list_with_filters(client: FlaskClient) -> None:
    high = ingested(client, alert_body(severity="high", time=at(9)))
    other = ingested(
        client, alert_body(source_product="Defender", rule_name="Ransomware", time=at(10))
    )
    assert listed(client, "/api/v1/alerts") == [other["alert"]["id"], high["alert"]["id"]]
    assert listed(client, "/api/v1/alerts", severity="high") == [high["alert"]["id"]]
    assert listed(client, "/api/v1/alerts", source_product="Defender") == [other["alert"]["id"]]
    assert listed(client, "/api/v1/alerts", rule="Ransomware") == [other["alert"]["id"]]
    assert listed(client, "/api/v1/alerts", incident=high["incident_id"]) == [high["alert"]["id"]]
    assert_error(client.get("/api/v1/alerts?severity=severe"), 400, "invalid_parameter")
    assert_error(client.get("/api/v1/alerts/nope"), 404, "not_found")


def test_triage_changes_what_is_sent(client: FlaskClient) -> None:
    incident_id = ingested(client, alert_body())["incident_id"]
    before = incident(client, incident_id)
    response = patch(
        client,
        incident_id,
        title="Svc account compromise",
        severity="High",
        status="active",
        owner="alice@fabrikam.example",
        labels=["ransomware", "vip", "ransomware"],
    )
    assert response.status_code == 200, response.json
    after = response.json
    assert (after["title"], after["severity"], after["status"]) == (
        "Svc account compromise",
        "high",
        "active",
    )
    assert (after["owner"], after["labels"]) == ("alice@fabrikam.example", ["ransomware", "vip"])
    assert after["description"] == before["description"]
    assert after["updated_at"] > before["updated_at"]
    assert patch(client, incident_id, owner=None).json["owner"] is None
    assert incident(client, incident_id)["labels"] == ["ransomware", "vip"]


def test_closing_needs_a_classification_and_reopening_clears_it(client: FlaskClient) -> None:
    incident_id = ingested(client, alert_body())["incident_id"]
    refused = assert_error(
        patch(client, incident_id, status="closed"), 422, "classification_required"
    )
    assert refused["details"] == {"field": "classification"}
    early = patch(client, incident_id, classification="false_positive")
    assert_error(early, 422, "classification_needs_closing")
    assert incident(client, incident_id)["status"] == "new"

    closed = patch(
        client,
        incident_id,
        status="closed",
        classification="benign_positive",
        classification_comment="backup job, expected",
    )
    assert closed.status_code == 200, closed.json
    assert (closed.json["status"], closed.json["classification"]) == ("closed", "benign_positive")
    assert closed.json["classification_comment"] == "backup job, expected"

    reopened = patch(client, incident_id, status="active").json
    assert (reopened["status"], reopened["classification"]) == ("active", None)
    assert reopened["classification_comment"] == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": "critical"}, "severity"),
        ({"status": "resolved"}, "status"),
        ({"title": None}, "title"),
        ({"labels": None}, "labels"),
        ({"labels": [""]}, "labels[0]"),
        ({"status": "closed", "classification": "maybe"}, "classification"),
        ({"number": 7}, "number"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    client: FlaskClient, changes: dict[str, Any], field: str
) -> None:
    incident_id = ingested(client, alert_body())["incident_id"]
    before = incident(client, incident_id)
    assert field in problem_fields(patch(client, incident_id, **changes))
    assert incident(client, incident_id) == before


def test_comments_are_kept_as_written(client: FlaskClient, people: dict[Role, Person]) -> None:
    incident_id = ingested(client, alert_body())["incident_id"]
    texts = [
        "<script>alert(1)</script><b>bold</b>",
        "{{ trigger.id }} {% for x in y %}{{ 7 * 7 }}{% endfor %}",
        "line one\nline two\t&amp;",
    ]
    for text in texts:
        response = client.post(f"/api/v1/incidents/{incident_id}/comments", json={"text": text})
        assert response.status_code == 201, response.json
        assert response.json["text"] == text
        assert response.json["author_name"] == people[Role.OWNER].name
        assert response.json["author_id"] == people[Role.OWNER].user_id
    listed_comments = client.get(f"/api/v1/incidents/{incident_id}/comments").json
    assert [c["text"] for c in listed_comments["data"]] == texts
    assert listed_comments["total"] == 3
    assert [c["text"] for c in incident(client, incident_id)["comments"]] == texts
    page = client.get(f"/api/v1/incidents/{incident_id}/comments?limit=2").json
    assert [c["text"] for c in client.get(page["next"]).json["data"]] == texts[2:]

    empty = client.post(f"/api/v1/incidents/{incident_id}/comments", json={"text": ""})
    assert problem_fields(empty) == {"text": "string_too_short"}
    missing = client.post("/api/v1/incidents/nope/comments", json={"text": "x"})
    assert_error(missing, 404, "not_found")


def test_roles_decide_who_triages_and_who_sends_alerts(
    client: FlaskClient, client_for: Callable[[Role], FlaskClient]
) -> None:
    incident_id = ingested(client, alert_body())["incident_id"]
    responder, reader = client_for(Role.RESPONDER), client_for(Role.READER)
    assert patch(responder, incident_id, status="active").status_code == 200
    comment = {"text": "looking"}
    assert (
        responder.post(f"/api/v1/incidents/{incident_id}/comments", json=comment).status_code == 201
    )
    assert_error(ingest(responder, alert_body()), 403, "forbidden")
    assert incident(reader, incident_id)["status"] == "active"
    assert_error(patch(reader, incident_id, status="closed"), 403, "forbidden")
    assert ingested(client_for(Role.PLAYBOOK_CONTRIBUTOR), alert_body())["grouping"] == "created"


def test_changes_are_audited(client: FlaskClient) -> None:
    result = ingested(client, alert_body())
    incident_id = result["incident_id"]
    patch(client, incident_id, severity="high")
    client.post(f"/api/v1/incidents/{incident_id}/comments", json={"text": "noted"})
    group_alerts(client, "Brute force")
    rows = client.get("/api/v1/audit?limit=200").json["data"]
    seen = {(row["action"], row["target_type"], row["target_id"]) for row in rows}
    assert {
        ("alerts.ingest", "alert", result["alert"]["id"]),
        ("incidents.patch", "incident", incident_id),
        ("incidents.add_comment", "incident", incident_id),
        ("alerts.put_grouping_rule", "alert_grouping_rule", "Brute force"),
    } <= seen


def test_responses_fit_the_documented_schemas(client: FlaskClient) -> None:
    document = spec(client)
    created = ingest(client, alert_body(source_alert_id="a-1"))
    fits(document, "/api/v1/alerts", "post", 201, created.json)
    fits(
        document,
        "/api/v1/alerts",
        "post",
        200,
        ingest(client, alert_body(source_alert_id="a-1")).json,
    )
    fits(document, "/api/v1/alerts", "post", 422, ingest(client, {}).json)
    alert_id, incident_id = created.json["alert"]["id"], created.json["incident_id"]
    fits(document, "/api/v1/alerts", "get", 200, client.get("/api/v1/alerts").json)
    fits(
        document,
        "/api/v1/alerts/{alert_id}",
        "get",
        200,
        client.get(f"/api/v1/alerts/{alert_id}").json,
    )
    item = "/api/v1/incidents/{incident_id}"
    client.post(f"/api/v1/incidents/{incident_id}/comments", json={"text": "x"})
    fits(document, "/api/v1/incidents", "get", 200, client.get("/api/v1/incidents").json)
    fits(document, item, "get", 200, incident(client, incident_id))
    closed = patch(client, incident_id, status="closed", classification="undetermined")
    fits(document, item, "patch", 200, closed.json)
    fits(document, item, "patch", 422, patch(client, incident_id, status="closed").json)
    comments = client.get(f"/api/v1/incidents/{incident_id}/comments").json
    fits(document, item + "/comments", "get", 200, comments)
    rule = client.put("/api/v1/alert-grouping-rules", json={"rule_name": "r", "action": "group"})
    fits(document, "/api/v1/alert-grouping-rules", "put", 200, rule.json)
    rules = client.get("/api/v1/alert-grouping-rules").json
    fits(document, "/api/v1/alert-grouping-rules", "get", 200, rules)
