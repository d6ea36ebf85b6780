"""An admin brings Sentinel playbooks along: the templates are chosen in the browser, each
file's outcome is listed, and each imported playbook opens in the designer, where what did not
carry over shows as problems on its node."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import REPO_ROOT
from tests.e2e.support import Server, call_api

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "sentinel-playbooks"
CLEAN = CORPUS / "Block-AADUser-incident-trigger.json"
WITH_GAPS = CORPUS / "AS-Incident-Spiderfoot-Scan.json"


def test_import_sentinel_templates_and_open_them_in_the_designer(
    server: Server,
    signed_in_page: Page,
    tmp_path: Path,
    screenshot: Callable[[str], Path],
) -> None:
    page = signed_in_page
    not_a_template = tmp_path / "notes.json"
    not_a_template.write_text('{"these": "are notes"}')
    page.get_by_role("button", name="From Sentinel…").click()
    dialog = page.get_by_test_id("sentinel-import")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("sentinel-import-files").set_input_files(
        [CLEAN, WITH_GAPS, not_a_template]
    )
    results = dialog.get_by_test_id("import-result")
    expect(results).to_have_count(3)
    expect(results.nth(0)).to_have_attribute("data-status", "imported")
    expect(results.nth(0)).to_contain_text("Imported: complete and valid")
    expect(results.nth(1)).to_have_attribute("data-status", "draft")
    expect(results.nth(1)).to_contain_text("5 parts not carried over")
    expect(results.nth(1)).to_contain_text("no action has this name (a dangling reference)")
    expect(results.nth(2)).to_have_attribute("data-status", "failed")
    expect(results.nth(2)).to_contain_text("not an ARM template or a Logic Apps workflow")
    screenshot("sentinel-import-results")

    # The draft opens with its unmapped steps marked as problems on the canvas.
    results.nth(1).get_by_role("link").click()
    expect(page).to_have_url(f"{server.url}/playbooks/" + page.url.rsplit("/", 1)[1])
    flagged = page.locator('.react-flow__node[data-id="http__start_scan"]')
    expect(flagged).to_have_attribute("data-problems", "1")
    screenshot("sentinel-import-draft-in-designer")
    playbook_id = page.url.rsplit("/", 1)[1]
    report = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}/import-report")
    assert report["unmapped"] == 5

    # The complete one opens valid.
    page.go_back()
    page.get_by_role("button", name="From Sentinel…").click()
    page.get_by_test_id("sentinel-import-files").set_input_files([CLEAN])
    page.get_by_test_id("import-result").get_by_role("link").click()
    expect(page.locator('.react-flow__node[data-id="for_each"]')).to_be_visible()
    expect(page.locator(".react-flow__node[data-problems]")).to_have_count(0)
    screenshot("sentinel-import-clean-in-designer")
