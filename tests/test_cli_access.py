"""soarflow user/token commands and the first-run Owner, on a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session

from soarflow.app import create_app
from soarflow.bootstrap import BootstrapError, ensure_first_owner
from soarflow.cli import main
from soarflow.config import Settings
from soarflow.store import access, audit
from soarflow.store.db import make_engine
from soarflow.store.migrate import upgrade
from tests.fixtures import PASSWORD


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("SOARFLOW_DATABASE_URL", url)
    return url


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def test_users_and_tokens_from_the_command_line(database: str, tmp_path: Path) -> None:
    created = run("user", "create", "alice", "--role", "Owner", "--password-stdin", stdin=PASSWORD)
    assert created.exit_code == 0, created.output
    assert (
        run(
            "user", "create", "bob", "--role", "reader", "--password-stdin", stdin=PASSWORD
        ).exit_code
        == 0
    )
    listing = run("user", "list").output
    assert "alice  default:owner" in listing
    assert "bob  default:reader" in listing

    issued = run("token", "create", "--user", "alice", "--name", "ci")
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip().splitlines()[-1]
    assert secret.startswith("sf_")

    app = create_app(Settings(database, frontend_dir=tmp_path))
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    assert client.get("/api/v1/auth/me").json["user"]["name"] == "alice"
    token_id = client.get("/api/v1/tokens").json["data"][0]["id"]
    assert run("token", "revoke", token_id).exit_code == 0
    assert client.get("/api/v1/auth/me").status_code == 401

    engine = make_engine(database)
    with Session(engine) as session:
        events, _ = audit.list_events(session, where=audit.AuditFilter(), offset=0, limit=50)
        assert [(e.actor_type, e.action) for e in events][:4] == [
            ("cli", "tokens.revoke"),
            ("cli", "tokens.create"),
            ("cli", "users.create"),
            ("cli", "users.create"),
        ]
        assert all(secret not in str(e.details) and PASSWORD not in str(e.details) for e in events)
    engine.dispose()
    app.extensions["soarflow.engine"].dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (["user", "create", "x", "--role", "superuser", "--password-stdin"], PASSWORD, "no role"),
        (["user", "create", "x", "--role", "reader", "--password-stdin"], "short", "at least 12"),
        (
            ["user", "create", "bad name", "--role", "reader", "--password-stdin"],
            PASSWORD,
            "user name",
        ),
        (
            ["user", "create", "x", "--role", "reader", "--workspace", "nope", "--password-stdin"],
            PASSWORD,
            "no workspace",
        ),
        (["token", "create", "--user", "nobody"], None, "no user"),
        (["token", "revoke", "no-such-token"], None, "no token"),
    ],
)
def test_bad_command_lines_say_why_and_change_nothing(
    database: str, args: list[str], stdin: str | None, reason: str
) -> None:
    result = run(*args, stdin=stdin)
    assert result.exit_code == 2
    assert reason in result.output
    assert run("user", "list").output == ""


def test_the_first_run_makes_one_owner(database: str, tmp_path: Path) -> None:
    engine = make_engine(database)
    with Session(engine) as session:
        password = ensure_first_owner(session, password=None)
        assert password is not None
        assert len(password) >= 20
        assert ensure_first_owner(session, password=None) is None
        admin = access.get_user_by_name(session, name="admin")
        assert admin is not None
        default = access.get_workspace(session, key="default")
        assert default is not None
        assert access.roles_of(session, user_id=admin.id) == {default.id: "owner"}
    engine.dispose()
    app = create_app(Settings(database, frontend_dir=tmp_path))
    signed_in = app.test_client().post(
        "/api/v1/auth/login", json={"username": "admin", "password": password}
    )
    assert signed_in.status_code == 200
    app.extensions["soarflow.engine"].dispose()


def test_the_first_owner_password_can_come_from_the_environment(database: str) -> None:
    engine = make_engine(database)
    with Session(engine) as session:
        with pytest.raises(BootstrapError, match="SOARFLOW_ADMIN_PASSWORD"):
            ensure_first_owner(session, password="short")
        assert access.count_users(session) == 0
        assert ensure_first_owner(session, password=PASSWORD) is None
        assert access.count_users(session) == 1
    engine.dispose()


def test_the_readme_shows_the_permission_tables_as_they_are() -> None:
    printed = run("permissions").output.strip()
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    shown = readme.split("<!-- permissions:start -->")[1].split("<!-- permissions:end -->")[0]
    assert shown.strip() == printed, "run `soarflow permissions` and paste it into the README"
