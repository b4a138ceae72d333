"""People in an edition: the organiser's invitations and role holders, and the invited person's acceptance page."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.people import invitations
from core.people.accounts import AccountError
from core.people.invitations import (
    InvitationInvalid,
    InviteForm,
    InviteOutcome,
    RoleNotRemovable,
    SignInRequired,
)
from core.platform.i18n import current_language
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from web.dependencies import AppSettings, SignedInUser, Visitor
from web.labels import ACCOUNT_ERRORS
from web.routes.organise import organiser_only


async def _people_page(user: SessionUser, slug: str, *, form: InviteForm | None = None,
                       outcome: InviteOutcome | None = None, notice: str = "", error: str = "",
                       counts: dict[str, int] | None = None, status: int = 200) -> Template:
    page = await invitations.people_page(actor=user, edition_slug=slug)
    return Template(template_name="organise/people.html", status_code=status, context={
        "edition": page.edition, "section": "people", "page": page,
        "form": form or InviteForm(language=current_language()),
        "errors": outcome.errors if outcome else {}, "counts": counts or {}, "notice": notice, "error": error,
        "roles": invitations.INVITABLE_ROLES,
    })


@get("/organise/{slug:str}/people", guards=[organiser_only], include_in_schema=False)
async def people(request: Request, user: SignedInUser, slug: FromPath[str]) -> Template:
    notices = {"resent": _("The invitation was sent again; the earlier link no longer works."),
               "revoked": _("The invitation was revoked; its link no longer works."),
               "removed": _("The role was removed.")}
    counts = {key: int(value) for key in ("invited", "renewed", "already")
              if (value := request.query_params.get(key, "")).isdigit()}
    return await _people_page(user, slug, notice=notices.get(request.query_params.get("done", ""), ""),
                              counts=counts)


@post("/organise/{slug:str}/people/invite", guards=[organiser_only], include_in_schema=False)
async def invite(request: Request, user: SignedInUser, settings: AppSettings, slug: FromPath[str]) -> Response:
    data = await request.form()
    form = InviteForm(**{name: str(data.get(name, "")).strip() if name != "emails" else str(data.get(name, ""))
                         for name in ("emails", "role", "round_code", "partner_id", "language")})
    outcome = await invitations.invite(settings=settings, actor=user, edition_slug=slug, form=form)
    if not outcome.ok:
        return await _people_page(user, slug, form=form, outcome=outcome, status=400)
    return Redirect(path=f"/organise/{slug}/people", query_params={
        "invited": str(len(outcome.invited)), "renewed": str(len(outcome.renewed)),
        "already": str(len(outcome.already))})


@post("/organise/{slug:str}/people/invitations/{invitation_id:int}/resend", guards=[organiser_only],
      include_in_schema=False)
async def resend(user: SignedInUser, settings: AppSettings, slug: FromPath[str],
                 invitation_id: FromPath[int]) -> Redirect:
    await invitations.resend_invitation(settings=settings, actor=user, edition_slug=slug, invitation_id=invitation_id)
    return Redirect(path=f"/organise/{slug}/people", query_params={"done": "resent"})


@post("/organise/{slug:str}/people/invitations/{invitation_id:int}/revoke", guards=[organiser_only],
      include_in_schema=False)
async def revoke(user: SignedInUser, slug: FromPath[str], invitation_id: FromPath[int]) -> Redirect:
    await invitations.revoke_invitation(actor=user, edition_slug=slug, invitation_id=invitation_id)
    return Redirect(path=f"/organise/{slug}/people", query_params={"done": "revoked"})


@post("/organise/{slug:str}/people/roles/{grant_id:int}/remove", guards=[organiser_only], include_in_schema=False)
async def remove_role(user: SignedInUser, slug: FromPath[str], grant_id: FromPath[int]) -> Response:
    try:
        await invitations.remove_role(actor=user, edition_slug=slug, grant_id=grant_id)
    except RoleNotRemovable as refused:
        return await _people_page(user, slug, error=refused.message, status=409)
    return Redirect(path=f"/organise/{slug}/people", query_params={"done": "removed"})


# -- the invited person ---------------------------------------------------------------------------------


def _invalid_link() -> Template:
    return Template(template_name="message.html", status_code=400, context={
        "title": _("Link not valid"),
        "text": _("This invitation has expired, was revoked or replaced by a newer one, or was already accepted. "
                  "Ask the organisers to send it again.")})


async def _invitation_page(visitor: SessionUser | None, settings: Settings, token: str, *, error: str = "",
                           display_name: str = "", status: int = 200) -> Template:
    try:
        view = await invitations.open_invitation(settings=settings, token=token)
    except InvitationInvalid:
        return _invalid_link()
    return Template(template_name="invitation.html", status_code=status, context={
        "view": view, "token": token, "error": error, "display_name": display_name, "me": visitor})


@get("/invitations/{token:str}", include_in_schema=False)
async def invitation(visitor: Visitor, settings: AppSettings, token: FromPath[str]) -> Template:
    return await _invitation_page(visitor, settings, token)


@post("/invitations/{token:str}", include_in_schema=False)
async def accept(request: Request, visitor: Visitor, settings: AppSettings, token: FromPath[str]) -> Response:
    data = await request.form()
    display_name = str(data.get("display_name", ""))
    try:
        accepted = await invitations.accept_invitation(
            settings=settings, token=token, user=visitor, password=str(data.get("password", "")),
            display_name=display_name, client=request.client.host if request.client else "unknown",
            user_agent=request.headers.get("user-agent", ""))
    except InvitationInvalid:
        return _invalid_link()
    except SignInRequired:
        return await _invitation_page(visitor, settings, token, status=403)
    except AccountError as error:
        return await _invitation_page(visitor, settings, token, display_name=display_name, status=400,
                                      error=_(ACCOUNT_ERRORS.get(error.code, ACCOUNT_ERRORS["generic"])))
    if accepted.session_token:
        request.set_session({"sid": accepted.session_token})
    return Redirect(path=accepted.landing_path)


ROUTES = [people, invite, resend, revoke, remove_role, invitation, accept]
