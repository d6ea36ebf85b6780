"""The runs pages, as someone checking on their playbooks in a browser uses them: the list of every
run, filtered by status and playbook, through to one run; and a playbook's runs page with its
charts of the last days, reached from the playbooks list and from the designer."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.support import Server, call_api

TRIAGE = "Triage a suspicious sign-in"
NOTIFY = "Notify the SOC"
BLOCKED = "Blocked: the verdict was malicious"
# Long enough for a playbook of a few core steps on a test machine that is busy.
RUN_TIMEOUT_S = 20.0
ACTIVE = {"queued", "running", "waiting"}


def _playbook(server: Server, name: str, nodes: list[dict[str, Any]]) -> str:
    """A playbook run by hand, its steps one after the other, only `core` ones: no outbound call."""
    ids = ["start", *(node["id"] for node in nodes if "parent" not in node)]
    edges = [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]
    edges += [
        {"source": node["parent"], "target": node["id"], "branch": node["branch"]}
        for node in nodes
        if "parent" in node
    ]
    document = {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": {"id": "start", "type": "core.manual"},
        "nodes": nodes,
        "edges": edges,
    }
    created = call_api(server, "POST", "/api/v1/playbooks", document)
    assert created["valid"], created["problems"]
    return str(created["id"])


def _triage_playbook(server: Server) -> str:
    """Notes the verdict, and ends the run as failed when it is malicious."""
    return _playbook(
        server,
        TRIAGE,
        [
            {
                "id": "note",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "verdict: {{ trigger.verdict }}"},
            },
            {
                "id": "malicious",
                "kind": "condition",
                "condition": {
                    "all": [{"left": "{{ trigger.verdict }}", "op": "eq", "right": "malicious"}]
                },
            },
            {
                "id": "block",
                "kind": "action",
                "parent": "malicious",
                "branch": "true",
                "action": "core.terminate",
                "inputs": {"status": "failed", "code": "blocked", "message": BLOCKED},
            },
        ],
    )


def _run_to_end(server: Server, playbook_id: str, trigger: dict[str, Any]) -> dict[str, Any]:
    """Starts a run by hand and waits until it has ended; the run as the list shows it."""
    started = call_api(
        server, "POST", f"/api/v1/playbooks/{playbook_id}/runs", {"trigger": trigger}
    )
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        run = call_api(server, "GET", f"/api/v1/runs/{started['id']}")
        if run["status"] not in ACTIVE:
            return run
        assert time.monotonic() < deadline, f"run {run['id']} is still {run['status']}"
        time.sleep(0.1)


def _open_section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name=name, exact=True
    ).click()


def test_lists_filters_and_charts_runs(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    page = signed_in_page
    triage_id = _triage_playbook(server)
    notify_id = _playbook(
        server,
        NOTIFY,
        [{"id": "say", "kind": "action", "action": "core.compose", "inputs": {"value": "hi"}}],
    )
    verdicts = ["benign", "benign", "malicious", "benign"]
    triage_runs = [_run_to_end(server, triage_id, {"verdict": verdict}) for verdict in verdicts]
    notify_run = _run_to_end(server, notify_id, {})
    statuses = [run["status"] for run in triage_runs]
    assert statuses == ["succeeded", "succeeded", "failed", "succeeded"], triage_runs
    failed = triage_runs[2]

    # Every run, newest first, each saying how it ended and who started it.
    _open_section(page, "Runs")
    expect(page).to_have_url(f"{server.url}/runs")
    rows = page.get_by_test_id("runs-table").get_by_test_id("run-row")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text(NOTIFY)
    expect(rows.get_by_test_id("run-status")).to_have_text(
        ["Succeeded", "Succeeded", "Failed", "Succeeded", "Succeeded"]
    )
    failed_row = rows.nth(2)
    expect(failed_row).to_contain_text(BLOCKED)
    expect(failed_row).to_contain_text(f"Manual, by {server.username}")
    expect(failed_row).to_contain_text("v1")
    expect(failed_row.get_by_role("link", name=TRIAGE)).to_have_attribute(
        "href", f"/playbooks/{triage_id}"
    )
    expect(page.get_by_text("5 runs", exact=True)).to_be_visible()
    screenshot("ui-runs-list")

    # The filters live in the address.
    page.get_by_label("Status").select_option("failed")
    expect(page).to_have_url(f"{server.url}/runs?status=failed")
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("run-status")).to_have_text(["Failed"])
    screenshot("ui-runs-failed")
    page.reload()
    expect(page.get_by_label("Status")).to_have_value("failed")
    expect(rows).to_have_count(1)

    rows.get_by_role("link", name="Open run").click()
    expect(page).to_have_url(f"{server.url}/runs/{failed['id']}")

    page.goto(f"{server.url}/runs")
    page.get_by_label("Playbook").select_option(label=NOTIFY)
    expect(page).to_have_url(f"{server.url}/runs?playbook={notify_id}")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name="Open run")).to_have_attribute(
        "href", f"/runs/{notify_run['id']}"
    )
    page.get_by_label("Started").select_option("24h")
    expect(page).to_have_url(f"{server.url}/runs?playbook={notify_id}&range=24h")
    expect(rows).to_have_count(1)
    page.get_by_label("Started").select_option("")
    page.get_by_label("Status").select_option("cancelled")
    expect(page.get_by_text("No runs match these filters.")).to_be_visible()
    page.get_by_role("button", name="Clear the filters").click()
    expect(page).to_have_url(f"{server.url}/runs")
    expect(rows).to_have_count(5)

    # A playbook's runs, from its row in the playbooks list.
    _open_section(page, "Playbooks")
    playbook_row = page.get_by_test_id("playbook-row").filter(has_text=TRIAGE)
    expect(playbook_row).to_be_visible()
    screenshot("ui-playbooks-runs-link")
    playbook_row.get_by_role("link", name=f"4 runs of {TRIAGE}").click()
    expect(page).to_have_url(f"{server.url}/playbooks/{triage_id}/runs")
    expect(page.get_by_role("heading", name=TRIAGE, level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Open in designer")).to_have_attribute(
        "href", f"/playbooks/{triage_id}"
    )

    # Each day's bar holds that day's runs (UTC), and its tooltip says which.
    per_day = page.get_by_test_id("runs-per-day-chart")
    expect(per_day.locator("figcaption")).to_contain_text("Runs per day")
    expect(per_day.get_by_test_id("day-bar")).to_have_count(30)
    by_day = Counter((run["created_at"][:10], run["status"]) for run in triage_runs)
    run_days = {day for day, _ in by_day}
    for day in run_days:
        bar = per_day.locator(f'[data-testid="day-bar"][data-date="{day}"]')
        total = by_day[(day, "succeeded")] + by_day[(day, "failed")]
        expect(bar).to_have_attribute("data-total", str(total))
        expect(bar.locator("title")).to_contain_text(f"{total} runs")
    today = max(run_days)
    expect(per_day.locator(f'[data-date="{today}"] rect.run-chart__fill--succeeded')).to_have_count(
        1
    )
    duration = page.get_by_test_id("duration-chart")
    expect(duration.locator("figcaption")).to_contain_text("Duration per day")
    measured_days = len(run_days)
    expect(duration.locator('[data-testid="p50-line"] circle')).to_have_count(measured_days)
    expect(duration.locator('[data-testid="p95-line"] circle')).to_have_count(measured_days)
    expect(duration.locator(f'[data-date="{today}"] title')).to_contain_text("median")

    # The list below is this playbook's alone, without a playbook column.
    rows = page.get_by_test_id("run-row")
    expect(rows).to_have_count(4)
    table = page.get_by_test_id("runs-table")
    expect(table.get_by_role("columnheader", name="Playbook")).to_have_count(0)
    screenshot("ui-playbook-runs")
    page.get_by_label("Status").select_option("failed")
    expect(page).to_have_url(f"{server.url}/playbooks/{triage_id}/runs?status=failed")
    expect(rows).to_have_count(1)

    # And from the designer's toolbar.
    page.get_by_role("link", name="Open in designer").click()
    expect(page).to_have_url(f"{server.url}/playbooks/{triage_id}")
    toolbar_link = page.locator(".designer-toolbar").get_by_role("link", name="Runs", exact=True)
    expect(toolbar_link).to_be_visible()
    screenshot("ui-designer-runs-link")
    toolbar_link.click()
    expect(page).to_have_url(f"{server.url}/playbooks/{triage_id}/runs")
    expect(page.get_by_test_id("runs-per-day-chart")).to_be_visible()


def _month_of_stats(playbook_id: str, today: date) -> dict[str, Any]:
    """Thirty days of runs, a few days without any: what a busy playbook's stats look like."""
    days = []
    for back in range(29, -1, -1):
        quiet = back in (3, 4, 17)
        counts = {
            "succeeded": 0 if quiet else 3 + (back * 7) % 9,
            "failed": 0 if quiet else back % 4,
            "cancelled": 1 if back % 10 == 2 else 0,
            "running": 2 if back == 0 else 0,
        }
        p50 = None if quiet else 800 + (back * 1_300) % 9_000
        days.append(
            {
                "date": (today - timedelta(days=back)).isoformat(),
                "counts": counts,
                "p50_ms": p50,
                "p95_ms": None if p50 is None else p50 * 3 + (back % 5) * 2_000,
            }
        )
    return {"playbook_id": playbook_id, "days": days}


def _listed_run(playbook_id: str, now: datetime, **changes: Any) -> dict[str, Any]:
    """A run as GET /api/v1/runs lists it, ended a minute ago unless changed."""
    started = now - timedelta(minutes=1)
    run = {
        "id": f"run-{changes.get('status', 'succeeded')}-{len(changes)}",
        "playbook_id": playbook_id,
        "playbook_name": TRIAGE,
        "playbook_version": 3,
        "workspace_id": "default",
        "status": "succeeded",
        "trigger_type": "manual",
        "error": None,
        "resubmitted_from": None,
        "started_by": "user-1",
        "started_by_name": "alice",
        "rule_id": None,
        "rule_name": None,
        "incident_id": None,
        "alert_id": None,
        "created_at": started.isoformat(),
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(seconds=2, milliseconds=400)).isoformat(),
        "duration_ms": 2_400,
    }
    return {**run, **changes}


def test_charts_and_rows_show_every_kind_of_run(
    server: Server, signed_in_page: Page, screenshot: Callable[[str], Path]
) -> None:
    """Answers made up in the browser: a month of history and runs in every state, which a test
    cannot wait for the server to produce."""
    page = signed_in_page
    playbook_id = _triage_playbook(server)
    now = datetime.now(UTC)
    today = now.date()
    stats = _month_of_stats(playbook_id, today)
    page.route(
        f"**/api/v1/playbooks/{playbook_id}/run-stats?days=30",
        lambda route: route.fulfill(json=stats),
    )
    moment = (now - timedelta(seconds=12)).isoformat()
    runs = [
        _listed_run(
            playbook_id,
            now,
            id="run-running",
            status="running",
            ended_at=None,
            duration_ms=None,
            started_at=moment,
            created_at=moment,
            trigger_type="automation",
            rule_id="rule-1",
            rule_name="Triage new sign-in incidents",
            started_by=None,
            started_by_name=None,
            incident_id="incident-1",
        ),
        _listed_run(
            playbook_id,
            now,
            id="run-queued",
            status="queued",
            started_at=None,
            ended_at=None,
            duration_ms=None,
            trigger_type="webhook",
            started_by=None,
            started_by_name=None,
        ),
        _listed_run(
            playbook_id,
            now,
            id="run-waiting",
            status="waiting",
            ended_at=None,
            duration_ms=None,
            trigger_type="schedule",
            started_by=None,
            started_by_name=None,
        ),
        _listed_run(
            playbook_id,
            now,
            id="run-cancelled",
            status="cancelled",
            duration_ms=125_000,
            playbook_name=None,
        ),
        _listed_run(playbook_id, now, id="run-succeeded"),
    ]
    page.route(
        lambda url: "/api/v1/runs?" in url,
        lambda route: route.fulfill(json={"data": runs, "total": 230, "next": None}),
    )

    page.goto(f"{server.url}/runs")
    rows = page.get_by_test_id("run-row")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_contain_text("Automation rule \u2018Triage new sign-in incidents\u2019")
    expect(rows.nth(0)).to_contain_text("12 s so far")
    expect(rows.nth(0).get_by_role("link", name="View incident")).to_have_attribute(
        "href", "/incidents/incident-1"
    )
    expect(rows.nth(1)).to_contain_text("Webhook")
    expect(rows.nth(2)).to_contain_text("Schedule")
    expect(rows.nth(3)).to_contain_text("Deleted playbook")
    expect(rows.nth(3)).to_contain_text("2 min 5 s")
    expect(rows.nth(4)).to_contain_text("2.4 s")
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("1\u20135 of 230")
    screenshot("ui-runs-every-state")

    page.goto(f"{server.url}/playbooks/{playbook_id}/runs")
    per_day = page.get_by_test_id("runs-per-day-chart")
    today_bar = per_day.locator(f'[data-date="{today.isoformat()}"]')
    expect(today_bar).to_have_attribute("data-total", "5")
    expect(today_bar.locator("title")).to_have_text(
        f"{today.strftime('%b')} {today.day}, {today.year}: 5 runs (3 succeeded, 2 running)"
    )
    quiet = per_day.locator(f'[data-date="{(today - timedelta(days=3)).isoformat()}"]')
    expect(quiet).to_have_attribute("data-total", "0")
    expect(quiet.locator("title")).to_contain_text("no runs")
    # The quiet days break the lines: before, between and after them.
    duration = page.get_by_test_id("duration-chart")
    expect(duration.locator('[data-testid="p50-line"] polyline')).to_have_count(3)
    expect(duration.locator('[data-testid="p50-line"] circle')).to_have_count(27)
    screenshot("ui-playbook-runs-month")
