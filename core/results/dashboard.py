"""The organiser's edition home: the figures that matter now and the one thing to do next, from one service.

Every figure is counted here (applications by status, each judged round's reviews in and due, the jurors
behind, mail that could not leave, the edition's jobs at work) so that the page only shows them, and the next
action is chosen from the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from core.applications import lifecycle
from core.editions.access import OrganisedEdition, edition_for_organiser
from core.judging import progress
from core.messaging import jobs, mail
from core.platform.i18n import gettext as _
from core.platform.i18n import ngettext, pick
from core.platform.identity import SessionUser
from core.platform.tables import Job, OutgoingMail


@dataclass(frozen=True)
class RoundFigures:
    """A round with assignments: reviews in, reviews an even pace would have by now, jurors behind that pace."""

    code: str
    name: dict[str, str]
    is_open: bool
    closes_at: datetime | None
    assigned: int
    submitted: int
    due: int
    jurors: int
    jurors_behind: int


@dataclass(frozen=True)
class NextAction:
    """A sentence in the reader's language and the console page (a path under the edition) where it is done."""

    text: str
    path: str
    link: str


@dataclass(frozen=True)
class Dashboard:
    edition: OrganisedEdition
    rounds: tuple[RoundFigures, ...]
    mails_failing: int
    mails_retrying: int
    jobs_running: int
    next_action: NextAction

    @property
    def applications_total(self) -> int:
        return sum(count for _status, count in self.edition.applications_by_status)

    def applications(self, status: str) -> int:
        return dict(self.edition.applications_by_status).get(status, 0)


async def edition_dashboard(*, actor: SessionUser, edition_slug: str, now: datetime | None = None) -> Dashboard:
    """The figures of one edition for an organiser of it (EditionNotFound for anyone else)."""
    now = now or datetime.now(UTC)
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug, with_overview=True)
    judged = {summary.code for summary in await progress.edition_progress(actor=actor, edition_slug=edition.slug)
              if summary.assigned or summary.submitted}
    rounds = []
    for round_ in edition.rounds:
        if round_.code not in judged:
            continue
        report = await progress.round_progress(actor=actor, edition_slug=edition.slug, round_code=round_.code,
                                               now=now)
        active = [j for j in report.jurors if j.assigned]
        rounds.append(RoundFigures(
            code=round_.code, name=round_.name, is_open=report.is_open, closes_at=round_.closes_at,
            assigned=report.assigned, submitted=report.submitted,
            due=sum(min(j.expected_by_now, j.assigned) for j in active), jurors=len(active),
            jurors_behind=len(report.behind)))
    mails_failing = await OutgoingMail.count().where(OutgoingMail.status == mail.FAILED)
    mails_retrying = await OutgoingMail.count().where(OutgoingMail.status == mail.QUEUED, OutgoingMail.attempts > 0)
    jobs_running = await Job.count().where(Job.edition == edition.id, Job.status.is_in([jobs.QUEUED, jobs.RUNNING]))
    figures = Dashboard(edition=edition, rounds=tuple(rounds), mails_failing=mails_failing,
                        mails_retrying=mails_retrying, jobs_running=jobs_running,
                        next_action=NextAction(text="", path="", link=""))
    return replace(figures, next_action=_next_action(figures, now))


def _next_action(figures: Dashboard, now: datetime) -> NextAction:
    """The first of: finish the set-up, check admissibility, chase late jurors, follow an open round, decide a
    closed one; otherwise follow the jury."""
    edition = figures.edition
    if edition.status == "draft":
        return NextAction(_("The edition is still a draft: finish its set-up, then open the call."), "/setup",
                          _("Set up"))
    waiting = figures.applications(lifecycle.SUBMITTED)
    if waiting:
        return NextAction(ngettext("One application waits for the admissibility check.",
                                   "{count} applications wait for the admissibility check.", waiting).format(
                                       count=waiting), "/admissibility", _("Admissibility"))
    for round_ in figures.rounds:
        if round_.is_open and round_.jurors_behind:
            return NextAction(ngettext(
                "In {round}, one juror is behind the pace the deadline asks: remind them.",
                "In {round}, {count} jurors are behind the pace the deadline asks: remind them.",
                round_.jurors_behind).format(round=pick(round_.name), count=round_.jurors_behind),
                f"/rounds/{round_.code}/progress", _("Jury progress"))
    for round_ in figures.rounds:
        if round_.is_open and round_.submitted < round_.assigned:
            return NextAction(_("{round} is open: {submitted} of {assigned} reviews are in.").format(
                round=pick(round_.name), submitted=round_.submitted, assigned=round_.assigned),
                f"/rounds/{round_.code}/progress", _("Jury progress"))
    closed = [r for r in figures.rounds if not r.is_open and r.closes_at is not None and r.closes_at <= now]
    if closed:
        last = closed[-1]
        return NextAction(_("{round} has closed: read its leaderboard and decide who advances.").format(
            round=pick(last.name)), f"/rounds/{last.code}/results", _("Leaderboard"))
    return NextAction(_("Nothing waits for you now: the jury's progress shows what is under way."), "/progress",
                      _("Jury progress"))
