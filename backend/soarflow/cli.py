"""The `soarflow` command: serve, db upgrade, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from soarflow.api.body import parse_json
from soarflow.api.errors import ApiError
from soarflow.config import Settings
from soarflow.playbook import validate as validate_document


@click.group()
@click.version_option(package_name="soarflow")
def main() -> None:
    """soarflow: security playbooks, designed on a canvas and run as graphs."""


@main.command()
@click.option("--host", default=None, help="Address to listen on (SOARFLOW_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (SOARFLOW_PORT, 8080).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option("--threads", type=int, default=8, show_default=True, help="Threads per worker.")
def serve(host: str | None, port: int | None, workers: int, threads: int) -> None:
    """Serve the web interface and the API with gunicorn."""
    from soarflow.server import serve as run_server

    settings = Settings.from_env()
    run_server(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        threads=threads,
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration to SOARFLOW_DATABASE_URL."""
    from soarflow.store.db import normalize_url
    from soarflow.store.migrate import upgrade as run_upgrade

    settings = Settings.from_env()
    run_upgrade(settings.database_url)
    click.echo(f"database is up to date: {_safe_url(normalize_url(settings.database_url))}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def validate(file: Path, as_json: bool) -> None:
    """Check a playbook document. Exit 0 valid, 1 invalid, 2 unreadable."""
    document = _read_document(file)
    problems = [problem.to_dict() for problem in validate_document(document)]
    if as_json:
        click.echo(json.dumps({"valid": not problems, "problems": problems}, indent=2))
    elif problems:
        for problem in problems:
            click.echo(_problem_line(problem))
        click.echo(f"{file}: {len(problems)} problem(s)")
    else:
        click.echo(f"{file}: valid")
    sys.exit(1 if problems else 0)


def _read_document(file: Path) -> Any:
    try:
        raw = file.read_bytes()
    except OSError as error:
        _fail(f"{file}: cannot read: {error.strerror or error}")
    try:
        return parse_json(raw)
    except ApiError as error:
        _fail(f"{file}: not JSON: {error.message}")


def _fail(reason: str) -> Any:
    click.echo(reason, err=True)
    sys.exit(2)


def _problem_line(problem: dict[str, Any]) -> str:
    where = problem["path"] + (f" (node {problem['node_id']})" if problem["node_id"] else "")
    return f"{where}: {problem['code']}: {problem['message']}"
