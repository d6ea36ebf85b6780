"""The playbook designer as an analyst uses it: add a step from the palette, wire it to the
trigger, fill in its input, save, and find it all again after a reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.support import Server, call_api

NOT_BEFORE_TRIGGER = "Nothing can run before the trigger"


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
    # The field reads as the analyst typed it, the picked field as a named token.
    expect(field.get_by_test_id("expression-token")).to_have_text("Run · id")
    expect(field.get_by_role("textbox").first).to_have_value("Started by run ")

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
    field = page.get_by_test_id("inspector").get_by_test_id("field-value")
    expect(field.get_by_test_id("expression-token")).to_have_text("Run · id")
    expect(field.get_by_role("textbox").first).to_have_value("Started by run ")
    screenshot("designer-after-reload")
    _edit_around_tokens(field)

    stored = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")
    document = stored["document"]
    assert stored["version"] == 2
    assert document["trigger"] == {"id": "start", "type": "core.manual"}
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
    assert call_api(server, "POST", "/api/v1/playbooks/validate", document) == {
        "valid": True,
        "problems": [],
    }
    assert errors == []


def _enrich_document() -> dict[str, Any]:
    """A loop over the incident's entities with two steps in its body, one run after the other."""
    return {
        "format": "soarflow.playbook/v1",
        "name": "Comment on every entity",
        "trigger": {"id": "incident", "type": "soarflow.incident_created"},
        "nodes": [
            {
                "id": "each",
                "kind": "foreach",
                "title": "Each entity",
                "items": "{{ trigger.entities }}",
            },
            {
                "id": "describe",
                "kind": "action",
                "parent": "each",
                "branch": "body",
                "action": "core.compose",
                "inputs": {"value": "{{ item }}"},
            },
            {
                "id": "note",
                "kind": "action",
                "parent": "each",
                "branch": "body",
                "action": "core.compose",
                "inputs": {"value": "Seen: {{ steps.describe.output }}"},
            },
        ],
        "edges": [
            {"source": "incident", "target": "each"},
            {"source": "each", "target": "describe", "branch": "body"},
            {"source": "describe", "target": "note"},
        ],
        "layout": {"incident": {"x": 0, "y": 0}, "each": {"x": -40, "y": 140}},
    }


def _canvas(page: Page) -> list[tuple[str | None, str | None]]:
    """Every canvas node as (id, where it is drawn), in the order React Flow draws them."""
    nodes = page.locator(".react-flow__node")
    return [
        (node.get_attribute("data-id"), node.evaluate("element => element.style.transform"))
        for node in nodes.all()
    ]


def _save(page: Page, server: Server, playbook_id: str, version: int) -> dict[str, Any]:
    page.keyboard.press("Control+s")
    expect(page.get_by_text(f"Saved · v{version}")).to_be_visible()
    stored = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")
    assert stored["version"] == version
    document: dict[str, Any] = stored["document"]
    return document


def test_copy_paste_a_container_and_undo_redo_exactly(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    created = call_api(server, "POST", "/api/v1/playbooks", _enrich_document())
    playbook_id = created["id"]
    original = created["document"]
    page.goto(f"{server.url}/playbooks/{playbook_id}")
    loop = _node(page, "each")
    expect(loop).to_have_attribute("data-kind", "foreach")
    expect(_node(page, "note")).to_be_visible()
    drawn = _canvas(page)

    # Select the loop by its header, copy it and paste it: the loop comes back with its body,
    # under new ids, next to the original, selected.
    loop.locator(".node-container__header").click()
    expect(loop).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Control+c")
    expect(page.get_by_test_id("designer-notice")).to_contain_text("Copied 3 steps")
    page.keyboard.press("Control+v")
    pasted_loop = _node(page, "each_2")
    expect(pasted_loop).to_have_attribute("data-kind", "foreach")
    for node_id in ("each_2", "describe_2", "note_2"):
        expect(_node(page, node_id)).to_have_class(re.compile(r"\bselected\b"))
    expect(loop).not_to_have_class(re.compile(r"\bselected\b"))
    screenshot("designer-pasted-container")

    pasted = _save(page, server, playbook_id, 2)
    copies = {node["id"]: node for node in pasted["nodes"][3:]}
    assert copies == {
        "each_2": {**original["nodes"][0], "id": "each_2"},
        "describe_2": {**original["nodes"][1], "id": "describe_2", "parent": "each_2"},
        "note_2": {
            **original["nodes"][2],
            "id": "note_2",
            "parent": "each_2",
            "inputs": {"value": "Seen: {{ steps.describe_2.output }}"},
        },
    }
    assert pasted["nodes"][:3] == original["nodes"]
    assert pasted["edges"] == [
        *original["edges"],
        {"source": "each_2", "target": "describe_2", "branch": "body"},
        {"source": "describe_2", "target": "note_2"},
    ]
    # The pasted loop starts unconnected: a problem, pinned on it.
    expect(pasted_loop).to_have_attribute("data-problems", re.compile(r"^[1-9]"))
    after_paste = _canvas(page)

    # Undo puts back exactly what was there, redo exactly what the paste made.
    page.get_by_test_id("undo-button").click()
    expect(pasted_loop).to_have_count(0)
    assert _canvas(page) == drawn
    assert _save(page, server, playbook_id, 3) == original
    page.get_by_test_id("redo-button").click()
    expect(pasted_loop).to_be_visible()
    assert _canvas(page) == after_paste
    assert _save(page, server, playbook_id, 4) == pasted

    # Delete removes the selected loop with its body; Ctrl+Z brings it back.
    pasted_loop.locator(".node-container__header").click()
    page.keyboard.press("Delete")
    expect(pasted_loop).to_have_count(0)
    expect(_node(page, "note_2")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(_node(page, "note_2")).to_be_visible()
    assert _canvas(page) == after_paste

    # Ctrl+D duplicates a step inside its loop.
    page.locator(".react-flow__controls-fitview").click()
    _settled(page, _node(page, "note"))
    _node(page, "note").click()
    page.keyboard.press("Control+d")
    expect(_node(page, "note_3")).to_have_class(re.compile(r"\bselected\b"))
    screenshot("designer-duplicated-step")
    page.keyboard.press("Control+z")
    expect(_node(page, "note_3")).to_have_count(0)
    assert errors == []


def test_edge_run_after_statuses(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    created = call_api(server, "POST", "/api/v1/playbooks", _enrich_document())
    playbook_id = created["id"]
    page.goto(f"{server.url}/playbooks/{playbook_id}")
    edge = page.locator('.react-flow__edge[data-id="describe->note"]')
    expect(edge).to_have_count(1)
    expect(edge.locator(".react-flow__edge-text")).to_have_count(0)

    # The edge runs straight down from one step to the next: click halfway.
    path = edge.locator(".react-flow__edge-path").bounding_box()
    assert path is not None
    page.mouse.click(path["x"] + path["width"] / 2, path["y"] + path["height"] / 2)
    editor = page.get_by_test_id("edge-editor")
    expect(editor).to_be_visible()
    succeeded = editor.get_by_test_id("edge-when-succeeded")
    expect(succeeded).to_be_checked()
    # At least one outcome: the only one cannot be unticked.
    expect(succeeded).to_be_disabled()
    editor.get_by_label("Failed").check()
    expect(succeeded).to_be_enabled()
    expect(edge.locator(".react-flow__edge-text")).to_have_text("succeeded, failed")
    screenshot("designer-edge-statuses")

    editor.get_by_label("Succeeded").uncheck()
    expect(edge.locator(".react-flow__edge-text")).to_have_text("failed")
    page.keyboard.press("Escape")
    expect(editor).to_have_count(0)
    document = _save(page, server, playbook_id, 2)
    assert document["edges"][2] == {"source": "describe", "target": "note", "when": ["failed"]}

    page.get_by_test_id("undo-button").click()
    page.get_by_test_id("undo-button").click()
    expect(edge.locator(".react-flow__edge-text")).to_have_count(0)
    assert _save(page, server, playbook_id, 3) == created["document"]


def _drop(
    page: Page, search: str, item: str, target: Locator, dx: float = 0, dy: float = 0
) -> None:
    """Drags the palette item `item`, found by searching for `search`, onto the canvas, at the
    middle of `target` or `dx` right and `dy` below it."""
    page.get_by_test_id("palette-search").fill(search)
    canvas = page.locator(".canvas")
    box = target.bounding_box()
    canvas_box = canvas.bounding_box()
    assert box is not None
    assert canvas_box is not None
    page.get_by_test_id(f"palette-item-{item}").drag_to(
        canvas,
        target_position={
            "x": box["x"] - canvas_box["x"] + box["width"] / 2 + dx,
            "y": box["y"] - canvas_box["y"] + box["height"] / 2 + dy,
        },
    )
    page.get_by_test_id("palette-search").fill("")


def _edit_around_tokens(field: Locator) -> None:
    """Typing a whole expression makes a token, Backspace after a token removes it whole, and a
    token's expression can be edited as text."""
    tokens = field.get_by_test_id("expression-token")
    text = field.get_by_role("textbox").last
    text.click()
    text.press("End")
    text.press_sequentially(" then {{ vars.count }}")
    expect(tokens).to_have_text(["Run · id", "Variable · count"])
    field.page.keyboard.press("Backspace")
    expect(tokens).to_have_text(["Run · id"])
    expect(field.get_by_role("textbox").last).to_have_value(" then ")
    field.get_by_role("button", name="Run · id: edit the expression").click()
    raw = field.get_by_role("textbox", name="Expression")
    expect(raw).to_have_value("{{ run.id }}")
    raw.fill("{{ run.started_at }}")
    raw.press("Enter")
    expect(tokens).to_have_text(["Run · started_at"])
    field.get_by_role("button", name="Remove Run · started_at").click()
    expect(tokens).to_have_count(0)
    expect(field.get_by_role("textbox")).to_have_value("Started by run  then ")


def _pick(page: Page, field: Locator, *path: str) -> None:
    """Opens the dynamic-fields picker of `field` and picks the field titled `path`, its parts
    joined by the picker's separator (Trigger > entities)."""
    title = " \u203a ".join(path)
    field.get_by_test_id("dynamic-fields-button").click()
    item = page.get_by_test_id("dynamic-field-item").filter(
        has=page.locator(".picker__item-title", has_text=re.compile(f"^{re.escape(title)}$"))
    )
    expect(item).to_have_count(1)
    item.click()


def test_draw_the_virustotal_enrichment_playbook(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.get_by_role("button", name="New playbook").click()
    expect(page).to_have_url(re.compile(r"/playbooks/[^/]+$"))
    playbook_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_text("Saved · v1")).to_be_visible()
    inspector = page.get_by_test_id("inspector")
    # Until the steps are wired, the problems panel lists them over the canvas: fold it.
    problems = page.get_by_test_id("problems-panel")
    problems.get_by_role("button", expanded=True).click()
    expect(problems.get_by_role("button", expanded=False)).to_be_visible()

    # The trigger: a new incident instead of a run by hand.
    trigger = _node(page, "start")
    trigger.click()
    inspector.get_by_label("Starts when").select_option(label="When an incident is created")
    expect(trigger).to_contain_text("soarflow.incident_created")
    # The node is named after the kind of trigger, and renamed with it.
    expect(trigger).to_contain_text("When an incident is created")
    expect(inspector.get_by_label("Title")).to_have_value("")

    # A loop below the trigger, a VirusTotal lookup in its body, a comment below the loop.
    _drop(page, "for each", "control.foreach", trigger, dy=200)
    loop = _node(page, "foreach")
    expect(loop).to_have_attribute("data-kind", "foreach")
    _drop(
        page, "IP address report", "virustotal.get_ip_report", _node(page, "foreach::body"), dy=40
    )
    lookup = _node(page, "get_ip_report")
    expect(lookup).to_have_attribute("data-kind", "action")
    # Room below the loop for the comment: zoom out.
    page.locator(".react-flow__controls-zoomout").click()
    page.locator(".react-flow__controls-zoomout").click()
    _settled(page, loop)
    loop_box = loop.bounding_box()
    assert loop_box is not None
    _drop(
        page,
        "comment to an incident",
        "microsoft_sentinel.add_incident_comment",
        loop,
        dy=loop_box["height"] / 2 + 60,
    )
    comment = _node(page, "add_incident_comment")
    expect(comment).to_have_attribute("data-kind", "action")

    # Wire them: trigger -> loop, the loop's body -> lookup, loop -> comment.
    _drag(
        page,
        trigger.locator(".react-flow__handle.source"),
        loop.locator(".react-flow__handle.target"),
    )
    _drag(
        page,
        loop.locator('.react-flow__handle.source[data-handleid="branch:body"]'),
        lookup.locator(".react-flow__handle.target"),
    )
    _drag(
        page,
        loop.locator(".react-flow__handle.source:not([data-handleid^='branch:'])"),
        comment.locator(".react-flow__handle.target"),
    )
    for edge_id in (
        "start->foreach",
        "foreach->get_ip_report:body",
        "foreach->add_incident_comment",
    ):
        expect(page.locator(f'.react-flow__edge[data-id="{edge_id}"]')).to_have_count(1)

    # The loop goes over the incident's entities, the lookup takes each one's address, the
    # comment goes on the incident: all picked, none typed.
    loop.locator(".node-container__header").click()
    _pick(page, inspector.get_by_test_id("field-items"), "Trigger", "entities")
    expect(inspector.get_by_test_id("field-items").get_by_test_id("expression-token")).to_have_text(
        "Trigger · entities"
    )
    lookup.click()
    _pick(page, inspector.get_by_test_id("field-ip"), "foreach", "current item", "address")
    expect(inspector.get_by_test_id("field-ip").get_by_test_id("expression-token")).to_have_text(
        "Current item · address"
    )
    # VirusTotal's public API allows 4 lookups a minute: retry a refused one, a few times.
    inspector.get_by_test_id("retry-policy").select_option(label="Fixed interval")
    inspector.get_by_test_id("retry-count").fill("3")
    inspector.get_by_test_id("retry-interval").fill("PT20S")
    inspector.get_by_test_id("timeout").fill("PT30S")
    screenshot("designer-retry")
    comment.click()
    _pick(page, inspector.get_by_test_id("field-incident_id"), "Trigger", "id")
    inspector.get_by_test_id("field-message").get_by_role("textbox").fill("Looked up on VirusTotal")
    expect(problems).to_contain_text("No problems")
    screenshot("designer-enrichment")

    page.keyboard.press("Control+s")
    expect(page.get_by_text("Saved · v2")).to_be_visible()
    page.reload()
    expect(_node(page, "get_ip_report")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    expect(page.get_by_text("Saved · v2")).to_be_visible()
    screenshot("designer-enrichment-after-reload")

    stored = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")
    document = stored["document"]
    assert stored["version"] == 2
    assert document["trigger"]["type"] == "soarflow.incident_created"
    assert document["trigger"] == {"id": "start", "type": "soarflow.incident_created"}
    assert document["nodes"] == [
        {"id": "foreach", "kind": "foreach", "items": "{{ trigger.entities }}", "concurrency": 1},
        {
            "id": "get_ip_report",
            "kind": "action",
            "action": "virustotal.get_ip_report",
            "inputs": {"ip": "{{ item.address }}"},
            "retry": {"policy": "fixed", "count": 3, "interval": "PT20S"},
            "timeout": "PT30S",
            "parent": "foreach",
            "branch": "body",
        },
        {
            "id": "add_incident_comment",
            "kind": "action",
            "action": "microsoft_sentinel.add_incident_comment",
            "inputs": {"incident_id": "{{ trigger.id }}", "message": "Looked up on VirusTotal"},
        },
    ]
    assert document["edges"] == [
        {"source": "start", "target": "foreach"},
        {"source": "foreach", "target": "get_ip_report", "branch": "body"},
        {"source": "foreach", "target": "add_incident_comment"},
    ]
    assert set(document["layout"]) == {"start", "foreach", "get_ip_report", "add_incident_comment"}
    # Valid as it is: the validator asks for no connection on a step.
    assert stored["valid"] is True
    assert call_api(server, "POST", "/api/v1/playbooks/validate", document) == {
        "valid": True,
        "problems": [],
    }
    assert errors == []


def _drag_by(page: Page, start: Locator, dx: float, dy: float) -> None:
    """Press on `start`'s header and let go `dx`, `dy` pixels away, moving as a hand does."""
    _settled(page, start)
    box = start.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + 12
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=15)
    page.mouse.up()


def _placement(server: Server, playbook_id: str, node_id: str) -> tuple[str | None, str | None]:
    stored = call_api(server, "GET", f"/api/v1/playbooks/{playbook_id}")["document"]
    node = next(node for node in stored["nodes"] if node["id"] == node_id)
    return node.get("parent"), node.get("branch")


def test_drag_a_step_out_of_its_loop_and_back_in(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    created = call_api(server, "POST", "/api/v1/playbooks", _enrich_document())
    playbook_id = created["id"]
    page.goto(f"{server.url}/playbooks/{playbook_id}")
    loop, note = _node(page, "each"), _node(page, "note")
    expect(note).to_be_visible()
    # Room around the loop, so that nothing is let go near the edge (the canvas would pan).
    page.locator(".react-flow__controls-zoomout").click()
    page.locator(".react-flow__controls-zoomout").click()
    _settled(page, loop)
    loop_box, note_box = loop.bounding_box(), note.bounding_box()
    assert loop_box is not None
    assert note_box is not None

    # Out of the loop, to the empty canvas below it: the step leaves the loop and its edge.
    below_loop = loop_box["y"] + loop_box["height"] + 30 - note_box["y"]
    _drag_by(page, note, 0, below_loop)
    notice = page.get_by_test_id("designer-notice")
    expect(notice).to_contain_text("Moved note out to the canvas")
    expect(page.locator('.react-flow__edge[data-id="describe->note"]')).to_have_count(0)
    screenshot("designer-moved-out")
    document = _save(page, server, playbook_id, 2)
    assert _placement(server, playbook_id, "note") == (None, None)
    assert {"source": "describe", "target": "note"} not in document["edges"]

    # Undo puts it back exactly; redo takes it out again.
    page.locator(".react-flow__pane").click(position={"x": 10, "y": 10})
    page.keyboard.press("Control+z")
    expect(page.locator('.react-flow__edge[data-id="describe->note"]')).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator('.react-flow__edge[data-id="describe->note"]')).to_have_count(0)

    # And back into the loop's body, below the other step.
    lane = _node(page, "each::body")
    _settled(page, lane)
    lane_box, moved_box = lane.bounding_box(), note.bounding_box()
    assert lane_box is not None
    assert moved_box is not None
    into_lane_x = lane_box["x"] + lane_box["width"] / 2 - (moved_box["x"] + moved_box["width"] / 2)
    into_lane_y = lane_box["y"] + lane_box["height"] - 40 - (moved_box["y"] + 12)
    _drag_by(page, note, into_lane_x, into_lane_y)
    screenshot("designer-moving-back")
    expect(notice).to_contain_text("Moved note into Each entity, Body")
    _save(page, server, playbook_id, 3)
    assert _placement(server, playbook_id, "note") == ("each", "body")
    screenshot("designer-moved-back")
