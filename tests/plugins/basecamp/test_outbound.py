"""What the hub writes on Basecamp around the body: a calendar event as its readers are told
it, the original under a translation, and the address other platforms link to."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from hub.connector import Form, Outgoing
from hub.events import Kind, Schedule
from hub.rendering.announcement import announce
from hub.rendering.original import original
from plugins.basecamp import mapping
from tests.plugins.basecamp.conftest import load
from tests.plugins.basecamp.helpers import connector_on, outgoing, target
from tests.plugins.basecamp.test_connector import BOARD, CHAT, PROJECT, router

CALL = Schedule(starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC),
                ends_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
                timezone="UTC", location="Salle 2", join_url="https://zoom.us/j/1")


def announced(kind: Kind, language: str, zone: str) -> Outgoing:
    item = outgoing(Form.POST, kind=kind, title="Appel réseau", body="Ordre du jour",
                    schedule=CALL)
    return dataclasses.replace(item, announcement=announce(item.event, language, zone))


def translated(form: Form, reply_to: str | None = None) -> Outgoing:
    item = outgoing(form, body="Hello **everyone**", reply_to=reply_to)
    return dataclasses.replace(item, original=original(
        None, "Bonjour **à tous**", "fr", "en"))


async def test_a_schedule_item_on_a_board_post_is_told_in_its_readers_language_and_zone(
) -> None:
    api = router()
    route = api.post(f"message_boards/{BOARD}/messages.json").respond(201, json={"id": 1})
    async with connector_on(api, show_author=False) as connector:
        await connector.send(announced(Kind.EVENT_CREATED, "fr", "Europe/Paris"),
                             target("board"))
    content = json.loads(route.calls.last.request.content)["content"]
    # 14:00 UTC read in Paris; the date's spaces are whatever the locale's (narrow) ones are.
    when, rest = content.removeprefix("<div>🗓 ").split("<br>", 1)
    assert when.startswith("mardi 1 décembre 2026, 15:00") and "16:00" in when
    assert when.endswith("(heure normale d’Europe centrale)")
    assert rest == ("📍 Salle 2<br>🔗 <a href=\"https://zoom.us/j/1\">Rejoindre</a><br><br>"
                    "Ordre du jour</div>")


async def test_a_cancelled_event_is_said_once_in_the_readers_language() -> None:
    api = router()
    route = api.post(f"message_boards/{BOARD}/messages.json").respond(201, json={"id": 2})
    async with connector_on(api, show_author=False) as connector:
        await connector.send(announced(Kind.EVENT_CANCELLED, "fr", "Europe/Paris"),
                             target("board"))
    content = json.loads(route.calls.last.request.content)["content"]
    assert content.startswith("<div><strong>Annulé</strong><br>🗓 <strike>mardi 1 décembre")
    assert "Cancelled" not in content


async def test_the_original_is_quoted_below_a_translated_comment() -> None:
    api = router()
    route = api.post("recordings/501/comments.json").respond(201, json={"id": 3})
    async with connector_on(api, show_author=False) as connector:
        await connector.send(translated(Form.COMMENT, reply_to="501"), target("board"))
    assert json.loads(route.calls.last.request.content)["content"] == (
        "<div>Hello <strong>everyone</strong></div>"
        "<div><em>🌐 Original (French):</em></div>"
        "<blockquote><div>Bonjour <strong>à tous</strong></div></blockquote>")


async def test_a_chatbot_line_folds_the_original_in_details() -> None:
    api = router()
    route = api.post(f"integrations/fake-chatbot-key/buckets/{PROJECT}/chats/{CHAT}/lines.json"
                     ).respond(201)
    async with connector_on(api, campfire_sender="chatbot", show_author=False) as connector:
        await connector.send(translated(Form.MESSAGE), target("chat"))
    assert json.loads(route.calls.last.request.content)["content"] == (
        "<div>Hello <strong>everyone</strong></div>"
        "<details><summary>🌐 Original (French)</summary>"
        "<div>Bonjour <strong>à tous</strong></div></details>")


async def test_permalink_is_the_recordings_app_url() -> None:
    hook = load("webhook_message_created.json")
    [from_hook] = mapping.webhook_events(hook, "network-basecamp")
    comment = load("comment_get.json")
    [polled] = mapping.polled_events(comment, "network-basecamp",
                                     mapping.parse_time(comment["created_at"]))
    async with connector_on(router()) as connector:
        assert await connector.permalink(from_hook) == hook["recording"]["app_url"]
        assert await connector.permalink(polled) == comment["app_url"]
        bare = polled.model_copy(update={"raw": {"id": comment["id"]}})
        assert await connector.permalink(bare) is None
