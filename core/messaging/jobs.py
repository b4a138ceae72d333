"""Long operations as jobs in the database: queued by a request, claimed by exactly one worker, progress visible.

Any worker process (the web app's background loop, or `giuria jobs run`) may run jobs. Jobs are a
`core.messaging.queue.Queue`: a claim moves a queued job to running with an UPDATE that checks it is
still claimable, so of two workers racing for a job only one gets it. A running job keeps a heartbeat
(its lease); one whose heartbeat stopped (its worker died) is claimable again, up to MAX_ATTEMPTS. CPU
work runs in a thread, so the worker's event loop keeps serving other people while a ticker writes
progress and heartbeat.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import shutil
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio

from core.editions.access import may_organise
from core.messaging import queue
from core.platform.downloads import Download
from core.platform.errors import NotFound
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Edition, Job

log = logging.getLogger("giuria.jobs")

QUEUED, RUNNING, DONE, FAILED = queue.QUEUED, "running", "done", queue.FAILED
LEASE = timedelta(minutes=10)
HEARTBEAT_SECONDS = 1.0
MAX_ATTEMPTS = 3


def _claimable(now: datetime):
    stale = now - LEASE
    return (Job.status == QUEUED) | ((Job.status == RUNNING) & (Job.heartbeat_at < stale))


JOBS = queue.Queue(
    table=Job, due=_claimable, held_status=RUNNING, log=log, label="job",
    take=lambda now: {Job.status: RUNNING, Job.started_at: now, Job.heartbeat_at: now, Job.progress: 0,
                      Job.error: ""})


class JobNotFound(NotFound):
    """No such job, or not this person's to see."""


@dataclass(frozen=True)
class JobView:
    """A job as its pages show it."""

    id: int
    kind: str
    edition_id: int | None
    params: dict[str, Any]
    status: str
    progress: int
    result: dict[str, Any]
    file_name: str
    content_type: str
    error: str
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)

    @property
    def done(self) -> bool:
        return self.status == DONE

    @property
    def failed(self) -> bool:
        return self.status == FAILED


class Progress:
    """Set by the work (often in a thread), written to the database by the runner's ticker."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self.value = 0
        self._on_change = on_change

    def __call__(self, done: int, total: int) -> None:
        """A callback in the shape scoring's `progress` arguments use: `done` of `total` steps."""
        self.set(100 * done / total if total else 0)

    def set(self, percent: float) -> None:
        value = max(self.value, min(99, int(percent)))  # 100 means finished, which only the runner says
        if value != self.value:
            self.value = value
            if self._on_change is not None:
                self._on_change()


@dataclass(frozen=True)
class JobContext:
    """What a handler receives: plain values, never a row."""

    id: int
    kind: str
    edition_id: int | None
    params: dict[str, Any]
    settings: Settings
    progress: Progress
    created_by: int | None


@dataclass(frozen=True)
class JobOutcome:
    """What a handler returns: a small JSON result and, for exports, a file: its `content`, or the `path` of a file
    the handler wrote, which the job takes over."""

    result: dict[str, Any] = field(default_factory=dict)
    content: bytes | None = None
    file_name: str = ""
    content_type: str = ""
    path: Path | None = None


Handler = Callable[[JobContext], Awaitable[JobOutcome]]


# Filled when the module that owns a job kind is imported (code, the same in every worker; not state).
_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Declare the coroutine that does the work of jobs of this kind; the packages above register theirs."""
    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler
    return register


def handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def _view(row: dict[str, Any]) -> JobView:
    return JobView(
        id=row["id"], kind=row["kind"], edition_id=row["edition"], params=row["params"] or {},
        status=row["status"], progress=row["progress"], result=row["result"] or {},
        file_name=row["file_name"], content_type=row["content_type"], error=row["error"], attempts=row["attempts"],
        created_at=row["created_at"], started_at=row["started_at"], finished_at=row["finished_at"],
    )


# -- Queueing -----------------------------------------------------------------------------------

_runners = queue.Wakers()


async def enqueue_job(*, kind: str, edition_id: int | None, params: dict[str, Any],
                      created_by: int | None) -> JobView:
    """Queue a job, unless the same one is already queued or running (a second click joins the first)."""
    if kind not in handlers():
        raise ValueError(f"no handler for job kind {kind!r}")
    existing = await latest_job(kind=kind, edition_id=edition_id, params=params, statuses=(QUEUED, RUNNING))
    if existing is not None:
        return existing
    rows = await Job.insert(Job(kind=kind, edition=edition_id, params=params, status=QUEUED, progress=0,
                                created_by=created_by, created_at=datetime.now(UTC)))
    _runners.wake()
    return await _get(rows[0]["id"])


async def _get(job_id: int) -> JobView:
    row = await Job.select().output(load_json=True).where(Job.id == job_id).first()
    if row is None:
        raise JobNotFound(job_id)
    return _view(row)


async def latest_job(*, kind: str, edition_id: int | None, params: dict[str, Any],
                     statuses: tuple[str, ...] = (QUEUED, RUNNING, DONE, FAILED)) -> JobView | None:
    """The newest job of this kind, edition and exact params, among `statuses`."""
    query = Job.select().output(load_json=True).where(Job.kind == kind, Job.status.is_in(list(statuses)))
    query = query.where(Job.edition.is_null()) if edition_id is None else query.where(Job.edition == edition_id)
    for row in await query.order_by(Job.id, ascending=False).limit(200):
        if (row["params"] or {}) == params:
            return _view(row)
    return None


async def recent_jobs(*, kind: str, edition_id: int, limit: int = 10) -> tuple[JobView, ...]:
    rows = await Job.select().output(load_json=True).where(Job.kind == kind, Job.edition == edition_id).order_by(
        Job.id, ascending=False).limit(limit)
    return tuple(_view(row) for row in rows)


# -- Claiming and running -----------------------------------------------------------------------


async def claim_next(*, now: datetime | None = None) -> dict[str, Any] | None:
    """Take the oldest claimable job for this worker; None when there is none (or others took them all)."""
    claimed = await JOBS.claim(limit=1, now=now or datetime.now(UTC))
    return claimed[0] if claimed else None


async def _tick(row: dict[str, Any], progress: Progress, changed: asyncio.Event, seconds: float) -> None:
    """Write the heartbeat every `seconds`, and the progress as soon as it changes."""
    written = -1
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout=seconds)
        changed.clear()
        values: dict = {Job.heartbeat_at: datetime.now(UTC)}
        if progress.value != written:
            values[Job.progress] = progress.value
        try:
            await Job.update(values).where(JOBS.held(row))
            written = progress.value
        except Exception:  # a hiccup in the heartbeat must not kill the work it reports on
            log.exception("job %s: progress could not be written", row["id"])


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _write_file(directory: Path, name: str, content: bytes | Path) -> tuple[Path, int, str]:
    """The job's file in its folder (bytes written, or a file moved there), with its size and SHA-256."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (SAFE_NAME.sub("_", name).lstrip(".") or "result")
    temporary = path.with_suffix(path.suffix + ".part")
    if isinstance(content, Path):
        shutil.move(content, temporary)
    else:
        temporary.write_bytes(content)
    digest = hashlib.sha256()
    with temporary.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    temporary.replace(path)
    return path, path.stat().st_size, digest.hexdigest()


async def run_job(row: dict[str, Any], *, settings: Settings, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> JobView:
    """Run one claimed job to its end, recording success or the error; never raises for the job's own faults."""
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def wake() -> None:
        with suppress(RuntimeError):  # the loop closed while a thread still reported
            loop.call_soon_threadsafe(changed.set)

    progress = Progress(on_change=wake)
    context = JobContext(id=row["id"], kind=row["kind"], edition_id=row["edition"],
                         params=row["params"] or {}, settings=settings, progress=progress,
                         created_by=row["created_by"])
    handler = handlers().get(row["kind"])
    ticker = asyncio.create_task(_tick(row, progress, changed, heartbeat_seconds),
                                 name=f"giuria-job-{row['id']}-ticker")
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {row['kind']!r}")
        if row["attempts"] > MAX_ATTEMPTS:
            raise RuntimeError(f"gave up after {MAX_ATTEMPTS} attempts")
        outcome = await handler(context)
        values: dict = {Job.status: DONE, Job.progress: 100, Job.finished_at: datetime.now(UTC),
                        Job.heartbeat_at: datetime.now(UTC)}
        result = dict(outcome.result)
        content = outcome.path if outcome.path is not None else outcome.content
        if content is not None:
            path, result["size"], result["sha256"] = await anyio.to_thread.run_sync(
                _write_file, settings.data_dir / "jobs" / str(row["id"]), outcome.file_name, content)
            values.update({Job.file_path: str(path), Job.file_name: outcome.file_name,
                           Job.content_type: outcome.content_type})
        values[Job.result] = result
    except Exception as error:
        log.exception("job %s (%s) failed", row["id"], row["kind"])
        values = {Job.status: FAILED, Job.error: f"{type(error).__name__}: {error}"[:2000],
                  Job.finished_at: datetime.now(UTC)}
    finally:
        ticker.cancel()
        with suppress(asyncio.CancelledError):
            await ticker
    await JOBS.settle(row, values)
    return await _get(row["id"])


async def run_pending(*, settings: Settings, limit: int | None = None,
                      heartbeat_seconds: float = HEARTBEAT_SECONDS) -> int:
    """Claim and run jobs until none is left (or `limit` ran); returns how many this worker ran."""
    ran = 0
    while limit is None or ran < limit:
        row = await claim_next()
        if row is None:
            break
        await run_job(row, settings=settings, heartbeat_seconds=heartbeat_seconds)
        ran += 1
    return ran


async def run_runner(*, settings: Settings, stop: asyncio.Event, interval_seconds: float | None = None) -> None:
    """Run due jobs every few seconds, and soon after this process queues one, until `stop` is set."""
    interval = interval_seconds if interval_seconds is not None else settings.job_interval_seconds

    async def one_job() -> bool:
        await run_pending(settings=settings, limit=1)
        return False  # one job per pass: the next waits for the interval or a wake-up

    await queue.run_loop(one_job, stop=stop, interval=interval, log=log, name="job runner", wakers=_runners)


# -- Reading, for the edition's organisers --------------------------------------------------------


async def job_for_organiser(*, actor: SessionUser, edition_slug: str, job_id: int) -> JobView:
    """A job of an edition `actor` organises; JobNotFound otherwise."""
    if not may_organise(actor, edition_slug):
        raise JobNotFound(job_id)
    edition = await Edition.select(Edition.id).where(Edition.slug == edition_slug).first()
    row = await Job.select().output(load_json=True).where(Job.id == job_id).first()
    if edition is None or row is None or row["edition"] != edition["id"]:
        raise JobNotFound(job_id)
    return _view(row)


async def job_file(*, actor: SessionUser, edition_slug: str, job_id: int) -> Download:
    """The file a finished export job produced, for the same readers as the job."""
    job = await job_for_organiser(actor=actor, edition_slug=edition_slug, job_id=job_id)
    row = await Job.select(Job.file_path).where(Job.id == job_id).first()
    if not job.done or not row or not row["file_path"] or not await anyio.Path(row["file_path"]).is_file():
        raise JobNotFound(job_id)
    return Download(path=Path(row["file_path"]), download_name=job.file_name, content_type=job.content_type,
                    size=int(job.result.get("size", 0)), sha256=str(job.result.get("sha256", "")))
