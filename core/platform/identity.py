"""The signed-in person as every service sees them: who they are and their roles per edition.

It lives below every domain package so that any service can check permissions on it without
importing the accounts package that loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SessionUser:
    """Who is signed in, and what they may do in which edition (by edition slug)."""

    id: int
    email: str
    display_name: str
    locale: str
    is_admin: bool
    auth_epoch: int
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    email_verified: bool = True
    # The server-side session this request came with (None for a user loaded outside a request).
    session_id: int | None = None

    def has_role(self, role: str, edition: str | None = None) -> bool:
        if self.is_admin:
            return True
        if edition is None:
            return any(role in roles for roles in self.roles.values())
        return role in self.roles.get(edition, frozenset())

    @property
    def name(self) -> str:
        return self.display_name or self.email
