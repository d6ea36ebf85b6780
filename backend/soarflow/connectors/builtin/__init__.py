"""Built-in actions written in Python, for the `core`, `email` and `soarflow` connectors.

Each is a function `(inputs, connection, context) -> output`, called with inputs whose
expressions the runtime has already evaluated. Only modules under this package may be named by
a manifest's `python:` key (the registry refuses others)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from soarflow.connectors.http import ActionFailed
from soarflow.security.outbound import OutboundPolicy


class IncidentDesk(Protocol):
    """soarflow's incidents as the `soarflow` connector's actions reach them (the store, in the
    server). Incidents come back as playbooks see them (incidents.payload); an unknown incident
    raises LookupError, a change the incident refuses raises ValueError."""

    def incident(self, workspace_id: str, incident_id: str) -> dict[str, Any]: ...

    def alerts(self, workspace_id: str, incident_id: str) -> list[dict[str, Any]]: ...

    def update(
        self, workspace_id: str, incident_id: str, changes: Mapping[str, Any], run_id: str
    ) -> dict[str, Any]: ...

    def comment(
        self, workspace_id: str, incident_id: str, text: str, run_id: str
    ) -> dict[str, Any]: ...


class ApprovalDesk(Protocol):
    """soarflow's approvals as the `approvals` connector reaches them (the store, in the
    server). `open` is idempotent by the request's id: the step carried out again after a crash
    gets the approval it made, with `created` false, and must not ask again."""

    def open(self, request: ApprovalRequest) -> OpenedApproval: ...

    def discard(self, approval_id: str) -> None:
        """Forget an approval whose messages could not all be sent."""
        ...


@dataclass(frozen=True)
class ApprovalRequest:
    id: str
    workspace_id: str
    run_id: str
    step_key: str
    title: str
    message: str
    options: list[str]
    approvers: list[str]
    policy: dict[str, Any]
    allow_comment: bool
    expires_at: float
    incident_id: str | None
    # Asked besides the options (approvals.questions.read_questions' shape).
    questions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class OpenedApproval:
    created: bool
    # Per approver who can follow a link (email addresses): the link to answer with.
    links: dict[str, str]
    # The page where soarflow users answer.
    inbox_url: str


class PlaybookDesk(Protocol):
    """The workspace's other playbooks as Run a playbook starts them (the store and the runner,
    in the server). Another workspace's playbooks and runs are never found."""

    def find(self, workspace_id: str, reference: str) -> list[CallablePlaybook]:
        """The workspace's playbooks whose id is `reference`, or whose name is (in any case)."""
        ...

    def depth(self, run_id: str) -> int:
        """How many Run a playbook steps led to this run: 0 when nothing but a person, a rule,
        a webhook or a schedule started it."""
        ...

    def started(self, run_id: str) -> StartedRun | None:
        """The run of that id, if it has been started."""
        ...

    def start(self, call: PlaybookCall) -> StartedRun:
        """Start the run `call.run_id`, or find it started: a step carried out again after a
        crash gets the run it started. LookupError when the playbook has gone meanwhile."""
        ...


@dataclass(frozen=True)
class CallablePlaybook:
    id: str
    name: str
    version: int
    enabled: bool
    trigger_type: str | None
    trigger_params: Mapping[str, Any]


@dataclass(frozen=True)
class PlaybookCall:
    run_id: str
    workspace_id: str
    playbook: CallablePlaybook
    trigger: Any
    caller_run_id: str
    depth: int


@dataclass(frozen=True)
class StartedRun:
    run_id: str
    status: str
    playbook_id: str
    # The run drawn on its playbook's canvas, and the API's view of it.
    url: str
    status_url: str


# Calls another connector's action with a connection of the workspace, by name; returns its
# output or raises ActionFailed (the approvals connector sends through email, Slack, Teams).
ActionCaller = Callable[[str, str | None, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Awaiting:
    """What an action returns when it has asked someone and its step must wait for the answer
    until `until` (Unix seconds); `progress` is the step's output meanwhile."""

    until: float
    progress: Any = None


@dataclass(frozen=True)
class ActionContext:
    """What a built-in action may use besides its inputs: the guarded outbound session, the
    policy behind it for protocols other than HTTP (SMTP), the run it acts for and, in the
    server, soarflow's own incidents, approvals and playbooks, and other connectors' actions."""

    session: requests.Session
    idempotency_key: str | None = None
    policy: OutboundPolicy = field(default_factory=OutboundPolicy)
    workspace_id: str = ""
    run_id: str = ""
    incidents: IncidentDesk | None = None
    approvals: ApprovalDesk | None = None
    playbooks: PlaybookDesk | None = None
    call_action: ActionCaller | None = None


PythonAction = Callable[[Mapping[str, Any], Mapping[str, Any], ActionContext], Any]


def call_python_action(
    target: str, inputs: Mapping[str, Any], connection: Mapping[str, Any], context: ActionContext
) -> Any:
    """Run the built-in named `module:function`; any failure is the step's ActionFailed."""
    module_name, _, function_name = target.partition(":")
    action: PythonAction = getattr(importlib.import_module(module_name), function_name)
    try:
        return action(inputs, connection, context)
    except ActionFailed:
        raise
    except Exception as error:  # a bug or bad input in one action fails the step, not the run
        raise ActionFailed("action_error", f"{function_name}: {error}") from error
