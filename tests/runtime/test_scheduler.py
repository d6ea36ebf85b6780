"""The scheduler fires each moment of a schedule playbook exactly once: with two server processes
checking the same database (one after the other and at the very same time), across a restart,
and when a new version is saved around a moment; missed moments are not made up, except the
latest one while it is recent. The clock is a ManualClock, moved in 5-second checks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.api.extensions import scheduler
from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.playbook import validate
from soarflow.runtime.actions import ConnectorActions
from soarflow.runtime.executors import InlineExecutor
from soarflow.runtime.runner import ManualClock, Runner
from soarflow.runtime.scheduler import CHECK_INTERVAL_S, Scheduler, scheduled_run_id
from soarflow.security.outbound import OutboundPolicy
from soarflow.store import access
from soarflow.store import playbooks as repo
from soarflow.store.db import make_engine
from soarflow.store.runs import RUN, RunStore

REGISTRY = ConnectorRegistry.load(REPO_ROOT / "connectors")


def schedule_document(cron: str, name: str = "scheduled") -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": name,
        "trigger": {"id": "tick", "type": "core.schedule", "params": {"cron": cron}},
        "nodes": [
            {
                "id": "note",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "{{ trigger.scheduled_for }}"},
            }
        ],
        "edges": [{"source": "tick", "target": "note"}],
    }


def store_schedule(engine: Engine, document: dict[str, Any], *, enabled: bool = True) -> str:
    assert validate(document, catalog=REGISTRY) == []
    with Session(engine) as session:
        workspace = access.get_workspace(session, key="default")
        assert workspace is not None
        checked = repo.Checked(document, [], "other")
        playbook = repo.create_playbook(session, checked=checked, workspace_id=workspace.id)
        repo.set_enabled(session, playbook=playbook, enabled=enabled)
        session.commit()
        return playbook.id


def save_version(engine: Engine, playbook_id: str, document: dict[str, Any]) -> None:
    with Session(engine) as session:
        playbook = repo.get_playbook(session, playbook_id=playbook_id)
        assert playbook is not None
        checked = repo.Checked(document, [], "other")
        repo.save_document(
            session, playbook=playbook, expected_version=playbook.version, checked=checked
        )
        session.commit()


class Server:
    """What one `soarflow serve` process holds: its own engine, runner and scheduler."""

    def __init__(self, database_url: str, clock: ManualClock) -> None:
        self.engine = make_engine(database_url)
        actions = ConnectorActions(REGISTRY, lambda _workspace, _name: None, OutboundPolicy())
        self.runner = Runner(
            store=RunStore(self.engine),
            catalog=REGISTRY,
            actions=actions,
            executor=InlineExecutor(),
            clock=clock,
            timer_thread=False,
        )
        self.scheduler = Scheduler(runner=self.runner, engine=self.engine)

    def stop(self) -> None:
        self.runner.close()
        self.engine.dispose()


@contextmanager
def servers(database_url: str, clock: ManualClock, count: int) -> Iterator[list[Server]]:
    started = [Server(database_url, clock) for _ in range(count)]
    try:
        yield started
    finally:
        for server in started:
            server.stop()


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def runs(engine: Engine, playbook_id: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(RUN.c.id, RUN.c.trigger, RUN.c.trigger_type, RUN.c.status)
            .where(RUN.c.playbook_id == playbook_id)
            .order_by(RUN.c.created_at)
        ).mappings()
        return [dict(row) for row in rows]


def fired_moments(engine: Engine, playbook_id: str) -> Counter[str]:
    return Counter(run["trigger"]["scheduled_for"] for run in runs(engine, playbook_id))


def at_once(*schedulers: Scheduler) -> None:
    """Check with every scheduler at the same instant, each on its own thread."""
    barrier = threading.Barrier(len(schedulers))
    failures: list[BaseException] = []

    def check(scheduler: Scheduler) -> None:
        barrier.wait()
        try:
            scheduler.check()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=check, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_two_servers_and_a_restart_fire_every_moment_once(
    database_url: str, engine: Engine
) -> None:
    playbook_id = store_schedule(engine, schedule_document("* * * * *"))
    clock = ManualClock(utc("2026-01-05T10:00:00") - 1)
    with servers(database_url, clock, 2) as (one, two):
        restarted: Server | None = None
        checks = int(8 * 60 / CHECK_INTERVAL_S)
        for check in range(checks):
            clock.advance_to(clock.now + CHECK_INTERVAL_S)
            first = restarted or one
            if check % 3 == 0:
                at_once(first.scheduler, two.scheduler)
            else:
                # Now one, now the other checks first.
                order = (first, two) if check % 2 else (two, first)
                for server in order:
                    server.scheduler.check()
            if check == checks // 2:
                # Server one restarts: a new process remembers nothing of what it fired.
                one.stop()
                restarted = Server(database_url, clock)
        assert restarted is not None
        restarted.stop()

    moments = fired_moments(engine, playbook_id)
    expected = [f"2026-01-05T10:0{minute}:00+00:00" for minute in range(8)]
    assert sorted(moments) == expected
    assert set(moments.values()) == {1}
    for run in runs(engine, playbook_id):
        assert (run["trigger_type"], run["status"]) == ("schedule", "succeeded")
        moment = datetime.fromisoformat(run["trigger"]["scheduled_for"])
        assert run["id"] == scheduled_run_id(playbook_id, moment)
        fired_at = datetime.fromisoformat(run["trigger"]["fired_at"])
        assert 0 <= (fired_at - moment).total_seconds() <= CHECK_INTERVAL_S


def test_a_version_saved_around_a_moment_does_not_fire_it_again(
    database_url: str, engine: Engine
) -> None:
    playbook_id = store_schedule(engine, schedule_document("*/10 * * * *"))
    clock = ManualClock(utc("2026-01-05T10:09:59"))
    with servers(database_url, clock, 1) as (server,):
        save_version(engine, playbook_id, schedule_document("*/10 * * * *", name="v2"))
        clock.advance_to(utc("2026-01-05T10:10:01"))
        [run_id] = server.scheduler.check()
        save_version(engine, playbook_id, schedule_document("*/10 * * * *", name="v3"))
        clock.advance_to(utc("2026-01-05T10:10:06"))
        assert Server(database_url, clock).scheduler.check() == [run_id]
    [run] = runs(engine, playbook_id)
    assert run["id"] == run_id
    with engine.connect() as connection:
        version = connection.execute(select(RUN.c.playbook_version)).scalar_one()
    assert version == 2  # the version current at the moment


def test_missed_moments_are_not_made_up_except_a_recent_last_one(
    database_url: str, engine: Engine
) -> None:
    playbook_id = store_schedule(engine, schedule_document("*/10 * * * *"))
    clock = ManualClock(utc("2026-01-05T10:00:02"))
    with servers(database_url, clock, 1) as (server,):
        server.scheduler.check()
        # Down from 10:00:02 until 10:30:40: of 10:10, 10:20 and 10:30, only 10:30 runs.
        clock.advance_to(utc("2026-01-05T10:30:40"))
        server.scheduler.check()
        # Down from 10:30:40 until 10:45: 10:40 is too old to make up.
        clock.advance_to(utc("2026-01-05T10:45:00"))
        assert server.scheduler.check() == []
        clock.advance_to(utc("2026-01-05T10:50:03"))
        server.scheduler.check()
    assert sorted(fired_moments(engine, playbook_id)) == [
        "2026-01-05T10:00:00+00:00",
        "2026-01-05T10:30:00+00:00",
        "2026-01-05T10:50:00+00:00",
    ]


def test_only_enabled_schedule_playbooks_fire(database_url: str, engine: Engine) -> None:
    disabled = store_schedule(engine, schedule_document("* * * * *"), enabled=False)
    clock = ManualClock(utc("2026-01-05T10:00:01"))
    with servers(database_url, clock, 1) as (server,):
        assert server.scheduler.check() == []
    assert runs(engine, disabled) == []


def test_the_app_scheduler_runs_on_its_own_thread(app: Flask, engine: Engine) -> None:
    """As `soarflow serve` starts it: with the real clock, an every-minute schedule has a moment
    in the last minute, so the first check fires it."""
    app.extensions["soarflow.catalog"] = REGISTRY
    playbook_id = store_schedule(engine, schedule_document("* * * * *"))
    with app.app_context():
        running = scheduler()
        running.start()
    deadline = time.monotonic() + 10
    while not runs(engine, playbook_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    running.stop()
    [run] = runs(engine, playbook_id)
    assert (run["trigger_type"], run["status"]) == ("schedule", "succeeded")
