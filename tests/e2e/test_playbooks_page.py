"""The playbooks page with playbooks in it, as someone opening it in a browser sees it."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.support import Server, sign_in


def _document(name: str, description: str, *, trigger: str | None) -> dict[str, Any]:
    """An empty playbook; without a trigger the server keeps it as a draft with one problem."""
    document: dict[str, Any] = {
        "format": "soarflow.playbook/v1",
        "name": name,
        "description": description,
        "nodes": [],
        "edges": [],
    }
    if trigger is not None:
        document["trigger"] = {"id": "start", "type": trigger}
    return document


def _post(server: Server, path: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API call as the test user, with the token: set-up that does not go through the UI."""
    data = None if document is None else json.dumps(document).encode()
    headers = server.auth_header()
    if document is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"{server.url}{path}", data=data, headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.load(response)
        return body


def _create(server: Server, document: dict[str, Any]) -> dict[str, Any]:
    return _post(server, "/api/v1/playbooks", document)


def _row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("playbook-row").filter(has_text=name)


def _cell(page: Page, row: Locator, column: str) -> Locator:
    # Found by header text so that reordering the columns does not break the test. textContent,
    # not innerText: the headers are upper-cased by CSS. The headers are read once, without
    # Playwright's retrying, so wait for the table first.
    expect(row).to_be_visible()
    headers = page.get_by_role("columnheader").all_text_contents()
    return row.get_by_role("cell").nth(headers.index(column))


def test_lists_playbooks_with_trigger_status_and_problems(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    expect(page.get_by_text("No playbooks yet.")).to_be_visible()

    blocking = _document(
        "Block risky IPs",
        "Blocks source IPs of new incidents at the firewall",
        trigger="soarflow.incident_created",
    )
    draft = _document("Phishing triage", "Draft: no trigger chosen yet", trigger=None)
    enrichment = _document(
        "Enrich new alerts",
        "Looks up reputation for every new alert",
        trigger="soarflow.alert_created",
    )
    blocking_id = _create(server, blocking)["id"]
    _post(server, f"/api/v1/playbooks/{blocking_id}/enable")
    _create(server, draft)
    _create(server, enrichment)

    # The session cookie outlives the reload.
    page.reload()

    expect(page.get_by_test_id("playbook-row")).to_have_count(3)
    expect(page.get_by_text("3 playbooks", exact=True)).to_be_visible()
    for document, trigger, status, validation in [
        (blocking, "Incident", "Enabled", "Valid"),
        (draft, "Not initialized", "Disabled", "1 problem"),
        (enrichment, "Alert", "Disabled", "Valid"),
    ]:
        row = _row(page, document["name"])
        expect(row.get_by_text(document["name"], exact=True)).to_be_visible()
        expect(row.get_by_text(document["description"], exact=True)).to_be_visible()
        expect(_cell(page, row, "Trigger")).to_have_text(trigger)
        expect(_cell(page, row, "Status")).to_have_text(status)
        expect(_cell(page, row, "Validation")).to_have_text(validation)

    screenshot("playbooks-page")


def test_shows_an_unknown_trigger_kind_as_sent(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    # A newer server may report a kind this frontend has no label for; the list must still load.
    playbook = {
        "id": "pb_future",
        "name": "Webhook responder",
        "description": "Triggered by a kind this build does not know",
        "enabled": False,
        "valid": True,
        "problem_count": 0,
        "trigger_kind": "webhook",
        "runs_count": 0,
        "updated_at": "2026-03-10T11:58:00Z",
        "version": 1,
    }

    def answer(route: Route) -> None:
        route.fulfill(json={"data": [playbook], "total": 1, "next": None})

    page = browser_page
    # Only the list is answered here; signing in and /auth/me go to the real server.
    page.route("**/api/v1/playbooks", answer)
    sign_in(page, server)

    row = _row(page, "Webhook responder")
    expect(_cell(page, row, "Trigger")).to_have_text("webhook")
    expect(page.get_by_role("alert")).to_have_count(0)
    screenshot("unknown-trigger-kind")
