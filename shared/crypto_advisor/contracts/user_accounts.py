"""What syncing the dashboard's users to the ``DashboardUsers`` parameter did, address by address."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class UserSync:
    #: new users: Cognito emailed each a temporary password
    created: tuple[str, ...] = ()
    #: users listed again after being removed: enabled, with the password they had
    enabled: tuple[str, ...] = ()
    #: users no longer listed: disabled (kept, so listing them again restores them), not deleted
    disabled: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = field(default=())
