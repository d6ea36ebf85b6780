"""The playbooks page before anything is stored, and when the API fails.

A module of its own so that its server's database stays empty whatever order tests run in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, Route, expect

from tests.e2e.support import Server, sign_in


def test_empty_database_shows_the_empty_state(
    signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page

    expect(page.get_by_role("heading", name="Playbooks")).to_be_visible()
    expect(page.get_by_text("No playbooks yet.")).to_be_visible()
    expect(page.get_by_text("0 playbooks", exact=True)).to_be_visible()
    expect(page.get_by_test_id("playbook-row")).to_have_count(0)
    screenshot("empty-state")


def test_api_error_is_shown_and_try_again_recovers(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    def fail(route: Route) -> None:
        route.fulfill(
            status=500,
            json={
                "error": {"code": "internal_error", "message": "database is down", "details": {}}
            },
        )

    page = browser_page
    # Only the list fails; signing in and /auth/me go to the real server.
    page.route("**/api/v1/playbooks", fail)
    sign_in(page, server)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Could not load playbooks")
    expect(alert).to_contain_text("database is down")
    expect(alert).to_contain_text("internal_error")
    expect(alert).to_contain_text("HTTP 500")
    screenshot("api-error")

    page.unroute("**/api/v1/playbooks")
    alert.get_by_role("button", name="Try again").click()

    expect(page.get_by_text("No playbooks yet.")).to_be_visible()
    expect(alert).to_have_count(0)
