"""Approvals in the store: opened by a step, answered through a link or the inbox, decided by
their policy. What is shown and what is refused is decided here, for the API and the desk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from soarflow.approvals.policy import Decision, Policy, decide
from soarflow.approvals.questions import QuestionProblem, check_answers, output_answers
from soarflow.connectors.builtin import ApprovalRequest
from soarflow.incidents.entities import display_name
from soarflow.store import audit
from soarflow.store.models import (
    Approval,
    ApprovalAnswer,
    ApprovalIncident,
    ApprovalQuestion,
    ApprovalResponse,
    ApprovalResponsePublic,
    ApprovalView,
    InboxApproval,
    Incident,
    OwnAnswer,
    Playbook,
    Run,
    Step,
    as_utc,
)

WAITING = ("running", "waiting")
STEP_OF = col(Approval.step_key)
MAX_SHOWN_ENTITIES = 20


class ApprovalRefused(Exception):
    """An answer that changes nothing, with the API's status and stable code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Answerer:
    """Who answers, and from where: the approver (an email address or a user name), the
    signed-in user if any, and the request's origin."""

    approver: str
    via: str
    user_id: str | None = None
    user_name: str | None = None
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Answered:
    approval: Approval
    responses: list[ApprovalResponse]
    decision: Decision | None


def open_approval(session: Session, request: ApprovalRequest) -> tuple[Approval, bool]:
    """The approval of the request, made if it is new; and whether it was made now."""
    found = session.get(Approval, request.id)
    if found is not None:
        return found, False
    run = session.get(Run, request.run_id)
    if run is None:
        raise LookupError(f"no run {request.run_id}")
    approval = Approval(
        id=request.id,
        workspace_id=request.workspace_id,
        run_id=request.run_id,
        step_key=request.step_key,
        playbook_id=run.playbook_id,
        incident_id=_incident_in(session, request.workspace_id, request.incident_id),
        title=request.title,
        message=request.message,
        options=list(request.options),
        policy=dict(request.policy),
        approvers=list(request.approvers),
        allow_comment=request.allow_comment,
        questions=list(request.questions),
        requested_by=run.started_by,
        expires_at=datetime.fromtimestamp(request.expires_at, UTC),
    )
    session.add(approval)
    try:
        session.commit()
    except IntegrityError:  # the same step, carried out twice at once
        session.rollback()
        found = session.get(Approval, request.id)
        if found is None:
            raise
        return found, False
    return approval, True


def _incident_in(session: Session, workspace_id: str, incident_id: str | None) -> str | None:
    """The incident, if it is one of the workspace's: another's facts must not show."""
    if incident_id is None:
        return None
    incident = session.get(Incident, incident_id)
    return incident.id if incident is not None and incident.workspace_id == workspace_id else None


def discard(session: Session, approval_id: str) -> None:
    session.exec(delete(Approval).where(col(Approval.id) == approval_id))
    session.commit()


def get_approval(session: Session, approval_id: str) -> Approval | None:
    return session.get(Approval, approval_id)


def responses_of(session: Session, approval_id: str) -> list[ApprovalResponse]:
    return list(
        session.exec(
            select(ApprovalResponse)
            .where(col(ApprovalResponse.approval_id) == approval_id)
            .order_by(col(ApprovalResponse.id))
        ).all()
    )


def step_status(session: Session, approval: Approval) -> str | None:
    return session.exec(
        select(Step.status).where(
            col(Step.run_id) == approval.run_id, col(Step.key) == approval.step_key
        )
    ).first()


def state_for(
    approval: Approval,
    responses: Sequence[ApprovalResponse],
    approver: str,
    status: str | None,
    now: datetime,
) -> str:
    if any(response.approver == approver for response in responses):
        return "answered"
    if approval.decision is not None:
        return "decided"
    if now >= as_utc(approval.expires_at):
        return "expired"
    if status not in WAITING:
        return "closed"
    return "open"


REFUSALS = {
    "answered": (409, "already_answered", "you have answered this request already"),
    "decided": (409, "approval_decided", "this request was decided by other approvers"),
    "expired": (409, "approval_expired", "this request expired without a decision"),
    "closed": (409, "approval_closed", "the playbook no longer waits for this request"),
}


def respond(
    session: Session,
    *,
    approval_id: str,
    answerer: Answerer,
    answer: ApprovalAnswer,
    now: datetime,
) -> Answered:
    """Record one approver's answer and decide the approval if its policy is met; refused with
    nothing changed when the answer cannot count."""
    approval = session.exec(
        select(Approval).where(col(Approval.id) == approval_id).with_for_update()
    ).first()
    if approval is None:
        raise LookupError(approval_id)
    responses = responses_of(session, approval.id)
    state = state_for(approval, responses, answerer.approver, step_status(session, approval), now)
    if state != "open":
        raise ApprovalRefused(*REFUSALS[state])
    _check(approval, answerer, answer)
    answers = _answers(approval, answer)
    response = ApprovalResponse(
        approval_id=approval.id,
        approver=answerer.approver,
        option=answer.option,
        comment=answer.comment or None,
        answers=answers,
        via=answerer.via,
        user_id=answerer.user_id,
        ip=answerer.ip,
        user_agent=(answerer.user_agent or "")[:500] or None,
        responded_at=now,
    )
    session.add(response)
    try:
        session.flush()
    except IntegrityError:  # the same link, used twice at once
        session.rollback()
        raise ApprovalRefused(*REFUSALS["answered"]) from None
    responses.append(response)
    decision = decide(
        Policy(approval.policy["kind"], approval.policy.get("quorum")),
        approval.options,
        len(approval.approvers),
        [(item.approver, item.option) for item in responses],
    )
    if decision is not None:
        approval.decision, approval.decided_at = decision.option, now
        session.add(approval)
    _audit(session, approval, answerer, response, decision)
    session.commit()
    return Answered(approval, responses, decision)


def _check(approval: Approval, answerer: Answerer, answer: ApprovalAnswer) -> None:
    if answerer.user_id is not None and answerer.user_id == approval.requested_by:
        raise ApprovalRefused(
            403, "own_request", "you started the run that asks: you may not approve it yourself"
        )
    if answer.option not in approval.options:
        raise ApprovalRefused(
            422,
            "invalid_option",
            f"choose one of {', '.join(approval.options)}, not {answer.option!r}",
        )
    if answer.comment and not approval.allow_comment:
        raise ApprovalRefused(422, "invalid_comment", "this request takes no comment")


def _answers(approval: Approval, answer: ApprovalAnswer) -> dict[str, Any]:
    """The answers to the questions asked with the option chosen, as they are kept."""
    try:
        return check_answers(approval.questions, answer.option, answer.answers)
    except QuestionProblem as problem:
        raise ApprovalRefused(422, "invalid_answers", str(problem)) from None


def _audit(
    session: Session,
    approval: Approval,
    answerer: Answerer,
    response: ApprovalResponse,
    decision: Decision | None,
) -> None:
    audit.record(
        session,
        actor_type="user" if answerer.user_id else "approval_link",
        actor_id=answerer.user_id,
        actor_name=(answerer.user_name or answerer.approver)[:100],
        action="approval.respond",
        target_type="approval",
        target_id=approval.id,
        workspace_id=approval.workspace_id,
        ip=answerer.ip,
        outcome="success",
        status=200,
        details={
            "approver": answerer.approver,
            "option": response.option,
            "answers": response.answers,
            "via": answerer.via,
            "run_id": approval.run_id,
            "decision": decision.option if decision else None,
        },
    )


def step_output(
    approval: Approval, responses: Sequence[ApprovalResponse], decision: Decision | None
) -> dict[str, Any]:
    """The step's output: the decision, whose answer made it, and every answer so far."""
    decider = next(
        (item for item in responses if decision and item.approver == decision.decided_by), None
    )
    decided_at = approval.decided_at if decision else None
    return {
        "approval_id": approval.id,
        "selected_option": decision.option if decision else None,
        "responder": decider.approver if decider else None,
        "responded_at": _iso(decider.responded_at if decider else decided_at),
        "comment": decider.comment if decider else None,
        "answers": output_answers(approval.questions, decider.answers if decider else None),
        "responses": [
            {
                "approver": item.approver,
                "option": item.option,
                "comment": item.comment,
                "answers": item.answers,
                "responded_at": _iso(item.responded_at),
            }
            for item in responses
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat().replace("+00:00", "Z")


def decision_of(approval: Approval, responses: Sequence[ApprovalResponse]) -> Decision | None:
    """The stored decision, with whose answer made it (for the step's output again)."""
    if approval.decision is None:
        return None
    made = decide(
        Policy(approval.policy["kind"], approval.policy.get("quorum")),
        approval.options,
        len(approval.approvers),
        [(item.approver, item.option) for item in responses],
    )
    return made or Decision(approval.decision, None)


def view(
    session: Session,
    approval: Approval,
    approver: str,
    now: datetime,
    responses: list[ApprovalResponse] | None = None,
) -> ApprovalView:
    """The approval as one approver sees it (`responses` when the caller has them already)."""
    if responses is None:
        responses = responses_of(session, approval.id)
    own = next((item for item in responses if item.approver == approver), None)
    return ApprovalView(
        id=approval.id,
        title=approval.title,
        message=approval.message,
        options=list(approval.options),
        questions=[ApprovalQuestion.model_validate(item) for item in approval.questions],
        allow_comment=approval.allow_comment,
        state=state_for(approval, responses, approver, step_status(session, approval), now),
        decision=approval.decision,
        policy=dict(approval.policy),
        approver=approver,
        answer=None
        if own is None
        else OwnAnswer(
            option=own.option,
            comment=own.comment,
            answers=own.answers,
            responded_at=own.responded_at,
        ),
        responses_count=len(responses),
        approvers_count=len(approval.approvers),
        created_at=approval.created_at,
        expires_at=approval.expires_at,
        incident=_incident_facts(session, approval.incident_id),
    )


def _incident_facts(session: Session, incident_id: str | None) -> ApprovalIncident | None:
    incident = None if incident_id is None else session.get(Incident, incident_id)
    if incident is None:
        return None
    entities = [
        {
            "kind": str(entity.get("kind", "")),
            "name": display_name(str(entity.get("kind", "")), entity.get("properties") or {}),
        }
        for entity in incident.entities[:MAX_SHOWN_ENTITIES]
    ]
    return ApprovalIncident(
        id=incident.id,
        number=incident.number,
        title=incident.title,
        severity=str(incident.severity),
        status=str(incident.status),
        entities=entities,
    )


def inbox(
    session: Session,
    *,
    user_name: str,
    workspace_ids: Sequence[str],
    open_only: bool,
    now: datetime,
) -> list[InboxApproval]:
    """The approvals that name this user, newest first; with open_only, those still awaiting
    the user's answer."""
    query = select(Approval).where(col(Approval.workspace_id).in_(workspace_ids))
    if open_only:
        # Decided and expired ones are never open; the rest is told apart per approval.
        query = query.where(col(Approval.decision).is_(None), col(Approval.expires_at) > now)
    rows = session.exec(query.order_by(col(Approval.created_at).desc())).all()
    mine = [approval for approval in rows if user_name in approval.approvers]
    names = _playbook_names(session, {approval.playbook_id for approval in mine})
    found = [inbox_item(session, approval, user_name, now, names) for approval in mine]
    return [item for item in found if not open_only or item.state == "open"]


def inbox_item(
    session: Session,
    approval: Approval,
    user_name: str,
    now: datetime,
    playbook_names: Mapping[str, str] | None = None,
) -> InboxApproval:
    """An approval as its approver's inbox shows it, with every answer so far."""
    responses = responses_of(session, approval.id)
    names = playbook_names or _playbook_names(session, {approval.playbook_id})
    seen = view(session, approval, user_name, now, responses)
    return InboxApproval(
        **seen.model_dump(),
        run_id=approval.run_id,
        playbook_id=approval.playbook_id,
        playbook_name=names.get(approval.playbook_id),
        responses=[ApprovalResponsePublic.model_validate(item) for item in responses],
    )


def _playbook_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.exec(select(Playbook.id, Playbook.name).where(col(Playbook.id).in_(ids)))
    return dict(rows.all())


def undelivered(session: Session) -> list[Approval]:
    """Decided approvals whose step still waits: the server stopped between recording the
    decision and handing it to the run."""
    rows = session.exec(
        select(Approval)
        .join(
            Step,
            (col(Step.run_id) == col(Approval.run_id)) & (col(Step.key) == col(Approval.step_key)),
        )
        .where(col(Approval.decision).is_not(None), col(Step.status).in_(WAITING))
    ).all()
    return list(rows)
