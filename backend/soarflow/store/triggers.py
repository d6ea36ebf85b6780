"""The records behind the core webhook and schedule triggers: webhooks, the webhook-ids of
signed calls, the playbooks to run on a schedule, and what a run answered its webhook call."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from sqlmodel import select as select_model

from soarflow.playbook.document import Json
from soarflow.playbook.triggers import SCHEDULE_TRIGGER, WEBHOOK_TRIGGER, trigger_of
from soarflow.store.models import Playbook, Webhook, WebhookDelivery, utcnow
from soarflow.store.runs import RUN, STEP

DELIVERY: Table = WebhookDelivery.__table__  # type: ignore[attr-defined]
WEBHOOK_ID_BYTES = 16


def ensure_webhook(
    session: Session, *, playbook_id: str, document: Mapping[str, Json]
) -> Webhook | None:
    """The playbook's webhook, made the first time its trigger is a webhook. It outlives a
    change of trigger, so that changing back keeps the URL senders know."""
    if trigger_of(document)[0] != WEBHOOK_TRIGGER:
        return None
    found = webhook_of(session, playbook_id=playbook_id)
    if found is None:
        found = Webhook(id=secrets.token_urlsafe(WEBHOOK_ID_BYTES), playbook_id=playbook_id)
        session.add(found)
        session.flush()
    return found


def webhook_of(session: Session, *, playbook_id: str) -> Webhook | None:
    query = select_model(Webhook).where(col(Webhook.playbook_id) == playbook_id)
    return session.exec(query).first()


def find_webhook(session: Session, *, webhook_id: str) -> tuple[Webhook, Playbook] | None:
    query = (
        select_model(Webhook, Playbook)
        .join(Playbook, col(Playbook.id) == col(Webhook.playbook_id))
        .where(col(Webhook.id) == webhook_id)
    )
    found = session.exec(query).first()
    return None if found is None else (found[0], found[1])


def set_secret(session: Session, *, webhook: Webhook, encrypted: str) -> Webhook:
    webhook.secret = encrypted
    webhook.secret_made_at = utcnow()
    session.add(webhook)
    session.flush()
    return webhook


def remember_delivery(
    engine: Engine, *, webhook_id: str, message_id: str, keep_for: timedelta
) -> bool:
    """Note a signed call's webhook-id; False when it was seen within keep_for (a replay).
    Ids older than that are dropped on the way, so the table holds minutes of calls."""
    now = utcnow()
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(DELIVERY).where(
                    DELIVERY.c.webhook_id == webhook_id, DELIVERY.c.received_at < now - keep_for
                )
            )
            connection.execute(
                insert(DELIVERY),
                {"webhook_id": webhook_id, "message_id": message_id, "received_at": now},
            )
    except IntegrityError:
        return False
    return True


def forget_delivery(engine: Engine, *, webhook_id: str, message_id: str) -> None:
    """For a call that was refused after all: the sender's retry must not count as a replay."""
    with engine.begin() as connection:
        connection.execute(
            delete(DELIVERY).where(
                DELIVERY.c.webhook_id == webhook_id, DELIVERY.c.message_id == message_id
            )
        )


def scheduled_playbooks(session: Session) -> Sequence[Playbook]:
    """Enabled playbooks whose trigger is a schedule."""
    trigger_type = col(Playbook.document)["trigger"]["type"].as_string()
    query = select_model(Playbook).where(
        col(Playbook.enabled).is_(True), trigger_type == SCHEDULE_TRIGGER
    )
    return session.exec(query).all()


def run_answer(engine: Engine, *, run_id: str, response_nodes: Collection[str]) -> tuple[str, Any]:
    """A run's status, and the output of its first Response step to succeed (None before)."""
    with engine.connect() as connection:
        status = connection.execute(select(RUN.c.status).where(RUN.c.id == run_id)).scalar_one()
        if not response_nodes:
            return status, None
        output = connection.execute(
            select(STEP.c.output)
            .where(
                STEP.c.run_id == run_id,
                STEP.c.node_id.in_(response_nodes),
                STEP.c.status == "succeeded",
            )
            .order_by(STEP.c.ended_at)
            .limit(1)
        ).scalar()
    return status, output
