"""The signed-in person's own page: who they are and which parts they play in which editions."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from core import accounts, applications
from web.auth import signed_in


@get("/me", guards=[signed_in], include_in_schema=False)
async def my_page(request: Request) -> Template:
    user = request.scope["user"]
    overview = await accounts.roles_overview(user=user)
    mine = await applications.own_applications(user=user)
    return Template(template_name="me.html", context={"user": user, "overview": overview, "applications": mine})
