"""Local fake servers that answer like real APIs, on 127.0.0.1, for connector tests."""

from __future__ import annotations

import copy
import email
import email.policy
import ipaddress
import shutil
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from soarflow.cli import main
from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.http import Outcome, TokenCache, call_action
from soarflow.connectors.retry import RetryPolicy
from soarflow.security.outbound import OutboundPolicy, guarded_session

SHIPPED_CONNECTORS = REPO_ROOT / "connectors"
LOCAL_POLICY = OutboundPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),))


@contextmanager
def serving(app: Flask, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve a Flask app in a thread; yields its base URL."""
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def fail_on_wait(seconds: float) -> None:
    """A `sleep` for call_action where no retry is expected."""
    raise AssertionError(f"an unexpected retry after {seconds} s")


def run_action(
    manifest: Mapping[str, Any],
    action_id: str,
    inputs: dict[str, Any],
    connection: Mapping[str, Any],
    *,
    retry: RetryPolicy,
    sleep: Callable[[float], None] | None = None,
    tokens: TokenCache | None = None,
    idempotency_key: str | None = None,
) -> Outcome:
    """One action of a manifest through the executor, as the runtime will call it, against a
    fake on loopback; any retry the test did not ask for fails it."""
    return call_action(
        manifest=manifest,
        action=manifest_action(manifest, action_id),
        inputs=inputs,
        connection=connection,
        session=local_session(),
        retry=retry,
        tokens=tokens,
        idempotency_key=idempotency_key,
        sleep=sleep or fail_on_wait,
    )


def local_session(timeout: tuple[float, float] = (2, 5)) -> requests.Session:
    """A guarded session that may reach the fakes on loopback, as SOARFLOW_ALLOWED_NETWORKS
    would let an administrator allow them."""
    return guarded_session(LOCAL_POLICY, timeout=timeout)


def shipped_manifest(connector_id: str, fake_url: str) -> dict[str, Any]:
    """A copy of a connector's manifest from connectors/ whose connection goes to a fake: the
    fake's address with the vendor's own base path, and only its host allowed to receive the
    credentials. The shipped file stays as it is."""
    manifest = copy.deepcopy(
        dict(ConnectorRegistry.load(SHIPPED_CONNECTORS).connectors[connector_id].manifest)
    )
    connection = manifest["connection"]
    connection["base_url"] = fake_url + urlsplit(connection["base_url"]).path
    connection["allowed_hosts"] = [urlsplit(fake_url).hostname]
    return manifest


def checked_by_cli(connector_id: str, folder: Path) -> str:
    """What `soarflow connectors check` says of a copy of a shipped connector, which it passes."""
    shutil.copytree(SHIPPED_CONNECTORS / connector_id, folder / connector_id)
    checked = CliRunner().invoke(main, ["connectors", "check", str(folder)])
    assert checked.exit_code == 0, checked.output
    return checked.output


def manifest_action(manifest: Mapping[str, Any], action_id: str) -> dict[str, Any]:
    [action] = [a for a in manifest["actions"] if a["id"] == action_id]
    return dict(action)


def missing_fields(schema: Mapping[str, Any], value: Any, where: str = "$") -> list[str]:
    """The fields an output schema declares (properties, recursively; arrays through each of
    their items) that a value lacks, so a test can hold a fake's answer to the dynamic fields
    the picker offers. An empty array whose items declare fields cannot show them, so it
    counts as missing them."""
    missing: list[str] = []
    if isinstance(value, Mapping):
        for key, inner in schema.get("properties", {}).items():
            if key not in value:
                missing.append(f"{where}.{key}")
            elif isinstance(inner, Mapping):
                missing += missing_fields(inner, value[key], f"{where}.{key}")
    elif isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            if not value and items.get("properties"):
                missing.append(f"{where}[*]")
            for index, item in enumerate(value):
                missing += missing_fields(items, item, f"{where}[{index}]")
    return missing


# --- a real SMTP server (aiosmtpd) on loopback that keeps what it receives -------------------


@dataclass
class Mailbox:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in str(message["To"])]


class _Collect:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, _server: Any, _session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mailbox.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def receiving_mail() -> Iterator[Mailbox]:
    """An SMTP server on a free loopback port; the mailbox fills as messages arrive."""
    mailbox = Mailbox(port=free_port())
    controller = Controller(_Collect(mailbox), hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
