"""The webhook trigger over HTTP, on SQLite and PostgreSQL: the URL a playbook gets, the calls
that start runs (bodies, limits, Standard Webhooks signatures, rate limit, sync answers), and a
flood in which every call is either taken (and its run happens) or refused with 429."""

from __future__ import annotations

import base64
import dataclasses
import io
import itertools
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col
from werkzeug.test import TestResponse

from soarflow.runtime.state import RUN_TERMINAL
from soarflow.security.roles import Role
from soarflow.security.webhook_signature import signature
from soarflow.store.models import Webhook
from soarflow.store.runs import RUN
from tests.api.test_runs_api import assert_error, body, fetch, steps

FLOOD_CALLS = 1000
FLOOD_DEADLINE_S = 20.0


@pytest.fixture
def app(app: Flask) -> Flask:
    """Playbooks here use the core triggers and Response action: validate against the shipped
    connectors, as the server does."""
    app.extensions["soarflow.catalog"] = app.extensions["soarflow.registry"]
    return app


def hooked(params: dict[str, Any] | None = None, *nodes: dict[str, Any]) -> dict[str, Any]:
    """A webhook playbook: its action nodes one after the other."""
    ids = ["call", *(str(node["id"]) for node in nodes)]
    return {
        "format": "soarflow.playbook/v1",
        "name": "hooked",
        "trigger": {"id": "call", "type": "core.webhook", "params": params or {}},
        "nodes": [{"kind": "action", **node} for node in nodes],
        "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)],
    }


def compose(node_id: str, value: Any) -> dict[str, Any]:
    return {"id": node_id, "action": "core.compose", "inputs": {"value": value}}


def answer(node_id: str, **inputs: Any) -> dict[str, Any]:
    return {"id": node_id, "action": "core.response", "inputs": inputs}


def delay(node_id: str, duration: str) -> dict[str, Any]:
    return {"id": node_id, "action": "core.delay", "inputs": {"duration": duration}}


def create(client: FlaskClient, document: dict[str, Any], *, enabled: bool = True) -> str:
    created = client.post("/api/v1/playbooks", json=document)
    assert created.status_code == 201, created.json
    assert created.json["problems"] == []
    playbook_id: str = created.json["id"]
    if enabled:
        assert client.post(f"/api/v1/playbooks/{playbook_id}/enable").status_code == 200
    return playbook_id


def hook_of(client: FlaskClient, playbook_id: str) -> str:
    """The path of the playbook's webhook."""
    shown = client.get(f"/api/v1/playbooks/{playbook_id}/webhook")
    assert shown.status_code == 200, shown.json
    return urlsplit(shown.json["url"]).path


def save(client: FlaskClient, playbook_id: str, document: dict[str, Any]) -> None:
    saved = client.put(f"/api/v1/playbooks/{playbook_id}", json=document, headers={"If-Match": "*"})
    assert saved.status_code == 200, saved.json


def run_of(client: FlaskClient, response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 202, response.get_data(as_text=True)
    assert set(body(response)) == {"run_id"}
    return fetch(client, response.json["run_id"])


def signed_headers(
    secret: str, raw: bytes, message_id: str = "msg_1", timestamp: int | None = None
) -> dict[str, str]:
    moment = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(moment),
        "webhook-signature": signature(secret, message_id, moment, raw),
    }


def test_a_webhook_playbook_gets_a_url_of_its_own(client: FlaskClient) -> None:
    first = create(client, hooked(), enabled=False)
    shown = client.get(f"/api/v1/playbooks/{first}/webhook")
    assert shown.status_code == 200
    assert set(body(shown)) == {"url", "signature", "secret_set"}
    assert (shown.json["signature"], shown.json["secret_set"]) == ("none", False)
    url = urlsplit(shown.json["url"])
    assert (url.scheme, url.netloc) == ("http", "localhost")
    hook_id = url.path.removeprefix("/api/v1/hooks/")
    # 16 random bytes, URL-safe: the URL is a credential, owing nothing to the playbook's id.
    assert len(base64.urlsafe_b64decode(hook_id + "==")) == 16
    assert first.replace("-", "") not in hook_id.replace("-", "")
    second = create(client, hooked(), enabled=False)
    assert hook_of(client, second) != url.path

    save(client, first, hooked({"mode": "sync"}))
    assert hook_of(client, first) == url.path
    manual = {**hooked(), "trigger": {"id": "call", "type": "core.manual"}}
    save(client, first, manual)
    gone = assert_error(client.get(f"/api/v1/playbooks/{first}/webhook"), 404, "no_webhook")
    assert gone["details"] == {"playbook_id": first}
    assert_error(client.post(f"/api/v1/playbooks/{first}/webhook/rotate"), 404, "no_webhook")
    save(client, first, hooked())
    assert hook_of(client, first) == url.path  # senders keep the URL they know
    assert_error(client.get("/api/v1/playbooks/nope/webhook"), 404, "not_found")


def test_only_designers_see_the_url(client_for: Any) -> None:
    playbook_id = create(client_for(Role.OWNER), hooked(), enabled=False)
    path = f"/api/v1/playbooks/{playbook_id}/webhook"
    for role in (Role.OWNER, Role.PLAYBOOK_CONTRIBUTOR):
        assert client_for(role).get(path).status_code == 200
        assert client_for(role).post(f"{path}/rotate").status_code == 200
    for role in (Role.READER, Role.RESPONDER, Role.PLAYBOOK_OPERATOR, Role.AUTOMATION_CONTRIBUTOR):
        assert_error(client_for(role).get(path), 403, "forbidden")
        assert_error(client_for(role).post(f"{path}/rotate"), 403, "forbidden")


def test_a_call_starts_a_run_with_the_call_as_its_trigger(
    client: FlaskClient, anonymous: FlaskClient
) -> None:
    document = hooked({}, compose("seen", "{{ trigger.body.alert.id }} via {{ trigger.method }}"))
    hook = hook_of(client, create(client, document))
    response = anonymous.post(
        f"{hook}?source=edr&tag=a&tag=b",
        json={"alert": {"id": "A-1", "severity": "High"}},
        headers={
            "Authorization": "Bearer not-ours",
            "Cookie": "session=abc",
            "X-Vendor-Event": "alert",
            "webhook-signature": "v1,ignored",
        },
    )
    run = run_of(client, response)
    assert (run["trigger_type"], run["status"], run["started_by"]) == ("webhook", "succeeded", None)
    trigger = run["trigger"]
    assert set(trigger) == {"body", "headers", "query", "method", "received_at"}
    assert trigger["body"] == {"alert": {"id": "A-1", "severity": "High"}}
    assert trigger["query"] == {"source": "edr", "tag": "a"}
    assert trigger["method"] == "POST"
    assert trigger["received_at"].endswith("Z")
    headers = trigger["headers"]
    assert headers["x-vendor-event"] == "alert"
    assert headers["content-type"] == "application/json"
    assert not {"authorization", "cookie", "webhook-signature"} & set(headers)
    assert steps(run)["seen"]["output"] == "A-1 via POST"
    listed = client.get("/api/v1/runs", query_string={"trigger": "webhook"}).json
    assert [found["id"] for found in listed["data"]] == [run["id"]]


def test_unknown_disabled_and_changed_webhooks_look_alike(
    client: FlaskClient, anonymous: FlaskClient
) -> None:
    playbook_id = create(client, hooked(), enabled=False)
    hook = hook_of(client, playbook_id)
    unknown = anonymous.post("/api/v1/hooks/AAAAAAAAAAAAAAAAAAAAAA", json={})
    assert_error(unknown, 404, "webhook_not_found")
    assert_error(anonymous.post("/api/v1/hooks/" + "x" * 500, json={}), 404, "webhook_not_found")
    disabled = anonymous.post(hook, json={})
    assert disabled.json == unknown.json
    assert client.post(f"/api/v1/playbooks/{playbook_id}/enable").status_code == 200
    assert anonymous.post(hook, json={}).status_code == 202
    save(client, playbook_id, {**hooked(), "trigger": {"id": "call", "type": "core.manual"}})
    assert anonymous.post(hook, json={}).json == unknown.json


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b"plain words", "text/plain", "plain words"),
        (b"a=1&b=two", "application/x-www-form-urlencoded", "a=1&b=two"),
        ("caf\u00e9".encode("latin-1"), "text/plain; charset=latin-1", "caf\u00e9"),
        (b"<x>1</x>", "application/xml", "<x>1</x>"),
        (b'{"a": [1]}', "application/cloudevents+json", {"a": [1]}),
        (b"", "application/octet-stream", None),
    ],
    ids=["text", "form", "latin-1", "xml", "+json", "empty"],
)
def test_bodies_the_playbook_gets(
    client: FlaskClient, anonymous: FlaskClient, data: bytes, content_type: str, expected: Any
) -> None:
    hook = hook_of(client, create(client, hooked()))
    response = anonymous.post(hook, data=data, content_type=content_type)
    assert run_of(client, response)["trigger"]["body"] == expected


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"\x00\x01", "application/octet-stream", 415, "unsupported_media_type"),
        (b"{}", "", 415, "unsupported_media_type"),
        (b'{"a": ', "application/json", 400, "invalid_json"),
        (b"\xff\xfe", "text/plain", 400, "invalid_text"),
        (b"nul \x00 here", "text/plain", 400, "bad_request"),
    ],
    ids=["binary", "no type", "bad json", "bad utf-8", "nul"],
)
def test_bodies_refused(
    client: FlaskClient,
    anonymous: FlaskClient,
    data: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    hook = hook_of(client, create(client, hooked()))
    assert_error(anonymous.post(hook, data=data, content_type=content_type), status, code)
    assert client.get("/api/v1/runs").json["total"] == 0


class CountingStream(io.BytesIO):
    """A request body that notes how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_a_body_over_the_limit_is_refused_unread(
    client: FlaskClient, anonymous: FlaskClient
) -> None:
    hook = hook_of(client, create(client, hooked({"max_body_bytes": 100})))
    assert anonymous.post(hook, data=b"x" * 100, content_type="text/plain").status_code == 202
    declared = CountingStream(b"x" * 5000)
    refused = anonymous.post(
        hook, input_stream=declared, content_length=5000, content_type="text/plain"
    )
    assert assert_error(refused, 413, "too_large")["details"] == {"limit": 100}
    assert declared.taken == 0
    # Sent in chunks, without a length: read up to the limit and no further.
    chunked = CountingStream(b"x" * 50_000)
    refused = anonymous.post(
        hook,
        input_stream=chunked,
        content_type="text/plain",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_error(refused, 413, "too_large")
    assert chunked.taken <= 101
    # The app's own 2 MB limit does not cap a webhook that allows more.
    roomy = hook_of(client, create(client, hooked({"max_body_bytes": 3 * 1024 * 1024})))
    large = b'"' + b"x" * (2 * 1024 * 1024 + 10) + b'"'
    assert anonymous.post(roomy, data=large, content_type="application/json").status_code == 202


def test_signed_calls(client: FlaskClient, anonymous: FlaskClient, engine: Engine) -> None:
    playbook_id = create(client, hooked({"signature": "standard"}))
    hook = hook_of(client, playbook_id)
    raw = b'{"event": "signed"}'
    unsigned = anonymous.post(hook, data=raw, content_type="application/json")
    assert_error(unsigned, 401, "invalid_signature")  # no secret made yet

    made = client.post(f"/api/v1/playbooks/{playbook_id}/webhook/rotate")
    assert made.status_code == 200
    secret = made.json["secret"]
    assert secret.startswith("whsec_")
    assert (made.json["secret_set"], made.json["signature"]) == (True, "standard")
    assert urlsplit(made.json["url"]).path == hook
    shown = client.get(f"/api/v1/playbooks/{playbook_id}/webhook").json
    assert shown == {"url": made.json["url"], "signature": "standard", "secret_set": True}
    with engine.connect() as connection:
        stored = connection.execute(select(col(Webhook.secret))).scalar_one()
    assert secret.removeprefix("whsec_") not in stored

    def call(headers: dict[str, str], data: bytes = raw) -> TestResponse:
        return anonymous.post(hook, data=data, content_type="application/json", headers=headers)

    good = signed_headers(secret, raw, "msg_1")
    run = run_of(client, call(good))
    assert run["trigger"]["headers"]["webhook-id"] == "msg_1"
    assert "webhook-signature" not in run["trigger"]["headers"]
    assert_error(call(good), 401, "replayed")
    assert_error(call(signed_headers(secret, raw + b" ", "msg_2")), 401, "invalid_signature")
    assert_error(call({}), 401, "invalid_signature")
    stale = signed_headers(secret, raw, "msg_3", int(time.time()) - 6 * 60)
    assert_error(call(stale), 401, "stale_timestamp")

    # A signed call refused for its body does not use up its webhook-id.
    binary = signed_headers(secret, b"\x00", "msg_4")
    refused = anonymous.post(
        hook, data=b"\x00", content_type="application/octet-stream", headers=binary
    )
    assert_error(refused, 415, "unsupported_media_type")
    assert call(signed_headers(secret, raw, "msg_4")).status_code == 202

    renewed = client.post(f"/api/v1/playbooks/{playbook_id}/webhook/rotate").json["secret"]
    assert renewed != secret
    assert_error(call(signed_headers(secret, raw, "msg_5")), 401, "invalid_signature")
    assert call(signed_headers(renewed, raw, "msg_5")).status_code == 202
    assert client.get("/api/v1/runs").json["total"] == 3


def test_calls_over_the_rate_are_refused_with_retry_after(
    client: FlaskClient, anonymous: FlaskClient
) -> None:
    hook = hook_of(client, create(client, hooked({"rate_limit_per_minute": 2})))
    assert [anonymous.post(hook, json={}).status_code for _ in range(2)] == [202, 202]
    refused = assert_error(anonymous.post(hook, json={}), 429, "rate_limited")
    retry = int(anonymous.post(hook, json={}).headers["Retry-After"])
    assert 1 <= retry <= 30
    assert refused["details"]["retry_after"] >= 1
    other = hook_of(client, create(client, hooked({"rate_limit_per_minute": 2})))
    assert anonymous.post(other, json={}).status_code == 202  # each webhook has its own


def test_sync_mode_answers_with_the_response_step(
    client: FlaskClient, anonymous: FlaskClient
) -> None:
    document = hooked(
        {"mode": "sync"},
        answer(
            "reply",
            status_code=201,
            headers={"X-Ticket": "T-{{ trigger.body.n }}", "Cache-Control": "no-store"},
            body={"ticket": "{{ trigger.body.n }}", "ok": True},
        ),
        # A Response answers when it has run, not when the whole run ends.
        delay("later", "PT1H"),
    )
    hook = hook_of(client, create(client, document))
    response = anonymous.post(hook, json={"n": 7})
    assert response.status_code == 201
    assert response.json == {"ticket": 7, "ok": True}  # one expression keeps its type
    assert response.headers["X-Ticket"] == "T-7"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    [run_id] = [run["id"] for run in client.get("/api/v1/runs").json["data"]]
    assert fetch(client, run_id)["status"] == "waiting"

    text = hooked({"mode": "sync"}, answer("reply", body="pong"))
    reply = anonymous.post(hook_of(client, create(client, text)), json={})
    assert (reply.status_code, reply.get_data(as_text=True)) == (200, "pong")
    assert reply.mimetype == "text/plain"


def test_sync_mode_without_an_answer_is_202(client: FlaskClient, anonymous: FlaskClient) -> None:
    # No Response step: the run's end is awaited, then its id is the answer.
    plain = hook_of(client, create(client, hooked({"mode": "sync"}, compose("a", 1))))
    assert run_of(client, anonymous.post(plain, json={}))["status"] == "succeeded"
    # A Response that refuses its header fails, and the run with it.
    cookie = answer("reply", headers={"Set-Cookie": "session=stolen"})
    refused = hook_of(client, create(client, hooked({"mode": "sync"}, cookie)))
    run = run_of(client, anonymous.post(refused, json={}))
    assert run["status"] == "failed"
    assert steps(run)["reply"]["error"]["code"] == "forbidden_header"
    # The Response comes after the timeout: 202 once the timeout has passed.
    slow = hooked({"mode": "sync", "timeout": "PT1S"}, delay("wait", "PT1H"), answer("reply"))
    hook = hook_of(client, create(client, slow))
    started = time.monotonic()
    late = run_of(client, anonymous.post(hook, json={}))
    assert 1.0 <= time.monotonic() - started < 10
    assert late["status"] == "waiting"


@pytest.fixture
def threaded(app: Flask) -> Flask:
    """The server's runtime: steps and timers on their own threads, after the request."""
    settings = app.extensions["soarflow.settings"]
    app.extensions["soarflow.settings"] = dataclasses.replace(settings, executor="threads")
    return app


def test_a_flood_of_calls_loses_none(threaded: Flask, client: FlaskClient, engine: Engine) -> None:
    """1,000 calls in a few seconds: each is taken (202) or refused (429), and every run taken
    is stored before its 202 and then finishes."""
    # A delay makes each run go on after its call is answered, on the runtime's threads.
    document = hooked({}, compose("seen", "{{ trigger.body.n }}"), delay("pause", "PT0.2S"))
    hook = hook_of(client, create(client, document))
    stored: list[bool] = []

    def call(number: int) -> tuple[int, str | None]:
        response = threaded.test_client().post(hook, json={"n": number})
        if response.status_code != 202:
            return response.status_code, response.headers.get("Retry-After")
        run_id: str = response.json["run_id"]
        with engine.connect() as connection:
            found = connection.execute(select(RUN.c.id).where(RUN.c.id == run_id)).first()
        stored.append(found is not None)
        return 202, run_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(call, range(FLOOD_CALLS)))

    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {202, 429}, statuses
    # The bucket holds a minute's allowance (600); a few more trickle in while the flood lasts.
    assert 600 <= statuses[202] < FLOOD_CALLS
    assert all(retry and int(retry) >= 1 for status, retry in answers if status == 429)
    assert stored == [True] * statuses[202]
    taken = {run_id for status, run_id in answers if status == 202}
    deadline = time.monotonic() + FLOOD_DEADLINE_S
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = connection.execute(select(RUN.c.id, RUN.c.status)).all()
        if all(status in RUN_TERMINAL for _, status in rows) and len(rows) == len(taken):
            break
        time.sleep(0.1)
    assert {run_id for run_id, _ in rows} == taken
    assert Counter(status for _, status in rows) == {"succeeded": len(taken)}
