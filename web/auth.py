"""Sign-in and sign-out pages, and the guards that fence routes by role (core services check objects)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from core.people import accounts
from core.people.accounts import AccountError, SessionUser
from core.platform.i18n import gettext as _
from web.dependencies import AppSettings, CurrentSession, Visitor


async def signed_in(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def role_guard(role: str):
    """A guard letting through users holding `role` in some edition; services narrow it to the object."""

    async def guard(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
        user: SessionUser | None = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException()
        if not user.has_role(role):
            raise PermissionDeniedException()

    return guard


def client_address(request: Request) -> str:
    """The client's address as the server saw it (behind a trusted proxy, the one it forwarded)."""
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a link send people elsewhere after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/me"
    return target


LOGIN_ERRORS = {"login_failed": lambda: _("Email or password not recognised.")}


def _login_page(*, email: str = "", next_path: str = "/me", error: str = "", status: int = 200) -> Template:
    return Template(template_name="login.html", status_code=status,
                    context={"email": email, "next": next_path, "error": error})


@get("/login", include_in_schema=False)
async def login_form(visitor: Visitor, next: FromQuery[str | None] = None) -> Response:
    if visitor is not None:
        return Redirect(path=safe_next(next))
    return _login_page(next_path=safe_next(next))


@post("/login", include_in_schema=False)
async def login(request: Request, settings: AppSettings, current_session: CurrentSession) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    try:
        signed = await accounts.authenticate(email=email, password=password, client=client_address(request),
                                             settings=settings, user_agent=request.headers.get("user-agent", ""),
                                             replacing=current_session)
    except AccountError:
        return _login_page(email=email, next_path=next_path, error=LOGIN_ERRORS["login_failed"](), status=400)
    request.set_session({"sid": signed.token})
    return Redirect(path=next_path)


@get("/logout", include_in_schema=False)
async def logout_form() -> Template:
    return Template(template_name="logout.html")


@post("/logout", include_in_schema=False)
async def logout(request: Request, current_session: CurrentSession) -> Redirect:
    if current_session:
        await accounts.sign_out(token=current_session)
    request.clear_session()
    return Redirect(path="/")
