"""The workspace's members (`users.list`) as the people's directory meets them. Pure.

Slack gives `profile.email` only to a token with the `users:read.email` scope; without it the
members come without addresses and are matched by the people file or by hand instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.people.model import Identity, normal_email
from plugins.slack.mrkdwn import PLATFORM

#: Slackbot is listed as a user, not a bot, in every workspace.
SLACKBOT = "USLACKBOT"


def identities(members: Iterable[Any], connection: str) -> list[Identity]:
    """The people among one page of `users.list` members: deleted users, bots, apps and
    Slackbot left out."""
    return [found for member in members if (found := identity(member, connection))]


def identity(member: Any, connection: str) -> Identity | None:
    """One member as an identity, or None for one that is no person of the workspace."""
    if not isinstance(member, Mapping) or not isinstance(member.get("id"), str):
        return None
    if member.get("deleted") or member.get("is_bot") or member.get("is_app_user") \
            or member["id"] == SLACKBOT:
        return None
    profile = member.get("profile")
    profile = profile if isinstance(profile, Mapping) else {}
    name = (_text(profile.get("real_name")) or _text(member.get("real_name"))
            or _text(profile.get("display_name")) or _text(member.get("name")) or member["id"])
    return Identity(connection, PLATFORM, member["id"], name,
                    email=normal_email(_text(profile.get("email"))),
                    role=_text(profile.get("title")), timezone=_text(member.get("tz")))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
