"""The token API under /api/v1/: every call acts as the token's owner through the same core services as the
pages (see `access` for the token, `schemas` for what goes in and out)."""

from __future__ import annotations

from litestar import MediaType, Request, Response, Router

from core.judging.reviews import RoundNotReady
from core.platform.i18n import gettext as _
from web.routes.api_v1 import console, mentoring, organiser, people
from web.routes.api_v1.access import DEPENDENCIES
from web.routes.api_v1.invalid import EXCEPTION_HANDLERS


def round_not_ready(_request: Request, _exc: RoundNotReady) -> Response:
    return Response({"status": 409, "title": _("This round is not open yet"),
                     "detail": _("The organisers are removing names from the entries of this blind round: they open "
                                 "to you once that is done.")}, status_code=409, media_type=MediaType.JSON)


ROUTER = Router(path="/", route_handlers=[*organiser.ROUTES, *console.ROUTES, *mentoring.ROUTES, *people.ROUTES],
                dependencies=DEPENDENCIES, exception_handlers={**EXCEPTION_HANDLERS, RoundNotReady: round_not_ready})
