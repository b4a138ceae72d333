"""The reads behind the juror's hot pages, as plain parameterised SQL: one statement per need.

Building these queries through Piccolo cost more CPU than running them (the review page spent a third of its
time there). Each function returns plain rows shaped as the callers in `reviews` and `redaction` already read
them; every object-level check stays in those callers (`juror = …` here only narrows the one row fetched).
JSON columns come back decoded, as `output(load_json=True)` gives them, except the edition's application form
and the round's frozen rubric: those stay text, which `stored_form` and `reviews.round_rubric` parse once per
distinct content.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from core.platform import db
from core.platform.db import decode_json
from core.platform.sql_lists import json_rows

# The round row's JSON columns decoded here (the form and the frozen rubric stay text, see above).
ROUND_JSON = ("name", "settings", "edition.title", "edition.enabled_plugins")

# What the juror's pages read of a round and its edition (the round row of `reviews` and `calibration`).
ROUND_COLUMNS = (
    "round.id, round.code, round.name, round.kind, round.workflow, round.blind, round.opens_at, round.status,"
    " round.closes_at, round.rubric, round.rubric_name, round.settings, round.edition,"
    ' edition.slug AS "edition.slug", edition.title AS "edition.title", edition.time_zone AS "edition.time_zone",'
    ' edition.application_form AS "edition.application_form",'
    ' edition.enabled_plugins AS "edition.enabled_plugins"'
)
ROUND_SELECT = f"SELECT {ROUND_COLUMNS} FROM round JOIN edition ON edition.id = round.edition"  # noqa: S608
ROUND_SQL = ROUND_SELECT + " WHERE round.id = {}"


def rounds_sql(count: int) -> str:
    """ROUND_SQL for `count` rounds at once."""
    return ROUND_SELECT + f" WHERE round.id IN ({', '.join('{}' for _ in range(count))})"


async def rounds(round_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Round rows (as ROUND_SQL reads them) by id, in one statement."""
    if not round_ids:
        return {}
    rows = await db.read_rows(rounds_sql(len(round_ids)), *round_ids)
    return {row["id"]: decode_json(row, *ROUND_JSON) for row in rows}


# What the juror's pages read of an assignment, its round and its edition.
ASSIGNMENT_ROUND_COLUMNS = (
    'assignment.id AS "assignment.id", assignment.status AS "assignment.status",'
    ' assignment.conflict_checked_at AS "assignment.conflict_checked_at", assignment.origin AS "assignment.origin",'
    ' assignment.application AS "assignment.application", assignment.round AS "assignment.round",'
    f' assignment.juror AS "assignment.juror", {ROUND_COLUMNS}'
)
ASSIGNMENT_ROUND_JOIN = ("FROM assignment JOIN round ON round.id = assignment.round"
                         " JOIN edition ON edition.id = round.edition")
# Only the juror's own assignment, and never one they recused themselves from.
OWN_ASSIGNMENT = "WHERE assignment.id = {} AND assignment.juror = {} AND assignment.status != 'recused'"

ATTACHMENT_COLUMNS = ("id", "field", "content_type", "size_bytes")
TEAM_COLUMNS = ("full_name", "role")
CLARIFICATION_COLUMNS = ("id", "asked_by", "question", "question_sent", "status", "answer_shown", "due_at",
                         "decline_reason")
REVIEW_COLUMNS = ("id", "status", "overall_comment", "feedback_to_applicant", "confidence", "version", "total",
                  "checklist")
SCORE_COLUMNS = ("criterion", "value", "comment")


def _entry_sql() -> str:
    """The assignment, its round and edition, the entry and its track, with the entry's files, team and the
    round's questions about it, in one statement."""
    return _entry_sql_for(sqlite=db.is_sqlite())


@functools.cache
def _entry_sql_for(*, sqlite: bool) -> str:
    """Written once per engine (`json_rows` writes each engine's own JSON)."""
    attachments = json_rows(columns=ATTACHMENT_COLUMNS, order_by="id",
                            source="FROM attachment WHERE attachment.application = application.id")
    team = json_rows(columns=TEAM_COLUMNS, order_by="position",
                     source="FROM team_member WHERE team_member.application = application.id")
    questions = json_rows(columns=CLARIFICATION_COLUMNS, order_by="id",
                          source="FROM clarification WHERE clarification.round = round.id"
                                 " AND clarification.application = application.id")
    review = json_rows(columns=REVIEW_COLUMNS, order_by="id", json_columns=("checklist",),
                       source="FROM review WHERE review.assignment = assignment.id")
    scores = json_rows(columns=SCORE_COLUMNS, order_by="criterion_score.id",
                       source="FROM criterion_score JOIN review ON review.id = criterion_score.review"
                              " WHERE review.assignment = assignment.id")
    return (
        f"SELECT {ASSIGNMENT_ROUND_COLUMNS},"
        ' application.entity_name AS "application.entity_name", application.answers AS "application.answers",'
        f' track.name AS "track.name", {attachments} AS "application.attachments", {team} AS "application.team",'
        f' {questions} AS "application.clarifications", {review} AS "review", {scores} AS "review.scores"'
        f" {ASSIGNMENT_ROUND_JOIN}"
        " JOIN application ON application.id = assignment.application LEFT JOIN track ON track.id = application.track"
        f" {OWN_ASSIGNMENT}"
    )


# The assignment with its round and edition, for a save.
SCORING_SQL = f"SELECT {ASSIGNMENT_ROUND_COLUMNS} {ASSIGNMENT_ROUND_JOIN} {OWN_ASSIGNMENT}"


def _split(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A joined row as (assignment, the rest): the assignment's columns lose their prefix."""
    assignment = {key[11:]: value for key, value in row.items() if key.startswith("assignment.")}
    return assignment, {key: value for key, value in row.items() if not key.startswith("assignment.")}


async def assignment_entry(assignment_id: int, juror_id: int) -> tuple[dict, dict, dict] | None:
    """(assignment, round, entry) rows for the juror's own assignment, or None when it is not theirs; the entry
    carries its files (`attachments`), its `team` and the round's questions about it (`clarifications`), each
    as `attachments`, `team` and `clarifications` below read them, and the assignment its `own_review` as
    `own_review` gives it."""
    rows = await db.read_rows(_entry_sql(), assignment_id, juror_id)
    if not rows:
        return None
    assignment, rest = _split(decode_json(rows[0], *ROUND_JSON, "application.answers", "track.name",
                                          "application.attachments", "application.team",
                                          "application.clarifications", "review", "review.scores"))
    reviews, scores = rest.pop("review"), rest.pop("review.scores")
    assignment["own_review"] = (_as_read(reviews[0]) if reviews else None, [_as_read(score) for score in scores])
    questions = rest.pop("application.clarifications")
    for question in questions:
        question["due_at"] = _moment(question["due_at"])
    application = {"id": assignment["application"], "entity_name": rest.pop("application.entity_name"),
                   "answers": rest.pop("application.answers"), "track.name": rest.pop("track.name"),
                   "attachments": rest.pop("application.attachments"), "team": rest.pop("application.team"),
                   "clarifications": questions}
    return assignment, rest, application


def _as_read(row: dict[str, Any]) -> dict[str, Any]:
    """A review or score row from JSON as `own_review` reads it: JSON writes a whole double as an integer."""
    for column in ("total", "value"):
        if isinstance(row.get(column), int):
            row[column] = float(row[column])
    return row


def _moment(text: str | None) -> datetime | None:
    """A timestamp as JSON gives it back (ISO text on PostgreSQL, the stored text on SQLite), as an aware datetime."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def assignment_round(assignment_id: int, juror_id: int, *, lock: bool = False) -> tuple[dict, dict] | None:
    """(assignment, round) for the juror's own assignment in one statement, or None when it is not theirs; with
    `lock`, the assignment row is locked for the transaction on PostgreSQL (SQLite's write lock already is)."""
    sql = SCORING_SQL + (" FOR UPDATE OF assignment" if lock and not db.is_sqlite() else "")
    rows = await db.read_rows(sql, assignment_id, juror_id)
    return _split(decode_json(rows[0], *ROUND_JSON)) if rows else None


OWN_REVIEW_SQL = (
    "SELECT review.id, review.status, review.overall_comment, review.feedback_to_applicant, review.confidence,"
    ' review.version, review.total, review.checklist, criterion_score.criterion AS "score.criterion",'
    ' criterion_score.value AS "score.value", criterion_score.comment AS "score.comment"'
    " FROM review LEFT JOIN criterion_score ON criterion_score.review = review.id"
    " WHERE review.assignment = {} ORDER BY criterion_score.id"
)


async def own_review(assignment_id: int, *, lock: bool = False) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The assignment's review (None before the first save) and its criterion scores, in one statement; with
    `lock`, the review row is locked for the transaction on PostgreSQL (SQLite's write lock already is)."""
    sql = OWN_REVIEW_SQL + (" FOR UPDATE OF review" if lock and not db.is_sqlite() else "")
    rows = await db.read_rows(sql, assignment_id)
    if not rows:
        return None, []
    scores = [{"criterion": row["score.criterion"], "value": row["score.value"], "comment": row["score.comment"]}
              for row in rows if row["score.criterion"] is not None]
    review = {key: value for key, value in rows[0].items() if not key.startswith("score.")}
    return decode_json(review, "checklist"), scores


def gate_sql(statuses: int) -> str:
    """Every entry a round's jurors may read (in play in the edition, or assigned in the round) with its stored
    count of undecided suggestions for this detector, if any."""
    in_play = ", ".join("{}" for _ in range(statuses))  # placeholders only: every value is a parameter
    return (
        'SELECT application.id, application.version, answer_redaction.unreviewed AS "unreviewed",'  # noqa: S608
        ' answer_redaction.checked_version AS "checked_version"'
        " FROM application LEFT JOIN answer_redaction ON answer_redaction.application = application.id"
        " AND answer_redaction.detector = {}"
        f" WHERE (application.edition = {{}} AND application.status IN ({in_play}))"
        " OR application.id IN (SELECT assignment.application FROM assignment"
        " WHERE assignment.round = {} AND assignment.status != 'recused')"
        " ORDER BY application.id"
    )


async def gate_rows(*, round_id: int, edition_id: int, statuses: list[str], detector: int) -> list[dict[str, Any]]:
    return await db.read_rows(gate_sql(len(statuses)), detector, edition_id, *statuses, round_id)


# A juror's assignments with what their dashboard shows of each round and entry; keys as Piccolo named them.
DASHBOARD_SQL = (
    "SELECT assignment.id, assignment.status, assignment.conflict_checked_at, assignment.application,"
    ' assignment.round, round.code AS "round.code", round.name AS "round.name",'
    ' round.closes_at AS "round.closes_at", round.opens_at AS "round.opens_at", round.status AS "round.status",'
    ' round.blind AS "round.blind", round.workflow AS "round.workflow",'
    ' edition.enabled_plugins AS "round.edition.enabled_plugins", edition.slug AS "round.edition.slug",'
    ' edition.title AS "round.edition.title", edition.time_zone AS "round.edition.time_zone",'
    ' application.title AS "application.title", track.name AS "application.track.name",'
    # Open to this juror although the round closed: an upheld appeal sent the entry back to them (reviews.py's
    # reopened_by_appeal, for every line at once).
    " CASE WHEN assignment.origin = 'appeal' AND EXISTS (SELECT 1 FROM decision"
    " WHERE decision.round = assignment.round AND decision.application = assignment.application"
    " AND decision.needs_review = {}) THEN 1 ELSE 0 END AS reopened"
    " FROM assignment JOIN round ON round.id = assignment.round JOIN edition ON edition.id = round.edition"
    " JOIN application ON application.id = assignment.application"
    " LEFT JOIN track ON track.id = application.track"
    # Reference entries come first in the juror's list, and nothing else tells them apart (see judging.calibration).
    " LEFT JOIN reference_entry ON reference_entry.round = assignment.round"
    " AND reference_entry.application = assignment.application"
    " WHERE assignment.juror = {} AND assignment.status != 'recused'"
    " ORDER BY assignment.round, CASE WHEN reference_entry.id IS NULL THEN 1 ELSE 0 END, assignment.application"
)


async def dashboard_rows(juror_id: int) -> list[dict[str, Any]]:
    return [decode_json(row, "round.name", "round.edition.enabled_plugins", "round.edition.title",
                        "application.track.name") for row in await db.read_rows(DASHBOARD_SQL, True, juror_id)]


def chaired_rounds_sql(workflows: int, editions: int) -> str:
    """Rounds of these workflows in these editions, with what the dashboard shows of them, in round order."""
    named = ", ".join("{}" for _ in range(workflows))  # placeholders only: every value is a parameter
    slugs = ", ".join("{}" for _ in range(editions))
    return (
        "SELECT round.id, round.code, round.name, round.settings, round.closes_at, round.workflow,"  # noqa: S608
        ' edition.slug AS "edition.slug", edition.title AS "edition.title",'
        ' edition.time_zone AS "edition.time_zone", edition.enabled_plugins AS "edition.enabled_plugins"'
        " FROM round JOIN edition ON edition.id = round.edition"
        f" WHERE round.workflow IN ({named}) AND edition.slug IN ({slugs}) ORDER BY round.position, round.id"
    )


async def chaired_rounds(*, workflows: list[str], edition_slugs: list[str]) -> list[dict[str, Any]]:
    rows = await db.read_rows(chaired_rounds_sql(len(workflows), len(edition_slugs)), *workflows, *edition_slugs)
    return [decode_json(row, "name", "settings", "edition.title", "edition.enabled_plugins") for row in rows]
