"""Exports of an edition for its organisers: tables as CSV and XLSX, and the deliberation record (verbale) as PDF.

Every table export reads its rows from the database in batches (ranges of application ids, so that the order is
the same as one query's) and writes each batch, in a worker thread, into a file under the data folder before reading
the next: a round of a million scores never sits in memory whole. Large ones (settings.large_export_rows) are
offered as background jobs; small ones download at once. Only the edition's organisers (and admins) may build them.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import anyio
from piccolo.query.functions.aggregate import Count, Min

from core.applications import lifecycle
from core.editions.access import EditionNotFound, may_organise
from core.messaging import jobs
from core.platform import audit, i18n
from core.platform.documents.tabular import CsvWriter, XlsxWriter
from core.platform.errors import NotFound
from core.platform.i18n import gettext as _
from core.platform.i18n import pick
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Account, Application, CriterionScore, Decision, Edition, Round
from scoring.disclosure import MIN_CELL

# The ranking and the verbale load the maths, the charts and the PDF when they are built: an export of tables (or a
# worker that runs one) does without numpy, scipy and matplotlib.

TABLES = ("applications", "scores-long", "scores-wide", "rankings", "decisions")
ROUND_EXPORTS = ("scores-long", "scores-wide", "rankings", "verbale")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
JOB_KIND = "export"
SAFE = re.compile(r"[^A-Za-z0-9_-]+")
# Rows read and written at a time: a few MB of rows in memory, and few enough queries.
BATCH_ROWS = 10_000


class ExportNotFound(NotFound):
    """No such export (edition, round, kind or format), or not this person's to build."""


@dataclass(frozen=True)
class ExportFile:
    """A built export: a file of the data folder that the caller sends or keeps, then removes."""

    file_name: str
    content_type: str
    path: Path


@dataclass(frozen=True)
class Table:
    """One table of an export: its header, and its rows in batches, read as they are written."""

    title: str
    columns: Sequence[str]
    batches: AsyncIterator[Sequence[Sequence[Any]]]
    chart: TableChart | None = None


@dataclass(frozen=True)
class TableChart:
    """Bars a workbook draws beside its table: 1-based columns of the categories and of the values."""

    title: str
    categories: int
    values: tuple[int, ...]
    value_label: str = ""


@dataclass(frozen=True)
class ExportRound:
    code: str
    name: dict[str, str]
    scored: bool


@dataclass(frozen=True)
class ExportMenu:
    edition_id: int
    slug: str
    rounds: tuple[ExportRound, ...]
    rows: int
    large: bool
    jobs: tuple[jobs.JobView, ...]


def valid(what: str, fmt: str) -> bool:
    return (what in TABLES and fmt in ("csv", "xlsx")) or (what == "verbale" and fmt == "pdf")


def file_name(slug: str, what: str, fmt: str, round_code: str | None) -> str:
    parts = [slug, what] + ([round_code] if round_code and what in ROUND_EXPORTS else [])
    return "-".join(SAFE.sub("_", part) for part in parts) + f".{fmt}"


async def _edition(actor: SessionUser, edition_slug: str) -> dict[str, Any]:
    if not may_organise(actor, edition_slug):
        raise ExportNotFound(edition_slug)
    row = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.time_zone).output(load_json=True).where(
        Edition.slug == edition_slug).first()
    if row is None:
        raise ExportNotFound(edition_slug)
    return row


async def _estimated_rows(edition_id: int) -> int:
    applications = await Application.count().where(Application.edition == edition_id)
    scores = await CriterionScore.count().where(CriterionScore.review.assignment.round.edition == edition_id)
    return applications + scores


async def export_menu(*, actor: SessionUser, edition_slug: str, settings: Settings) -> ExportMenu:
    """What the exports page offers: the rounds, and whether the edition is large enough for background jobs."""
    edition = await _edition(actor, edition_slug)
    rounds = await Round.select(Round.code, Round.name, Round.workflow, Round.kind).output(load_json=True).where(
        Round.edition == edition["id"]).order_by(Round.position)
    rows = await _estimated_rows(edition["id"])
    recent = await jobs.recent_jobs(kind=JOB_KIND, edition_id=edition["id"])
    return ExportMenu(
        edition_id=edition["id"], slug=edition["slug"],
        rounds=tuple(ExportRound(code=r["code"], name=r["name"] or {},
                                 scored=r["kind"] not in ("admissibility", "mentoring")) for r in rounds),
        rows=rows, large=rows >= settings.large_export_rows, jobs=recent)


async def build_export(*, actor: SessionUser, edition_slug: str, what: str, fmt: str, round_code: str | None,
                       language: str, settings: Settings, batch_rows: int = BATCH_ROWS) -> ExportFile:
    """Build one export now into a file of the data folder, for the caller to send and remove; who exported what is
    audited."""
    edition = await _edition(actor, edition_slug)
    built = await _build(edition, what=what, fmt=fmt, round_code=round_code, language=language, settings=settings,
                         batch_rows=batch_rows)
    await audit.record("export.downloaded", actor_id=actor.id, edition_id=edition["id"], subject_type="edition",
                       subject_id=edition["id"], data={"what": what, "format": fmt, "round": round_code})
    return built


async def request_export(*, actor: SessionUser, edition_slug: str, what: str, fmt: str, round_code: str | None,
                         language: str) -> jobs.JobView:
    """Queue an export as a background job (or join the same one already queued)."""
    edition = await _edition(actor, edition_slug)
    if not valid(what, fmt):
        raise ExportNotFound(what)
    if what in ROUND_EXPORTS:
        await _round_row(edition, round_code)
    params = {"what": what, "format": fmt, "round": round_code if what in ROUND_EXPORTS else None,
              "language": language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE}
    job = await jobs.enqueue_job(kind=JOB_KIND, edition_id=edition["id"], created_by=actor.id, params=params)
    await audit.record("export.requested", actor_id=actor.id, edition_id=edition["id"], subject_type="job",
                       subject_id=job.id, data=params)
    return job


@jobs.handles(JOB_KIND)
async def _export_job(context: jobs.JobContext) -> jobs.JobOutcome:
    edition = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.time_zone).output(
        load_json=True).where(Edition.id == context.edition_id).first()
    if edition is None:
        raise ExportNotFound(context.edition_id)
    params = context.params
    context.progress.set(5)
    built = await _build(edition, what=params["what"], fmt=params["format"], round_code=params.get("round"),
                         language=params.get("language", "it"), settings=context.settings, progress=context.progress)
    return jobs.JobOutcome(result={"what": params["what"]}, path=built.path, file_name=built.file_name,
                           content_type=built.content_type)


# -- Building ---------------------------------------------------------------------------------------


async def _round_row(edition: dict[str, Any], round_code: str | None) -> dict[str, Any]:
    row = await Round.select(Round.id, Round.code).where(Round.edition == edition["id"],
                                                         Round.code == (round_code or "")).first()
    if row is None:
        raise ExportNotFound(round_code)
    return row


def _local(value: datetime | None, zone: str) -> datetime | None:
    return value.astimezone(ZoneInfo(zone)).replace(microsecond=0) if value else None


def _local_by_review(zone: str) -> Callable[[int, datetime | None], datetime | None]:
    """_local of a review's submission time, converted once for the review's consecutive scores: a million scores
    hold a fifth as many reviews, and the conversion was a quarter of a CSV's CPU."""
    last: list[Any] = [None, None]

    def local(review: int, value: datetime | None) -> datetime | None:
        if last[0] != review:
            last[0], last[1] = review, _local(value, zone)
        return last[1]

    return local


async def _build(edition: dict[str, Any], *, what: str, fmt: str, round_code: str | None, language: str,
                 settings: Settings, progress: jobs.Progress | None = None, batch_rows: int = BATCH_ROWS) -> ExportFile:
    if not valid(what, fmt):
        raise ExportNotFound(what)
    language = language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    round_row = await _round_row(edition, round_code) if what in ROUND_EXPORTS else None
    folder = settings.data_dir / "exports"
    await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as file, i18n.language(language):
            if what == "verbale":
                content = await _verbale(edition, round_row, settings=settings, progress=progress)
                await anyio.to_thread.run_sync(file.write, content)
            else:
                tables = await _TABLES[what](edition, round_row, settings, progress, batch_rows)
                await _write(file, fmt, tables, progress)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return ExportFile(file_name=file_name(edition["slug"], what, fmt, round_row["code"] if round_row else None),
                      content_type=FORMATS[fmt], path=path)


async def _write(file: BinaryIO, fmt: str, tables: list[Table], progress: jobs.Progress | None) -> None:
    """Each batch is written in a worker thread as soon as it is read; a CSV holds the first table only."""
    run = anyio.to_thread.run_sync
    if fmt == "csv":
        writer = CsvWriter(file, tables[0].columns)
        async for batch in tables[0].batches:
            await run(writer.write, batch)
        writer.close()
    else:
        workbook = XlsxWriter()
        for table in tables:
            started = False
            async for batch in table.batches:
                if started:
                    await run(workbook.write, batch)
                else:  # the first batch sizes the columns
                    await run(workbook.sheet, table.title, table.columns, batch)
                    started = True
            if not started:
                await run(workbook.sheet, table.title, table.columns, [])
            if table.chart is not None:
                chart = table.chart
                await run(lambda chart=chart: workbook.chart_of_sheet(
                    title=chart.title, categories=chart.categories, values=chart.values,
                    value_label=chart.value_label))
        await run(workbook.save, file)
    if progress is not None:
        progress.set(95)


async def _one_batch(rows: Sequence[Sequence[Any]]) -> AsyncIterator[Sequence[Sequence[Any]]]:
    yield rows


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


# An application's status as people read it (the same words as the pages').
STATUS_TEXT = {
    lifecycle.DRAFT: N_("Draft"), lifecycle.SUBMITTED: N_("Submitted"), lifecycle.WITHDRAWN: N_("Withdrawn"),
    lifecycle.ADMISSIBLE: N_("Admissible"), lifecycle.NOT_ADMISSIBLE: N_("Not admissible"),
    lifecycle.IN_ROUND: N_("Being judged"), lifecycle.ADVANCED: N_("Advanced"),
    lifecycle.NOT_ADVANCED: N_("Not advanced"), lifecycle.FINALIST: N_("Finalist"), lifecycle.WINNER: N_("Winner"),
    lifecycle.NOT_WINNER: N_("Not among the winners"),
}


@dataclass(frozen=True)
class _AnswerColumn:
    """A column of form answers: a question's answer as read, or the code of the choice made."""

    question: Any
    header: str
    code: bool = False


def _answer_columns(form: Any) -> list[_AnswerColumn]:
    """One column per question of the form, headed by its label; a choice question gets its code beside it.
    Files are not answers a table can hold, and the questions kept in columns of their own come first already."""
    from core.applications.form import COLUMN_QUESTIONS, sections_of

    columns = []
    for section in sections_of(form or []):
        for question in section.questions:
            if question.type == "file" or question.code in COLUMN_QUESTIONS:
                continue
            header = pick(question.label) or question.code
            columns.append(_AnswerColumn(question, header))
            if question.type == "single_choice":
                columns.append(_AnswerColumn(question, f"{header} – {_('Code')}", code=True))
    return columns


def _answer(column: _AnswerColumn, value: Any) -> Any:
    """An answer as the reader reads it: a choice by its label, yes/no in words, a table's rows one a line."""
    question = column.question
    if value is None or value == "" or column.code:
        return value
    if question.type == "single_choice":
        labels = {c.code: pick(c.label) for c in question.choices}
        return labels.get(value, value)
    if question.type == "yes_no" and isinstance(value, bool):
        return _("Yes") if value else _("No")
    if question.type == "table" and isinstance(value, list):
        names = {c.code: pick(c.label) or c.code for c in question.columns}
        return "\n".join("; ".join(f"{names.get(k, k)}: {v}" for k, v in row.items() if v not in (None, ""))
                         for row in value if isinstance(row, dict))
    return value


def _choice_labels(form: Any, code: str) -> dict[str, str]:
    from core.applications.form import sections_of

    for section in sections_of(form or []):
        for question in section.questions:
            if question.code == code:
                return {c.code: pick(c.label) for c in question.choices}
    return {}


async def _applications(edition: dict[str, Any], _round: Any, _settings: Settings,
                        progress: jobs.Progress | None, batch_rows: int) -> list[Table]:
    form = await Edition.select(Edition.application_form).output(load_json=True).where(
        Edition.id == edition["id"]).first()
    form = form["application_form"] if form else []
    answers = _answer_columns(form)
    return [Table(title=_("Applications"), columns=[
        _("ID"), _("Receipt"), _("Entity"), _("Project"), _("Track"), _("Track code"), _("Area"), _("Area code"),
        _("Region"), _("Legal form"), _("Legal form code"), _("Tax code"), _("Status"), _("Status code"),
        _("Submitted at"), _("Applicant email"), *(c.header for c in answers)],
        batches=_application_batches(edition, batch_rows, answers, _choice_labels(form, "legal_form")))]


async def _application_batches(edition: dict[str, Any], batch_rows: int, answers: list[_AnswerColumn],
                               legal_forms: dict[str, str]) -> AsyncIterator[list[list[Any]]]:
    zone, after = edition["time_zone"], 0
    while True:
        rows = await Application.select(
            Application.id, Application.receipt_number, Application.entity_name, Application.title,
            Application.track.code, Application.track.name, Application.area.code, Application.area.name,
            Application.region, Application.legal_form, Application.tax_code, Application.status,
            Application.submitted_at, Application.applicant.email, Application.answers,
        ).output(load_json=True).where(Application.edition == edition["id"], Application.status != lifecycle.DRAFT,
                Application.id > after).order_by(Application.id).limit(batch_rows)
        if not rows:
            return
        batch = []
        for r in rows:
            stored = r["answers"] or {}
            values = stored.get("values", stored) if isinstance(stored, dict) else {}
            batch.append([
                r["id"], r["receipt_number"], r["entity_name"], r["title"], pick(r["track.name"] or {}),
                r["track.code"], pick(r["area.name"] or {}), r["area.code"], r["region"],
                legal_forms.get(r["legal_form"], r["legal_form"]), r["legal_form"], r["tax_code"],
                _(STATUS_TEXT[r["status"]]) if r["status"] in STATUS_TEXT else r["status"], r["status"],
                _local(r["submitted_at"], zone), r["applicant.email"],
                *(_answer(c, values.get(c.question.code)) for c in answers)])
        yield batch
        after = rows[-1]["id"]


# -- A round's submitted scores, in batches -------------------------------------------------------------

_APPLICATION = CriterionScore.review.assignment.application


def _submitted(round_row: dict[str, Any]):
    """The scores that count: submitted reviews of assignments not recused."""
    return (CriterionScore.review.assignment.round == round_row["id"]) & (
        CriterionScore.review.status == "submitted") & (CriterionScore.review.assignment.status != "recused")


async def _application_ranges(round_row: dict[str, Any], batch_rows: int) -> list[tuple[int, int, int]]:
    """(first, last application id, scores) of consecutive applications holding about `batch_rows` scores each."""
    counts = await CriterionScore.select(_APPLICATION.as_alias("application"), Count()).where(
        _submitted(round_row)).group_by(_APPLICATION).order_by(_APPLICATION)
    ranges: list[tuple[int, int, int]] = []
    first, rows = None, 0
    for row in counts:
        first = row["application"] if first is None else first
        rows += row["count"]
        if rows >= batch_rows:
            ranges.append((first, row["application"], rows))
            first, rows = None, 0
    if first is not None:
        ranges.append((first, counts[-1]["application"], rows))
    return ranges


async def _score_batches(round_row: dict[str, Any], ranges: list[tuple[int, int, int]],
                         progress: jobs.Progress | None) -> AsyncIterator[list[dict[str, Any]]]:
    """The submitted scores, ordered by application, review and score as one query would give them, a range of
    applications at a time."""
    total, done = sum(r[2] for r in ranges) or 1, 0
    for first, last, rows in ranges:
        yield await CriterionScore.select(
            CriterionScore.review, CriterionScore.criterion, CriterionScore.value,
            CriterionScore.review.total, CriterionScore.review.submitted_at,
            _APPLICATION, CriterionScore.review.assignment.juror,
        ).where(_submitted(round_row), _APPLICATION >= first, _APPLICATION <= last).order_by(
            _APPLICATION, CriterionScore.review, CriterionScore.id)
        done += rows
        if progress is not None:
            progress.set(5 + 85 * done / total)


async def _entry_names(edition: dict[str, Any], first: int, last: int) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in await Application.select(
        Application.id, Application.entity_name, Application.title).where(
        Application.edition == edition["id"], Application.id >= first, Application.id <= last)}


async def _juror_names(round_row: dict[str, Any]) -> dict[int, str]:
    """Every juror who scored in the round, by id: a juror's name is the display name, else the email."""
    scored = await CriterionScore.select(CriterionScore.review.assignment.juror.as_alias("juror")).where(
        _submitted(round_row)).distinct()
    ids = sorted({r["juror"] for r in scored})
    names: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        names.update({r["id"]: r["display_name"] or r["email"] for r in await Account.select(
            Account.id, Account.display_name, Account.email).where(Account.id.is_in(ids[start:start + 500]))})
    return names


async def _scores_long(edition: dict[str, Any], round_row: dict[str, Any], _settings: Settings,
                       progress: jobs.Progress | None, batch_rows: int) -> list[Table]:
    ranges = await _application_ranges(round_row, batch_rows)
    jurors = await _juror_names(round_row)

    async def batches() -> AsyncIterator[list[list[Any]]]:
        local = _local_by_review(edition["time_zone"])
        async for (first, last, _rows), scores in _ranged(ranges, _score_batches(round_row, ranges, progress)):
            entries = await _entry_names(edition, first, last)
            yield [[round_row["code"], s["review.assignment.application"],
                    entries[s["review.assignment.application"]]["entity_name"],
                    jurors[s["review.assignment.juror"]], s["criterion"], s["value"], s["review.total"],
                    local(s["review"], s["review.submitted_at"])] for s in scores]

    return [Table(title=_("Scores"), columns=[
        _("Round"), _("Application ID"), _("Entity"), _("Juror"), _("Criterion"), _("Value"), _("Review total"),
        _("Submitted at")], batches=batches())]


async def _ranged(ranges: list[tuple[int, int, int]], batches: AsyncIterator[Any]):
    """Each batch with the range of applications it was read for."""
    index = 0
    async for batch in batches:
        yield ranges[index], batch
        index += 1


async def _criteria_in_order(round_row: dict[str, Any]) -> list[str]:
    """The criteria in the order they first appear among the ordered scores. A criterion first appears among the
    scores of the lowest application that has it, so the scores of those few applications decide the order."""
    firsts = await CriterionScore.select(Min(_APPLICATION).as_alias("first")).where(
        _submitted(round_row)).group_by(CriterionScore.criterion)
    applications = sorted({r["first"] for r in firsts})
    if not applications:
        return []
    rows = await CriterionScore.select(CriterionScore.criterion).where(
        _submitted(round_row), _APPLICATION.is_in(applications)).order_by(
        _APPLICATION, CriterionScore.review, CriterionScore.id)
    return list(dict.fromkeys(r["criterion"] for r in rows))


async def _scores_wide(edition: dict[str, Any], round_row: dict[str, Any], _settings: Settings,
                       progress: jobs.Progress | None, batch_rows: int) -> list[Table]:
    ranges = await _application_ranges(round_row, batch_rows)
    jurors = await _juror_names(round_row)
    criteria = await _criteria_in_order(round_row)
    present = {(r["juror"], r["criterion"]) for r in await CriterionScore.select(
        CriterionScore.review.assignment.juror.as_alias("juror"), CriterionScore.criterion).where(
        _submitted(round_row)).distinct()}
    juror_order = sorted(jurors, key=lambda j: (jurors[j].lower(), j))
    columns = [(j, c) for j in juror_order for c in criteria if (j, c) in present]

    async def batches() -> AsyncIterator[list[list[Any]]]:
        async for (first, last, _rows), scores in _ranged(ranges, _score_batches(round_row, ranges, progress)):
            entries = await _entry_names(edition, first, last)
            values: dict[int, dict[tuple[int, str], float | None]] = {}
            for s in scores:
                values.setdefault(s["review.assignment.application"], {})[
                    (s["review.assignment.juror"], s["criterion"])] = s["value"]
            yield [[entry, entries[entry]["entity_name"], entries[entry]["title"],
                    *(values[entry].get(col) for col in columns)] for entry in sorted(values)]

    return [Table(title=_("Scores by juror"), columns=[
        _("Application ID"), _("Entity"), _("Project"), *(f"{jurors[j]} · {c}" for j, c in columns)],
        batches=batches())]


def _number(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


async def _ranking(round_row: dict[str, Any], settings: Settings, progress: jobs.Progress | None = None):
    from core.results.leaderboard import _full_round, round_head, standing
    from core.results.rounds import NoResults

    round_row = await _full_round(round_row["id"])
    head = round_head(round_row)
    top = head.advancement.get("top_n") if isinstance(head.advancement.get("top_n"), int) else None
    try:
        found = await standing(round_row, settings=settings, method=head.configured_method, group="all", top=top,
                               progress=progress)
    except NoResults:
        raise ExportNotFound(round_row["code"]) from None
    return head, top, found


def _ranking_rows(found, head) -> list[list[Any]]:
    rows = []
    for r in sorted(found.results.rows, key=lambda r: (r.rank is None, r.rank or 0, r.entry)):
        info = found.entries.get(r.entry)
        if info is None:
            continue
        rows.append([r.rank, r.entry, info.entity_name, info.title, pick(info.track), info.track_code,
                     pick(info.area), info.area_code,
                     _number(r.score), _number(r.low), _number(r.high), r.rank_low, r.rank_high, _number(r.p_top),
                     r.n, list(r.flags), found.results.method])
    return rows


async def _rankings(edition: dict[str, Any], round_row: dict[str, Any], settings: Settings,
                    progress: jobs.Progress | None, _batch_rows: int) -> list[Table]:
    head, _top, found = await _ranking(round_row, settings, progress)
    return [Table(title=_("Ranking"), columns=[
        _("Rank"), _("Application ID"), _("Entity"), _("Project"), _("Track"), _("Track code"), _("Area"),
        _("Area code"), _("Score"),
        _("Interval low"), _("Interval high"), _("Best rank"), _("Worst rank"), _("P(top N)"), _("Reviews"),
        _("Flags"), _("Method")], batches=_one_batch(_ranking_rows(found, head)),
        chart=TableChart(title=_("Calibrated scores, best first"), categories=3, values=(9,),
                         value_label=_("Score")))]


async def _decisions(edition: dict[str, Any], _round: Any, _settings: Settings,
                     _progress: jobs.Progress | None, _batch_rows: int) -> list[Table]:
    zone = edition["time_zone"]
    rows = await Decision.select(
        Decision.round.code, Decision.application, Decision.application.entity_name, Decision.application.title,
        Decision.outcome, Decision.reason, Decision.decided_by.email, Decision.staged_at, Decision.published_at,
    ).output(load_json=True).where(
        Decision.round.edition == edition["id"]).order_by(Decision.round.position, Decision.application)
    return [Table(title=_("Decisions"), columns=[
        _("Round"), _("Application ID"), _("Entity"), _("Project"), _("Outcome"), _("Outcome code"), _("Reason"),
        _("Decided by"), _("Staged at"), _("Published at")], batches=_one_batch([
        [r["round.code"], r["application"], r["application.entity_name"], r["application.title"],
         _outcome_text(r["outcome"]), r["outcome"], r["reason"], r["decided_by.email"], _local(r["staged_at"], zone),
         _local(r["published_at"], zone)] for r in rows]))]


def _outcome_text(outcome: str) -> str:
    """A decision's outcome in words: the verbale's, else the application status it leads to."""
    text = OUTCOME_TEXT.get(outcome) or STATUS_TEXT.get(outcome)
    return _(text) if text else outcome


_TABLES: dict[str, Callable[..., Any]] = {
    "applications": _applications, "scores-long": _scores_long, "scores-wide": _scores_wide,
    "rankings": _rankings, "decisions": _decisions}


# -- The verbale ------------------------------------------------------------------------------------

OUTCOME_TEXT = {
    lifecycle.ADVANCED: N_("advanced to the next round"), lifecycle.NOT_ADVANCED: N_("not advanced"),
    lifecycle.FINALIST: N_("finalist"), lifecycle.WINNER: N_("winner"),
    lifecycle.NOT_WINNER: N_("not among the winners"),
}


# The verbale lists decisions by outcome, the entries that go on first, then by rank within each outcome.
OUTCOME_ORDER = (lifecycle.WINNER, lifecycle.FINALIST, lifecycle.ADVANCED, lifecycle.NOT_WINNER,
                 lifecycle.NOT_ADVANCED)


def _fmt(value: float | None, digits: int = 2) -> str:
    """A number of the verbale as its reader writes it ("4,67" in Italian)."""
    return "" if value is None else i18n.format_decimal(value, digits)


async def _verbale(edition: dict[str, Any], round_row: dict[str, Any], *, settings: Settings,
                   progress: jobs.Progress | None) -> bytes:
    from core.results.leaderboard import METHOD_EXPLANATIONS, METHOD_LABELS, _diagnostics, submitted

    head, top, found = await _ranking(round_row, settings, progress)
    reviews = submitted(found.data)
    _profiles, _disagreements, icc, _alpha = await anyio.to_thread.run_sync(_diagnostics, reviews)
    decisions = await Decision.select(
        Decision.application, Decision.outcome, Decision.reason, Decision.published_at,
    ).where(Decision.round == round_row["id"]).order_by(Decision.application)
    language = i18n.current_language()
    ranking = sorted((r for r in found.results.rows if r.entry in found.entries),
                     key=lambda r: (r.rank is None, r.rank or 0, r.entry))
    title = pick(edition["title"] or {}, language)
    charts = _verbale_charts(found, ranking, top)
    texts = {
        "jury": _("Jurors who submitted reviews: {jurors}. Entries ranked: {entries}. Reviews counted: {reviews}.")
        .format(jurors=len({j for _e, j, _t in reviews}), entries=sum(1 for r in ranking if r.rank is not None),
                reviews=len(reviews)),
        "method": _("Calibration method: {method}.").format(method=_(METHOD_LABELS.get(head.configured_method,
                                                                                         head.configured_method)))
        + " " + _(METHOD_EXPLANATIONS.get(head.configured_method, "")),
        "uncertainty": _uncertainty_text(found, ranking, top),
        "reliability": _("Agreement among jurors (ICC of the mean of {k} reviews): {icc}.").format(
            k=_fmt(icc.k, 1), icc=_fmt(icc.icck)) if icc else "",
        "decisions_state": _decisions_state_text(decisions, edition["time_zone"]),
    }
    columns = {
        "ranking": [_("Rank"), _("Entity"), _("Project"), _("Track"), _("Score"), _("Interval"), _("Ranks"),
                    _("P(top N)")],
        "decisions": [_("Rank"), _("Entity"), _("Project"), _("Outcome"), _("Reason")],
    }
    ranking_rows = [[r.rank or "–", found.entries[r.entry].entity_name, found.entries[r.entry].title,
                     pick(found.entries[r.entry].track, language) or found.entries[r.entry].track_code, _fmt(r.score),
                     f"{_fmt(r.low)}–{_fmt(r.high)}" if r.low is not None else "",
                     f"{r.rank_low}–{r.rank_high}" if r.rank_low is not None else "",
                     "" if r.p_top is None else i18n.format_percent(r.p_top)] for r in ranking]
    decision_rows = await _decision_rows(decisions, found.entries, {r.entry: r.rank for r in ranking})
    texts["audit"] = await _audit_text()
    fairness = await _fairness_section(edition, round_row)
    texts["fairness"] = _(
        "For each group of entries: the share that advanced, with its interval at 95 per cent, and that share "
        "divided by everyone's (the ratio, with its interval). A ratio under 0.8 is flagged under the four-fifths "
        "rule: below when its whole interval is under 0.8, possibly below when only the ratio is. Groups of fewer "
        "than {min} entries, and counts that would give them away, are hidden (—).").format(min=MIN_CELL)
    if fairness is not None and fairness[0]:
        texts["fairness"] += " " + fairness[0]
    headings = {"title": _("Deliberation record: {round}").format(round=pick(head.name, language)),
                "subtitle": _("{edition} · drawn up on {date}").format(
                    edition=title, date=i18n.format_day(datetime.now(UTC), edition["time_zone"])),
                "jury": _("Jury"), "method": _("Method"), "uncertainty": _("Uncertainty"),
                "ranking": _("Ranking"), "decisions": _("Decisions"), "audit": _("Audit log"),
                "fairness": _("Fairness")}
    if progress is not None:
        progress.set(70)
    return await anyio.to_thread.run_sync(lambda: _render_verbale(
        headings=headings, texts=texts, columns=columns, ranking_rows=ranking_rows, decision_rows=decision_rows,
        charts=charts, language=language, footer=f"Giuria · {title}",
        fairness_tables=fairness[1] if fairness is not None else []))


async def _fairness_section(edition: dict[str, Any], round_row: dict[str, Any]
                            ) -> tuple[str, list[tuple[str, list[str], list[list[str]]]]] | None:
    """The round's fairness tables as text (and the note on raw and calibrated advancement); None before decisions."""
    from core.results.fairness import round_fairness, text_tables

    scope = await round_fairness(edition["id"], round_row["id"])
    if scope is None:
        return None
    return scope.note, text_tables(scope)


def _verbale_charts(found, ranking: list, top: int | None) -> list:
    """Every ranked entry's calibrated score with its interval, as many chart pages as the entries need (none
    without intervals)."""
    from core.platform.documents.charts import interval_charts

    with_chart = [r for r in ranking if r.score is not None and r.low is not None]
    return interval_charts(
        title=_("Calibrated scores with their intervals"),
        labels=[f"{r.rank or '–'}. {found.entries[r.entry].entity_name or f'#{r.entry}'}" for r in with_chart],
        scores=[r.score for r in with_chart], lows=[r.low for r in with_chart], highs=[r.high for r in with_chart],
        cut_after=top, value_label=_("Score"))


def _uncertainty_text(found, ranking: list, top: int | None) -> str:
    if not found.intervals:
        return _("Intervals were not computed for this record (the round's bootstrap has not run).")
    from core.results.leaderboard import UNCERTAIN_BAND, replicates_of

    low, high = UNCERTAIN_BAND
    uncertain = [r for r in ranking if "contested" in r.flags or (r.p_top is not None and low < r.p_top < high)]
    return _("The intervals are {level} bootstrap intervals from {replicates} replicates of the review "
             "noise, with the assignment of jurors kept as it was. P(top N) is the share of replicates "
             "in which the entry is among the first {top}. Entries whose place at the cut is uncertain: "
             "{uncertain}.").format(level="90%", replicates=replicates_of(found.data), top=top or "–",
                                    uncertain=len(uncertain))


def _decisions_state_text(decisions: list[dict[str, Any]], time_zone: str) -> str:
    if not decisions:
        return _("No decisions recorded yet.")
    if all(d["published_at"] for d in decisions):
        return _("Decisions published on {date}.").format(
            date=i18n.format_day(max(d["published_at"] for d in decisions), time_zone))
    return _("Decisions staged, not yet published.")


async def _decision_rows(decisions: list[dict[str, Any]], entries: dict[int, Any],
                         ranks: dict[int, int | None]) -> list[list[Any]]:
    """Entity, project, outcome and reason per decision, by outcome (see OUTCOME_ORDER) then rank; entries no
    longer in play are read by id."""
    entry_names = {e: (info.entity_name, info.title) for e, info in entries.items()}
    missing = {d["application"] for d in decisions} - set(entry_names)
    if missing:
        for r in await Application.select(Application.id, Application.entity_name, Application.title).where(
                Application.id.is_in(list(missing))):
            entry_names[r["id"]] = (r["entity_name"], r["title"])
    outcome_labels = {code: _(text) for code, text in OUTCOME_TEXT.items()}

    def order(decision: dict[str, Any]) -> tuple:
        outcome, rank = decision["outcome"], ranks.get(decision["application"])
        return (OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else len(OUTCOME_ORDER), outcome,
                rank is None, rank or 0, decision["application"])

    return [[ranks.get(d["application"]) or "–", *entry_names.get(d["application"], ("", "")),
             outcome_labels.get(d["outcome"], d["outcome"]), d["reason"]] for d in sorted(decisions, key=order)]


async def _audit_text() -> str:
    """The audit log's state when the record is drawn up: its head is anchored now and printed, so that the paper
    record shows any later rewrite or truncation of the log."""
    chain = await audit.anchor_head()
    if not chain.intact:
        return _("When this record was drawn up the audit log did NOT verify: {reason}.").format(reason=chain.reason)
    if chain.checkpoint is None:
        return _("When this record was drawn up the audit log held no events.")
    return _("When this record was drawn up the audit log verified ({events} events). Its checkpoint: "
             "event {event}, hash {hash}, written at {written_at}, signature {signature}.").format(
        events=chain.events, event=chain.checkpoint.event, hash=chain.checkpoint.hash,
        written_at=chain.checkpoint.written_at, signature=chain.checkpoint.signature)


def _render_verbale(*, headings: dict[str, str], texts: dict[str, str], columns: dict[str, list[str]],
                    ranking_rows: Sequence[Sequence[Any]], decision_rows: Sequence[Sequence[Any]],
                    charts: Sequence[Any], language: str, footer: str,
                    fairness_tables: Sequence[tuple[str, list[str], list[list[str]]]] = ()) -> bytes:
    from core.platform.documents.pdf import PdfDocument

    document = PdfDocument(title=headings["title"], subtitle=headings["subtitle"], footer=footer, language=language)
    document.heading(headings["jury"])
    document.paragraph(texts["jury"])
    document.heading(headings["method"])
    document.paragraph(texts["method"])
    document.heading(headings["uncertainty"])
    document.paragraph(texts["uncertainty"])
    if texts["reliability"]:
        document.paragraph(texts["reliability"])
    document.heading(headings["ranking"])
    document.table(columns=columns["ranking"], rows=ranking_rows)
    for chart in charts:
        document.chart(chart)
    document.heading(headings["decisions"])
    document.paragraph(texts["decisions_state"], italic=True)
    if decision_rows:
        document.table(columns=columns["decisions"], rows=decision_rows)
    if fairness_tables:
        document.heading(headings["fairness"])
        document.paragraph(texts["fairness"], size=9)
        for table_title, table_columns, table_rows in fairness_tables:
            document.paragraph(table_title, size=10, italic=True)
            document.table(columns=table_columns, rows=table_rows, size=7)
    document.heading(headings["audit"])
    document.paragraph(texts["audit"], size=8, unbroken=True)
    return document.output()


__all__ = ["EditionNotFound", "ExportFile", "ExportNotFound", "build_export", "export_menu", "request_export"]
