"""Webhooks: which lifecycle events go to partners' URLs, and the body they receive.

Only ids, names of things and statuses leave Giuria this way: never an applicant's personal data,
never a juror's identity. Core queues, signs, sends and retries; this plugin only shapes the body.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl
from core.plugin_api import LifecycleEvent

SENT_EVENTS = frozenset({
    "application.submitted", "application.withdrawn", "application.admissible", "application.inadmissible",
    "review.submitted", "round.opened", "round.closed", "round.reopened",
    "decisions.published", "award.confirmed", "mentor_match.confirmed", "milestone.delivered",
    "kpi.reported",
})
# Keys of `event.data` safe to pass on: identifiers, codes, counts and statuses only.
SAFE_DATA = frozenset({"status", "round", "track", "area", "prize", "outcome", "receipt", "application", "decisions",
                       "milestone", "kpi", "period_end", "entries"})
API_VERSION = 1


@hookimpl(trylast=True)
def giuria_webhook_payload(event: LifecycleEvent) -> dict[str, Any] | None:
    if event.name not in SENT_EVENTS:
        return None
    data = {key: value for key, value in event.data.items()
            if key in SAFE_DATA and isinstance(value, str | int | float | bool)}
    return {
        "version": API_VERSION,
        "event": event.name,
        "edition": event.edition,
        "occurred_at": event.at.isoformat(),
        "subject": {"type": event.subject_type, "id": event.subject_id},
        "data": data,
    }
