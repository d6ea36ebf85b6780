"""Webhook triggers. `POST /api/v1/hooks/<id>` starts a run of the playbook behind the id: no
sign-in, token or CSRF token, since the random id (and, with signing on, the Standard Webhooks
signature) is the credential. Designers read the URL and make its signing secret under
`/api/v1/playbooks/<id>/webhook`.

Bodies: JSON (`application/json`, `*+json`) arrives parsed; other text (`text/*`, form-encoded,
XML) arrives as the text itself; an empty body is null; anything else is refused (415)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask.blueprints import BlueprintSetupState

from soarflow.api.audit import audit_target, unaudited
from soarflow.api.auth import PUBLIC, authorize, requires
from soarflow.api.body import model_response, parse_json, raw_body
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_engine, db_session, runner, secret_box
from soarflow.api.openapi import operation
from soarflow.playbook.document import Json
from soarflow.playbook.triggers import (
    WEBHOOK_TRIGGER,
    InvalidParams,
    WebhookSettings,
    trigger_of,
    webhook_settings,
)
from soarflow.runtime.runner import RunRequest
from soarflow.runtime.state import RUN_TERMINAL
from soarflow.security import webhook_signature
from soarflow.security.rate_limit import RateLimiter
from soarflow.security.roles import Permission
from soarflow.store import playbooks as playbook_repo
from soarflow.store import triggers as repo
from soarflow.store.models import (
    Playbook,
    Webhook,
    WebhookAccepted,
    WebhookPublic,
    WebhookSecret,
)

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__, url_prefix="/api/v1")
TAG = "webhooks"
RESPONSE_ACTION = "core.response"
MAX_WEBHOOK_ID_LENGTH = 64
# Kept while a replayed call could still pass the timestamp check: its timestamp was within the
# tolerance of the first receipt and must be within it of the replay.
DELIVERY_MEMORY = timedelta(seconds=2 * webhook_signature.TOLERANCE_S)
# Left out of the playbook's view of the call: credentials, and the signature (it proves the
# call, the run does not need it).
HIDDEN_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", webhook_signature.SIGNATURE_HEADER}
)
TEXT_TYPES = frozenset({"application/x-www-form-urlencoded", "application/xml"})
# A playbook's answer is served from soarflow's own origin: sandboxed, HTML in it can run no
# script and reach no cookie or API there.
ANSWER_POLICY = "sandbox; default-src 'none'"
FIRST_POLL_S = 0.01
LONGEST_POLL_S = 0.25
_LIMITER = "soarflow.webhook_limiter"


@bp.record_once
def _make_limiter(state: BlueprintSetupState) -> None:
    state.app.extensions[_LIMITER] = RateLimiter()


def _nowhere() -> ApiError:
    """Unknown, disabled or no longer a webhook: the same answer, so a caller learns nothing."""
    return ApiError(404, "webhook_not_found", "no webhook at this address")


@bp.post("/hooks/<webhook_id>")
@requires(PUBLIC)
@unaudited
@operation(
    "Call a playbook's webhook: starts a run with the call as its trigger",
    tag=TAG,
    request={"description": "any JSON; other text bodies reach the playbook as text"},
    responses={
        200: "Sync mode: the answer of the run's Response step (its status, headers and body)",
        202: WebhookAccepted,
        400: "Malformed body",
        401: "Signature missing or wrong (invalid_signature, stale_timestamp, replayed)",
        404: "No such webhook",
        413: "Body larger than the webhook allows",
        415: "Not JSON or text",
        429: "Over the webhook's rate limit (see Retry-After)",
    },
)
def receive(webhook_id: str) -> Response | tuple[Response, int]:
    webhook, playbook, settings = _target(webhook_id)
    _within_rate(webhook.id, settings.rate_limit_per_minute)
    raw = raw_body(settings.max_body_bytes, "this webhook")
    message_id = _verified(webhook, raw) if settings.signature == "standard" else None
    try:
        trigger = _payload(raw)
        run_id = _start(playbook, trigger)
    except Exception:
        if message_id is not None:  # not taken: the sender may send it again
            repo.forget_delivery(db_engine(), webhook_id=webhook.id, message_id=message_id)
        raise
    if settings.mode == "sync":
        return _answer(run_id, playbook, settings.timeout_s)
    return _accepted(run_id)


def _target(webhook_id: str) -> tuple[Webhook, Playbook, WebhookSettings]:
    found = None
    if len(webhook_id) <= MAX_WEBHOOK_ID_LENGTH:
        found = repo.find_webhook(db_session(), webhook_id=webhook_id)
    if found is None:
        raise _nowhere()
    webhook, playbook = found
    # Hand the connection back: the run is stored through connections of its own, and requests
    # holding one each while they wait for those would drain the pool in a flood of calls.
    db_session().commit()
    trigger_type, params = trigger_of(playbook.document)
    if not playbook.enabled or trigger_type != WEBHOOK_TRIGGER:
        raise _nowhere()
    try:
        return webhook, playbook, webhook_settings(params)
    except InvalidParams as invalid:  # enabling needs a valid playbook; this is a safety net
        log.warning("webhook of playbook %s has bad settings: %s", playbook.id, invalid)
        raise _nowhere() from None


def _within_rate(webhook_id: str, per_minute: int) -> None:
    limiter: RateLimiter = current_app.extensions[_LIMITER]
    wait = limiter.take(webhook_id, per_minute)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            f"this webhook takes {per_minute} calls a minute; try again in {wait} s",
            {"retry_after": wait},
            headers={"Retry-After": str(wait)},
        )


def _verified(webhook: Webhook, raw: bytes) -> str:
    """The call's webhook-id, once its signature, timestamp and novelty are checked."""
    if not webhook.secret:
        raise ApiError(
            401,
            "invalid_signature",
            "this webhook checks signatures but has no secret yet: make one on its Webhook panel",
        )
    secret = secret_box().decrypt(webhook.secret)["secret"]
    try:
        message_id = webhook_signature.verify(secret, request.headers, raw, time.time())
    except webhook_signature.SignatureRefused as refused:
        raise ApiError(401, refused.code, refused.message) from None
    if not repo.remember_delivery(
        db_engine(), webhook_id=webhook.id, message_id=message_id, keep_for=DELIVERY_MEMORY
    ):
        raise ApiError(401, "replayed", "a call with this webhook-id was taken already")
    return message_id


def _payload(raw: bytes) -> dict[str, Json]:
    return {
        "body": _body(raw),
        "headers": _headers(),
        "query": {name: _clean(value, "query") for name, value in request.args.items()},
        "method": request.method,
        "received_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }


def _body(raw: bytes) -> Json:
    mimetype = request.mimetype
    if not raw:
        return None
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return parse_json(raw)
    if mimetype.startswith("text/") or mimetype in TEXT_TYPES or mimetype.endswith("+xml"):
        try:
            text = raw.decode(request.mimetype_params.get("charset", "utf-8"))
        except (LookupError, UnicodeDecodeError):
            raise ApiError(400, "invalid_text", "the body is not text in its charset") from None
        return _clean(text, "body")
    raise ApiError(
        415,
        "unsupported_media_type",
        "send JSON (application/json) or text (text/*, form-encoded, XML)",
        {"content_type": mimetype or None},
    )


def _headers() -> dict[str, str]:
    """Names in lower case; a header sent several times is one, its values comma-joined."""
    found: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        if key not in HIDDEN_HEADERS:
            value = _clean(value, "header")
            found[key] = f"{found[key]}, {value}" if key in found else value
    return found


def _clean(text: str, where: str) -> str:
    # PostgreSQL cannot store NUL in JSON text, where the run keeps its trigger.
    if "\x00" in text:
        raise ApiError(400, "bad_request", f"a {where} may not contain the NUL character")
    return text


def _start(playbook: Playbook, trigger: Json) -> str:
    """The new run's id, once the run is stored: a 202 promises that it will happen."""
    run_request = RunRequest(
        playbook.id,
        playbook.version,
        playbook.workspace_id,
        playbook.name,
        trigger,
        trigger_type="webhook",
    )
    try:
        return runner().submit(run_request)
    except LookupError:  # the playbook was deleted meanwhile
        raise _nowhere() from None


def _accepted(run_id: str) -> tuple[Response, int]:
    return model_response(WebhookAccepted(run_id=run_id)), 202


def _answer(run_id: str, playbook: Playbook, timeout_s: float) -> Response | tuple[Response, int]:
    """The run's Response step's answer, as soon as it has one; 202 when the run ends without
    one or the timeout passes first. Polled from the store, so it works whichever process or
    worker drives the run."""
    nodes = _response_nodes(playbook.document)
    deadline = time.monotonic() + timeout_s
    pause = FIRST_POLL_S
    while True:
        status, answer = repo.run_answer(db_engine(), run_id=run_id, response_nodes=nodes)
        if answer is not None:
            return _response(answer)
        left = deadline - time.monotonic()
        if status in RUN_TERMINAL or left <= 0:
            return _accepted(run_id)
        time.sleep(min(pause, left))
        pause = min(pause * 2, LONGEST_POLL_S)


def _response_nodes(document: Mapping[str, Json]) -> set[str]:
    nodes = document.get("nodes")
    return {
        str(node.get("id"))
        for node in (nodes if isinstance(nodes, list) else [])
        if isinstance(node, dict) and node.get("action") == RESPONSE_ACTION
    }


def _response(answer: Mapping[str, Any]) -> Response:
    """A Response step's output (core.response has refused unsafe headers) as the answer."""
    body = answer.get("body")
    if body is None:
        response = Response(b"", status=answer["status_code"])
    elif isinstance(body, str):
        response = Response(body, status=answer["status_code"], mimetype="text/plain")
    else:
        text = json.dumps(body, ensure_ascii=False)
        response = Response(text, status=answer["status_code"], mimetype="application/json")
    response.headers.update(answer.get("headers") or {})
    response.headers["Content-Security-Policy"] = ANSWER_POLICY
    return response


@bp.get("/playbooks/<playbook_id>/webhook")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "The URL of a playbook's webhook; the URL is a credential, so only its designers see it",
    tag=TAG,
    responses={200: WebhookPublic, 404: "No such playbook, or its trigger is not a webhook"},
)
def get_webhook(playbook_id: str) -> Response:
    playbook, webhook = _designed(playbook_id)
    return model_response(WebhookPublic(**_shown(playbook, webhook)))


@bp.post("/playbooks/<playbook_id>/webhook/rotate")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Make a new signing secret for a playbook's webhook, replacing any earlier one at once; "
    "the answer is the only time the secret is shown",
    tag=TAG,
    responses={200: WebhookSecret, 404: "No such playbook, or its trigger is not a webhook"},
)
def rotate_secret(playbook_id: str) -> Response:
    playbook, webhook = _designed(playbook_id)
    secret = webhook_signature.new_secret()
    session = db_session()
    repo.set_secret(session, webhook=webhook, encrypted=secret_box().encrypt({"secret": secret}))
    session.commit()
    return model_response(WebhookSecret(**_shown(playbook, webhook), secret=secret))


def _designed(playbook_id: str) -> tuple[Playbook, Webhook]:
    session = db_session()
    playbook = playbook_repo.get_playbook(session, playbook_id=playbook_id)
    missing = not_found("playbook", playbook_id)
    if playbook is None:
        raise missing
    authorize(playbook.workspace_id, missing=missing)
    audit_target("playbook", playbook.id, playbook.workspace_id)
    webhook = repo.webhook_of(session, playbook_id=playbook.id)
    if webhook is None or trigger_of(playbook.document)[0] != WEBHOOK_TRIGGER:
        raise ApiError(
            404,
            "no_webhook",
            f"the trigger of playbook '{playbook.id}' is not a webhook",
            {"playbook_id": playbook.id},
        )
    return playbook, webhook


def _shown(playbook: Playbook, webhook: Webhook) -> dict[str, Any]:
    signature = trigger_of(playbook.document)[1].get("signature", "none")
    return {
        "url": url_for(".receive", webhook_id=webhook.id, _external=True),
        "signature": signature if isinstance(signature, str) else "none",
        "secret_set": bool(webhook.secret),
    }
