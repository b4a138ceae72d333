"""The signed-in person's API tokens: create one (its secret shown once), list them, revoke one."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.people import accounts, api_tokens
from core.people.api_tokens import NewToken, TokenRefused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from web.auth import signed_in
from web.dependencies import SignedInUser

EMPTY_FORM = {"name": "", "scope": "read", "edition": "", "expires_days": ""}


async def _page(user: SessionUser, *, form: dict[str, str] | None = None, error: str = "",
                created: NewToken | None = None, status: int = 200) -> Template:
    return Template(template_name="my_tokens.html", status_code=status, context={
        "tokens": await api_tokens.tokens_of(user=user), "overview": await accounts.roles_overview(user=user),
        "form": form or EMPTY_FORM, "error": error, "created": created, "now": datetime.now(UTC)})


@get("/me/tokens", guards=[signed_in], include_in_schema=False)
async def tokens_page(user: SignedInUser) -> Template:
    return await _page(user)


@post("/me/tokens", guards=[signed_in], include_in_schema=False, status_code=200)
async def create_token(request: Request, user: SignedInUser) -> Template:
    raw = await request.form()
    form = {key: str(raw.get(key, "")).strip() for key in EMPTY_FORM}
    days = None
    if form["expires_days"]:
        if not form["expires_days"].isdigit():
            return await _page(user, form=form, status=400,
                               error=_("Enter the number of days as a whole number, or leave it empty."))
        days = int(form["expires_days"])
    try:
        created = await api_tokens.create_token(user=user, name=form["name"], scope=form["scope"],
                                                edition_slug=form["edition"] or None, expires_in_days=days)
    except TokenRefused as refused:
        return await _page(user, form=form, status=400, error=refused.message)
    return await _page(user, created=created)


@post("/me/tokens/{token_id:int}/revoke", guards=[signed_in], include_in_schema=False)
async def revoke_token(user: SignedInUser, token_id: FromPath[int]) -> Redirect:
    await api_tokens.revoke_token(user=user, token_id=token_id)
    return Redirect(path="/me/tokens")


ROUTES = [tokens_page, create_token, revoke_token]
