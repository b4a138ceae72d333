"""Appeals after publication: within a round's appeal window an applicant appeals against its decision on a
stated ground; the organisers of the edition decide with reasons.

An upheld appeal has an effect: the entry goes back for review by jurors who had not reviewed it and have no
declared conflict with it (its decision marked as needing review), or the decision's outcome changes. Upheld on the
ground of an undeclared conflict, the review of the juror named by the organisers stops counting: their assignment
is recused, like one released for a conflict, so every ranking, total, export and feedback of the entry leaves it
out. Every effect is audited with the appeal it comes from, and the applicant is mailed in their language (and each
juror of a new panel in theirs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.applications import lifecycle
from core.editions import access
from core.judging import assignments, clarifications
from core.judging.clarifications import ApplicantClarification, QueueItem
from core.messaging import mail
from core.messaging.organiser_notices import APPEAL_FILED, mail_organisers
from core.platform import audit, db, i18n
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.i18n import pick
from core.platform.identity import SessionUser
from core.platform.tables import (
    Account,
    Appeal,
    Application,
    Assignment,
    ConflictOfInterest,
    Decision,
    Edition,
    Review,
    RoleGrant,
    Round,
)


def N_(message: str) -> str:
    return message


GROUNDS = {
    "procedural": N_("A procedural error"),
    "conflict": N_("An undeclared conflict of interest"),
    "factual": N_("A factual error in the record"),
}
VERDICTS = ("dismiss", "uphold")
EFFECTS = {"review": N_("Send the entry back for review by other jurors"),
           "change": N_("Change the decision")}
PENDING, DISMISSED, UPHELD = "pending", "dismissed", "upheld"
STATUS_LABELS = {PENDING: N_("waiting for a decision"), DISMISSED: N_("dismissed"), UPHELD: N_("upheld")}
OUTCOME_LABELS = {
    lifecycle.ADVANCED: N_("advanced to the next round"), lifecycle.NOT_ADVANCED: N_("not advanced"),
    lifecycle.FINALIST: N_("finalist"), lifecycle.WINNER: N_("winner"),
    lifecycle.NOT_WINNER: N_("not among the winners"), lifecycle.ADMISSIBLE: N_("admissible"),
    lifecycle.NOT_ADMISSIBLE: N_("not admissible"),
}
WINDOW_KEY = "appeal_days"
MAX_DAYS = 90
MAX_TEXT = 5000
MAX_REASONS = 5000
DEFAULT_PANEL = 3
APPEAL_RULE = "appeal"  # a conflict of interest recorded by an upheld appeal (ConflictOfInterest.rule and .source)
APPEAL_REVIEW_MAIL = "jury/appeal_review"  # to each juror of the new panel of an upheld appeal
REVIEWED_MAIL = "appeal/reviewed"  # to the applicant, once the new panel's review is concluded


class AppealNotFound(NotFound):
    """No such appeal or decision, or not this person's."""


class AppealRefused(Refused):
    """The rules refuse this now (outside the window, no ground, no reasons…); `message` says why."""


def window_days(settings: dict[str, Any] | None) -> int:
    """The round's appeal window in days after publication; 0 means the round takes no appeals."""
    value = (settings or {}).get(WINDOW_KEY, 0)
    return value if isinstance(value, int) and 0 <= value <= MAX_DAYS else 0


# -- the applicant ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealView:
    id: int
    ground: str
    text: str
    status: str
    effect: str
    new_outcome: str
    reasons: str
    created_at: datetime
    decided_at: datetime | None
    review_reasons: str = ""  # the reasons for the decision taken after the re-review
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class RoundAppeal:
    """A published decision on the applicant's entry and whether it can be appealed now."""

    round_id: int
    round_name: dict[str, str]
    outcome: str
    published_at: datetime
    days: int
    closes_at: datetime | None
    open: bool
    appeal: AppealView | None


@dataclass(frozen=True)
class ApplicantRedress:
    """What the applicant's overview shows of questions from the jury and of appeals."""

    application_id: int
    time_zone: str
    clarifications: list[ApplicantClarification]
    rounds: list[RoundAppeal]
    grounds: dict[str, str] = field(default_factory=lambda: dict(GROUNDS))


def _view(row: dict[str, Any]) -> AppealView:
    return AppealView(id=row["id"], ground=row["ground"], text=row["text"], status=row["status"],
                      effect=row["effect"], new_outcome=row["new_outcome"], reasons=row["reasons"],
                      created_at=row["created_at"], decided_at=row["decided_at"],
                      review_reasons=row["review_reasons"] or "", reviewed_at=row["reviewed_at"])


async def _own_application(user: SessionUser, application_id: int) -> dict[str, Any]:
    row = await Application.select(Application.id, Application.applicant, Application.edition,
                                   Application.edition.time_zone, Application.status).where(
        Application.id == application_id).first()
    if row is None or row["applicant"] != user.id:
        raise AppealNotFound(application_id)
    return row


async def applicant_redress(*, user: SessionUser, application_id: int,
                            now: datetime | None = None) -> ApplicantRedress:
    """The jury's questions to this application and its appealable decisions, for its applicant only."""
    now = now or datetime.now(UTC)
    application = await _own_application(user, application_id)
    decisions = await Decision.select(
        Decision.round, Decision.round.name, Decision.round.settings, Decision.outcome, Decision.published_at,
    ).output(load_json=True).where(Decision.application == application_id,
                                    Decision.published_at.is_not_null()).order_by(Decision.round.position)
    appeals = {a["round"]: a for a in await Appeal.select().where(Appeal.application == application_id)}
    rounds = []
    for d in decisions:
        days = window_days(d["round.settings"])
        closes = d["published_at"] + timedelta(days=days) if days else None
        appeal = appeals.get(d["round"])
        rounds.append(RoundAppeal(
            round_id=d["round"], round_name=d["round.name"] or {}, outcome=d["outcome"],
            published_at=d["published_at"], days=days, closes_at=closes,
            open=bool(closes) and now <= closes and appeal is None, appeal=_view(appeal) if appeal else None))
    return ApplicantRedress(
        application_id=application_id, time_zone=application["edition.time_zone"] or "Europe/Rome",
        clarifications=await clarifications.applicant_clarifications(user=user, application_id=application_id,
                                                                     now=now),
        rounds=[r for r in rounds if r.days or r.appeal])


async def file_appeal(*, user: SessionUser, application_id: int, round_id: int, ground: str, text: str,
                      now: datetime | None = None, base_url: str = "") -> int:
    """The applicant's appeal against a published decision, inside the round's window; the organisers are mailed."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        application = await _own_application(user, application_id)
        decision = await Decision.select(
            Decision.id, Decision.outcome, Decision.published_at, Decision.round.settings, Decision.round.code,
        ).output(load_json=True).where(Decision.application == application_id, Decision.round == round_id,
                                        Decision.published_at.is_not_null()).first()
        if decision is None:
            raise AppealNotFound(round_id)
        days = window_days(decision["round.settings"])
        if not days:
            raise AppealRefused(_("The decisions of this round cannot be appealed."))
        closes = decision["published_at"] + timedelta(days=days)
        if now > closes:
            raise AppealRefused(_("The time to appeal against this decision ended on {date}.").format(
                date=i18n.format_moment(closes, application["edition.time_zone"] or "Europe/Rome")))
        if await Appeal.exists().where(Appeal.round == round_id, Appeal.application == application_id):
            raise AppealRefused(_("You have already appealed against this decision."))
        if ground not in GROUNDS:
            raise AppealRefused(_("Choose the ground of your appeal."))
        body = (text or "").replace("\r\n", "\n").strip()
        if not body:
            raise AppealRefused(_("Explain your appeal: what went wrong, and how it affected the decision."))
        if len(body) > MAX_TEXT:
            raise AppealRefused(_("A text can have at most {count} characters.").format(count=MAX_TEXT))
        appeal_id = (await Appeal.insert(Appeal(round=round_id, application=application_id, applicant=user.id,
                                                ground=ground, text=body, status=PENDING, created_at=now)))[0]["id"]
        await audit.record("appeal.filed", actor_id=user.id, edition_id=application["edition"],
                           subject_type="appeal", subject_id=appeal_id,
                           data={"round": decision["round.code"], "entry": application_id, "ground": ground})
        await mail_organisers(template=APPEAL_FILED, round_id=round_id, application_id=application_id,
                              base_url=base_url)
    return appeal_id


# -- the organisers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealItem:
    """An appeal as the organisers see it, with the decision it is against."""

    id: int
    round_code: str
    round_name: dict[str, str]
    application_id: int
    entry_title: str
    entity_name: str
    outcome: str
    ground: str
    text: str
    status: str
    effect: str
    new_outcome: str
    reasons: str
    created_at: datetime
    decided_at: datetime | None
    decided_by: str
    rereview: ReReview | None = None  # an upheld appeal that sent the entry back for review, until concluded
    panel: tuple[PanelJuror, ...] = ()  # a pending appeal on a conflict: the jurors whose review counts now


@dataclass(frozen=True)
class PanelJuror:
    """A juror whose review of the entry counts, whom the organisers may name as the one with the conflict."""

    id: int
    name: str


@dataclass(frozen=True)
class ReReview:
    """How far the new panel of an upheld appeal has got, and the mean totals of the first and the new panel, apart;
    the first panel's without the review excluded for a conflict upheld on appeal (`excluded` names its juror)."""

    assigned: int
    submitted: int
    first_mean: float | None
    new_mean: float | None
    first_count: int = 0
    excluded: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.assigned > 0 and self.submitted == self.assigned


@dataclass(frozen=True)
class RoundWindow:
    code: str
    name: dict[str, str]
    days: int


@dataclass
class RedressQueue:
    """The organisers' page: questions to approve, answers to clear, appeals to decide, and the windows."""

    edition: access.OrganisedEdition
    clarifications: list[QueueItem]
    appeals: list[AppealItem]
    windows: list[RoundWindow] = field(default_factory=list)
    outcomes: tuple[str, ...] = lifecycle.ROUND_OUTCOMES

    @property
    def to_approve(self) -> list[QueueItem]:
        return [c for c in self.clarifications if c.status == clarifications.ASKED]

    @property
    def to_clear(self) -> list[QueueItem]:
        return [c for c in self.clarifications if c.status == clarifications.ANSWERED]

    @property
    def waiting(self) -> list[QueueItem]:
        return [c for c in self.clarifications if c.status == clarifications.SENT]

    @property
    def done(self) -> list[QueueItem]:
        return [c for c in self.clarifications if c.status in (clarifications.SHOWN, clarifications.DECLINED)]

    @property
    def pending_appeals(self) -> list[AppealItem]:
        return [a for a in self.appeals if a.status == PENDING]

    @property
    def in_review(self) -> list[AppealItem]:
        return [a for a in self.appeals if a.rereview is not None]

    @property
    def decided_appeals(self) -> list[AppealItem]:
        return [a for a in self.appeals if a.status != PENDING]


async def _edition(actor: SessionUser, edition_slug: str) -> access.OrganisedEdition:
    return await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)


async def redress_queue(*, actor: SessionUser, edition_slug: str) -> RedressQueue:
    """Everything pending of clarifications and appeals in the edition, for its organisers."""
    edition = await _edition(actor, edition_slug)
    rows = await Appeal.select(
        Appeal.id, Appeal.round, Appeal.round.code, Appeal.round.name, Appeal.application,
        Appeal.application.title, Appeal.application.entity_name, Appeal.ground, Appeal.text, Appeal.status,
        Appeal.effect, Appeal.new_outcome, Appeal.reasons, Appeal.created_at, Appeal.decided_at,
        Appeal.decided_by.display_name, Appeal.decided_by.email,
    ).output(load_json=True).where(Appeal.round.edition == edition.id).order_by(Appeal.id, ascending=False)
    decisions = await Decision.select(Decision.round, Decision.application, Decision.outcome,
                                      Decision.needs_review).where(Decision.round.edition == edition.id)
    outcomes = {(d["round"], d["application"]): d["outcome"] for d in decisions}
    flagged = {(d["round"], d["application"]) for d in decisions if d["needs_review"]}
    rereviews = {}
    panels: dict[int, tuple[PanelJuror, ...]] = {}
    for r in rows:
        if r["status"] == UPHELD and r["effect"] == "review" and (r["round"], r["application"]) in flagged:
            rereviews[r["id"]] = await _rereview(r["round"], r["application"])
        if r["status"] == PENDING and r["ground"] == "conflict":
            panels[r["id"]] = tuple(PanelJuror(id=j["juror"], name=j["juror.display_name"] or j["juror.email"])
                                    for j in await _counting_jurors(r["round"], r["application"]))
    appeals = [AppealItem(
        id=r["id"], round_code=r["round.code"], round_name=r["round.name"] or {}, application_id=r["application"],
        entry_title=r["application.title"] or "", entity_name=r["application.entity_name"] or "",
        outcome=outcomes.get((r["round"], r["application"]), ""), ground=r["ground"], text=r["text"],
        status=r["status"], effect=r["effect"], new_outcome=r["new_outcome"], reasons=r["reasons"],
        created_at=r["created_at"], decided_at=r["decided_at"],
        decided_by=r["decided_by.display_name"] or r["decided_by.email"] or "",
        rereview=rereviews.get(r["id"]), panel=panels.get(r["id"], ())) for r in rows]
    rounds = await Round.select(Round.code, Round.name, Round.settings).output(load_json=True).where(
        Round.edition == edition.id).order_by(Round.position)
    return RedressQueue(edition=edition, clarifications=await clarifications.edition_clarifications(
        edition_id=edition.id), appeals=appeals,
        windows=[RoundWindow(code=r["code"], name=r["name"] or {}, days=window_days(r["settings"]))
                 for r in rounds])


async def set_appeal_window(*, actor: SessionUser, edition_slug: str, round_code: str, days: int) -> None:
    """How many days after publication the round's decisions may be appealed (0: not at all)."""
    if not 0 <= days <= MAX_DAYS:
        raise AppealRefused(_("The appeal window is from 0 to {count} days.").format(count=MAX_DAYS))
    edition = await _edition(actor, edition_slug)
    async with db.write_transaction():
        row = await db.locked(Round.select(Round.id, Round.settings).output(load_json=True).where(
            Round.edition == edition.id, Round.code == round_code)).first()
        if row is None:
            raise AppealNotFound(round_code)
        settings = dict(row["settings"] or {})
        before = window_days(settings)
        settings[WINDOW_KEY] = days
        await Round.update({Round.settings: settings}).where(Round.id == row["id"])
        await audit.record("round.appeal_window", actor_id=actor.id, edition_id=edition.id, subject_type="round",
                           subject_id=row["id"], data={"round": round_code, "previous": before, "value": days})


async def _counting_jurors(round_id: int, application_id: int) -> list[dict[str, Any]]:
    """The first panel's jurors of the entry in the round whose assignment still counts, by name."""
    return await Assignment.select(Assignment.juror, Assignment.juror.display_name, Assignment.juror.email).where(
        Assignment.round == round_id, Assignment.application == application_id, Assignment.status != "recused",
        Assignment.origin != assignments.APPEAL_ORIGIN).order_by(Assignment.juror.display_name, Assignment.juror)


async def _rereview(round_id: int, application_id: int) -> ReReview:
    rows = await Assignment.select(Assignment.origin, Assignment.status, Assignment.id).where(
        Assignment.round == round_id, Assignment.application == application_id, Assignment.status != "recused")
    totals = {r["assignment"]: r["total"] for r in await Review.select(Review.assignment, Review.total).where(
        Review.assignment.is_in([r["id"] for r in rows] or [0]), Review.status == "submitted")}
    first = [totals[r["id"]] for r in rows if r["origin"] != assignments.APPEAL_ORIGIN
             and totals.get(r["id"]) is not None]
    new = [r for r in rows if r["origin"] == assignments.APPEAL_ORIGIN]
    new_totals = [totals[r["id"]] for r in new if totals.get(r["id"]) is not None]
    excluded = await ConflictOfInterest.select(ConflictOfInterest.juror.display_name,
                                               ConflictOfInterest.juror.email).where(
        ConflictOfInterest.round == round_id, ConflictOfInterest.application == application_id,
        ConflictOfInterest.rule == APPEAL_RULE).order_by(ConflictOfInterest.id)
    return ReReview(assigned=len(new), submitted=sum(1 for r in new if r["id"] in totals),
                    first_mean=sum(first) / len(first) if first else None,
                    new_mean=sum(new_totals) / len(new_totals) if new_totals else None, first_count=len(first),
                    excluded=tuple(e["juror.display_name"] or e["juror.email"] for e in excluded))


async def conclude_review(*, actor: SessionUser, edition_slug: str, appeal_id: int, outcome: str, reasons: str,
                          base_url: str = "", now: datetime | None = None) -> str:
    """Once the new panel of an upheld appeal has reviewed the entry, the organisers keep or change its decision,
    with reasons; the decision no longer needs review, and the applicant is mailed. Returns the outcome."""
    now = now or datetime.now(UTC)
    edition = await _edition(actor, edition_slug)
    text = (reasons or "").replace("\r\n", "\n").strip()
    if outcome not in lifecycle.ROUND_OUTCOMES:
        raise AppealRefused(_("Choose the outcome of the decision after the review."))
    if not text:
        raise AppealRefused(_("Write the reasons for the decision; the applicant reads them."))
    if len(text) > MAX_REASONS:
        raise AppealRefused(_("A text can have at most {count} characters.").format(count=MAX_REASONS))
    async with db.write_transaction():
        row = await Appeal.select(
            Appeal.id, Appeal.round, Appeal.round.code, Appeal.round.name, Appeal.application, Appeal.status,
            Appeal.effect,
        ).output(load_json=True).where(Appeal.id == appeal_id, Appeal.round.edition == edition.id).first()
        if row is None:
            raise AppealNotFound(appeal_id)
        decision = await db.locked(Decision.select(Decision.id, Decision.outcome, Decision.needs_review).where(
            Decision.round == row["round"], Decision.application == row["application"])).first()
        if row["status"] != UPHELD or row["effect"] != "review" or decision is None or not decision["needs_review"]:
            raise AppealRefused(_("This entry is not waiting for a decision after a review."))
        progress = await _rereview(row["round"], row["application"])
        if not progress.complete:
            raise AppealRefused(_("Wait until the new jurors have submitted their reviews: {submitted} of {assigned} "
                                  "so far.").format(submitted=progress.submitted, assigned=progress.assigned))
        application = await Application.select(
            Application.status, Application.applicant.email, Application.applicant.locale,
            Application.applicant.display_name).where(Application.id == row["application"]).first()
        subject = {"round": row["round.code"], "entry": row["application"], "appeal": appeal_id}
        changed = outcome != decision["outcome"]
        if changed:
            status_now = lifecycle.transition(application["status"], outcome)
            await Application.update({Application.status: status_now, Application.updated_at: now}).where(
                Application.id == row["application"])
            await audit.record("application.status_changed", actor_id=actor.id, edition_id=edition.id,
                               subject_type="application", subject_id=row["application"],
                               data={**subject, "from": application["status"], "to": outcome, "reason": text})
        await Decision.update({Decision.outcome: outcome, Decision.reason: text, Decision.decided_by: actor.id,
                               Decision.needs_review: False}).where(Decision.id == decision["id"])
        await Appeal.update({Appeal.new_outcome: outcome, Appeal.review_reasons: text,
                             Appeal.reviewed_at: now}).where(Appeal.id == appeal_id)
        await audit.record("appeal.review_concluded", actor_id=actor.id, edition_id=edition.id,
                           subject_type="appeal", subject_id=appeal_id,
                           data={**subject, "previous": decision["outcome"], "to": outcome, "reason": text})
        if application["applicant.email"]:
            language = application["applicant.locale"] or "it"
            title = (await Edition.select(Edition.title).output(load_json=True).where(
                Edition.id == edition.id).first())["title"]
            with i18n.language(language):
                outcome_label = _(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else outcome
            await mail.enqueue_mail(
                to=application["applicant.email"], template=REVIEWED_MAIL, language=language, kind=REVIEWED_MAIL,
                edition_slug=edition_slug, context={
                    "name": application["applicant.display_name"], "edition_title": pick(title or {}, language),
                    "round_name": pick(row["round.name"] or {}, language), "changed": changed,
                    "outcome": outcome_label, "reasons": text,
                    "status_link": mail.absolute_url(base_url, f"/applications/{row['application']}")})
    return outcome


async def _exclude_conflicted(*, actor: SessionUser, edition_id: int, round_id: int, application_id: int,
                              juror: int | str, subject: dict[str, Any], reasons: str) -> int:
    """The review of the juror whose undeclared conflict the upheld appeal showed stops counting, from now on and
    everywhere: their assignment is recused and the conflict recorded, with the appeal as its reason."""
    try:
        juror_id = int(juror)
    except (TypeError, ValueError):
        juror_id = 0
    if not 0 < juror_id < 2**63:  # no account has it, and the database driver would fail on it
        juror_id = 0
    assignment = await db.locked(Assignment.select(Assignment.id).where(
        Assignment.round == round_id, Assignment.application == application_id, Assignment.juror == juror_id,
        Assignment.status != "recused", Assignment.origin != assignments.APPEAL_ORIGIN)).first()
    if assignment is None:
        raise AppealRefused(_("Choose the juror whose undeclared conflict the appeal showed: their review of the "
                              "entry will no longer count."))
    await Assignment.update({Assignment.status: "recused"}).where(Assignment.id == assignment["id"])
    await ConflictOfInterest.insert(ConflictOfInterest(
        application=application_id, juror=juror_id, round=round_id, kind="other",
        reason=reasons[:2000],
        rule=APPEAL_RULE, source=APPEAL_RULE))
    await audit.record("review.excluded", actor_id=actor.id, edition_id=edition_id, subject_type="assignment",
                       subject_id=assignment["id"], data={**subject, "juror": juror_id, "reason": reasons})
    return juror_id


async def _new_jurors(*, edition_id: int, round_id: int, application_id: int, applicant_id: int,
                      count: int) -> list[int]:
    """Jurors of the edition who never had the entry in this round and have no conflict with it (declared, or found
    by the conflict rules), the least loaded first."""
    jurors = [g["account"] for g in await RoleGrant.select(RoleGrant.account).where(
        RoleGrant.edition == edition_id, RoleGrant.role == "juror", RoleGrant.account.is_active.eq(True))]
    had = {a["juror"] for a in await Assignment.select(Assignment.juror).where(
        Assignment.round == round_id, Assignment.application == application_id)}
    conflicted = {c["juror"] for c in await ConflictOfInterest.select(ConflictOfInterest.juror).where(
        ConflictOfInterest.application == application_id)}
    conflicted |= await assignments.conflicted_jurors(round_id=round_id, application_id=application_id)
    loads: dict[int, int] = {}
    for a in await Assignment.select(Assignment.juror).where(Assignment.round == round_id,
                                                             Assignment.status != "recused"):
        loads[a["juror"]] = loads.get(a["juror"], 0) + 1
    eligible = sorted({j for j in jurors if j not in had and j not in conflicted and j != applicant_id},
                      key=lambda j: (loads.get(j, 0), j))
    return eligible[:count]


async def _mail_new_juror(juror: dict[str, Any], *, assignment_id: int, entry: int, round_name: dict[str, str],
                          edition_id: int, edition_slug: str, base_url: str) -> None:
    """Tell a juror of the new panel that the entry waits for them although the round has closed; the mail names
    the entry by its number only (the round may be blind) and says nothing of the appeal's grounds."""
    if not juror["email"]:
        return
    language = juror["locale"] or "it"
    edition = await Edition.select(Edition.title).output(load_json=True).where(Edition.id == edition_id).first()
    title = edition["title"]
    await mail.enqueue_mail(
        to=juror["email"], template=APPEAL_REVIEW_MAIL, language=language, kind=APPEAL_REVIEW_MAIL,
        edition_slug=edition_slug, context={
            "name": juror["display_name"], "edition_title": pick(title or {}, language),
            "round_name": pick(round_name or {}, language), "entry": entry,
            "review_link": mail.absolute_url(base_url, f"/jury/assignments/{assignment_id}")})


async def decide_appeal(*, actor: SessionUser, edition_slug: str, appeal_id: int, verdict: str, reasons: str,
                        effect: str = "", new_outcome: str = "", conflicted_juror: int | str = "",
                        base_url: str = "", now: datetime | None = None) -> str:
    """Dismiss or uphold an appeal, with reasons; an upheld appeal sends the entry back for review or changes the
    decision, and upheld on a conflict it excludes the review of `conflicted_juror` (a juror of the first panel).
    Returns the appeal's new status."""
    now = now or datetime.now(UTC)
    edition = await _edition(actor, edition_slug)
    text = (reasons or "").replace("\r\n", "\n").strip()
    if verdict not in VERDICTS:
        raise AppealRefused(_("Choose whether the appeal is dismissed or upheld."))
    if not text:
        raise AppealRefused(_("Write the reasons for the decision; the applicant reads them."))
    if len(text) > MAX_REASONS:
        raise AppealRefused(_("A text can have at most {count} characters.").format(count=MAX_REASONS))
    if verdict == "uphold" and effect not in EFFECTS:
        raise AppealRefused(_("Choose what the upheld appeal changes."))
    async with db.write_transaction():
        row = await Appeal.select(
            Appeal.id, Appeal.round, Appeal.round.code, Appeal.round.name, Appeal.round.jurors_per_entry,
            Appeal.application, Appeal.ground,
        ).output(load_json=True).where(Appeal.id == appeal_id, Appeal.round.edition == edition.id).first()
        if row is None:
            raise AppealNotFound(appeal_id)
        status = (await db.locked(Appeal.select(Appeal.status).where(Appeal.id == appeal_id)).first())["status"]
        if status != PENDING:
            raise AppealRefused(_("This appeal has already been decided."))
        application = await Application.select(
            Application.status, Application.applicant, Application.applicant.email, Application.applicant.locale,
            Application.applicant.display_name).where(Application.id == row["application"]).first()
        decision = await Decision.select(Decision.id, Decision.outcome).where(
            Decision.round == row["round"], Decision.application == row["application"]).first()
        subject = {"round": row["round.code"], "entry": row["application"], "appeal": appeal_id}
        outcome = ""
        data: dict[str, Any] = {**subject, "verdict": DISMISSED if verdict == "dismiss" else UPHELD,
                                "reason": text}
        if verdict == "uphold" and row["ground"] == "conflict":
            data["excluded"] = await _exclude_conflicted(
                actor=actor, edition_id=edition.id, round_id=row["round"], application_id=row["application"],
                juror=conflicted_juror, subject=subject, reasons=text)
        if verdict == "uphold" and effect == "review":
            jurors = await _new_jurors(edition_id=edition.id, round_id=row["round"],
                                       application_id=row["application"], applicant_id=application["applicant"],
                                       count=row["round.jurors_per_entry"] or DEFAULT_PANEL)
            if not jurors:
                raise AppealRefused(_("No juror of the edition is left who has not reviewed this entry and has no "
                                      "conflict with it: invite more jurors, or change the decision instead."))
            people = {a["id"]: a for a in await Account.select(
                Account.id, Account.email, Account.locale, Account.display_name).where(Account.id.is_in(jurors))}
            for juror in jurors:
                assignment_id = (await Assignment.insert(Assignment(
                    round=row["round"], application=row["application"], juror=juror,
                    origin=assignments.APPEAL_ORIGIN, status="assigned")))[0]["id"]
                await audit.record("assignment.added", actor_id=actor.id, edition_id=edition.id,
                                   subject_type="assignment", subject_id=assignment_id,
                                   data={**subject, "juror": juror, "reason": text})
                await _mail_new_juror(people[juror], assignment_id=assignment_id, entry=row["application"],
                                      round_name=row["round.name"], edition_id=edition.id,
                                      edition_slug=edition_slug, base_url=base_url)
            if decision is not None:
                await Decision.update({Decision.needs_review: True}).where(Decision.id == decision["id"])
            data.update(kind="review", jurors=len(jurors))
        elif verdict == "uphold":
            if decision is None or new_outcome not in lifecycle.ROUND_OUTCOMES or new_outcome == decision["outcome"]:
                raise AppealRefused(_("Choose the new outcome of the decision (a different one)."))
            status_now = lifecycle.transition(application["status"], new_outcome)
            await Decision.update({Decision.outcome: new_outcome, Decision.reason: text,
                                   Decision.decided_by: actor.id}).where(Decision.id == decision["id"])
            await Application.update({Application.status: status_now, Application.updated_at: now}).where(
                Application.id == row["application"])
            await audit.record("application.status_changed", actor_id=actor.id, edition_id=edition.id,
                               subject_type="application", subject_id=row["application"],
                               data={**subject, "from": application["status"], "to": new_outcome,
                                     "reason": text})
            outcome = new_outcome
            data.update(kind="change", previous=decision["outcome"], to=new_outcome)
        await Appeal.update({
            Appeal.status: DISMISSED if verdict == "dismiss" else UPHELD,
            Appeal.effect: effect if verdict == "uphold" else "", Appeal.new_outcome: outcome,
            Appeal.reasons: text, Appeal.decided_by: actor.id, Appeal.decided_at: now,
        }).where(Appeal.id == appeal_id)
        await audit.record("appeal.decided", actor_id=actor.id, edition_id=edition.id, subject_type="appeal",
                           subject_id=appeal_id, data=data)
        if application["applicant.email"]:
            language = application["applicant.locale"] or "it"
            title = (await Edition.select(Edition.title).output(load_json=True).where(
                Edition.id == edition.id).first())["title"]
            with i18n.language(language):
                outcome_label = _(OUTCOME_LABELS[outcome]) if outcome in OUTCOME_LABELS else ""
            await mail.enqueue_mail(
                to=application["applicant.email"], template="appeal/decided", language=language,
                kind="appeal/decided", edition_slug=edition_slug, context={
                    "name": application["applicant.display_name"], "edition_title": pick(title or {}, language),
                    "round_name": pick(row["round.name"] or {}, language),
                    "upheld": verdict == "uphold", "effect": effect if verdict == "uphold" else "",
                    "outcome": outcome_label, "reasons": text,
                    "status_link": mail.absolute_url(base_url, f"/applications/{row['application']}")})
    return DISMISSED if verdict == "dismiss" else UPHELD


__all__ = [
    "EFFECTS",
    "GROUNDS",
    "AppealNotFound",
    "AppealRefused",
    "ApplicantRedress",
    "PanelJuror",
    "ReReview",
    "RedressQueue",
    "applicant_redress",
    "conclude_review",
    "decide_appeal",
    "file_appeal",
    "redress_queue",
    "set_appeal_window",
    "window_days",
]
