"""The incidents pages and automation rules, as someone working an incident in a browser does:
open an incident from the list, run a playbook on it by hand and follow the run to its end, read
the comment the playbook wrote; and make an automation rule that labels new incidents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.support import Server, call_api
from tests.incident_support import alert_body

COMMENT = "Checked by soarflow"
# Long enough for a playbook of one step on a test machine that is busy.
RUN_TIMEOUT_MS = 20_000


def _commenting_playbook(server: Server, name: str) -> str:
    """An enabled playbook that starts with a new incident and comments on it."""
    document = {
        "format": "soarflow.playbook/v1",
        "name": name,
        "description": "Writes a comment on the incident",
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
    created = call_api(server, "POST", "/api/v1/playbooks", document)
    assert created["valid"], created["problems"]
    call_api(server, "POST", f"/api/v1/playbooks/{created['id']}/enable")
    return str(created["id"])


def _incident_from_alert(server: Server, **changes: Any) -> dict[str, Any]:
    """The incident a new alert opens."""
    ingested = call_api(server, "POST", "/api/v1/alerts", alert_body(**changes))
    assert ingested["incident_id"] is not None, ingested
    return call_api(server, "GET", f"/api/v1/incidents/{ingested['incident_id']}")


def _open_section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name=name, exact=True
    ).click()


def test_runs_a_playbook_on_an_incident_and_follows_the_run(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    playbook_name = "Comment on the incident"
    playbook_id = _commenting_playbook(server, playbook_name)
    title = "Service account ran a known-malicious binary on FIN-WS-042"
    incident = _incident_from_alert(server, source_alert_id="e2e-run-1", title=title)

    _open_section(page, "Incidents")
    expect(page).to_have_url(f"{server.url}/incidents")
    row = page.get_by_test_id("incident-row").filter(has_text=title)
    expect(row.get_by_test_id("severity")).to_have_text("Medium")
    expect(row.get_by_test_id("status")).to_have_text("New")
    screenshot("ui-incidents-list")

    row.get_by_role("link", name=title).click()
    expect(page).to_have_url(f"{server.url}/incidents/{incident['id']}")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text(f"#{incident['number']}", exact=True)).to_be_visible()
    # The entities tab names each entity by its key property.
    page.get_by_test_id("entities-tab").click()
    keys = page.get_by_test_id("entity-key")
    expect(keys.filter(has_text="198.51.100.23")).to_have_count(1)
    expect(keys.filter(has_text="svc-backup@fabrikam.example")).to_have_count(1)
    expect(keys.filter(has_text="FIN-WS-042")).to_have_count(1)
    screenshot("ui-incident-entities")

    page.get_by_test_id("run-playbook-button").click()
    item = page.get_by_test_id("run-playbook-item").filter(has_text=playbook_name)
    expect(item).to_contain_text("Writes a comment on the incident")
    screenshot("ui-incident-run-dialog")
    item.click()
    expect(page.get_by_test_id("run-playbook-item")).to_have_count(0)
    expect(page.get_by_test_id("run-started")).to_contain_text(f"Started {playbook_name}")

    page.get_by_test_id("runs-tab").click()
    expect(page).to_have_url(f"{server.url}/incidents/{incident['id']}?tab=runs")
    run_row = page.get_by_test_id("run-row").filter(has_text=playbook_name)
    expect(run_row).to_have_count(1)
    expect(run_row).to_contain_text("Manual")
    # The tab asks again while the run has not ended.
    expect(run_row.get_by_test_id("run-status")).to_have_text("Succeeded", timeout=RUN_TIMEOUT_MS)
    [run] = call_api(server, "GET", f"/api/v1/incidents/{incident['id']}/runs")["data"]
    assert (run["playbook_id"], run["trigger_type"]) == (playbook_id, "manual")
    expect(run_row.get_by_role("link", name="Open run")).to_have_attribute(
        "href", f"/runs/{run['id']}"
    )
    screenshot("ui-incident-runs")
    run_row.get_by_role("link", name="Open run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "succeeded")
    expect(page.locator(".run-facts")).to_contain_text("Manual, by alice")
    expect(page.get_by_role("link", name="Open incident")).to_have_attribute(
        "href", f"/incidents/{incident['id']}"
    )
    page.go_back()

    # After a reload the address still says which tab; the comment the playbook wrote is there.
    page.reload()
    expect(page.get_by_test_id("run-row")).to_have_count(1)
    page.get_by_test_id("comments-tab").click()
    comment = page.get_by_test_id("comment").filter(has_text=COMMENT)
    expect(comment).to_contain_text(f"Playbook: {playbook_name}")

    # A comment is text: markup in it is shown, not run.
    markup = "<img src=x onerror=\"document.title='pwned'\"> <b>not bold</b>"
    page.get_by_label("Add a comment").fill(markup)
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_test_id("comment").filter(has_text=markup)).to_have_count(1)
    expect(page.locator(".comment img")).to_have_count(0)
    assert page.title() != "pwned"

    page.get_by_test_id("timeline-tab").click()
    entries = page.get_by_test_id("timeline-entry")
    expect(entries.filter(has_text=f"Playbook “{playbook_name}” started by hand")).to_have_count(1)
    expect(entries.filter(has_text="Incident created")).to_have_count(1)
    screenshot("ui-incident-timeline")


def test_triage_changes_severity_owner_labels_and_closes_with_a_classification(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    incident = _incident_from_alert(server, source_alert_id="e2e-triage-1", title="Triage me")
    page.goto(f"{server.url}/incidents/{incident['id']}")
    expect(page.get_by_role("heading", name="Triage me")).to_be_visible()

    # With no playbook that may run, the dialog says what to do about it.
    page.route(
        f"**/api/v1/incidents/{incident['id']}/playbooks",
        lambda route: route.fulfill(json={"data": [], "total": 0, "next": None}),
    )
    page.get_by_test_id("run-playbook-button").click()
    expect(page.get_by_test_id("run-playbook-empty")).to_have_text(
        "No playbook can run on this incident: enable one whose trigger is "
        "'When an incident is created'."
    )
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("run-playbook-empty")).to_have_count(0)

    page.get_by_test_id("severity-select").select_option("high")
    expect(page.locator(".incident-header").get_by_test_id("severity")).to_have_text("High")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_test_id("incident-owner")).to_have_text(f"Owner {server.username}")
    page.get_by_label("New label").fill("phishing")
    page.get_by_role("button", name="Add", exact=True).click()
    labels = page.get_by_test_id("incident-labels")
    expect(labels).to_contain_text("phishing")
    page.get_by_role("button", name="Remove label phishing").click()
    expect(labels.get_by_role("listitem")).to_have_count(0)

    page.get_by_test_id("status-select").select_option("closed")
    dialog = page.get_by_role("dialog", name=f"Close incident #{incident['number']}")
    expect(dialog.get_by_role("button", name="Close incident")).to_be_disabled()
    dialog.get_by_label("False positive").check()
    dialog.get_by_placeholder("Why it is closed").fill("A red-team exercise")
    screenshot("ui-incident-close-dialog")
    dialog.get_by_role("button", name="Close incident").click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".incident-header").get_by_test_id("status")).to_have_text("Closed")

    stored = call_api(server, "GET", f"/api/v1/incidents/{incident['id']}")
    assert (stored["severity"], stored["owner"], stored["labels"]) == ("high", server.username, [])
    assert (stored["status"], stored["classification"]) == ("closed", "false_positive")
    assert stored["classification_comment"] == "A red-team exercise"

    # The list filters by status and severity, in the address.
    _open_section(page, "Incidents")
    page.get_by_label("Status").select_option("closed")
    expect(page).to_have_url(f"{server.url}/incidents?status=closed")
    expect(page.get_by_test_id("incident-row")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("Status")).to_have_value("closed")
    expect(page.get_by_test_id("incident-row").filter(has_text="Triage me")).to_have_count(1)


def test_an_automation_rule_made_in_the_form_labels_new_high_incidents(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    _open_section(page, "Automation")
    expect(page.get_by_role("heading", name="Automation rules")).to_be_visible()
    page.get_by_role("button", name="New rule").click()
    expect(page).to_have_url(f"{server.url}/automation/new")

    page.get_by_label("Name").fill("Label high incidents")
    page.get_by_label("Trigger").select_option(label="When an incident is created")
    condition = page.get_by_test_id("condition-row")
    expect(condition.get_by_label("Property")).to_have_value("severity")
    condition.get_by_label("Operator").select_option("equals")
    condition.get_by_label("High").check()
    action = page.get_by_test_id("action-row")
    action.get_by_label("Action", exact=True).select_option(label="Add label")
    action.get_by_label("Label", exact=True).fill("vip")
    screenshot("ui-automation-form")
    page.get_by_role("button", name="Create rule").click()

    expect(page).to_have_url(f"{server.url}/automation")
    row = page.get_by_test_id("rule-row").filter(has_text="Label high incidents")
    expect(row).to_contain_text("Incident created")
    expect(row).to_contain_text("Severity equals High")
    expect(row).to_contain_text("Add label “vip”")
    expect(row.get_by_test_id("rule-status")).to_have_text("Enabled")
    [rule] = call_api(server, "GET", "/api/v1/automation-rules")["data"]
    assert rule["conditions"] == {
        "all": [{"property": "severity", "operator": "equals", "values": ["high"]}]
    }
    assert rule["actions"] == [{"type": "add_label", "label": "vip"}]

    toggle = row.get_by_test_id("rule-enable-toggle")
    toggle.click()
    expect(row.get_by_test_id("rule-status")).to_have_text("Disabled")
    assert call_api(server, "GET", f"/api/v1/automation-rules/{rule['id']}")["enabled"] is False
    toggle.click()
    expect(row.get_by_test_id("rule-status")).to_have_text("Enabled")
    assert call_api(server, "GET", f"/api/v1/automation-rules/{rule['id']}")["enabled"] is True
    screenshot("ui-automation-list")

    incident = _incident_from_alert(
        server, source_alert_id="e2e-rule-1", severity="High", title="High one for the rule"
    )
    _open_section(page, "Incidents")
    page.get_by_test_id("incident-row").filter(has_text="High one for the rule").get_by_role(
        "link"
    ).click()
    expect(page).to_have_url(f"{server.url}/incidents/{incident['id']}")
    expect(page.get_by_test_id("incident-labels")).to_contain_text("vip")
    screenshot("ui-incident-labelled")


def test_the_rule_form_shows_the_servers_refusal_next_to_the_action(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    # An incident playbook, but for updates: the list's trigger kind cannot tell the two apart.
    document = {
        "format": "soarflow.playbook/v1",
        "name": "Reassess on update",
        "trigger": {"id": "incident", "type": "soarflow.incident_updated"},
        "nodes": [],
        "edges": [],
    }
    call_api(server, "POST", "/api/v1/playbooks", document)
    page.goto(f"{server.url}/automation/new")
    page.get_by_label("Name").fill("Run the wrong playbook")
    page.get_by_test_id("condition-row").get_by_role("button", name="Remove this condition").click()
    action = page.get_by_test_id("action-row")
    action.get_by_label("Action", exact=True).select_option(label="Run playbook")
    action.get_by_label("Playbook", exact=True).select_option(
        label="Reassess on update (disabled: will not run)"
    )
    page.get_by_role("button", name="Create rule").click()

    expect(page.get_by_test_id("rule-form-error")).to_contain_text("The rule was not saved")
    expect(action).to_contain_text("starts with soarflow.incident_updated")
    expect(page).to_have_url(f"{server.url}/automation/new")
    screenshot("ui-automation-form-error")


def test_rules_move_up_and_down_and_are_deleted_after_a_confirmation(
    server: Server, signed_in_page: Page
) -> None:
    page = signed_in_page
    playbook_id = _alert_playbook(server)
    for name in ["Reorder first", "Reorder second", "Reorder third"]:
        # Equal orders run by name: moving one must change orders, not only swap them.
        call_api(
            server,
            "POST",
            "/api/v1/automation-rules",
            {
                "name": name,
                "order": 700,
                "trigger": "alert_created",
                "actions": [{"type": "run_playbook", "playbook_id": playbook_id}],
            },
        )
    _open_section(page, "Automation")
    rows = page.get_by_test_id("rule-row").filter(has_text="Reorder")
    expect(rows).to_have_count(3)

    page.get_by_role("button", name="Move Reorder third up").click()
    expect(rows.nth(1)).to_contain_text("Reorder third")
    expect(rows.nth(2)).to_contain_text("Reorder second")
    page.get_by_role("button", name="Move Reorder first down").click()
    expect(rows.nth(0)).to_contain_text("Reorder third")
    expect(rows.nth(1)).to_contain_text("Reorder first")
    page.reload()
    expect(rows.nth(0)).to_contain_text("Reorder third")
    names = [
        rule["name"]
        for rule in call_api(server, "GET", "/api/v1/automation-rules")["data"]
        if rule["name"].startswith("Reorder")
    ]
    assert names == ["Reorder third", "Reorder first", "Reorder second"]

    page.get_by_role("button", name="Delete Reorder first").click()
    dialog = page.get_by_role("dialog", name="Delete “Reorder first”?")
    dialog.get_by_role("button", name="Delete rule").click()
    expect(dialog).to_have_count(0)
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Reorder first")).to_have_count(0)


def _alert_playbook(server: Server) -> str:
    """A playbook that starts with a new alert (disabled: the rules only need to name it)."""
    document = {
        "format": "soarflow.playbook/v1",
        "name": "Look at new alerts",
        "trigger": {"id": "alert", "type": "soarflow.alert_created"},
        "nodes": [],
        "edges": [],
    }
    return str(call_api(server, "POST", "/api/v1/playbooks", document)["id"])


def test_alerts_list_filters_by_severity_and_links_to_the_incident(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    low = _incident_from_alert(
        server,
        source_alert_id="e2e-alerts-1",
        severity="Low",
        title="A low one for the alerts list",
    )
    _open_section(page, "Alerts")
    rows = page.get_by_test_id("alert-row")
    row = rows.filter(has_text="A low one for the alerts list")
    expect(row).to_contain_text("Azure Sentinel")
    expect(row.get_by_test_id("severity")).to_have_text("Low")
    screenshot("ui-alerts-list")

    page.get_by_label("Severity").select_option("low")
    expect(page).to_have_url(f"{server.url}/alerts?severity=low")
    expect(rows).to_have_count(1)
    page.reload()
    expect(rows).to_have_count(1)
    # The alert's runs: the runs list narrowed to it (none ran on this alert).
    row.get_by_role("link", name="Runs").click()
    [alert] = call_api(server, "GET", f"/api/v1/alerts?incident={low['id']}")["data"]
    expect(page).to_have_url(f"{server.url}/runs?alert={alert['id']}")
    expect(page.get_by_role("note")).to_contain_text("Runs about one alert")
    expect(page.get_by_text("No runs match these filters.")).to_be_visible()
    page.go_back()
    row.get_by_role("link", name=f"#{low['number']}").click()
    expect(page).to_have_url(f"{server.url}/incidents/{low['id']}")
    expect(page.get_by_role("heading", name="A low one for the alerts list")).to_be_visible()
