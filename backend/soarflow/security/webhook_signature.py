"""Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs
`<webhook-id>.<webhook-timestamp>.<raw body>` with HMAC-SHA256 under a shared secret and sends
`webhook-signature: v1,<base64>`, several of them space-separated while it changes secrets.

The signature is checked before the timestamp, so `stale_timestamp` tells a sender that a
genuinely signed call came too late (clock skew, a queue) and tells anyone else nothing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Protocol

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's marker, not a secret)
SECRET_BYTES = 32
TOLERANCE_S = 5 * 60
MAX_MESSAGE_ID_LENGTH = 255
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class Headers(Protocol):
    """Request headers, looked up by name without regard to case."""

    def get(self, key: str, default: str) -> str: ...


class SignatureRefused(Exception):
    """A call the signature check turns away, with a stable code: invalid_signature,
    stale_timestamp (or, from the caller's replay check, replayed)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,<base64>` a sender puts in webhook-signature."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(secret: str, headers: Headers, body: bytes, now: float) -> str:
    """The call's webhook-id when one of its signatures is right and its timestamp within
    TOLERANCE_S of now; SignatureRefused otherwise."""
    message_id = headers.get(ID_HEADER, "")
    timestamp_text = headers.get(TIMESTAMP_HEADER, "")
    sent = headers.get(SIGNATURE_HEADER, "")
    if not (message_id and timestamp_text and sent):
        raise SignatureRefused(
            "invalid_signature",
            f"send the {ID_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers",
        )
    if len(message_id) > MAX_MESSAGE_ID_LENGTH or not timestamp_text.isdigit():
        raise SignatureRefused(
            "invalid_signature",
            f"{ID_HEADER} is at most {MAX_MESSAGE_ID_LENGTH} characters and {TIMESTAMP_HEADER} "
            "is Unix seconds",
        )
    timestamp = int(timestamp_text)
    expected = signature(secret, message_id, timestamp, body).encode("ascii")
    # Every candidate is compared, so the time taken does not tell which one came close.
    matches = [hmac.compare_digest(candidate.encode(), expected) for candidate in sent.split()]
    if not any(matches):
        raise SignatureRefused("invalid_signature", "no signature matches the webhook's secret")
    if abs(now - timestamp) > TOLERANCE_S:
        raise SignatureRefused(
            "stale_timestamp",
            f"{TIMESTAMP_HEADER} is more than {TOLERANCE_S // 60} minutes from the server's time",
        )
    return message_id


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is whsec_ and base64") from None
