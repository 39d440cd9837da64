"""Sign-in against the stack's Cognito user pool, server side: the page talks to no origin but the dashboard's.

The app client has no secret and allows ``USER_PASSWORD_AUTH`` and
``REFRESH_TOKEN_AUTH`` only. Cognito's errors become
:class:`~crypto_advisor.contracts.auth.SignInError` with the status to answer:
a wrong address and a wrong password read the same (the pool prevents user
existence errors too), a password the pool's policy refuses names the field,
throttling is a 429. Anything else is Cognito's trouble, a
:class:`~crypto_advisor.contracts.errors.StorageError`.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.auth import NewPasswordRequired, SignInError, TokenSet
from crypto_advisor.contracts.errors import StorageError

_REFUSED = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException"}
_THROTTLED = {"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"}


class CognitoSignIn:
    def __init__(self, client: Any, client_id: str) -> None:
        """``client`` is a boto3 ``cognito-idp`` client; ``client_id`` the dashboard's app client."""
        self._client = client
        self._client_id = client_id

    def sign_in(self, email: str, password: str) -> TokenSet | NewPasswordRequired:
        answer = self._call(
            "signing in",
            "password",
            lambda: self._client.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            ),
        )
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            return NewPasswordRequired(session=answer["Session"], email=email)
        if "AuthenticationResult" not in answer:
            raise SignInError(f"sign-in needs {answer.get('ChallengeName')}, which this dashboard does not offer")
        return _tokens(answer["AuthenticationResult"])

    def new_password(self, email: str, session: str, new_password: str) -> TokenSet:
        answer = self._call(
            "setting the new password",
            "new_password",
            lambda: self._client.respond_to_auth_challenge(
                ClientId=self._client_id,
                ChallengeName="NEW_PASSWORD_REQUIRED",
                Session=session,
                ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password},
            ),
        )
        return _tokens(answer["AuthenticationResult"])

    def refresh(self, refresh_token: str) -> TokenSet:
        answer = self._call(
            "refreshing the tokens",
            "refresh_token",
            lambda: self._client.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            ),
        )
        return _tokens(answer["AuthenticationResult"])

    def sign_out(self, access_token: str) -> None:
        """Revoke every refresh token of the token's user (Cognito's GlobalSignOut): a refresh token copied before
        sign-out stops working; the access tokens given out expire within their hour."""
        self._call("signing out", "access_token", lambda: self._client.global_sign_out(AccessToken=access_token))

    def email_of(self, access_token: str) -> str:
        """The email address of the access token's user, by Cognito's GetUser.

        The pool's usernames are email addresses, so its access tokens name the user only by ``sub`` (``username``
        is the sub too) and carry no ``email`` claim. GetUser is authorized by the token itself (its
        ``aws.cognito.signin.user.admin`` scope, which the USER_PASSWORD_AUTH sign-in gives), not by IAM: the
        function's role needs no permission for it. Raises :class:`SignInError` for a token Cognito refuses (revoked
        by a sign-out, expired) and :class:`StorageError` for Cognito's trouble or a user without an address.
        """
        answer = self._call(
            "looking up the signed-in user", "access_token", lambda: self._client.get_user(AccessToken=access_token)
        )
        for attribute in answer.get("UserAttributes", ()):
            if attribute.get("Name") == "email" and attribute.get("Value"):
                return str(attribute["Value"])
        raise StorageError(f"Cognito's user {answer.get('Username')!r} has no email attribute")

    @staticmethod
    def _call(what: str, field: str, call: Any) -> dict[str, Any]:
        try:
            return call()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", ""), error.get("Message", "")
            if code in _REFUSED:
                raise SignInError("wrong email or password, or an expired session: sign in again") from None
            if code == "InvalidPasswordException":
                raise SignInError(f"{field}: {message}", status=400, field=field) from None
            if code in ("InvalidParameterException", "CodeMismatchException", "ExpiredCodeException"):
                raise SignInError(f"{field}: {message}", status=400, field=field) from None
            if code in _THROTTLED:
                raise SignInError("too many attempts: wait a minute and try again", status=429) from None
            raise StorageError(f"{what}: Cognito answered {code}: {message}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{what}: Cognito unreachable: {exc}") from exc


def _tokens(result: dict[str, Any]) -> TokenSet:
    return TokenSet(
        access_token=result["AccessToken"],
        id_token=result["IdToken"],
        expires_in=int(result.get("ExpiresIn", 3600)),
        refresh_token=result.get("RefreshToken"),
    )
