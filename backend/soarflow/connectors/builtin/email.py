"""The `email` connector's action: send a message through the connection's SMTP server.

The SMTP connection goes through the same destination guard as HTTP: the server's name is
resolved and checked once, and the socket connects to the checked address, so a DNS answer that
changes between the check and the connect (rebinding) cannot aim it elsewhere. TLS still uses
the configured name for SNI and certificate verification.
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from soarflow.connectors.builtin import ActionContext
from soarflow.connectors.http import ActionFailed
from soarflow.security.outbound import Address, BlockedDestination, OutboundPolicy, resolve_host

TIMEOUT = 20.0  # seconds, for the connect and for each SMTP reply
MAX_RECIPIENTS = 100  # per list: to, cc and bcc each
SECURITY_MODES = ("starttls", "tls", "none")
IDEMPOTENCY_HEADER = "X-Soarflow-Idempotency-Key"
# Outlook reads Importance, other clients X-Priority; normal mail carries neither.
IMPORTANCE_HEADERS = {
    "low": {"Importance": "Low", "X-Priority": "5 (Lowest)"},
    "normal": {},
    "high": {"Importance": "High", "X-Priority": "1 (Highest)"},
}
# Every character str.splitlines() breaks at: EmailMessage refuses them all in header values.
LINE_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# A bare address (no display name): nothing that could end the SMTP command or the header list.
ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")


def send_email(
    inputs: Mapping[str, Any], connection: Mapping[str, Any], context: ActionContext
) -> dict[str, Any]:
    """Send one message to every recipient; recipients the server refuses are listed."""
    recipients = {
        kind: _addresses(inputs.get(kind) or [], kind, required=kind == "to")
        for kind in ("to", "cc", "bcc")
    }
    message = _message(inputs, connection, recipients, context.idempotency_key)
    # Bcc recipients get the message through the envelope only; duplicates get one copy.
    envelope = list(dict.fromkeys(address for kind in recipients.values() for address in kind))
    with _signed_in(connection, context) as smtp:
        refused = smtp.send_message(message, str(connection["from_address"]), envelope)
    return {
        "message_id": str(message["Message-ID"]),
        "accepted": [address for address in envelope if address not in refused],
        "refused": {address: _reply(*reply) for address, reply in refused.items()},
    }


def check_connection(
    _inputs: Mapping[str, Any], connection: Mapping[str, Any], context: ActionContext
) -> dict[str, Any]:
    """The connection's test call: reach the server, secure the channel, log in."""
    with _signed_in(connection, context) as smtp:
        code, _ = smtp.noop()
    return {"reply": code}


@contextmanager
def _signed_in(connection: Mapping[str, Any], context: ActionContext) -> Iterator[smtplib.SMTP]:
    """An SMTP session on the checked address, over TLS as configured, logged in when the
    connection has a username; every failure is an ActionFailed without the password."""
    host, port, security = _server(connection)
    username = str(connection.get("username") or "")
    password = str(connection.get("password") or "")
    addresses = _checked_addresses(host, port, context.policy)
    try:
        smtp = _PinnedSMTP(host, port, addresses, tls=_tls() if security == "tls" else None)
        try:
            if security == "starttls":
                smtp.starttls(context=_tls())
            if username:
                smtp.login(username, password)
            yield smtp
        finally:
            _quit(smtp)
    except ActionFailed:
        raise
    except Exception as error:  # every failure becomes a step error without the password in it
        raise _failure(error, host, username, password) from None


def _server(connection: Mapping[str, Any]) -> tuple[str, int, str]:
    host = connection.get("host")
    port = connection.get("port", 587)
    security = connection.get("security", "starttls")
    if not isinstance(host, str) or not host or LINE_BREAKS.search(host):
        raise ActionFailed("invalid_connection", "the connection has no valid SMTP host")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ActionFailed("invalid_connection", "the connection's SMTP port is not 1-65535")
    if security not in SECURITY_MODES:
        raise ActionFailed("invalid_connection", f"security must be one of {SECURITY_MODES}")
    if not _is_address(connection.get("from_address")):
        raise ActionFailed("invalid_connection", "the connection's from address is not valid")
    return host, port, str(security)


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and ADDRESS.fullmatch(value) is not None


def _addresses(value: Any, kind: str, *, required: bool) -> list[str]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ActionFailed("invalid_input", f"{kind} must be a list of email addresses")
    if required and not value:
        raise ActionFailed("invalid_input", f"{kind} needs at least one address")
    if len(value) > MAX_RECIPIENTS:
        raise ActionFailed("invalid_input", f"{kind} has more than {MAX_RECIPIENTS} addresses")
    for index, address in enumerate(value):
        if not _is_address(address):
            # The position, not the value: a crafted value could carry anything into the log.
            raise ActionFailed("invalid_input", f"{kind}[{index}] is not a bare email address")
    return [str(address) for address in value]


def _message(
    inputs: Mapping[str, Any],
    connection: Mapping[str, Any],
    recipients: Mapping[str, list[str]],
    idempotency_key: str | None,
) -> EmailMessage:
    subject = inputs.get("subject")
    if not isinstance(subject, str):
        raise ActionFailed("invalid_input", "subject must be text")
    if LINE_BREAKS.search(subject):
        raise ActionFailed("invalid_input", "the subject may not contain line breaks")
    importance = inputs.get("importance", "normal")
    if importance not in IMPORTANCE_HEADERS:
        raise ActionFailed("invalid_input", f"importance must be one of {list(IMPORTANCE_HEADERS)}")
    sender = str(connection["from_address"])
    message = EmailMessage()  # its default policy refuses line breaks in any header value
    message["From"] = sender
    message["To"] = ", ".join(recipients["to"])
    if recipients["cc"]:
        message["Cc"] = ", ".join(recipients["cc"])
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # The sender's domain, not this machine's name, which make_msgid would look up and reveal.
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    for name, value in IMPORTANCE_HEADERS[importance].items():
        message[name] = value
    if idempotency_key:
        message[IDEMPOTENCY_HEADER] = idempotency_key
    text, html = inputs.get("body_text"), inputs.get("body_html")
    if html and not text:
        message.set_content(str(html), subtype="html")
        return message
    message.set_content(str(text or ""))
    if html:
        message.add_alternative(str(html), subtype="html")
    return message


def _checked_addresses(host: str, port: int, policy: OutboundPolicy) -> list[Address]:
    try:
        return resolve_host(host, port, policy)
    except BlockedDestination as blocked:
        raise ActionFailed(blocked.code, str(blocked)) from None
    except (socket.gaierror, UnicodeError):
        raise ActionFailed("connection_error", f"cannot resolve the SMTP host {host}") from None


def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()  # verifies the chain and that it names the host


class _PinnedSMTP(smtplib.SMTP):
    """smtplib.SMTP that connects to already checked addresses instead of resolving the name.

    smtplib keeps the name it was given for STARTTLS's SNI and certificate check; `tls` wraps
    the socket the same way for implicit TLS (SMTP_SSL cannot be told a separate address).
    """

    def __init__(
        self, host: str, port: int, addresses: list[Address], *, tls: ssl.SSLContext | None
    ) -> None:
        self._addresses = addresses
        self._implicit_tls = tls
        super().__init__(host, port, timeout=TIMEOUT)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        *fallbacks, last = self._addresses
        for address in fallbacks:  # like socket.create_connection: on failure try the next one
            try:
                return self._connect(host, address, port, timeout)
            except OSError:
                continue
        return self._connect(host, last, port, timeout)

    def _connect(self, host: str, address: Address, port: int, timeout: float) -> socket.socket:
        sock = socket.create_connection((str(address), port), timeout)
        if self._implicit_tls is None:
            return sock
        try:
            return self._implicit_tls.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise


def _reply(code: int, text: bytes | str) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {shown}".strip()


def _quit(smtp: smtplib.SMTP) -> None:
    # Once the message is accepted (or the step already failed), a server that answers QUIT
    # badly must not fail the step: a retry would send the message twice.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _failure(error: Exception, host: str, username: str, password: str) -> ActionFailed:
    failure = _classify(error, host, username)
    if not password:
        return failure
    # Servers may echo what they were sent: the password, or the base64 of a login.
    secrets = [password] + [
        base64.b64encode(text.encode()).decode() for text in (password, f"\0{username}\0{password}")
    ]
    texts = [failure.message, *failure.details.get("refused", {}).values()]
    if any(secret in text for secret in secrets for text in texts):
        return ActionFailed(failure.code, f"{host} failed; its answer repeated the password")
    return failure


def _classify(error: Exception, host: str, username: str) -> ActionFailed:
    # smtplib reports a timed-out read as SMTPServerDisconnected, raised while handling it.
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return ActionFailed("timeout", f"{host} did not answer within {TIMEOUT:g} s")
    # Subclasses before their bases: every smtplib error is an OSError, and
    # SMTPAuthenticationError and SMTPRecipientsRefused are SMTPExceptions with replies.
    if isinstance(error, smtplib.SMTPAuthenticationError):
        reply = _reply(error.smtp_code, error.smtp_error)
        return ActionFailed("auth_failed", f"{host} refused the login of {username}: {reply}")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = {address: _reply(*reply) for address, reply in error.recipients.items()}
        return ActionFailed("smtp_error", f"{host} refused every recipient", refused=refused)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = _reply(error.smtp_code, error.smtp_error)
        return ActionFailed("smtp_error", f"{host} answered {reply}", smtp_code=error.smtp_code)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return ActionFailed("connection_error", f"{host} closed the connection: {error}")
    if isinstance(error, smtplib.SMTPException):  # such as no STARTTLS or AUTH on offer
        return ActionFailed("smtp_error", f"{host}: {error}")
    if isinstance(error, ssl.SSLCertVerificationError):
        reason = error.verify_message or str(error)
        return ActionFailed("connection_error", f"TLS with {host} failed: {reason}")
    if isinstance(error, OSError):
        return ActionFailed("connection_error", f"the connection to {host} failed: {error}")
    return ActionFailed("action_error", f"send_email: {error}")
