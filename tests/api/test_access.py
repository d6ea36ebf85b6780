"""Sign-in, sessions, CSRF, tokens, workspaces, roles and the audit log, through the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from soarflow.api.auth import CSRF_HEADER, SESSION_COOKIE
from soarflow.api.extensions import db_engine, db_session
from soarflow.security.roles import Role
from soarflow.store import access
from soarflow.store.models import utcnow
from tests.fixtures import PASSWORD, Person, enrich_ips

OWNER = Role.OWNER


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/api/v1/auth/login", json={"username": name, "password": password})


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie else None


def error_code(response: TestResponse) -> str:
    code: str = response.json["error"]["code"]
    return code


def audit_rows(client: FlaskClient, **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    rows: list[dict[str, Any]] = client.get(f"/api/v1/audit?limit=200&{query}").json["data"]
    return rows


def test_sign_in_sets_a_safe_cookie_and_me_answers(
    anonymous: FlaskClient, people: dict[Role, Person]
) -> None:
    response = sign_in(anonymous, people[OWNER].name)
    assert response.status_code == 200
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header
    me = anonymous.get("/api/v1/auth/me").json
    assert me["user"]["name"] == people[OWNER].name
    assert me["auth"] == "session"
    assert me["csrf_token"] == response.json["csrf_token"]
    [workspace] = me["workspaces"]
    assert (workspace["name"], workspace["role"]) == ("default", "owner")
    assert "access.manage" in workspace["permissions"]


def test_the_cookie_is_secure_behind_https(app: Flask, people: dict[Role, Person]) -> None:
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/login",
        json={"username": people[OWNER].name, "password": PASSWORD},
        base_url="https://soarflow.example",
    )
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("name", ["owner_user", "nobody"])
def test_wrong_credentials_are_one_answer(
    anonymous: FlaskClient, people: dict[Role, Person], name: str
) -> None:
    response = sign_in(anonymous, name, "not the password")
    assert response.status_code == 401
    assert response.json["error"] == {
        "code": "invalid_credentials",
        "message": "wrong user name or password",
        "details": {},
    }
    assert session_cookie(anonymous) is None
    assert anonymous.get("/api/v1/auth/me").status_code == 401


def test_malformed_sign_ins(anonymous: FlaskClient) -> None:
    bodies: list[Any] = [[], {"username": "a"}, {"username": 3, "password": "x"}, {"username": ""}]
    for body in bodies:
        response = anonymous.post("/api/v1/auth/login", json=body)
        assert response.status_code == 400
        assert error_code(response) == "bad_request"


def test_the_session_id_changes_at_sign_in(
    anonymous: FlaskClient, people: dict[Role, Person]
) -> None:
    sign_in(anonymous, people[OWNER].name)
    first = session_cookie(anonymous)
    sign_in(anonymous, people[Role.READER].name)
    second = session_cookie(anonymous)
    assert first
    assert second
    assert first != second
    planted = anonymous.application.test_client()
    planted.set_cookie(SESSION_COOKIE, first)
    assert planted.get("/api/v1/auth/me").status_code == 401
    planted.set_cookie(SESSION_COOKIE, "chosen-by-an-attacker")
    assert planted.get("/api/v1/auth/me").status_code == 401


def test_cookie_writes_need_the_csrf_token(
    anonymous: FlaskClient, people: dict[Role, Person]
) -> None:
    csrf = sign_in(anonymous, people[OWNER].name).json["csrf_token"]
    for headers in ({}, {CSRF_HEADER: "forged"}):
        refused = anonymous.post("/api/v1/playbooks", json=enrich_ips(), headers=headers)
        assert refused.status_code == 403
        assert error_code(refused) == "csrf_failed"
    assert anonymous.get("/api/v1/playbooks").json["total"] == 0
    created = anonymous.post("/api/v1/playbooks", json=enrich_ips(), headers={CSRF_HEADER: csrf})
    assert created.status_code == 201


def test_sign_out_ends_the_session(anonymous: FlaskClient, people: dict[Role, Person]) -> None:
    csrf = sign_in(anonymous, people[OWNER].name).json["csrf_token"]
    cookie = session_cookie(anonymous)
    assert anonymous.post("/api/v1/auth/logout", headers={CSRF_HEADER: csrf}).status_code == 204
    assert session_cookie(anonymous) is None
    again = anonymous.application.test_client()
    again.set_cookie(SESSION_COOKIE, cookie or "")
    assert again.get("/api/v1/auth/me").status_code == 401


def test_repeated_failures_are_rate_limited(
    anonymous: FlaskClient, people: dict[Role, Person]
) -> None:
    for _ in range(10):
        assert sign_in(anonymous, people[OWNER].name, "guess guess guess").status_code == 401
    limited = sign_in(anonymous, people[OWNER].name)
    assert limited.status_code == 429
    assert error_code(limited) == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.json["error"]["details"]["retry_after"] > 0
    assert session_cookie(anonymous) is None


def test_disabled_users_cannot_sign_in_or_use_tokens(
    client: FlaskClient, client_for: Callable[[Role], FlaskClient], people: dict[Role, Person]
) -> None:
    reader = people[Role.READER]
    disabled = client.patch(f"/api/v1/users/{reader.user_id}", json={"active": False})
    assert disabled.json["active"] is False
    assert client_for(Role.READER).get("/api/v1/playbooks").status_code == 401
    assert sign_in(client.application.test_client(), reader.name).status_code == 401


def test_tokens_are_shown_once_and_stored_hashed(app: Flask, client: FlaskClient) -> None:
    created = client.post("/api/v1/tokens", json={"name": "robot", "expires_in_days": 30})
    assert created.status_code == 201
    secret = created.json["token"]
    assert secret.startswith("sf_")
    assert created.headers["Cache-Control"] == "no-store"
    listed = client.get("/api/v1/tokens").json["data"]
    assert secret not in str(listed)
    with app.app_context():
        stored = access.get_token(db_session(), token_id=created.json["id"])
        assert stored is not None
        assert secret not in (stored.digest, stored.prefix)
    robot = app.test_client()
    robot.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    assert robot.get("/api/v1/auth/me").json["auth"] == "token"
    touched = [
        t for t in client.get("/api/v1/tokens").json["data"] if t["id"] == created.json["id"]
    ]
    assert touched[0]["last_used_at"] is not None


def test_revoked_and_expired_tokens_are_refused(
    app: Flask,
    client: FlaskClient,
    client_for: Callable[[Role], FlaskClient],
    people: dict[Role, Person],
) -> None:
    reader = client_for(Role.READER)
    [token] = [
        t
        for t in client.get("/api/v1/tokens").json["data"]
        if t["user_id"] == people[Role.READER].user_id
    ]
    assert client.delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    refused = reader.get("/api/v1/playbooks")
    assert refused.status_code == 401
    assert error_code(refused) == "unauthenticated"

    with app.app_context():
        session = db_session()
        _, secret = access.create_token(
            session,
            user_id=people[OWNER].user_id,
            workspace_id=people[OWNER].workspace_id,
            name="old",
            expires_at=utcnow() - timedelta(seconds=1),
        )
        session.commit()
    expired = app.test_client()
    expired.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    assert expired.get("/api/v1/playbooks").status_code == 401
    garbled = app.test_client()
    for header in ("Bearer", "Basic abc", "Bearer sf_not-a-token"):
        assert (
            garbled.get("/api/v1/playbooks", headers={"Authorization": header}).status_code == 401
        )


def test_people_only_revoke_their_own_tokens(
    client: FlaskClient, client_for: Callable[[Role], FlaskClient], people: dict[Role, Person]
) -> None:
    [owner_token] = [
        t
        for t in client.get("/api/v1/tokens").json["data"]
        if t["user_id"] == people[OWNER].user_id
    ]
    reader = client_for(Role.READER)
    assert [t["user_id"] for t in reader.get("/api/v1/tokens").json["data"]] == [
        people[Role.READER].user_id
    ]
    assert reader.delete(f"/api/v1/tokens/{owner_token['id']}").status_code == 404
    assert client.get("/api/v1/auth/me").status_code == 200


class Browser:
    """A signed-in browser: cookie session, CSRF header on every request (harmless on reads)."""

    def __init__(self, app: Flask, name: str) -> None:
        self.client = app.test_client()
        self.csrf = sign_in(self.client, name).json["csrf_token"]

    def open(self, method: str, url: str, **kwargs: Any) -> TestResponse:
        return self.client.open(url, method=method, headers={CSRF_HEADER: self.csrf}, **kwargs)


def new_workspace(browser: Browser, name: str) -> str:
    created = browser.open("POST", "/api/v1/workspaces", json={"name": name})
    assert created.status_code == 201
    workspace_id: str = created.json["id"]
    return workspace_id


def test_workspaces_keep_their_records_apart(
    app: Flask, client_for: Callable[[Role], FlaskClient], people: dict[Role, Person]
) -> None:
    owner = Browser(app, people[OWNER].name)
    secret_id = new_workspace(owner, "secret-ops")
    hidden = owner.open(
        "POST", "/api/v1/playbooks?workspace=secret-ops", json=enrich_ips(name="Hidden")
    )
    assert hidden.json["workspace_id"] == secret_id
    owner.open("POST", "/api/v1/playbooks?workspace=default", json=enrich_ips(name="Shared"))

    reader = client_for(Role.READER)
    assert [p["name"] for p in reader.get("/api/v1/playbooks").json["data"]] == ["Shared"]
    missing = reader.get(f"/api/v1/playbooks/{hidden.json['id']}")
    assert missing.status_code == 404
    absent = reader.get("/api/v1/playbooks/no-such-id").json["error"]
    assert missing.json["error"]["code"] == absent["code"] == "not_found"
    assert missing.json["error"]["message"] == absent["message"].replace(
        "no-such-id", hidden.json["id"]
    )
    assert reader.get("/api/v1/playbooks?workspace=secret-ops").status_code == 404
    assert reader.get(f"/api/v1/workspaces/{secret_id}").status_code == 404

    owner_names = {p["name"] for p in owner.open("GET", "/api/v1/playbooks").json["data"]}
    assert owner_names == {"Hidden", "Shared"}
    only_secret = owner.open("GET", "/api/v1/playbooks?workspace=secret-ops").json["data"]
    assert [p["name"] for p in only_secret] == ["Hidden"]
    unnamed = owner.open("POST", "/api/v1/playbooks", json=enrich_ips())
    assert unnamed.json["workspace_id"] == people[OWNER].workspace_id


def test_a_token_acts_only_in_its_workspace(app: Flask, people: dict[Role, Person]) -> None:
    owner = Browser(app, people[OWNER].name)
    new_workspace(owner, "elsewhere")
    other = owner.open(
        "POST", "/api/v1/playbooks?workspace=elsewhere", json=enrich_ips(name="Other")
    )
    ambiguous = owner.open("POST", "/api/v1/tokens", json={"name": "where?"})
    assert error_code(ambiguous) == "workspace_required"
    robot_secret = owner.open(
        "POST", "/api/v1/tokens", json={"name": "default only", "workspace": "default"}
    ).json["token"]
    robot = app.test_client()
    robot.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {robot_secret}"
    assert robot.get(f"/api/v1/playbooks/{other.json['id']}").status_code == 404
    assert robot.get("/api/v1/playbooks?workspace=elsewhere").status_code == 404
    refused = robot.post("/api/v1/playbooks?workspace=elsewhere", json=enrich_ips())
    assert refused.status_code == 404
    assert [w["name"] for w in robot.get("/api/v1/auth/me").json["workspaces"]] == ["default"]


def test_roles_are_granted_changed_and_refused(
    client: FlaskClient, client_for: Callable[[Role], FlaskClient], people: dict[Role, Person]
) -> None:
    workspace = people[OWNER].workspace_id
    reader = people[Role.READER]
    url = f"/api/v1/workspaces/{workspace}/members/{reader.user_id}"
    unknown = client.put(url, json={"role": "superuser"})
    assert unknown.status_code == 422
    assert error_code(unknown) == "unknown_role"
    promoted = client.put(url, json={"role": "Playbook Operator"})
    assert promoted.json["role"] == "playbook_operator"
    operator = client_for(Role.READER)
    playbook_id = client.post("/api/v1/playbooks", json=enrich_ips()).json["id"]
    assert operator.post(f"/api/v1/playbooks/{playbook_id}/enable").status_code == 200
    edit = operator.put(
        f"/api/v1/playbooks/{playbook_id}", json=enrich_ips(), headers={"If-Match": "*"}
    )
    assert edit.status_code == 403
    assert edit.json["error"]["details"] == {"permission": "playbook.write"}
    assert client.delete(url).status_code == 204
    assert operator.get("/api/v1/playbooks").status_code == 403


def test_the_last_owner_stays(client: FlaskClient, people: dict[Role, Person]) -> None:
    owner = people[OWNER]
    url = f"/api/v1/workspaces/{owner.workspace_id}/members/{owner.user_id}"
    for response in (
        client.put(url, json={"role": "reader"}),
        client.delete(url),
        client.delete(f"/api/v1/users/{owner.user_id}"),
        client.patch(f"/api/v1/users/{owner.user_id}", json={"active": False}),
    ):
        assert response.status_code == 409
        assert error_code(response) == "last_owner"
    members = client.get(f"/api/v1/workspaces/{owner.workspace_id}/members").json["data"]
    assert {m["name"]: m["role"] for m in members}[owner.name] == "owner"
    assert client.get("/api/v1/auth/me").json["user"]["active"] is True
    contributor = people[Role.PLAYBOOK_CONTRIBUTOR]
    client.put(
        f"/api/v1/workspaces/{owner.workspace_id}/members/{contributor.user_id}",
        json={"role": "owner"},
    )
    assert client.put(url, json={"role": "reader"}).status_code == 200


def test_users_are_created_and_validated(client: FlaskClient) -> None:
    created = client.post(
        "/api/v1/users", json={"name": "carol", "password": PASSWORD, "display_name": "Carol"}
    )
    assert created.status_code == 201
    assert "password" not in str(created.json)
    assert PASSWORD not in str(created.json)
    for body, code in (
        ({"name": "carol", "password": PASSWORD}, "name_taken"),
        ({"name": "bad name!", "password": PASSWORD}, "invalid_name"),
        ({"name": "dave", "password": "short"}, "weak_password"),
    ):
        response = client.post("/api/v1/users", json=body)
        assert error_code(response) == code
    assert [u["name"] for u in client.get("/api/v1/users").json["data"]].count("carol") == 1


def test_writes_are_audited_with_who_what_where_and_outcome(
    client: FlaskClient, client_for: Callable[[Role], FlaskClient], people: dict[Role, Person]
) -> None:
    created = client.post("/api/v1/playbooks", json=enrich_ips())
    playbook_id = created.json["id"]
    client_for(Role.READER).delete(f"/api/v1/playbooks/{playbook_id}")
    client.post("/api/v1/users", json={"name": "erin", "password": PASSWORD})
    sign_in(client.application.test_client(), "erin", "wrong wrong wrong")

    rows = audit_rows(client, target_id=playbook_id)
    assert [(r["action"], r["actor_name"], r["outcome"], r["status"]) for r in rows] == [
        ("playbooks.delete", people[Role.READER].name, "denied", 403),
        ("playbooks.create", people[OWNER].name, "success", 201),
    ]
    assert rows[1]["target_type"] == "playbook"
    assert rows[1]["workspace_id"] == people[OWNER].workspace_id
    assert rows[1]["ip"] == "127.0.0.1"
    assert rows[1]["actor_type"] == "token"
    failed = audit_rows(client, target_id="erin")
    assert [(r["action"], r["outcome"]) for r in failed] == [("auth.login_failed", "denied")]
    everything = str(client.get("/api/v1/audit?limit=200").json)
    assert PASSWORD not in everything
    assert "wrong wrong wrong" not in everything
    for person in people.values():
        assert person.token not in everything


def test_the_audit_log_filters_by_user_and_time(
    client: FlaskClient, people: dict[Role, Person]
) -> None:
    client.post("/api/v1/playbooks", json=enrich_ips())
    mine = audit_rows(client, user=people[OWNER].name)
    assert mine
    assert all(r["actor_name"] == people[OWNER].name for r in mine)
    assert audit_rows(client, user="nobody-at-all") == []
    future = (utcnow() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert audit_rows(client, since=future) == []
    assert audit_rows(client, until=future)
    for bad in ("since=yesterday", "until=2026-01-01T00:00:00"):
        response = client.get(f"/api/v1/audit?{bad}")
        assert response.status_code == 400
        assert error_code(response) == "invalid_parameter"


def test_the_audit_log_is_append_only_in_the_database(app: Flask, client: FlaskClient) -> None:
    client.post("/api/v1/playbooks", json=enrich_ips())
    with app.app_context(), db_engine().connect() as connection:
        for statement in ("UPDATE audit_event SET outcome = 'forged'", "DELETE FROM audit_event"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                connection.execute(sa.text(statement))
            connection.rollback()
