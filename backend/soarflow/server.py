"""Production serving with gunicorn (threads, one process by default)."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlmodel import Session

from soarflow.api.approvals import deliver_pending_decisions
from soarflow.api.extensions import automation, runner, scheduler
from soarflow.app import create_app
from soarflow.bootstrap import ADMIN, BootstrapError, ensure_first_owner
from soarflow.config import Settings
from soarflow.store.db import make_engine
from soarflow.store.migrate import pending_revisions
from soarflow.store.runs import RunStore

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    engine = make_engine(settings.database_url)
    try:
        if pending_revisions(engine):
            raise SystemExit("the database schema is out of date: run `soarflow db upgrade` first")
        with Session(engine) as session:
            generated = ensure_first_owner(session, password=settings.admin_password)
    except BootstrapError as error:
        raise SystemExit(str(error)) from None
    finally:
        engine.dispose()
    if generated:
        print(
            f"\nsoarflow: created the Owner account '{ADMIN}' with the password\n\n"
            f"    {generated}\n\nIt is shown only this once. Sign in and keep it safe.\n",
            flush=True,
        )
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "timeout": 60,
        # gunicorn's control socket is one path per user: two servers on a machine would share it.
        "control_socket_disable": True,
    }
    app = create_app(settings)
    # A run's owner is `<this server start>/<worker pid>`: a new start takes over every
    # unfinished run of the last one; a worker that dies has its runs released to the others.
    server = f"{socket.gethostname()}:{os.getpid()}:{int(time.time())}"
    options["post_worker_init"] = lambda worker: _start_runtime(app, f"{server}/{worker.pid}")
    options["worker_exit"] = lambda _server, _worker: _stop_runtime(app)
    options["child_exit"] = lambda _server, worker: _release_runs(
        settings, f"{server}/{worker.pid}"
    )
    _Gunicorn(app, options).run()


def _start_runtime(app: Flask, owner: str) -> None:
    app.config["SOARFLOW_OWNER"] = owner
    with app.app_context():
        resumed = runner().resume_all()
        delivered = deliver_pending_decisions()
        scheduler().start()
        # Events whose rules had not run when the last server stopped.
        caught_up = automation().process_pending()
    if resumed:
        log.warning("resumed %d unfinished run(s)", len(resumed))
    if caught_up:
        log.warning("ran the automation rules of %d pending event(s)", caught_up)
    if delivered:
        log.warning("handed %d approval decision(s) to their runs", delivered)


def _release_runs(settings: Settings, owner: str) -> None:
    """In the master, when a worker has died (killed, out of memory, timed out)."""
    engine = make_engine(settings.database_url)
    try:
        released = RunStore(engine).release(owner)
    finally:
        engine.dispose()
    if released:
        log.warning("worker %s died; %d unfinished run(s) go to the next worker", owner, released)


def _stop_runtime(app: Flask) -> None:
    with app.app_context():
        scheduler().stop()
        runner().close()
