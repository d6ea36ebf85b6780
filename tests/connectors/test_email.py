"""The email connector against a small real SMTP server on loopback."""

from __future__ import annotations

import base64
import email
import email.policy
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from soarflow.config import REPO_ROOT
from soarflow.connectors import ConnectorRegistry
from soarflow.connectors.builtin import ActionContext, call_python_action
from soarflow.connectors.builtin import email as email_action
from soarflow.connectors.http import ActionFailed
from soarflow.connectors.registry import secret_fields
from soarflow.security.outbound import OutboundPolicy
from tests.connectors.fakes import LOCAL_POLICY, local_session, missing_fields
from tests.fixtures import skip_or_fail

REGISTRY = ConnectorRegistry.load(REPO_ROOT / "connectors")
MANIFEST = REGISTRY.connectors["email"].manifest
[ACTION] = MANIFEST["actions"]
PASSWORD = "Tr0ub4dor&3-smtp"
SENDER = "soar@example.com"


# --- a small SMTP server ----------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        # SMTP carries CRLF line ends; the parser keeps them in contents unless given LF.
        data = self.data.replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Behaviour:
    users: dict[str, str] = field(default_factory=dict)  # login required when not empty
    mechanisms: tuple[str, ...] = ("PLAIN", "LOGIN")
    refuse: frozenset[str] = frozenset()
    tls: ssl.SSLContext | None = None
    implicit_tls: bool = False
    echo: bool = False  # a refused login repeats what the client sent


class FakeSMTP(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), SMTPSession)
        self.behaviour = behaviour
        self.received: list[Received] = []
        self.logins: list[str] = []
        self.tls_names: list[str | None] = []
        if behaviour.tls is not None:
            behaviour.tls.sni_callback = lambda _sock, name, _ctx: self.tls_names.append(name)

    @property
    def port(self) -> int:
        port: int = self.server_address[1]
        return port

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up on purpose here (refused certificates, timeouts): not an error."""


class SMTPSession(socketserver.StreamRequestHandler):
    """Enough SMTP for smtplib: EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT."""

    server: FakeSMTP
    timeout = 5

    def handle(self) -> None:
        behaviour = self.server.behaviour
        self.secured = False
        if behaviour.implicit_tls:
            self._start_tls()
        self.reply("220 fake.test ESMTP ready")
        authenticated, mail_from = False, ""
        rcpt_to: list[str] = []
        while line := self.read():
            verb, _, argument = line.partition(" ")
            match verb.upper():
                case "EHLO":
                    offers = ["fake.test", "8BITMIME", "SMTPUTF8"]
                    if behaviour.tls is not None and not self.secured:
                        offers.append("STARTTLS")
                    if behaviour.users:
                        offers.append("AUTH " + " ".join(behaviour.mechanisms))
                    self.reply(*(f"250 {offer}" for offer in offers))
                case "STARTTLS":
                    self.reply("220 2.0.0 go ahead")
                    self._start_tls()
                case "AUTH":
                    authenticated = self._authenticate(argument)
                case "MAIL":
                    if behaviour.users and not authenticated:
                        self.reply("530 5.7.0 Authentication required")
                        continue
                    mail_from, rcpt_to = _path(argument), []
                    self.reply("250 2.1.0 OK")
                case "RCPT":
                    address = _path(argument)
                    if address in behaviour.refuse:
                        self.reply(f"550 5.1.1 <{address}>: Recipient address rejected")
                        continue
                    rcpt_to.append(address)
                    self.reply("250 2.1.5 OK")
                case "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    self.server.received.append(Received(mail_from, rcpt_to, self._data()))
                    self.reply("250 2.0.0 OK queued")
                case "RSET" | "NOOP":
                    self.reply("250 OK")
                case "QUIT":
                    self.reply("221 2.0.0 Bye")
                    return
                case _:
                    self.reply("502 5.5.2 Command not recognized")

    def read(self) -> str:
        return self.rfile.readline().decode("utf-8").rstrip("\r\n")

    def reply(self, *lines: str) -> None:
        # Every line but the last continues with "-" after its code.
        shown = [f"{line[:3]}-{line[4:]}" for line in lines[:-1]] + [lines[-1]]
        self.connection.sendall("".join(f"{line}\r\n" for line in shown).encode())

    def _start_tls(self) -> None:
        assert self.server.behaviour.tls is not None
        self.connection = self.server.behaviour.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.secured = True

    def _authenticate(self, argument: str) -> bool:
        mechanism, _, initial = argument.partition(" ")
        if mechanism.upper() == "PLAIN":
            if not initial:
                self.reply("334 ")
                initial = self.read()
            _, user, password = _decode(initial).split("\0")
        else:
            if not initial:
                self.reply("334 " + _encode("Username:"))
                initial = self.read()
            user = _decode(initial)
            self.reply("334 " + _encode("Password:"))
            password = _decode(self.read())
        if self.server.behaviour.users.get(user) != password:
            said = f": {initial}" if self.server.behaviour.echo else ""
            self.reply(f"535 5.7.8 Error: authentication failed{said}")
            return False
        over = " over TLS" if self.secured else ""
        self.server.logins.append(f"{mechanism.upper()} {user}{over}")
        self.reply("235 2.7.0 Authentication successful")
        return True

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)


def _path(argument: str) -> str:
    """The address of `MAIL FROM:<a@b> SIZE=1` or `RCPT TO:<a@b>`."""
    return argument.partition("<")[2].partition(">")[0]


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _decode(text: str) -> str:
    return base64.b64decode(text).decode()


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., FakeSMTP]]:
    started: list[FakeSMTP] = []

    def start(**behaviour: Any) -> FakeSMTP:
        server = FakeSMTP(Behaviour(**behaviour))
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


# --- calling the action ------------------------------------------------------------------------


def connection(server: FakeSMTP, **fields: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "from_address": SENDER,
        **fields,
    }


def send(
    inputs: dict[str, Any],
    connection: dict[str, Any],
    idempotency_key: str | None = None,
    policy: OutboundPolicy = LOCAL_POLICY,
) -> Any:
    """As the runtime calls it; LOCAL_POLICY is the administrator's setting that lets the tests
    reach their servers on loopback."""
    context = ActionContext(local_session(), idempotency_key=idempotency_key, policy=policy)
    return call_python_action(ACTION["python"], inputs, connection, context)


def failure(
    inputs: dict[str, Any], connection: dict[str, Any], policy: OutboundPolicy = LOCAL_POLICY
) -> ActionFailed:
    with pytest.raises(ActionFailed) as raised:
        send(inputs, connection, policy=policy)
    return raised.value


def valid_inputs(inputs: dict[str, Any]) -> bool:
    validator = jsonschema.Draft202012Validator(
        ACTION["inputs"], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return validator.is_valid(inputs)


ALERT = {
    "to": ["analyst@example.com", "lead@example.com"],
    "cc": ["soc@example.com"],
    "bcc": ["audit@example.com", "analyst@example.com"],
    "subject": "High severity alert: Impossible travel for j.doe — Été",
    "body_text": "Sign-ins from Oslo and Lima 7 minutes apart.\n.\nA line with a lone dot.",
    "body_html": "<p>Sign-ins from <b>Oslo</b> and <b>Lima</b> 7 minutes apart.</p>",
    "importance": "high",
}


# --- tests ---------------------------------------------------------------------------------------


def test_the_registry_loads_the_connector() -> None:
    assert [p for p in REGISTRY.problems if "/email/" in p.file] == []
    assert MANIFEST["name"] == "Email (SMTP)"
    assert MANIFEST["connection"]["auth"] == {"type": "none"}
    assert secret_fields(MANIFEST) == {"password"}
    assert (ACTION["side_effects"], ACTION["idempotent"]) == ("write", False)
    assert REGISTRY.get_action("email.send_email") is not None
    assert valid_inputs(ALERT)


def test_a_message_is_delivered_with_its_headers_and_bodies(
    smtp_server: Callable[..., FakeSMTP],
) -> None:
    server = smtp_server()
    output = send(ALERT, connection(server))

    [received] = server.received
    assert received.mail_from == SENDER
    # Bcc is in the envelope only, and an address in two lists is sent one copy.
    assert received.rcpt_to == [
        "analyst@example.com",
        "lead@example.com",
        "soc@example.com",
        "audit@example.com",
    ]
    message = received.message
    assert message["From"] == SENDER
    assert message["To"] == "analyst@example.com, lead@example.com"
    assert message["Cc"] == "soc@example.com"
    assert message["Bcc"] is None
    assert message["Subject"] == ALERT["subject"]
    assert message["Date"] is not None
    assert message["Message-ID"] == output["message_id"]
    assert output["message_id"].endswith("@example.com>")
    assert (message["Importance"], message["X-Priority"]) == ("High", "1 (Highest)")
    assert message["X-Soarflow-Idempotency-Key"] is None
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().rstrip("\n") == ALERT["body_text"]
    assert html.get_content().rstrip("\n") == ALERT["body_html"]

    assert output == {
        "message_id": output["message_id"],
        "accepted": received.rcpt_to,
        "refused": {},
    }
    jsonschema.validate(output, ACTION["outputs"])
    assert missing_fields(ACTION["outputs"], output) == []


def test_a_single_body_and_normal_importance(smtp_server: Callable[..., FakeSMTP]) -> None:
    server = smtp_server()
    send(
        {"to": ["a@example.com"], "subject": "html only", "body_html": "<i>hi</i>"},
        connection(server),
    )
    send({"to": ["a@example.com"], "subject": "nothing"}, connection(server))

    html_only, empty = (received.message for received in server.received)
    assert html_only.get_content_type() == "text/html"
    assert html_only["Importance"] is None
    assert html_only["X-Priority"] is None
    assert empty.get_content_type() == "text/plain"
    assert empty.get_content().strip() == ""


def test_the_idempotency_key_goes_into_a_header(smtp_server: Callable[..., FakeSMTP]) -> None:
    server = smtp_server()
    inputs = {"to": ["a@example.com"], "subject": "once"}
    send(inputs, connection(server), idempotency_key="run-7/step-3/attempt")
    send(inputs, connection(server), idempotency_key="run-7/step-3/attempt")

    keys = [received.message["X-Soarflow-Idempotency-Key"] for received in server.received]
    ids = {received.message["Message-ID"] for received in server.received}
    assert keys == ["run-7/step-3/attempt"] * 2
    assert len(ids) == 2  # each attempt is its own message; the key shows they are duplicates


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_login_with_username_and_password(
    smtp_server: Callable[..., FakeSMTP], mechanism: str
) -> None:
    server = smtp_server(users={"soar-bot": PASSWORD}, mechanisms=(mechanism,))
    inputs = {"to": ["a@example.com"], "subject": "logged in"}

    send(inputs, connection(server, username="soar-bot", password=PASSWORD))
    assert server.logins == [f"{mechanism} soar-bot"]
    assert len(server.received) == 1

    error = failure(inputs, connection(server))  # no username: no login, the server refuses
    assert error.code == "smtp_error"
    assert error.details == {"smtp_code": 530}


def test_a_wrong_password_is_auth_failed_without_the_password(
    smtp_server: Callable[..., FakeSMTP],
) -> None:
    server = smtp_server(users={"soar-bot": PASSWORD})
    wrong = "not-" + PASSWORD
    error = failure(
        {"to": ["a@example.com"], "subject": "x"},
        connection(server, username="soar-bot", password=wrong),
    )
    assert error.code == "auth_failed"
    assert "535" in error.message
    for secret in (wrong, _encode(wrong), _encode(f"\0soar-bot\0{wrong}")):
        assert secret not in f"{error.message} {error.details} {error!r}"
    assert server.received == []


def test_the_connection_test_logs_in_and_sends_nothing(
    smtp_server: Callable[..., FakeSMTP],
) -> None:
    check = MANIFEST["connection"]["test"]["python"]
    context = ActionContext(local_session(), policy=LOCAL_POLICY)
    server = smtp_server(users={"soar-bot": PASSWORD})
    good = connection(server, username="soar-bot", password=PASSWORD)
    assert call_python_action(check, {}, good, context) == {"reply": 250}
    assert server.logins == ["PLAIN soar-bot"]
    assert server.received == []

    wrong = connection(server, username="soar-bot", password="not-" + PASSWORD)
    with pytest.raises(ActionFailed) as raised:
        call_python_action(check, {}, wrong, context)
    assert raised.value.code == "auth_failed"
    assert PASSWORD not in raised.value.message


def test_a_server_that_repeats_the_login_is_not_quoted(
    smtp_server: Callable[..., FakeSMTP],
) -> None:
    server = smtp_server(users={"soar-bot": PASSWORD}, mechanisms=("PLAIN",), echo=True)
    error = failure(
        {"to": ["a@example.com"], "subject": "x"},
        connection(server, username="soar-bot", password="wrong-" + PASSWORD),
    )
    assert error.code == "auth_failed"
    assert error.message == "127.0.0.1 failed; its answer repeated the password"


@pytest.mark.parametrize(
    "subject", ["Alert\r\nBcc: attacker@evil.example", "Alert\nX-Evil: 1", "Alert\u2028x", "x\n"]
)
def test_line_breaks_in_the_subject_are_refused(
    smtp_server: Callable[..., FakeSMTP], subject: str
) -> None:
    server = smtp_server()
    inputs = {"to": ["a@example.com"], "subject": subject}
    assert not valid_inputs(inputs)
    error = failure(inputs, connection(server))
    assert error.code == "invalid_input"
    assert "line breaks" in error.message
    assert server.received == []


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [
        ({"to": [], "subject": "x"}, "at least one"),
        ({"to": ["a@example.com\r\nRCPT TO:<b@evil.example>"], "subject": "x"}, "to[0]"),
        ({"to": ["a@example.com"], "cc": ["Eve <eve@evil.example>"], "subject": "x"}, "cc[0]"),
        ({"to": ["a@example.com"], "bcc": "b@example.com", "subject": "x"}, "list"),
        ({"to": ["a@example.com"] * 101, "subject": "x"}, "more than 100"),
        ({"to": ["a@example.com"], "subject": "x", "importance": "urgent"}, "importance"),
    ],
)
def test_bad_inputs_are_refused_before_connecting(inputs: dict[str, Any], reason: str) -> None:
    # Not every one fails the input schema: jsonschema's email format only looks for an "@".
    error = failure(inputs, {"host": "192.0.2.1", "port": 25, "from_address": SENDER})
    assert error.code == "invalid_input"
    assert reason in error.message


def test_a_refused_recipient_is_listed(smtp_server: Callable[..., FakeSMTP]) -> None:
    server = smtp_server(refuse=frozenset({"gone@example.com"}))
    output = send({"to": ["a@example.com", "gone@example.com"], "subject": "x"}, connection(server))

    assert output["accepted"] == ["a@example.com"]
    assert output["refused"] == {
        "gone@example.com": "550 5.1.1 <gone@example.com>: Recipient address rejected"
    }
    assert server.received[0].rcpt_to == ["a@example.com"]
    jsonschema.validate(output, ACTION["outputs"])

    error = failure({"to": ["gone@example.com"], "subject": "x"}, connection(server))
    assert error.code == "smtp_error"
    assert list(error.details["refused"]) == ["gone@example.com"]
    assert len(server.received) == 1


def test_the_guard_refuses_loopback_unless_allowed(smtp_server: Callable[..., FakeSMTP]) -> None:
    server = smtp_server()
    closed = OutboundPolicy()
    inputs = {"to": ["a@example.com"], "subject": "x"}
    error = failure(inputs, connection(server), closed)
    assert error.code == "blocked_destination"
    assert "loopback" in error.message
    error = failure(inputs, connection(server, host="169.254.169.254"), closed)
    assert (error.code, "cloud metadata" in error.message) == ("blocked_destination", True)
    assert server.received == []


def test_connection_failures(
    smtp_server: Callable[..., FakeSMTP], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = {"to": ["a@example.com"], "subject": "x"}
    monkeypatch.setattr(email_action, "TIMEOUT", 0.3)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never greets
        port = silent.getsockname()[1]
        settings = {"host": "127.0.0.1", "port": port, "security": "none", "from_address": SENDER}
        error = failure(inputs, settings)
        assert error.code == "timeout"
        assert error.message == "127.0.0.1 did not answer within 0.3 s"
    error = failure(inputs, settings)  # closed now: nothing listens on the port
    assert error.code == "connection_error"
    error = failure(inputs, {"host": "no-such-host.invalid", "port": 25, "from_address": SENDER})
    assert error.code == "connection_error"
    # A server that offers no STARTTLS is not used in plain text instead.
    error = failure(inputs, connection(smtp_server(), security="starttls"))
    assert error.code == "smtp_error"
    assert "STARTTLS" in error.message


# --- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        skip_or_fail("the TLS tests make their certificate with the openssl command")
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=mail.test"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=DNS:mail.test", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class TLSSetup:
    server_context: ssl.SSLContext
    lookups: list[str]


@pytest.fixture
def tls(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> TLSSetup:
    """A server TLS context whose certificate the client trusts, and the names mail.test and
    impostor.test resolving to 127.0.0.1, with their lookups counted."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # OpenSSL reads it for the default CAs
    setup = TLSSetup(context, [])
    real = socket.getaddrinfo

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("mail.test", "impostor.test"):
            return real(host, port, *args, **kwargs)
        setup.lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return setup


@pytest.mark.parametrize(("security", "implicit"), [("starttls", False), ("tls", True)])
def test_tls_verifies_the_certificate_against_the_host_name(
    smtp_server: Callable[..., FakeSMTP], tls: TLSSetup, security: str, implicit: bool
) -> None:
    server = smtp_server(
        users={"soar-bot": PASSWORD}, tls=tls.server_context, implicit_tls=implicit
    )
    inputs = {"to": ["a@example.com"], "subject": "over TLS"}
    settings = connection(
        server, host="mail.test", security=security, username="soar-bot", password=PASSWORD
    )

    output = send(inputs, settings)
    assert output["accepted"] == ["a@example.com"]
    assert server.tls_names == ["mail.test"]
    assert server.logins == ["PLAIN soar-bot over TLS"]
    # Resolved once, by the guard: the connection went to the checked address.
    assert tls.lookups == ["mail.test"]

    # Pinned to the same address, a name the certificate does not cover is refused.
    error = failure(inputs, {**settings, "host": "impostor.test"})
    assert error.code == "connection_error"
    assert "certificate" in error.message
    assert tls.lookups == ["mail.test", "impostor.test"]
    assert len(server.received) == 1
