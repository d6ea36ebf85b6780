"""The designer's inspector as an analyst uses it: a condition with a nested "any of" group, and
a VirusTotal step given a connection created in place, without leaving the canvas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error, Locator, Page, Response, expect

from tests.e2e.support import Server, call_api
from tests.e2e.test_designer import _node, _pick, _save

SCREENSHOTS = Path("/tmp")
API_KEY = "vt-key-5f0c1a9e-never-shown-again"


def _screenshot(page: Page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"inspector-{name}.png")


def _triage_document() -> dict[str, Any]:
    """For each entity of a new incident: a condition still to be written, and a VirusTotal
    lookup on its true branch with no connection yet."""
    return {
        "format": "soarflow.playbook/v1",
        "name": "Look up internal IPs of severe incidents",
        "trigger": {"id": "incident", "type": "soarflow.incident_created"},
        "nodes": [
            {"id": "each", "kind": "foreach", "items": "{{ trigger.entities }}"},
            {
                "id": "check",
                "kind": "condition",
                "title": "Severe and internal?",
                "parent": "each",
                "branch": "body",
                "condition": {"all": [{"left": "", "op": "eq", "right": ""}]},
            },
            {
                "id": "lookup",
                "kind": "action",
                "parent": "check",
                "branch": "true",
                "action": "virustotal.get_ip_report",
                "inputs": {"ip": "{{ item.address }}"},
            },
        ],
        "edges": [
            {"source": "incident", "target": "each"},
            {"source": "each", "target": "check", "branch": "body"},
            {"source": "check", "target": "lookup", "branch": "true"},
        ],
    }


def _open(page: Page, server: Server, document: dict[str, Any]) -> str:
    created = call_api(server, "POST", "/api/v1/playbooks", document)
    page.goto(f"{server.url}/playbooks/{created['id']}")
    expect(page.get_by_text("Saved · v1")).to_be_visible()
    playbook_id: str = created["id"]
    return playbook_id


def _group(inspector: Locator, path: str) -> Locator:
    return inspector.locator(f'[data-testid="condition-group"][data-path="{path}"]')


def _group_button(group: Locator, name: str) -> Locator:
    """A button of the group itself, not of a group nested in it."""
    return group.locator(":scope > .condition-group__actions").get_by_role("button", name=name)


def _rule(inspector: Locator, path: str) -> Locator:
    return inspector.locator(f'[data-testid="condition-rule"][data-path="{path}"]')


def _operand(rule: Locator, name: str) -> Locator:
    """The operand's text input (an expression in it shows as a token beside it)."""
    return rule.get_by_role("textbox", name=name, exact=True)


def _fill_rule(rule: Locator, left: str | None, comparison: str, right: str) -> None:
    if left is not None:
        _operand(rule, "Value to test").fill(left)
    rule.get_by_label("Comparison").select_option(label=comparison)
    _operand(rule, "Compared with").fill(right)


def test_build_a_condition_with_a_nested_any_group(server: Server, signed_in_page: Page) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    playbook_id = _open(page, server, _triage_document())
    _node(page, "check").locator(".node-container__header").click()
    inspector = page.get_by_test_id("inspector")
    expect(inspector.get_by_role("heading", name="Severe and internal?")).to_be_visible()

    # severity equals High: the severity picked from the trigger's fields, as a person would.
    root = _group(inspector, "")
    first = _rule(inspector, "0")
    _pick(page, first.locator(".expression-input").first, "Trigger", "severity")
    expect(first.get_by_test_id("expression-token")).to_have_attribute(
        "title", "{{ trigger.severity }}"
    )
    _fill_rule(first, None, "equals", "High")

    # AND (ip in network 10.0.0.0/8 OR ip starts with 192.): a group of its own, which joins
    # its rules the other way from the group around it.
    _group_button(root, "Add group").click()
    internal = _group(inspector, "1")
    expect(internal.get_by_test_id("condition-combinator").first).to_have_value("any")
    expect(root.locator(":scope > .condition-group__item > .condition-group__joiner")).to_have_text(
        "and"
    )
    _fill_rule(_rule(inspector, "1.0"), "{{ item.address }}", "is in network", "10.0.0.0/8")
    _group_button(internal, "Add rule").click()
    _fill_rule(_rule(inspector, "1.1"), "{{ item.address }}", "starts with", "192.")
    expect(internal.locator(".condition-group__joiner")).to_have_text("or")
    expect(page.get_by_test_id("problems-panel")).to_contain_text("No problems")
    _screenshot(page, "condition")

    document = _save(page, server, playbook_id, 2)
    check = next(node for node in document["nodes"] if node["id"] == "check")
    assert check["condition"] == {
        "all": [
            {"left": "{{ trigger.severity }}", "op": "eq", "right": "High"},
            {
                "any": [
                    {"left": "{{ item.address }}", "op": "in_cidr", "right": "10.0.0.0/8"},
                    {"left": "{{ item.address }}", "op": "starts_with", "right": "192."},
                ]
            },
        ]
    }
    assert call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")["valid"] is True
    assert call_api(server, "POST", "/api/v1/playbooks/validate", document) == {
        "valid": True,
        "problems": [],
    }

    # Removing the group's rules one by one removes the emptied group with the last.
    _rule(inspector, "1.1").get_by_role("button", name="Remove this rule").click()
    _rule(inspector, "1.0").get_by_role("button", name="Remove this rule").click()
    expect(internal).to_have_count(0)
    expect(_rule(inspector, "0")).to_be_visible()
    assert errors == []


def test_create_a_connection_in_place_and_choose_it(server: Server, signed_in_page: Page) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    answers: list[Response] = []
    page.on("response", lambda answer: answers.append(answer))
    call_api(
        server,
        "POST",
        "/api/v1/connections",
        {"connector": "virustotal", "name": "vt-main", "fields": {"api_key": "older-key"}},
    )
    playbook_id = _open(page, server, _triage_document())
    _node(page, "lookup").click()
    inspector = page.get_by_test_id("inspector")
    choice = inspector.get_by_test_id("connection-select")

    # The existing connection is offered with its status; a required connection has no "None".
    expect(choice.locator("option", has_text="vt-main · not tested")).to_have_count(1)
    expect(choice.locator("option", has_text="None")).to_have_count(0)
    expect(choice).to_have_value("")
    expect(inspector.get_by_text("The step needs a connection to run.")).to_be_visible()

    inspector.get_by_test_id("new-connection-button").click()
    form = inspector.get_by_test_id("connection-form")
    expect(form).to_be_visible()
    expect(page.locator(".react-flow__pane")).to_be_visible()
    key = form.get_by_label("API key")
    expect(key).to_have_attribute("type", "password")

    # A name already taken: the server's answer shows by the form, and what was typed stays.
    form.get_by_label("Name").fill("vt-main")
    key.fill(API_KEY)
    form.get_by_test_id("connection-create").click()
    expect(form.get_by_role("alert")).to_contain_text("a connection named 'vt-main' exists")
    expect(form.get_by_label("Name")).to_have_value("vt-main")
    expect(key).to_have_value(API_KEY)
    _screenshot(page, "connection-error")

    form.get_by_label("Name").fill("vt-soc")
    form.get_by_test_id("connection-create").click()
    expect(form).to_have_count(0)
    expect(choice).to_have_value("vt-soc")
    expect(choice.locator("option:checked")).to_have_text("vt-soc · not tested")
    expect(inspector.get_by_role("status")).to_contain_text("Created “vt-soc”")
    _screenshot(page, "connection-created")

    # The test call reaches VirusTotal or not (no network here, a made-up key): either way the
    # outcome is shown and recorded on the connection.
    inspector.get_by_test_id("connection-test").click()
    result = inspector.get_by_test_id("connection-test-result")
    outcome = re.compile(r"^(Connection works\.|Test failed: .+)$")
    expect(result).to_have_text(outcome, timeout=30_000)
    status = re.compile(r"^vt-soc · test(ed ok| failed)$")
    expect(choice.locator("option:checked")).to_have_text(status)
    _screenshot(page, "connection-tested")

    # Choosing it was one edit: undo and redo it.
    page.get_by_test_id("undo-button").click()
    expect(choice).to_have_value("")
    page.get_by_test_id("redo-button").click()
    expect(choice).to_have_value("vt-soc")

    document = _save(page, server, playbook_id, 2)
    lookup = next(node for node in document["nodes"] if node["id"] == "lookup")
    assert lookup["connection"] == "vt-soc"
    connections = call_api(server, "GET", "/api/v1/connections?connector=virustotal")
    assert [(c["name"], c["secret_fields_set"]) for c in connections["data"]] == [
        ("vt-main", ["api_key"]),
        ("vt-soc", ["api_key"]),
    ]
    created = next(c for c in connections["data"] if c["name"] == "vt-soc")
    # The browser's own answers count too, those to the two creations above first of all.
    creations = [
        answer.status
        for answer in answers
        if answer.request.method == "POST" and urlsplit(answer.url).path == "/api/v1/connections"
    ]
    assert creations == [409, 201]
    seen = [
        json.dumps(connections),
        json.dumps(call_api(server, "GET", f"/api/v1/connections/{created['id']}")),
        json.dumps(call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")),
        *(_body(answer) for answer in answers if "/api/" in answer.url),
    ]
    assert not any(API_KEY in text for text in seen)
    assert errors == []


def _body(response: Response) -> str:
    try:
        return response.text()
    except Error:  # a response without a body (204, a redirect) has nothing to leak
        return ""


def test_trigger_settings_schedule_manual_inputs_and_webhook(
    server: Server, signed_in_page: Page
) -> None:
    """The trigger's own settings: a schedule's cron and time zone from the generated form, a
    manual trigger's inputs as a JSON Schema that become dynamic fields, and a webhook's URL
    and signing secret."""
    page = signed_in_page
    page.get_by_role("button", name="New playbook").click()
    expect(page).to_have_url(re.compile(r"/playbooks/[^/]+$"))
    playbook_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_text("Saved · v1")).to_be_visible()
    inspector = page.get_by_test_id("inspector")
    _node(page, "start").click()

    inspector.get_by_label("Starts when").select_option(label="On a schedule")
    params = inspector.get_by_test_id("trigger-params")
    params.get_by_test_id("field-cron").get_by_role("textbox").fill("30 2 * * MON-FRI")
    params.get_by_test_id("field-time_zone").get_by_role("textbox").fill("Europe/Berlin")
    _screenshot(page, "trigger-schedule")
    stored = _save(page, server, playbook_id, 2)
    assert stored["trigger"]["params"] == {"cron": "30 2 * * MON-FRI", "time_zone": "Europe/Berlin"}

    inspector.get_by_label("Starts when").select_option(label="When run by hand")
    schema = {"type": "object", "required": ["ip"], "properties": {"ip": {"type": "string"}}}
    inspector.get_by_test_id("trigger-param-inputs").get_by_role("textbox").fill(json.dumps(schema))
    stored = _save(page, server, playbook_id, 3)
    assert stored["trigger"] == {"id": "start", "type": "core.manual", "params": {"inputs": schema}}
    # A step after this trigger is offered the inputs as fields.
    probe = {
        **stored,
        "nodes": [
            {"id": "note", "kind": "action", "action": "core.compose", "inputs": {"value": 1}}
        ],
        "edges": [{"source": "start", "target": "note"}],
    }
    fields = call_api(
        server, "POST", "/api/v1/playbooks/fields", {"document": probe, "node_id": "note"}
    )["fields"]
    assert "{{ trigger.ip }}" in {field["expression"] for field in fields}

    inspector.get_by_label("Starts when").select_option(label="When a webhook is called")
    expect(inspector.get_by_text("Save the playbook to get its webhook URL.")).to_be_visible()
    _save(page, server, playbook_id, 4)
    panel = inspector.get_by_test_id("webhook-panel")
    url = panel.get_by_role("textbox").input_value()
    assert re.fullmatch(rf"{re.escape(server.url)}/api/v1/hooks/[A-Za-z0-9_-]{{16,}}", url), url
    panel.get_by_role("button", name="Make a signing secret").click()
    expect(panel.get_by_test_id("webhook-secret")).to_have_text(re.compile(r"^whsec_"))
    _screenshot(page, "trigger-webhook")
