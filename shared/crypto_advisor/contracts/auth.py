"""Sign-in results, as the identity provider's adapter returns them (Cognito's shapes stay in the adapter)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    id_token: str
    expires_in: int
    #: None on a refresh: Cognito keeps the refresh token it issued at sign-in
    refresh_token: str | None = None


@dataclass(frozen=True)
class NewPasswordRequired:
    """First sign-in with the emailed temporary password: a new password must be set within ``session``."""

    session: str
    email: str


class SignInError(Exception):
    """Sign-in refused. ``status`` is the HTTP status to answer with; ``field`` the input at fault, if one is."""

    def __init__(self, message: str, *, status: int = 401, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
