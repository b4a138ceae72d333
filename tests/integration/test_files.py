"""Attachments on a real database and a real data directory: stored by hash, refused without a trace."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.datastructures import UploadFile
from litestar.testing import TestClient

from core.applications import attachments as files
from core.applications.attachments import AttachmentNotFound, UploadRejected
from core.platform import db
from core.platform.identity import SessionUser
from core.platform.tables import Attachment, AuditEvent
from tests import factories
from tests.conftest import run
from tests.unit.test_files import minimal_docx, minimal_pdf, minimal_png
from web.downloads import file_response

PDF = minimal_pdf("Pitch deck")
OTHER_PDF = minimal_pdf("Statuto")
MB = 1024 * 1024


@dataclasses.dataclass
class Draft:
    application_id: int
    applicant_id: int
    edition_id: int


def create_draft(email: str = "ada@example.org", **kwargs) -> Draft:
    application_id, applicant_id, edition_id = factories.bare_application(email, **kwargs)
    return Draft(application_id=application_id, applicant_id=applicant_id, edition_id=edition_id)


async def chunks_of(data: bytes, size: int = 64 * 1024, consumed: list[int] | None = None):
    for start in range(0, len(data), size):
        if consumed is not None:
            consumed.append(start)
        yield data[start:start + size]


def store(settings, draft: Draft, data: bytes = PDF, *, field: str = "pitch_deck", filename: str = "deck.pdf",
          accept=("pdf",), max_bytes: int = 10 * MB, user_id: int | None = None, stream=None):
    return run(files.store_upload(
        settings=settings, application_id=draft.application_id, field=field, filename=filename,
        stream=stream if stream is not None else chunks_of(data), accept=list(accept), max_bytes=max_bytes,
        user_id=draft.applicant_id if user_id is None else user_id,
    ))


def stored_files(settings) -> list[str]:
    """Every file under the uploads directory, temporary ones included."""
    root = settings.uploads_dir
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def blob_name(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}"


def rows_of(draft: Draft) -> list[dict]:
    return run(Attachment.select().where(Attachment.application == draft.application_id).order_by(Attachment.id))


def audit_actions() -> list[tuple[str, dict]]:
    rows = run(AuditEvent.select(AuditEvent.action, AuditEvent.data).order_by(AuditEvent.id))
    return [(row["action"], json.loads(row["data"]) if isinstance(row["data"], str) else row["data"])
            for row in rows]


def session_user(account_id: int) -> SessionUser:
    return SessionUser(id=account_id, email="x@example.org", display_name="", locale="it", is_admin=False,
                       auth_epoch=0)


# -- Storing ---------------------------------------------------------------------------------------


def test_a_stored_pdf_lives_at_its_hash_with_a_row_and_an_audit_event(settings):
    draft = create_draft()
    stored = store(settings, draft, filename="Pitch deck 2026.pdf")

    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.sha256 == digest and stored.size_bytes == len(PDF) and stored.kind == "pdf"
    assert stored.filename == "Pitch deck 2026.pdf" and not stored.replaced
    assert (settings.uploads_dir / digest[:2] / digest).read_bytes() == PDF
    assert stored_files(settings) == [blob_name(PDF)]  # no temporary file left behind
    [row] = rows_of(draft)
    assert (row["id"], row["field"], row["filename"], row["content_type"], row["size_bytes"], row["sha256"],
            row["uploaded_by"]) == (stored.id, "pitch_deck", "Pitch deck 2026.pdf", "application/pdf", len(PDF),
                                    digest, draft.applicant_id)
    [(action, data)] = audit_actions()
    assert action == "attachment.added"
    assert data == {"field": "pitch_deck", "attachment": stored.id, "kind": "pdf", "size_bytes": len(PDF),
                    "sha256": digest}
    event = run(AuditEvent.select().first())
    assert (event["actor"], event["edition"], event["subject_type"], event["subject_id"]) == (
        draft.applicant_id, draft.edition_id, "application", str(draft.application_id))


def test_identical_content_is_stored_once(settings):
    first, second = create_draft("ada@example.org"), create_draft("bea@example.org")
    store(settings, first, field="pitch_deck")
    store(settings, first, field="statute")
    store(settings, second, field="pitch_deck")
    assert stored_files(settings) == [blob_name(PDF)]
    assert run(Attachment.count()) == 3


def test_an_upload_file_with_async_read_is_accepted(settings):
    draft = create_draft()
    upload = UploadFile(content_type="application/octet-stream", filename="deck.pdf", file_data=PDF)
    stored = store(settings, draft, stream=upload)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_file_over_the_limit_is_refused_mid_stream_and_the_previous_file_stays(settings):
    draft = create_draft()
    kept = store(settings, draft)
    consumed: list[int] = []
    big = b"%PDF-1.4\n" + b"0" * 10_000
    with pytest.raises(UploadRejected) as refused:
        store(settings, draft, big, max_bytes=4000, stream=chunks_of(big, 1000, consumed))
    assert refused.value.code == "too_large" and refused.value.limit == 4000
    assert refused.value.params == {"limit_mb": "0.00381"}
    assert len(consumed) == 5  # the fifth chunk crossed the limit; the other six were never read
    assert stored_files(settings) == [blob_name(PDF)]
    [row] = rows_of(draft)
    assert (row["id"], row["sha256"]) == (kept.id, kept.sha256)
    assert [action for action, _ in audit_actions()] == ["attachment.added"]


def test_the_platform_limit_caps_a_field_limit(settings):
    draft = create_draft()
    small_platform = dataclasses.replace(settings, max_upload_mb=1)
    assert files.upload_limit(max_mb=10, settings=small_platform) == MB
    assert files.upload_limit(max_mb=0.5, settings=small_platform) == MB // 2
    assert files.upload_limit(max_mb=None, settings=small_platform) == MB
    data = b"%PDF-1.4\n" + b"0" * MB
    with pytest.raises(UploadRejected) as refused:
        store(small_platform, draft, data, max_bytes=10 * MB)
    assert (refused.value.code, refused.value.limit) == ("too_large", MB)
    assert stored_files(settings) == []


def test_a_png_named_pdf_is_refused_and_says_what_it_is(settings):
    draft = create_draft()
    store(settings, draft)
    with pytest.raises(UploadRejected) as refused:
        store(settings, draft, minimal_png(), filename="deck.pdf")
    assert (refused.value.code, refused.value.expected, refused.value.found) == ("wrong_type", ("pdf",), "png")
    assert refused.value.params == {"expected": "PDF", "found": "PNG"}
    assert stored_files(settings) == [blob_name(PDF)]
    assert [row["sha256"] for row in rows_of(draft)] == [hashlib.sha256(PDF).hexdigest()]


def test_a_pdf_named_png_is_kept_as_a_pdf(settings):
    draft = create_draft()
    stored = store(settings, draft, filename="deck.png", accept=("pdf", "png"))
    assert (stored.kind, stored.filename, stored.content_type) == ("pdf", "deck.pdf", "application/pdf")


def test_an_office_document_is_accepted_where_the_field_allows_it(settings):
    draft = create_draft()
    docx = minimal_docx()
    stored = store(settings, draft, docx, field="statute", filename="statuto", accept=("pdf", "docx"))
    assert stored.kind == "docx" and stored.filename == "statuto.docx"
    assert stored.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_an_empty_file_is_refused(settings):
    draft = create_draft()
    with pytest.raises(UploadRejected) as refused:
        store(settings, draft, b"")
    assert refused.value.code == "empty"
    assert stored_files(settings) == [] and rows_of(draft) == []


def test_a_path_in_the_file_name_goes_nowhere(settings, tmp_path):
    draft = create_draft()
    before = sorted(str(p) for p in tmp_path.rglob("*") if p.is_file())
    stored = store(settings, draft, filename="../../../etc/passwd.pdf")
    assert stored.filename == "passwd.pdf" and rows_of(draft)[0]["filename"] == "passwd.pdf"
    after = sorted(str(p) for p in tmp_path.rglob("*") if p.is_file())
    # The audit chain's checkpoint (and its lock) advance with the upload's audit event: not the upload's files.
    checkpoint = {settings.data_dir / "audit-checkpoint.json", settings.data_dir / "audit-checkpoint.lock"}
    new = sorted(p for p in set(after) - set(before) if Path(p) not in checkpoint)
    cleaned = settings.data_dir / "cleaned" / blob_name(PDF)[:2]
    assert [p for p in new if Path(p).parent != cleaned] == [str(settings.uploads_dir / blob_name(PDF))]
    # Beside it only the cleaned copy for blind jurors and its report, named by the same hash.
    assert sorted(Path(p).name.split(".")[0] for p in new if Path(p).parent == cleaned) == [
        hashlib.sha256(PDF).hexdigest()] * 2


# -- Replacing and deleting ------------------------------------------------------------------------


def test_replacing_keeps_one_row_per_field_and_removes_the_orphan_blob(settings):
    draft = create_draft()
    first = store(settings, draft)
    second = store(settings, draft, OTHER_PDF, filename="deck v2.pdf")
    assert second.replaced and second.id == first.id
    [row] = rows_of(draft)
    assert (row["sha256"], row["filename"]) == (hashlib.sha256(OTHER_PDF).hexdigest(), "deck v2.pdf")
    assert stored_files(settings) == [blob_name(OTHER_PDF)]
    action, data = audit_actions()[-1]
    assert action == "attachment.replaced" and data["previous_sha256"] == first.sha256


def test_replacing_keeps_a_blob_another_attachment_still_uses(settings):
    mine, theirs = create_draft("ada@example.org"), create_draft("bea@example.org")
    store(settings, mine)
    store(settings, theirs)
    store(settings, mine, OTHER_PDF)
    assert stored_files(settings) == sorted([blob_name(PDF), blob_name(OTHER_PDF)])
    assert (settings.uploads_dir / blob_name(PDF)).read_bytes() == PDF


def test_deleting_removes_the_row_and_the_unused_blob(settings):
    draft = create_draft()
    stored = store(settings, draft)
    store(settings, draft, OTHER_PDF, field="statute")
    assert run(files.delete_attachment(settings=settings, application_id=draft.application_id,
                                       field="pitch_deck", user_id=draft.applicant_id)) is True
    assert [row["field"] for row in rows_of(draft)] == ["statute"]
    assert stored_files(settings) == [blob_name(OTHER_PDF)]
    action, data = audit_actions()[-1]
    assert action == "attachment.deleted" and data == {"field": "pitch_deck", "attachment": stored.id,
                                                       "sha256": stored.sha256}
    assert run(files.delete_attachment(settings=settings, application_id=draft.application_id,
                                       field="pitch_deck", user_id=draft.applicant_id)) is False
    assert len(audit_actions()) == 3


def test_attachments_of_lists_the_fields_in_order(settings):
    draft = create_draft()
    store(settings, draft, field="team_cv", filename="cv.pdf")
    store(settings, draft, OTHER_PDF, field="statute", filename="statuto.pdf")
    listed = run(files.attachments_of(application_id=draft.application_id))
    assert [(a.field, a.filename, a.kind, a.size_bytes) for a in listed] == [
        ("statute", "statuto.pdf", "pdf", len(OTHER_PDF)), ("team_cv", "cv.pdf", "pdf", len(PDF))]


# -- Who and when ----------------------------------------------------------------------------------


def test_a_submitted_application_cannot_change_its_files(settings):
    draft = create_draft()
    store(settings, draft)
    factories.set_application(draft.application_id, status="submitted")
    consumed: list[int] = []
    with pytest.raises(UploadRejected) as refused:
        store(settings, draft, OTHER_PDF, stream=chunks_of(OTHER_PDF, consumed=consumed))
    assert refused.value.code == "not_editable" and consumed == []
    with pytest.raises(UploadRejected) as refused:
        run(files.delete_attachment(settings=settings, application_id=draft.application_id, field="pitch_deck",
                                    user_id=draft.applicant_id))
    assert refused.value.code == "not_editable"
    assert stored_files(settings) == [blob_name(PDF)] and len(rows_of(draft)) == 1


def test_someone_elses_application_reads_as_missing(settings):
    mine, theirs = create_draft("ada@example.org"), create_draft("bea@example.org")
    store(settings, theirs)
    consumed: list[int] = []
    with pytest.raises(AttachmentNotFound):
        store(settings, theirs, OTHER_PDF, user_id=mine.applicant_id,
              stream=chunks_of(OTHER_PDF, consumed=consumed))
    assert consumed == []
    with pytest.raises(AttachmentNotFound):
        run(files.delete_attachment(settings=settings, application_id=theirs.application_id, field="pitch_deck",
                                    user_id=mine.applicant_id))
    with pytest.raises(AttachmentNotFound):
        store(settings, Draft(application_id=9999, applicant_id=mine.applicant_id, edition_id=mine.edition_id))
    assert [row["sha256"] for row in rows_of(theirs)] == [hashlib.sha256(PDF).hexdigest()]
    assert stored_files(settings) == [blob_name(PDF)]


# -- Downloading -----------------------------------------------------------------------------------


def test_download_follows_the_callers_rule(settings):
    draft = create_draft()
    stored = store(settings, draft, filename="deck.png", accept=("pdf",))
    asked: list[tuple[int, int]] = []

    async def only_the_applicant(*, user: SessionUser, application_id: int) -> bool:
        asked.append((user.id, application_id))
        return user.id == draft.applicant_id

    download = run(files.attachment_for_download(settings=settings, attachment_id=stored.id,
                                                 user=session_user(draft.applicant_id), can_view=only_the_applicant))
    assert asked == [(draft.applicant_id, draft.application_id)]
    assert download.path.read_bytes() == PDF
    assert (download.download_name, download.content_type, download.size) == ("deck.pdf", "application/pdf",
                                                                              len(PDF))
    with pytest.raises(AttachmentNotFound):
        run(files.attachment_for_download(settings=settings, attachment_id=stored.id,
                                          user=session_user(draft.applicant_id + 1), can_view=only_the_applicant))
    with pytest.raises(AttachmentNotFound):
        run(files.attachment_for_download(settings=settings, attachment_id=stored.id + 1,
                                          user=session_user(draft.applicant_id), can_view=lambda **_: True))
    # Only an explicit True opens the file: a rule returning a row or a count by mistake does not.
    with pytest.raises(AttachmentNotFound):
        run(files.attachment_for_download(settings=settings, attachment_id=stored.id,
                                          user=session_user(draft.applicant_id), can_view=lambda **_: 1))


def test_the_download_response_is_a_private_attachment(settings):
    draft = create_draft()
    stored = store(settings, draft, filename="relazione finale è.pdf")
    download = run(files.attachment_for_download(settings=settings, attachment_id=stored.id,
                                                 user=session_user(draft.applicant_id), can_view=lambda **_: True))

    @get("/file", sync_to_thread=False)
    def send() -> object:
        return file_response(download)

    with TestClient(Litestar([send])) as client:
        response = client.get("/file")
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"relazione finale e.pdf\"; filename*=UTF-8''relazione%20finale%20%C3%A8.pdf")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-length"] == str(len(PDF))


# -- Several workers at once -----------------------------------------------------------------------


def test_concurrent_replacements_leave_every_row_with_its_blob_and_no_orphans(settings):
    drafts = [create_draft(f"user{n}@example.org") for n in range(4)]
    contents = [PDF, OTHER_PDF]

    async def churn(draft: Draft, rounds: int) -> None:
        for n in range(rounds):
            await files.store_upload(settings=settings, application_id=draft.application_id, field="pitch_deck",
                                     filename="deck.pdf", stream=chunks_of(contents[n % 2]), accept=["pdf"],
                                     max_bytes=MB, user_id=draft.applicant_id)
            if n % 3 == 2:
                await files.delete_attachment(settings=settings, application_id=draft.application_id,
                                              field="pitch_deck", user_id=draft.applicant_id)

    async def all_at_once():
        await asyncio.gather(*(churn(draft, 5 + n) for n, draft in enumerate(drafts)))

    run(all_at_once())
    referenced = {row["sha256"] for row in run(Attachment.select(Attachment.sha256))}
    on_disk = {Path(name).name for name in stored_files(settings)}
    assert referenced and on_disk == referenced


def test_a_text_file_is_served_with_the_charset_it_was_written_in(settings):
    draft = create_draft()
    text = "Attività svolte nel 2025: più di quanto previsto.\r\n".encode("windows-1252")
    stored = store(settings, draft, text, field="notes", filename="note", accept=("txt",))
    assert (stored.filename, stored.content_type) == ("note.txt", "text/plain; charset=windows-1252")
    download = run(files.attachment_for_download(settings=settings, attachment_id=stored.id,
                                                 user=session_user(draft.applicant_id), can_view=lambda **_: True))

    @get("/file", sync_to_thread=False)
    def send() -> object:
        return file_response(download)

    with TestClient(Litestar([send])) as client:
        response = client.get("/file")
    assert response.headers["content-type"] == "text/plain; charset=windows-1252"
    assert response.content.decode("windows-1252").startswith("Attività")


def test_a_blob_another_worker_is_linking_survives_a_delete_of_its_last_row(settings):
    mine, theirs = create_draft("ada@example.org"), create_draft("bea@example.org")
    stored = store(settings, mine)

    def delete_as_another_worker() -> bool:
        # Its own thread, loop and connections: nothing shared with this worker but the database and the disk.
        return asyncio.run(files.delete_attachment(settings=settings, application_id=mine.application_id,
                                                   field="pitch_deck", user_id=mine.applicant_id))

    async def link_the_same_blob_while_it_deletes() -> bool:
        loop = asyncio.get_running_loop()
        async with db.write_transaction():
            # Where store_upload stands between putting the blob in place and committing its row (written here,
            # not through a factory: this interleaving with the other worker's delete is what the test is about).
            await files._lock_blob(stored.sha256)
            await Attachment.insert(Attachment(
                application=theirs.application_id, field="pitch_deck", filename="deck.pdf",
                content_type="application/pdf", size_bytes=len(PDF), sha256=stored.sha256))
            deleting = loop.run_in_executor(None, delete_as_another_worker)
            await asyncio.sleep(0.5)
            assert not deleting.done()  # it waits for the blob's lock (or, on SQLite, the write lock)
        return await deleting

    assert run(link_the_same_blob_while_it_deletes()) is True
    assert rows_of(mine) == [] and [row["sha256"] for row in rows_of(theirs)] == [stored.sha256]
    assert (settings.uploads_dir / blob_name(PDF)).read_bytes() == PDF


def test_a_sweep_removes_orphan_blobs_and_dead_partial_uploads_only(settings):
    draft = create_draft()
    kept = store(settings, draft)
    orphan = store(settings, draft, OTHER_PDF, field="statute")
    # A row going away without this module (an erased application) leaves its blob behind.
    run(Attachment.delete().where(Attachment.id == orphan.id))
    incoming = settings.uploads_dir / ".incoming"
    dead, alive = incoming / "upload-dead.part", incoming / "upload-alive.part"
    dead.write_bytes(b"%PDF-half")
    alive.write_bytes(b"%PDF-still-coming")
    day_ago = time.time() - 86_400
    os.utime(dead, (day_ago, day_ago))

    report = run(files.sweep_uploads(settings=settings))
    assert (report.blobs, report.partial_uploads) == (1, 1)
    assert stored_files(settings) == sorted([".incoming/upload-alive.part", blob_name(PDF)])
    assert run(files.attachments_of(application_id=draft.application_id))[0].sha256 == kept.sha256
    assert run(files.sweep_uploads(settings=settings)) == files.SweepReport(blobs=0, partial_uploads=0)


def test_cleaned_copies_follow_their_blob_out(settings):
    draft = create_draft()
    store(settings, draft)
    orphan = store(settings, draft, OTHER_PDF, field="statute")
    cleaned = settings.data_dir / "cleaned"
    names = sorted(path.name for path in cleaned.rglob("*") if path.is_file())
    assert len(names) == 4  # a cleaned copy and its report per content, made at upload
    run(Attachment.delete().where(Attachment.id == orphan.id))  # an orphan, as in the test above: written directly
    kept_digest = hashlib.sha256(PDF).hexdigest()
    older = cleaned / kept_digest[:2] / f"{kept_digest}.v0"  # made by an earlier version of the cleaner
    older.write_bytes(b"old")
    report = run(files.sweep_uploads(settings=settings))
    assert (report.blobs, report.cleaned_copies) == (1, 1)
    left = sorted({path.name.split(".")[0] for path in cleaned.rglob("*") if path.is_file()})
    assert left == [hashlib.sha256(PDF).hexdigest()]
    # Deleting through the applications service removes the cleaned copy with the blob.
    run(files.delete_attachment(settings=settings, application_id=draft.application_id, field="pitch_deck",
                                user_id=draft.applicant_id))
    assert [path for path in cleaned.rglob("*") if path.is_file()] == []
