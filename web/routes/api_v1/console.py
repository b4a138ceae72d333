"""The organiser's other calls: how the edition is built, a round's assignment (read, add, remove), publishing a
round's decisions with a confirmation, and the audit log a page at a time."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar import delete, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody, Parameter

from core.editions import audit_log, setup
from core.judging import assignments
from core.results import advancement
from web.dependencies import AppSettings
from web.routes.api_v1.access import READ_ERRORS, SECURITY, WRITE_ERRORS, Caller, Writer, decode_cursor, encode_cursor
from web.routes.api_v1.invalid import Invalid
from web.routes.api_v1.schemas import (
    AnchorOut,
    AreaStructureOut,
    AssignmentIn,
    AuditEventOut,
    AuditPageOut,
    CreatedOut,
    CriterionOut,
    EditionStructureOut,
    MailBatchOut,
    PrizeStructureOut,
    PublicationOut,
    PublishedOut,
    PublishIn,
    RoundAssignmentOut,
    RoundAssignmentsOut,
    RoundEntryOut,
    RoundJurorOut,
    RoundStructureOut,
    RubricOut,
    TrackStructureOut,
)

TAGS = ["organiser"]
MAX_AUDIT_PAGE = 200


def _rubric(rubric) -> RubricOut | None:
    if rubric is None:
        return None
    return RubricOut(name=rubric.name, label=dict(rubric.label), criteria=[CriterionOut(
        code=c.code, label=dict(c.label), weight=c.weight, min=c.min, max=c.max, step=c.step,
        anchors=[AnchorOut(value=a.value, label=dict(a.label)) for a in c.anchors], threshold=c.threshold,
        counted=c.counted, required=c.required) for c in rubric.criteria])


@get("/api/v1/editions/{slug:str}/structure", tags=TAGS, security=SECURITY, responses=READ_ERRORS,
     summary="The edition's tracks, areas, rounds with their rubrics (criteria, weights, anchors) and prizes")
async def edition_structure(caller: Caller, slug: FromPath[str]) -> EditionStructureOut:
    built = await setup.edition_structure(actor=caller.user, edition_slug=slug)
    spec = built.spec
    return EditionStructureOut(
        slug=spec.edition.slug, title=dict(spec.edition.title), year=spec.edition.year, status=spec.edition.status,
        time_zone=spec.edition.time_zone,
        tracks=[TrackStructureOut(code=t.code, name=dict(t.name)) for t in spec.tracks],
        areas=[AreaStructureOut(code=a.code, name=dict(a.name), regions=list(a.regions)) for a in spec.areas],
        rounds=[RoundStructureOut(
            code=r.spec.code, name=dict(r.spec.name), kind=r.spec.kind, workflow=r.spec.workflow, status=r.status,
            opens_at=r.opens_at, closes_at=r.closes_at, blind=r.spec.blind, jurors_per_entry=r.spec.jurors_per_entry,
            rubric=_rubric(r.rubric)) for r in built.rounds],
        prizes=[PrizeStructureOut(
            code=p.code, name=dict(p.name), kind=p.kind, sponsor=p.sponsor, amount_eur=p.amount_eur,
            quantity=p.quantity, target={k: v for k, v in msgspec.structs.asdict(p.target).items() if v is not None},
            conditions=list(p.conditions)) for p in spec.prizes])


@get("/api/v1/editions/{slug:str}/rounds/{round_code:str}/assignments", tags=TAGS, security=SECURITY,
     responses=READ_ERRORS, summary="A round's assignment: who reviews which entry, the jurors and the entries")
async def round_assignments(caller: Caller, slug: FromPath[str], round_code: FromPath[str]) -> RoundAssignmentsOut:
    page = await assignments.assignment_page(actor=caller.user, edition_slug=slug, round_code=round_code)
    return RoundAssignmentsOut(
        round=page.round_code, jurors_per_entry=page.per_entry,
        assignments=[RoundAssignmentOut(id=a.id, application_id=a.entry, entry_label=a.entry_label, juror_id=a.juror,
                                        juror_name=a.juror_name, status=a.status, origin=a.origin,
                                        reviewed=a.reviewed) for a in page.assignments],
        jurors=[RoundJurorOut(id=j.id, name=j.name, organisation=j.organisation, tracks=list(j.tracks), load=j.load)
                for j in page.jurors],
        entries=[RoundEntryOut(application_id=entry, label=label) for entry, label in page.entries])


@post("/api/v1/editions/{slug:str}/rounds/{round_code:str}/assignments", tags=TAGS, security=SECURITY,
      responses=WRITE_ERRORS, status_code=201,
      summary="Put a juror on an entry by hand, as the assignment page does (organisers, write)")
async def add_assignment(writer: Writer, slug: FromPath[str], round_code: FromPath[str],
                         data: JSONBody[AssignmentIn]) -> CreatedOut:
    try:
        assignment_id = await assignments.add_assignment(actor=writer.user, edition_slug=slug, round_code=round_code,
                                                         application_id=data.application_id, juror_id=data.juror_id)
    except assignments.AssignmentRefused as refused:
        raise Invalid({refused.field: refused.message}) from None
    return CreatedOut(id=assignment_id)


@delete("/api/v1/editions/{slug:str}/rounds/{round_code:str}/assignments/{assignment_id:int}", tags=TAGS,
        security=SECURITY, responses=WRITE_ERRORS,
        summary="Take a juror off an entry, while no review of it is written (organisers, write)")
async def remove_assignment(writer: Writer, slug: FromPath[str], round_code: FromPath[str],
                            assignment_id: FromPath[int]) -> None:
    try:
        await assignments.remove_assignment(actor=writer.user, edition_slug=slug, round_code=round_code,
                                            assignment_id=assignment_id)
    except assignments.AssignmentGone:
        raise NotFoundException() from None


def _publication(check: advancement.PublicationCheck) -> PublicationOut:
    return PublicationOut(
        round=check.proposal.round.code, scoring_closed=check.proposal.round.scoring_closed, staged=check.staged_count,
        fingerprint=check.fingerprint, can_publish=check.can_publish and check.staged_count > 0,
        published_at=check.proposal.published_at, missing_reviews=[r.entry for r in check.missing_reviews],
        uncertain=[r.entry for r in check.uncertain],
        mails=[MailBatchOut(outcome=m.outcome, language=m.language, count=m.count) for m in check.mails])


@get("/api/v1/editions/{slug:str}/rounds/{round_code:str}/publication", tags=TAGS, security=SECURITY,
     responses=READ_ERRORS,
     summary="What publishing the round's staged decisions would do: gaps, uncertain places, mail to go")
async def publication(caller: Caller, settings: AppSettings, slug: FromPath[str],
                      round_code: FromPath[str]) -> PublicationOut:
    return _publication(await advancement.publication_check(actor=caller.user, edition_slug=slug,
                                                            round_code=round_code, settings=settings))


@post("/api/v1/editions/{slug:str}/rounds/{round_code:str}/publication", tags=TAGS, security=SECURITY,
      responses=WRITE_ERRORS, status_code=200,
      summary="Publish the staged decisions confirmed by count and fingerprint (organisers, write); 409 while "
              "scoring is open or if they changed")
async def publish(writer: Writer, settings: AppSettings, slug: FromPath[str], round_code: FromPath[str],
                  data: JSONBody[PublishIn]) -> PublishedOut:
    published = await advancement.publish_decisions(
        actor=writer.user, edition_slug=slug, round_code=round_code, settings=settings,
        expected=(data.expected_count, data.expected_fingerprint))
    return PublishedOut(published=published)


@get("/api/v1/editions/{slug:str}/audit", tags=TAGS, security=SECURITY, responses=READ_ERRORS,
     summary="The edition's audit events, oldest first, a page at a time; filter by kind, subject and dates")
async def audit_events(caller: Caller, slug: FromPath[str],
                       action: str | None = Parameter(default=None, max_length=80,
                                                      description="An event kind, or a prefix such as `award.`"),
                       subject: str | None = Parameter(default=None, max_length=80,
                                                       description="`application`, `application:12` or `12`"),
                       date_from: date | None = Parameter(default=None, description="From this day (edition's time)"),
                       date_to: date | None = Parameter(default=None, description="To this day, inclusive"),
                       cursor: str | None = Parameter(default=None, max_length=100),
                       limit: int = Parameter(default=50, ge=1, le=MAX_AUDIT_PAGE)) -> AuditPageOut:
    filters = audit_log.AuditFilter(action=action or "", subject=subject or "",
                                    date_from=date_from.isoformat() if date_from else "",
                                    date_to=date_to.isoformat() if date_to else "")
    try:
        rows, next_after = await audit_log.audit_events_after(actor=caller.user, edition_slug=slug, filters=filters,
                                                              after_id=decode_cursor(cursor), limit=limit)
    except audit_log.FilterRefused as refused:
        raise ValidationException("; ".join(refused.errors.values())) from None
    return AuditPageOut(items=[AuditEventOut(id=r.id, at=r.at, actor=r.actor, action=r.action,
                                             subject_type=r.subject_type, subject_id=r.subject_id, data=r.data)
                               for r in rows], next_cursor=encode_cursor(next_after))


ROUTES = [edition_structure, round_assignments, add_assignment, remove_assignment, publication, publish, audit_events]
