"""The Azure Key Vault connector against a local fake of Entra ID's token endpoint and of a vault
that answers like Key Vault's REST API (api-version 7.4): a secret and one of its versions are
read with a token for the vault's scope, the client secret goes only to the token endpoint, and
Key Vault's refusals (SecretNotFound, Unauthorized) fail the step without the secret in them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, allowed_hosts, call_action, host_allowed
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    local_session,
    manifest_action,
    missing_fields,
    run_action,
    serving,
)

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_ID = "3f1c2a9e-5b7d-4c8e-9a6f-0d2e4b6c8a1f"
CLIENT_SECRET = "Kv8~vault-app-secret.Zp4uW2yVt6rS0nM1kL3jH5gF7dA9"
TOKEN = "eyJ0eXAiOiJKV1QiLCJ2YXVsdCI6dHJ1ZX0.fake.token"
VAULT_URL = "https://soc-vault.vault.azure.net"
SECRET_NAME = "graph-app-secret"
CURRENT = "4387e9f3d6e14c459867679a90fd0f79"
OLDER = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
VALUES = {
    CURRENT: "Gr4ph~current-secret-value.0123456789",
    OLDER: "Gr4ph~older-secret-value.9876543210",
}
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)


@dataclass
class Vault:
    """What the fake received, and whether it takes the tokens Entra ID hands out (a token for
    another tenant's vault, say, is refused)."""

    received: list[dict[str, Any]] = field(default_factory=list)
    accepts_tokens: bool = True


def _secret_id(name: str, version: str) -> str:
    return f"{VAULT_URL}/secrets/{name}/{version}"


def _unauthorized(message: str) -> Any:
    challenge = (
        f'Bearer authorization="https://login.microsoftonline.com/{TENANT}", '
        'resource="https://vault.azure.net"'
    )
    body = jsonify(error={"code": "Unauthorized", "message": message})
    return body, 401, {"WWW-Authenticate": challenge}


def fake_key_vault(vault: Vault) -> Flask:
    app = Flask("fake-key-vault")

    @app.post(f"/{TENANT}/oauth2/v2.0/token")
    def token() -> Any:
        form = request.form.to_dict()
        vault.received.append({"path": request.path, "form": form})
        if form.get("client_secret") != CLIENT_SECRET:
            return jsonify(error="invalid_client", error_description="AADSTS7000215"), 401
        return jsonify(access_token=TOKEN, token_type="Bearer", expires_in=3599, ext_expires_in=0)

    @app.get("/secrets")
    def list_secrets() -> Any:
        vault.received.append(_call())
        if (refused := _refused()) is not None:
            return refused
        item = {"id": f"{VAULT_URL}/secrets/{SECRET_NAME}", "attributes": _attributes()}
        return jsonify(value=[item], nextLink=None)

    @app.get("/secrets/<name>/")
    @app.get("/secrets/<name>/<version>")
    def get_secret(name: str, version: str = "") -> Any:
        vault.received.append(_call())
        if (refused := _refused()) is not None:
            return refused
        version = version or CURRENT
        if name != SECRET_NAME or version not in VALUES:
            message = (
                f"A secret with (name/id) {name}/{version} was not found in this key vault. If "
                "you recently deleted this secret you may be able to recover it using the "
                "correct recovery command."
            )
            return jsonify(error={"code": "SecretNotFound", "message": message}), 404
        attributes = _attributes()
        if version == OLDER:
            attributes["exp"] = 1767225600
        return jsonify(
            value=VALUES[version],
            id=_secret_id(name, version),
            contentType="client secret",
            attributes=attributes,
            tags={"owner": "soc"},
        )

    def _call() -> dict[str, Any]:
        return {
            "path": request.path,
            "query": request.args.to_dict(),
            "auth": request.headers.get("Authorization"),
        }

    def _refused() -> Any:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return _unauthorized("AKV10000: Request is missing a Bearer or PoP token.")
        if request.headers["Authorization"] != f"Bearer {TOKEN}" or not vault.accepts_tokens:
            return _unauthorized("AKV10032: Invalid issuer.")
        if request.args.get("api-version") != "7.4":
            return jsonify(error={"code": "BadParameter", "message": "api-version"}), 400
        return None

    return app


def _attributes() -> dict[str, Any]:
    return {
        "enabled": True,
        "created": 1718000000,
        "updated": 1718000300,
        "recoveryLevel": "Recoverable+Purgeable",
        "recoverableDays": 90,
    }


@pytest.fixture(scope="module")
def vault_server() -> Iterator[tuple[Vault, str]]:
    vault = Vault()
    with serving(fake_key_vault(vault)) as url:
        yield vault, url


@pytest.fixture
def vault(vault_server: tuple[Vault, str]) -> Vault:
    vault_server[0].received.clear()
    vault_server[0].accepts_tokens = True
    return vault_server[0]


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    registry = ConnectorRegistry.load(SHIPPED_CONNECTORS)
    assert registry.problems == []
    return dict(registry.connectors["azure_key_vault"].manifest)


@pytest.fixture(scope="module")
def manifest(shipped: dict[str, Any], vault_server: tuple[Vault, str]) -> dict[str, Any]:
    """The shipped manifest with its vault, token endpoint and hosts on the fake."""
    changed = copy.deepcopy(shipped)
    changed["connection"]["base_url"] = vault_server[1]
    changed["connection"]["auth"]["token_url"] = (
        vault_server[1] + "/{{ connection.tenant_id }}/oauth2/v2.0/token"
    )
    changed["connection"]["allowed_hosts"] = ["127.0.0.1"]
    return changed


CONNECTION = {
    "vault_url": VAULT_URL,
    "tenant_id": TENANT,
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
}


def test_the_current_secret_is_read_with_a_vault_token(
    manifest: dict[str, Any], vault: Vault
) -> None:
    outcome = run_action(manifest, "get_secret", {"name": SECRET_NAME}, CONNECTION, retry=FAST)
    assert outcome.output == {
        "value": VALUES[CURRENT],
        "id": _secret_id(SECRET_NAME, CURRENT),
        "name": SECRET_NAME,
        "version": CURRENT,
        "content_type": "client secret",
        "enabled": True,
        "created": "2024-06-10T06:13:20Z",
        "updated": "2024-06-10T06:18:20Z",
        "not_before": None,
        "expires": None,
        "tags": {"owner": "soc"},
    }
    token_call, read = vault.received
    assert token_call["form"] == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "https://vault.azure.net/.default",
    }
    assert (read["path"], read["query"]) == (f"/secrets/{SECRET_NAME}/", {"api-version": "7.4"})
    assert read["auth"] == f"Bearer {TOKEN}"
    assert CLIENT_SECRET not in str(read)
    action = manifest_action(manifest, "get_secret")
    assert missing_fields(action["outputs"], outcome.output) == []
    assert Draft202012Validator(action["outputs"]).is_valid(outcome.output)


def test_one_version_is_read_by_its_id(manifest: dict[str, Any], vault: Vault) -> None:
    inputs = {"name": SECRET_NAME, "version": OLDER}
    outcome = run_action(manifest, "get_secret", inputs, CONNECTION, retry=FAST)
    assert vault.received[-1]["path"] == f"/secrets/{SECRET_NAME}/{OLDER}"
    assert (outcome.output["value"], outcome.output["version"]) == (VALUES[OLDER], OLDER)
    assert outcome.output["expires"] == "2026-01-01T00:00:00Z"


def test_the_value_is_a_secret_output(shipped: dict[str, Any]) -> None:
    """writeOnly in the output schema: the runtime masks it in every trace."""
    outputs = manifest_action(shipped, "get_secret")["outputs"]["properties"]
    assert [name for name, spec in outputs.items() if spec.get("writeOnly")] == ["value"]


def test_a_missing_secret_is_key_vaults_404(manifest: dict[str, Any], vault: Vault) -> None:
    with pytest.raises(ActionFailed) as failed:
        run_action(manifest, "get_secret", {"name": "no-such-secret"}, CONNECTION, retry=FAST)
    assert (failed.value.code, failed.value.details["status"]) == ("http_error", 404)
    assert '"code":"SecretNotFound"' in failed.value.details["body"]
    assert vault.received[-1]["path"] == "/secrets/no-such-secret/"


def test_a_token_the_vault_refuses_is_fetched_again_once_then_fails(
    manifest: dict[str, Any], vault: Vault
) -> None:
    vault.accepts_tokens = False
    with pytest.raises(ActionFailed) as failed:
        run_action(manifest, "get_secret", {"name": SECRET_NAME}, CONNECTION, retry=FAST)
    assert (failed.value.code, failed.value.details["status"]) == ("http_error", 401)
    assert "AKV10032" in failed.value.details["body"]
    tokens = [call for call in vault.received if "form" in call]
    assert len(tokens) == 2, "a refused token is replaced once, in case it was revoked"
    assert CLIENT_SECRET not in str(failed.value.details) + failed.value.message


def test_a_wrong_client_secret_fails_at_the_token_endpoint(
    manifest: dict[str, Any], vault: Vault
) -> None:
    wrong = CONNECTION | {"client_secret": "not-the-secret-0123456789"}
    with pytest.raises(ActionFailed) as failed:
        run_action(manifest, "get_secret", {"name": SECRET_NAME}, wrong, retry=FAST)
    assert failed.value.code == "auth_failed"
    assert "401" in failed.value.message
    assert all("form" in call for call in vault.received), "the vault was never called"


def test_the_connection_test_lists_one_secrets_metadata(
    manifest: dict[str, Any], vault: Vault
) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}
    outcome = call_action(
        manifest=manifest, action=test, inputs={}, connection=CONNECTION, session=local_session()
    )
    assert outcome.status == 200
    assert vault.received[-1]["query"] == {"api-version": "7.4", "maxresults": "1"}
    assert "value" not in outcome.output["value"][0], "a list holds no secret values"


def test_the_token_goes_to_the_connections_own_vault_only(shipped: dict[str, Any]) -> None:
    allowed = allowed_hosts(shipped, CONNECTION)
    assert allowed == ["soc-vault.vault.azure.net", "login.microsoftonline.com"]
    assert host_allowed(f"{VAULT_URL}/secrets/x/", allowed)
    assert not host_allowed("https://attacker.vault.azure.net/secrets/x/", allowed)


@pytest.mark.parametrize(
    "url",
    [
        "http://soc-vault.vault.azure.net",
        "https://soc-vault.vault.azure.net.evil.example",
        "https://evil.example/.vault.azure.net",
        "https://a.b.vault.azure.net",
        "https://*.vault.azure.net",
        "https://sv.vault.azure.net",
        "https://soc-vault.vault.azure.net/secrets",
    ],
)
def test_the_vault_url_is_one_vault_under_vault_azure_net(
    shipped: dict[str, Any], url: str
) -> None:
    fields = Draft202012Validator(shipped["connection"]["fields"])
    assert fields.is_valid(CONNECTION)
    assert fields.is_valid(CONNECTION | {"vault_url": "https://Soc-Vault-01.vault.azure.net/"})
    assert not fields.is_valid(CONNECTION | {"vault_url": url})
