"""The audit log's hash chain shows any edited or deleted row."""

from core.platform import audit
from core.platform.tables import AuditEvent
from tests.conftest import run


def record_three():
    for number in range(3):
        run(audit.record("review.submitted", subject_type="review", subject_id=number, data={"total": 3.5 + number}))


def test_an_untouched_chain_verifies(settings):
    record_three()
    report = run(audit.verify_chain())
    assert report.intact and report.events == 3


def test_an_altered_row_breaks_the_chain_at_that_row(settings):
    record_three()
    second = run(AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id).offset(1).first())["id"]
    # Written directly on purpose: an edit behind the platform's back is what the chain must reveal.
    run(AuditEvent.update({AuditEvent.data: {"total": 5.0}}).where(AuditEvent.id == second))
    report = run(audit.verify_chain())
    assert not report.intact and report.broken_at == second
    assert report.reason == "the event's content was changed"


def test_a_deleted_row_breaks_the_chain_after_it(settings):
    record_three()
    ids = [row["id"] for row in run(AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id))]
    run(AuditEvent.delete().where(AuditEvent.id == ids[1]))  # a deletion behind the platform's back, on purpose
    report = run(audit.verify_chain())
    assert report.broken_at == ids[2] and report.reason == "the previous event was changed or deleted"
