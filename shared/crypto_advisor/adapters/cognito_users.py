"""The dashboard's users in the stack's Cognito user pool, made to match a list of addresses.

Run by the ``DashboardUserAccounts`` custom resource on every deploy (and so
locally on every embedded stack): a listed address without a user gets one,
which Cognito emails a temporary password (``DesiredDeliveryMediums: EMAIL``;
the first sign-in asks for a new one); a listed user that was disabled is
enabled; a user no longer listed is disabled, not deleted, so listing the
address again restores it with its password. Addresses compare case-blind,
as Cognito's email usernames do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from crypto_advisor.contracts.errors import StorageError
from crypto_advisor.contracts.user_accounts import UserSync


class CognitoUsers:
    def __init__(self, client: Any, *, emails: bool = True) -> None:
        """``client`` is a boto3 ``cognito-idp`` client; ``emails=False`` suppresses the invitation (local runs)."""
        self._client = client
        self._emails = emails

    def sync(self, pool_id: str, addresses: Sequence[str]) -> UserSync:
        wanted = {a.strip().lower(): a.strip() for a in addresses if a.strip()}
        existing = self._users(pool_id)
        created, enabled, disabled, unchanged = [], [], [], []
        for key, address in sorted(wanted.items()):
            user = existing.get(key)
            if user is None:
                self._call(f"creating the dashboard user {address}", lambda a=address: self._create(pool_id, a))
                created.append(address)
            elif not user["Enabled"]:
                self._call(
                    f"enabling the dashboard user {address}",
                    lambda u=user: self._client.admin_enable_user(UserPoolId=pool_id, Username=u["Username"]),
                )
                enabled.append(address)
            else:
                unchanged.append(address)
        for key, user in sorted(existing.items()):
            if key not in wanted and user["Enabled"]:
                self._call(
                    f"disabling the dashboard user {key}",
                    lambda u=user: self._client.admin_disable_user(UserPoolId=pool_id, Username=u["Username"]),
                )
                disabled.append(key)
        return UserSync(tuple(created), tuple(enabled), tuple(disabled), tuple(unchanged))

    def _create(self, pool_id: str, address: str) -> None:
        self._client.admin_create_user(
            UserPoolId=pool_id,
            Username=address,
            UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
            **({"DesiredDeliveryMediums": ["EMAIL"]} if self._emails else {"MessageAction": "SUPPRESS"}),
        )

    def _users(self, pool_id: str) -> dict[str, dict[str, Any]]:
        """Every user of the pool by lower-cased email: ``Username`` and ``Enabled``."""
        users: dict[str, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {"UserPoolId": pool_id}
        while True:
            page = self._call("listing the dashboard users", lambda k=kwargs: self._client.list_users(**k))
            for user in page.get("Users", []):
                email = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"), user["Username"])
                users[str(email).lower()] = {"Username": user["Username"], "Enabled": bool(user.get("Enabled", True))}
            if not page.get("PaginationToken"):
                return users
            kwargs = {**kwargs, "PaginationToken": page["PaginationToken"]}

    @staticmethod
    def _call(what: str, call: Any) -> Any:
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"{what}: {exc}") from exc
