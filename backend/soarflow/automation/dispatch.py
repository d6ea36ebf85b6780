"""Carrying out what automation rules decide for an event: the shell around automation.rules.

An event is written with the alert or incident change that caused it. Processing it runs the
workspace's rules for its trigger in order, each against the incident as the rules before it
left it (as in Sentinel). Incident changes are committed one by one and runs are submitted with
ids derived from (event, rule, action), so that processing an event again after a crash
changes nothing twice and starts no run twice; the event is marked done last."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.automation.rules import PLAYBOOK_TRIGGER, applies, in_order
from soarflow.incidents.payload import condition_subject
from soarflow.playbook.triggers import trigger_of
from soarflow.runtime.runner import RunRequest
from soarflow.store import automation as repo
from soarflow.store import incidents as incident_repo
from soarflow.store import playbooks as playbook_repo
from soarflow.store.incident_desk import alert_as_seen, alert_json, incident_as_seen, incident_json
from soarflow.store.models import (
    Alert,
    AutomationEvent,
    AutomationRule,
    Incident,
    IncidentUpdate,
    as_utc,
    utcnow,
)

log = logging.getLogger(__name__)
RUN_NAMESPACE = uuid.UUID("5f1d6a52-8c1e-4d4e-9a4f-6b3c2e1d0a77")

Submit = Callable[[RunRequest], str]


class Automation:
    def __init__(self, engine: Engine, submit: Submit, base_url: str) -> None:
        self.engine = engine
        self.submit = submit
        self.base_url = base_url.rstrip("/")

    def process_pending(self) -> int:
        with Session(self.engine) as session:
            pending = list(repo.pending_events(session))
        for event_id in pending:
            self.process(event_id)
        return len(pending)

    def process(self, event_id: str) -> None:
        """Run the rules for one event; a failure is logged and leaves the event pending."""
        try:
            self._process(event_id)
        except Exception:  # the event stays pending: the next start takes it up again
            log.exception("automation event %s failed", event_id)

    def _process(self, event_id: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            event = session.get(AutomationEvent, event_id)
            if event is None or event.done_at is not None:
                return
            subject = _Subject.load(session, event)
            if subject is None:
                event.done_at = utcnow()
                session.add(event)
                session.commit()
                return
            rules, _ = repo.list_rules(
                session, workspace_ids=[event.workspace_id], trigger=event.trigger, enabled=True
            )
            by_id = {rule.id: rule for rule in rules}
            outcome = []
            for fields in in_order(_fields(rule) for rule in rules):
                rule = by_id[fields["id"]]
                if applies(fields, event.trigger, subject.conditions(), utcnow(), event.previous):
                    done = [
                        self._act(session, event, rule, index, action, subject)
                        for index, action in enumerate(rule.actions)
                    ]
                    outcome.append({"rule_id": rule.id, "rule_name": rule.name, "actions": done})
            event.outcome = outcome
            event.done_at = utcnow()
            session.add(event)
            session.commit()

    def _act(
        self,
        session: Session,
        event: AutomationEvent,
        rule: AutomationRule,
        index: int,
        action: Mapping[str, Any],
        subject: _Subject,
    ) -> dict[str, Any]:
        if action["type"] == "run_playbook":
            return {**action, **self._run(session, event, rule, index, action, subject)}
        change = _CHANGES[action["type"]](action, subject)
        if subject.incident is not None:
            incident_repo.update_incident(
                session, incident=subject.incident, changes=IncidentUpdate.model_validate(change)
            )
            session.commit()
        return dict(action)

    def _run(
        self,
        session: Session,
        event: AutomationEvent,
        rule: AutomationRule,
        index: int,
        action: Mapping[str, Any],
        subject: _Subject,
    ) -> dict[str, Any]:
        playbook = playbook_repo.get_playbook(session, playbook_id=action["playbook_id"])
        wanted = PLAYBOOK_TRIGGER[event.trigger]
        if playbook is None or playbook.workspace_id != event.workspace_id:
            return {"error": "the playbook no longer exists"}
        if not playbook.enabled:
            return {"error": "the playbook is disabled"}
        if trigger_of(playbook.document)[0] != wanted:
            return {"error": f"the playbook's trigger is no longer {wanted}"}
        run_id = str(uuid.uuid5(RUN_NAMESPACE, f"{event.id}/{rule.id}/{index}"))
        request = RunRequest(
            playbook.id,
            playbook.version,
            playbook.workspace_id,
            playbook.name,
            subject.payload(session, self.base_url),
            trigger_type="automation",
            run_id=run_id,
            incident_id=subject.incident.id if subject.incident is not None else None,
            alert_id=subject.alert.id if subject.alert is not None else None,
            rule_id=rule.id,
        )
        return {"run_id": self.submit(request)}


def _fields(rule: AutomationRule) -> dict[str, Any]:
    fields = rule.model_dump()
    if rule.expires_at is not None:
        fields["expires_at"] = as_utc(rule.expires_at)
    return fields


def _labelled(action: Mapping[str, Any], subject: _Subject) -> dict[str, Any]:
    labels = subject.incident.labels if subject.incident is not None else []
    return {"labels": [*labels, action["label"]]}


_CHANGES: dict[str, Callable[[Mapping[str, Any], _Subject], dict[str, Any]]] = {
    "change_status": lambda action, _subject: {"status": action["status"]},
    "change_severity": lambda action, _subject: {"severity": action["severity"]},
    "assign_owner": lambda action, _subject: {"owner": action["owner"]},
    "add_label": _labelled,
}


class _Subject:
    """The incident or alert an event is about, read fresh for each rule."""

    def __init__(self, incident: Incident | None, alert: Alert | None, alerts: list[Alert]):
        self.incident = incident
        self.alert = alert
        self.alerts = alerts

    @classmethod
    def load(cls, session: Session, event: AutomationEvent) -> _Subject | None:
        if event.incident_id is not None and event.trigger != "alert_created":
            incident = incident_repo.get_incident(session, incident_id=event.incident_id)
            if incident is None:
                return None
            alerts = list(incident_repo.incident_alerts(session, incident_id=incident.id))
            return cls(incident, None, alerts)
        alert = incident_repo.get_alert(session, alert_id=event.alert_id or "")
        return None if alert is None else cls(None, alert, [alert])

    def conditions(self) -> dict[str, Any]:
        alerts = [alert_json(alert) for alert in self.alerts]
        incident = None if self.incident is None else incident_json(self.incident)
        return condition_subject(incident, alerts)

    def payload(self, session: Session, base_url: str) -> dict[str, Any]:
        if self.incident is None:
            return alert_as_seen(self.alerts[0])
        session.refresh(self.incident)
        return incident_as_seen(session, self.incident, base_url)


def automation_subject(session: Session, incident: Incident) -> dict[str, Any]:
    """What rules' conditions read of the incident now: kept with an update's event, so that
    `changed` compares with it."""
    return _Subject(
        incident, None, list(incident_repo.incident_alerts(session, incident_id=incident.id))
    ).conditions()
