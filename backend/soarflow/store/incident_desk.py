"""The incidents the `soarflow` connector's actions read and change, from the store: each call
in its own transaction, only in the run's workspace, as playbooks see incidents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.incidents.payload import alert_payload, incident_payload
from soarflow.store import incidents as repo
from soarflow.store.models import (
    Alert,
    AlertPublic,
    CommentPublic,
    Incident,
    IncidentSummary,
    IncidentUpdate,
    Run,
)


class StoreIncidentDesk:
    def __init__(self, engine: Engine, base_url: str) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")

    def incident(self, workspace_id: str, incident_id: str) -> dict[str, Any]:
        with Session(self.engine) as session:
            return self._payload(session, _load(session, workspace_id, incident_id))

    def alerts(self, workspace_id: str, incident_id: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return _alerts(session, _load(session, workspace_id, incident_id))

    def update(
        self, workspace_id: str, incident_id: str, changes: Mapping[str, Any], run_id: str
    ) -> dict[str, Any]:
        try:
            wanted = IncidentUpdate.model_validate(dict(changes))
        except ValidationError as error:
            raise ValueError(_first_problem(error)) from None
        with Session(self.engine) as session:
            incident = _load(session, workspace_id, incident_id)
            try:
                repo.update_incident(session, incident=incident, changes=wanted)
            except repo.IncidentChangeError as error:
                raise ValueError(f"{error.field}: {error.message}") from None
            session.commit()
            return self._payload(session, incident)

    def comment(
        self, workspace_id: str, incident_id: str, text: str, run_id: str
    ) -> dict[str, Any]:
        with Session(self.engine) as session:
            incident = _load(session, workspace_id, incident_id)
            comment = repo.add_comment(
                session,
                incident=incident,
                author_id=None,
                author_name=_author(session, run_id),
                text=text,
            )
            session.commit()
            return CommentPublic.model_validate(comment).model_dump(mode="json")

    def _payload(self, session: Session, incident: Incident) -> dict[str, Any]:
        return incident_as_seen(session, incident, self.base_url)


def incident_as_seen(session: Session, incident: Incident, base_url: str) -> dict[str, Any]:
    """The incident as playbooks see it (the incident triggers' payload)."""
    alerts = _alerts(session, incident)
    url = f"{base_url.rstrip('/')}/incidents/{incident.id}"
    return incident_payload(incident_json(incident), alerts, url)


def alert_as_seen(alert: Alert) -> dict[str, Any]:
    """The alert as playbooks see it (the alert trigger's payload)."""
    return alert_payload(alert_json(alert))


def incident_json(incident: Incident) -> dict[str, Any]:
    """The incident's public fields with its entities, as JSON."""
    summary = IncidentSummary.model_validate(incident).model_dump(mode="json")
    return {**summary, "entities": incident.entities}


def alert_json(alert: Alert) -> dict[str, Any]:
    return AlertPublic.model_validate(alert).model_dump(mode="json")


def _load(session: Session, workspace_id: str, incident_id: str) -> Incident:
    incident = repo.get_incident(session, incident_id=incident_id)
    # Another workspace's incident is as unknown to a playbook as one that does not exist.
    if incident is None or incident.workspace_id != workspace_id:
        raise LookupError(f"no incident {incident_id!r} in this playbook's workspace")
    return incident


def _alerts(session: Session, incident: Incident) -> list[dict[str, Any]]:
    return [
        alert_as_seen(alert) for alert in repo.incident_alerts(session, incident_id=incident.id)
    ]


def _author(session: Session, run_id: str) -> str:
    """A playbook's comment is signed with the playbook's name (the run links to the rest)."""
    run = session.get(Run, run_id) if run_id else None
    name = run.context.get("playbook", {}).get("name") if run is not None and run.context else None
    return f"Playbook: {name}"[:100] if name else "Playbook"


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}"
