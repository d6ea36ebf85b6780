"""The playbooks API on SQLite and PostgreSQL: save, list, versions, enable, concurrency."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from werkzeug.test import TestResponse

from tests.fixtures import enrich_ips
from tests.strategies import playbook_like


def create(client: FlaskClient, document: dict[str, Any] | None = None) -> TestResponse:
    response = client.post("/api/v1/playbooks", json=document or enrich_ips())
    assert response.status_code == 201, response.json
    return response


def put(client: FlaskClient, playbook_id: str, document: Any, etag: str | None) -> TestResponse:
    headers = {"If-Match": etag} if etag else {}
    return client.put(f"/api/v1/playbooks/{playbook_id}", json=document, headers=headers)


def error_code(response: TestResponse) -> str:
    assert response.json is not None
    code: str = response.json["error"]["code"]
    return code


def test_create_then_get(client: FlaskClient) -> None:
    created = create(client)
    body = created.json
    assert body is not None
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/api/v1/playbooks/{body['id']}"
    assert body["valid"] is True
    assert body["problems"] == []
    assert body["enabled"] is False
    assert body["version"] == 1
    assert body["trigger_kind"] == "incident"
    assert body["runs_count"] == 0
    assert body["document"] == enrich_ips()
    fetched = client.get(f"/api/v1/playbooks/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json == body
    assert fetched.headers["ETag"] == '"1"'


def test_a_document_with_problems_is_saved_as_a_draft(client: FlaskClient) -> None:
    draft = enrich_ips()
    draft["edges"].append({"source": "comment", "target": "nowhere"})
    del draft["trigger"]
    body = create(client, draft).json
    assert body is not None
    assert body["valid"] is False
    assert body["problem_count"] == 3
    assert {p["code"] for p in body["problems"]} == {"no_trigger", "dangling_edge"}
    assert body["trigger_kind"] == "not_initialized"
    assert body["document"] == draft


def test_what_cannot_even_be_a_draft_is_refused(client: FlaskClient) -> None:
    documents: list[Any] = [
        [],
        {"format": "something/else", "name": "x"},
        {"format": "soarflow.playbook/v1"},
    ]
    for document in documents:
        response = client.post("/api/v1/playbooks", json=document)
        assert response.status_code == 422
        assert error_code(response) == "invalid_document"
    assert client.get("/api/v1/playbooks").json == {"data": [], "total": 0, "next": None}


def test_only_a_valid_playbook_can_be_enabled(client: FlaskClient) -> None:
    draft = enrich_ips()
    del draft["trigger"]
    draft_id = create(client, draft).json["id"]
    refused = client.post(f"/api/v1/playbooks/{draft_id}/enable")
    assert refused.status_code == 409
    assert error_code(refused) == "invalid_playbook"
    problems = refused.json["error"]["details"]["problems"]
    assert [p["code"] for p in problems] == ["no_trigger", "dangling_edge"]
    assert client.get(f"/api/v1/playbooks/{draft_id}").json["enabled"] is False

    valid_id = create(client).json["id"]
    enabled = client.post(f"/api/v1/playbooks/{valid_id}/enable")
    assert enabled.status_code == 200
    assert enabled.json["enabled"] is True
    disabled = client.post(f"/api/v1/playbooks/{valid_id}/disable")
    assert disabled.json["enabled"] is False


def test_saving_problems_into_an_enabled_playbook_disables_it(client: FlaskClient) -> None:
    playbook_id = create(client).json["id"]
    client.post(f"/api/v1/playbooks/{playbook_id}/enable")
    broken = enrich_ips()
    broken["nodes"][1]["action"] = "nowhere.nothing"
    saved = put(client, playbook_id, broken, '"1"')
    assert saved.status_code == 200
    assert saved.json["enabled"] is False
    assert saved.json["valid"] is False


def test_put_needs_the_current_etag(client: FlaskClient) -> None:
    playbook_id = create(client).json["id"]
    renamed = enrich_ips(name="Renamed")

    missing = put(client, playbook_id, renamed, None)
    assert missing.status_code == 412
    assert error_code(missing) == "version_conflict"

    saved = put(client, playbook_id, renamed, '"1"')
    assert saved.status_code == 200
    assert saved.headers["ETag"] == '"2"'
    assert saved.json["name"] == "Renamed"

    stale = put(client, playbook_id, enrich_ips(name="Lost update"), '"1"')
    assert stale.status_code == 412
    assert stale.json["error"]["details"]["current_version"] == 2
    current = client.get(f"/api/v1/playbooks/{playbook_id}").json
    assert current["name"] == "Renamed"
    assert current["version"] == 2


def test_every_save_is_a_version_and_restore_makes_a_new_one(client: FlaskClient) -> None:
    playbook_id = create(client).json["id"]
    put(client, playbook_id, enrich_ips(name="Second"), '"1"')
    put(client, playbook_id, enrich_ips(name="Third"), '"2"')

    listed = client.get(f"/api/v1/playbooks/{playbook_id}/versions").json
    assert [(v["number"], v["name"]) for v in listed["data"]] == [
        (3, "Third"),
        (2, "Second"),
        (1, "Enrich incident IPs with VirusTotal"),
    ]
    first = client.get(f"/api/v1/playbooks/{playbook_id}/versions/1").json
    assert first["document"] == enrich_ips()

    restored = client.post(f"/api/v1/playbooks/{playbook_id}/versions/1/restore")
    assert restored.status_code == 200
    assert restored.json["version"] == 4
    assert restored.json["document"] == enrich_ips()
    assert client.get(f"/api/v1/playbooks/{playbook_id}/versions").json["total"] == 4

    stale = client.post(
        f"/api/v1/playbooks/{playbook_id}/versions/2/restore", headers={"If-Match": '"3"'}
    )
    assert stale.status_code == 412
    missing = client.get(f"/api/v1/playbooks/{playbook_id}/versions/99")
    assert missing.status_code == 404


def test_list_is_paginated_and_searchable(client: FlaskClient) -> None:
    for index in range(5):
        create(client, enrich_ips(name=f"Playbook {index}"))
    create(client, enrich_ips(name="100% sure_thing"))

    first = client.get("/api/v1/playbooks?limit=4").json
    assert first["total"] == 6
    assert [p["name"] for p in first["data"]][:2] == ["100% sure_thing", "Playbook 4"]
    assert set(first["data"][0]) == {
        "id",
        "workspace_id",
        "name",
        "description",
        "enabled",
        "valid",
        "problem_count",
        "trigger_kind",
        "runs_count",
        "version",
        "created_at",
        "updated_at",
    }
    second = client.get(first["next"]).json
    assert len(second["data"]) == 2
    assert second["next"] is None

    found = client.get("/api/v1/playbooks?q=100%25").json
    assert [p["name"] for p in found["data"]] == ["100% sure_thing"]
    assert client.get("/api/v1/playbooks?q=_").json["total"] == 1


def test_bad_list_parameters(client: FlaskClient) -> None:
    for query in ("limit=0", "limit=201", "offset=-1", "limit=abc", "limit=²"):
        response = client.get(f"/api/v1/playbooks?{query}")
        assert response.status_code == 400, query
        assert error_code(response) == "invalid_parameter"


def test_delete(client: FlaskClient) -> None:
    playbook_id = create(client).json["id"]
    put(client, playbook_id, enrich_ips(name="v2"), '"1"')
    stale = client.delete(f"/api/v1/playbooks/{playbook_id}", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert client.delete(f"/api/v1/playbooks/{playbook_id}").status_code == 204
    assert client.get(f"/api/v1/playbooks/{playbook_id}").status_code == 404
    assert client.get(f"/api/v1/playbooks/{playbook_id}/versions").status_code == 404
    assert client.delete(f"/api/v1/playbooks/{playbook_id}").status_code == 404


def test_unknown_ids_are_404_with_the_error_shape(client: FlaskClient) -> None:
    response = client.get("/api/v1/playbooks/does-not-exist")
    assert response.status_code == 404
    assert response.json == {
        "error": {
            "code": "not_found",
            "message": "no playbook 'does-not-exist'",
            "details": {"resource": "playbook", "id": "does-not-exist"},
        }
    }
    assert error_code(client.get("/api/v1/nothing-here")) == "not_found"
    assert error_code(client.patch("/api/v1/playbooks")) == "method_not_allowed"


def test_validate_without_saving(client: FlaskClient) -> None:
    ok = client.post("/api/v1/playbooks/validate", json=enrich_ips())
    assert ok.json == {"valid": True, "problems": []}
    cyclic = enrich_ips()
    cyclic["edges"].append({"source": "comment", "target": "vt"})
    result = client.post("/api/v1/playbooks/validate", json=cyclic).json
    assert result["valid"] is False
    assert result["problems"][0]["code"] == "cycle"
    assert result["problems"][0]["details"]["nodes"] == ["vt", "comment"]
    assert client.get("/api/v1/playbooks").json["total"] == 0


def test_runs_are_counted(client: FlaskClient, app: Any) -> None:
    from soarflow.api.extensions import db_session
    from soarflow.store.models import Run

    created = create(client).json
    playbook_id, workspace_id = created["id"], created["workspace_id"]
    with app.app_context():
        session = db_session()
        session.add_all(
            [
                Run(playbook_id=playbook_id, playbook_version=1, workspace_id=workspace_id)
                for _ in range(3)
            ]
        )
        session.commit()
    assert client.get(f"/api/v1/playbooks/{playbook_id}").json["runs_count"] == 3
    assert client.get("/api/v1/playbooks").json["data"][0]["runs_count"] == 3


def test_schema_and_health(client: FlaskClient) -> None:
    schema = client.get("/api/v1/schemas/playbook").json
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert client.get("/api/v1/health").json == {"status": "ok", "database": "ok"}


def test_a_draft_may_hold_what_the_columns_cannot(client: FlaskClient) -> None:
    long_description = "d" * 5000
    body = create(client, enrich_ips(description=long_description)).json
    assert body["valid"] is False
    assert [p["path"] for p in body["problems"]] == ["$.description"]
    assert body["document"]["description"] == long_description
    assert len(body["description"]) == 4000


def test_version_numbers_beyond_the_column_are_not_found(client: FlaskClient) -> None:
    playbook_id = create(client).json["id"]
    for number in ("2147483648", "99999999999999999999999"):
        response = client.get(f"/api/v1/playbooks/{playbook_id}/versions/{number}")
        assert response.status_code == 404
        restore = client.post(f"/api/v1/playbooks/{playbook_id}/versions/{number}/restore")
        assert restore.status_code == 404


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=playbook_like)
def test_any_playbook_shaped_document_is_saved_or_refused_never_a_500(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    response = client.post("/api/v1/playbooks", json=document)
    assert response.status_code in {201, 400, 422}, response.json
    if response.status_code == 201:
        assert client.get(response.headers["Location"]).json["document"] == document
