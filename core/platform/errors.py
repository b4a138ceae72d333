"""The three kinds of "no" a service gives, so that the web answers each the same way everywhere.

`NotFound`: no such thing, or not this person's to see (the two look the same, so existence does not leak);
the web answers 404. `Forbidden`: this person may not do this kind of thing at all (start an edition, write
with a read-only token), where hiding it would help nobody; the web answers 403 with its message.
`Refused`: the thing exists and the person may see it, but the rules refuse this request now; `message` says
why in the reader's language, and a page either shows it beside the form or, where no form fits, the web
answers 409 with it.
"""

from __future__ import annotations


class NotFound(LookupError):
    """No such thing, or not this person's to see."""


class Forbidden(PermissionError):
    """This person may not do this at all; `message` is already translated, or empty for the general one."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class Refused(ValueError):
    """A request the rules refuse; `message` is already translated and says why (or what to do)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
