"""The playbook designer as an analyst uses it: add a step from the palette, wire it to the
trigger, fill in its input, save, and find it all again after a reload."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.support import Server

NOT_BEFORE_TRIGGER = "Nothing can run before the trigger"


def _api(server: Server, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """An API call as the test user, with the token: what another client of the API would see."""
    headers = server.auth_header()
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"{server.url}{path}", data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, Any] = json.load(response)
        return result


def _node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def _settled(page: Page, locator: Locator) -> None:
    """Waits until `locator` stops moving: the canvas glides when it centres a node."""
    previous = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == previous:
            return
        previous = box
        page.wait_for_timeout(50)
    raise AssertionError(f"{locator} kept moving")


def _drag(page: Page, start: Locator, end: Locator) -> None:
    """Press on `start`, move the mouse in steps as a hand does, and let go over `end`."""
    _settled(page, start)
    start_box = start.bounding_box()
    end_box = end.bounding_box()
    assert start_box is not None
    assert end_box is not None
    page.mouse.move(
        start_box["x"] + start_box["width"] / 2, start_box["y"] + start_box["height"] / 2
    )
    page.mouse.down()
    page.mouse.move(
        end_box["x"] + end_box["width"] / 2, end_box["y"] + end_box["height"] / 2, steps=12
    )
    page.mouse.up()


def test_build_wire_fill_save_and_reload_a_playbook(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.get_by_role("button", name="New playbook").click()
    expect(page).to_have_url(re.compile(r"/playbooks/[^/]+$"))
    playbook_id = page.url.rsplit("/", 1)[1]
    trigger = _node(page, "start")
    expect(trigger).to_have_attribute("data-kind", "trigger")
    expect(page.get_by_text("Saved · v1")).to_be_visible()

    # Drag Compose from the palette (found by searching) onto the canvas, below the trigger.
    page.get_by_test_id("palette-search").fill("compose")
    expect(page.get_by_test_id("palette-item-core.parse_json")).to_have_count(0)
    pane = page.locator(".react-flow__pane")
    trigger_box = trigger.bounding_box()
    pane_box = pane.bounding_box()
    assert trigger_box is not None
    assert pane_box is not None
    page.get_by_test_id("palette-item-core.compose").drag_to(
        pane,
        target_position={
            "x": trigger_box["x"] - pane_box["x"] + trigger_box["width"] / 2,
            "y": trigger_box["y"] - pane_box["y"] + 220,
        },
    )

    # Not connected, so it can never run: a badge on the node and an entry in the problems panel.
    compose = _node(page, "compose")
    expect(compose).to_have_attribute("data-kind", "action")
    expect(compose).to_have_attribute("data-problems", re.compile(r"^[1-9]"))
    unreachable = page.get_by_test_id("problem-item").filter(has_text="can never run")
    expect(unreachable).to_have_attribute("data-node-id", "compose")
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    screenshot("designer-unconnected-step")

    # Clicking the problem selects the step it is about.
    page.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
    expect(compose).not_to_have_class(re.compile(r"\bselected\b"))
    unreachable.click()
    expect(compose).to_have_class(re.compile(r"\bselected\b"))
    inspector = page.get_by_test_id("inspector")
    expect(inspector.get_by_role("heading", name="Compose")).to_be_visible()

    # Wire trigger -> Compose, handle to handle: the step is reachable now.
    _drag(
        page,
        trigger.locator(".react-flow__handle.source"),
        compose.locator(".react-flow__handle.target"),
    )
    expect(page.locator('.react-flow__edge[data-id="start->compose"]')).to_have_count(1)
    expect(unreachable).to_have_count(0)

    # The other way round is refused, and the canvas says why.
    _drag(page, compose.locator(".react-flow__handle.source"), trigger)
    notice = page.get_by_test_id("designer-notice")
    expect(notice).to_contain_text(NOT_BEFORE_TRIGGER)
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    screenshot("designer-refused-connection")

    # Compose's one input, typed and completed from the dynamic-fields picker.
    field = inspector.get_by_test_id("field-value")
    field.get_by_role("textbox").fill("Started by run ")
    field.get_by_test_id("dynamic-fields-button").click()
    # The run's own id, offered among the fields of the run.
    run_id = page.get_by_test_id("dynamic-field-item").filter(has_text=re.compile(r"^Run\W+id"))
    expect(run_id).to_be_visible()
    screenshot("designer-dynamic-fields")
    run_id.click()
    expect(field.get_by_role("textbox")).to_have_value("Started by run {{ run.id }}")

    # Every problem is solved: no badge, and the panel says so.
    expect(compose).not_to_have_attribute("data-problems", re.compile(r".*"))
    expect(page.get_by_test_id("problems-panel")).to_contain_text("No problems")
    screenshot("designer-valid")

    page.keyboard.press("Control+s")
    expect(page.get_by_text("Saved · v2")).to_be_visible()

    page.reload()
    expect(_node(page, "compose")).to_be_visible()
    expect(page.locator('.react-flow__edge[data-id="start->compose"]')).to_have_count(1)
    expect(page.get_by_text("Saved · v2")).to_be_visible()
    _node(page, "compose").click()
    expect(
        page.get_by_test_id("inspector").get_by_test_id("field-value").get_by_role("textbox")
    ).to_have_value("Started by run {{ run.id }}")
    screenshot("designer-after-reload")

    stored = _api(server, f"/api/v1/playbooks/{playbook_id}")
    document = stored["document"]
    assert stored["version"] == 2
    assert document["trigger"] == {"id": "start", "type": "soarflow.manual", "title": "Run by hand"}
    assert document["nodes"] == [
        {
            "id": "compose",
            "kind": "action",
            "action": "core.compose",
            "inputs": {"value": "Started by run {{ run.id }}"},
        }
    ]
    assert document["edges"] == [{"source": "start", "target": "compose"}]
    assert "compose" in document["layout"]
    assert stored["valid"] is True
    assert _api(server, "/api/v1/playbooks/validate", document) == {"valid": True, "problems": []}
    assert errors == []
