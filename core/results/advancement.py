"""Advancement: the round's rule proposes who goes on, the organiser edits it with reasons, and decisions are
staged, then published together.

Staged decisions are Decision rows without `published_at`: applicants see neither them nor any change of
status until publication, which sets every decision's `published_at`, moves each application to its
outcome, writes the audit log and queues one notice per applicant in their language, in one transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.applications import lifecycle
from core.judging.rounds import SCORING_CLOSED, close_after_publication
from core.messaging import events, jobs, mail
from core.platform import audit, db
from core.platform.errors import Refused
from core.platform.i18n import gettext as _
from core.platform.i18n import pick
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Appeal, Application, Decision, Edition, Round
from core.results.combined import combined_for_row
from core.results.leaderboard import BoardRow, RoundHead, _round, round_head, standing
from core.results.rounds import EntryInfo
from scoring.advance import Candidate, Rule, parse_rule, propose

POSITIVE = {"final_pitch": lifecycle.WINNER}
NEGATIVE = {"final_pitch": lifecycle.NOT_WINNER}
# A round followed by mentoring or the final makes finalists; other rounds advance entries to the next round.
FINALIST_BEFORE = ("mentoring", "final_pitch")
MAIL_TEMPLATES = set(lifecycle.ROUND_OUTCOMES)


class DecisionsPublished(Refused):
    """The round's decisions are already published: they can no longer be staged or edited here."""

    def __init__(self, round_code: str) -> None:
        super().__init__(_("These decisions are already published and can no longer be changed."))
        self.round_code = round_code


class NothingStaged(Refused):
    """Publication was asked for a round without staged decisions."""

    def __init__(self, round_code: str) -> None:
        super().__init__(_("Stage the decisions first."))
        self.round_code = round_code


class ScoringStillOpen(Refused):
    """Decisions are published only from a round whose scoring the organiser has closed."""

    def __init__(self, round_code: str) -> None:
        super().__init__(_("Jurors can still save scores in this round: close scoring before publishing."))
        self.round_code = round_code


class NothingToConfirm(Refused):
    """No published decision of the round needs review."""

    def __init__(self, round_code: str) -> None:
        super().__init__(_("No published decision of this round needs review."))
        self.round_code = round_code


class PublicationChanged(Refused):
    """The staged decisions are not those the caller confirmed (restaged meanwhile): nothing was published."""

    def __init__(self, round_code: str) -> None:
        super().__init__(_("The staged decisions changed since you checked them: check them again, then publish."))
        self.round_code = round_code


@dataclass
class StageRefused(ValueError):
    """Some changes lack a reason (or name an unknown outcome): errors by entry id; nothing was staged."""

    errors: dict[int, str] = field(default_factory=dict)


# -- The proposal as the organiser sees it ----------------------------------------------------------


@dataclass(frozen=True)
class ProposalRow:
    row: BoardRow
    proposed: str
    basis: str
    staged: str | None = None
    reason: str = ""

    @property
    def current(self) -> str:
        return self.staged or self.proposed

    @property
    def changed(self) -> bool:
        return self.current != self.proposed


@dataclass(frozen=True)
class Proposal:
    round: RoundHead
    rule: Rule
    positive: str
    negative: str
    rows: tuple[ProposalRow, ...]
    top: int | None
    intervals: bool
    staged: bool
    published_at: datetime | None
    job: jobs.JobView | None = None
    needs_review: int = 0  # published decisions marked for review since scoring was reopened
    appeal_reviews: int = 0  # entries an upheld appeal sent back to new jurors, decided on the redress page
    combined: str = ""  # the combined ranking used, in words ("30% Online jury + 70% Final pitch"); "" for the round's

    @property
    def advancing(self) -> int:
        return sum(1 for r in self.rows if r.current == self.positive)

    @property
    def uncertain(self) -> int:
        return sum(1 for r in self.rows if r.row.uncertain)


async def outcomes(round_row: Mapping[str, Any]) -> tuple[str, str]:
    """The outcomes of this round's decisions: (advancing, not advancing), by its kind and the round after it."""
    advancement = round_row["advancement"] or {}
    kind = round_row["kind"]
    if kind in POSITIVE:
        return POSITIVE[kind], NEGATIVE[kind]
    if advancement.get("outcome") in (lifecycle.ADVANCED, lifecycle.FINALIST):
        return advancement["outcome"], lifecycle.NOT_ADVANCED
    position = await Round.select(Round.position).where(Round.id == round_row["id"]).first()
    later = await Round.select(Round.kind).where(
        Round.edition == round_row["edition"], Round.position > position["position"]).order_by(Round.position).first()
    if later is not None and later["kind"] in FINALIST_BEFORE:
        return lifecycle.FINALIST, lifecycle.NOT_ADVANCED
    return lifecycle.ADVANCED, lifecycle.NOT_ADVANCED


def _board_row(result, info: EntryInfo, k: int) -> BoardRow:
    return BoardRow(entry=result.entry, title=info.title, entity_name=info.entity_name, track_code=info.track_code,
                    track=info.track, area_code=info.area_code, area=info.area, group=result.group, rank=result.rank,
                    score=result.score, low=result.low, high=result.high, rank_low=result.rank_low,
                    rank_high=result.rank_high, p_top=result.p_top, n=result.n, flags=result.flags,
                    missing=max(0, k - result.n))


async def in_appeal_review(round_id: int) -> set[int]:
    """Entries an upheld appeal sent back to new jurors and not yet concluded: their decision is kept or changed
    on the redress page (`core.results.appeals.conclude_review`), never confirmed with the round's."""
    return {a["application"] for a in await Appeal.select(Appeal.application).where(
        Appeal.round == round_id, Appeal.status == "upheld", Appeal.effect == "review", Appeal.new_outcome == "")}


async def _proposal(round_row: dict[str, Any], *, settings: Settings) -> Proposal:
    head = round_head(round_row)
    rule = parse_rule(head.advancement)
    positive, negative = await outcomes(round_row)
    found = await standing(round_row, settings=settings, method=head.configured_method, group="all",
                           top=rule.top_n)
    combined = await combined_for_row(round_row, settings=settings, top=rule.top_n)
    if combined is not None:
        ranking, _entries = combined
        n_reviews = {r.entry: r.n for r in found.results.rows}
        ranked = ranking.results(n_reviews)
        listed = {r.entry for r in ranked}
        unranked = tuple(dataclasses.replace(r, rank=None, score=None, low=None, high=None, rank_low=None,
                                             rank_high=None, p_top=None)
                         for r in found.results.rows if r.entry not in listed)
        found = dataclasses.replace(found, results=dataclasses.replace(found.results, rows=ranked + unranked),
                                    intervals=ranking.intervals)
    picks = propose([Candidate(entry=r.entry, rank=r.rank, score=r.score, track=found.entries[r.entry].track_code,
                               area=found.entries[r.entry].area_code, flags=r.flags)
                     for r in found.results.rows if r.entry in found.entries], rule)
    decisions = {d["application"]: d for d in await Decision.select().where(Decision.round == head.id)}
    appealed = await in_appeal_review(head.id)
    published = [d["published_at"] for d in decisions.values() if d["published_at"] is not None]
    rows = []
    for result in sorted(found.results.rows, key=lambda r: (r.rank is None, r.rank or 0, r.entry)):
        if result.entry not in found.entries:
            continue
        pick_ = picks[result.entry]
        decision = decisions.get(result.entry)
        rows.append(ProposalRow(
            row=_board_row(result, found.entries[result.entry], head.jurors_per_entry),
            proposed=positive if pick_.advance else negative, basis=pick_.basis,
            staged=decision["outcome"] if decision else None, reason=decision["reason"] if decision else ""))
    return Proposal(round=head, rule=rule, positive=positive, negative=negative, rows=tuple(rows), top=rule.top_n,
                    intervals=found.intervals, staged=bool(decisions) and not published,
                    published_at=max(published) if published else None, job=found.job,
                    needs_review=sum(1 for d in decisions.values() if d["needs_review"] and d["application"] not in
                                     appealed),
                    appeal_reviews=sum(1 for d in decisions.values() if d["needs_review"] and d["application"] in
                                       appealed),
                    combined=combined[0].description if combined else "")


async def advancement_proposal(*, actor: SessionUser, edition_slug: str, round_code: str,
                               settings: Settings) -> Proposal:
    """The rule's proposal beside any staged or published decisions; RoundNotFound for non-organisers."""
    return await _proposal(await _round(actor, edition_slug, round_code), settings=settings)


async def stage_decisions(*, actor: SessionUser, edition_slug: str, round_code: str, settings: Settings,
                          choices: Mapping[int, str], reasons: Mapping[int, str]) -> Proposal:
    """Stage one decision per entry: the proposal's, or the organiser's choice with its reason (required)."""
    round_row = await _round(actor, edition_slug, round_code)
    proposal = await _proposal(round_row, settings=settings)
    if proposal.published_at is not None:
        raise DecisionsPublished(round_code)
    allowed = {proposal.positive, proposal.negative}
    errors: dict[int, str] = {}
    chosen: dict[int, tuple[str, str]] = {}
    for row in proposal.rows:
        outcome = choices.get(row.row.entry, row.proposed)
        reason = " ".join(str(reasons.get(row.row.entry, "")).split())[:1000]
        if outcome not in allowed:
            errors[row.row.entry] = "unknown_outcome"
        elif outcome != row.proposed and not reason:
            errors[row.row.entry] = "reason_required"
        chosen[row.row.entry] = (outcome, reason)
    if errors:
        raise StageRefused(errors)
    now = datetime.now(UTC)
    changes = [{"application": row.row.entry, "proposed": row.proposed, "decided": chosen[row.row.entry][0],
                "reason": chosen[row.row.entry][1]} for row in proposal.rows
               if chosen[row.row.entry][0] != row.proposed]
    async with db.write_transaction():
        if await Decision.exists().where(Decision.round == proposal.round.id, Decision.published_at.is_not_null()):
            raise DecisionsPublished(round_code)
        await Decision.delete().where(Decision.round == proposal.round.id)
        if chosen:
            await Decision.insert(*(Decision(round=proposal.round.id, application=entry, outcome=outcome,
                                             reason=reason, decided_by=actor.id, staged_at=now)
                                    for entry, (outcome, reason) in chosen.items()))
        await audit.record("decisions.staged", actor_id=actor.id, edition_id=proposal.round.edition_id,
                           subject_type="round", subject_id=proposal.round.id,
                           data={"round": round_code, "decisions": len(chosen),
                                 "advancing": sum(1 for o, _r in chosen.values() if o == proposal.positive),
                                 "changes": changes})
    return await _proposal(round_row, settings=settings)


def staged_fingerprint(decisions: list[dict[str, Any]]) -> str:
    """A short digest of staged decisions (entry, outcome, reason): what a confirmation names exactly."""
    lines = sorted(f"{d['application']}\t{d['outcome']}\t{d['reason']}" for d in decisions)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


async def _unpublished(round_id: int) -> list[dict[str, Any]]:
    return await Decision.select(Decision.application, Decision.outcome, Decision.reason).where(
        Decision.round == round_id, Decision.published_at.is_null())


async def publish_decisions(*, actor: SessionUser, edition_slug: str, round_code: str, settings: Settings,
                            now: datetime | None = None, expected: tuple[int, str] | None = None) -> int:
    """Publish every staged decision of the round at once; returns how many were published.

    `expected` (count, `staged_fingerprint`) is what the caller confirmed: if the staged decisions differ,
    nothing is published (PublicationChanged).
    """
    round_row = await _round(actor, edition_slug, round_code)
    now = now or datetime.now(UTC)
    edition = await Edition.select(Edition.title).output(load_json=True).where(Edition.id == round_row[
            "edition"]).first()
    round_name = round_row["name"] or {}
    async with db.write_transaction():
        if not await Round.exists().where(Round.id == round_row["id"], Round.status == SCORING_CLOSED):
            raise ScoringStillOpen(round_code)
        if expected is not None:
            pending = await _unpublished(round_row["id"])
            if pending and (len(pending), staged_fingerprint(pending)) != expected:
                raise PublicationChanged(round_code)
        # The atomic step: of two publications at once, only one finds the decisions still unpublished.
        published = await Decision.update({Decision.published_at: now}).where(
            Decision.round == round_row["id"], Decision.published_at.is_null()).returning(Decision.id)
        if not published:
            if await Decision.exists().where(Decision.round == round_row["id"]):
                raise DecisionsPublished(round_code)
            raise NothingStaged(round_code)
        staged = await Decision.select(
            Decision.id, Decision.application, Decision.outcome, Decision.reason,
            Decision.application.applicant.email, Decision.application.applicant.locale,
            Decision.application.applicant.display_name, Decision.application.status,
        ).where(Decision.id.is_in([d["id"] for d in published])).order_by(Decision.application)
        notices: list[mail.MailRequest] = []
        for decision in staged:
            status = lifecycle.transition(decision["application.status"], decision["outcome"])
            await Application.update({Application.status: status, Application.updated_at: now}).where(
                Application.id == decision["application"])
            await audit.record("application.status_changed", actor_id=actor.id, edition_id=round_row["edition"],
                               subject_type="application", subject_id=decision["application"],
                               data={"round": round_code, "from": decision["application.status"],
                                     "to": decision["outcome"], "reason": decision["reason"]})
            if decision["outcome"] in MAIL_TEMPLATES and decision["application.applicant.email"]:
                language = decision["application.applicant.locale"] or "it"
                notices.append(mail.MailRequest(
                    to=decision["application.applicant.email"], template=f"decision/{decision['outcome']}",
                    language=language, kind=f"decision.{decision['outcome']}",
                    context={"name": decision["application.applicant.display_name"],
                             "edition_title": pick(edition["title"] or {}, language),
                             "round_name": pick(round_name, language), "reason": decision["reason"],
                             "status_link": mail.absolute_url(settings.base_url,
                                                              f"/applications/{decision['application']}")}))
        await close_after_publication(round_row["id"])
        await audit.record("decisions.published", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_code, "decisions": len(staged)})
        await events.emit("decisions.published", edition_id=round_row["edition"], subject_type="round",
                          subject_id=round_row["id"], data={"round": round_code, "decisions": len(staged)}, at=now,
                          mails=notices)
    return len(staged)


# -- Before publishing, and after scoring reopened -------------------------------------------------


@dataclass(frozen=True)
class MailBatch:
    """The notices of one kind in one language about to go out."""

    outcome: str
    language: str
    count: int


@dataclass(frozen=True)
class PublicationCheck:
    """What the organiser confirms before publishing: gaps in the reviews, places not settled, mail to go."""

    proposal: Proposal
    missing_reviews: tuple[BoardRow, ...]
    uncertain: tuple[BoardRow, ...]
    mails: tuple[MailBatch, ...]
    staged_count: int = 0
    fingerprint: str = ""  # of the staged decisions, for `publish_decisions(expected=...)`

    @property
    def can_publish(self) -> bool:
        return self.proposal.round.scoring_closed and self.proposal.staged


def _crosses(row: BoardRow, top: int | None) -> bool:
    """The entry's rank interval holds places on both sides of the cut."""
    return bool(top) and row.rank_low is not None and row.rank_high is not None and (
        min(row.rank_low, row.rank_high) <= top < max(row.rank_low, row.rank_high))


async def publication_check(*, actor: SessionUser, edition_slug: str, round_code: str,
                            settings: Settings) -> PublicationCheck:
    """The confirmation page's facts, from the staged decisions and the round's reviews."""
    round_row = await _round(actor, edition_slug, round_code)
    proposal = await _proposal(round_row, settings=settings)
    staged = await Decision.select(Decision.outcome, Decision.application.applicant.locale,
                                   Decision.application.applicant.email).where(
        Decision.round == round_row["id"], Decision.published_at.is_null())
    counts: dict[tuple[str, str], int] = {}
    for decision in staged:
        if decision["outcome"] in MAIL_TEMPLATES and decision["application.applicant.email"]:
            key = (decision["outcome"], decision["application.applicant.locale"] or "it")
            counts[key] = counts.get(key, 0) + 1
    pending = await _unpublished(round_row["id"])
    return PublicationCheck(
        proposal=proposal,
        missing_reviews=tuple(r.row for r in proposal.rows if r.row.missing or r.row.n == 0),
        uncertain=tuple(r.row for r in proposal.rows if r.row.uncertain or _crosses(r.row, proposal.top)),
        mails=tuple(MailBatch(outcome=o, language=lang, count=n) for (o, lang), n in sorted(counts.items())),
        staged_count=len(pending), fingerprint=staged_fingerprint(pending))


async def confirm_decisions(*, actor: SessionUser, edition_slug: str, round_code: str) -> int:
    """The organiser re-confirms the published decisions after reopened scoring, once scoring is closed again."""
    round_row = await _round(actor, edition_slug, round_code)
    async with db.write_transaction():
        if not await Round.exists().where(Round.id == round_row["id"], Round.status == SCORING_CLOSED):
            raise ScoringStillOpen(round_code)
        appealed = await in_appeal_review(round_row["id"])
        confirmed = await Decision.update({Decision.needs_review: False}).where(
            Decision.round == round_row["id"], Decision.needs_review.eq(True),
            *([Decision.application.not_in(sorted(appealed))] if appealed else [])).returning(Decision.id)
        if not confirmed:
            raise NothingToConfirm(round_code)
        await audit.record("decisions.reconfirmed", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_code, "decisions": len(confirmed)})
    return len(confirmed)
