"""Steering: the changes a user makes from the dashboard or an email link (mutes, the policy, the series)."""
