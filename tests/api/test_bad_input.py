"""Bad input gets a 4xx with a stable code, never a 500, and changes nothing saved."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.fixtures import enrich_ips

JSON = "application/json"
BAD_BODIES: list[tuple[str, bytes, str, int, str]] = [
    ("not json", b"{'name': 'single quotes'}", JSON, 400, "invalid_json"),
    ("truncated", b'{"format": "soarflow.playbook/v1", "name": ', JSON, 400, "invalid_json"),
    ("empty", b"", JSON, 400, "invalid_json"),
    ("not utf-8", b'{"name": "\xff\xfe"}', JSON, 400, "invalid_json"),
    (
        "NaN",
        b'{"format": "soarflow.playbook/v1", "name": "x", "n": NaN}',
        JSON,
        400,
        "invalid_json",
    ),
    ("Infinity", b'{"n": -Infinity}', JSON, 400, "invalid_json"),
    ("overflowing number", b'{"n": 1e999}', JSON, 400, "invalid_json"),
    ("huge integer", b'{"n": ' + b"9" * 5000 + b"}", JSON, 400, "invalid_json"),
    ("duplicate keys", b'{"name": "a", "name": "b"}', JSON, 400, "invalid_json"),
    ("NUL in text", b'{"name": "a\\u0000b"}', JSON, 400, "invalid_json"),
    ("NUL in a key", b'{"a\\u0000": 1}', JSON, 400, "invalid_json"),
    ("lone surrogate", b'{"name": "\\ud800"}', JSON, 400, "invalid_json"),
    ("1,000 levels", b"[" * 1000 + b"]" * 1000, JSON, 400, "invalid_json"),
    ("100,000 levels", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, JSON, 400, "invalid_json"),
    ("form post", b"name=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("text", b'{"name": "x"}', "text/plain", 415, "unsupported_media_type"),
    ("over 2 MB", b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}', JSON, 413, "too_large"),
]
IDS = [case[0] for case in BAD_BODIES]


@pytest.fixture
def saved(client: FlaskClient) -> Iterator[str]:
    response = client.post("/api/v1/playbooks", json=enrich_ips())
    assert response.status_code == 201
    playbook_id: str = response.json["id"]
    before = client.get(f"/api/v1/playbooks/{playbook_id}").json
    yield playbook_id
    after = client.get(f"/api/v1/playbooks/{playbook_id}").json
    assert after == before, "a refused request changed what was saved"
    versions = client.get(f"/api/v1/playbooks/{playbook_id}/versions").json
    assert versions["total"] == 1


def assert_error(response: TestResponse, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("name", "body", "content_type", "status", "code"), BAD_BODIES, ids=IDS)
def test_bad_bodies_change_nothing(
    client: FlaskClient,
    saved: str,
    name: str,
    body: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    headers = {"Content-Type": content_type, "If-Match": '"1"'}
    for method, url in (
        ("PUT", f"/api/v1/playbooks/{saved}"),
        ("POST", "/api/v1/playbooks"),
        ("POST", "/api/v1/playbooks/validate"),
    ):
        response = client.open(url, method=method, data=body, headers=headers)
        assert_error(response, status, code)
    assert client.get("/api/v1/playbooks").json["total"] == 1


def test_problems_name_the_path_of_a_bad_character(client: FlaskClient) -> None:
    body = json.dumps({"nodes": [{"title": "a\u0000"}]}).encode()
    response = client.post("/api/v1/playbooks", data=body, content_type=JSON)
    assert response.json["error"]["details"]["path"] == "$.nodes[0].title"


def test_an_unsupported_media_type_names_the_one_sent(client: FlaskClient) -> None:
    response = client.post("/api/v1/playbooks", data="x", content_type="text/csv")
    assert response.json["error"]["details"] == {"content_type": "text/csv"}


def test_json_with_a_charset_and_vendor_types_are_accepted(client: FlaskClient) -> None:
    body = json.dumps(enrich_ips())
    for content_type in ("application/json; charset=utf-8", "application/vnd.soarflow+json"):
        response = client.post("/api/v1/playbooks/validate", data=body, content_type=content_type)
        assert response.status_code == 200


def test_a_valid_body_still_saves_after_bad_ones(client: FlaskClient, saved: str) -> None:
    client.put(
        f"/api/v1/playbooks/{saved}", data=b"{", content_type=JSON, headers={"If-Match": '"1"'}
    )
    created = client.post("/api/v1/playbooks", json=enrich_ips(name="after the storm"))
    assert created.status_code == 201
    client.delete(f"/api/v1/playbooks/{created.json['id']}")
