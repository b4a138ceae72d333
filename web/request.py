"""The request class of the app: form bodies that cannot be decoded are the client's fault (400), never ours."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.exceptions import ClientException


class FormRequest(Request):
    """Litestar's request, whose form parsing refuses undecodable text with a 400.

    Every reader of a form goes through it: the CSRF middleware (which reads the token before any handler runs,
    signed in or not) and the handlers alike, since Litestar builds each request from the app's request class.
    """

    async def form(self) -> FormMultiDict:
        try:
            return await super().form()
        except (UnicodeDecodeError, LookupError) as error:  # bad bytes, or a charset Python does not know
            raise ClientException(detail=f"the form is not readable text: {error}") from None
