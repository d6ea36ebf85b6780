"""A reviewer watches a run on the playbook's canvas: the enrichment playbook looks up three IPs
in a local VirusTotal fake that refuses one; the run view shows statuses arriving, the failed
iteration, another iteration's inputs and outputs, and the failed step restarted once the fake is
fixed."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Response, request
from playwright.sync_api import Locator, Page, expect

from tests.connectors.fakes import serving
from tests.connectors.test_virustotal import KEY, error, fake_virustotal
from tests.e2e.conftest import REPO_ROOT, serving_soarflow
from tests.e2e.support import Server, call_api, fill_sign_in_form, sign_in

IPS = ["8.8.8.8", "1.1.1.1", "203.0.113.9"]
REFUSED_IP = IPS[2]
# Slow enough to watch the loop go round in the browser, quick enough for the suite.
LOOKUP_SECONDS = 0.8
RUN_INPUT = {"trigger": {"ips": IPS}}
READER = "rita"
READER_PASSWORD = "reader password for rita"
STATUS_COLOURS = {"succeeded": "rgb(22, 163, 74)", "failed": "rgb(220, 38, 38)"}


class VirusTotal:
    """The fake's switches: which addresses it refuses, and how long each lookup takes."""

    def __init__(self) -> None:
        self.refused = {REFUSED_IP}
        self.delay = LOOKUP_SECONDS
        self.url = ""


@pytest.fixture(scope="module")
def virustotal() -> Iterator[VirusTotal]:
    switches = VirusTotal()
    app = fake_virustotal()

    @app.before_request
    def slow_and_choosy() -> tuple[Response, int] | None:
        time.sleep(switches.delay)
        if request.path.rsplit("/", 1)[-1] in switches.refused:
            return error(403, "ForbiddenError", "You are not allowed to look up this address")
        return None

    with serving(app) as url:
        switches.url = url
        yield switches


@pytest.fixture(autouse=True)
def refusing(virustotal: VirusTotal) -> None:
    """Every test starts with the fake refusing the address, whatever the one before fixed."""
    virustotal.refused = {REFUSED_IP}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, virustotal: VirusTotal) -> Iterator[Server]:
    """The server with the shipped connectors, VirusTotal's pointed at the fake on loopback."""
    workdir = tmp_path_factory.mktemp("run-view")
    connectors = workdir / "connectors"
    shutil.copytree(REPO_ROOT / "connectors", connectors)
    manifest_path = connectors / "virustotal" / "manifest.yaml"
    manifest = yaml.safe_load(manifest_path.read_text())
    manifest["connection"]["base_url"] = f"{virustotal.url}/api/v3"
    manifest["connection"]["allowed_hosts"] = ["127.0.0.1"]
    manifest_path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    settings = {
        "SOARFLOW_CONNECTORS_DIR": str(connectors),
        "SOARFLOW_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    with serving_soarflow(workdir, settings) as started:
        yield started


def _enrichment() -> dict[str, Any]:
    inputs = {
        "type": "object",
        "required": ["ips"],
        "properties": {"ips": {"type": "array", "items": {"type": "string"}}},
    }
    return {
        "format": "soarflow.playbook/v1",
        "name": "Enrich IPs with VirusTotal",
        "trigger": {"id": "start", "type": "core.manual", "params": {"inputs": inputs}},
        "nodes": [
            {
                "id": "each_ip",
                "kind": "foreach",
                "title": "For each IP",
                "items": "{{ trigger.ips }}",
                "concurrency": 1,
            },
            {
                "id": "vt",
                "kind": "action",
                "title": "VirusTotal IP report",
                "action": "virustotal.get_ip_report",
                "connection": "vt-main",
                "inputs": {"ip": "{{ item }}"},
                "parent": "each_ip",
                "branch": "body",
            },
            {
                "id": "summary",
                "kind": "action",
                "title": "Summary",
                "action": "core.compose",
                "inputs": {"value": "{{ steps.each_ip.output | length }} addresses looked up"},
            },
        ],
        "edges": [
            {"source": "start", "target": "each_ip"},
            {"source": "each_ip", "target": "vt", "branch": "body"},
            {"source": "each_ip", "target": "summary"},
        ],
    }


@pytest.fixture(scope="module")
def enrichment(server: Server) -> str:
    """The enrichment playbook and its VirusTotal connection; the playbook's id."""
    connection = {"connector": "virustotal", "name": "vt-main", "fields": {"api_key": KEY}}
    call_api(server, "POST", "/api/v1/connections", connection)
    playbook = call_api(server, "POST", "/api/v1/playbooks", _enrichment())
    assert playbook["valid"], playbook["problems"]
    return str(playbook["id"])


def _node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def _border_colour(node: Locator) -> str:
    colour: str = node.locator(".node, .node-container").first.evaluate(
        "element => getComputedStyle(element).borderTopColor"
    )
    return colour


def _wait_for_run(server: Server, run_id: str, statuses: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run = call_api(server, "GET", f"/api/v1/runs/{run_id}?steps=0")
        if run["status"] in statuses:
            return run
        time.sleep(0.1)
    pytest.fail(f"run {run_id} did not reach {statuses}; it is {run['status']}")


def test_watch_a_run_find_its_failure_and_restart_it(
    server: Server,
    virustotal: VirusTotal,
    enrichment: str,
    browser_page: Page,
    screenshot: Callable[[str], Path],
) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda failure: errors.append(str(failure)))
    sign_in(page, server)

    # Started by hand; the reviewer opens it at once, while the loop goes round.
    started = call_api(server, "POST", f"/api/v1/playbooks/{enrichment}/runs", RUN_INPUT)
    page.goto(f"{server.url}/runs/{started['id']}")
    status = page.get_by_test_id("run-status")
    expect(status).to_have_attribute("data-status", "running")
    expect(_node(page, "each_ip")).to_have_attribute("data-status", "running")
    expect(_node(page, "summary")).to_have_attribute("data-status", "not_reached")
    pager = page.get_by_test_id("iteration-pager")
    # The statuses arrive without a reload: the lookups go by one after the other.
    expect(pager).to_contain_text("Iteration 2 of 3", timeout=5000)
    screenshot("run-view-running")

    expect(status).to_have_attribute("data-status", "failed", timeout=10_000)
    expect(status).to_have_text("Failed")
    expect(_node(page, "start")).to_have_attribute("data-status", "succeeded")
    expect(_node(page, "each_ip")).to_have_attribute("data-status", "failed")
    expect(_node(page, "summary")).to_have_attribute("data-status", "skipped")
    # The loop opens at its failed iteration, the third: its lookup failed, drawn in red.
    expect(pager).to_contain_text("Iteration 3 of 3")
    expect(pager).to_contain_text("1 failed")
    expect(_node(page, "vt")).to_have_attribute("data-status", "failed")
    assert _border_colour(_node(page, "vt")) == STATUS_COLOURS["failed"]
    assert _border_colour(_node(page, "start")) == STATUS_COLOURS["succeeded"]
    assert page.locator(".react-flow__edge.run-edge--carried").count() >= 2

    _node(page, "vt").click()
    details = page.get_by_test_id("node-details")
    expect(details).to_contain_text("Failed")
    expect(details).to_contain_text("You are not allowed to look up this address")
    expect(details).to_contain_text("Attempt 1: Failed")
    expect(details).to_contain_text(REFUSED_IP)
    screenshot("run-view-failed")

    # Iteration 2: the lookup of the second address, with what VirusTotal answered.
    pager.get_by_role("button", name="Previous iteration").click()
    expect(pager).to_contain_text("Iteration 2 of 3")
    expect(_node(page, "vt")).to_have_attribute("data-status", "succeeded")
    expect(details).to_contain_text("Succeeded")
    expect(details).to_contain_text(IPS[1])
    expect(details).not_to_contain_text(REFUSED_IP)
    expect(details.locator(".json").last).to_contain_text("ip_address")
    expect(details).to_contain_text("Shown for iteration 2 of each_ip")
    screenshot("run-view-iteration-2")

    # The same from the list of iterations, each with its status.
    pager.get_by_role("button", name="Iteration 2 of 3").click()
    options = pager.get_by_role("option")
    expect(options).to_have_count(3)
    expect(options.nth(2)).to_have_attribute("data-status", "failed")
    options.nth(0).get_by_role("button").click()
    expect(pager).to_contain_text("Iteration 1 of 3")
    expect(details).to_contain_text(IPS[0])

    # The fake lets the address through now: restart what failed, in the same run.
    virustotal.refused.clear()
    page.get_by_test_id("restart-button").click()
    expect(status).to_have_attribute("data-status", "succeeded", timeout=15_000)
    assert page.url.endswith(f"/runs/{started['id']}")
    expect(_node(page, "each_ip")).to_have_attribute("data-status", "succeeded")
    expect(_node(page, "summary")).to_have_attribute("data-status", "succeeded")
    pager.get_by_role("button", name="Next iteration").click()
    pager.get_by_role("button", name="Next iteration").click()
    expect(pager).to_contain_text("Iteration 3 of 3")
    expect(_node(page, "vt")).to_have_attribute("data-status", "succeeded")
    expect(details).to_contain_text(REFUSED_IP)
    screenshot("run-view-restarted")
    # A run that has ended is not asked for again.
    asked: list[str] = []
    page.on("request", lambda sent: asked.append(sent.url))
    page.wait_for_timeout(1500)
    assert [url for url in asked if "/api/v1/runs/" in url] == []
    finished = _wait_for_run(server, started["id"], {"succeeded"})
    assert finished["error"] is None

    # Resubmitting starts a new run of the same input and opens it; cancelling it stops it.
    page.get_by_test_id("resubmit-button").click()
    expect(page).not_to_have_url(f"{server.url}/runs/{started['id']}")
    expect(status).to_have_attribute("data-status", "running")
    page.get_by_test_id("cancel-button").click()
    expect(status).to_have_attribute("data-status", "cancelled")
    expect(_node(page, "summary")).to_have_attribute("data-status", "not_reached")
    expect(page.get_by_test_id("cancel-button")).to_have_count(0)
    expect(page.get_by_test_id("restart-button")).to_be_enabled()
    assert errors == []


def test_a_reader_sees_the_run_but_may_not_act_on_it(
    server: Server, enrichment: str, browser_page: Page
) -> None:
    started = call_api(server, "POST", f"/api/v1/playbooks/{enrichment}/runs", RUN_INPUT)
    _wait_for_run(server, started["id"], {"succeeded", "failed"})
    user = call_api(server, "POST", "/api/v1/users", {"name": READER, "password": READER_PASSWORD})
    call_api(server, "PUT", f"/api/v1/workspaces/default/members/{user['id']}", {"role": "reader"})
    page = browser_page
    page.goto(f"{server.url}/runs/{started['id']}")
    fill_sign_in_form(page, READER, READER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "failed")
    for button in ("restart-button", "resubmit-button"):
        expect(page.get_by_test_id(button)).to_be_disabled()
        expect(page.get_by_test_id(button)).to_have_attribute(
            "title", "Your role in this workspace does not allow running playbooks"
        )
    _node(page, "vt").click()
    expect(page.get_by_test_id("node-details")).to_contain_text(REFUSED_IP)
