"""Attachments: files an applicant adds to a draft (pitch deck, statute, CVs), stored by content hash.

A blob lives at `<uploads_dir>/<sha256[:2]>/<sha256>`, outside any static route, written once per
content whatever the number of applications pointing at it. Several workers share the directory, so
every write lands by atomic rename, and a blob is only put in place or removed while holding a lock
on its hash that the database shares between workers (SQLite's write lock, a PostgreSQL advisory
lock): a blob one request is removing can never be the one another request has just linked to.
A refused upload changes nothing: the field keeps its previous file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import anyio
from piccolo.engine.postgres import PostgresEngine

from core.applications import lifecycle
from core.platform import audit, db
from core.platform.downloads import Download
from core.platform.errors import NotFound, Refused
from core.platform.files_clean import CLEANER_VERSION, CleanReport, clean_file
from core.platform.files_content import (
    HEAD_BYTES,
    KINDS,
    ZIP_KINDS,
    ArchiveProblem,
    Kind,
    accepted_kinds,
    archive_problem,
    detect_kind,
    download_name,
    kind_of_content_type,
    preview_kind,
    sanitise_filename,
    sniff,
)
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Application, Attachment

__all__ = [
    "KINDS",
    "AttachmentInfo",
    "AttachmentNotFound",
    "CleanReport",
    "CleanedCopy",
    "Download",
    "FileWithheld",
    "Kind",
    "NotPreviewable",
    "StoredFile",
    "SweepReport",
    "UploadRejected",
    "accepted_kinds",
    "attachment_for_download",
    "attachments_of",
    "blob_path",
    "cleaned_copy",
    "cleaning_reports",
    "delete_attachment",
    "detect_kind",
    "download_name",
    "for_preview",
    "sanitise_filename",
    "store_checked_file",
    "store_upload",
    "sweep_uploads",
    "upload_limit",
]

log = logging.getLogger("giuria.files")

MEBIBYTE = 1024 * 1024
CHUNK_BYTES = 256 * 1024
INCOMING_DIR = ".incoming"  # temporary files, on the same file system as the blobs they become
CLEANED_DIR = "cleaned"  # under the data directory: cleaned copies by the original's hash, shared by workers
BLOB_LOCK_NAMESPACE = 0x66696C65  # "file": PostgreSQL advisory locks on a blob's hash
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
EDITABLE_STATUS = lifecycle.DRAFT  # what lifecycle.can_edit allows; a query needs the value


class UploadRejected(ValueError):
    """An upload or removal was refused and nothing changed; `code` is a message id for translation.

    Codes: too_large (`limit` in bytes), wrong_type (`expected` kinds, `found` kind or None),
    empty, not_editable, inflates_too_much (an office document unpacking past `limit` bytes), damaged.
    """

    def __init__(self, code: str, *, limit: int | None = None, expected: tuple[str, ...] = (),
                 found: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.limit = limit
        self.expected = tuple(expected)
        self.found = found

    @property
    def params(self) -> dict[str, Any]:
        """Values for the translated message: limit in MB (3 significant digits), kinds in capitals."""
        params: dict[str, Any] = {}
        if self.limit is not None:
            params["limit_mb"] = f"{self.limit / MEBIBYTE:.3g}"
        if self.expected:
            params["expected"] = ", ".join(kind.upper() for kind in self.expected)
        if self.found:
            params["found"] = self.found.upper()
        return params


class AttachmentNotFound(NotFound):
    """No such attachment or application for this person; answer 404 so that existence does not leak."""


class FileWithheld(Exception):
    """A blind reader asked for a file of which no safe copy could be made; `code` says why (encrypted…)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotPreviewable(Refused):
    """A file a browser may not show inline (not a PDF, PNG or JPEG by its bytes): it can only be downloaded."""


@dataclass(frozen=True)
class CleanedCopy:
    """A blob's cleaned copy (`path`, None when none could be made) and what cleaning removed."""

    report: CleanReport
    path: Path | None


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment as the rest of the platform sees it."""

    id: int
    application_id: int
    field: str
    filename: str
    kind: str | None
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class StoredFile(AttachmentInfo):
    """The attachment just stored; `replaced` when it took the place of an earlier file of its field."""

    replaced: bool = False


class AsyncReadable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


ViewRule = Callable[..., bool | Awaitable[bool]]


def upload_limit(*, max_mb: float | None, settings: Settings) -> int:
    """A field's size limit in bytes: its own `max_mb`, never above the platform's GIURIA_MAX_UPLOAD_MB."""
    ceiling = settings.max_upload_mb * MEBIBYTE
    return ceiling if max_mb is None else min(int(max_mb * MEBIBYTE), ceiling)


def blob_path(*, settings: Settings, sha256: str) -> Path:
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return settings.uploads_dir / sha256[:2] / sha256


# -- Services ----------------------------------------------------------------------------------------


async def store_upload(*, settings: Settings, application_id: int, field: str, filename: str,
                       stream: AsyncIterable[bytes] | AsyncReadable, accept: list[str] | tuple[str, ...],
                       max_bytes: int, user_id: int) -> StoredFile:
    """Attach a file to the applicant's draft, replacing the field's previous file.

    Only the applicant may, and only while the application is a draft. The file is read once, in
    chunks, into a temporary file; it is refused as soon as it passes the limit, and when its
    content is not a kind the field accepts, whatever its name says.
    """
    return await store_checked_file(
        settings=settings, application_id=application_id, field=field, filename=filename, stream=stream,
        accept=accept, max_bytes=max_bytes, user_id=user_id,
        precheck=lambda: _require_draft(application_id=application_id, user_id=user_id),
        claim=lambda: _claim_draft(application_id=application_id, user_id=user_id))


async def store_checked_file(*, settings: Settings, application_id: int, field: str, filename: str,
                             stream: AsyncIterable[bytes] | AsyncReadable, accept: list[str] | tuple[str, ...],
                             max_bytes: int, user_id: int, precheck: Callable[[], Awaitable[Any]],
                             claim: Callable[[], Awaitable[int]]) -> StoredFile:
    """Store a file of an application's field with every upload check, under the caller's rules.

    `precheck` runs before a byte is read (raise to refuse); `claim` runs inside the write transaction
    and returns the edition id for the audit log (raise to refuse). Drafts use it through `store_upload`,
    the mentoring path for milestone deliverables.
    """
    kinds = accepted_kinds(accept)
    if not field or len(field) > 80:
        raise ValueError(f"bad field code {field!r}")
    limit = min(max_bytes, settings.max_upload_mb * MEBIBYTE)
    if limit <= 0:
        raise ValueError("max_bytes must be positive")
    # Fail before reading a byte of a body that could never be kept.
    await precheck()

    incoming = await anyio.to_thread.run_sync(_Incoming, settings.uploads_dir / INCOMING_DIR)
    try:
        await _receive(stream, incoming, limit)
        if incoming.size == 0:
            raise UploadRejected("empty")
        sniffed = await anyio.to_thread.run_sync(incoming.sniff)
        if sniffed.kind not in kinds:
            raise UploadRejected("wrong_type", expected=kinds, found=sniffed.found)
        if sniffed.kind in ZIP_KINDS:
            problem: ArchiveProblem | None = await anyio.to_thread.run_sync(incoming.archive_problem)
            if problem is not None:
                raise UploadRejected(problem.code, limit=problem.limit or None)
        await anyio.to_thread.run_sync(incoming.finish)
        sha256 = incoming.sha256
        # Cleaned now, from the incoming file: the organiser learns of active content (JavaScript, launch
        # actions) from the audit log and the application page, and jurors never wait for it.
        cleaning = None if sniffed.kind == "txt" else await _clean_into_cache(
            settings=settings, source=incoming.path, sha256=sha256, kind=sniffed.kind)
        name = download_name(filename, sniffed.kind)
        target = blob_path(settings=settings, sha256=sha256)
        uploaded_at = datetime.now(UTC)
        placed = False
        try:
            async with db.write_transaction():
                edition_id = await claim()
                await _lock_blob(sha256)
                await anyio.to_thread.run_sync(_place_blob, incoming.path, target)
                placed = True
                attachment_id, previous = await _save_row(
                    application_id=application_id, field=field, values={
                        "filename": name, "content_type": sniffed.content_type, "size_bytes": incoming.size,
                        "sha256": sha256, "uploaded_by": user_id, "uploaded_at": uploaded_at})
                # No file name in the append-only log: it often carries a person's name (CV Mario Rossi.pdf).
                await audit.record(
                    "attachment.replaced" if previous else "attachment.added", actor_id=user_id,
                    edition_id=edition_id, subject_type="application", subject_id=application_id,
                    data={"field": field, "attachment": attachment_id, "kind": sniffed.kind,
                          "size_bytes": incoming.size, "sha256": sha256,
                          **({"previous_sha256": previous[0]} if previous else {}),
                          **({"active_content": cleaning.active} if cleaning and cleaning.active else {})},
                )
        except BaseException:
            if placed:
                with anyio.CancelScope(shield=True):
                    await _discard_if_unreferenced(settings=settings, sha256=sha256)
            raise
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(incoming.discard)

    for old in set(previous) - {sha256}:
        await _discard_if_unreferenced(settings=settings, sha256=old)
    return StoredFile(
        id=attachment_id, application_id=application_id, field=field, filename=name, kind=sniffed.kind,
        content_type=sniffed.content_type, size_bytes=incoming.size, sha256=sha256, uploaded_at=uploaded_at,
        replaced=bool(previous),
    )


async def delete_attachment(*, settings: Settings, application_id: int, field: str, user_id: int) -> bool:
    """Remove a field's file from the applicant's draft; False when the field had none."""
    async with db.write_transaction():
        edition_id = await _claim_draft(application_id=application_id, user_id=user_id)
        rows = await Attachment.select(Attachment.id, Attachment.sha256).where(
            (Attachment.application == application_id) & (Attachment.field == field))
        if rows:
            await Attachment.delete().where(Attachment.id.is_in([row["id"] for row in rows]))
            await audit.record("attachment.deleted", actor_id=user_id, edition_id=edition_id,
                               subject_type="application", subject_id=application_id,
                               data={"field": field, "attachment": rows[0]["id"], "sha256": rows[0]["sha256"]})
    for sha256 in {row["sha256"] for row in rows}:
        await _discard_if_unreferenced(settings=settings, sha256=sha256)
    return bool(rows)


async def attachments_of(*, application_id: int) -> list[AttachmentInfo]:
    """The application's attachments by field; the caller has already decided the reader may see it."""
    rows = await Attachment.select().where(Attachment.application == application_id).order_by(
        Attachment.field).order_by(Attachment.id)
    return [_info(row) for row in rows]


async def attachment_for_download(*, settings: Settings, attachment_id: int, user: SessionUser,
                                  can_view: ViewRule, blind: bool = False) -> Download:
    """The file behind an attachment, for someone `can_view(user=…, application_id=…)` lets see the entry.

    The rule comes from the caller (the applications service knows owners, organisers and assigned
    jurors); it may be sync or async. A denial looks exactly like a missing attachment. Anyone but the
    uploader gets the cleaned copy when the file carried active content (JavaScript, launch actions),
    and a `blind` reader always gets it: FileWithheld when no safe copy could be made.
    """
    row = await Attachment.select().where(Attachment.id == attachment_id).first()
    if row is None:
        raise AttachmentNotFound(attachment_id)
    allowed = can_view(user=user, application_id=row["application"])
    if inspect.isawaitable(allowed):
        allowed = await allowed
    if allowed is not True:
        raise AttachmentNotFound(attachment_id)
    path = blob_path(settings=settings, sha256=row["sha256"])
    if not await anyio.Path(path).is_file():
        # The row says the file exists: its absence is lost data, an operator's problem, not a 404.
        raise FileNotFoundError(f"attachment {attachment_id}: blob {path} is missing")
    found = Download(path=path, download_name=row["filename"], content_type=row["content_type"],
                     size=row["size_bytes"], sha256=row["sha256"])
    if row["uploaded_by"] == user.id and not blind:
        return found
    return await _reader_copy(settings=settings, found=found, blind=blind)


async def for_preview(found: Download) -> Download:
    """The file a permission check has just handed out, when a browser may show it inline: its stored type and
    its leading bytes both say PDF, PNG or JPEG. Anything else is only downloaded (NotPreviewable)."""
    head = await anyio.to_thread.run_sync(_head, found.path)
    if preview_kind(head, found.content_type) is None:
        raise NotPreviewable(_("This kind of file cannot be shown in the browser: download it instead."))
    return found


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_BYTES)


async def _reader_copy(*, settings: Settings, found: Download, blind: bool) -> Download:
    kind = kind_of_content_type(found.content_type)
    if kind is None or kind == "txt":
        return found  # nothing in plain text but the text itself
    cleaned = await cleaned_copy(settings=settings, sha256=found.sha256, kind=kind)
    if cleaned.path is None:
        if blind:
            raise FileWithheld(cleaned.report.error)
        return found  # unreadable to the cleaner: nothing was found to remove either
    if not blind and not cleaned.report.active:
        return found
    return dataclasses.replace(found, path=cleaned.path, size=cleaned.report.size, sha256=cleaned.report.sha256)


async def cleaned_copy(*, settings: Settings, sha256: str, kind: str) -> CleanedCopy:
    """The blob's cleaned copy and its report, made once per content and kept for every worker."""
    data_path, report_path = _cleaned_paths(settings, sha256)
    cached = await anyio.to_thread.run_sync(_cached_cleaning, data_path, report_path)
    if cached is not None:
        return cached
    report = await _clean_into_cache(settings=settings, source=blob_path(settings=settings, sha256=sha256),
                                     sha256=sha256, kind=kind, quiet=False)
    return CleanedCopy(report=report, path=None if report.error else data_path)


async def cleaning_reports(*, settings: Settings, application_id: int) -> dict[str, CleanReport]:
    """What cleaning removes from each of the application's files, by field; the caller has checked the reader."""
    reports = {}
    for info in await attachments_of(application_id=application_id):
        if info.kind is None or info.kind == "txt":
            continue
        try:
            reports[info.field] = (await cleaned_copy(settings=settings, sha256=info.sha256, kind=info.kind)).report
        except FileNotFoundError:
            log.error("attachment %s: blob %s is missing", info.id, info.sha256)
    return reports


def _cleaned_paths(settings: Settings, sha256: str) -> tuple[Path, Path]:
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    data = settings.data_dir / CLEANED_DIR / sha256[:2] / f"{sha256}.v{CLEANER_VERSION}"
    return data, data.with_name(data.name + ".json")


def _cached_cleaning(data_path: Path, report_path: Path) -> CleanedCopy | None:
    try:
        report = CleanReport.from_json(json.loads(report_path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError, TypeError, KeyError):
        return None
    if report.version != CLEANER_VERSION:
        return None
    if report.error:
        return CleanedCopy(report=report, path=None)
    return CleanedCopy(report=report, path=data_path) if data_path.is_file() else None


async def _clean_into_cache(*, settings: Settings, source: Path, sha256: str, kind: str,
                            quiet: bool = True) -> CleanReport | None:
    """Clean `source` (the blob or the upload on its way in) into the cache; at upload a failure is only logged."""
    data_path, report_path = _cleaned_paths(settings, sha256)
    try:
        return await anyio.to_thread.run_sync(_clean_sync, source, kind, data_path, report_path)
    except Exception:
        if not quiet:
            raise
        log.exception("could not clean %s (%s)", sha256, kind)
        return None


def _clean_sync(source: Path, kind: str, data_path: Path, report_path: Path) -> CleanReport:
    """Two workers may clean the same content at once: each renames a complete file into place, the same bytes."""
    data_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="clean-", suffix=".part", dir=data_path.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        report = clean_file(source, temporary, kind)
        if not report.error:
            os.chmod(temporary, 0o640)
            os.replace(temporary, data_path)
        descriptor, name = tempfile.mkstemp(prefix="clean-", suffix=".part", dir=data_path.parent)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(report.to_json(), file, ensure_ascii=False)
        os.replace(name, report_path)
    finally:
        temporary.unlink(missing_ok=True)
    return report


@dataclass(frozen=True)
class SweepReport:
    """What a sweep removed."""

    blobs: int
    partial_uploads: int
    cleaned_copies: int = 0


async def sweep_uploads(*, settings: Settings, partial_older_than: timedelta = timedelta(hours=6)) -> SweepReport:
    """Remove blobs nothing points at and temporary files a dead worker left; safe while uploads go on.

    Blobs lose their last row outside this module too (an application erased, a crash between the
    rename and the commit). Each candidate is checked again under its lock, so a blob another
    worker is linking right now stays.
    """
    on_disk = await anyio.to_thread.run_sync(_blobs_on_disk, settings.uploads_dir)
    referenced = {row["sha256"] for row in await Attachment.select(Attachment.sha256).distinct()}
    blobs = 0
    for sha256 in sorted(on_disk - referenced):
        blobs += await _discard_if_unreferenced(settings=settings, sha256=sha256)
    cutoff = datetime.now(UTC) - partial_older_than
    partial = await anyio.to_thread.run_sync(_remove_partial_uploads, settings.uploads_dir / INCOMING_DIR, cutoff)
    cleaned = await anyio.to_thread.run_sync(_remove_stale_cleanings, settings.data_dir / CLEANED_DIR, referenced,
                                             cutoff)
    return SweepReport(blobs=blobs, partial_uploads=partial, cleaned_copies=cleaned)


async def _save_row(*, application_id: int, field: str, values: dict[str, Any]) -> tuple[int, list[str]]:
    """Point the field at its new file, keeping the row (and its id) when there was one; returns the old hashes."""
    previous = await Attachment.select(Attachment.id, Attachment.sha256).where(
        (Attachment.application == application_id) & (Attachment.field == field)).order_by(Attachment.id)
    if not previous:
        inserted = await Attachment.insert(Attachment(application=application_id, field=field, **values))
        return inserted[0]["id"], []
    attachment_id = previous[0]["id"]
    await Attachment.update(values).where(Attachment.id == attachment_id)
    if len(previous) > 1:  # never made here; heal rather than let a field keep two files
        await Attachment.delete().where(Attachment.id.is_in([row["id"] for row in previous[1:]]))
    return attachment_id, [row["sha256"] for row in previous]


# -- Rules and locks ---------------------------------------------------------------------------------


async def _require_draft(*, application_id: int, user_id: int) -> int:
    """The edition of the applicant's own draft; someone else's application reads as missing."""
    row = await Application.select(Application.applicant, Application.status, Application.edition).where(
        Application.id == application_id).first()
    if row is None or row["applicant"] != user_id:
        raise AttachmentNotFound(application_id)
    if not lifecycle.can_edit(row["status"]):
        raise UploadRejected("not_editable")
    return row["edition"]


async def _claim_draft(*, application_id: int, user_id: int) -> int:
    """Inside the write transaction, touch the draft: the row lock makes a concurrent submit wait or win."""
    rows = await Application.update({Application.updated_at: datetime.now(UTC)}).where(
        (Application.id == application_id) & (Application.applicant == user_id)
        & (Application.status == EDITABLE_STATUS)
    ).returning(Application.edition)
    if rows:
        return rows[0]["edition"]
    await _require_draft(application_id=application_id, user_id=user_id)
    raise UploadRejected("not_editable")  # changed between the two statements; it is not a draft now


async def _lock_blob(sha256: str) -> None:
    """Serialise placing and removing one blob across workers, until the transaction ends."""
    engine = db.engine()
    if isinstance(engine, PostgresEngine):
        key = int(sha256[:7], 16)  # fits a signed int4; a collision only makes two uploads wait in turn
        await engine.run_ddl(f"SELECT pg_advisory_xact_lock({BLOB_LOCK_NAMESPACE}, {key})")
    # SQLite: write_transaction() already holds the database's single write lock.


async def _discard_if_unreferenced(*, settings: Settings, sha256: str) -> bool:
    """Remove a blob no attachment points at any more; a failure leaves garbage, never a dangling row."""
    try:
        async with db.write_transaction():
            await _lock_blob(sha256)
            if await Attachment.exists().where(Attachment.sha256 == sha256):
                return False
            await anyio.Path(blob_path(settings=settings, sha256=sha256)).unlink(missing_ok=True)
            for path in _cleaned_paths(settings, sha256):
                await anyio.Path(path).unlink(missing_ok=True)
            return True
    except Exception:
        log.exception("could not remove unreferenced blob %s", sha256)
        return False


# -- Bytes on disk -----------------------------------------------------------------------------------


async def _receive(stream: AsyncIterable[bytes] | AsyncReadable, incoming: _Incoming, limit: int) -> None:
    async for chunk in _chunks(stream):
        if incoming.size + len(chunk) > limit:
            raise UploadRejected("too_large", limit=limit)
        await anyio.to_thread.run_sync(incoming.write, chunk)


async def _chunks(stream: AsyncIterable[bytes] | AsyncReadable):
    read = getattr(stream, "read", None)
    if read is not None:
        while chunk := await read(CHUNK_BYTES):
            yield chunk
    else:
        async for chunk in stream:
            if chunk:
                yield chunk


class _Incoming:
    """An upload on its way in: a private temporary file beside the blobs, hashed as it is written."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=directory)
        self.path = Path(name)
        self.file: BinaryIO = os.fdopen(descriptor, "w+b")
        self.size = 0
        self._hash = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def sniff(self):
        self.file.flush()
        return sniff(self.file)

    def archive_problem(self) -> ArchiveProblem | None:
        self.file.flush()
        return archive_problem(self.file)

    def finish(self) -> None:
        """Make the bytes durable before any row can point at them."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.path, 0o640)

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


def _place_blob(source: Path, target: Path) -> None:
    """Rename into place: readers see the old complete file or the new complete file, never a part."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # not supported on every file system; the rename itself is still atomic
    finally:
        os.close(descriptor)


def _blobs_on_disk(uploads_dir: Path) -> set[str]:
    if not uploads_dir.is_dir():
        return set()
    return {path.name for path in uploads_dir.glob("??/*")
            if SHA256_HEX.fullmatch(path.name) and path.parent.name == path.name[:2]}


def _remove_partial_uploads(directory: Path, cutoff: datetime) -> int:
    """Temporary files untouched since `cutoff`: every chunk written bumps the time, so these are dead."""
    removed = 0
    if not directory.is_dir():
        return removed
    for path in directory.glob("upload-*.part"):
        try:
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # finished or discarded meanwhile
    return removed


def _remove_stale_cleanings(directory: Path, referenced: set[str], cutoff: datetime) -> int:
    """Cleaned copies (and their reports) of contents no attachment uses, of an older cleaner, or left half-made."""
    removed = 0
    if not directory.is_dir():
        return removed
    current = f"v{CLEANER_VERSION}"
    for path in directory.glob("??/*"):
        name = path.name
        try:
            if name.endswith(".part"):
                if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                    path.unlink()
                    removed += 1
                continue
            sha256, _dot, version = name.partition(".")
            if sha256 not in referenced or version.removesuffix(".json") != current:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _info(row: dict[str, Any]) -> AttachmentInfo:
    return AttachmentInfo(
        id=row["id"], application_id=row["application"], field=row["field"], filename=row["filename"],
        kind=kind_of_content_type(row["content_type"]), content_type=row["content_type"],
        size_bytes=row["size_bytes"], sha256=row["sha256"], uploaded_at=row["uploaded_at"],
    )
