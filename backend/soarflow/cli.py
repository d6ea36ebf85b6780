"""The `soarflow` command: serve, db upgrade, validate, connectors, users and tokens."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlmodel import Session

from soarflow.api.body import parse_json
from soarflow.api.errors import ApiError
from soarflow.api.users import USER_NAME
from soarflow.config import Settings
from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.openapi_import import (
    IDENTIFIER,
    OpenApiImportError,
    check_connector,
    import_openapi,
    write_connector,
)
from soarflow.playbook import validate as validate_document
from soarflow.security.credentials import hash_password, password_problem
from soarflow.security.roles import Role, parse_role
from soarflow.store import access, audit
from soarflow.store import imports as import_store
from soarflow.store.db import make_engine
from soarflow.store.models import ImportedFile, utcnow


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
    # The address served is also the one links point to (webhooks, approvals) without a
    # SOARFLOW_PUBLIC_URL.
    settings = replace(settings, host=host or settings.host, port=port or settings.port)
    run_server(settings, host=settings.host, port=settings.port, workers=workers, threads=threads)


@main.command()
def permissions() -> None:
    """Print what each role may do and what each API route needs (Markdown)."""
    from soarflow.api.auth import permission_tables
    from soarflow.app import create_app

    click.echo(permission_tables(create_app(Settings.from_env())))


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
    registry = ConnectorRegistry.load(Settings.from_env().connectors_dir)
    problems = [problem.to_dict() for problem in validate_document(document, catalog=registry)]
    if as_json:
        click.echo(json.dumps({"valid": not problems, "problems": problems}, indent=2))
    elif problems:
        for problem in problems:
            click.echo(_problem_line(problem))
        click.echo(f"{file}: {len(problems)} problem(s)")
    else:
        click.echo(f"{file}: valid")
    sys.exit(1 if problems else 0)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--workspace", default="default", show_default=True, help="Workspace id or name to import into."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_playbooks(paths: tuple[Path, ...], workspace: str, as_json: bool) -> None:
    """Import Microsoft Sentinel playbooks (ARM templates) and Logic Apps workflow definitions:
    files, or folders of .json files. What does not carry over is reported, and the playbook
    saved as a draft. Exit 0 when every file imported completely, 1 otherwise."""
    files = _import_files(paths)
    registry = ConnectorRegistry.load(Settings.from_env().connectors_dir)
    results: list[ImportedFile] = []
    with _store() as session:
        found = access.get_workspace(session, key=workspace)
        if found is None:
            _fail(f"no workspace '{workspace}'")
        with click.progressbar(
            files, label="Importing", file=sys.stderr, item_show_func=_shown_name
        ) as progress:
            for file in progress:
                result = import_store.import_file(
                    session,
                    workspace_id=found.id,
                    file_name=str(file),
                    raw=file.read_bytes(),
                    catalog=registry,
                )
                if result.playbook_id is not None:
                    _audit_cli(session, "playbooks.import", "playbook", result.playbook_id)
                    session.commit()
                results.append(result)
    _print_imports(results, as_json)
    sys.exit(0 if all(result.status == "imported" for result in results) else 1)


def _import_files(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*.json")) if path.is_dir() else [path])
    if not found:
        _fail("no .json file to import")
    return found


def _shown_name(file: Path | None) -> str:
    return file.name if file is not None else ""


def _print_imports(results: list[ImportedFile], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([result.model_dump(mode="json") for result in results], indent=2))
        return
    for result in results:
        if result.status == "failed":
            click.echo(f"FAILED   {result.file}: {result.error}")
            continue
        label = "IMPORTED" if result.status == "imported" else "DRAFT   "
        click.echo(
            f"{label} {result.file} -> {result.name} ({result.playbook_id}): "
            f"{result.unmapped} not carried over, {result.problems} problem(s)"
        )
        for finding in result.findings:
            if finding.kind != "note":
                click.echo(f"    {finding.kind:<10} {finding.path}: {finding.message}")
    clean = sum(result.status == "imported" for result in results)
    click.echo(f"{clean} of {len(results)} imported completely")


@main.command("run")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--input",
    "input_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The trigger payload (JSON). Empty when not given.",
)
@click.option(
    "--mock",
    "mocks",
    multiple=True,
    metavar="NODE=RESULT.json",
    help='A node\'s result instead of its action: {"output": ...}, or {"status": "failed", '
    '"error": {...}}, or a list of these, one per attempt.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
def run_playbook(
    file: Path, input_file: Path | None, mocks: tuple[str, ...], as_json: bool
) -> None:
    """Rehearse a playbook: run it inline against a temporary store and print the trace.
    Exit 0 when the run succeeds, 1 when it does not, 2 when it cannot start."""
    import tempfile

    from soarflow.runtime.rehearsal import InvalidPlaybook, Rehearsal, rehearse, trace
    from soarflow.security.outbound import OutboundPolicy
    from soarflow.store.migrate import upgrade as run_upgrade

    document = _read_document(file)
    trigger = _read_document(input_file) if input_file else {}
    settings = Settings.from_env()
    registry = ConnectorRegistry.load(settings.connectors_dir)
    rehearsal = Rehearsal(document, trigger, dict(_mock(spec) for spec in mocks))
    policy = OutboundPolicy.from_env({"SOARFLOW_ALLOWED_NETWORKS": settings.allowed_networks})
    with tempfile.TemporaryDirectory(prefix="soarflow-run-") as folder:
        url = f"sqlite:///{folder}/run.db"
        run_upgrade(url)
        engine = make_engine(url)
        try:
            state = rehearse(rehearsal, engine=engine, registry=registry, policy=policy)
        except InvalidPlaybook as invalid:
            for problem in invalid.problems:
                click.echo(_problem_line(problem), err=True)
            _fail(f"{file}: {len(invalid.problems)} problem(s); nothing ran")
        finally:
            engine.dispose()
    result = trace(state)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        _print_trace(result)
    sys.exit(0 if state.status == "succeeded" else 1)


def _mock(spec: str) -> tuple[str, list[dict[str, Any]]]:
    node_id, separator, path = spec.partition("=")
    if not separator or not node_id or not path:
        _fail(f"--mock {spec}: write it as NODE=RESULT.json")
    result = _read_document(Path(path))
    results = result if isinstance(result, list) else [result]
    if not results or not all(isinstance(item, dict) for item in results):
        _fail(f"--mock {spec}: a result is a JSON object, or a list of them")
    return node_id, results


def _print_trace(result: dict[str, Any]) -> None:
    for step in result["steps"]:
        line = f"{step['status']:<10} {step['key']}"
        if step["attempts"] > 1:
            line += f"  ({step['attempts']} attempts)"
        if step["error"]:
            line += f"  {step['error'].get('code')}: {step['error'].get('message')}"
        click.echo(line)
    ending = f"run {result['status']}"
    if result["error"]:
        ending += f": {result['error'].get('message')}"
    click.echo(ending)


def _read_document(file: Path) -> Any:
    try:
        raw = file.read_bytes()
    except OSError as error:
        _fail(f"{file}: cannot read: {error.strerror or error}")
    try:
        return parse_json(raw)
    except ApiError as error:
        _fail(f"{file}: not JSON: {error.message}")


def _fail(reason: str) -> NoReturn:
    click.echo(reason, err=True)
    sys.exit(2)


@contextmanager
def _store() -> Iterator[Session]:
    engine = make_engine(Settings.from_env().database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _audit_cli(
    session: Session, action: str, target_type: str, target_id: str, **details: Any
) -> None:
    audit.record(
        session,
        actor_type="cli",
        actor_name=getpass.getuser()[:100],
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome="success",
        details=details,
    )


@main.group()
def connectors() -> None:
    """Connector manifests."""


@connectors.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_connectors(directory: Path | None) -> None:
    """Check every manifest under DIRECTORY (SOARFLOW_CONNECTORS_DIR, connectors/); exit 1 on
    any problem."""
    folder = directory or Settings.from_env().connectors_dir
    registry = ConnectorRegistry.load(folder)
    for connector in registry.connectors.values():
        manifest = connector.manifest
        click.echo(
            f"ok  {connector.id} {manifest['version']}: {len(manifest.get('actions', []))} "
            f"actions, {len(manifest.get('triggers', []))} triggers"
        )
    for problem in registry.problems:
        click.echo(f"problem  {problem}")
    click.echo(f"{len(registry.connectors)} connectors, {len(registry.problems)} problems")
    sys.exit(1 if registry.problems else 0)


@connectors.command("import-openapi")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "connector_id", required=True, help="The new connector's id: a-z, 0-9, _.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder of connectors to add it to (SOARFLOW_CONNECTORS_DIR, connectors/).",
)
def import_openapi_command(spec: Path, connector_id: str, out: Path | None) -> None:
    """Make a connector from an OpenAPI 3 or Swagger 2.0 document (JSON or YAML) in OUT/ID,
    listing what it could not map. Exit 0 written, 1 not written, 2 unreadable document."""
    if not IDENTIFIER.match(connector_id):
        raise click.BadParameter(
            "1 to 64 lower case letters, digits and _, starting with a letter", param_hint="--id"
        )
    try:
        raw = spec.read_bytes()
    except OSError as error:
        _fail(f"{spec}: cannot read: {error.strerror or error}")
    try:
        result = import_openapi(raw, connector_id)
    except OpenApiImportError as error:
        _fail(f"{spec}: {error}")
    for item in result.skipped:
        click.echo(f"skipped  {item}")
    problems = check_connector(result)
    for problem in problems:
        click.echo(f"problem  {problem}")
    folder = (out or Settings.from_env().connectors_dir) / connector_id
    if problems:
        click.echo(f"{folder}: not written, the manifest would not load", err=True)
        sys.exit(1)
    try:
        write_connector(result, folder)
    except OSError as error:
        click.echo(f"{folder}: not written: {error.strerror or error}", err=True)
        sys.exit(1)
    click.echo(
        f"{folder}: {len(result.manifest['actions'])} actions, {len(result.skipped)} items "
        "not imported (listed in its README.md)"
    )


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--role", required=True, help=f"One of: {', '.join(Role)}.")
@click.option("--workspace", default="default", show_default=True, help="Workspace id or name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default="", help="The name shown in the interface.")
def create_user(
    name: str, role: str, workspace: str, password_stdin: bool, display_name: str
) -> None:
    """Create a user with a role in a workspace."""
    chosen_role = parse_role(role)
    if chosen_role is None:
        _fail(f"no role '{role}'; roles: {', '.join(Role)}")
    if not USER_NAME.match(name):
        _fail("a user name has 1 to 100 letters, digits and . _ @ -")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(password):
        _fail(problem)
    with _store() as session:
        found = access.get_workspace(session, key=workspace)
        if found is None:
            _fail(f"no workspace '{workspace}'")
        if access.get_user_by_name(session, name=name) is not None:
            _fail(f"a user named '{name}' exists")
        created = access.create_user(
            session, name=name, password_hash=hash_password(password), display_name=display_name
        )
        access.set_role(session, user_id=created.id, workspace_id=found.id, role=chosen_role)
        _audit_cli(session, "users.create", "user", created.id, role=str(chosen_role))
        session.commit()
        click.echo(f"created user '{name}' ({created.id}) as {chosen_role} in '{found.name}'")


@user.command("list")
def list_users() -> None:
    """List users and their roles."""
    with _store() as session:
        names = {ws.id: ws.name for ws in access.list_workspaces(session)}
        for found in access.list_users(session):
            roles = access.roles_of(session, user_id=found.id)
            held = ", ".join(f"{names[ws]}:{role}" for ws, role in sorted(roles.items()))
            state = "" if found.active else " (disabled)"
            click.echo(f"{found.id}  {found.name}{state}  {held or '-'}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--user", "user_name", required=True, help="The user the token acts as.")
@click.option("--name", "label", default="cli", show_default=True, help="A label for the token.")
@click.option(
    "--workspace", default=None, help="Workspace id or name (default: the user's only one)."
)
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None)
def create_token(
    user_name: str, label: str, workspace: str | None, expires_in_days: int | None
) -> None:
    """Create an API token; it is printed once, as the last line."""
    with _store() as session:
        found = access.get_user_by_name(session, name=user_name)
        if found is None:
            _fail(f"no user '{user_name}'")
        roles = access.roles_of(session, user_id=found.id)
        workspace_id = _token_workspace(session, roles, workspace)
        expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
        created, secret = access.create_token(
            session, user_id=found.id, workspace_id=workspace_id, name=label, expires_at=expires
        )
        _audit_cli(session, "tokens.create", "token", created.id, user=found.id)
        session.commit()
        click.echo(f"token {created.id} for '{user_name}' (shown once):", err=True)
        click.echo(secret)


def _token_workspace(session: Session, roles: dict[str, Role], key: str | None) -> str:
    if key is None:
        if len(roles) != 1:
            _fail("the user works in several workspaces (or none): pass --workspace")
        return next(iter(roles))
    found = access.get_workspace(session, key=key)
    if found is None or found.id not in roles:
        _fail(f"the user holds no role in a workspace '{key}'")
    return found.id


@token.command("revoke")
@click.argument("token_id")
def revoke_token(token_id: str) -> None:
    """Revoke an API token by its id."""
    with _store() as session:
        found = access.get_token(session, token_id=token_id)
        if found is None:
            _fail(f"no token '{token_id}'")
        access.revoke_token(session, token=found)
        _audit_cli(session, "tokens.revoke", "token", found.id)
        session.commit()
        click.echo(f"revoked token {token_id}")


def _problem_line(problem: dict[str, Any]) -> str:
    where = problem["path"] + (f" (node {problem['node_id']})" if problem["node_id"] else "")
    return f"{where}: {problem['code']}: {problem['message']}"
