"""Answering approvals: through the link an approver was sent (no sign-in: the signed token is
the credential) or, for soarflow users named as approvers, in their inbox. An answer that meets
the request's policy hands the decision to the waiting run."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from soarflow.api.audit import unaudited
from soarflow.api.auth import AUTHENTICATED, PUBLIC, principal, requires
from soarflow.api.body import model_body, model_response
from soarflow.api.errors import ApiError
from soarflow.api.extensions import approval_links, db_session, runner
from soarflow.api.openapi import operation
from soarflow.api.pagination import QUERY_PARAMETERS, choice_parameter, page_request
from soarflow.security.approval_links import InvalidLink
from soarflow.security.rate_limit import RateLimiter
from soarflow.store import approvals as repo
from soarflow.store.models import (
    Approval,
    ApprovalAnswer,
    ApprovalView,
    InboxApproval,
    InboxPage,
    utcnow,
)

bp = Blueprint("approvals", __name__, url_prefix="/api/v1")
TAG = "approvals"
# Per client address: enough for people, too few to try tokens.
LINK_CALLS_PER_MINUTE = 60
_LIMITER = "soarflow.approval_link_limiter"
INBOX_STATES = ["open", "all"]
ANSWER_ERRORS = {
    400: "Malformed",
    404: "No such approval, or the link is not valid",
    409: "Already answered (already_answered), decided (approval_decided), expired "
    "(approval_expired) or no longer awaited (approval_closed)",
    415: "Not JSON",
    422: "Not one of the options (invalid_option), answers that cannot count "
    "(invalid_answers), or a comment it does not take",
}


@bp.record_once
def _make_limiter(state: BlueprintSetupState) -> None:
    state.app.extensions[_LIMITER] = RateLimiter()


def _invalid_link() -> ApiError:
    return ApiError(
        404, "invalid_link", "this link is not valid: it may be mistyped or tampered with", {}
    )


def _from_link(token: str) -> tuple[Approval, str]:
    """The approval and approver of a link; the same 404 for every kind of bad link."""
    limiter: RateLimiter = current_app.extensions[_LIMITER]
    retry_after = limiter.take(request.remote_addr or "", LINK_CALLS_PER_MINUTE)
    if retry_after:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests from this address; try again shortly",
            {"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
    try:
        approval_id, approver = approval_links().read(token)
    except InvalidLink:
        raise _invalid_link() from None
    approval = repo.get_approval(db_session(), approval_id)
    if approval is None or approver not in approval.approvers:
        raise _invalid_link()
    return approval, approver


@bp.get("/approval-links/<token>")
@requires(PUBLIC)
@operation(
    "The approval an approver's link is for, as that approver sees it",
    tag=TAG,
    responses={200: ApprovalView, 404: "The link is not valid", 429: "Too many requests"},
)
def link_view(token: str) -> Response:
    approval, approver = _from_link(token)
    return model_response(repo.view(db_session(), approval, approver, utcnow()))


@bp.post("/approval-links/<token>")
@requires(PUBLIC)
@unaudited  # the answer is audited by the store, without the token in the path
@operation(
    "Answer through an approver's link: choose one of the options, and answer its questions",
    tag=TAG,
    request=ApprovalAnswer,
    responses={200: ApprovalView, **ANSWER_ERRORS, 429: "Too many requests"},
)
def link_answer(token: str) -> Response:
    approval, approver = _from_link(token)
    answer = model_body(ApprovalAnswer)
    answerer = repo.Answerer(
        approver=approver,
        via="link",
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    now = _answer(approval, answerer, answer)
    return model_response(repo.view(db_session(), approval, approver, now))


@bp.get("/approvals")
@requires(AUTHENTICATED)
@operation(
    "The approvals that name the caller as an approver, newest first",
    tag=TAG,
    query={**QUERY_PARAMETERS, "state": {"type": "string", "enum": INBOX_STATES}},
    responses={200: InboxPage, 400: "Bad query parameter"},
)
def inbox() -> Response:
    page = page_request()
    caller = principal()
    found = repo.inbox(
        db_session(),
        user_name=caller.user_name,
        workspace_ids=list(caller.roles),
        open_only=(choice_parameter("state", INBOX_STATES) or "open") == "open",
        now=utcnow(),
    )
    extra = {k: v for k, v in request.args.items() if k == "state"}
    body = InboxPage(
        data=found[page.offset : page.offset + page.limit],
        total=len(found),
        next=page.next_url(len(found), **extra),
    )
    return model_response(body)


@bp.post("/approvals/<approval_id>/respond")
@requires(AUTHENTICATED)
@operation(
    "Answer an approval that names the caller as an approver",
    tag=TAG,
    request=ApprovalAnswer,
    responses={
        200: InboxApproval,
        **ANSWER_ERRORS,
        403: "Not an approver (not_an_approver), or the caller's own request (own_request)",
    },
)
def respond(approval_id: str) -> Response:
    caller = principal()
    session = db_session()
    approval = repo.get_approval(session, approval_id)
    if approval is None or caller.role_in(approval.workspace_id) is None:
        raise ApiError(404, "not_found", f"no approval {approval_id}", {"approval_id": approval_id})
    if caller.user_name not in approval.approvers:
        raise ApiError(403, "not_an_approver", "this request does not name you as an approver", {})
    answer = model_body(ApprovalAnswer)
    answerer = repo.Answerer(
        approver=caller.user_name,
        via="inbox" if caller.via == "session" else "api",
        user_id=caller.user_id,
        user_name=caller.user_name,
        ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )
    now = _answer(approval, answerer, answer)
    shown = repo.inbox_item(session, approval, caller.user_name, now)
    return model_response(shown)


def _answer(approval: Approval, answerer: repo.Answerer, answer: ApprovalAnswer) -> datetime:
    """Record the answer and hand the run what it now knows; when it was recorded."""
    now = utcnow()
    session = db_session()
    try:
        answered = repo.respond(
            session, approval_id=approval.id, answerer=answerer, answer=answer, now=now
        )
    except repo.ApprovalRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message, {}) from None
    output = repo.step_output(answered.approval, answered.responses, answered.decision)
    runner().answer(approval.run_id, approval.step_key, output, final=answered.decision is not None)
    session.refresh(approval)
    return now


def deliver_pending_decisions() -> int:
    """At start: hand runs the decisions recorded while the server was stopping (after the
    answer was stored, before the run took it). How many were handed."""
    session = db_session()
    pending = repo.undelivered(session)
    for approval in pending:
        responses = repo.responses_of(session, approval.id)
        output = repo.step_output(approval, responses, repo.decision_of(approval, responses))
        runner().answer(approval.run_id, approval.step_key, output, final=True)
    return len(pending)
