"""A round's results: gather its judging from the database as plain data, let its workflow compute them.

Only the edition's organisers (and admins) see results before they are published; anyone else
gets "not found".
"""

from __future__ import annotations

from dataclasses import dataclass

from core.applications import admission
from core.applications.admission import AdmissionPage, ChecklistOpinion, Suggestion
from core.applications.checklist import checklist_items
from core.editions.access import edition_for_organiser
from core.judging.comparative import round_comparisons, round_rankings
from core.judging.reviews import SUBMITTED as SUBMITTED_REVIEW
from core.judging.reviews import round_rubric
from core.judging.rounds import entries_in_play
from core.platform.errors import NotFound
from core.platform.identity import SessionUser
from core.platform.tables import (
    Account,
    Application,
    ConsensusThread,
    CriterionScore,
    Review,
    Round,
)
from core.plugin_api import ReviewData, RoundData, RoundResults
from core.plugins import active_registry


class RoundNotFound(NotFound):
    """No such round, or not this person's to see."""


class NoResults(NotFound):
    """The round's workflow computes no ranking (a checklist, say): a page about its ranking has nothing to show."""


@dataclass(frozen=True)
class EntryInfo:
    id: int
    title: str
    entity_name: str
    track: dict[str, str]
    area: dict[str, str]
    track_code: str = ""
    area_code: str = ""


async def _round_for_organiser(actor: SessionUser, edition_slug: str, round_code: str) -> dict:
    row = await Round.select(
        Round.id, Round.code, Round.kind, Round.workflow, Round.rubric, Round.rubric_name, Round.normalisation,
        Round.settings, Round.advancement, Round.edition, Round.edition.slug, Round.edition.enabled_plugins,
    ).output(load_json=True).where(Round.edition.slug == edition_slug, Round.code == round_code).first()
    if row is None or not (actor.is_admin or actor.has_role("organiser", edition_slug)):
        raise RoundNotFound(round_code)
    return row


async def gather_round(round_row: dict, *, seed: int = 0) -> tuple[RoundData, dict[int, EntryInfo]]:
    """The round's entries and submitted reviews, as the plain data workflows compute with."""
    applications = await Application.select(
        Application.id, Application.title, Application.entity_name, Application.track.code, Application.track.name,
        Application.area.name, Application.area.code,
    ).output(load_json=True).where(await entries_in_play(round_row)).order_by(Application.id)
    entries = {a["id"]: EntryInfo(id=a["id"], title=a["title"], entity_name=a["entity_name"],
                                  track=a["track.name"] or {}, area=a["area.name"] or {},
                                  track_code=a["track.code"] or "", area_code=a["area.code"] or "")
               for a in applications}
    # In a fixed order: the bootstrap draws reviews by position, so the same reviews give the same intervals.
    reviews = await Review.select(Review.id, Review.status, Review.total, Review.checklist,
                                  Review.assignment.application, Review.assignment.juror).output(load_json=True).where(
        Review.assignment.round == round_row["id"], Review.assignment.status != "recused").order_by(Review.id)
    scores = await CriterionScore.select(CriterionScore.review, CriterionScore.criterion, CriterionScore.value).where(
        CriterionScore.review.assignment.round == round_row["id"])
    values: dict[int, dict[str, float | None]] = {}
    for score in scores:
        values.setdefault(score["review"], {})[score["criterion"]] = score["value"]
    settings = dict(round_row["settings"] or {})
    settings.setdefault("normalisation", round_row["normalisation"] or None)
    advancement = round_row["advancement"] or {}
    if "top_n" in advancement:
        settings.setdefault("top_n", advancement["top_n"])
    try:
        rubric = round_rubric({**round_row, "edition.enabled_plugins": round_row["edition.enabled_plugins"]})
    except ValueError:
        rubric = None
    data = RoundData(
        round_code=round_row["code"], kind=round_row["kind"], rubric=rubric, settings=settings,
        entries=tuple(entries), groups={a["id"]: a["track.code"] or "" for a in applications},
        reviews=tuple(
            ReviewData(entry=r["assignment.application"], juror=r["assignment.juror"], status=r["status"],
                       total=r["total"], values=values.get(r["id"], {}))
            for r in reviews if r["assignment.application"] in entries),
        checklists=tuple(
            {"entry": r["assignment.application"], "juror": r["assignment.juror"], "status": r["status"],
             "outcome": (r["checklist"] or {}).get("outcome", ""),
             "items": (r["checklist"] or {}).get("items", {})}
            for r in reviews if r["assignment.application"] in entries and r["checklist"]),
        consensus={t["application"]: t["score"] for t in await ConsensusThread.select(
            ConsensusThread.application, ConsensusThread.score).where(
            ConsensusThread.round == round_row["id"], ConsensusThread.score.is_not_null())
            if t["application"] in entries},
        comparisons=tuple(c for c in await round_comparisons(round_row["id"])
                          if c[0] in entries and c[1] in entries),
        rankings=await round_rankings(round_row["id"], entries=tuple(entries)),
        seed=seed,
    )
    return data, entries


async def round_results(*, actor: SessionUser, edition_slug: str, round_code: str,
                        seed: int = 0) -> tuple[RoundResults, dict[int, EntryInfo]]:
    """Computed by the round's workflow plugin, from submitted reviews only."""
    round_row = await _round_for_organiser(actor, edition_slug, round_code)
    workflow = active_registry().workflows(enabled=round_row["edition.enabled_plugins"] or []).get(
        round_row["workflow"] or "rubric")
    if workflow is None or not workflow.computes_results:
        raise NoResults(round_code)
    data, entries = await gather_round(round_row, seed=seed)
    return workflow.compute(data), entries


@dataclass(frozen=True)
class ChecklistOutcome:
    """An entry's admissibility as its reviewers' checklists say, for the organiser to confirm or settle."""

    entry: EntryInfo
    outcome: str  # admissible, not_admissible, disputed, pending
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    reviews: int


async def checklist_outcomes(*, actor: SessionUser, edition_slug: str, round_code: str) -> list[ChecklistOutcome]:
    """Per entry of an admissibility round: the outcome its checklist workflow computes, with the reasons."""
    results, entries = await round_results(actor=actor, edition_slug=edition_slug, round_code=round_code)
    return [ChecklistOutcome(entry=entries[row.entry], outcome=row.outcome or "pending", reasons=row.reasons,
                             flags=row.flags, reviews=row.n)
            for row in results.rows if row.entry in entries]


ADMISSIBILITY_KIND = "admissibility"


async def admissibility_page(*, actor: SessionUser, edition_slug: str, track: str = "", area: str = "",
                             status: str = "") -> AdmissionPage:
    """The organiser's admissibility page, with what the reviewers' checklists suggest for each entry and who said
    what: the workflow's outcome, and each reviewer's conclusion with the items they failed and why."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    round_row = await Round.select(Round.code).where(
        Round.edition == edition.id, Round.kind == ADMISSIBILITY_KIND).order_by(Round.position).first()
    suggestions = {} if round_row is None else await _checklist_suggestions(actor, edition_slug, round_row["code"])
    return await admission.admission_page(actor=actor, edition_slug=edition_slug, track=track, area=area,
                                          status=status, suggestions=suggestions)


async def _checklist_suggestions(actor: SessionUser, edition_slug: str, round_code: str) -> dict[int, Suggestion]:
    round_row = await _round_for_organiser(actor, edition_slug, round_code)
    workflow = active_registry().workflows(enabled=round_row["edition.enabled_plugins"] or []).get(
        round_row["workflow"] or "rubric")
    if workflow is None or not workflow.computes_results:
        return {}
    data, _entries = await gather_round(round_row)
    submitted = [c for c in data.checklists if c.get("status") == SUBMITTED_REVIEW]
    if not submitted:
        return {}
    reviewers = sorted({c["juror"] for c in submitted})
    names = {a["id"]: a["display_name"] or a["email"] for a in await Account.select(
        Account.id, Account.display_name, Account.email).where(Account.id.is_in(reviewers))}
    items = {item.code: item.label for item in checklist_items(data.settings)}
    opinions: dict[int, list[ChecklistOpinion]] = {}
    for checklist in sorted(submitted, key=lambda c: names.get(c["juror"], "")):
        failed = tuple((items.get(code, {"it": code, "en": code}), str(answer.get("reason", "")))
                       for code, answer in (checklist.get("items") or {}).items() if answer.get("passed") is False)
        opinions.setdefault(checklist["entry"], []).append(ChecklistOpinion(
            reviewer=names.get(checklist["juror"], ""), outcome=checklist.get("outcome", ""), failed=failed))
    return {row.entry: Suggestion(outcome=row.outcome or "pending", opinions=tuple(opinions[row.entry]))
            for row in workflow.compute(data).rows if row.entry in opinions}
