"""Expertise groups as routing inputs: the hashtags an item carries, the marks of the hub's own
reminder of an unanswered question, and the direct notices members asked for. Pure: no store,
no clock.

A group (`[groups.mobility]`) becomes a bridge named `group:mobility` (hub/network.py) whose
endpoints only receive; the router sends it an item that carries one of its hashtags, compared
as `normal_tag` compares them, so `#Mobilité`, `#mobilite` and `#MOBILITÉ` are one tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from hub import markup
from hub.events import Event, Kind
from hub.people.model import Person, normal_tag
from hub.settings import Direction, GroupSettings

GROUP_PREFIX = "group:"
#: A reminder of an unanswered question: its raw payload's key and the head of its native id
#: (hub/people/questions.py makes it).
UNANSWERED = "unanswered"
#: The actor of the hub's own words: no member is met by them (hub/people/members.py).
HUB_ACTOR = "passerelle"
#: The WhatsApp connector's endpoint kind for one member's own chat (`conn/member/<wa_id>`).
MEMBER_KIND = "member"
NOTICE_PLATFORMS = ("whatsapp",)  # where a person can be told directly, preferred first

# `#` then letters, digits, `_` or `-`; not glued to a word before it (`C#`, `a#b`), nor part
# of an HTML entity (`&#39;`) or of a path (`/page#part` written without a link).
_HASHTAG = re.compile(r"(?<![\w&/#])#([\w][\w-]*)")


def group_bridge(name: str) -> str:
    """The bridge name a group's deliveries carry: `group:mobility`."""
    return f"{GROUP_PREFIX}{name}"


def group_name(bridge: str) -> str | None:
    """The group a bridge name stands for, or None for an ordinary bridge."""
    return bridge.removeprefix(GROUP_PREFIX) if bridge.startswith(GROUP_PREFIX) else None


def tags_in(text: str) -> set[str]:
    """The hashtags of plain `text`, as compared (`normal_tag`); numbers alone (`#42`, an
    issue's number) are no tag."""
    found = set()
    for match in _HASHTAG.finditer(text):
        tag = match.group(1).rstrip("-_")
        if any(char.isalpha() for char in tag):
            found.add(normal_tag(tag))
    return found


def hashtags(event: Event) -> frozenset[str]:
    """Every hashtag `event` carries in its title or body, as compared. Code, link addresses
    and mentions are not read: `https://example.org/#mobility` tags nothing."""
    found = tags_in(event.title or "")
    found.update(tag for text in _words(markup.parse(event.body)) for tag in tags_in(text))
    return frozenset(found)


def _words(blocks: Sequence[markup.Block]) -> Iterator[str]:
    """The runs of written text of a body, one per paragraph, line or list item."""
    for block in blocks:
        if isinstance(block, markup.Paragraph):
            yield _inline_text(block.inlines)
        elif isinstance(block, markup.Quote):
            yield from _words(block.blocks)
        elif isinstance(block, markup.ListItems):
            yield from (_inline_text(item) for item in block.items)


def _inline_text(inlines: Sequence[markup.Inline]) -> str:
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, markup.Text):
            parts.append(node.text)
        elif isinstance(node, markup.Styled | markup.Link):
            # A link's words are read; its address is not (children are empty for a bare URL).
            parts.append(_inline_text(node.children))
        else:
            parts.append(" ")  # code, a mention, a line break: a boundary, no words
    return "".join(parts)


def group_problems(name: str, group: GroupSettings) -> list[str]:
    """What is wrong with a group's own settings, each naming the fix (its endpoints are
    judged with the bridges', in hub/network.py)."""
    label = f'group "{name}"'
    found = []
    if not group.hashtags:
        found.append(f'{label} has no hashtags; list the tags that send a post to it, in '
                     'each language its members write: hashtags = ["#mobility", '
                     '"#mobilité"], or remove the group')
    for tag in group.hashtags:
        if tags_in(tag if tag.startswith("#") else f"#{tag}") != {normal_tag(tag)}:
            found.append(f'{label}: "{tag}" is no hashtag; write # then letters, digits, '
                         '"_" or "-", without spaces ("#open-data")')
    for entry in group.endpoints:
        if entry.direction is Direction.IN:
            found.append(f'{label}: endpoint "{entry.at}" has direction "in", but a group\'s '
                         "places only receive; remove the direction")
    return found


def shared_hashtags(groups: Mapping[str, GroupSettings]) -> list[str]:
    """A hashtag two groups claim: a post carrying it would go to both without anyone
    meaning it (`#Mobilité` and `#mobilite` are one)."""
    claimed: dict[str, tuple[str, str]] = {}  # tag as compared -> (group, tag as written)
    found = []
    for name, group in groups.items():
        for tag in group.hashtags:
            first = claimed.setdefault(normal_tag(tag), (name, tag))
            if first[0] != name:
                found.append(f'hashtag "{tag}" of group "{name}" is also group "{first[0]}"\'s '
                             f'("{first[1]}"); keep it in one group')
    return found


def is_question(event: Event) -> bool:
    """A post that asks: a new top-level message whose words hold a question mark (`?`, or
    the Arabic and full-width ones)."""
    if event.kind is not Kind.MESSAGE_CREATED or event.parent is not None:
        return False
    text = " ".join([event.title or "", *_words(markup.parse(event.body))])
    return any(mark in text for mark in ("?", "؟", "？"))


def reminded_group(event: Event) -> str | None:
    """The group an unanswered question's reminder is for; None for any other event."""
    if event.actor.native_id != HUB_ACTOR:
        return None
    mark = event.raw.get(UNANSWERED)
    return str(mark["group"]) if isinstance(mark, dict) and "group" in mark else None


def notice_addresses(people: Iterable[Person], group: str,
                     connections: dict[str, str]) -> list[tuple[Person, str]]:
    """Where each person who asked to be told of `group`'s posts is told: their own chat on
    a connection they have there (`connection/member/<id>`), WhatsApp preferred.
    `connections` names each configured connection's platform; a person met on a connection
    no longer configured is told nowhere there."""
    wanted = normal_tag(group)
    found = []
    for person in people:
        if wanted not in {normal_tag(name) for name in person.notify}:
            continue
        for platform in NOTICE_PLATFORMS:
            there = next((i for i in person.identities if i.platform == platform
                          and connections.get(i.connection) == platform), None)
            if there is not None:
                found.append((person, f"{there.connection}/{MEMBER_KIND}/{there.native_id}"))
                break
    return found
