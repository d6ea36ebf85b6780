"""The run trace through the API on SQLite and PostgreSQL: a run's first steps and the pages of
the rest, the steps of one loop iteration (nested loops too), each iteration's status, the
attempts of a retried step, ETags, a playbook's runs per day, and who or what started a run.

Runs go through the real runtime (the app's executor is inline; a retry waits on the runner's
timer thread) and call a local fake of VirusTotal, and a fake vault whose actions take a secret
input and give a secret output. Playbooks are checked against the connectors themselves, as in
production."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from sqlalchemy import select

from soarflow.api.extensions import secret_box
from soarflow.app import create_app
from soarflow.config import Settings
from soarflow.connectors import ConnectorRegistry
from soarflow.runtime.state import RUN_TERMINAL
from soarflow.security.roles import Role
from soarflow.store.runs import RUN, SEALED, STEP
from tests.api.test_incidents_api import elsewhere, ingested
from tests.api.test_openapi import fits, spec
from tests.api.test_runs_api import assert_error, body, create, fetch, moment, start, steps
from tests.connectors.fakes import SHIPPED_CONNECTORS, serving, shipped_manifest
from tests.fixtures import Person, manual_chain
from tests.incident_support import alert_body

SECRET = "vt-key-0a9b8c7d6e5f4a3b2c1d"
PASSPHRASE = "open sesame 7f3e9a"
VAULT_SECRET = "Kv~graph-app-secret.0a1b2c3d4e5f"
IPS = ["203.0.113.10", "203.0.113.11", "203.0.113.12"]
SETTLE_S = 15.0
STEP_PAGE = 200


@dataclass
class FakeVendors:
    """A fake VirusTotal and a fake vault, and what they saw. VirusTotal answers 404 for the
    `unknown` IPs and 429 (with `retry_after`) while an IP is `busy`; the vault answers 503 (with
    Retry-After 0) while `vault_busy`."""

    url: str = ""
    unknown: set[str] = field(default_factory=set)
    busy: Counter[str] = field(default_factory=Counter)
    retry_after: str = "0"
    vault_busy: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    passphrases: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def vendors_server() -> Iterator[FakeVendors]:
    fake = FakeVendors()
    app = Flask("trace-fakes")

    @app.get("/api/v3/ip_addresses/<ip>")
    def ip_report(ip: str) -> Any:
        fake.hits[ip] += 1
        if fake.busy[ip] > 0:
            fake.busy[ip] -= 1
            quota = {"code": "QuotaExceededError", "message": "slow down"}
            return jsonify(error=quota), 429, {"Retry-After": fake.retry_after}
        if ip in fake.unknown:
            return jsonify(error={"code": "NotFoundError", "message": f"{ip} not found"}), 404
        # A careless vendor that repeats the key it was sent.
        owner = f"looked up with {request.headers.get('x-apikey')}"
        attributes = {"reputation": -3, "as_owner": owner}
        return jsonify(data={"id": ip, "type": "ip_address", "links": {}, "attributes": attributes})

    @app.post("/vault/unlock")
    def unlock() -> Any:
        sent = request.get_json()
        fake.passphrases.append(sent["passphrase"])
        if fake.vault_busy > 0:
            fake.vault_busy -= 1
            return jsonify(error="busy"), 503, {"Retry-After": "0"}
        return jsonify(box=sent["box"], unlocked=sent["passphrase"] == PASSPHRASE)

    @app.get("/vault/secrets/<name>")
    def read_secret(name: str) -> Any:
        return jsonify(name=name, value=VAULT_SECRET)

    @app.post("/vault/token")
    def token() -> Any:
        # A careless token endpoint that repeats the form it was sent.
        form = request.get_data(as_text=True)
        fake.forms.append(form)
        return jsonify(access_token="token-1", received=form)

    with serving(app) as url:
        fake.url = url
        yield fake


@pytest.fixture
def vendors(vendors_server: FakeVendors) -> FakeVendors:
    vendors_server.unknown.clear()
    vendors_server.busy.clear()
    vendors_server.retry_after = "0"
    vendors_server.vault_busy = 0
    vendors_server.hits.clear()
    vendors_server.passphrases.clear()
    vendors_server.forms.clear()
    return vendors_server


def vault_manifest(fake_url: str) -> dict[str, Any]:
    """A connector with an action that takes a secret (writeOnly) input, and one whose output
    has a secret field, as Key Vault's."""
    return {
        "format": "soarflow.connector/v1",
        "id": "vault",
        "name": "Vault",
        "version": "1.0.0",
        "icon": "icon.svg",
        "connection": {
            "fields": {"type": "object", "properties": {}},
            "auth": {"type": "none"},
            "base_url": f"{fake_url}/vault",
            "allowed_hosts": ["127.0.0.1"],
        },
        "actions": [
            {
                "id": "unlock",
                "title": "Unlock a box",
                "side_effects": "write",
                "idempotent": True,
                "inputs": {
                    "type": "object",
                    "required": ["box", "passphrase"],
                    "additionalProperties": False,
                    "properties": {
                        "box": {"type": "string"},
                        "passphrase": {"type": "string", "writeOnly": True},
                    },
                },
                "outputs": {
                    "type": "object",
                    "properties": {"box": {"type": "string"}, "unlocked": {"type": "boolean"}},
                },
                "request": {
                    "method": "POST",
                    "path": "/unlock",
                    "body": {"box": "{{ inputs.box }}", "passphrase": "{{ inputs.passphrase }}"},
                },
            },
            {
                "id": "read_secret",
                "title": "Read a secret",
                "side_effects": "read",
                "idempotent": True,
                "inputs": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}},
                },
                "outputs": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "value": {"type": "string", "writeOnly": True},
                    },
                },
                "request": {"method": "GET", "path": "/secrets/{{ inputs.name }}"},
            },
        ],
    }


@pytest.fixture(scope="module")
def connectors_dir(tmp_path_factory: pytest.TempPathFactory, vendors_server: FakeVendors) -> Path:
    """The shipped core and soarflow connectors, VirusTotal's manifest with its connection on
    the fake, and the vault."""
    folder = tmp_path_factory.mktemp("trace") / "connectors"
    for connector_id in ("core", "soarflow", "virustotal"):
        shutil.copytree(SHIPPED_CONNECTORS / connector_id, folder / connector_id)
    manifest = shipped_manifest("virustotal", vendors_server.url)
    (folder / "virustotal" / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    vault = folder / "vault"
    vault.mkdir()
    (vault / "manifest.yaml").write_text(yaml.safe_dump(vault_manifest(vendors_server.url)))
    shutil.copyfile(SHIPPED_CONNECTORS / "core" / "icon.svg", vault / "icon.svg")
    return folder


@pytest.fixture(scope="module")
def registry(connectors_dir: Path) -> ConnectorRegistry:
    """Loaded once: loading takes most of a second."""
    loaded = ConnectorRegistry.load(connectors_dir)
    assert loaded.problems == []
    return loaded


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, connectors_dir: Path, registry: ConnectorRegistry
) -> Iterator[Flask]:
    """As the shared app, but with the connectors as the catalog (the test catalog knows no
    secret input)."""
    settings = Settings(
        database_url,
        frontend_dir=tmp_path / "no-frontend",
        connectors_dir=connectors_dir,
        var_dir=tmp_path / "var",
        allowed_networks="127.0.0.0/8",
        executor="inline",
    )
    app = create_app(settings, registry=registry)
    app.config["TESTING"] = True
    yield app
    if "soarflow.runner" in app.extensions:
        app.extensions["soarflow.runner"].close()
    app.extensions["soarflow.engine"].dispose()


@pytest.fixture
def vt_connection(client: FlaskClient, vendors: FakeVendors) -> str:
    connection = {"connector": "virustotal", "name": "vt-main", "fields": {"api_key": SECRET}}
    response = client.post("/api/v1/connections", json=connection)
    assert response.status_code == 201, response.json
    return "vt-main"


# -- playbooks ----------------------------------------------------------------------------------


def manual(name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """A playbook run by hand, its trigger `t` leading to the first node."""
    first = {"source": "t", "target": nodes[0]["id"]}
    return {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": {"id": "t", "type": "core.manual"},
        "nodes": nodes,
        "edges": [first, *edges],
    }


def foreach(node_id: str, items: str, **settings: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": "foreach", "items": items, **settings}


def inside(loop_id: str, node: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "action", **node, "parent": loop_id, "branch": "body"}


def enters(loop_id: str, node_id: str) -> dict[str, Any]:
    return {"source": loop_id, "target": node_id, "branch": "body"}


def compose(node_id: str, value: Any) -> dict[str, Any]:
    return {"id": node_id, "action": "core.compose", "inputs": {"value": value}}


def lookup(node_id: str, ip: str, **settings: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "action": "virustotal.get_ip_report",
        "connection": "vt-main",
        "inputs": {"ip": ip},
        **settings,
    }


def look_up_each_ip() -> dict[str, Any]:
    """For each IP: look it up, then say what its reputation is."""
    return manual(
        "Look up each IP",
        [
            foreach("each_ip", "{{ trigger.ips }}"),
            inside("each_ip", lookup("vt", "{{ item }}")),
            inside(
                "each_ip",
                compose("verdict", "{{ item }}: {{ steps.vt.output.data.attributes.reputation }}"),
            ),
        ],
        [enters("each_ip", "vt"), {"source": "vt", "target": "verdict"}],
    )


def pause_in_each(concurrency: int) -> dict[str, Any]:
    """A loop whose every iteration waits an hour."""
    pause = {"id": "pause", "action": "core.delay", "inputs": {"duration": "PT1H"}}
    return manual(
        "Pause in each",
        [foreach("each", "{{ trigger.items }}", concurrency=concurrency), inside("each", pause)],
        [enters("each", "pause")],
    )


# -- reading the API ----------------------------------------------------------------------------


def started(client: FlaskClient, document: dict[str, Any], trigger: Any) -> dict[str, Any]:
    """Create the playbook, start a run of it; the run as GET shows it."""
    return start(client, create(client, document), trigger)


def settled(client: FlaskClient, run_id: str) -> dict[str, Any]:
    """The run once it has ended: a retry runs on the runner's timer thread."""
    deadline = time.monotonic() + SETTLE_S
    run = fetch(client, run_id)
    while run["status"] not in RUN_TERMINAL and time.monotonic() < deadline:
        time.sleep(0.05)
        run = fetch(client, run_id)
    assert run["status"] in RUN_TERMINAL, run
    return run


def frame(client: FlaskClient, run_id: str, where: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/runs/{run_id}/steps", query_string={"frame": where})
    assert response.status_code == 200, response.json
    page = body(response)
    assert (page["total"], page["next"]) == (len(page["data"]), None)
    found: list[dict[str, Any]] = page["data"]
    return found


def keys(found: list[dict[str, Any]]) -> list[str]:
    return [step["key"] for step in found]


def iterations(client: FlaskClient, run_id: str, loop: str, **query: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/runs/{run_id}/iterations", query_string={"loop": loop, **query})
    assert response.status_code == 200, response.json
    page: dict[str, Any] = body(response)
    assert page["loop"] == loop
    return page


def statuses(page: dict[str, Any]) -> list[tuple[int, str]]:
    return [(item["index"], item["status"]) for item in page["data"]]


def all_pages(client: FlaskClient, url: str | None) -> list[dict[str, Any]]:
    """Every item of a paged list, following `next`."""
    found: list[dict[str, Any]] = []
    while url is not None:
        page = body(client.get(url))
        found += page["data"]
        url = page["next"]
    return found


def run_stats(client: FlaskClient, playbook_id: str, **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/playbooks/{playbook_id}/run-stats", query_string=query)
    assert response.status_code == 200, response.json
    assert response.json["playbook_id"] == playbook_id
    days: list[dict[str, Any]] = response.json["days"]
    return days


# -- tests --------------------------------------------------------------------------------------


def test_each_iteration_has_its_status_and_its_own_steps(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    vendors.unknown.add(IPS[1])
    run = started(client, look_up_each_ip(), {"ips": IPS})
    assert run["status"] == "failed"
    assert (run["steps_total"], run["steps_next"]) == (len(run["steps"]), None)
    loop = steps(run)["each_ip"]
    assert (loop["status"], loop["iterations"], loop["attempt_log"]) == ("failed", 3, [])
    assert steps(run)["each_ip[0]/vt"]["iterations"] is None

    page = iterations(client, run["id"], "each_ip")
    assert statuses(page) == [(0, "succeeded"), (1, "failed"), (2, "succeeded")]
    assert (page["total"], page["next"]) == (3, None)
    for item in page["data"]:
        assert moment(run["started_at"]) <= moment(item["started_at"])
        assert moment(item["started_at"]) <= moment(item["ended_at"]) <= moment(run["ended_at"])

    failing = frame(client, run["id"], "each_ip[1]/")
    assert keys(failing) == ["each_ip[1]/vt", "each_ip[1]/verdict"]
    vt, verdict = failing
    assert (vt["status"], vt["inputs"], vt["output"]) == ("failed", {"ip": IPS[1]}, None)
    assert (vt["error"]["code"], vt["error"]["details"]["status"]) == ("http_error", 404)
    assert [(a["attempt"], a["status"]) for a in vt["attempt_log"]] == [(1, "failed")]
    assert (verdict["status"], verdict["output"]) == ("skipped", None)

    vt, verdict = frame(client, run["id"], "each_ip[0]/")
    assert (vt["status"], vt["inputs"]) == ("succeeded", {"ip": IPS[0]})
    assert vt["output"]["data"]["id"] == IPS[0]
    said = f"{IPS[0]}: -3"
    assert (verdict["inputs"], verdict["output"]) == ({"value": said}, said)
    [attempt] = verdict["attempt_log"]
    assert (attempt["attempt"], attempt["status"], attempt["error"]) == (1, "succeeded", None)
    assert (attempt["started_at"], attempt["ended_at"]) == (
        verdict["started_at"],
        verdict["ended_at"],
    )

    assert keys(frame(client, run["id"], "")) == ["t", "each_ip"]
    assert frame(client, run["id"], "each_ip[3]/") == []
    assert frame(client, run["id"], "each_i[0]/") == [], "a frame is a whole loop name"


def test_iterations_filter_by_status_and_page(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    vendors.unknown.update({IPS[0], IPS[2]})
    run_id = started(client, look_up_each_ip(), {"ips": [*IPS, "203.0.113.13"]})["id"]

    failed = iterations(client, run_id, "each_ip", status="failed")
    assert (statuses(failed), failed["total"]) == ([(0, "failed"), (2, "failed")], 2)
    first = iterations(client, run_id, "each_ip", status="succeeded", limit=1)
    assert (statuses(first), first["total"]) == ([(1, "succeeded")], 2)
    assert "status=succeeded" in first["next"]
    rest = body(client.get(first["next"]))
    assert (statuses(rest), rest["loop"], rest["next"]) == ([(3, "succeeded")], "each_ip", None)
    assert iterations(client, run_id, "each_ip", status="not_reached")["data"] == []
    second = iterations(client, run_id, "each_ip", offset=1, limit=2)
    assert statuses(second) == [(1, "succeeded"), (2, "failed")]

    bad = assert_error(
        client.get(f"/api/v1/runs/{run_id}/iterations?loop=each_ip&status=done"),
        400,
        "invalid_parameter",
    )
    assert bad["details"]["parameter"] == "status"


def test_iterations_not_begun_are_not_reached_and_etags_follow_the_run(
    client: FlaskClient,
) -> None:
    run = started(client, pause_in_each(concurrency=1), {"items": ["a", "b", "c"]})
    assert run["status"] == "waiting"
    page = iterations(client, run["id"], "each")
    assert statuses(page) == [(0, "waiting"), (1, "not_reached"), (2, "not_reached")]
    assert page["data"][0]["ended_at"] is None
    assert (page["data"][1]["started_at"], page["data"][1]["ended_at"]) == (None, None)
    unreached = iterations(client, run["id"], "each", status="not_reached", limit=1)
    assert (statuses(unreached), unreached["total"]) == ([(1, "not_reached")], 2)
    assert [item["index"] for item in all_pages(client, unreached["next"])] == [2]

    run_url = f"/api/v1/runs/{run['id']}"
    frame_url = f"{run_url}/steps?frame=each%5B0%5D/"
    before = {url: client.get(url) for url in (run_url, frame_url)}
    for url, response in before.items():
        assert response.status_code == 200
        assert response.headers["ETag"], url
        unchanged = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert (unchanged.status_code, unchanged.get_data()) == (304, b""), url
        assert unchanged.headers["ETag"] == response.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    assert client.post(f"{run_url}/cancel").status_code == 200
    for url, response in before.items():
        moved = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert moved.status_code == 200, url
        assert moved.headers["ETag"] != response.headers["ETag"]
    assert body(client.get(frame_url))["data"][0]["status"] == "cancelled"
    after = iterations(client, run["id"], "each")
    assert statuses(after) == [(0, "cancelled"), (1, "not_reached"), (2, "not_reached")]


def test_a_large_run_pages_its_steps_each_once(client: FlaskClient) -> None:
    document = manual(
        "Many items",
        [foreach("each", "{{ trigger.items }}"), inside("each", compose("say", "{{ item }}"))],
        [enters("each", "say")],
    )
    run = started(client, document, {"items": list(range(250))})
    assert run["status"] == "succeeded", run["error"]
    every_key = {"t", "each", *(f"each[{n}]/say" for n in range(250))}
    assert run["steps_total"] == len(every_key) == 252
    assert len(run["steps"]) == STEP_PAGE
    assert run["steps_next"] == f"/api/v1/runs/{run['id']}/steps?offset=200&limit=200"
    rest = body(client.get(run["steps_next"]))
    assert (len(rest["data"]), rest["total"], rest["next"]) == (52, 252, None)
    in_order = keys(run["steps"]) + keys(rest["data"])
    assert in_order[:3] == ["t", "each", "each[0]/say"]
    assert set(in_order) == every_key
    assert len(in_order) == len(every_key), "no step twice"

    paged = all_pages(client, f"/api/v1/runs/{run['id']}/steps?limit=37")
    assert keys(paged) == in_order
    assert paged[-1]["output"] == 249

    loop = iterations(client, run["id"], "each", limit=200)
    assert (loop["total"], len(loop["data"])) == (250, 200)
    assert loop["next"] is not None
    assert {item["status"] for item in loop["data"]} == {"succeeded"}

    url = f"/api/v1/runs/{run['id']}"
    first_ten = body(client.get(url, query_string={"steps": 10}))
    assert (keys(first_ten["steps"]), first_ten["steps_total"]) == (in_order[:10], 252)
    assert keys(all_pages(client, first_ten["steps_next"])) == in_order[10:]
    header = body(client.get(url, query_string={"steps": 0}))
    assert header["steps"] == []
    assert keys(all_pages(client, header["steps_next"])) == in_order
    too_many = assert_error(client.get(url, query_string={"steps": 201}), 400, "invalid_parameter")
    assert too_many["details"]["parameter"] == "steps"


def test_nested_loops_frame_by_frame(client: FlaskClient) -> None:
    document = manual(
        "Nested",
        [
            foreach("outer", "{{ trigger.groups }}"),
            {**foreach("inner", "{{ item }}"), "parent": "outer", "branch": "body"},
            inside("inner", compose("say", "{{ index }}/{{ item }}")),
        ],
        [enters("outer", "inner"), enters("inner", "say")],
    )
    run = started(client, document, {"groups": [["a", "b", "c"], ["d", "e", "f"]]})
    assert run["status"] == "succeeded", run["error"]

    [deepest] = frame(client, run["id"], "outer[1]/inner[2]/")
    assert (deepest["key"], deepest["inputs"], deepest["output"]) == (
        "outer[1]/inner[2]/say",
        {"value": "2/f"},
        "2/f",
    )
    [inner] = frame(client, run["id"], "outer[1]/")
    assert (inner["key"], inner["iterations"]) == ("outer[1]/inner", 3)

    nested = iterations(client, run["id"], "outer[1]/inner")
    assert statuses(nested) == [(0, "succeeded"), (1, "succeeded"), (2, "succeeded")]
    outer = iterations(client, run["id"], "outer")
    assert statuses(outer) == [(0, "succeeded"), (1, "succeeded")]
    first_group = iterations(client, run["id"], "outer[0]/inner")["data"]
    assert moment(first_group[-1]["ended_at"]) <= moment(outer["data"][0]["ended_at"])

    for loop in ("inner", "outer[2]/inner", "outer[1]/inner[0]/say", "t", "nope"):
        url = f"/api/v1/runs/{run['id']}/iterations"
        missing = assert_error(client.get(url, query_string={"loop": loop}), 404, "not_found")
        assert loop in missing["message"]


def test_loops_whose_names_differ_only_in_case_are_apart(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    """Node ids are case-sensitive; SQLite's LIKE is not."""
    vendors.unknown.update(IPS[:2])
    document = manual(
        "Two loops",
        [
            foreach("each", "{{ trigger.ips }}"),
            inside("each", compose("say", "{{ item }}")),
            foreach("Each", "{{ trigger.ips }}"),
            inside("Each", lookup("vt", "{{ item }}")),
        ],
        [enters("each", "say"), {"source": "each", "target": "Each"}, enters("Each", "vt")],
    )
    run = started(client, document, {"ips": IPS[:2]})
    assert run["status"] == "failed"
    assert keys(frame(client, run["id"], "each[1]/")) == ["each[1]/say"]
    assert keys(frame(client, run["id"], "Each[1]/")) == ["Each[1]/vt"]
    assert statuses(iterations(client, run["id"], "each")) == [(0, "succeeded"), (1, "succeeded")]
    assert statuses(iterations(client, run["id"], "Each")) == [(0, "failed"), (1, "failed")]


def test_a_malformed_frame_is_refused(client: FlaskClient) -> None:
    run_id = started(client, manual_chain(compose("a", 1)), {})["id"]
    for where in ("x", "a[1]", "../", "a[1]/b", "a[x]/", "[1]/", "a[1]//", "/a[1]/", "a[-1]/"):
        response = client.get(f"/api/v1/runs/{run_id}/steps", query_string={"frame": where})
        error = assert_error(response, 400, "invalid_parameter")
        assert error["details"] == {"parameter": "frame", "value": where}


def test_the_trace_of_another_workspace_or_of_no_run_is_not_found(
    app: Flask, client: FlaskClient, password_hash: str
) -> None:
    other = elsewhere(app, password_hash)
    playbook_id = create(other, pause_in_each(concurrency=1))
    theirs = start(other, playbook_id, {"items": [1]})["id"]
    for run_id, playbook in ((theirs, playbook_id), ("nope", "nope")):
        for url in (
            f"/api/v1/runs/{run_id}/steps",
            f"/api/v1/runs/{run_id}/steps?frame=",
            f"/api/v1/runs/{run_id}/iterations?loop=each",
            f"/api/v1/playbooks/{playbook}/run-stats",
        ):
            assert_error(client.get(url), 404, "not_found")
            if run_id == theirs:
                assert other.get(url).status_code == 200, url


def test_the_loop_must_be_named(client: FlaskClient) -> None:
    run_id = started(client, manual_chain(compose("a", 1)), {})["id"]
    for query in ("", "?loop=", "?status=failed"):
        response = client.get(f"/api/v1/runs/{run_id}/iterations{query}")
        assert assert_error(response, 400, "invalid_parameter")["details"] == {"parameter": "loop"}


def test_a_retried_step_shows_each_attempt(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    vendors.busy[IPS[0]] = 1
    retrying = lookup("vt", "{{ trigger.ip }}", retry={"policy": "fixed", "interval": "PT1H"})
    playbook_id = create(client, manual_chain(retrying))
    run = settled(client, start(client, playbook_id, {"ip": IPS[0]})["id"])
    assert run["status"] == "succeeded", run["error"]
    assert vendors.hits[IPS[0]] == 2
    vt = steps(run)["vt"]
    assert (vt["attempts"], vt["error"]) == (2, None)
    first, last = vt["attempt_log"]
    assert (first["attempt"], first["status"]) == (1, "failed")
    assert (first["error"]["code"], first["error"]["details"]["status"]) == ("http_error", 429)
    assert (last["attempt"], last["status"], last["error"]) == (2, "succeeded", None)
    assert first["started_at"] == vt["started_at"]
    assert last["ended_at"] == vt["ended_at"]
    times = [moment(a[edge]) for a in (first, last) for edge in ("started_at", "ended_at")]
    assert times == sorted(times)

    vendors.busy[IPS[0]], vendors.retry_after = 1, "3600"
    waiting = start(client, playbook_id, {"ip": IPS[0]})
    assert waiting["status"] == "waiting"
    vt = steps(waiting)["vt"]
    assert (vt["status"], vt["attempts"]) == ("waiting", 1)
    [pending] = vt["attempt_log"]
    assert (pending["attempt"], pending["status"]) == (1, "failed"), "no attempt 2 yet"
    waited = moment(vt["wake_at"]) - moment(pending["ended_at"])
    assert abs(waited - timedelta(hours=1)) < timedelta(milliseconds=1)
    assert client.post(f"/api/v1/runs/{waiting['id']}/cancel").status_code == 200


def test_secrets_stay_hidden_in_a_frame_even_when_retried(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    vendors.vault_busy = 1
    unlock = {
        "id": "unlock",
        "action": "vault.unlock",
        "inputs": {"box": "{{ item }}", "passphrase": "{{ trigger.passphrase }}"},
        "retry": {"policy": "fixed", "interval": "PT1H"},
    }
    document = manual(
        "Unlock each",
        [
            foreach("each_ip", "{{ trigger.ips }}"),
            inside("each_ip", lookup("vt", "{{ item }}")),
            inside("each_ip", unlock),
        ],
        [enters("each_ip", "vt"), {"source": "vt", "target": "unlock"}],
    )
    begun = start(client, create(client, document), {"ips": IPS[:2], "passphrase": PASSPHRASE})
    run = settled(client, begun["id"])
    assert run["status"] == "succeeded", run["error"]
    assert vendors.passphrases == [PASSPHRASE] * 3, "a retry sends the secret, not its mask"

    for index, ip in enumerate(IPS[:2]):
        response = client.get(f"/api/v1/runs/{run['id']}/steps?frame=each_ip%5B{index}%5D/")
        text = response.get_data(as_text=True)
        assert SECRET not in text
        assert PASSPHRASE not in text
        vt, unlocked = body(response)["data"]
        assert vt["output"]["data"]["attributes"]["as_owner"] == "looked up with ***"
        assert unlocked["inputs"] == {"box": ip, "passphrase": "***"}
        assert unlocked["output"] == {"box": ip, "unlocked": True}
    logs = [steps(run)[f"each_ip[{n}]/unlock"]["attempt_log"] for n in (0, 1)]
    assert sorted(len(log) for log in logs) == [1, 2], "the vault was busy once"


def test_a_secret_output_is_used_by_later_steps_but_never_stored_or_shown(
    app: Flask, client: FlaskClient, vendors: FakeVendors
) -> None:
    """As the imported Revoke User Sessions playbook does: read a secret, then post it in a
    token request. A delay between them makes the run leave memory and be loaded again from the
    store, as after a restart: the request still carries the real secret, while every stored
    row and every API answer shows it as ***, and the store keeps it only encrypted."""
    form = "client_id=soc&client_secret={{ steps.read.output.value }}"
    document = manual(
        "Token from a vault secret",
        [
            {"id": "read", "action": "vault.read_secret", "inputs": {"name": "graph-app"}},
            {"id": "wait", "action": "core.delay", "inputs": {"duration": "PT0.3S"}},
            {
                "id": "keep",
                "action": "core.set_variable",
                "inputs": {"name": "form", "value": form},
            },
            {
                "id": "token",
                "action": "core.http_request",
                "inputs": {
                    "method": "POST",
                    "url": f"{vendors.url}/vault/token",
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                    "body": "{{ vars.form }}",
                },
            },
            {
                "id": "probe",
                "action": "core.http_request",
                "inputs": {"url": vendors.url + "/vault/missing/{{ steps.read.output.value }}"},
            },
            compose("done", "{{ steps.token.output.body.access_token }}"),
        ],
        [
            {"source": "read", "target": "wait"},
            {"source": "wait", "target": "keep"},
            {"source": "keep", "target": "token"},
            {"source": "token", "target": "probe"},
            {"source": "probe", "target": "done", "when": ["failed"]},
        ],
    )
    document["nodes"] = [{"kind": "action", **node} for node in document["nodes"]]
    document["variables"] = {"form": {"type": "string"}}
    run_id = start(client, create(client, document))["id"]
    run = settled(client, run_id)
    assert run["status"] == "succeeded", run["error"]
    assert vendors.forms == [f"client_id=soc&client_secret={VAULT_SECRET}"]

    shown = {step["key"]: step for step in all_pages(client, f"/api/v1/runs/{run_id}/steps")}
    assert shown["read"]["output"] == {"name": "graph-app", "value": "***"}
    assert shown["keep"]["output"] == {"value": "client_id=soc&client_secret=***"}
    assert shown["token"]["inputs"]["body"] == "client_id=soc&client_secret=***"
    assert shown["token"]["output"]["body"]["received"] == "client_id=soc&client_secret=***"
    assert shown["probe"]["error"]["message"].endswith("/vault/missing/*** answered 404")
    assert shown["done"]["output"] == "token-1"
    assert run["variables"] == {"form": "client_id=soc&client_secret=***"}
    answers = [
        client.get(url).get_data(as_text=True)
        for url in (
            f"/api/v1/runs/{run_id}",
            f"/api/v1/runs/{run_id}/steps",
            f"/api/v1/runs/{run_id}/steps?frame=",
            "/api/v1/runs",
        )
    ]
    for text in answers:
        assert VAULT_SECRET not in text
        assert SEALED not in text

    engine = app.extensions["soarflow.engine"]
    with engine.connect() as connection:
        rows = connection.execute(select(STEP).where(STEP.c.run_id == run_id)).mappings().all()
        run_row = connection.execute(select(RUN).where(RUN.c.id == run_id)).mappings().one()
    assert VAULT_SECRET not in json.dumps([[dict(r) for r in rows], dict(run_row)], default=str)
    with app.app_context():
        box = secret_box()
    [read] = [row for row in rows if row["key"] == "read"]
    sealed = box.decrypt(read["state"][SEALED])
    assert json.loads(sealed["output"]) == {"name": "graph-app", "value": VAULT_SECRET}
    assert json.loads(box.decrypt(run_row["variables"][SEALED])["secrets"]) == [VAULT_SECRET]


def test_run_stats_count_a_playbooks_runs_per_day(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    """Each run calls the fake, so that it lasts a few milliseconds, then ends as told."""
    ending = {"id": "end", "action": "core.terminate", "inputs": {"status": "{{ trigger.end }}"}}
    document = manual_chain(lookup("vt", IPS[0]), ending, name="Ends as told")
    playbook_id = create(client, document)
    ends = ["succeeded", "failed", "succeeded", "cancelled"]
    runs = [start(client, playbook_id, {"end": end}) for end in ends]
    assert [run["status"] for run in runs] == ends
    other = create(client, manual_chain(compose("a", 1), name="Other"))
    start(client, other)
    today = datetime.now(UTC).date()

    days = run_stats(client, playbook_id)
    assert len(days) == 30
    assert [date.fromisoformat(day["date"]) for day in days] == [
        today - timedelta(days=n) for n in range(29, -1, -1)
    ]
    *earlier, last = days
    assert last["counts"] == {"succeeded": 2, "failed": 1, "cancelled": 1, "running": 0}
    durations = sorted(run["duration_ms"] for run in runs)
    for run in runs:
        took = moment(run["ended_at"]) - moment(run["started_at"])
        assert abs(run["duration_ms"] - took / timedelta(milliseconds=1)) <= 0.51
    assert (last["p50_ms"], last["p95_ms"]) == (durations[1], durations[-1])
    for day in earlier:
        assert set(day["counts"].values()) == {0}
        assert (day["p50_ms"], day["p95_ms"]) == (None, None)

    [only] = run_stats(client, playbook_id, days=1)
    assert only == last
    assert len(run_stats(client, playbook_id, days=366)) == 366
    assert run_stats(client, other, days=1)[0]["counts"]["succeeded"] == 1


def test_run_stats_count_a_waiting_run_as_running_without_a_duration(client: FlaskClient) -> None:
    playbook_id = create(client, pause_in_each(concurrency=1))
    waiting = start(client, playbook_id, {"items": [1]})
    assert (waiting["status"], waiting["duration_ms"]) == ("waiting", None)
    [today] = run_stats(client, playbook_id, days=1)
    assert today["counts"] == {"succeeded": 0, "failed": 0, "cancelled": 0, "running": 1}
    assert (today["p50_ms"], today["p95_ms"]) == (None, None)


def test_run_stats_refuse_a_window_out_of_range(client: FlaskClient) -> None:
    playbook_id = create(client, manual_chain(compose("a", 1)))
    for days in ("0", "367", "-1", "x", "", "1.5"):
        response = client.get(f"/api/v1/playbooks/{playbook_id}/run-stats?days={days}")
        error = assert_error(response, 400, "invalid_parameter")
        assert error["details"]["parameter"] == "days", days


def test_a_run_names_its_playbook_and_who_or_what_started_it(
    client: FlaskClient, people: dict[Role, Person]
) -> None:
    by_hand = create(client, manual_chain(compose("a", 1), name="By hand"))
    manual_run = start(client, by_hand)
    owner = people[Role.OWNER]
    assert (manual_run["playbook_name"], manual_run["started_by"]) == ("By hand", owner.user_id)
    assert manual_run["started_by_name"] == owner.name
    assert (manual_run["rule_id"], manual_run["rule_name"]) == (None, None)

    named = client.patch(f"/api/v1/users/{owner.user_id}", json={"display_name": "Ada Owner"})
    assert named.status_code == 200, named.json
    assert fetch(client, manual_run["id"])["started_by_name"] == "Ada Owner"

    automatic = automated_playbook(client)
    made = client.post(
        "/api/v1/automation-rules",
        json={
            "name": "Say the title",
            "trigger": "incident_created",
            "actions": [{"type": "run_playbook", "playbook_id": automatic}],
        },
    )
    assert made.status_code == 201, made.json
    ingested(client, alert_body(source_alert_id="trace-names-1"))

    listed = body(client.get("/api/v1/runs", query_string={"playbook": automatic}))["data"]
    [summary] = listed
    rule_run = fetch(client, summary["id"])
    for shown in (summary, rule_run):
        assert (shown["trigger_type"], shown["status"]) == ("automation", "succeeded")
        assert (shown["rule_id"], shown["rule_name"]) == (made.json["id"], "Say the title")
        assert (shown["started_by"], shown["started_by_name"]) == (None, None)
        assert shown["playbook_name"] == "Say the title's playbook"
    [by_hand_listed] = body(client.get("/api/v1/runs", query_string={"playbook": by_hand}))["data"]
    assert (by_hand_listed["started_by_name"], by_hand_listed["rule_name"]) == ("Ada Owner", None)


def automated_playbook(client: FlaskClient) -> str:
    """An enabled playbook started by automation rules, saying the incident's title."""
    document = {
        "format": "soarflow.playbook/v1",
        "name": "Say the title's playbook",
        "trigger": {"id": "incident", "type": "soarflow.incident_created"},
        "nodes": [{"kind": "action", **compose("say", "{{ trigger.title }}")}],
        "edges": [{"source": "incident", "target": "say"}],
    }
    playbook_id = create(client, document)
    enabled = client.post(f"/api/v1/playbooks/{playbook_id}/enable")
    assert enabled.status_code == 200, enabled.json
    return playbook_id


def test_trace_responses_fit_the_documented_schemas(
    client: FlaskClient, vendors: FakeVendors, vt_connection: str
) -> None:
    document = spec(client)
    vendors.unknown.add(IPS[1])
    run = started(client, look_up_each_ip(), {"ips": IPS})
    item = "/api/v1/runs/{run_id}"
    fits(document, item, "get", 200, run)
    for query in ("?limit=2", "?frame=each_ip%5B1%5D/"):
        page = body(client.get(f"/api/v1/runs/{run['id']}/steps{query}"))
        fits(document, item + "/steps", "get", 200, page)
    loop = body(client.get(f"/api/v1/runs/{run['id']}/iterations?loop=each_ip&limit=1"))
    fits(document, item + "/iterations", "get", 200, loop)
    stats = body(client.get(f"/api/v1/playbooks/{run['playbook_id']}/run-stats?days=2"))
    fits(document, "/api/v1/playbooks/{playbook_id}/run-stats", "get", 200, stats)
