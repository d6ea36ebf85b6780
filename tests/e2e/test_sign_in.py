"""Signing in and out through the UI, and what a visitor without a session sees."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Route, expect

from tests.e2e.support import Server, fill_sign_in_form, sign_in

SESSION_ENDED = "Your session ended. Sign in again."


def _sign_in_heading(page: Page) -> Locator:
    return page.get_by_role("heading", name="Sign in")


def _playbooks_heading(page: Page) -> Locator:
    return page.get_by_role("heading", name="Playbooks")


def _me(server: Server) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{server.url}/api/v1/auth/me", headers=server.auth_header(), method="GET"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.load(response)
        return body


def test_a_signed_out_visitor_sees_the_sign_in_page(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = browser_page
    page.goto(server.url)

    expect(_sign_in_heading(page)).to_be_visible()
    expect(page.get_by_text("soarflow", exact=True)).to_be_visible()
    username = page.get_by_label("User name", exact=True)
    password = page.get_by_label("Password", exact=True)
    expect(username).to_be_visible()
    expect(username).to_have_attribute("autocomplete", "username")
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_enabled()
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text(SESSION_ENDED)).to_have_count(0)
    expect(_playbooks_heading(page)).to_have_count(0)
    screenshot("sign-in")


def test_a_wrong_password_is_refused_on_the_sign_in_page(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = browser_page
    page.goto(server.url)
    fill_sign_in_form(page, server.username, "not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    expect(_sign_in_heading(page)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_enabled()
    expect(_playbooks_heading(page)).to_have_count(0)
    screenshot("sign-in-wrong-password")

    # No session was started behind the page's back.
    page.reload()
    expect(_sign_in_heading(page)).to_be_visible()
    expect(_playbooks_heading(page)).to_have_count(0)


def test_the_right_password_opens_the_playbooks_page(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    user = _me(server)["user"]
    shown_name = (user["display_name"] or "").strip() or user["name"]

    page = browser_page
    page.goto(server.url)
    fill_sign_in_form(page, server.username, server.password)
    # Enter in the password field submits, as in any form.
    page.get_by_label("Password", exact=True).press("Enter")

    expect(_playbooks_heading(page)).to_be_visible()
    expect(page.get_by_text("No playbooks yet.")).to_be_visible()
    header = page.get_by_role("banner")
    expect(header).to_contain_text(shown_name)
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(_sign_in_heading(page)).to_have_count(0)
    screenshot("signed-in")

    # The session is a cookie, so it outlives a reload.
    page.reload()
    expect(page.get_by_text("No playbooks yet.")).to_be_visible()
    expect(_sign_in_heading(page)).to_have_count(0)


def test_sign_out_returns_to_the_sign_in_page_for_good(signed_in_page: Page) -> None:
    page = signed_in_page
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()

    expect(_sign_in_heading(page)).to_be_visible()
    expect(_playbooks_heading(page)).to_have_count(0)
    # Signing out is not a session that ended on its own.
    expect(page.get_by_text(SESSION_ENDED)).to_have_count(0)

    page.reload()
    expect(_sign_in_heading(page)).to_be_visible()
    expect(_playbooks_heading(page)).to_have_count(0)


def test_a_session_that_ends_returns_to_the_sign_in_page_with_a_notice(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    def fail(route: Route) -> None:
        route.fulfill(
            status=500,
            json={"error": {"code": "internal_error", "message": "try later", "details": {}}},
        )

    page = browser_page
    # A failed first load leaves a "Try again" button: a way to make one more API call later.
    page.route("**/api/v1/playbooks", fail)
    sign_in(page, server)
    retry = page.get_by_role("alert").get_by_role("button", name="Try again")
    expect(retry).to_be_visible()

    page.unroute("**/api/v1/playbooks")
    # As if the session expired: the server answers the next call with 401.
    page.context.clear_cookies()
    retry.click()

    expect(_sign_in_heading(page)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(SESSION_ENDED)
    expect(page.get_by_role("alert")).to_have_count(0)
    screenshot("session-ended")

    fill_sign_in_form(page, server.username, server.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("No playbooks yet.")).to_be_visible()
