"""Standard Webhooks signatures, and the per-process rate limiter of webhook calls."""

from __future__ import annotations

import base64

import pytest

from soarflow.security.rate_limit import RateLimiter
from soarflow.security.webhook_signature import (
    SignatureRefused,
    new_secret,
    signature,
    verify,
)

# The example of the Standard Webhooks libraries' own tests.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def headers(
    signed: str, message_id: str = SPEC_ID, timestamp: int = SPEC_TIMESTAMP
) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signed,
    }


def test_the_specification_example() -> None:
    assert signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE
    assert verify(SPEC_SECRET, headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_TIMESTAMP + 10) == SPEC_ID


def test_any_of_several_signatures_may_match() -> None:
    """A sender changing secrets signs with both for a while."""
    other = signature(new_secret(), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    both = headers(f"{other} {SPEC_SIGNATURE}")
    assert verify(SPEC_SECRET, both, SPEC_BODY, SPEC_TIMESTAMP) == SPEC_ID


@pytest.mark.parametrize(
    ("sent", "body", "now", "code"),
    [
        (headers(SPEC_SIGNATURE), SPEC_BODY + b" ", SPEC_TIMESTAMP, "invalid_signature"),
        (
            headers(SPEC_SIGNATURE, message_id="msg_other"),
            SPEC_BODY,
            SPEC_TIMESTAMP,
            "invalid_signature",
        ),
        (headers("v2," + SPEC_SIGNATURE[3:]), SPEC_BODY, SPEC_TIMESTAMP, "invalid_signature"),
        (headers(""), SPEC_BODY, SPEC_TIMESTAMP, "invalid_signature"),
        ({"webhook-signature": SPEC_SIGNATURE}, SPEC_BODY, SPEC_TIMESTAMP, "invalid_signature"),
        (headers(SPEC_SIGNATURE, timestamp=-5), SPEC_BODY, SPEC_TIMESTAMP, "invalid_signature"),
        (headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_TIMESTAMP + 301, "stale_timestamp"),
        (headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_TIMESTAMP - 301, "stale_timestamp"),
    ],
)
def test_refusals(sent: dict[str, str], body: bytes, now: int, code: str) -> None:
    with pytest.raises(SignatureRefused) as refused:
        verify(SPEC_SECRET, sent, body, now)
    assert refused.value.code == code


def test_a_stale_call_is_refused_only_when_signed_right() -> None:
    """A wrong signature is invalid_signature however old: only a sender learns of its clock."""
    with pytest.raises(SignatureRefused) as refused:
        verify(new_secret(), headers(SPEC_SIGNATURE), SPEC_BODY, SPEC_TIMESTAMP + 3600)
    assert refused.value.code == "invalid_signature"


def test_new_secrets_are_standard_and_long() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert secret != new_secret()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limiter_allows_a_minute_at_once_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    assert [limiter.take("a", 60) for _ in range(60)] == [0] * 60
    assert limiter.take("a", 60) == 1  # one a second comes back
    assert limiter.take("b", 60) == 0  # each key has its own bucket
    clock.now += 1
    assert limiter.take("a", 60) == 0
    assert limiter.take("a", 60) == 1
    assert limiter.take("slow", 1) == 0
    assert limiter.take("slow", 1) == 60
    clock.now += 600
    # A lowered limit holds at once: the bucket never keeps more than the new allowance.
    assert [limiter.take("a", 2) for _ in range(3)] == [0, 0, 30]
