"""The designer's canvas with a generated playbook of 1,000 nodes, in Debian's Chromium.

Prints one JSON line. Run from the repository root after building the frontend
(`make bench` does both): .venv/bin/python -m bench.canvas

- interactive_ms  navigation start to the moment every canvas node is drawn (measured by React
                  Flow) and a click on a node has selected it; median of fresh page loads.
- drag_fps        requestAnimationFrame callbacks per second while the mouse drags a node for
                  two seconds; median of drags.

The server is `soarflow serve` on a temporary SQLite database, set up as the end-to-end tests
do. The playbook is bench.generate's, with its stub action swapped for Core's Compose so that
it validates against the real catalogue, and without stored positions: the designer places
every node. Goals: interactive_ms <= 1000, drag_fps >= 50.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from bench.generate import ACTION, generate

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SOARFLOW = Path(sys.executable).parent / "soarflow"
USERNAME = "bench"
PASSWORD = "correct horse battery staple"
NODES = 1000
DRAG_SECONDS = 2.0
# A mouse reports about this often; the page may take longer to handle each move.
MOVE_INTERVAL_S = 1 / 120
GOALS = {"interactive_ms": "<= 1000", "drag_fps": ">= 50"}


def _soarflow(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(
        [SOARFLOW, *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"soarflow {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as response:
            return bool(json.load(response).get("status") == "ok")
    except (OSError, ValueError):
        return False


@contextmanager
def _server(frontend: Path) -> Iterator[tuple[str, str]]:
    """A fresh server; yields its address and an API token of the owner `bench`."""
    with tempfile.TemporaryDirectory(prefix="soarflow-bench-") as workdir:
        env = {
            **os.environ,
            "SOARFLOW_DATABASE_URL": f"sqlite:///{workdir}/soarflow.db",
            "SOARFLOW_FRONTEND_DIR": str(frontend),
        }
        _soarflow(["db", "upgrade"], env)
        user = ["user", "create", USERNAME, "--role", "owner", "--workspace", "default"]
        _soarflow([*user, "--password-stdin"], env, stdin=PASSWORD)
        token = _soarflow(["token", "create", "--user", USERNAME, "--name", "bench"], env)
        url = f"http://127.0.0.1:{_free_port()}"
        with (Path(workdir) / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [SOARFLOW, "serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 30
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("soarflow serve did not start")
                time.sleep(0.1)
            yield url, token.strip().splitlines()[-1].strip()
        finally:
            process.terminate()
            process.wait(timeout=10)


def _document() -> dict[str, Any]:
    document = generate(NODES)
    for node in document["nodes"]:
        if node.get("action") == ACTION:
            node["action"] = "core.compose"
            node["inputs"] = {"value": f"{{{{ trigger.title }}}} seen by {node['id']}"}
    del document["layout"]
    return document


def _create_playbook(url: str, token: str, document: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/api/v1/playbooks",
        data=json.dumps(document).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        created: dict[str, Any] = json.load(response)
        return created


def _sign_in(browser: Browser, url: str) -> dict[str, Any]:
    """Signs in through the form once; the cookies are reused by every measured page."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.get_by_label("User name", exact=True).fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Playbooks").wait_for()
    state: dict[str, Any] = dict(context.storage_state())
    context.close()
    return state


# The canvas has drawn what is in view: nodes are in the page, each with its size (React Flow
# hides a node until it has one). The designer draws only the nodes in view, so that is all of
# them; a build that draws every node puts them all in the page in the same render.
DRAWN = """() => {
  const nodes = document.querySelectorAll('.react-flow__node');
  if (nodes.length === 0 || document.querySelector('.react-flow__edge') === null) return false;
  for (const node of nodes) if (node.style.visibility === 'hidden') return false;
  return true;
}"""

# Of the given nodes, the one nearest the middle of the canvas.
NEAREST_MIDDLE = """(ids) => {
  const pane = document.querySelector('.react-flow__pane').getBoundingClientRect();
  const middle = {x: pane.left + pane.width / 2, y: pane.top + pane.height / 2};
  let best = null;
  let bestDistance = Infinity;
  for (const id of ids) {
    const node = document.querySelector(`.react-flow__node[data-id="${id}"]`);
    if (node === null) continue;
    const box = node.getBoundingClientRect();
    const dx = box.left + box.width / 2 - middle.x;
    const dy = box.top + box.height / 2 - middle.y;
    const distance = Math.hypot(dx, dy);
    if (distance < bestDistance) [best, bestDistance] = [id, distance];
  }
  return best;
}"""

CENTRE_OF = """(id) => {
  const box = document.querySelector(`.react-flow__node[data-id="${id}"]`).getBoundingClientRect();
  return {x: box.left + box.width / 2, y: box.top + box.height / 2};
}"""

SELECTED_AT = """(id) => {
  const node = document.querySelector(`.react-flow__node[data-id="${id}"]`);
  return node !== null && node.classList.contains('selected') ? performance.now() : null;
}"""

START_COUNTING = """() => {
  window.__frames = 0;
  window.__counting = true;
  const tick = () => {
    if (!window.__counting) return;
    window.__frames += 1;
    requestAnimationFrame(tick);
  };
  window.__started = performance.now();
  requestAnimationFrame(tick);
}"""

STOP_COUNTING = """() => {
  window.__counting = false;
  return {frames: window.__frames, ms: performance.now() - window.__started};
}"""


def _canvas_nodes(document: dict[str, Any]) -> int:
    lanes = {"foreach": 1, "until": 1, "scope": 1, "condition": 2}
    count = 1 + len(document["nodes"])
    for node in document["nodes"]:
        count += len(node["cases"]) + 1 if node["kind"] == "switch" else lanes.get(node["kind"], 0)
    return count


def _interactive_ms(page: Page, url: str, candidates: list[str]) -> tuple[float, str]:
    """Milliseconds to interactive, and the node that was clicked."""
    page.goto(url, wait_until="commit")
    page.wait_for_function(DRAWN, polling="raf", timeout=60_000)
    node_id: str = page.evaluate(NEAREST_MIDDLE, candidates)
    centre = page.evaluate(CENTRE_OF, node_id)
    page.mouse.click(centre["x"], centre["y"])
    handle = page.wait_for_function(SELECTED_AT, arg=node_id, polling="raf", timeout=30_000)
    return float(handle.json_value()), node_id


def _drag_fps(page: Page, node_id: str) -> float:
    node = page.locator(f'.react-flow__node[data-id="{node_id}"]')
    before = node.evaluate("element => element.style.transform")
    centre = page.evaluate(CENTRE_OF, node_id)
    x, y = centre["x"], centre["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(START_COUNTING)
    started = time.monotonic()
    step = 0
    while time.monotonic() - started < DRAG_SECONDS:
        step += 1
        # Back and forth over 120 px, so the node stays on screen.
        offset = (step * 2) % 240
        page.mouse.move(x + (offset if offset <= 120 else 240 - offset), y + offset / 4)
        time.sleep(MOVE_INTERVAL_S)
    counted = page.evaluate(STOP_COUNTING)
    page.mouse.up()
    if node.evaluate("element => element.style.transform") == before:
        raise SystemExit(f"dragging {node_id} did not move it")
    return float(counted["frames"]) / (float(counted["ms"]) / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--frontend", type=Path, default=REPO_ROOT / "frontend" / "dist", help="a built frontend"
    )
    args = parser.parse_args()
    if not (args.frontend / "index.html").is_file():
        raise SystemExit(f"{args.frontend}/index.html is missing: build the frontend first")
    document = _document()
    with _server(args.frontend) as (url, token), sync_playwright() as playwright:
        created = _create_playbook(url, token, document)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        state = _sign_in(browser, url)
        target = f"{url}/playbooks/{created['id']}"
        expected = _canvas_nodes(document)
        # Top-level steps: free to be dragged anywhere.
        candidates = [
            node["id"]
            for node in document["nodes"]
            if "parent" not in node and node["kind"] == "action"
        ]
        interactive: list[float] = []
        drawn: list[int] = []
        fps: list[float] = []
        for _ in range(args.repeat):
            context = browser.new_context(
                storage_state=state,  # type: ignore[arg-type]
                viewport={"width": 1280, "height": 800},
            )
            page = context.new_page()
            ms, node_id = _interactive_ms(page, target, candidates)
            drawn.append(page.locator(".react-flow__node").count())
            interactive.append(ms)
            fps.append(_drag_fps(page, node_id))
            context.close()
        browser.close()
    result = {
        "benchmark": "canvas",
        "nodes": len(document["nodes"]),
        "canvas_nodes": expected,
        "drawn_nodes": max(drawn),
        "problems": len(created["problems"]),
        "repeat": args.repeat,
        "interactive_ms": round(statistics.median(interactive)),
        "drag_fps": round(statistics.median(fps), 1),
        "interactive_ms_all": [round(value) for value in interactive],
        "drag_fps_all": [round(value, 1) for value in fps],
        "goals": GOALS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
