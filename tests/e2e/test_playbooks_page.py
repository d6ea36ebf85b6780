"""The playbooks page with playbooks in it, as someone opening it in a browser sees it and
works with it: search, filter by workspace, enable, duplicate, delete, export and import."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.support import Server, call_api, fill_sign_in_form, sign_in

READER = "rita"
READER_PASSWORD = "reader password for rita"


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


def _status(server: Server, path: str) -> int:
    """The HTTP status of a GET, errors included."""
    request = urllib.request.Request(f"{server.url}{path}", headers=server.auth_header())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def _create(server: Server, document: dict[str, Any]) -> dict[str, Any]:
    return call_api(server, "POST", "/api/v1/playbooks", document)


def _named(server: Server, name: str) -> list[dict[str, Any]]:
    """The playbooks the API lists under exactly this name."""
    found = call_api(server, "GET", "/api/v1/playbooks?" + urllib.parse.urlencode({"q": name}))[
        "data"
    ]
    return [playbook for playbook in found if playbook["name"] == name]


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
    call_api(server, "POST", f"/api/v1/playbooks/{blocking_id}/enable")
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
        "workspace_id": "ws_future",
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


def _search_box(page: Page) -> Locator:
    return page.get_by_role("searchbox", name="Search playbooks by name")


def _open_list(page: Page, server: Server) -> None:
    """Shows the list again after set-up through the API, as a reload would."""
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Playbooks")).to_be_visible()


def test_search_filters_rows_debounced_and_survives_a_reload(
    server: Server, signed_in_page: Page
) -> None:
    page = signed_in_page
    for name in ["Search alpha VirusTotal", "Search alpha AbuseIPDB", "Search beta Shodan"]:
        _create(server, _document(name, "", trigger="core.manual"))
    _open_list(page, server)

    # Typed key by key, as a person does; the list follows once the typing pauses.
    _search_box(page).press_sequentially("search ALPHA", delay=40)
    rows = page.get_by_test_id("playbook-row")
    expect(rows).to_have_count(2)
    expect(_row(page, "Search alpha VirusTotal")).to_be_visible()
    expect(_row(page, "Search alpha AbuseIPDB")).to_be_visible()
    expect(page).to_have_url(f"{server.url}/?q=search+ALPHA")
    expect(page.get_by_text("2 playbooks", exact=True)).to_be_visible()

    page.reload()
    expect(_search_box(page)).to_have_value("search ALPHA")
    expect(rows).to_have_count(2)

    _search_box(page).fill("search gamma")
    expect(page.get_by_text("No playbooks match “search gamma”.")).to_be_visible()
    page.get_by_role("button", name="Clear the filters").click()
    expect(_search_box(page)).to_have_value("")
    expect(page).to_have_url(f"{server.url}/")
    expect(_row(page, "Search beta Shodan")).to_be_visible()


def test_workspace_filter_lists_one_workspace_and_survives_a_reload(
    server: Server, signed_in_page: Page
) -> None:
    page = signed_in_page
    call_api(server, "POST", "/api/v1/workspaces", {"name": "secops"})
    # The test token only reaches the workspace it was made for; the signed-in session reaches both.
    csrf = page.request.get(f"{server.url}/api/v1/auth/me").json()["csrf_token"]
    for name, workspace in [
        ("Hunt lateral movement", "secops"),
        ("Default desk triage", "default"),
    ]:
        created = page.request.post(
            f"{server.url}/api/v1/playbooks?workspace={workspace}",
            data=_document(name, "", trigger=None),
            headers={"X-CSRF-Token": csrf},
        )
        assert created.status == 201, created.text()
    _open_list(page, server)

    expect(_cell(page, _row(page, "Hunt lateral movement"), "Workspace")).to_have_text("secops")
    expect(_cell(page, _row(page, "Default desk triage"), "Workspace")).to_have_text("default")

    page.get_by_label("Workspace").select_option("secops")
    expect(page).to_have_url(f"{server.url}/?workspace=secops")
    expect(page.get_by_test_id("playbook-row")).to_have_count(1)
    expect(_row(page, "Hunt lateral movement")).to_be_visible()

    page.reload()
    expect(page.get_by_label("Workspace")).to_have_value("secops")
    expect(page.get_by_test_id("playbook-row")).to_have_count(1)

    page.get_by_label("Workspace").select_option("All workspaces")
    expect(_row(page, "Default desk triage")).to_be_visible()
    expect(page).to_have_url(f"{server.url}/")


def test_enable_toggle_switches_a_valid_playbook_and_shows_why_an_invalid_one_cannot(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    valid_id = _create(server, _document("Toggle ready", "", trigger="core.manual"))["id"]
    draft_id = _create(server, _document("Toggle draft", "", trigger=None))["id"]
    _open_list(page, server)

    ready = _row(page, "Toggle ready")
    toggle = ready.get_by_test_id("row-enable-toggle")
    expect(toggle).to_have_attribute("aria-checked", "false")
    toggle.click()
    expect(_cell(page, ready, "Status")).to_have_text("Enabled")
    expect(toggle).to_have_attribute("aria-checked", "true")
    assert call_api(server, "GET", f"/api/v1/playbooks/{valid_id}")["enabled"] is True

    toggle.click()
    expect(_cell(page, ready, "Status")).to_have_text("Disabled")
    assert call_api(server, "GET", f"/api/v1/playbooks/{valid_id}")["enabled"] is False

    draft = _row(page, "Toggle draft")
    draft.get_by_test_id("row-enable-toggle").click()
    refusal = page.get_by_test_id("row-error")
    expect(refusal).to_have_text(
        re.compile(r"Could not enable: fix the playbook's 1 problem\(s\) before enabling it")
    )
    expect(refusal.get_by_role("alert")).to_be_visible()
    expect(_cell(page, draft, "Status")).to_have_text("Disabled")
    assert call_api(server, "GET", f"/api/v1/playbooks/{draft_id}")["enabled"] is False
    screenshot("playbooks-enable-refused")

    refusal.get_by_role("button", name="Dismiss the error").click()
    expect(refusal).to_have_count(0)


def test_duplicate_adds_a_copy_to_the_list(server: Server, signed_in_page: Page) -> None:
    page = signed_in_page
    original = _document("Duplicate source", "Copied by the test", trigger="core.manual")
    original["layout"] = {"start": {"x": 40, "y": 80}}
    _create(server, original)
    _open_list(page, server)

    _row(page, "Duplicate source").get_by_role("button", name="Duplicate").click()

    expect(_row(page, "Duplicate source (copy)")).to_be_visible()
    expect(page).to_have_url(f"{server.url}/")
    (copy,) = _named(server, "Duplicate source (copy)")
    document = call_api(server, "GET", f"/api/v1/playbooks/{copy['id']}")["document"]
    assert document == {**original, "name": "Duplicate source (copy)"}


def test_delete_asks_first_and_cancel_keeps_the_playbook(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    playbook_id = _create(server, _document("Delete candidate", "", trigger=None))["id"]
    _open_list(page, server)
    row = _row(page, "Delete candidate")

    row.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete “Delete candidate”?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("cannot be undone")
    screenshot("playbooks-delete-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(row).to_be_visible()
    assert _status(server, f"/api/v1/playbooks/{playbook_id}") == 200

    # Escape cancels too.
    row.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert _status(server, f"/api/v1/playbooks/{playbook_id}") == 200

    row.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete playbook").click()
    expect(dialog).to_have_count(0)
    expect(row).to_have_count(0)
    assert _status(server, f"/api/v1/playbooks/{playbook_id}") == 404


def test_export_downloads_the_playbook_document(server: Server, signed_in_page: Page) -> None:
    page = signed_in_page
    document = _document("Export: VT / AbuseIPDB!", "Exported by the test", trigger="core.manual")
    document["variables"] = {"seen": {"type": "array", "initial": []}}
    playbook_id = _create(server, document)["id"]
    _open_list(page, server)

    with page.expect_download() as download_info:
        _row(page, "Export: VT / AbuseIPDB!").get_by_role("button", name="Export").click()
    download = download_info.value

    assert download.suggested_filename == "export-vt-abuseipdb.json"
    exported = json.loads(Path(download.path()).read_text())
    assert exported == call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")["document"]
    assert exported == document


def test_import_creates_the_playbook_and_opens_it(
    server: Server, signed_in_page: Page, tmp_path: Path
) -> None:
    page = signed_in_page
    # A draft (no trigger): the server keeps it, and the designer is where it gets fixed.
    document = _document("Imported phishing triage", "From a file", trigger=None)
    file = tmp_path / "phishing-triage.json"
    file.write_text(json.dumps(document))

    page.get_by_test_id("import-file").set_input_files(file)

    expect(page).to_have_url(re.compile(r"/playbooks/[^/]+$"))
    (imported,) = _named(server, "Imported phishing triage")
    assert page.url.endswith(f"/playbooks/{imported['id']}")
    assert call_api(server, "GET", f"/api/v1/playbooks/{imported['id']}")["document"] == document


def test_import_of_a_file_that_is_not_a_playbook_shows_why(
    server: Server, signed_in_page: Page, tmp_path: Path, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    not_a_playbook = tmp_path / "alert-export.json"
    not_a_playbook.write_text(json.dumps({"alerts": [{"id": 1}]}))
    not_json = tmp_path / "notes.json"
    not_json.write_text("name: not json")
    total_before = call_api(server, "GET", "/api/v1/playbooks")["total"]

    page.get_by_test_id("import-file").set_input_files(not_a_playbook)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Could not import alert-export.json")
    expect(alert).to_contain_text(
        "a playbook must be a JSON object with format 'soarflow.playbook/v1' and a name"
    )
    expect(alert).to_contain_text("invalid_document")
    expect(page).to_have_url(f"{server.url}/")
    screenshot("playbooks-import-refused")

    page.get_by_test_id("import-file").set_input_files(not_json)
    expect(alert).to_contain_text("notes.json is not a JSON file")
    assert call_api(server, "GET", "/api/v1/playbooks")["total"] == total_before

    alert.get_by_role("button", name="Dismiss").click()
    expect(alert).to_have_count(0)


def _add_reader(server: Server) -> None:
    user = call_api(server, "POST", "/api/v1/users", {"name": READER, "password": READER_PASSWORD})
    call_api(server, "PUT", f"/api/v1/workspaces/default/members/{user['id']}", {"role": "reader"})


def test_a_reader_sees_no_write_actions_and_the_server_refusal_when_roles_change(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    _add_reader(server)
    _create(server, _document("Reader sees this", "", trigger="core.manual"))
    page = browser_page
    page.goto(server.url)
    fill_sign_in_form(page, READER, READER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    row = _row(page, "Reader sees this")
    expect(row.get_by_role("button", name="Duplicate")).to_be_disabled()
    expect(row.get_by_role("button", name="Delete")).to_be_disabled()
    expect(row.get_by_test_id("row-enable-toggle")).to_be_disabled()
    expect(row.get_by_role("button", name="Export")).to_be_enabled()
    expect(page.get_by_role("button", name="New playbook")).to_be_disabled()
    expect(page.get_by_role("button", name="Import…")).to_be_disabled()
    screenshot("playbooks-reader")

    # The page believes the roles it was given; if they were out of date, the server's refusal
    # is what the reader sees.
    def as_owner(route: Route) -> None:
        me = route.fetch().json()
        for workspace in me["workspaces"]:
            workspace["permissions"] = ["playbook.read", "playbook.write", "playbook.enable"]
        route.fulfill(json=me)

    page.route("**/api/v1/auth/me", as_owner)
    page.reload()
    row.get_by_test_id("row-enable-toggle").click()
    expect(page.get_by_test_id("row-error")).to_contain_text(
        "Could not enable: your role does not allow this"
        " (it needs the 'playbook.enable' permission)"
    )
    row.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete playbook").click()
    expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text(
        "your role does not allow this (it needs the 'playbook.write' permission)"
    )
