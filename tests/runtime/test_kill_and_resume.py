"""Crash recovery of the real server: `soarflow serve` is killed with SIGKILL (master and worker)
while runs are mid-flight and started again on the same database. Every run finishes; no action
step that had finished is called again; a step that was in flight is called again, with the same
idempotency key and the same inputs.

The vendor is a fake on loopback that answers each call after a pause and records it. The first
kill comes at a moment the test makes: some calls answered (and their steps saved), the next ones
held unanswered at the fake, so steps are surely in flight. The second comes at whatever moment
the steps that finished reach a count, with calls coming and going."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
import yaml
from flask import Flask, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.engine import Engine

from soarflow.config import REPO_ROOT
from soarflow.runtime.state import RUN_TERMINAL
from soarflow.store.db import make_engine
from soarflow.store.runs import RUN, STEP
from tests.connectors.fakes import serving
from tests.fixtures import PASSWORD

SOARFLOW = Path(sys.executable).parent / "soarflow"
RUNS = 4
ITEMS = 8
CONCURRENCY = 2
ACTION_NODES = frozenset({"call", "after"})
CALL_DELAY_S = 0.2
# The fake answers this many calls before the first kill and holds back the rest.
ANSWERED_BEFORE_FIRST_KILL = 10
# The second kill comes once this many action steps (of RUNS * (ITEMS + 1)) have succeeded.
SUCCEEDED_BEFORE_SECOND_KILL = 20
ANSWERED_IN_SECOND_LIFE = 12  # the 8 calls cut at the first kill, and 4 more
STARTUP_TIMEOUT_S = 30.0
SETTLE_TIMEOUT_S = 20.0
FINISH_TIMEOUT_S = 40.0

PLAYBOOK: dict[str, Any] = {
    "format": "soarflow.playbook/v1",
    "name": "slow calls in a loop, then one more",
    "trigger": {"id": "t", "type": "core.manual"},
    "nodes": [
        {
            "id": "each",
            "kind": "foreach",
            "items": "{{ trigger.items }}",
            "concurrency": CONCURRENCY,
        },
        {
            "id": "call",
            "kind": "action",
            "parent": "each",
            "branch": "body",
            "action": "slowecho.call",
            "inputs": {"label": "{{ item }}"},
        },
        {
            "id": "after",
            "kind": "action",
            "action": "slowecho.call",
            "inputs": {"label": "{{ trigger.name }} after"},
        },
    ],
    "edges": [
        {"source": "t", "target": "each"},
        {"source": "each", "target": "call", "branch": "body"},
        {"source": "each", "target": "after"},
    ],
}


def slowecho_manifest(fake_url: str) -> dict[str, Any]:
    """A connector with one declarative, non-idempotent write: a POST to the fake."""
    return {
        "format": "soarflow.connector/v1",
        "id": "slowecho",
        "name": "Slow echo",
        "version": "1.0.0",
        "icon": "icon.svg",
        "actions": [
            {
                "id": "call",
                "title": "Call slowly",
                "side_effects": "write",
                "idempotent": False,
                "inputs": {
                    "type": "object",
                    "required": ["label"],
                    "properties": {"label": {"type": "string"}},
                },
                "outputs": {"type": "object", "properties": {"echo": {"type": "string"}}},
                "request": {
                    "method": "POST",
                    "path": f"{fake_url}/call",
                    "body": {"label": "{{ inputs.label }}"},
                },
            }
        ],
    }


@dataclass
class Call:
    key: str | None
    body: Any
    life: int  # which start of the server made it: 1, 2 or 3
    answered: bool = False


class SlowEcho:
    """The vendor: records every call as it comes, answers it after a pause, and can be told to
    answer only so many calls and hold the rest unanswered."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.life = 1
        self.calls: list[Call] = []
        self._held: list[Call] = []
        self._allowance: int | None = None
        self._condition = threading.Condition()
        self.app = Flask(__name__)
        self.app.add_url_rule("/call", "call", self._call, methods=["POST"])

    def answer_only(self, count: int) -> None:
        with self._condition:
            self._allowance = count

    def answer_all(self) -> None:
        with self._condition:
            self._allowance = None
            self._condition.notify_all()

    def held(self) -> list[str | None]:
        """Calls of the current server start held unanswered (a dead server's stay held too)."""
        with self._condition:
            return [call.key for call in self._held if call.life == self.life]

    def unanswered(self, life: int) -> set[str | None]:
        with self._condition:
            return {call.key for call in self.calls if call.life == life and not call.answered}

    def calls_by_key(self) -> dict[str | None, list[Call]]:
        with self._condition:
            found: dict[str | None, list[Call]] = {}
            for call in self.calls:
                found.setdefault(call.key, []).append(call)
            return found

    def _call(self) -> Response:
        key = request.headers.get("Idempotency-Key")
        body = request.get_json(silent=True)
        with self._condition:
            call = Call(key, body, self.life)
            self.calls.append(call)
            self._held.append(call)
            self._condition.wait_for(lambda: self._allowance is None or self._allowance > 0)
            self._held.remove(call)
            if self._allowance is not None:
                self._allowance -= 1
        time.sleep(self.delay)
        with self._condition:
            call.answered = True
        return jsonify(echo=(body or {}).get("label"))


@dataclass(frozen=True)
class Snapshot:
    """The runs and their steps as committed, read in one statement."""

    runs: dict[str, str]
    steps: dict[str, tuple[str, str]]  # `<run id>/<step key>` -> (node id, status)

    def actions(self, status: str) -> set[str]:
        return {
            key
            for key, (node_id, found) in self.steps.items()
            if node_id in ACTION_NODES and found == status
        }

    @property
    def unfinished(self) -> list[str]:
        return [run_id for run_id, status in self.runs.items() if status not in RUN_TERMINAL]

    def summary(self) -> str:
        runs = Counter(self.runs.values())
        actions = Counter(status for node, status in self.steps.values() if node in ACTION_NODES)
        return f"runs {dict(runs)}, action steps {dict(actions)}"


def snapshot(engine: Engine, run_ids: list[str]) -> Snapshot:
    query = (
        select(RUN.c.id, RUN.c.status, STEP.c.key, STEP.c.node_id, STEP.c.status)
        .select_from(RUN.outerjoin(STEP, STEP.c.run_id == RUN.c.id))
        .where(RUN.c.id.in_(run_ids))
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    runs = {row[0]: row[1] for row in rows}
    steps = {f"{row[0]}/{row[2]}": (row[3], row[4]) for row in rows if row[2] is not None}
    return Snapshot(runs, steps)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def soarflow(args: list[str], env: dict[str, str], *, stdin: str | None = None) -> str:
    result = subprocess.run(
        [SOARFLOW, *args], env=env, input=stdin, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"soarflow {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout


def start_server(env: dict[str, str], log: Path) -> Server:
    """`soarflow serve` in a process group of its own, so a kill takes its worker too."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [SOARFLOW, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


def wait_healthy(server: Server, client: requests.Session) -> None:
    wait_for(lambda: _healthy(server, client), server, STARTUP_TIMEOUT_S, "to answer /health")


def _healthy(server: Server, client: requests.Session) -> bool:
    try:
        return client.get(f"{server.url}/api/v1/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def kill(server: Server) -> None:
    """SIGKILL to the master and its worker at once; returns when none of them runs any more."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group_alive(server.process.pid):
        assert time.monotonic() < deadline, "the killed server's worker is still running"
        time.sleep(0.01)


def _group_alive(group: int) -> bool:
    """Whether a process of that group still runs (a zombie runs no more)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _parent, process_group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(process_group) == group and state not in ("Z", "X"):
            return True
    return False


T = TypeVar("T")


def wait_for(
    found: Callable[[], T | None],
    server: Server,
    timeout: float,
    what: str,
    progress: Callable[[], str] = lambda: "",
) -> T:
    """Poll until found() gives something; fail when the server exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = found()
        if value:
            return value
        if server.process.poll() is not None:
            pytest.fail(
                f"soarflow serve exited with {server.process.returncode}; {progress()}; "
                f"its output:\n{server.output()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"waited {timeout:g} s {what}: {progress()}; the server said:\n{server.output()}"
            )
        time.sleep(0.01)


@contextmanager
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                os.killpg(server.process.pid, signal.SIGKILL)
        for server in started:
            kill(server)


def connectors_folder(tmp_path: Path, fake_url: str) -> Path:
    folder = tmp_path / "connectors"
    for shipped in ("core", "soarflow"):
        shutil.copytree(REPO_ROOT / "connectors" / shipped, folder / shipped)
    slowecho = folder / "slowecho"
    slowecho.mkdir()
    (slowecho / "manifest.yaml").write_text(yaml.safe_dump(slowecho_manifest(fake_url)))
    shutil.copyfile(REPO_ROOT / "connectors" / "core" / "icon.svg", slowecho / "icon.svg")
    return folder


def environment(database_url: str, tmp_path: Path, connectors: Path) -> dict[str, str]:
    frontend = tmp_path / "frontend"
    frontend.mkdir()
    (frontend / "index.html").write_text("<!doctype html><title>soarflow</title>")
    return {
        **os.environ,
        "SOARFLOW_DATABASE_URL": database_url,
        "SOARFLOW_VAR_DIR": str(tmp_path / "var"),
        "SOARFLOW_FRONTEND_DIR": str(frontend),
        "SOARFLOW_CONNECTORS_DIR": str(connectors),
        "SOARFLOW_ALLOWED_NETWORKS": "127.0.0.0/8",
        "SOARFLOW_ADMIN_PASSWORD": PASSWORD,
        "SOARFLOW_EXECUTOR": "threads",
    }


def owner_token(env: dict[str, str]) -> str:
    soarflow(
        ["user", "create", "alice", "--role", "owner", "--password-stdin"], env, stdin=PASSWORD
    )
    return soarflow(["token", "create", "--user", "alice", "--name", "crash"], env).split()[-1]


def test_killed_server_resumes_every_run_without_calling_finished_steps_again(
    database_url: str, tmp_path: Path
) -> None:
    fake = SlowEcho(CALL_DELAY_S)
    engine = make_engine(database_url)
    client = requests.Session()
    client.trust_env = False
    try:
        with serving(fake.app) as fake_url, servers() as started:
            env = environment(database_url, tmp_path, connectors_folder(tmp_path, fake_url))
            client.headers["Authorization"] = f"Bearer {owner_token(env)}"

            # First life: start the runs; the fake answers a few calls and holds the next ones.
            fake.answer_only(ANSWERED_BEFORE_FIRST_KILL)
            started.append(server := start_server(env, tmp_path / "serve-1.log"))
            wait_healthy(server, client)
            created = client.post(f"{server.url}/api/v1/playbooks", json=PLAYBOOK, timeout=10)
            assert created.status_code == 201, created.text
            assert created.json()["valid"], created.json()["problems"]
            run_ids = []
            for number in range(RUNS):
                trigger = {"name": f"r{number}", "items": [f"r{number}-{i}" for i in range(ITEMS)]}
                answer = client.post(
                    f"{server.url}/api/v1/playbooks/{created.json()['id']}/runs",
                    json={"trigger": trigger},
                    timeout=10,
                )
                assert answer.status_code == 202, answer.text
                run_ids.append(answer.json()["id"])

            def quiet() -> Snapshot | None:
                """The answered calls' steps saved, every step in flight held at the fake."""
                now = snapshot(engine, run_ids)
                running = now.actions("running")
                done = len(now.actions("succeeded")) == ANSWERED_BEFORE_FIRST_KILL
                held = Counter(fake.held())
                return now if done and running and held == Counter(running) else None

            def progress() -> str:
                return f"{snapshot(engine, run_ids).summary()}, {len(fake.held())} calls held"

            first = wait_for(quiet, server, SETTLE_TIMEOUT_S, "for the held calls", progress)
            kill(server)
            cut_first = fake.unanswered(life=1)
            assert sorted(first.unfinished) == sorted(run_ids)
            assert len(first.actions("running")) == RUNS * CONCURRENCY
            assert cut_first == first.actions("running")

            # Second life: the calls in flight at the kill run again, more succeed, and the
            # server dies again with calls in flight.
            fake.life = 2
            fake.answer_only(ANSWERED_IN_SECOND_LIFE)
            started.append(server := start_server(env, tmp_path / "serve-2.log"))

            def enough() -> Snapshot | None:
                now = snapshot(engine, run_ids)
                count = len(now.actions("succeeded"))
                running, held = now.actions("running"), Counter(fake.held())
                settled = running and held == Counter(running)
                return now if settled and count >= SUCCEEDED_BEFORE_SECOND_KILL else None

            second = wait_for(enough, server, SETTLE_TIMEOUT_S, "for steps to succeed", progress)
            kill(server)
            # Calls the fake had not answered when the server died: their steps were in flight.
            cut_second = fake.unanswered(life=2)
            assert second.unfinished, "every run ended before the second kill: kill it sooner"
            assert cut_second, "no call was in flight at the second kill: kill it sooner"
            assert first.actions("succeeded") < second.actions("succeeded")

            # Third life: everything finishes.
            fake.life = 3
            fake.answer_all()
            started.append(server := start_server(env, tmp_path / "serve-3.log"))

            def ended() -> Snapshot | None:
                now = snapshot(engine, run_ids)
                return None if now.unfinished else now

            final = wait_for(ended, server, FINISH_TIMEOUT_S, "for every run to end", progress)
            wait_healthy(server, client)
            for run_id in run_ids:
                shown = client.get(f"{server.url}/api/v1/runs/{run_id}", timeout=10).json()
                assert shown["status"] == "succeeded", shown
    finally:
        fake.answer_all()
        client.close()
        engine.dispose()

    expected = {
        f"{run_id}/{key}"
        for run_id in run_ids
        for key in [f"each[{i}]/call" for i in range(ITEMS)] + ["after"]
    }
    assert final.runs == dict.fromkeys(run_ids, "succeeded")
    assert final.actions("succeeded") == expected
    calls = fake.calls_by_key()
    # Every call carried its step's idempotency key, and every action step was called.
    assert set(calls) == expected
    for key, made in calls.items():
        assert key is not None
        run_id, step = key.split("/", 1)
        number = run_ids.index(run_id)
        label = f"r{number}-{step[5 : step.index(']')]}" if step != "after" else f"r{number} after"
        assert [call.body for call in made] == [{"label": label}] * len(made), key
    lives = {key: [call.life for call in made] for key, made in calls.items()}
    # A server calls a step once; a step is called again only by a later server.
    assert all(found == sorted(set(found)) for found in lives.values()), lives
    # A step that had succeeded when the server was killed is not called again.
    assert not [key for key in first.actions("succeeded") if lives[key] != [1]], lives
    assert not [key for key in second.actions("succeeded") if 3 in lives[key]], lives
    # A step whose call was in flight when the server was killed is called again after it.
    assert not [key for key in cut_first if 2 not in lives[key]], lives
    assert not [key for key in cut_second if 3 not in lives[key]], lives


def worker_pids(server: Server) -> set[int]:
    """The gunicorn workers: the children of the `soarflow serve` process (the master)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(child) for child in children}


def test_a_killed_worker_hands_its_runs_to_the_worker_that_replaces_it(
    database_url: str, tmp_path: Path
) -> None:
    """The out-of-memory killer and gunicorn's own timeout kill a worker, not the server."""
    fake = SlowEcho(CALL_DELAY_S)
    engine = make_engine(database_url)
    client = requests.Session()
    client.trust_env = False
    try:
        with serving(fake.app) as fake_url, servers() as started:
            env = environment(database_url, tmp_path, connectors_folder(tmp_path, fake_url))
            client.headers["Authorization"] = f"Bearer {owner_token(env)}"
            fake.answer_only(2)  # of the 8 calls; the next ones are in flight at the kill
            started.append(server := start_server(env, tmp_path / "serve.log"))
            wait_healthy(server, client)
            created = client.post(f"{server.url}/api/v1/playbooks", json=PLAYBOOK, timeout=10)
            playbook_id = created.json()["id"]
            run_ids = [
                client.post(
                    f"{server.url}/api/v1/playbooks/{playbook_id}/runs",
                    json={"trigger": {"name": f"r{n}", "items": [f"r{n}-{i}" for i in range(3)]}},
                    timeout=10,
                ).json()["id"]
                for n in range(2)
            ]

            def held() -> Snapshot | None:
                now = snapshot(engine, run_ids)
                return now if now.actions("running") and fake.held() else None

            before = wait_for(held, server, SETTLE_TIMEOUT_S, "for calls in flight", lambda: "")
            (worker,) = worker_pids(server)
            os.kill(worker, signal.SIGKILL)
            cut = fake.unanswered(life=1)
            fake.life = 2
            fake.answer_all()

            def ended() -> Snapshot | None:
                now = snapshot(engine, run_ids)
                return None if now.unfinished else now

            final = wait_for(ended, server, FINISH_TIMEOUT_S, "for every run to end", lambda: "")
            assert worker not in worker_pids(server), "gunicorn did not replace the worker"
    finally:
        fake.answer_all()
        client.close()
        engine.dispose()

    assert final.runs == dict.fromkeys(run_ids, "succeeded")
    lives = {key: [call.life for call in made] for key, made in fake.calls_by_key().items()}
    assert cut, "no call was in flight when the worker died"
    assert not [key for key in cut if lives[key] != [1, 2]], lives
    assert not [key for key in before.actions("succeeded") if lives[key] != [1]], lives
