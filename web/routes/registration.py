"""Sign-up, email verification, password reset, and changing one's password or email."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.people import registration
from core.people.accounts import AccountError
from core.people.registration import TokenInvalid
from core.platform import i18n
from core.platform.i18n import gettext as _
from web.auth import client_address, signed_in
from web.dependencies import AppSettings, CurrentSession, SignedInUser
from web.labels import ACCOUNT_ERRORS


def _error(code: str) -> str:
    return _(ACCOUNT_ERRORS.get(code, ACCOUNT_ERRORS["generic"]))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _message(title: str, text: str, status: int = 200) -> Template:
    return Template(template_name="message.html", status_code=status, context={"title": title, "text": text})


def _check_your_mail() -> Template:
    return _message(_("Check your email"),
                    _("If the address can receive mail, a message with a link is on its way. The link works once."))


@get("/signup", include_in_schema=False)
async def signup_form() -> Template:
    return Template(template_name="signup.html", context={"form": {}, "error": ""})


@post("/signup", include_in_schema=False)
async def signup(request: Request, settings: AppSettings) -> Response:
    form = await request.form()
    fields = {key: str(form.get(key, "")) for key in ("email", "display_name")}
    try:
        await registration.register(settings=settings, email=fields["email"],
                                    password=str(form.get("password", "")), display_name=fields["display_name"],
                                    locale=i18n.current_language(), client=_client(request))
    except AccountError as error:
        return Template(template_name="signup.html", status_code=400,
                        context={"form": fields, "error": _error(error.code), "field": error.code.split("_")[0]})
    return _check_your_mail()


@get("/verify/{token:str}", include_in_schema=False)
async def verify(request: Request, settings: AppSettings, current_session: CurrentSession, token: FromPath[str]
                 ) -> Response:
    """The mailed link confirms the address and signs in, in a fresh session (any earlier one of this browser
    ends); the redirect takes the token out of the address bar."""
    try:
        session = await registration.verify_email(settings=settings, token=token, client=client_address(request),
                                                  user_agent=request.headers.get("user-agent", ""),
                                                  replacing=current_session)
    except TokenInvalid:
        return _message(_("Link not valid"), _("This link has expired or was already used. Sign in to ask for a new "
                                               "one."), status=400)
    if session is None:
        return _message(_("Email confirmed"), _("Thank you: your email address is confirmed."))
    request.set_session({"sid": session})
    return Redirect(path="/me?verified=1")


@post("/me/verify/resend", guards=[signed_in], include_in_schema=False)
async def resend_verification(user: SignedInUser, settings: AppSettings) -> Template:
    await registration.resend_verification(settings=settings, user=user)
    return _check_your_mail()


@get("/password/forgot", include_in_schema=False)
async def forgot_form() -> Template:
    return Template(template_name="forgot.html")


@post("/password/forgot", include_in_schema=False)
async def forgot(request: Request, settings: AppSettings) -> Template:
    form = await request.form()
    await registration.request_password_reset(settings=settings, email=str(form.get("email", "")),
                                              client=_client(request), language=i18n.current_language())
    return _check_your_mail()


@get("/password/reset/{token:str}", include_in_schema=False)
async def reset_form(settings: AppSettings, token: FromPath[str]) -> Template:
    try:
        await registration.check_reset_token(settings=settings, token=token)
    except TokenInvalid:
        return _message(_("Link not valid"), _("This link has expired or was already used. Ask for a new one."),
                        status=400)
    return Template(template_name="reset.html", context={"token": token, "error": ""})


@post("/password/reset/{token:str}", include_in_schema=False)
async def reset(request: Request, settings: AppSettings, token: FromPath[str]) -> Response:
    form = await request.form()
    try:
        await registration.reset_password(settings=settings, token=token,
                                          new_password=str(form.get("password", "")))
    except TokenInvalid:
        return _message(_("Link not valid"), _("This link has expired or was already used. Ask for a new one."),
                        status=400)
    except AccountError as error:
        return Template(template_name="reset.html", status_code=400,
                        context={"token": token, "error": _error(error.code)})
    request.clear_session()
    return _message(_("Password changed"), _("Your new password is set. Sign in with it."))


@get("/me/password", guards=[signed_in], include_in_schema=False)
async def password_form() -> Template:
    return Template(template_name="change_password.html", context={"error": "", "done": False})


@post("/me/password", guards=[signed_in], include_in_schema=False)
async def change_password(request: Request, user: SignedInUser) -> Template:
    form = await request.form()
    try:
        await registration.change_password(user=user, current_password=str(form.get("current", "")),
                                           new_password=str(form.get("password", "")))
    except AccountError as error:
        return Template(template_name="change_password.html", status_code=400,
                        context={"error": _error(error.code), "done": False})
    return Template(template_name="change_password.html", context={"error": "", "done": True})


@get("/me/email", guards=[signed_in], include_in_schema=False)
async def email_form() -> Template:
    return Template(template_name="change_email.html", context={"error": "", "new_email": ""})


@post("/me/email", guards=[signed_in], include_in_schema=False)
async def change_email(request: Request, user: SignedInUser, settings: AppSettings) -> Template:
    form = await request.form()
    new_email = str(form.get("email", ""))
    try:
        await registration.request_email_change(settings=settings, user=user,
                                                new_email=new_email, password=str(form.get("password", "")))
    except AccountError as error:
        return Template(template_name="change_email.html", status_code=400,
                        context={"error": _error(error.code), "new_email": new_email})
    return _check_your_mail()


@get("/me/email/confirm/{token:str}", include_in_schema=False)
async def confirm_email(settings: AppSettings, token: FromPath[str]) -> Response:
    try:
        await registration.confirm_email_change(settings=settings, token=token)
    except TokenInvalid:
        return _message(_("Link not valid"), _("This link has expired or was already used."), status=400)
    return _message(_("Email changed"), _("From now on, sign in with your new email address."))


ROUTES = [signup_form, signup, verify, resend_verification, forgot_form, forgot, reset_form, reset, password_form,
          change_password, email_form, change_email, confirm_email]
