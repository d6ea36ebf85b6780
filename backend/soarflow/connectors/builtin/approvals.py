"""The `approvals` connector's action: open an approval, send each approver their link, and
leave the step waiting for the answer (the store resumes the run when the policy is met).

Links never answer by being opened: mail scanners and link previews fetch every link in a
message, so the page a link opens asks for a click (the mail's buttons only preselect)."""

from __future__ import annotations

import html
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from soarflow.approvals.policy import policy_problem
from soarflow.approvals.questions import QuestionProblem, read_questions
from soarflow.connectors.builtin import ActionContext, ApprovalRequest, Awaiting, OpenedApproval
from soarflow.connectors.http import ActionFailed
from soarflow.expressions.functions import duration_seconds

APPROVAL_NAMESPACE = uuid.UUID("0d3c8a0e-7d35-4f0b-9f61-4c1b6a3f2e51")
DEFAULT_OPTIONS = ["Block", "Ignore"]
DEFAULT_TIMEOUT = "PT24H"
MAX_TIMEOUT_S = 30 * 24 * 3600
EMAIL = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")
USER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def ask_for_approval(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], context: ActionContext
) -> Awaiting:
    desk = context.approvals
    if desk is None or context.idempotency_key is None:
        raise ActionFailed("approvals_unavailable", "approvals can only be asked in a server run")
    request = _request(inputs, context, context.idempotency_key)
    opened = desk.open(request)
    if opened.created:
        try:
            _notify(inputs, request, opened, context)
        except Exception:
            # Nobody was asked (or not everybody): the attempt again must ask afresh.
            desk.discard(request.id)
            raise
    return Awaiting(until=request.expires_at, progress=waiting_output(request.id))


def waiting_output(approval_id: str) -> dict[str, Any]:
    """The step's output before a decision: nobody has chosen yet."""
    return {
        "approval_id": approval_id,
        "selected_option": None,
        "responder": None,
        "responded_at": None,
        "comment": None,
        "answers": {},
        "responses": [],
    }


def _request(inputs: Mapping[str, Any], context: ActionContext, key: str) -> ApprovalRequest:
    options = [str(option) for option in inputs.get("options") or DEFAULT_OPTIONS]
    approvers = [str(approver).strip() for approver in inputs["approvers"] or []]
    if not approvers:
        raise ActionFailed("invalid_input", "name at least one approver")
    for approver in approvers:
        if not (EMAIL.fullmatch(approver) or USER_NAME.fullmatch(approver)):
            raise ActionFailed(
                "invalid_input",
                f"approver {approver!r} is neither an email address nor a soarflow user name",
            )
    kind = str(inputs.get("policy", "first"))
    quorum = inputs.get("quorum")
    problem = policy_problem(kind, quorum, len(approvers))
    if problem is not None:
        raise ActionFailed("invalid_input", problem)
    try:
        timeout = duration_seconds(str(inputs.get("timeout") or DEFAULT_TIMEOUT))
    except ValueError as error:
        raise ActionFailed("invalid_input", f"timeout: {error}") from None
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise ActionFailed("invalid_input", "the timeout is more than 0 and at most 30 days")
    try:
        questions = read_questions(inputs.get("questions"), options)
    except QuestionProblem as problem:
        raise ActionFailed("invalid_input", str(problem)) from None
    return ApprovalRequest(
        id=str(uuid.uuid5(APPROVAL_NAMESPACE, key)),
        workspace_id=context.workspace_id,
        run_id=context.run_id,
        step_key=key.partition("/")[2],
        title=str(inputs["title"]),
        message=str(inputs.get("message") or ""),
        options=options,
        approvers=approvers,
        policy={"kind": kind, "quorum": quorum if kind == "quorum" else None},
        allow_comment=bool(inputs.get("allow_comment", False)),
        expires_at=time.time() + timeout,
        incident_id=inputs.get("incident_id") or None,
        questions=questions,
    )


def _notify(
    inputs: Mapping[str, Any],
    request: ApprovalRequest,
    opened: OpenedApproval,
    context: ActionContext,
) -> None:
    call = context.call_action
    email = inputs.get("email_connection")
    slack, teams = inputs.get("slack"), inputs.get("teams")
    if opened.links and not (email or slack or teams):
        raise ActionFailed(
            "no_channel",
            "approvers with email addresses need a channel: an email, Slack or Teams connection",
        )
    if call is None:
        raise ActionFailed("approvals_unavailable", "this run cannot send messages")
    if email:
        for address, link in opened.links.items():
            call("email.send_email", str(email), _mail(request, address, link))
    if slack:
        text = _chat_text(request, opened, slack_links=True)
        message = {"channel": slack["channel"], "text": text}
        call("slack.post_message", str(slack["connection"]), message)
    if teams:
        text = _chat_text(request, opened, slack_links=False)
        card = {"title": request.title, "text": text}
        call("microsoft_teams.post_message", str(teams["connection"]), card)


def option_link(link: str, option: str) -> str:
    """The page with the option preselected: opening it still asks for a click."""
    return f"{link}?option={quote(option, safe='')}"


def _mail(request: ApprovalRequest, address: str, link: str) -> dict[str, Any]:
    return {
        "to": [address],
        "subject": f"Approval needed: {request.title}"[:900],
        "body_text": _mail_text(request, link),
        "body_html": _mail_html(request, link),
        "importance": "high",
    }


def _mail_text(request: ApprovalRequest, link: str) -> str:
    choices = "\n".join(f"  {option}: {option_link(link, option)}" for option in request.options)
    return (
        f"{request.title}\n\n{request.message}\n\nChoose one ({_page_asks(request)}):\n"
        f"{choices}\n\nThe link is yours alone and works once.\n"
    )


def _page_asks(request: ApprovalRequest) -> str:
    """What the page a link opens asks before the answer counts."""
    count = len(request.questions)
    if not count:
        return "the page asks you to confirm"
    return f"the page asks you to confirm, and {count} more question{'s' if count > 1 else ''}"


def _mail_html(request: ApprovalRequest, link: str) -> str:
    buttons = "".join(
        f'<a href="{html.escape(option_link(link, option))}" style="display:inline-block;'
        "margin:0 8px 8px 0;padding:10px 22px;border-radius:6px;background:"
        f"{'#b91c1c' if index == 0 else '#334155'};color:#ffffff;font-weight:600;"
        f'text-decoration:none">{html.escape(option)}</a>'
        for index, option in enumerate(request.options)
    )
    message = html.escape(request.message).replace("\n", "<br>")
    return (
        '<div style="font-family:Segoe UI,Helvetica,Arial,sans-serif;max-width:560px;'
        'color:#1e293b">'
        '<p style="margin:0 0 4px;color:#64748b;font-size:13px">soarflow · approval needed</p>'
        f'<h1 style="font-size:20px;margin:0 0 12px">{html.escape(request.title)}</h1>'
        f'<p style="margin:0 0 18px;line-height:1.5">{message}</p>'
        f"<div>{buttons}</div>"
        '<p style="margin:16px 0 0;color:#64748b;font-size:12px">'
        f"{html.escape(_page_asks(request).capitalize())}. This link is yours alone and works "
        "once.</p></div>"
    )


def _chat_text(request: ApprovalRequest, opened: OpenedApproval, *, slack_links: bool) -> str:
    def link(url: str, label: str) -> str:
        return f"<{url}|{label}>" if slack_links else f"[{label}]({url})"

    lines = [request.title, "", request.message, ""] if request.message else [request.title, ""]
    for address, url in opened.links.items():
        choices = " · ".join(link(option_link(url, option), option) for option in request.options)
        lines.append(f"{address}: {choices}")
    lines.append(f"soarflow users: {link(opened.inbox_url, 'answer in the Approvals inbox')}")
    return "\n".join(lines)
