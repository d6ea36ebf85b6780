"""The run view of a large run: a foreach of 1,000 iterations, two steps in each, in Debian's
Chromium against `soarflow serve` on a temporary SQLite database.

Prints one JSON line. Run from the repository root after building the frontend
(`make bench` does both): .venv/bin/python -m bench.run_view

- open_ms        navigation start to the run drawn: the run's status shown, the loop and a step
                 inside it in their statuses, the iteration pager there; median of fresh loads.
- switch_ms      a click on "Next iteration" to the step inside showing that iteration's data in
                 its details; median over several iterations.
- api_ms         median server time of each request the view makes (and of the full first page of
                 steps a client that pages through everything would read).
- view_kb        what the view downloads for the run (JSON bodies), against all_steps_kb, every
                 step of the run paged through: why the view asks for frames, not all steps.

Goal: open_ms <= 1000 (issue 9).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.canvas import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, _create_playbook, _server, _sign_in

ITERATIONS = 1000
API_REPEAT = 10
SWITCHES = 5
GOALS = {"open_ms": "<= 1000"}


def _document() -> dict[str, Any]:
    inputs = {"type": "object", "properties": {"ips": {"type": "array"}}}
    return {
        "format": "soarflow.playbook/v1",
        "name": "Look up a thousand addresses",
        "trigger": {"id": "start", "type": "core.manual", "params": {"inputs": inputs}},
        "nodes": [
            {"id": "each_ip", "kind": "foreach", "items": "{{ trigger.ips }}", "concurrency": 20},
            {
                "id": "lookup",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": {"ip": "{{ item }}", "seen": "{{ index }}"}},
                "parent": "each_ip",
                "branch": "body",
            },
            {
                "id": "verdict",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "{{ steps.lookup.output.ip }} looked up"},
                "parent": "each_ip",
                "branch": "body",
            },
            {
                "id": "report",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "{{ steps.each_ip.output | length }} addresses"},
            },
        ],
        "edges": [
            {"source": "start", "target": "each_ip"},
            {"source": "each_ip", "target": "lookup", "branch": "body"},
            {"source": "lookup", "target": "verdict"},
            {"source": "each_ip", "target": "report"},
        ],
    }


def _get(url: str, token: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body: bytes = response.read()
        return body


def _post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def _finished_run(url: str, token: str, playbook_id: str) -> tuple[str, float]:
    ips = [f"10.{n // 65536}.{n // 256 % 256}.{n % 256}" for n in range(ITERATIONS)]
    started = time.perf_counter()
    run = _post(f"{url}/api/v1/playbooks/{playbook_id}/runs", token, {"trigger": {"ips": ips}})
    while True:
        state = json.loads(_get(f"{url}/api/v1/runs/{run['id']}?steps=0", token))
        if state["status"] not in ("queued", "running", "waiting"):
            break
        time.sleep(0.2)
    if state["status"] != "succeeded" or state["steps_total"] < 2 * ITERATIONS:
        raise SystemExit(f"the run ended {state['status']} with {state['steps_total']} steps")
    return str(run["id"]), time.perf_counter() - started


def _api_ms(url: str, token: str, run_id: str) -> dict[str, float]:
    base = f"{url}/api/v1/runs/{run_id}"
    requests = {
        "run": f"{base}?steps=0",
        "top_frame": f"{base}/steps?frame=",
        "iterations_page": f"{base}/iterations?loop=each_ip&limit=200",
        "failed_iterations": f"{base}/iterations?loop=each_ip&status=failed&limit=200",
        "iteration_frame": f"{base}/steps?frame=each_ip%5B500%5D%2F",
        "run_with_first_200_steps": base,
    }
    timings: dict[str, float] = {}
    for name, address in requests.items():
        samples = []
        for _ in range(API_REPEAT):
            started = time.perf_counter()
            _get(address, token)
            samples.append((time.perf_counter() - started) * 1000)
        timings[name] = round(statistics.median(samples), 1)
    return timings


def _all_steps_kb(url: str, token: str, run_id: str) -> float:
    total, address = 0, f"{url}/api/v1/runs/{run_id}/steps?limit=200"
    while address:
        body = _get(address, token)
        total += len(body)
        following = json.loads(body)["next"]
        address = f"{url}{following}" if following else ""
    return round(total / 1024, 1)


OPENED = """() => {
  const status = document.querySelector('[data-testid="run-status"]');
  const loop = document.querySelector('.react-flow__node[data-id="each_ip"]');
  const inner = document.querySelector('.react-flow__node[data-id="verdict"]');
  const pager = document.querySelector('[data-testid="iteration-pager"]');
  return status !== null && loop?.getAttribute('data-status') === 'succeeded'
    && inner?.getAttribute('data-status') === 'succeeded' && pager !== null;
}"""

SHOWS_IP = """(ip) => {
  const details = document.querySelector('[data-testid="node-details"]');
  return details !== null && details.textContent.includes('"' + ip + '"');
}"""


def _open_ms(page: Page, address: str, downloaded: list[int]) -> float:
    page.goto(address, wait_until="commit")
    page.wait_for_function(OPENED, polling="raf", timeout=60_000)
    opened: float = page.evaluate("() => performance.now()")
    downloaded.append(
        page.evaluate(
            """() => performance.getEntriesByType('resource')
                .filter((entry) => entry.name.includes('/api/v1/runs/'))
                .reduce((sum, entry) => sum + entry.decodedBodySize, 0)"""
        )
    )
    return opened


def _switch_ms(page: Page) -> list[float]:
    page.locator('.react-flow__node[data-id="lookup"]').click()
    page.get_by_test_id("node-details").wait_for()
    pager = page.get_by_test_id("iteration-pager")
    samples = []
    for index in range(1, SWITCHES + 1):
        ip = f"10.0.{index // 256}.{index % 256}"
        started = time.perf_counter()
        pager.get_by_role("button", name="Next iteration").click()
        page.wait_for_function(SHOWS_IP, arg=ip, polling="raf", timeout=30_000)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--frontend", type=Path, default=REPO_ROOT / "frontend" / "dist", help="a built frontend"
    )
    args = parser.parse_args()
    if not (args.frontend / "index.html").is_file():
        raise SystemExit(f"{args.frontend}/index.html is missing: build the frontend first")
    with _server(args.frontend) as (url, token), sync_playwright() as playwright:
        playbook = _create_playbook(url, token, _document())
        run_id, run_seconds = _finished_run(url, token, playbook["id"])
        api = _api_ms(url, token, run_id)
        all_steps_kb = _all_steps_kb(url, token, run_id)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        state = _sign_in(browser, url)
        opened: list[float] = []
        switches: list[float] = []
        downloaded: list[int] = []
        for _ in range(args.repeat):
            context = browser.new_context(
                storage_state=state,  # type: ignore[arg-type]
                viewport={"width": 1280, "height": 800},
            )
            page = context.new_page()
            opened.append(_open_ms(page, f"{url}/runs/{run_id}", downloaded))
            switches.extend(_switch_ms(page))
            context.close()
        browser.close()
    result = {
        "benchmark": "run_view",
        "iterations": ITERATIONS,
        "steps": 2 * ITERATIONS + 3,
        "run_s": round(run_seconds, 2),
        "repeat": args.repeat,
        "open_ms": round(statistics.median(opened)),
        "switch_ms": round(statistics.median(switches)),
        "api_ms": api,
        "view_kb": round(statistics.median(downloaded) / 1024, 1),
        "all_steps_kb": all_steps_kb,
        "open_ms_all": [round(value) for value in opened],
        "goals": GOALS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
