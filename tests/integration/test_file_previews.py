"""Files shown in the browser: a PDF or an image opens inline in a sandbox, beside the juror's form; every other
kind is only downloaded; the same permission checks as the download, and a blind juror sees the cleaned copy."""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

from core.platform.tables import Attachment
from tests.conftest import csrf_token, run
from tests.factories import as_person
from tests.integration.test_blind_rounds import (
    EN,
    EXAMPLE,
    SLUG,
    account,
    blind_entry,
    open_call,
    redaction_form,
    start_application,
    upload,
)
from tests.unit.test_cleaning import every_byte, identifying_pdf
from tests.unit.test_files import minimal_docx, minimal_pdf

# The pitch deck may also be an image or a Word document here, so that every kind can be tried.
ANY_KIND = EXAMPLE.replace("code: pitch_deck, type: file, required: true, accept: [pdf]",
                           "code: pitch_deck, type: file, required: true, accept: [pdf, png, jpg, docx]")


def png(author: str = "") -> bytes:
    info = PngImagePlugin.PngInfo()
    if author:
        info.add_text("Author", author)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


def attachment_id() -> int:
    return run(Attachment.select(Attachment.id).first())["id"]


def assert_sandboxed_inline(response, filename: str) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-disposition"].startswith(f'inline; filename="{filename}"')
    policy = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    assert policy[0] == "sandbox"  # no allow-scripts, no allow-same-origin: nothing of the file runs
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert not any("script-src" in part for part in policy)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "no-store" in response.headers["cache-control"]


def test_the_applicant_previews_a_pdf_a_png_and_a_jpeg_inline_in_a_sandbox(client):
    open_call(ANY_KIND)
    application_id = start_application(client)
    for name, data, content_type in (("deck.pdf", minimal_pdf("Pitch"), "application/pdf"),
                                     ("deck.png", png(), "image/png"), ("deck.jpg", jpeg(), "image/jpeg")):
        assert upload(client, application_id, "pitch_deck", name, data, content_type).status_code == 302
        preview = client.get(f"/files/{attachment_id()}/preview")
        assert_sandboxed_inline(preview, name)
        assert preview.headers["content-type"] == content_type and preview.content == data
        download = client.get(f"/files/{attachment_id()}")
        assert download.headers["content-disposition"].startswith("attachment;") and download.content == data
    # The section offers both, the preview named for its question.
    section = client.get(f"/applications/{application_id}/sections/attachments", headers=EN).text
    assert f'href="/files/{attachment_id()}/preview" target="_blank"' in section
    assert f'href="/files/{attachment_id()}"' in section
    assert 'aria-label="Preview Pitch deck (PDF, up to 10 MB) (opens in a new tab)"' in section


def test_a_word_document_is_only_downloaded_never_shown_inline(client):
    open_call(ANY_KIND)
    application_id = start_application(client)
    assert upload(client, application_id, "pitch_deck", "deck.docx", minimal_docx(),
                  "application/octet-stream").status_code == 302
    refused = client.get(f"/files/{attachment_id()}/preview", headers=EN)
    assert refused.status_code == 409 and "cannot be shown in the browser" in refused.text
    assert "inline" not in refused.headers.get("content-disposition", "")
    download = client.get(f"/files/{attachment_id()}")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment;")
    section = client.get(f"/applications/{application_id}/sections/attachments", headers=EN).text
    assert "/preview" not in section


def test_a_stranger_gets_no_preview_and_an_organiser_gets_the_cleaned_one(client):
    open_call(ANY_KIND)
    application_id = start_application(client)
    assert upload(client, application_id, "pitch_deck", "deck.pdf", identifying_pdf(),
                  "application/pdf").status_code == 302
    file_id = attachment_id()
    account("someone@else.example", "applicant")
    as_person(client, "someone@else.example")
    assert client.get(f"/files/{file_id}/preview").status_code == 404
    account("olga@foundation.example", "organiser")
    as_person(client, "olga@foundation.example")
    preview = client.get(f"/files/{file_id}/preview")
    assert_sandboxed_inline(preview, "deck.pdf")
    assert b"app.alert" not in every_byte(preview.content)  # active content removed, as in the download
    assert preview.content == client.get(f"/files/{file_id}").content
    page = client.get(f"/organise/{SLUG}/applications/{application_id}", headers=EN).text
    assert f'href="/files/{file_id}/preview"' in page
    client.cookies.clear()
    assert client.get(f"/files/{file_id}/preview", follow_redirects=False).status_code in (302, 401)


def test_a_blind_juror_previews_the_cleaned_copy_and_another_juror_gets_nothing(client):
    entry = blind_entry(client)
    as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction/{entry.application_id}"
    assert client.post(page, data=redaction_form(client, page), follow_redirects=False).status_code == 302
    a = entry.assignment_id
    preview_path = f"/jury/assignments/{a}/files/pitch_deck/preview"

    as_person(client, "anna@jury.example")
    # Before the conflict check the entry, and so its files, stay closed.
    assert client.get(preview_path).status_code == 404
    token = csrf_token(client, f"/jury/assignments/{a}")
    assert client.post(f"/jury/assignments/{a}/conflict", data={"_csrf_token": token, "decision": "none"},
                       follow_redirects=False).status_code == 302
    preview = client.get(preview_path)
    assert_sandboxed_inline(preview, "pitch_deck.pdf")  # the neutral name of a blind round
    original = run(Attachment.select(Attachment.sha256).first())["sha256"]
    assert preview.headers["etag"].strip('"') != original
    assert b"app.alert" not in every_byte(preview.content) and b"Cooperativa Segreta" not in every_byte(
        preview.content)
    assert preview.content == client.get(f"/jury/assignments/{a}/files/pitch_deck").content
    entry_page = client.get(f"/jury/assignments/{a}", headers=EN).text
    label = "Pitch deck (PDF, up to 10 MB)"
    assert f'<iframe src="{preview_path}" title="{label}" loading="lazy"></iframe>' in entry_page
    assert f'href="{preview_path}" target="_blank"' in entry_page
    assert f'href="/jury/assignments/{a}/files/pitch_deck" aria-label="Download {label}"' in entry_page
    # Identifying files of a blind round have no preview either.
    assert client.get(f"/jury/assignments/{a}/files/statute/preview").status_code == 404

    account("bruno@jury.example", "juror")
    as_person(client, "bruno@jury.example")
    assert client.get(preview_path).status_code == 404
    assert client.get(f"/files/{run(Attachment.select(Attachment.id).first())['id']}/preview").status_code == 404
