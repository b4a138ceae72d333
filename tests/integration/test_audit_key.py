"""The audit chain is keyed and anchored: `giuria audit verify` names a rewrite with recomputed hashes, a truncation
and a forged checkpoint, on both engines, and a chain written before the key keeps verifying."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from core.platform import audit, db
from core.platform.tables import AuditEvent
from tests.conftest import run
from tests.integration import test_results_console as console
from tests.integration.test_cli import giuria  # noqa: F401 (a fixture)


def record(count: int) -> list[int]:
    for number in range(count):
        run(audit.record("review.submitted", subject_type="review", subject_id=number, data={"total": 3.5 + number}))
    return [row["id"] for row in run(AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id))]


def canonical(row: dict, prev_hash: str) -> bytes:
    data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
    return audit._canonical(prev_hash=prev_hash, at=row["at"], actor_id=row["actor"], edition_id=row["edition"],
                            action=row["action"], subject_type=row["subject_type"], subject_id=row["subject_id"],
                            data=data)


def rewrite(event_id: int, new_data: dict, sign) -> None:
    """What someone with write access to the database does: change an event, then recompute every later hash."""
    run(AuditEvent.update({AuditEvent.data: new_data}).where(AuditEvent.id == event_id))
    rows = run(AuditEvent.select().order_by(AuditEvent.id))
    prev_hash = ""
    for row in rows:
        if row["id"] >= event_id:
            digest = sign(canonical(row, prev_hash))
            run(AuditEvent.update({AuditEvent.prev_hash: prev_hash, AuditEvent.hash: digest}).where(
                AuditEvent.id == row["id"]))
            prev_hash = digest
        else:
            prev_hash = row["hash"]


def test_an_untouched_chain_verifies_and_is_anchored_outside_the_database(giuria, settings):  # noqa: F811
    ids = record(3)
    checkpoint = audit.read_checkpoint(settings.audit_checkpoint_path)
    assert checkpoint is not None and checkpoint.event == ids[-1]  # advanced by the commits themselves
    result = giuria("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 3 events." in result.output
    assert f"Checkpoint: event {ids[-1]} · hmac:" in result.output
    assert all(row["hash"].startswith("hmac:") for row in run(AuditEvent.select(AuditEvent.hash)))


def test_a_rewritten_event_with_recomputed_later_hashes_is_named(giuria, settings):  # noqa: F811
    ids = record(5)
    # With the published algorithm of old, plain SHA-256: what the outside probe did.
    rewrite(ids[1], {"total": 9.9}, lambda message: hashlib.sha256(message).hexdigest())
    result = giuria("audit", "verify")
    assert result.exit_code == 1
    assert f"Audit log BROKEN at event {ids[1]}: the event was rewritten without the audit key" in result.output

    # With the keyed algorithm but a key guessed without the secret; the checkpoint removed as well.
    guessed = hmac.new(b"not-the-secret", b"giuria audit chain v1", hashlib.sha256).digest()
    rewrite(ids[1], {"total": 9.9}, lambda message: audit._keyed_hash(guessed, message))
    settings.audit_checkpoint_path.unlink()
    result = giuria("audit", "verify")
    assert result.exit_code == 1
    assert f"Audit log BROKEN at event {ids[1]}: the event's content was changed." in result.output


def test_deleting_the_last_events_is_named_against_the_checkpoint(giuria, settings):  # noqa: F811
    ids = record(5)
    run(AuditEvent.delete().where(AuditEvent.id >= ids[3]))  # behind the platform's back: the attack under test
    result = giuria("audit", "verify")
    assert result.exit_code == 1
    assert (f"Audit log BROKEN at event {ids[4]}: the last events were deleted: the chain ends at event {ids[2]} "
            "but the checkpoint of ") in result.output
    assert f"names event {ids[4]}." in result.output


def test_a_forged_checkpoint_is_refused(giuria, settings):  # noqa: F811
    ids = record(3)
    path = settings.audit_checkpoint_path
    forged = json.loads(path.read_text(encoding="utf-8")) | {"event": ids[1]}
    path.write_text(json.dumps(forged), encoding="utf-8")
    result = giuria("audit", "verify")
    assert result.exit_code == 1
    assert f"Audit log BROKEN: the checkpoint file {path} was altered or signed with another key." in result.output


def test_a_chain_written_before_the_key_keeps_verifying_and_cannot_be_rewritten(giuria, settings):  # noqa: F811
    # Three events as the previous version wrote them: plain SHA-256, no checkpoint (written directly: no code of
    # this version writes the old format, and reading it is the behaviour under test).
    prev_hash = ""
    for number in range(3):
        row = {"at": datetime.now(UTC), "actor": None, "edition": None, "action": "old.event",
               "subject_type": "review", "subject_id": str(number), "data": {"n": number}}
        digest = hashlib.sha256(canonical(row, prev_hash)).hexdigest()
        run(AuditEvent.insert(AuditEvent(**row, prev_hash=prev_hash, hash=digest)))
        prev_hash = digest
    upgraded = giuria("audit", "verify")
    assert upgraded.exit_code == 0 and "Audit log intact: 3 events." in upgraded.output
    assert "there was no checkpoint" in upgraded.output  # and one is written now
    ids = record(2)
    assert giuria("audit", "verify").exit_code == 0

    # Rewriting an old event and recomputing the plain hashes after it, up to the keyed events, breaks the first
    # keyed event, whose keyed hash covers the last plain one; recomputing those as plain ones is refused as well.
    plain = hashlib.sha256
    # The rewrite below, behind the platform's back, is the attack under test: it stays a direct write.
    run(AuditEvent.update({AuditEvent.data: {"n": 99}}).where(AuditEvent.id == ids[1]))
    rows = {row["id"]: row for row in run(AuditEvent.select())}
    second = plain(canonical(rows[ids[1]], rows[ids[0]]["hash"])).hexdigest()
    third = plain(canonical(rows[ids[2]], second)).hexdigest()
    run(AuditEvent.update({AuditEvent.hash: second}).where(AuditEvent.id == ids[1]))
    run(AuditEvent.update({AuditEvent.prev_hash: second, AuditEvent.hash: third}).where(AuditEvent.id == ids[2]))
    result = giuria("audit", "verify")
    assert result.exit_code == 1
    assert f"Audit log BROKEN at event {ids[3]}: the previous event was changed or deleted." in result.output
    rewrite(ids[1], {"n": 99}, lambda message: plain(message).hexdigest())
    result = giuria("audit", "verify")
    assert result.exit_code == 1
    assert f"Audit log BROKEN at event {ids[3]}: the event was rewritten without the audit key" in result.output


def test_the_verbale_carries_the_checkpoint(client, settings):
    console.make_call(advancement={"top_n": 3})
    console.as_organiser(client)
    run(audit.record("review.submitted", subject_type="review", subject_id=1))
    response = client.get(f"/organise/{console.SLUG}/exports/verbale.pdf?round=R1&lang=en")
    assert response.status_code == 200
    text = "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
    found = re.search(r"Itscheckpoint:event(\d+),hash(hmac:[\w-]+),writtenat(\S+?),signature([\w-]+)\.", text)
    assert found, text
    event, head, written_at, signature = int(found[1]), found[2], found[3], found[4]
    # The printed head is the database's event, and the platform's key signed exactly what is printed.
    assert run(AuditEvent.select(AuditEvent.hash).where(AuditEvent.id == event).first())["hash"] == head
    first = run(AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id).first())["id"]
    printed = audit.Checkpoint(event=event, hash=head, keyed_since=first, written_at=written_at, signature=signature)
    assert printed.genuine(audit.chain_key(settings))


def test_an_event_rolled_back_with_its_change_never_reaches_the_checkpoint(giuria, settings):  # noqa: F811
    ids = record(2)

    async def change_that_fails():
        async with db.write_transaction():
            await audit.record("decision.published", subject_type="round", subject_id=1)
            raise RuntimeError("the change itself failed")

    with pytest.raises(RuntimeError):
        run(change_that_fails())
    assert audit.read_checkpoint(settings.audit_checkpoint_path).event == ids[-1]
    result = giuria("audit", "verify")
    assert result.exit_code == 0 and "Audit log intact: 2 events." in result.output
