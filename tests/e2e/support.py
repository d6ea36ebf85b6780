"""What the end-to-end tests share besides fixtures: the server's address and credentials, and
signing in through the UI the way a person does."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, expect


@dataclass(frozen=True)
class Server:
    """A running server and the owner account created for the tests."""

    url: str
    username: str
    password: str
    # An API token of the same user, for setting up data without going through the UI.
    token: str

    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def fill_sign_in_form(page: Page, username: str, password: str) -> None:
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)


def sign_in(page: Page, server: Server) -> None:
    """Opens the site signed out and signs in; returns once the playbooks page is shown."""
    page.goto(server.url)
    fill_sign_in_form(page, server.username, server.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Playbooks")).to_be_visible()


def call_api(
    server: Server, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An API call as the test user, with the token: set-up and checks that bypass the UI."""
    data = None if body is None else json.dumps(body).encode()
    headers = server.auth_header()
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"{server.url}{path}", data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
        return answer
