"""Mentions that arrive: a mention written on one platform becomes, for one target, a mention
of the same person where the target has them, else their one name (`@Hugo Bernard`). Pure."""

from __future__ import annotations

import re

from hub import markup
from hub.people.model import Directory, Person


def localise_mentions(body: str, directory: Directory, *, source: str, target: str,
                      target_platform: str) -> tuple[str, tuple[Person, ...]]:
    """`body` with each mention token rewritten for the `target` connection, and the people
    it mentions (known to the directory), in order. `source` is the connection the item was
    written on: a token names a user of its platform, most likely of that connection."""
    mentioned: dict[str, Person] = {}

    def rewrite(found: re.Match[str]) -> str:
        platform, native_id, name = found.group(1), found.group(2), found.group(3) or ""
        person = directory.on_platform(platform, native_id, prefer=source)
        if person is None:
            return found.group(0)
        mentioned.setdefault(person.id, person)
        there = person.on(target)
        # A phone number is never written into an item, even as a token: where people are
        # numbers (WhatsApp) the mention stays a name.
        if there is not None and there.platform == target_platform and not there.phone:
            return markup.mention(target_platform, there.native_id, person.name)
        return markup.mention(platform, native_id, person.name or name)

    return markup.MENTION.sub(rewrite, body), tuple(mentioned.values())
