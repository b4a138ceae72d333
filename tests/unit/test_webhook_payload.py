"""The webhooks plugin shapes what leaves Giuria; an outside plugin may replace it, a faulty one is disabled."""

from __future__ import annotations

from datetime import UTC, datetime

from core.hookspecs import hookimpl
from core.plugin_api import LifecycleEvent
from core.plugins import load_registry

AT = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
EVENT = LifecycleEvent(name="application.submitted", edition="welfare-2026", at=AT, subject_type="application",
                       subject_id="7", data={"status": "submitted", "track": "SPW", "contact_email": "a@b.example",
                                             "team": [{"name": "Anna"}]})


def test_the_builtin_payload_carries_ids_and_statuses_only():
    registry = load_registry(entry_points=False)
    assert registry.webhook_payload(EVENT) == {
        "version": 1, "event": "application.submitted", "edition": "welfare-2026",
        "occurred_at": "2026-04-01T09:30:00+00:00", "subject": {"type": "application", "id": "7"},
        "data": {"status": "submitted", "track": "SPW"}}
    other = LifecycleEvent(name="edition.imported", edition="welfare-2026", at=AT)
    assert registry.webhook_payload(other) is None


class Silencer:
    @hookimpl
    def giuria_webhook_payload(self, event):
        return {"only": event.subject_id}


class Broken:
    @hookimpl
    def giuria_webhook_payload(self, event):
        return ["not", "an", "object"]


def test_an_outside_plugin_wins_and_a_faulty_one_is_disabled():
    registry = load_registry(entry_points=False)
    registry.register(Silencer(), name="silencer", origin="test")
    assert registry.webhook_payload(EVENT) == {"only": "7"}
    assert registry.webhook_payload(EVENT, enabled=[])["event"] == "application.submitted"

    registry = load_registry(entry_points=False)
    registry.register(Broken(), name="broken", origin="test")
    assert registry.webhook_payload(EVENT)["event"] == "application.submitted"
    assert "JSON object" in registry.infos["broken"].error
