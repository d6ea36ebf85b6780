"""The templates gallery as someone making a playbook from a template uses it: from the
playbooks page to the gallery, filtered to a scenario and searched, then the wizard: a name,
the VirusTotal connection typed in place, a setting changed (a wrong value first, refused next to
its field), and Create lands in the designer on a valid playbook that uses the new connection."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.support import Server, call_api

API_KEY = "made-up-virustotal-key"


def test_a_template_becomes_a_valid_playbook_through_the_wizard(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    page.get_by_role("button", name="New from template").click()
    expect(page).to_have_url(re.compile(r"/templates$"))
    cards = page.get_by_test_id("template-card")
    expect(cards.first).to_be_visible()
    total = cards.count()
    assert total >= 12
    screenshot("templates-gallery")

    page.get_by_role("button", name=re.compile(r"^Enrichment")).click()
    expect(page).to_have_url(re.compile(r"scenario=enrichment"))
    expect(cards).not_to_have_count(total)
    for badge in cards.locator(".scenario-badge").all():
        expect(badge).to_have_text("Enrichment")
    page.get_by_label("Search templates").fill("virustotal ip")
    card = cards.filter(has_text="VirusTotal IP enrichment")
    expect(cards).to_have_count(1)
    expect(card.get_by_role("img", name="VirusTotal")).to_be_visible()
    screenshot("templates-filtered")

    card.get_by_test_id("use-template-button").click()
    wizard = page.get_by_test_id("template-wizard")
    expect(wizard).to_be_visible()
    name = wizard.get_by_label("Playbook name")
    expect(name).to_have_value("VirusTotal IP enrichment")
    name.fill("")
    wizard.get_by_role("button", name="Next").click()
    expect(wizard.get_by_role("alert")).to_have_text("Give the playbook a name.")
    name.fill("Enrich IPs (SOC)")
    screenshot("template-wizard-name")
    wizard.get_by_role("button", name="Next").click()

    # No VirusTotal connection yet: the form to make one is open in place.
    row = wizard.get_by_test_id("wizard-connection-virustotal")
    form = row.get_by_test_id("connection-form")
    expect(form).to_be_visible()
    expect(row.get_by_test_id("wizard-connection-select")).to_have_value("\u0000new")
    form.get_by_label("Name").fill("vt-soc")
    key = form.get_by_label("API key")
    expect(key).to_have_attribute("type", "password")
    key.fill(API_KEY)
    screenshot("template-wizard-new-connection")
    form.get_by_test_id("connection-create").click()
    expect(form).to_have_count(0)
    expect(row.get_by_test_id("wizard-connection-select")).to_have_value("vt-soc")
    screenshot("template-wizard-connections")
    wizard.get_by_role("button", name="Next").click()

    threshold = wizard.get_by_test_id("parameter-malicious_threshold")
    expect(threshold).to_have_value("3")
    threshold.fill("0")
    wizard.get_by_test_id("deploy-button").click()
    expect(wizard.get_by_role("alert")).to_have_text("Enter at least 1.")
    screenshot("template-wizard-settings-refused")
    threshold.fill("5")
    wizard.get_by_test_id("parameter-label").fill("vt-malicious")
    screenshot("template-wizard-settings")
    wizard.get_by_test_id("deploy-button").click()

    expect(page).to_have_url(re.compile(r"/playbooks/[^/]+$"))
    expect(page.get_by_text("Enrich IPs (SOC)").first).to_be_visible()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    screenshot("template-designer")

    playbook_id = page.url.rsplit("/", 1)[1]
    playbook = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")
    assert (playbook["valid"], playbook["problems"]) == (True, [])
    document = playbook["document"]
    assert document["name"] == "Enrich IPs (SOC)"
    assert document["variables"]["malicious_threshold"]["initial"] == 5
    assert document["variables"]["label"]["initial"] == "vt-malicious"
    lookup = next(node for node in document["nodes"] if node["id"] == "lookup")
    assert lookup["connection"] == "vt-soc"
    connections = call_api(server, "GET", "/api/v1/connections?connector=virustotal")["data"]
    assert [(c["name"], c["secret_fields_set"]) for c in connections] == [("vt-soc", ["api_key"])]


def test_a_connection_refused_by_the_server_is_shown_on_its_step(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    for name in ("jira-a", "jira-b"):
        fields = {"site": "acme", "email": "soc@acme.example", "api_token": "t"}
        call_api(
            server,
            "POST",
            "/api/v1/connections",
            {"connector": "jira", "name": name, "fields": fields},
        )
    page.goto(f"{server.url}/templates?q=jira")
    page.get_by_test_id("use-template-button").click()
    wizard = page.get_by_test_id("template-wizard")
    wizard.get_by_role("button", name="Next").click()
    select = wizard.get_by_test_id("wizard-connection-select")
    # Two connections: the wizard does not guess which.
    expect(select).to_have_value("")
    wizard.get_by_role("button", name="Next").click()
    expect(wizard.get_by_role("alert")).to_have_text("Choose a connection, or create one.")
    select.select_option("jira-b")
    wizard.get_by_role("button", name="Next").click()
    # Someone deletes the chosen connection meanwhile: the server's refusal brings the wizard
    # back to the connections, next to the one it concerns.
    chosen = call_api(server, "GET", "/api/v1/connections?connector=jira")["data"]
    jira_b = next(c for c in chosen if c["name"] == "jira-b")
    request_delete(server, f"/api/v1/connections/{jira_b['id']}")
    wizard.get_by_test_id("deploy-button").click()
    expect(wizard.get_by_role("alert")).to_have_text("No connection 'jira-b' in this workspace.")
    expect(select.locator("option:checked")).to_have_text("jira-b · not found in this workspace")
    screenshot("template-wizard-server-refusal")


def request_delete(server: Server, path: str) -> None:
    import urllib.request

    request = urllib.request.Request(
        f"{server.url}{path}", headers=server.auth_header(), method="DELETE"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
