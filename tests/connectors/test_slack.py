"""The Slack connector against a local fake of the Web API: chat.postMessage through the
executor with the shipped manifest, what is sent, an output that matches its declared schema
field for field, and Slack's errors, which come as HTTP 200 with "ok": false."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify, request
from jsonschema import Draft202012Validator

from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import ActionFailed, Outcome, call_action
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    checked_by_cli,
    fail_on_wait,
    local_session,
    manifest_action,
    missing_fields,
    serving,
    shipped_manifest,
)

TOKEN = "xoxb-2154536120-6874112093527-Q1w2E3r4T5y6U7i8O9p0AsDf"
FAST = RetryPolicy(interval=0, min_interval=0, max_interval=0)
BOT_USER, BOT_ID, APP_ID, TEAM = "U06SOARBOT1", "B06SOARBOT1", "A06SOARAPP1", "T0ACMESOC01"
CHANNELS = {"C05SOCALERT": "soc-alerts", "C05RATELIMT": "busy", "C05NOTMEMBR": "hr-private"}
NOT_A_MEMBER = "C05NOTMEMBR"
# The fake answers a post to this channel with 429 every other time, as Slack's rate limit does.
RATE_LIMITED = "C05RATELIMT"
BLOCK_TYPES = {"section", "header", "divider", "context", "actions", "image", "rich_text"}


def fake_slack(received: list[dict[str, Any]]) -> Flask:
    """The fake; it appends every request it is sent to `received`."""
    app = Flask("fake-slack")
    calls: Counter[str] = Counter()

    def refused(error: str) -> Any:
        return jsonify(ok=False, error=error)

    @app.before_request
    def authenticate() -> Any:
        received.append(
            {
                "path": request.path,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_json(silent=True),
            }
        )
        auth = request.headers.get("Authorization")
        if auth is None:
            return refused("not_authed")
        if auth != f"Bearer {TOKEN}":
            return refused("invalid_auth")
        return None

    @app.post("/api/auth.test")
    def auth_test() -> Any:
        return jsonify(
            ok=True,
            url="https://acme-soc.slack.com/",
            team="Acme SOC",
            user="soarflow",
            team_id=TEAM,
            user_id=BOT_USER,
            bot_id=BOT_ID,
            is_enterprise_install=False,
        )

    @app.post("/api/chat.postMessage")
    def post_message() -> Any:
        sent = request.get_json(silent=True) or {}
        named = {f"#{name}": id_ for id_, name in CHANNELS.items()}
        channel = named.get(sent.get("channel", ""), sent.get("channel"))
        if channel not in CHANNELS:
            return refused("channel_not_found")
        if channel == NOT_A_MEMBER:
            return refused("not_in_channel")
        if channel == RATE_LIMITED:
            calls[channel] += 1
            if calls[channel] % 2:
                response = refused("ratelimited")
                response.status_code = 429
                response.headers["Retry-After"] = "0"
                return response
        blocks = sent.get("blocks")
        if not sent.get("text") and not blocks:
            return refused("no_text")
        if blocks is not None and not all(b.get("type") in BLOCK_TYPES for b in blocks):
            return refused("invalid_blocks")
        calls["posted"] += 1
        ts = f"1711375502.{123456 + calls['posted']:06d}"
        message: dict[str, Any] = {
            "user": BOT_USER,
            "type": "message",
            "ts": ts,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": sent.get("text", ""),
            "team": TEAM,
            "bot_profile": {"id": BOT_ID, "app_id": APP_ID, "name": "soarflow", "deleted": False},
        }
        if blocks is not None:
            message["blocks"] = blocks
        if sent.get("thread_ts"):
            message["thread_ts"] = sent["thread_ts"]
            message["parent_user_id"] = "U02ANALYST1"
        answer: dict[str, Any] = {"ok": True, "channel": channel, "ts": ts, "message": message}
        # Slack warns, without failing, about JSON bodies sent without a charset.
        if "charset" not in request.headers.get("Content-Type", ""):
            answer |= {
                "warning": "missing_charset",
                "response_metadata": {"warnings": ["missing_charset"]},
            }
        return jsonify(answer)

    return app


@pytest.fixture(scope="module")
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture(scope="module")
def manifest(received: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    with serving(fake_slack(received)) as url:
        yield shipped_manifest("slack", url)


def post(
    manifest: dict[str, Any],
    inputs: dict[str, Any],
    *,
    token: str = TOKEN,
    sleep: Any = fail_on_wait,
) -> Outcome:
    return call_action(
        manifest=manifest,
        action=manifest_action(manifest, "post_message"),
        inputs=inputs,
        connection={"bot_token": token},
        session=local_session(),
        retry=FAST,
        sleep=sleep,
    )


def conforms(manifest: dict[str, Any], output: Any) -> None:
    schema = manifest_action(manifest, "post_message")["outputs"]
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        output
    )
    assert missing_fields(schema, output) == []


BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Emotet on WS-0142"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Severity:* high"}},
]


def test_the_shipped_manifest_sends_the_token_to_slack_only(tmp_path: Path) -> None:
    registry = ConnectorRegistry.load(SHIPPED_CONNECTORS)
    assert [p for p in registry.problems if "/slack/" in p.file] == []
    manifest = registry.connectors["slack"].manifest
    connection = manifest["connection"]
    assert connection["base_url"] == "https://slack.com/api"
    assert connection["allowed_hosts"] == ["slack.com"]
    assert connection["auth"] == {"type": "bearer", "token": "{{ connection.bot_token }}"}
    token = connection["fields"]["properties"]["bot_token"]
    assert token["writeOnly"] is True
    assert Draft202012Validator(connection["fields"]).is_valid({"bot_token": TOKEN})
    assert not Draft202012Validator(connection["fields"]).is_valid({"bot_token": "hunter2"})
    [action] = manifest["actions"]
    assert (action["id"], action["side_effects"], action["idempotent"]) == (
        "post_message",
        "write",
        False,
    )
    assert "ok  slack 1.0.0: 1 action" in checked_by_cli("slack", tmp_path)


def test_post_a_message_sends_only_what_was_given(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    text = 'Host *WS-0142* isolated. User "jdoe" said:\n> it wasn\'t me & <b>'
    outcome = post(manifest, {"channel": "C05SOCALERT", "text": text})
    sent = received[-1]
    assert sent["path"] == "/api/chat.postMessage"
    assert sent["body"] == {"channel": "C05SOCALERT", "text": text}
    assert sent["headers"]["authorization"] == f"Bearer {TOKEN}"
    output = outcome.output
    assert (output["ok"], output["channel"]) == (True, "C05SOCALERT")
    assert output["message"]["text"] == text
    assert output["message"]["ts"] == output["ts"]
    conforms(manifest, output)


def test_a_reply_in_a_thread_with_blocks_and_options(
    manifest: dict[str, Any], received: list[dict[str, Any]]
) -> None:
    first = post(manifest, {"channel": "#soc-alerts", "text": "Incident 42 opened"}).output
    assert first["channel"] == "C05SOCALERT", "Slack answers the id for a channel name"
    inputs = {
        "channel": first["channel"],
        "text": "Emotet on WS-0142: contained",
        "blocks": BLOCKS,
        "thread_ts": first["ts"],
        "reply_broadcast": False,
        "unfurl_links": False,
    }
    reply = post(manifest, inputs).output
    assert received[-1]["body"] == inputs
    assert reply["message"]["thread_ts"] == first["ts"]
    conforms(manifest, reply)


@pytest.mark.parametrize(
    ("inputs", "error"),
    [
        ({"channel": "C0NOSUCHONE", "text": "x"}, "channel_not_found"),
        ({"channel": "#no-such-channel", "text": "x"}, "channel_not_found"),
        ({"channel": NOT_A_MEMBER, "text": "x"}, "not_in_channel"),
        ({"channel": "C05SOCALERT", "text": "x", "blocks": [{"type": "table"}]}, "invalid_blocks"),
    ],
)
def test_a_refusal_with_http_200_fails_the_step_naming_slacks_error(
    manifest: dict[str, Any], inputs: dict[str, Any], error: str
) -> None:
    with pytest.raises(ActionFailed) as failure:
        post(manifest, inputs)
    assert failure.value.code == "vendor_error"
    assert failure.value.message == f"Slack refused the message: {error}"
    assert failure.value.details == {"status": 200}


def test_a_wrong_token_fails_and_stays_secret(manifest: dict[str, Any]) -> None:
    wrong = "xoxb-0000000000-0000000000000-mustnotleakmustnotleak"
    with pytest.raises(ActionFailed) as failure:
        post(manifest, {"channel": "C05SOCALERT", "text": "x"}, token=wrong)
    assert failure.value.code == "vendor_error"
    assert failure.value.message == "Slack refused the message: invalid_auth"
    for secret in (wrong, TOKEN):
        assert secret not in failure.value.message
        assert secret not in str(failure.value.details)


def test_the_connection_test_call(manifest: dict[str, Any], received: list[dict[str, Any]]) -> None:
    test = {"id": "test", "idempotent": True, "request": manifest["connection"]["test"]}

    def call(token: str) -> Outcome:
        return call_action(
            manifest=manifest,
            action=test,
            inputs={},
            connection={"bot_token": token},
            session=local_session(),
            retry=FAST,
        )

    assert call(TOKEN).output["bot_id"] == BOT_ID
    assert received[-1]["path"] == "/api/auth.test"
    with pytest.raises(ActionFailed) as failure:
        call("xoxb-1-2-revoked")
    assert failure.value.code == "vendor_error"
    assert failure.value.message == "Slack refused the token: invalid_auth"
    assert "xoxb-1-2-revoked" not in failure.value.message


def test_the_rate_limit_429_is_retried_after_retry_after(manifest: dict[str, Any]) -> None:
    waits: list[float] = []
    outcome = post(manifest, {"channel": RATE_LIMITED, "text": "x"}, sleep=waits.append)
    assert (outcome.status, outcome.attempts) == (200, 2)
    assert waits == [0.0]
    assert outcome.output["channel"] == RATE_LIMITED


@pytest.mark.parametrize(
    "inputs",
    [
        {"channel": "C05SOCALERT"},
        {"channel": "C05SOCALERT", "text": ""},
        {"channel": "C05SOCALERT", "text": "x", "thread_ts": "yesterday"},
        {"channel": "C05SOCALERT", "text": "x", "blocks": [{"text": "no type"}]},
        {"channel": "C05SOCALERT", "text": "x", "as_user": True},
    ],
)
def test_the_input_schema_refuses_what_slack_would(
    manifest: dict[str, Any], inputs: dict[str, Any]
) -> None:
    schema = manifest_action(manifest, "post_message")["inputs"]
    assert not Draft202012Validator(schema).is_valid(inputs)
