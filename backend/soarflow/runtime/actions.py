"""Carrying out one attempt of an action step: find the connector action, load the connection's
credentials, call it (declarative HTTP or built-in Python), and turn the outcome into a
StepResult. Secrets are masked out of everything that comes back, since it becomes the trace."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

import requests

from soarflow.connectors.builtin import (
    ActionContext,
    ApprovalDesk,
    Awaiting,
    IncidentDesk,
    PlaybookDesk,
    call_python_action,
)
from soarflow.connectors.http import ActionFailed, TokenCache, call_action
from soarflow.connectors.registry import ConnectorRegistry, secret_fields
from soarflow.connectors.retry import NO_RETRY
from soarflow.runtime.state import Dispatch, StepResult
from soarflow.security.outbound import OutboundPolicy, guarded_session
from soarflow.security.secret_box import mask

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0  # Logic Apps' limit for an outbound request

# (workspace id, connection id or name) -> (connector id, field values with secrets), or None.
ConnectionLookup = Callable[[str, str], tuple[str, dict[str, Any]] | None]


class ActionPerformer(Protocol):
    def perform(self, work: Dispatch) -> StepResult: ...

    def is_instant(self, work: Dispatch) -> bool:
        """True for pure, quick actions that may run in the deciding thread, before the turn
        that dispatched them is saved: running one twice after a crash harms nothing."""
        ...


def failure(work: Dispatch, code: str, message: str, **details: Any) -> StepResult:
    error = {"code": code, "message": message, "details": details}
    return StepResult(work.run_id, work.key, work.attempt, error=error)


class ConnectorActions:
    """The real thing: connector manifests from the registry, connections from the store."""

    def __init__(
        self,
        registry: ConnectorRegistry,
        connections: ConnectionLookup,
        policy: OutboundPolicy,
        incidents: IncidentDesk | None = None,
        approvals: ApprovalDesk | None = None,
        playbooks: PlaybookDesk | None = None,
    ) -> None:
        self.registry = registry
        self.connections = connections
        self.policy = policy
        self.incidents = incidents
        self.approvals = approvals
        self.playbooks = playbooks
        self.tokens = TokenCache()
        self._local = threading.local()

    def is_instant(self, work: Dispatch) -> bool:
        found = self._find(work.action)
        return found is not None and "python" in found[1] and found[1]["side_effects"] == "none"

    def perform(self, work: Dispatch) -> StepResult:
        found = self._find(work.action)
        if found is None:
            return failure(work, "unknown_action", f"no connector action {work.action}")
        manifest, action = found
        connection: dict[str, Any] = {}
        if work.connection:
            loaded = self.connections(work.workspace_id, work.connection)
            if loaded is None:
                return failure(work, "unknown_connection", f"no connection {work.connection!r}")
            connector_id, connection = loaded
            if connector_id != manifest["id"]:
                message = (
                    f"connection {work.connection!r} is for {connector_id}, not {manifest['id']}"
                )
                return failure(work, "wrong_connection", message)
        secrets = [str(connection[name]) for name in secret_fields(manifest) if name in connection]
        try:
            output = self._call(work, manifest, action, connection)
        except ActionFailed as failed:
            return failure(
                work,
                failed.code,
                str(mask(failed.message, secrets)),
                **mask(failed.details, secrets),
            )
        if isinstance(output, Awaiting):
            progress = mask(output.progress, secrets)
            return StepResult(
                work.run_id, work.key, work.attempt, output=progress, wait_until=output.until
            )
        return StepResult(work.run_id, work.key, work.attempt, output=mask(output, secrets))

    def _caller(self, work: Dispatch) -> Callable[[str, str | None, Mapping[str, Any]], Any]:
        """Another connector's action, for this run and workspace (its credentials are masked
        out of what comes back, as for any step)."""

        def call(action: str, connection: str | None, inputs: Mapping[str, Any]) -> Any:
            inner = replace(work, action=action, connection=connection, inputs=dict(inputs))
            result = self.perform(inner)
            if result.error is not None:
                error = result.error
                raise ActionFailed(
                    str(error.get("code", "action_failed")),
                    f"{action}: {error.get('message', 'failed')}",
                    cause=dict(error.get("details") or {}),
                )
            return result.output

        return call

    def _call(
        self,
        work: Dispatch,
        manifest: Mapping[str, Any],
        action: Mapping[str, Any],
        connection: Mapping[str, Any],
    ) -> Any:
        session = self._session()
        if "python" in action:
            context = ActionContext(
                session,
                work.idempotency_key,
                self.policy,
                workspace_id=work.workspace_id,
                run_id=work.run_id,
                incidents=self.incidents,
                approvals=self.approvals,
                playbooks=self.playbooks,
                call_action=self._caller(work),
            )
            return call_python_action(action["python"], work.inputs, connection, context)
        return call_action(
            manifest=manifest,
            action=action,
            inputs=work.inputs,
            connection=connection,
            session=session,
            retry=NO_RETRY,  # the conductor retries, on a durable timer
            idempotency_key=work.idempotency_key,
            tokens=self.tokens,
        ).output

    def _find(self, name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
        connector_id, _, action_id = name.partition(".")
        connector = self.registry.connectors.get(connector_id)
        if connector is None:
            return None
        for action in connector.manifest.get("actions", []):
            if action["id"] == action_id:
                return connector.manifest, action
        return None

    def _session(self) -> requests.Session:
        """One guarded session per worker thread: sessions are not safe to share."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = guarded_session(self.policy, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
            self._local.session = session
        return session


class MockedActions:
    """Rehearsals: the results given for some nodes (one per attempt, the last repeating),
    the real actions for the rest."""

    def __init__(self, inner: ActionPerformer, mocks: Mapping[str, Sequence[Mapping[str, Any]]]):
        self.inner = inner
        self.mocks = mocks

    def is_instant(self, work: Dispatch) -> bool:
        return work.node_id in self.mocks or self.inner.is_instant(work)

    def perform(self, work: Dispatch) -> StepResult:
        results = self.mocks.get(work.node_id)
        if results is None:
            return self.inner.perform(work)
        result = results[min(work.attempt, len(results)) - 1]
        if result.get("status") == "failed":
            error = {"details": {}, **result.get("error", {})}
            error.setdefault("code", "mocked_failure")
            error.setdefault("message", f"{work.node_id} failed (mocked)")
            return StepResult(work.run_id, work.key, work.attempt, error=error)
        return StepResult(work.run_id, work.key, work.attempt, output=result.get("output"))
