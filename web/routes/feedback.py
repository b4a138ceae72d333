"""Feedback to applicants: the applicant's page and PDF, and the organiser's preview, moderation and release.

The services check who asks (an applicant only their own entry, after release; an organiser only their edition).
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.platform.i18n import current_language
from core.results import feedback
from web.auth import signed_in
from web.dependencies import AppSettings, ConsoleEdition, SignedInUser
from web.downloads import PRIVATE_FILE_HEADERS, content_disposition
from web.routes.organise import organiser_only

CONTEXT = {"band_labels": feedback.BAND_LABELS}


@get("/applications/{application_id:int}/feedback/{code:str}", guards=[signed_in], include_in_schema=False)
async def applicant_feedback(user: SignedInUser, application_id: FromPath[int], code: FromPath[str]) -> Template:
    page = await feedback.applicant_feedback(user=user, application_id=application_id, round_code=code)
    return Template(template_name="applicant/feedback.html", context={"feedback": page, **CONTEXT})


@get("/applications/{application_id:int}/feedback/{code:str}/pdf", guards=[signed_in], include_in_schema=False)
async def applicant_feedback_pdf(user: SignedInUser, application_id: FromPath[int], code: FromPath[str]) -> Response:
    page = await feedback.applicant_feedback(user=user, application_id=application_id, round_code=code)
    content = feedback.feedback_pdf(page, language=current_language())
    return Response(content=content, media_type="application/pdf", headers={
        "content-disposition": content_disposition(f"feedback-{code}-{application_id}.pdf"), **PRIVATE_FILE_HEADERS})


# -- the organiser ----------------------------------------------------------------------------------------------


@get("/organise/{slug:str}/rounds/{code:str}/feedback", guards=[organiser_only], include_in_schema=False)
async def round_feedback(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                         code: FromPath[str]) -> Template:
    summary = await feedback.round_feedback(actor=user, edition_slug=slug, round_code=code)
    return Template(template_name="organise/feedback_round.html", context={
        "edition": edition, "section": "results", "summary": summary,
        "done": request.query_params.get("done", ""), **CONTEXT})


def _entry_page(edition, preview, *, code: str, errors=None, typed=None, status: int = 200,
                saved: bool = False) -> Template:
    return Template(template_name="organise/feedback_entry.html", status_code=status, context={
        "edition": edition, "section": "results", "preview": preview, "feedback": preview.feedback,
        "round_code": code, "errors": errors or {}, "typed": typed or {}, "saved": saved, **CONTEXT})


@get("/organise/{slug:str}/rounds/{code:str}/feedback/entries/{application_id:int}", guards=[organiser_only],
     include_in_schema=False)
async def entry_feedback(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                         code: FromPath[str], application_id: FromPath[int]) -> Template:
    preview = await feedback.preview_feedback(actor=user, edition_slug=slug, round_code=code,
                                              application_id=application_id)
    return _entry_page(edition, preview, code=code, saved=request.query_params.get("saved") == "1")


@post("/organise/{slug:str}/rounds/{code:str}/feedback/entries/{application_id:int}/comments/{review_id:int}",
      guards=[organiser_only], include_in_schema=False)
async def moderate_comment(request: Request, user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                           code: FromPath[str], application_id: FromPath[int], review_id: FromPath[int]) -> Response:
    form = await request.form()
    text, reason = str(form.get("text", "")), str(form.get("reason", ""))
    withheld = form.get("action") == "withhold"
    try:
        await feedback.moderate_comment(actor=user, edition_slug=slug, round_code=code,
                                        application_id=application_id, review_id=review_id, text=text,
                                        withheld=withheld, reason=reason)
    except feedback.CommentInvalid as invalid:
        preview = await feedback.preview_feedback(actor=user, edition_slug=slug, round_code=code,
                                                  application_id=application_id)
        return _entry_page(edition, preview, code=code, status=400, errors={review_id: invalid.errors},
                           typed={review_id: {"text": text, "reason": reason}})
    return Redirect(path=f"/organise/{slug}/rounds/{code}/feedback/entries/{application_id}?saved=1#comments")


@get("/organise/{slug:str}/rounds/{code:str}/feedback/release", guards=[organiser_only], include_in_schema=False)
async def release_confirmation(user: SignedInUser, edition: ConsoleEdition, slug: FromPath[str],
                               code: FromPath[str]) -> Template:
    check = await feedback.release_check(actor=user, edition_slug=slug, round_code=code)
    return Template(template_name="organise/feedback_release.html", context={
        "edition": edition, "section": "results", "check": check, "summary": check.round, "notice": ""})


@post("/organise/{slug:str}/rounds/{code:str}/feedback/release", guards=[organiser_only], include_in_schema=False)
async def release(user: SignedInUser, settings: AppSettings, edition: ConsoleEdition, slug: FromPath[str],
                  code: FromPath[str]) -> Response:
    try:
        await feedback.release_feedback(actor=user, edition_slug=slug, round_code=code, settings=settings)
    except feedback.FeedbackRefused as refused:
        check = await feedback.release_check(actor=user, edition_slug=slug, round_code=code)
        return Template(template_name="organise/feedback_release.html", status_code=409, context={
            "edition": edition, "section": "results", "check": check, "summary": check.round,
            "notice": refused.message})
    return Redirect(path=f"/organise/{slug}/rounds/{code}/feedback?done=released")


ROUTES = [applicant_feedback, applicant_feedback_pdf, round_feedback, entry_feedback, moderate_comment,
          release_confirmation, release]
