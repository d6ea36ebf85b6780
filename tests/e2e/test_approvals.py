"""The seed's orchestration scenario end to end: an incident arrives, the template playbook mails
two admins (through a real SMTP server on loopback), one opens the Block link in the browser and
clicks Block, and the run goes on: the firewall fake tags the IP, the Graph fake disables the
account, the incident gets its comment. Then the same with the server killed while the run
waits: the run still finishes when the admin answers."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.connectors.fakes import Mailbox, receiving_mail, serving, shipped_manifest
from tests.connectors.test_microsoft_graph import CLIENT_ID, SECRET, TENANT, Graph, fake_graph
from tests.connectors.test_paloalto_panos import KEY as PANOS_KEY
from tests.connectors.test_paloalto_panos import Registered, fake_panos
from tests.e2e.conftest import REPO_ROOT, Installation
from tests.e2e.support import Server, call_api, fill_sign_in_form
from tests.incident_support import alert_body

TEMPLATE = REPO_ROOT / "backend/soarflow/templates/approve_then_block.json"
NETWORK_ADMIN = "network-admin@contoso.example"
SECURITY_ADMIN = "security-admin@contoso.example"
BLOCK_LINK = re.compile(r"(https?://\S+/approve/[A-Za-z0-9._-]+)\?option=Block")
WAIT_S = 20.0
BOB_PASSWORD = "bob's long approval password"


@dataclass
class Vendors:
    """The fakes the playbook acts on, and what they were asked."""

    panos_url: str = ""
    graph_url: str = ""
    panos_received: list[dict[str, Any]] = field(default_factory=list)
    registered: Registered = field(default_factory=dict)
    graph: Graph = field(default_factory=Graph)


@pytest.fixture(scope="module")
def vendors() -> Iterator[Vendors]:
    found = Vendors()
    found.graph.reset()
    with (
        serving(fake_panos(found.panos_received, found.registered)) as panos,
        serving(fake_graph(found.graph)) as graph,
    ):
        found.panos_url, found.graph_url = panos, graph
        yield found


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with receiving_mail() as received:
        yield received


@pytest.fixture(scope="module")
def installation(
    tmp_path_factory: pytest.TempPathFactory, vendors: Vendors
) -> Iterator[Installation]:
    """A server whose firewall and Entra ID connectors talk to the fakes on loopback."""
    workdir = tmp_path_factory.mktemp("approvals")
    connectors = workdir / "connectors"
    shutil.copytree(REPO_ROOT / "connectors", connectors)
    manifests = {
        "paloalto_panos": shipped_manifest("paloalto_panos", vendors.panos_url),
        "microsoft_graph": shipped_manifest("microsoft_graph", vendors.graph_url),
    }
    # Entra ID's token endpoint is the fake too.
    token_url = vendors.graph_url + "/{{ connection.tenant_id }}/oauth2/v2.0/token"
    manifests["microsoft_graph"]["connection"]["auth"]["token_url"] = token_url
    for connector_id, manifest in manifests.items():
        (connectors / connector_id / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    settings = {
        "SOARFLOW_CONNECTORS_DIR": str(connectors),
        "SOARFLOW_ALLOWED_NETWORKS": "127.0.0.1/32",
    }
    installed = Installation.prepare(workdir, settings)
    installed.start()
    try:
        yield installed
    finally:
        installed.stop()


@pytest.fixture(scope="module")
def server(installation: Installation, mailbox: Mailbox) -> Server:
    """The server with its connections and the template playbook run on every new incident."""
    served = Server(url=installation.url, username="alice", password="", token=installation.token)
    connections = [
        {
            "connector": "email",
            "name": "mail",
            "fields": {
                "host": "127.0.0.1",
                "port": mailbox.port,
                "security": "none",
                "from_address": "soarflow@contoso.example",
            },
        },
        {
            "connector": "paloalto_panos",
            "name": "firewall",
            "fields": {"host": "fw01.corp.example", "api_key": PANOS_KEY},
        },
        {
            "connector": "microsoft_graph",
            "name": "entra-id",
            "fields": {"tenant_id": TENANT, "client_id": CLIENT_ID, "client_secret": SECRET},
        },
    ]
    for connection in connections:
        call_api(served, "POST", "/api/v1/connections", connection)
    document = json.loads(TEMPLATE.read_text())["document"]
    playbook = call_api(served, "POST", "/api/v1/playbooks", document)
    assert playbook["valid"], playbook["problems"]
    call_api(served, "POST", f"/api/v1/playbooks/{playbook['id']}/enable")
    rule = {
        "name": "Ask before blocking",
        "trigger": "incident_created",
        "actions": [{"type": "run_playbook", "playbook_id": playbook["id"]}],
    }
    call_api(served, "POST", "/api/v1/automation-rules", rule)
    return served


def _incident(server: Server, source_id: str, address: str, account: str) -> dict[str, Any]:
    entities = [
        {"kind": "ip", "properties": {"Address": address}},
        {"kind": "account", "properties": {"Name": account, "UPNSuffix": "contoso.com"}},
    ]
    title = f"Password spray from {address}"
    body = alert_body(source_alert_id=source_id, title=title, entities=entities)
    ingested = call_api(server, "POST", "/api/v1/alerts", body)
    return call_api(server, "GET", f"/api/v1/incidents/{ingested['incident_id']}")


def _block_link(mailbox: Mailbox, address: str, incident_number: int) -> tuple[str, str]:
    """The Block link in the mail about this incident, and the mail's HTML body."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for message in mailbox.to(address):
            if f"#{incident_number}?" not in str(message["Subject"]):
                continue
            text = message.get_body(preferencelist=("plain",))
            html = message.get_body(preferencelist=("html",))
            assert text is not None
            assert html is not None
            found = BLOCK_LINK.search(text.get_content())
            assert found is not None, text.get_content()
            return found.group(1), html.get_content()
        time.sleep(0.1)
    pytest.fail(f"no mail to {address} about incident #{incident_number}")


def _finished_run(server: Server, incident_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        runs = call_api(server, "GET", f"/api/v1/incidents/{incident_id}/runs")["data"]
        if runs and runs[0]["status"] not in ("queued", "running", "waiting"):
            return call_api(server, "GET", f"/api/v1/runs/{runs[0]['id']}")
        time.sleep(0.1)
    pytest.fail(f"the run about incident {incident_id} did not end")


def _comments(server: Server, incident_id: str) -> list[str]:
    found = call_api(server, "GET", f"/api/v1/incidents/{incident_id}/comments")["data"]
    return [comment["text"] for comment in found]


def _choose_block(page: Page, link: str, screenshot: Callable[[str], Path], name: str) -> None:
    page.goto(link)
    options = page.get_by_test_id("approval-option")
    expect(options).to_have_count(2)
    screenshot(f"{name}-page")
    options.filter(has_text="Block").click()
    expect(page.get_by_test_id("approval-result")).to_contain_text("Block")
    screenshot(f"{name}-answered")


def test_an_admin_clicks_block_in_the_mail_and_the_playbook_blocks_and_disables(
    server: Server,
    mailbox: Mailbox,
    vendors: Vendors,
    browser_page: Page,
    screenshot: Callable[[str], Path],
) -> None:
    incident = _incident(server, "e2e-approval-1", "203.0.113.77", "alice.johnson")
    link, html = _block_link(mailbox, NETWORK_ADMIN, incident["number"])
    # Both admins were asked, each with a link of their own.
    other, _ = _block_link(mailbox, SECURITY_ADMIN, incident["number"])
    assert other != link

    page = browser_page
    page.set_content(html)
    expect(page.get_by_role("link", name="Block")).to_be_visible()
    screenshot("approval-mail")

    # Opening the link shows the request with the incident's facts; nothing is chosen yet.
    page.goto(link)
    expect(
        page.get_by_role("heading", name=f"Block the attacker of incident #{incident['number']}?")
    ).to_be_visible()
    expect(page.get_by_text("203.0.113.77").first).to_be_visible()
    runs = call_api(server, "GET", f"/api/v1/incidents/{incident['id']}/runs")["data"]
    assert runs[0]["status"] == "waiting"
    _choose_block(page, link, screenshot, "approval")

    run = _finished_run(server, incident["id"])
    assert run["status"] == "succeeded", run["error"]
    assert ("vsys1", "203.0.113.77") in vendors.registered or any(
        address == "203.0.113.77" for _, address in vendors.registered
    )
    assert vendors.graph.user("alice.johnson@contoso.com")["accountEnabled"] is False
    [comment] = [text for text in _comments(server, incident["id"]) if "Blocked" in text]
    assert "203.0.113.77" in comment
    assert NETWORK_ADMIN in comment

    # The link is used up; the other admin's link says it is decided.
    page.goto(link)
    expect(page.get_by_test_id("approval-result")).to_contain_text("Block")
    expect(page.get_by_test_id("approval-option")).to_have_count(0)
    page.goto(other)
    expect(page.get_by_test_id("approval-result")).to_contain_text("decided")


def test_the_run_survives_a_killed_server_and_goes_on_with_the_answer(
    installation: Installation,
    server: Server,
    mailbox: Mailbox,
    vendors: Vendors,
    browser_page: Page,
    screenshot: Callable[[str], Path],
) -> None:
    incident = _incident(server, "e2e-approval-2", "198.51.100.45", "carol.service")
    link, _ = _block_link(mailbox, SECURITY_ADMIN, incident["number"])
    installation.kill()
    installation.start()
    _choose_block(browser_page, link, screenshot, "approval-after-restart")
    run = _finished_run(server, incident["id"])
    assert run["status"] == "succeeded", run["error"]
    assert vendors.graph.user("carol.service@contoso.com")["accountEnabled"] is False
    assert any("198.51.100.45" in text for text in _comments(server, incident["id"]))


def test_a_user_answers_in_the_approvals_inbox(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    user = call_api(server, "POST", "/api/v1/users", {"name": "bob", "password": BOB_PASSWORD})
    call_api(server, "PUT", f"/api/v1/workspaces/default/members/{user['id']}", {"role": "reader"})
    ask = {
        "title": "Isolate FIN-WS-042?",
        "message": "<b>Not bold</b> stays as written.",
        "options": ["Isolate", "Leave it"],
        "approvers": ["bob"],
        "allow_comment": True,
    }
    document = {
        "format": "soarflow.playbook/v1",
        "name": "Ask bob",
        "trigger": {"id": "t", "type": "core.manual"},
        "nodes": [
            {"id": "ask", "kind": "action", "action": "approvals.ask_for_approval", "inputs": ask}
        ],
        "edges": [{"source": "t", "target": "ask"}],
    }
    playbook = call_api(server, "POST", "/api/v1/playbooks", document)
    started = call_api(server, "POST", f"/api/v1/playbooks/{playbook['id']}/runs", {})

    page = browser_page
    page.goto(f"{server.url}/approvals")
    fill_sign_in_form(page, "bob", BOB_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    card = page.get_by_test_id("approval-card").filter(has_text="Isolate FIN-WS-042?")
    expect(card).to_contain_text("<b>Not bold</b> stays as written.")
    card.get_by_label("Comment (optional)").fill("<script>alert(1)</script> {{ 7 * 7 }}")
    screenshot("approvals-inbox")
    card.get_by_test_id("approval-option").filter(has_text="Isolate").click()
    expect(card.get_by_test_id("approval-result")).to_contain_text("Isolate")
    run = call_api(server, "GET", f"/api/v1/runs/{started['id']}")
    deadline = time.monotonic() + WAIT_S
    while run["status"] != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.1)
        run = call_api(server, "GET", f"/api/v1/runs/{started['id']}")
    [step] = [s for s in run["steps"] if s["node_id"] == "ask"]
    assert step["output"]["selected_option"] == "Isolate"
    assert step["output"]["comment"] == "<script>alert(1)</script> {{ 7 * 7 }}"
    assert step["output"]["responder"] == "bob"
