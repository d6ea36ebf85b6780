"""Too many failed sign-ins. A module of its own: its server refuses even the right password
for a while afterwards, which would break any test that signs in after it."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.support import Server, fill_sign_in_form

# Far more than any sensible limit; the loop stops at the first refusal.
MAX_ATTEMPTS = 50


def _sign_in_by_api(server: Server, password: str) -> tuple[int, str | None]:
    """The HTTP status of a sign-in and the error code, if it failed."""
    body = json.dumps({"username": server.username, "password": password}).encode()
    request = urllib.request.Request(
        f"{server.url}/api/v1/auth/login",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        with error:
            code: str = json.load(error)["error"]["code"]
            return error.code, code


def _fail_until_rate_limited(server: Server) -> None:
    for _ in range(MAX_ATTEMPTS):
        answer = _sign_in_by_api(server, "not the password")
        if answer == (429, "rate_limited"):
            return
        assert answer == (401, "invalid_credentials")
    raise AssertionError(f"still no rate limit after {MAX_ATTEMPTS} failed sign-ins")


def test_too_many_failed_sign_ins_say_how_long_to_wait(
    server: Server, browser_page: Page, screenshot: Callable[[str], Path]
) -> None:
    _fail_until_rate_limited(server)

    page = browser_page
    page.goto(server.url)
    fill_sign_in_form(page, server.username, server.password)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"Too many failed sign-ins\. Try again in \d+ (seconds?|minutes)\.")
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot("sign-in-rate-limited")
