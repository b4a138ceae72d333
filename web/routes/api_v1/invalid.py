"""The 422 answer: what was sent breaks the rules, field by field, and nothing was changed."""

from __future__ import annotations

from litestar import MediaType, Request, Response

from core.platform.i18n import gettext as _


class Invalid(Exception):
    """Raised by an API handler when the service refused what was sent; `errors` by field or by id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def answer_invalid(_request: Request, exc: Invalid) -> Response:
    return Response({"status": 422, "title": _("Request not accepted"), "detail": str(exc), "errors": exc.errors},
                    status_code=422, media_type=MediaType.JSON)


EXCEPTION_HANDLERS = {Invalid: answer_invalid}
