"""The connections page as someone opening it in a browser works with it: the connections with
their status and the playbooks using them; test (against an SMTP server on loopback, and a port
where none listens), rename, replace a secret without ever seeing it, and delete several at
once: refused while an enabled playbook uses one, nothing deleted; done once it is disabled."""

from __future__ import annotations

import re
import sqlite3
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from soarflow.security.secret_box import load_secret_box
from tests.connectors.fakes import Mailbox, free_port, receiving_mail
from tests.e2e.conftest import PASSWORD, USERNAME, Installation
from tests.e2e.support import Server, call_api, sign_in
from tests.fixtures import enrich_ips

API_KEY = "vt-key-first-0123456789"
NEW_API_KEY = "vt-key-second-9876543210"
PLAYBOOK = "Enrich incident IPs"
READER = "rita"
READER_PASSWORD = "reader password for rita"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with receiving_mail() as received:
        yield received


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """A server allowed to reach loopback, where the SMTP server listens."""
    settings = {"SOARFLOW_ALLOWED_NETWORKS": "127.0.0.1/32"}
    installed = Installation.prepare(tmp_path_factory.mktemp("connections"), settings)
    installed.start()
    try:
        yield installed
    finally:
        installed.stop()


@pytest.fixture(scope="module")
def server(installation: Installation, mailbox: Mailbox) -> Server:
    served = Server(installation.url, USERNAME, PASSWORD, installation.token)
    mail = {"security": "none", "from_address": "soc@contoso.example"}
    for connection in [
        {"connector": "virustotal", "name": "vt-main", "fields": {"api_key": API_KEY}},
        {
            "connector": "email",
            "name": "mail-relay",
            "fields": {"host": "127.0.0.1", "port": mailbox.port, **mail},
        },
        {
            "connector": "email",
            "name": "smtp-dead",
            "fields": {"host": "127.0.0.1", "port": free_port(), **mail},
        },
    ]:
        call_api(served, "POST", "/api/v1/connections", connection)
    document = enrich_ips(name=PLAYBOOK)
    document["nodes"][1]["connection"] = "vt-main"
    playbook = call_api(served, "POST", "/api/v1/playbooks", document)
    assert playbook["valid"], playbook["problems"]
    call_api(served, "POST", f"/api/v1/playbooks/{playbook['id']}/enable")
    return served


def _row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("connection-row").filter(has=page.get_by_text(name, exact=True))


def _listed(server: Server) -> dict[str, dict[str, Any]]:
    found = call_api(server, "GET", "/api/v1/connections")["data"]
    return {connection["name"]: connection for connection in found}


def _text_of(server: Server, path: str) -> str:
    request = urllib.request.Request(f"{server.url}{path}", headers=server.auth_header())
    with urllib.request.urlopen(request, timeout=10) as response:
        text: str = response.read().decode()
        return text


def _stored_api_key(installation: Installation, connection_id: str) -> str:
    with sqlite3.connect(installation.workdir / "soarflow.db") as database:
        (secrets,) = database.execute(
            "SELECT secrets FROM connection WHERE id = ?", (connection_id,)
        ).fetchone()
    box = load_secret_box(environ={}, var_dir=installation.workdir / "var")
    return box.decrypt(secrets)["api_key"]


def _open_page(page: Page, server: Server) -> None:
    sign_in(page, server)
    page.get_by_role("link", name="Connections", exact=True).click()
    expect(page.get_by_role("heading", name="Connections")).to_be_visible()


def test_connections_are_listed_tested_renamed_edited_and_deleted(
    server: Server,
    installation: Installation,
    browser_page: Page,
    screenshot: Callable[[str], Path],
) -> None:
    page = browser_page
    _open_page(page, server)
    table = page.get_by_test_id("connections-table")
    expect(table.get_by_test_id("connection-row")).to_have_count(3)
    expect(page.get_by_text("3 connections", exact=True)).to_be_visible()
    for name in ("vt-main", "mail-relay", "smtp-dead"):
        expect(_row(page, name).get_by_test_id("connection-status")).to_have_text("Never tested")
    vt = _row(page, "vt-main")
    expect(vt.get_by_text("VirusTotal", exact=True)).to_be_visible()
    used_by = vt.get_by_test_id("connection-used-by")
    expect(used_by.get_by_role("link", name=PLAYBOOK)).to_be_visible()
    expect(used_by.get_by_text("Enabled", exact=True)).to_be_visible()
    expect(_row(page, "mail-relay").get_by_text("No playbook")).to_be_visible()
    screenshot("connections-page")

    _tests_show_connected_and_the_reason_of_an_error(page)
    screenshot("connections-page-tested")
    _filters_are_kept_in_the_address(page)
    _rename(page, server, screenshot)
    _edit_authorization(page, server, installation, screenshot)
    _delete_refused_then_done(page, server, screenshot)


def _tests_show_connected_and_the_reason_of_an_error(page: Page) -> None:
    working = _row(page, "mail-relay")
    working.get_by_test_id("test-connection-button").click()
    expect(working.get_by_test_id("connection-status")).to_have_text("Connected")
    expect(working.get_by_role("time")).to_have_text("just now")

    dead = _row(page, "smtp-dead")
    dead.get_by_test_id("test-connection-button").click()
    status = dead.get_by_test_id("connection-status")
    expect(status).to_contain_text("Error")
    expect(status).to_contain_text("127.0.0.1")


def _filters_are_kept_in_the_address(page: Page) -> None:
    page.get_by_label("Connector").select_option(label="Email (SMTP)")
    expect(page).to_have_url(re.compile(r"/connections\?connector=email$"))
    expect(page.get_by_test_id("connection-row")).to_have_count(2)
    page.get_by_placeholder("Search names").fill("dead")
    expect(page).to_have_url(re.compile(r"q=dead"))
    expect(page.get_by_test_id("connection-row")).to_have_count(1)
    page.reload()
    expect(page.get_by_test_id("connection-row")).to_have_count(1)
    expect(page.get_by_text("1 of 3 connections", exact=True)).to_be_visible()
    page.get_by_placeholder("Search names").fill("")
    page.get_by_label("Connector").select_option(label="Any connector")
    expect(page.get_by_test_id("connection-row")).to_have_count(3)


def _rename(page: Page, server: Server, screenshot: Callable[[str], Path]) -> None:
    _row(page, "vt-main").get_by_test_id("rename-connection-button").click()
    dialog = page.get_by_test_id("rename-connection-dialog")
    expect(dialog.get_by_text("The playbook using it is changed")).to_be_visible()
    field = dialog.get_by_label("New name")
    field.fill("mail-relay")
    dialog.get_by_role("button", name="Rename", exact=True).click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Another connection in this workspace is named “mail-relay”."
    )
    screenshot("connections-rename")
    field.fill("VirusTotal production")
    dialog.get_by_role("button", name="Rename", exact=True).click()
    expect(dialog).to_be_hidden()
    renamed = _row(page, "VirusTotal production")
    expect(renamed.get_by_role("link", name=PLAYBOOK)).to_be_visible()

    playbook_id = _listed(server)["VirusTotal production"]["used_by"][0]["id"]
    playbook = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")
    assert playbook["document"]["nodes"][1]["connection"] == "VirusTotal production"
    assert playbook["enabled"]


def _edit_authorization(
    page: Page, server: Server, installation: Installation, screenshot: Callable[[str], Path]
) -> None:
    connection = _listed(server)["VirusTotal production"]
    assert _stored_api_key(installation, connection["id"]) == API_KEY

    _row(page, "VirusTotal production").get_by_test_id("edit-connection-button").click()
    dialog = page.get_by_test_id("edit-connection-dialog")
    key = dialog.get_by_label("API key")
    expect(key).to_have_attribute("type", "password")
    expect(key).to_have_value("")
    expect(dialog.get_by_text("Leave empty to keep the stored value.")).to_be_visible()
    screenshot("connections-edit-authorization")
    # Saved empty: the stored key stays.
    dialog.get_by_test_id("save-authorization").click()
    expect(dialog).to_be_hidden()
    assert _stored_api_key(installation, connection["id"]) == API_KEY

    _row(page, "VirusTotal production").get_by_test_id("edit-connection-button").click()
    dialog.get_by_label("API key").fill(NEW_API_KEY)
    dialog.get_by_test_id("save-authorization").click()
    expect(dialog).to_be_hidden()
    assert _stored_api_key(installation, connection["id"]) == NEW_API_KEY

    answers = [
        _text_of(server, "/api/v1/connections"),
        _text_of(server, f"/api/v1/connections/{connection['id']}"),
        _text_of(server, "/api/v1/audit?limit=200"),
        page.content(),
    ]
    for answer in answers:
        assert API_KEY not in answer
        assert NEW_API_KEY not in answer


def _delete_refused_then_done(
    page: Page, server: Server, screenshot: Callable[[str], Path]
) -> None:
    for name in ("VirusTotal production", "smtp-dead"):
        _row(page, name).get_by_role("checkbox").check()
    page.get_by_test_id("delete-selected-button").click()
    dialog = page.get_by_test_id("delete-connections-dialog")
    heading = dialog.get_by_role("heading")
    expect(heading).to_contain_text("“VirusTotal production”")
    expect(heading).to_contain_text("“smtp-dead”")
    dialog.get_by_role("button", name="Delete 2 connections").click()
    refusal = dialog.get_by_test_id("in-use-list")
    expect(refusal).to_contain_text("VirusTotal production, used by")
    expect(dialog.get_by_role("alert")).to_contain_text("Nothing was deleted")
    expect(refusal.get_by_role("link", name=PLAYBOOK)).to_be_visible()
    screenshot("connections-delete-refused")
    dialog.get_by_role("button", name="Cancel").click()
    assert set(_listed(server)) == {"VirusTotal production", "mail-relay", "smtp-dead"}

    playbook_id = _listed(server)["VirusTotal production"]["used_by"][0]["id"]
    call_api(server, "POST", f"/api/v1/playbooks/{playbook_id}/disable")
    page.reload()
    for name in ("VirusTotal production", "smtp-dead"):
        _row(page, name).get_by_role("checkbox").check()
    page.get_by_test_id("delete-selected-button").click()
    expect(dialog).to_contain_text(f"Disabled playbooks using them: {PLAYBOOK}.")
    dialog.get_by_role("button", name="Delete 2 connections").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("connection-row")).to_have_count(1)
    assert set(_listed(server)) == {"mail-relay"}
    screenshot("connections-after-delete")


def test_a_reader_sees_the_connections_but_cannot_change_them(
    server: Server, browser_page: Page
) -> None:
    user = call_api(server, "POST", "/api/v1/users", {"name": READER, "password": READER_PASSWORD})
    call_api(server, "PUT", f"/api/v1/workspaces/default/members/{user['id']}", {"role": "reader"})
    page = browser_page
    sign_in(page, Server(server.url, READER, READER_PASSWORD, server.token))
    page.goto(f"{server.url}/connections")
    row = page.get_by_test_id("connection-row").first
    expect(row).to_be_visible()
    for test_id in ("test-connection-button", "edit-connection-button", "rename-connection-button"):
        expect(row.get_by_test_id(test_id)).to_be_disabled()
    expect(row.get_by_role("checkbox")).to_be_disabled()
    expect(page.get_by_test_id("delete-selected-button")).to_be_disabled()
