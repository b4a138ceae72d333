"""The organiser's calls: the edition's applications, admissibility outcomes, a round's ranking and decisions."""

from __future__ import annotations

from litestar import get, post, put
from litestar.params import FromPath, JSONBody, Parameter

from core.applications import admin, admission, listing
from core.applications.admission import AdmissionRefused
from core.platform.i18n import gettext as _
from core.results import advancement, awards
from core.results.advancement import StageRefused
from web.dependencies import AppSettings
from web.routes.api_v1.access import READ_ERRORS, SECURITY, WRITE_ERRORS, Caller, Writer, decode_cursor, encode_cursor
from web.routes.api_v1.invalid import Invalid
from web.routes.api_v1.schemas import (
    AdmissibilityIn,
    ApplicationLineOut,
    ApplicationOut,
    ApplicationsPageOut,
    AttachmentOut,
    AwardOut,
    ChangedOut,
    DecisionOut,
    DecisionsOut,
    StageIn,
)

TAGS = ["organiser"]


@get("/api/v1/editions/{slug:str}/applications", tags=TAGS, security=SECURITY, responses=READ_ERRORS,
     summary="The edition's applications, a page at a time (organisers)")
async def list_applications(caller: Caller, slug: FromPath[str],
                            status: str | None = Parameter(default=None, max_length=40),
                            track: str | None = Parameter(default=None, max_length=40),
                            cursor: str | None = Parameter(default=None, max_length=100),
                            limit: int = Parameter(default=50, ge=1, le=listing.MAX_PAGE)) -> ApplicationsPageOut:
    page = await listing.applications_for_organiser(actor=caller.user, edition_slug=slug, status=status,
                                                    track=track, after_id=decode_cursor(cursor), limit=limit)
    return ApplicationsPageOut(
        items=[ApplicationLineOut(id=line.id, status=line.status, track=line.track, entity_name=line.entity_name,
                                  receipt_number=line.receipt_number, submitted_at=line.submitted_at,
                                  updated_at=line.updated_at) for line in page.lines],
        next_cursor=encode_cursor(page.next_after_id))


@get("/api/v1/editions/{slug:str}/applications/{application_id:int}", tags=TAGS, security=SECURITY,
     responses=READ_ERRORS, summary="One application with its answers and its files' metadata (organisers)")
async def application_detail(caller: Caller, slug: FromPath[str], application_id: FromPath[int]) -> ApplicationOut:
    found = await admin.application_for_organiser(actor=caller.user, edition_slug=slug,
                                                  application_id=application_id)
    view = found.view
    return ApplicationOut(
        id=view.id, status=view.status, track=view.track, area=view.area, entity_name=found.entity_name,
        applicant_email=found.applicant_email, applicant_name=found.applicant_name,
        receipt_number=view.receipt_number, submitted_at=view.submitted_at, answers=view.values,
        attachments=[AttachmentOut(field=a["field"], filename=a["filename"], content_type=a["content_type"],
                                   size_bytes=a["size_bytes"]) for a in view.attachments.values()])


@post("/api/v1/editions/{slug:str}/admissibility", tags=TAGS, security=SECURITY, responses=WRITE_ERRORS,
      status_code=200, summary="Mark submitted applications admissible or not admissible (organisers, write)")
async def mark_admissibility(writer: Writer, slug: FromPath[str], data: JSONBody[AdmissibilityIn]) -> ChangedOut:
    try:
        changed = await admission.mark_admissibility(actor=writer.user, edition_slug=slug,
                                                     application_ids=data.application_ids, outcome=data.outcome,
                                                     reason=data.reason)
    except AdmissionRefused as refused:
        raise Invalid(refused.errors) from None
    return ChangedOut(changed=changed)


def _decisions(proposal: advancement.Proposal) -> DecisionsOut:
    return DecisionsOut(
        round=proposal.round.code, positive=proposal.positive, negative=proposal.negative, staged=proposal.staged,
        published_at=proposal.published_at,
        decisions=[DecisionOut(application_id=row.row.entry, rank=row.row.rank, score=row.row.score,
                               score_low=row.row.low, score_high=row.row.high, rank_low=row.row.rank_low,
                               rank_high=row.row.rank_high, proposed=row.proposed, decided=row.current,
                               reason=row.reason, basis=row.basis) for row in proposal.rows])


@get("/api/v1/editions/{slug:str}/rounds/{round_code:str}/decisions", tags=TAGS, security=SECURITY,
     responses=READ_ERRORS, summary="A round's ranking with intervals, and the decisions proposed and staged")
async def round_decisions(caller: Caller, settings: AppSettings, slug: FromPath[str],
                          round_code: FromPath[str]) -> DecisionsOut:
    proposal = await advancement.advancement_proposal(actor=caller.user, edition_slug=slug, round_code=round_code,
                                                      settings=settings)
    return _decisions(proposal)


@put("/api/v1/editions/{slug:str}/rounds/{round_code:str}/decisions", tags=TAGS, security=SECURITY,
     responses=WRITE_ERRORS, summary="Stage the round's decisions (organisers, write); publishing stays on the page")
async def stage_decisions(writer: Writer, settings: AppSettings, slug: FromPath[str], round_code: FromPath[str],
                          data: JSONBody[StageIn]) -> DecisionsOut:
    try:
        proposal = await advancement.stage_decisions(
            actor=writer.user, edition_slug=slug, round_code=round_code, settings=settings,
            choices={d.application_id: d.outcome for d in data.decisions},
            reasons={d.application_id: d.reason for d in data.decisions})
    except StageRefused as refused:
        messages = {"reason_required": _("A decision that differs from the proposal needs a reason."),
                    "unknown_outcome": _("This outcome does not exist for this round.")}
        raise Invalid({str(entry): messages.get(code, code) for entry, code in refused.errors.items()}) from None
    return _decisions(proposal)


@get("/api/v1/editions/{slug:str}/awards", tags=TAGS, security=SECURITY, responses=READ_ERRORS,
     summary="The edition's awards and their conditions (organisers)")
async def list_awards(caller: Caller, settings: AppSettings, slug: FromPath[str]) -> list[AwardOut]:
    page = await awards.awards_page(actor=caller.user, edition_slug=slug, settings=settings)
    return [AwardOut(id=a.id, prize=a.prize.code, application_id=a.application_id, entity_name=a.entity_name,
                     status=a.status, conditions=[dict(c) for c in a.conditions]) for a in page.awards]


ROUTES = [list_applications, application_detail, mark_admissibility, round_decisions, stage_decisions, list_awards]
