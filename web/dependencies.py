"""What a handler receives besides what it parses: who asks, the settings, and the organiser's edition.

A handler names them as parameters, typed with the aliases below, and Litestar hands them over (`DEPENDENCIES`,
set on the app):

- `user: SignedInUser`, the signed-in person; where no guard has already demanded one, someone signed out
  is sent to sign in (401 on the API), as the `signed_in` guard does;
- `visitor: Visitor` (a `SessionUser` or None), on pages open to everyone;
- `settings: AppSettings`;
- `current_session: CurrentSession`, the token of this browser's server-side session (or None), which signing
  in replaces and signing out ends;
- `edition: ConsoleEdition` on `/organise/{slug}/…` pages: the edition of the path, checked once for the
  organiser permission by the core service; anyone who does not organise it gets the 404 page.

The user itself is loaded by `UserMiddleware`; these functions only pass on what it found.
"""

from __future__ import annotations

from typing import TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath

from core.editions import access
from core.editions.access import OrganisedEdition
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from web.middleware import session_token

SignedInUser: TypeAlias = NamedDependency[SessionUser]
Visitor: TypeAlias = NamedDependency[SessionUser | None]
AppSettings: TypeAlias = NamedDependency[Settings]
ConsoleEdition: TypeAlias = NamedDependency[OrganisedEdition]
CurrentSession: TypeAlias = NamedDependency[str | None]


def current_visitor(request: Request) -> SessionUser | None:
    return request.scope.get("user")


def signed_in_user(request: Request) -> SessionUser:
    user = request.scope.get("user")
    if user is None:
        raise NotAuthorizedException()
    return user


def current_session_token(request: Request) -> str | None:
    return session_token(request.scope)


def app_settings(state: State) -> Settings:
    return state.settings


async def organised_edition(user: SignedInUser, slug: FromPath[str]) -> OrganisedEdition:
    """The edition of the path, if `user` organises it; EditionNotFound (so 404) otherwise."""
    return await access.edition_for_organiser(actor=user, edition_slug=slug)


DEPENDENCIES = {
    "user": Provide(signed_in_user, sync_to_thread=False),
    "visitor": Provide(current_visitor, sync_to_thread=False),
    "settings": Provide(app_settings, sync_to_thread=False),
    "current_session": Provide(current_session_token, sync_to_thread=False),
    "edition": Provide(organised_edition),
}
