"""Calls for the token's owner in their other parts: who they are, a juror's entries and scores, a sponsor's
prizes, an applicant's own applications."""

from __future__ import annotations

from litestar import get, post, put
from litestar.params import FromPath, JSONBody

from core.applications import listing
from core.judging import juror_lists
from core.judging import reviews as judging
from core.sponsors import portal
from web.routes.api_v1.access import READ_ERRORS, SECURITY, WRITE_ERRORS, Caller, Writer
from web.routes.api_v1.invalid import Invalid
from web.routes.api_v1.schemas import (
    AssignmentOut,
    AttachmentOut,
    EntryOut,
    JurorAttachmentOut,
    MeOut,
    OwnApplicationOut,
    OwnReviewOut,
    PrizeOut,
    ReviewIn,
    SavedOut,
    SponsorOut,
    TeamMemberOut,
)


@get("/api/v1/me", tags=["account"], security=SECURITY, responses=READ_ERRORS,
     summary="The token's owner, their roles by edition, and what the token allows")
async def me(caller: Caller) -> MeOut:
    user = caller.user
    return MeOut(id=user.id, email=user.email, name=user.name, scope=caller.scope,  # type: ignore[arg-type]
                 edition=caller.edition_slug, roles={slug: sorted(roles) for slug, roles in user.roles.items()})


@get("/api/v1/editions/{slug:str}/jury/assignments", tags=["jury"], security=SECURITY, responses=READ_ERRORS,
     summary="The juror's own assigned entries in the edition")
async def juror_assignments(caller: Caller, slug: FromPath[str]) -> list[AssignmentOut]:
    lines = await juror_lists.juror_assignments(juror=caller.user, edition_slug=slug)
    return [AssignmentOut(id=line.assignment_id, round=line.round_code, label=line.label, status=line.status,
                          closes_at=line.closes_at) for line in lines]


async def _entry(caller: Caller, slug: str, assignment_id: int) -> EntryOut:
    await juror_lists.require_in_edition(juror=caller.user, assignment_id=assignment_id, edition_slug=slug)
    page = await judging.review_page(juror=caller.user, assignment_id=assignment_id)
    return EntryOut(
        assignment_id=page.assignment_id, round=page.round_code, blind=page.blind, open=page.open,
        conflict_cleared=page.conflict_cleared, label=page.entry_label, entity_name=page.entity_name,
        answers=page.answers,
        attachments=[JurorAttachmentOut(field=a["field"], content_type=a["content_type"], size_bytes=a["size_bytes"])
                     for a in page.attachments],
        team=[TeamMemberOut(full_name=m["full_name"], role=m["role"]) for m in page.team],
        review=OwnReviewOut(values=page.values, comments=page.comments, overall_comment=page.overall_comment,
                            feedback_to_applicant=page.feedback_to_applicant, confidence=page.confidence,
                            version=page.version, total=page.total, submitted=page.submitted))


@get("/api/v1/editions/{slug:str}/jury/assignments/{assignment_id:int}", tags=["jury"], security=SECURITY,
     responses=READ_ERRORS, summary="An assigned entry as the juror's page shows it (blind rounds stay blind)")
async def juror_entry(caller: Caller, slug: FromPath[str], assignment_id: FromPath[int]) -> EntryOut:
    return await _entry(caller, slug, assignment_id)


@post("/api/v1/editions/{slug:str}/jury/assignments/{assignment_id:int}/no-conflict", tags=["jury"],
      security=SECURITY, responses=WRITE_ERRORS, status_code=200,
      summary="The juror declares no conflict of interest with the entry, which then shows its content (write)")
async def juror_no_conflict(writer: Writer, slug: FromPath[str], assignment_id: FromPath[int]) -> EntryOut:
    await juror_lists.require_in_edition(juror=writer.user, assignment_id=assignment_id, edition_slug=slug)
    await judging.declare_no_conflict(juror=writer.user, assignment_id=assignment_id)
    return await _entry(writer, slug, assignment_id)


@put("/api/v1/editions/{slug:str}/jury/assignments/{assignment_id:int}/review", tags=["jury"], security=SECURITY,
     responses=WRITE_ERRORS, summary="Save the juror's scores as a draft, or submit them (write)")
async def juror_review(writer: Writer, slug: FromPath[str], assignment_id: FromPath[int],
                       data: JSONBody[ReviewIn]) -> SavedOut:
    outcome = await juror_lists.save_scores(
        juror=writer.user, assignment_id=assignment_id, edition_slug=slug, values=data.values,
        comments=data.comments, overall_comment=data.overall_comment,
        feedback_to_applicant=data.feedback_to_applicant, confidence=data.confidence, submit=data.submit)
    if not outcome.ok:
        raise Invalid({**outcome.errors, **{code: "changed_elsewhere" for code in outcome.conflicts}})
    return SavedOut(submitted=outcome.submitted, version=outcome.version, total=outcome.total)


@get("/api/v1/editions/{slug:str}/sponsor", tags=["sponsor"], security=SECURITY, responses=READ_ERRORS,
     summary="The sponsor's own organisation and prizes in the edition")
async def sponsor_prizes(caller: Caller, slug: FromPath[str]) -> SponsorOut:
    home = await portal.sponsor_home(actor=caller.user, edition_slug=slug)
    return SponsorOut(organisation=home.seat.organisation_name,
                      prizes=[PrizeOut(code=p.code, name=p.name, kind=p.kind, amount_eur=p.amount_eur, target=p.target)
                              for p in home.prizes])


@get("/api/v1/editions/{slug:str}/my/applications", tags=["applicant"], security=SECURITY, responses=READ_ERRORS,
     summary="The token owner's own applications to the edition")
async def own_applications(caller: Caller, slug: FromPath[str]) -> list[OwnApplicationOut]:
    views = await listing.own_applications_in(user=caller.user, edition_slug=slug)
    return [OwnApplicationOut(
        id=v.id, status=v.status, track=v.track, receipt_number=v.receipt_number, submitted_at=v.submitted_at,
        answers=v.values,
        attachments=[AttachmentOut(field=a["field"], filename=a["filename"], content_type=a["content_type"],
                                   size_bytes=a["size_bytes"]) for a in v.attachments.values()]) for v in views]


ROUTES = [me, juror_assignments, juror_entry, juror_no_conflict, juror_review, sponsor_prizes, own_applications]
