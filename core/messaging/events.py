"""Lifecycle events: one `emit` tells partners' webhooks, sends the mail the event causes, and tells plugins.

A service calls `emit` inside the write transaction that made the event happen, so the webhook
deliveries and mail it queues exist if and only if the change commits; plugins' `giuria_lifecycle_event`
is called once it has committed. Names are stable (partners subscribe to them) and payloads small:
identifiers and codes, never personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from core.messaging import mail, queue
from core.platform import db
from core.platform.tables import Edition, WebhookDelivery, WebhookSubscription
from core.plugin_api import LifecycleEvent
from core.plugins import active_registry

__all__ = ["EVENTS", "UnknownEvent", "emit"]


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


# Every event core emits, with the label organisers read when they choose a webhook's events.
EVENTS: dict[str, str] = {
    "application.submitted": N_("An application is submitted"),
    "application.withdrawn": N_("An application is withdrawn"),
    "application.admissible": N_("An application is found admissible"),
    "application.inadmissible": N_("An application is found not admissible"),
    "review.submitted": N_("A juror submits a review"),
    "round.opened": N_("The entries of a round are moved in"),
    "round.closed": N_("Scoring of a round is closed"),
    "round.reopened": N_("Scoring of a round is reopened"),
    "decisions.published": N_("The decisions of a round are published"),
    "award.confirmed": N_("A prize is awarded"),
    "mentor_match.confirmed": N_("A mentoring match is confirmed"),
    "milestone.delivered": N_("A startup delivers a milestone"),
    "kpi.reported": N_("A startup reports an indicator value"),
}


class UnknownEvent(ValueError):
    """A name not in EVENTS: partners subscribe by name, so names are fixed here, not made up at call sites."""


async def emit(name: str, *, edition_id: int, subject_type: str, subject_id: int | str,
               data: Mapping[str, Any] | None = None, at: datetime | None = None,
               mails: Iterable[mail.MailRequest] = ()) -> LifecycleEvent:
    """Record that `name` happened in the edition; call it inside the transaction that made it happen.

    Queues `mails` (the mail this event causes), one webhook delivery per active subscription of the
    edition that wants the event, and tells the edition's plugins once the transaction commits.
    """
    if name not in EVENTS:
        raise UnknownEvent(name)
    edition = await Edition.select(Edition.slug, Edition.enabled_plugins).output(load_json=True).where(
            Edition.id == edition_id).first()
    if edition is None:
        raise LookupError(f"no edition {edition_id}")
    event = LifecycleEvent(name=name, edition=edition["slug"], at=at or datetime.now(UTC),
                           subject_type=subject_type, subject_id=str(subject_id), data=dict(data or {}))
    enabled = edition["enabled_plugins"] or []
    for request in mails:
        await mail.enqueue(request)
    await _queue_deliveries(event, edition_id=edition_id, enabled=enabled)
    registry = active_registry()
    db.after_commit(lambda: registry.notify(event, enabled=enabled))
    return event


async def _queue_deliveries(event: LifecycleEvent, *, edition_id: int, enabled: list[str]) -> int:
    """One delivery per active subscription of the edition that wants `event`; how many were queued."""
    subscriptions = await WebhookSubscription.select(WebhookSubscription.id,
                                                     WebhookSubscription.events).output(load_json=True).where(
        WebhookSubscription.edition == edition_id, WebhookSubscription.active.eq(True))
    wanted = [s["id"] for s in subscriptions
              if not (chosen := s["events"] or []) or event.name in chosen]
    if not wanted:
        return 0
    payload = active_registry().webhook_payload(event, enabled=enabled)
    if payload is None:
        return 0
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    await WebhookDelivery.insert(*(
        WebhookDelivery(subscription=s, event=event.name, body=body, status=queue.QUEUED, attempts=0,
                        next_attempt_at=event.at, created_at=event.at) for s in wanted))
    return len(wanted)
