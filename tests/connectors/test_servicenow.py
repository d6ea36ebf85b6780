"""The ServiceNow connector against a local fake of the Table API: every action through the
executor with the shipped manifest, what is sent, outputs that match their declared schema field
for field, ServiceNow's errors, and an instance name that cannot send the password elsewhere."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import (
    ActionFailed,
    Outcome,
    allowed_hosts,
    build_request,
    call_action,
    host_allowed,
)
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    checked_by_cli,
    local_session,
    manifest_action,
    missing_fields,
    run_action,
    serving,
    shipped_manifest,
)

USERNAME = "soarflow.integration"
PASSWORD = "sn-test-password-7Gq!x2Lw9#Rt"
READER = "soc.reader"
READER_PASSWORD = "sn-reader-password-4Vb8Nm1Kc"
CONNECTION = {"instance": "acme", "username": USERNAME, "password": PASSWORD}
NO_WAIT = RetryPolicy(interval=0, min_interval=0, max_interval=0)

USERS = {
    "5137153cc611227c000bbd1bd8cd2005": ("soarflow.integration", "SOAR Integration"),
    "62826bf03710200044e0bfc8bcbe5df1": ("abel.tuter", "Abel Tuter"),
    "46d44a23a9fe19810012d100cca80666": ("beth.anglin", "Beth Anglin"),
}
GROUPS = {"287ebd7da9fe198100f92cc8d1d2154e": "SOC Tier 1"}
INTEGRATION_ID, CALLER, ANALYST = USERS
[SOC] = GROUPS
# The fake answers reads of records with this correlation id with 429 every other time, as a
# rate limit rule does.
RATE_LIMITED = "rate-limited"

STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed"}
STATES |= {"8": "Canceled"}
LEVELS = {"1": "1 - High", "2": "2 - Medium", "3": "3 - Low"}
PRIORITIES = {"1": "1 - Critical", "2": "2 - High", "3": "3 - Moderate", "4": "4 - Low"}
PRIORITIES |= {"5": "5 - Planning"}
CATEGORIES = {"inquiry": "Inquiry / Help", "software": "Software", "network": "Network"}
REFERENCES = {
    "caller_id": "sys_user",
    "opened_by": "sys_user",
    "assigned_to": "sys_user",
    "resolved_by": "sys_user",
    "closed_by": "sys_user",
    "assignment_group": "sys_user_group",
}
EMPTY_FIELDS = [
    "description",
    "caller_id",
    "assignment_group",
    "assigned_to",
    "subcategory",
    "hold_reason",
    "close_code",
    "close_notes",
    "correlation_id",
    "resolved_at",
    "resolved_by",
    "closed_at",
    "closed_by",
    "work_notes",
    "comments",
    "contact_type",
    "cmdb_ci",
    "business_service",
    "parent_incident",
    "problem_id",
]


def failure(status: int, message: str, detail: str | None) -> tuple[Response, int]:
    """ServiceNow's error shape."""
    return jsonify(error={"message": message, "detail": detail}, status="failure"), status


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def fake_servicenow(received: list[dict[str, Any]]) -> Flask:
    """The fake; it appends every request it is sent to `received`."""
    app = Flask("fake-servicenow")
    records: dict[str, dict[str, str]] = {}
    journal: dict[str, list[tuple[str, str]]] = {}
    calls: Counter[str] = Counter()
    numbers = iter(range(10023, 99999))

    @app.before_request
    def authenticate() -> tuple[Response, int] | None:
        received.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.args.to_dict(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_json(silent=True),
            }
        )
        auth = request.authorization
        known = {USERNAME: PASSWORD, READER: READER_PASSWORD}
        if auth is None or known.get(auth.username or "") != auth.password:
            return failure(401, "User Not Authenticated", "Required to provide Auth information")
        if request.method != "GET" and auth.username == READER:
            operation = "Insert" if request.method == "POST" else "Update"
            return failure(
                403,
                "Operation Failed",
                f"ACL Exception {operation} Failed due to security constraints",
            )
        return None

    def shown(record: dict[str, str]) -> dict[str, Any]:
        """A record as the query parameters ask for it."""
        display = request.args.get("sysparm_display_value") == "true"
        links = request.args.get("sysparm_exclude_reference_link") != "true"
        out: dict[str, Any] = {}
        for field, value in record.items():
            if display:
                value = display_value(record, field, value)
            if field in REFERENCES and record[field] and links:
                link = f"{request.host_url}api/now/table/{REFERENCES[field]}/{record[field]}"
                key = "display_value" if display else "value"
                out[field] = {"link": link, key: value}
            else:
                out[field] = value
        fields = request.args.get("sysparm_fields")
        return {k: v for k, v in out.items() if k in fields.split(",")} if fields else out

    def display_value(record: dict[str, str], field: str, value: str) -> str:
        if field in ("state", "incident_state"):
            return STATES[value]
        if field in ("urgency", "impact"):
            return LEVELS[value]
        if field == "priority":
            return PRIORITIES[value]
        if field == "category":
            return CATEGORIES.get(value, value)
        if REFERENCES.get(field) == "sys_user" and value:
            return USERS[value][1]
        if field == "assignment_group" and value:
            return GROUPS[value]
        if field in ("work_notes", "comments"):
            kind = "Work notes" if field == "work_notes" else "Additional comments"
            return "".join(
                f"{at} - SOAR Integration ({kind})\n{text}\n\n"
                for at, text in journal.get(record["sys_id"], [])
                if (field == "work_notes") == text.startswith("[note]")
            )
        return value

    def apply(record: dict[str, str], fields: dict[str, Any]) -> None:
        """Sets fields as the base system's business rules would."""
        for field, value in fields.items():
            if field in ("work_notes", "comments"):
                prefix = "[note]" if field == "work_notes" else ""
                journal.setdefault(record["sys_id"], []).insert(0, (timestamp(), prefix + value))
            elif field == "assignment_group" and value != record.get(field):
                record["reassignment_count"] = str(int(record["reassignment_count"]) + 1)
                record[field] = str(value)
            elif field in record:
                record[field] = str(value)
        record["priority"] = str(int(record["impact"]) + int(record["urgency"]) - 1)
        record["incident_state"] = record["state"]
        if record["state"] == "6" and not record["resolved_at"]:
            record["resolved_at"], record["resolved_by"] = timestamp(), INTEGRATION_ID
        if record["state"] in ("7", "8"):
            record["active"] = "false"
            record["closed_at"], record["closed_by"] = timestamp(), INTEGRATION_ID
        record["sys_updated_on"], record["sys_updated_by"] = timestamp(), USERNAME
        record["sys_mod_count"] = str(int(record["sys_mod_count"]) + 1)

    def no_record() -> tuple[Response, int]:
        return failure(
            404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval"
        )

    @app.get("/api/now/table/incident")
    def query() -> Any:
        matches = list(records.values())
        condition = request.args.get("sysparm_query", "")
        if condition:
            field, _, value = condition.partition("=")
            matches = [r for r in matches if r.get(field) == value]
        limit = int(request.args.get("sysparm_limit", "10000"))
        return jsonify(result=[shown(r) for r in matches[:limit]])

    @app.post("/api/now/table/incident")
    def create() -> Any:
        fields = request.get_json(silent=True)
        if not isinstance(fields, dict):
            return failure(400, "Exception while reading request", "The payload is not valid JSON.")
        now = timestamp()
        sys_id = uuid.uuid4().hex
        record = dict.fromkeys(EMPTY_FIELDS, "") | {
            "sys_id": sys_id,
            "number": f"INC{next(numbers):07d}",
            "short_description": "",
            "state": "1",
            "incident_state": "1",
            "urgency": "3",
            "impact": "3",
            "priority": "5",
            "severity": "3",
            "category": "inquiry",
            "active": "true",
            "opened_by": INTEGRATION_ID,
            "opened_at": now,
            "reassignment_count": "0",
            "escalation": "0",
            "sys_class_name": "incident",
            "sys_domain": "global",
            "sys_created_on": now,
            "sys_created_by": USERNAME,
            "sys_mod_count": "-1",
        }
        records[sys_id] = record
        apply(record, fields)
        location = f"{request.host_url}api/now/table/incident/{sys_id}"
        return jsonify(result=shown(record)), 201, {"Location": location}

    @app.get("/api/now/table/incident/<sys_id>")
    def read(sys_id: str) -> Any:
        if sys_id not in records:
            return no_record()
        if records[sys_id]["correlation_id"] == RATE_LIMITED:
            calls[sys_id] += 1
            if calls[sys_id] % 2:
                response, status = failure(
                    429,
                    "Too Many Requests",
                    "Rate limit of 100 requests per hour exceeded for this user.",
                )
                response.headers.update({"Retry-After": "0", "X-RateLimit-Limit": "100"})
                return response, status
        return jsonify(result=shown(records[sys_id]))

    @app.patch("/api/now/table/incident/<sys_id>")
    def update(sys_id: str) -> Any:
        if sys_id not in records:
            return no_record()
        fields = request.get_json(silent=True)
        if not isinstance(fields, dict):
            return failure(400, "Exception while reading request", "The payload is not valid JSON.")
        apply(records[sys_id], fields)
        return jsonify(result=shown(records[sys_id]))

    return app


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    """Loaded once: reading every shipped manifest takes about a second."""
    return ConnectorRegistry.load(SHIPPED_CONNECTORS)


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def fake_url(received: list[dict[str, Any]]) -> Iterator[str]:
    with serving(fake_servicenow(received)) as url:
        yield url


@pytest.fixture(scope="module")
def manifest(fake_url: str) -> dict[str, Any]:
    return shipped_manifest("servicenow", fake_url)


def run(
    manifest: dict[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    *,
    connection: dict[str, Any] | None = None,
    sleep: Any = None,
    idempotency_key: str | None = None,
) -> Outcome:
    return run_action(
        manifest,
        action_id,
        inputs,
        connection or CONNECTION,
        retry=NO_WAIT,
        idempotency_key=idempotency_key,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], action_id: str, output: Any) -> None:
    schema = manifest_action(manifest, action_id)["outputs"]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(output)


PHISHING = {
    "short_description": "Phishing: credential harvesting link clicked by Abel Tuter",
    "description": "Sentinel incident 3178: the user opened https://login-acme.example/owa.",
    "urgency": "1",
    "impact": "2",
    "caller_id": CALLER,
    "assignment_group": SOC,
    "category": "network",
    "correlation_id": "683fd598-e7be-4a6e-89c9-80de15e71d7a",
}


def test_the_shipped_manifest_talks_to_the_instance_only(
    registry: ConnectorRegistry, tmp_path: Path
) -> None:
    assert [p for p in registry.problems if "/servicenow/" in p.file] == []
    manifest = registry.connectors["servicenow"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://{{ connection.instance }}.service-now.com/api/now"
    assert connection["auth"] == {
        "type": "basic",
        "username": "{{ connection.username }}",
        "password": "{{ connection.password }}",
    }
    fields = connection["fields"]["properties"]
    assert [name for name, field in fields.items() if field.get("writeOnly")] == ["password"]
    assert {a["id"]: (a["side_effects"], a["idempotent"]) for a in manifest["actions"]} == {
        "create_incident": ("write", False),
        "update_incident": ("write", False),
        "get_incident": ("read", True),
        "find_incident_by_number": ("read", True),
    }
    assert "ok  servicenow 1.0.0: 4 actions" in checked_by_cli("servicenow", tmp_path)


@pytest.mark.parametrize(
    "instance",
    ["evil.com/x", "a.b", "acme.service-now.com", "evil.com#", "x@evil.com/", "*", "-acme", ""],
)
def test_an_instance_name_cannot_name_another_host(
    registry: ConnectorRegistry, instance: str
) -> None:
    manifest = registry.connectors["servicenow"].manifest
    fields = Draft202012Validator(manifest["connection"]["fields"])
    assert fields.is_valid(CONNECTION)
    assert fields.is_valid(CONNECTION | {"instance": "Acme-Dev2"})
    assert not fields.is_valid(CONNECTION | {"instance": instance})


@pytest.mark.parametrize("instance", ["evil.com/x", "evil.com#", "evil.com?", "x@evil.com/"])
def test_the_password_never_leaves_for_the_host_an_instance_builds(
    registry: ConnectorRegistry, instance: str
) -> None:
    """Past the connection form too: the allowed host is the instance's, and a value that
    turns the base URL into another host's does not match it."""
    manifest = registry.connectors["servicenow"].manifest
    connection = CONNECTION | {"instance": instance}
    action = manifest_action(manifest, "get_incident")
    built = build_request(manifest, action, {"sys_id": CALLER}, connection)
    assert not host_allowed(built.url, allowed_hosts(manifest, connection))
    with pytest.raises(ActionFailed) as refused:
        run(dict(manifest), "get_incident", {"sys_id": CALLER}, connection=connection)
    assert refused.value.code == "credentials_refused"
    assert PASSWORD not in refused.value.message


def test_only_the_connections_own_instance_gets_the_password(registry: ConnectorRegistry) -> None:
    manifest = registry.connectors["servicenow"].manifest
    allowed = allowed_hosts(manifest, CONNECTION)
    assert allowed == ["acme.service-now.com"]
    assert host_allowed("https://acme.service-now.com/api/now/table/incident", allowed)
    assert not host_allowed("https://attacker.service-now.com/api/now/table/incident", allowed)


def test_create_incident_sends_only_the_fields_given(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    outcome = run(manifest, "create_incident", PHISHING, idempotency_key="run-7/step-2")
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("POST", "/api/now/table/incident")
    assert sent["query"] == {
        "sysparm_display_value": "false",
        "sysparm_exclude_reference_link": "true",
    }
    assert sent["body"] == PHISHING
    assert sent["headers"]["accept"] == "application/json"
    assert sent["headers"]["authorization"].startswith("Basic ")
    assert sent["headers"]["idempotency-key"] == "run-7/step-2", "creating is not idempotent"
    record = outcome.output["result"]
    assert outcome.status == 201
    assert record["number"].startswith("INC")
    assert (record["state"], record["priority"], record["active"]) == ("1", "2", "true")
    assert (record["caller_id"], record["assignment_group"]) == (CALLER, SOC)
    conforms(manifest, "create_incident", outcome.output)

    run(manifest, "create_incident", {"short_description": "Only this"})
    assert received[-1]["body"] == {"short_description": "Only this"}


def test_display_values_read_like_the_form(manifest: dict[str, Any]) -> None:
    record = run(manifest, "create_incident", PHISHING | {"display_value": True}).output["result"]
    assert (record["state"], record["urgency"], record["priority"]) == (
        "New",
        "1 - High",
        "2 - High",
    )
    assert (record["caller_id"], record["assignment_group"]) == ("Abel Tuter", "SOC Tier 1")
    assert record["category"] == "Network"
    conforms(manifest, "create_incident", {"result": record})


def test_update_incident_patches_only_the_fields_given(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    created = run(manifest, "create_incident", PHISHING).output["result"]
    changes = {
        "state": "2",
        "assigned_to": ANALYST,
        "work_notes": "VirusTotal: 12 engines flag the URL; blocked at the proxy.",
    }
    outcome = run(manifest, "update_incident", {"sys_id": created["sys_id"]} | changes)
    sent = received[-1]
    assert (sent["method"], sent["path"]) == (
        "PATCH",
        f"/api/now/table/incident/{created['sys_id']}",
    )
    assert sent["body"] == changes
    record = outcome.output["result"]
    assert (record["state"], record["assigned_to"]) == ("2", ANALYST)
    assert record["short_description"] == PHISHING["short_description"], "the rest is kept"
    assert record["work_notes"] == "", "journal fields read empty without display values"
    conforms(manifest, "update_incident", outcome.output)

    resolved = run(
        manifest,
        "update_incident",
        {
            "sys_id": created["sys_id"],
            "state": "6",
            "close_code": "Solution provided",
            "close_notes": "Password reset, sessions revoked, URL blocked.",
            "display_value": True,
        },
    ).output["result"]
    assert (resolved["state"], resolved["close_code"]) == ("Resolved", "Solution provided")
    assert resolved["resolved_at"]
    assert "blocked at the proxy" in resolved["work_notes"]


def test_an_empty_text_is_sent_to_clear_a_field(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    created = run(manifest, "create_incident", PHISHING).output["result"]
    inputs = {"sys_id": created["sys_id"], "assignment_group": SOC, "description": ""}
    record = run(manifest, "update_incident", inputs).output["result"]
    assert received[-1]["body"] == {"assignment_group": SOC, "description": ""}
    assert record["description"] == ""


def test_get_incident(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    created = run(manifest, "create_incident", PHISHING).output["result"]
    outcome = run(manifest, "get_incident", {"sys_id": created["sys_id"]})
    sent = received[-1]
    assert (sent["method"], sent["path"]) == ("GET", f"/api/now/table/incident/{created['sys_id']}")
    assert sent["body"] is None
    assert outcome.output["result"] == created
    conforms(manifest, "get_incident", outcome.output)


def test_find_incident_by_number(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    created = run(manifest, "create_incident", PHISHING).output["result"]
    outcome = run(manifest, "find_incident_by_number", {"number": created["number"]})
    assert received[-1]["query"] == {
        "sysparm_query": f"number={created['number']}",
        "sysparm_limit": "1",
        "sysparm_display_value": "false",
        "sysparm_exclude_reference_link": "true",
    }
    assert outcome.output["result"] == [created]
    conforms(manifest, "find_incident_by_number", outcome.output)
    nothing = run(manifest, "find_incident_by_number", {"number": "INC9999999"}).output
    assert nothing == {"result": []}
    conforms(manifest, "find_incident_by_number", nothing)


def test_the_number_cannot_add_conditions_to_the_query(manifest: dict[str, Any]) -> None:
    schema = manifest_action(manifest, "find_incident_by_number")["inputs"]
    assert not Draft202012Validator(schema).is_valid({"number": "INC0010023^ORactive=true"})


@pytest.mark.parametrize(
    "action_id",
    ["create_incident", "update_incident", "get_incident", "find_incident_by_number"],
)
def test_every_declared_output_field_is_in_the_answer(
    manifest: dict[str, Any], action_id: str
) -> None:
    created = run(manifest, "create_incident", PHISHING).output["result"]
    inputs = {
        "create_incident": PHISHING,
        "update_incident": {"sys_id": created["sys_id"], "state": "3", "hold_reason": "1"},
        "get_incident": {"sys_id": created["sys_id"]},
        "find_incident_by_number": {"number": created["number"]},
    }[action_id]
    output = run(manifest, action_id, inputs).output
    assert missing_fields(manifest_action(manifest, action_id)["outputs"], output) == []
    conforms(manifest, action_id, output)


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    run(manifest, "create_incident", {"short_description": "For the test call"})
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}
    outcome = call_action(
        manifest=manifest,
        action=test,
        inputs={},
        connection=CONNECTION,
        session=local_session(),
    )
    assert outcome.status == 200
    assert list(outcome.output["result"][0]) == ["sys_id"]
    assert received[-1]["query"] == {"sysparm_limit": "1", "sysparm_fields": "sys_id"}


def test_an_unknown_sys_id_is_a_404(manifest: dict[str, Any]) -> None:
    for action_id, inputs in (
        ("get_incident", {"sys_id": "0" * 32}),
        ("update_incident", {"sys_id": "0" * 32, "state": "2"}),
    ):
        with pytest.raises(ActionFailed) as failed:
            run(manifest, action_id, inputs)
        assert (failed.value.code, failed.value.details["status"]) == ("http_error", 404)
        assert '"message":"No Record found"' in failed.value.details["body"]
        assert '"status":"failure"' in failed.value.details["body"]


def test_a_user_without_write_access_gets_403(manifest: dict[str, Any]) -> None:
    reader = CONNECTION | {"username": READER, "password": READER_PASSWORD}
    created = run(manifest, "create_incident", PHISHING).output["result"]
    assert run(manifest, "get_incident", {"sys_id": created["sys_id"]}, connection=reader)
    for action_id, inputs in (
        ("create_incident", PHISHING),
        ("update_incident", {"sys_id": created["sys_id"], "state": "2"}),
    ):
        with pytest.raises(ActionFailed) as failed:
            run(manifest, action_id, inputs, connection=reader)
        assert failed.value.details["status"] == 403
        assert "ACL Exception" in failed.value.details["body"]


def test_a_wrong_password_fails_with_401_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "wrong-password-that-must-not-leak"
    for action_id, inputs in (
        ("get_incident", {"sys_id": "0" * 32}),
        ("create_incident", PHISHING),
        ("find_incident_by_number", {"number": "INC0010023"}),
    ):
        with pytest.raises(ActionFailed) as failed:
            run(manifest, action_id, inputs, connection=CONNECTION | {"password": wrong})
        assert (failed.value.code, failed.value.details["status"]) == ("http_error", 401)
        assert "User Not Authenticated" in failed.value.details["body"]
        for secret in (wrong, PASSWORD):
            assert secret not in failed.value.message
            assert secret not in str(failed.value.details)


def test_the_rate_limit_429_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    inputs = {"short_description": "Something to read", "correlation_id": RATE_LIMITED}
    created = run(manifest, "create_incident", inputs).output["result"]
    waits: list[float] = []
    outcome = run(manifest, "get_incident", {"sys_id": created["sys_id"]}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert outcome.output["result"]["sys_id"] == created["sys_id"]
    assert waits == [0.0], "Retry-After: 0 wins over the 7.5 s default"
