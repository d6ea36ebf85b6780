"""Receiving alerts concurrently, on SQLite and PostgreSQL: a repeated alert is stored once,
incident numbers never repeat, and alerts joining one incident all count."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from soarflow.incidents.grouping import GroupingAction, Outcome
from soarflow.store import access
from soarflow.store import incidents as repo
from soarflow.store.models import (
    Alert,
    AlertCreate,
    AlertGroupingRuleCreate,
    Incident,
    IncidentUpdate,
)
from tests.incident_support import alert_body, ip

SENDERS = 6


def default_workspace(engine: Engine) -> str:
    with Session(engine) as session:
        workspace = access.get_workspace(session, key="default")
        assert workspace is not None
        return workspace.id


def deliver_at_once(
    engine: Engine, workspace_id: str, bodies: list[dict[str, Any]]
) -> list[repo.Ingested]:
    """Ingest each body in a thread of its own, all starting together."""
    results: list[repo.Ingested] = []
    failures: list[Exception] = []
    start = threading.Barrier(len(bodies))

    def deliver(body: dict[str, Any]) -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                start.wait()
                ingested = repo.ingest_alert(
                    session,
                    workspace_id=workspace_id,
                    alert=AlertCreate.model_validate(body),
                    idempotency_key=None,
                )
                session.commit()
                results.append(ingested)
        except Exception as failure:  # a thread's exception would otherwise go unseen
            failures.append(failure)

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


def count(engine: Engine, model: type[Alert] | type[Incident], *where: Any) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_an_alert_delivered_many_times_at_once_is_stored_once(engine: Engine) -> None:
    workspace_id = default_workspace(engine)
    bodies = [alert_body(source_alert_id="256f1775") for _ in range(SENDERS)]
    results = deliver_at_once(engine, workspace_id, bodies)
    assert sorted(result.created for result in results) == [False] * (SENDERS - 1) + [True]
    assert len({result.alert.id for result in results}) == 1
    assert count(engine, Alert) == count(engine, Incident) == 1


def test_incidents_opened_at_once_get_numbers_in_a_row(engine: Engine) -> None:
    workspace_id = default_workspace(engine)
    results = deliver_at_once(engine, workspace_id, [alert_body() for _ in range(SENDERS)])
    numbers = sorted(result.incident.number for result in results if result.incident)
    assert numbers == list(range(1, SENDERS + 1))


def test_alerts_joining_one_incident_at_once_all_count(engine: Engine) -> None:
    workspace_id = default_workspace(engine)
    with Session(engine) as session:
        rule = AlertGroupingRuleCreate(rule_name="Brute force", action=GroupingAction.GROUP)
        repo.set_grouping_rule(session, workspace_id=workspace_id, rule=rule)
        session.commit()
    shared = ip("203.0.113.1")
    [first] = deliver_at_once(
        engine, workspace_id, [alert_body(rule_name="Brute force", entities=[shared])]
    )
    bodies = [
        alert_body(rule_name="Brute force", entities=[shared, ip(f"198.51.100.{n}")])
        for n in range(SENDERS)
    ]
    results = deliver_at_once(engine, workspace_id, bodies)
    assert {(r.grouping, r.incident.id if r.incident else None) for r in results} == {
        (Outcome.JOINED, first.alert.incident_id)
    }
    with Session(engine) as session:
        incident = session.get(Incident, first.alert.incident_id)
        assert incident is not None
        assert incident.alert_count == SENDERS + 1
        addresses = {entity["properties"]["Address"] for entity in incident.entities}
        assert len(addresses) == SENDERS + 1
    joined = col(Alert.incident_id) == first.alert.incident_id
    assert count(engine, Alert, joined) == SENDERS + 1


def test_closing_and_reopening_report_what_changed(engine: Engine) -> None:
    workspace_id = default_workspace(engine)
    [ingested] = deliver_at_once(engine, workspace_id, [alert_body()])
    with Session(engine) as session:
        incident = session.get(Incident, ingested.alert.incident_id)
        assert incident is not None

        def change(**fields: Any) -> dict[str, tuple[Any, Any]]:
            changes = IncidentUpdate.model_validate(fields)
            return repo.update_incident(session, incident=incident, changes=changes).changes

        assert change(status="closed", classification="true_positive", owner="alice") == {
            "status": ("new", "closed"),
            "classification": (None, "true_positive"),
            "owner": (None, "alice"),
        }
        assert change(owner="alice") == {}
        assert change(status="active") == {
            "status": ("closed", "active"),
            "classification": ("true_positive", None),
        }
