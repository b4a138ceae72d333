"""The signed-in person's own page: who they are and which parts they play in which editions."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.applications import submission
from core.people import accounts, privacy
from web.auth import signed_in
from web.dependencies import AppSettings, SignedInUser


@get("/me", guards=[signed_in], include_in_schema=False)
async def my_page(user: SignedInUser) -> Template:
    overview = await accounts.roles_overview(user=user)
    mine = await submission.own_applications(user=user)
    sessions = await accounts.sessions_of(user=user)
    return Template(template_name="me.html", context={"user": user, "overview": overview, "applications": mine,
                                                      "sessions": sessions})


@post("/me/sessions/{session_id:int}/end", guards=[signed_in], include_in_schema=False)
async def end_session(user: SignedInUser, session_id: FromPath[int]) -> Redirect:
    """Sign out a browser the person left signed in elsewhere."""
    await accounts.end_session(user=user, session_id=session_id)
    return Redirect(path="/me#sessions")


@get("/me/data", guards=[signed_in], include_in_schema=False)
async def my_data(user: SignedInUser) -> Template:
    consents = await privacy.consents_of(user=user)
    return Template(template_name="my_data.html", context={"consents": consents, "error": ""})


@post("/me/data/export", guards=[signed_in], include_in_schema=False, status_code=200)
async def export_data(user: SignedInUser, settings: AppSettings) -> Response:
    archive = await privacy.export_personal_data(user=user, settings=settings)
    return Response(archive, media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="giuria-my-data.zip"', "Cache-Control": "no-store"})


@post("/me/consents/{consent_id:int}/withdraw", guards=[signed_in], include_in_schema=False)
async def withdraw_consent(user: SignedInUser, consent_id: FromPath[int]) -> Redirect:
    await privacy.withdraw_consent(user=user, consent_id=consent_id)
    return Redirect(path="/me/data")


@post("/me/erase", guards=[signed_in], include_in_schema=False)
async def erase(request: Request, user: SignedInUser, settings: AppSettings) -> Response:
    """Erasure is final, so the person types their email to confirm it."""
    form = await request.form()
    try:
        await privacy.erase_account(user=user, settings=settings, confirm_email=str(form.get("confirm_email", "")))
    except privacy.ErasureNotConfirmed as refused:
        consents = await privacy.consents_of(user=user)
        return Template(template_name="my_data.html", status_code=400, context={
            "consents": consents, "error": refused.message})
    request.clear_session()
    return Template(template_name="erased.html")


ROUTES = [my_page, end_session, my_data, export_data, withdraw_consent, erase]
