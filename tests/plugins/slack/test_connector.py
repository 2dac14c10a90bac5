"""The Slack connector against respx routes shaped like Slack's documented answers."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from hub.connector import (
    Address,
    Form,
    LocalFile,
    MemoryStateBox,
    Outgoing,
    Shape,
    Target,
    WebhookRequest,
)
from hub.errors import AuthError, PermanentError, TransientError, WebhookRejected
from hub.events import Actor, Attachment, Event, Kind, Ref
from plugins.slack.connector import SlackConnector
from plugins.slack.settings import SlackSettings
from plugins.slack.signing import sign
from tests.plugins.slack.conftest import AUTH_TEST, SCOPES, Ticks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "slack"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
TARGET = Target(Address("lisbon-slack", "chat", "C0123ABC"), Shape.CHAT, "en")


def settings(**extra: Any) -> SlackSettings:
    return SlackSettings.model_validate({"type": "slack", "bot_token": "xoxb-1-fake",
                                         "signing_secret": SECRET, **extra})


@pytest.fixture
async def make(api: respx.Router) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def build(*, clock: Callable[[], float] = time.monotonic, **extra: Any) -> SlackConnector:
        # Two posts to one channel wait Slack's second between them; only the pacing test is
        # about that wait, and it sets an interval of its own.
        extra.setdefault("channel_interval_seconds", 0.001)
        http = httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler))
        clients.append(http)
        return SlackConnector("lisbon-slack", settings(**extra), http, MemoryStateBox(),
                              clock=clock)

    yield build
    for http in clients:
        await http.aclose()


def outgoing(body: str = "Hello **network**", *, form: Form = Form.MESSAGE,
             reply_to: str | None = None, key: str = "passerelle-d1",
             files: tuple[LocalFile, ...] = (), uncertain: bool = False) -> Outgoing:
    event = Event(
        kind=Kind.MESSAGE_CREATED,
        source=Ref(platform="whatsapp", connection="members", endpoint="circle/general",
                   native_id="wamid.1"),
        actor=Actor(platform="whatsapp", native_id="351900000000", name="Ana Souza",
                    avatar_url="https://example.org/ana.png"),
        occurred_at=NOW, body=body)
    return Outgoing(form=form, event=event, title=None, body=body, idempotency_key=key,
                    reply_to=reply_to, files=files, uncertain=uncertain)


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body


def form_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(httpx.QueryParams(route.calls[index].request.content.decode()))


def escaped(payload: Any) -> bytes:
    """JSON as a platform may send it: a lone surrogate as its escape (`\\ud800`)."""
    return json.dumps(payload).encode()


# -- signatures -----------------------------------------------------------------------------

def signed(body: bytes, *, secret: str = SECRET, at: datetime = NOW,
           headers: dict[str, str] | None = None, received: datetime = NOW) -> WebhookRequest:
    stamp = str(int(at.timestamp()))
    all_headers = {"x-slack-request-timestamp": stamp,
                   "x-slack-signature": sign(SecretStr(secret), stamp, body),
                   "content-type": "application/json"}
    all_headers.update(headers or {})
    return WebhookRequest("POST", "/webhooks/lisbon-slack", (), all_headers, body, received)


BODY = (FIXTURES / "event_message_new.json").read_bytes()


async def test_a_signed_request_passes(make: Any) -> None:
    assert await make().verify_webhook(signed(BODY)) is None


async def test_url_verification_answers_the_challenge(make: Any) -> None:
    body = (FIXTURES / "url_verification.json").read_bytes()
    answer = await make().verify_webhook(signed(body))
    assert answer is not None and answer.status == 200
    assert answer.body == b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"


def flip(text: str, index: int) -> str:
    return text[:index] + ("0" if text[index] != "0" else "1") + text[index + 1:]


@pytest.mark.parametrize("tamper", ["body", "signature", "timestamp", "stale", "future",
                                    "no-signature", "no-timestamp", "wrong-secret",
                                    "not-a-number"])
async def test_tampered_requests_are_refused_with_401(make: Any, tamper: str) -> None:
    request = signed(BODY)
    headers = dict(request.headers)
    body = request.body
    received = NOW
    if tamper == "body":
        body = BODY.replace(b"dgsfklsdgf", b"dgsfklsdgF", 1)  # one byte
    elif tamper == "signature":
        headers["x-slack-signature"] = flip(headers["x-slack-signature"], 10)
    elif tamper == "timestamp":
        headers["x-slack-request-timestamp"] = str(int(NOW.timestamp()) + 1)
    elif tamper == "stale":
        request = signed(BODY, at=NOW - timedelta(seconds=301))
        headers = dict(request.headers)
    elif tamper == "future":
        received = NOW - timedelta(seconds=301)
    elif tamper == "no-signature":
        del headers["x-slack-signature"]
    elif tamper == "no-timestamp":
        del headers["x-slack-request-timestamp"]
    elif tamper == "wrong-secret":
        request = signed(BODY, secret="another-secret")
        headers = dict(request.headers)
    else:
        headers["x-slack-request-timestamp"] = "yesterday"
    bad = WebhookRequest("POST", request.path, (), headers, body, received)
    with pytest.raises(WebhookRejected) as caught:
        await make().verify_webhook(bad)
    assert caught.value.status == 401
    assert SECRET not in str(caught.value)


async def test_a_request_within_the_window_passes(make: Any) -> None:
    request = signed(BODY, at=NOW - timedelta(seconds=299))
    assert await make().verify_webhook(request) is None


# -- receive --------------------------------------------------------------------------------

async def test_receive_names_people_and_repeats_itself_on_slack_retries(
        make: Any, api: respx.Router) -> None:
    connector = make()
    first = await connector.receive(signed(BODY))
    [event] = first.events
    assert event.actor.name == "Ana"
    assert event.actor.avatar_url == "https://avatars.slack-edge.com/ana.png"
    retry = signed(BODY, headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"})
    again = (await connector.receive(retry)).events
    assert [e.dedupe_key for e in again] == [event.dedupe_key]  # the store drops it
    assert api["users"].call_count == 1


async def test_receive_keeps_the_id_when_users_info_fails(make: Any, api: respx.Router) -> None:
    api["users"].respond(json={"ok": False, "error": "user_not_found"})
    [event] = (await make().receive(signed(BODY))).events
    assert event.actor.name == "U043H11ES4V"


async def test_receive_refuses_non_json(make: Any) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await make().receive(signed(b"not json"))
    assert caught.value.status == 400


async def test_a_signed_get_is_no_slack_event(make: Any) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await make().verify_webhook(dataclasses.replace(signed(BODY), method="GET"))
    assert caught.value.status == 405  # Slack POSTs every event


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused_as_malformed(make: Any, constant: str) -> None:
    body = BODY.replace(b'"event_time": 1663966382', f'"event_time": {constant}'.encode())
    assert body != BODY
    connector = make()
    for step in (connector.verify_webhook, connector.receive):
        with pytest.raises(WebhookRejected) as caught:
            await step(signed(body))
        assert caught.value.status == 400
        assert f"{constant} is not a JSON value" in str(caught.value)


async def test_a_lone_surrogate_is_kept_as_a_replacement_character(make: Any) -> None:
    body = BODY.replace(b'"dgsfklsdgf"', b'"ol\\ud800"')
    assert body != BODY
    connector = make()
    assert await connector.verify_webhook(signed(body)) is None
    [event] = (await connector.receive(signed(body))).events
    assert event.body == "ol\ufffd"
    assert event.raw["text"] == "ol\ufffd"
    event.model_dump_json()  # what the store writes


async def test_url_verification_echoes_a_lone_surrogate_as_a_replacement_character(
        make: Any) -> None:
    body = b'{"type": "url_verification", "token": "t", "challenge": "3eZbr\\udfff"}'
    answer = await make().verify_webhook(signed(body))
    assert answer is not None and answer.body == "3eZbr\ufffd".encode()


async def test_an_id_the_store_cannot_hold_is_refused_naming_the_field(make: Any) -> None:
    body = BODY.replace(b'"1663966382.046509"', b'"1663966382.' + b"0" * 500 + b'"')
    with pytest.raises(WebhookRejected) as caught:
        await make().receive(signed(body))
    assert caught.value.status == 400
    assert str(caught.value) == ("unreadable Slack event: Ref.native_id: 523 characters, more "
                                 "than the 500 the store can hold")


async def test_names_from_users_info_are_made_storable(make: Any, api: respx.Router) -> None:
    api["users"].respond(content=escaped({"ok": True, "user": {"id": "U0ANA", "profile": {
        "display_name": "Ana\x00\ud800", "image_72": "https://avatars.slack-edge.com/ana.png"}}}),
                         headers={"content-type": "application/json"})
    [event] = (await make().receive(signed(BODY))).events
    assert event.actor.name == "Ana\ufffd\ufffd"
    event.model_dump_json()


async def test_names_from_users_info_that_are_no_text_keep_the_id(make: Any,
                                                                 api: respx.Router) -> None:
    api["users"].respond(json={"ok": True, "user": {"id": "U0ANA", "profile": {
        "display_name": "Ana", "image_72": 72}}})
    [event] = (await make().receive(signed(BODY))).events
    assert event.actor.name == "U043H11ES4V"


# -- send -----------------------------------------------------------------------------------

async def test_send_shows_the_author_and_marks_the_post(make: Any, api: respx.Router) -> None:
    receipt = await make().send(outgoing(), TARGET)
    assert receipt.native_id == "C0123ABC/1764149400.000200"
    request = api["send"].calls[-1].request
    assert request.headers["authorization"] == "Bearer xoxb-1-fake"
    assert request.headers["content-type"].startswith("application/json")
    body = sent(api["send"])
    assert body["channel"] == "C0123ABC"
    assert body["text"] == "Hello *network*"
    assert body["username"] == "Ana Souza (Whatsapp)"
    assert body["icon_url"] == "https://example.org/ana.png"
    assert body["metadata"] == {"event_type": "passerelle_mirror",
                                "event_payload": {"idempotency_key": "passerelle-d1",
                                                  "origin_platform": "whatsapp"}}
    assert "thread_ts" not in body


async def test_send_without_customize_scope_uses_a_visible_prefix(make: Any, api: respx.Router
                                                                   ) -> None:
    api["check"].respond(json=AUTH_TEST,
                         headers={"x-oauth-scopes": "chat:write,channels:history,files:read,"
                                                    "files:write,users:read"})
    await make().send(outgoing(), TARGET)
    body = sent(api["send"])
    assert body["text"] == "*Ana Souza (Whatsapp):* Hello *network*"
    assert "username" not in body and "icon_url" not in body


async def test_prefix_setting_and_block_bodies(make: Any, api: respx.Router) -> None:
    await make(show_author_as="prefix").send(outgoing("> quoted"), TARGET)
    assert sent(api["send"])["text"] == "*Ana Souza (Whatsapp):*\n> quoted"


async def test_reply_goes_into_the_parents_thread(make: Any, api: respx.Router) -> None:
    await make().send(outgoing(form=Form.REPLY, reply_to="C0123ABC/1764140000.000100"), TARGET)
    assert sent(api["send"])["thread_ts"] == "1764140000.000100"


async def test_a_repeated_delivery_is_not_posted_twice(make: Any, api: respx.Router) -> None:
    connector = make()
    first = await connector.send(outgoing(), TARGET)
    again = await connector.send(outgoing(uncertain=True), TARGET)  # the hub's retry
    assert first == again
    assert api["send"].call_count == 1


async def test_an_ambiguous_failure_is_reconciled_by_metadata(make: Any, api: respx.Router
                                                              ) -> None:
    connector = make()
    api["send"].mock(side_effect=httpx.ReadTimeout("lost"))
    with pytest.raises(TransientError):
        await connector.send(outgoing(), TARGET)
    # Slack did post it: the history shows our metadata.
    api["poll"].respond(json={"ok": True, "has_more": False, "messages": [
        {"type": "message", "bot_id": "B0BOT", "text": "Hello *network*",
         "ts": "1764149401.000500",
         "metadata": {"event_type": "passerelle_mirror",
                      "event_payload": {"idempotency_key": "passerelle-d1"}}}]})
    # The hub retries a delivery whose attempt failed as uncertain.
    receipt = await connector.send(outgoing(uncertain=True), TARGET)
    assert receipt.native_id == "C0123ABC/1764149401.000500"
    assert api["send"].call_count == 1
    assert form_of(api["poll"])["include_all_metadata"] == "true"


async def test_after_a_429_the_retry_posts_without_looking(make: Any, api: respx.Router) -> None:
    connector = make()
    api["send"].mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "3"}, json={"ok": False,
                                                                "error": "ratelimited"}),
        httpx.Response(200, json={"ok": True, "channel": "C0123ABC", "ts": "1.000002"})])
    with pytest.raises(TransientError) as caught:
        await connector.send(outgoing(), TARGET)
    assert caught.value.retry_after == 3
    retried = await connector.send(outgoing(uncertain=True), TARGET)
    assert retried.native_id == "C0123ABC/1.000002"
    assert not api["poll"].called


@pytest.mark.parametrize(("error", "kind", "words"), [
    ({"error": "missing_scope", "needed": "chat:write", "provided": "users:read"}, AuthError,
     "lacks scope chat:write"),
    ({"error": "missing_scope", "needed": "chat:write.customize"}, AuthError,
     'show_author_as = "prefix"'),
    ({"error": "invalid_auth"}, AuthError, "fresh Bot User OAuth Token"),
    ({"error": "token_revoked"}, AuthError, "bot_token"),
    ({"error": "not_in_channel"}, PermanentError, "/invite"),
    ({"error": "is_archived"}, PermanentError, "unarchive"),
    ({"error": "internal_error"}, TransientError, "internal_error"),
])
async def test_slack_errors_map_to_what_the_admin_must_do(make: Any, api: respx.Router,
                                                          error: dict[str, str],
                                                          kind: type[Exception],
                                                          words: str) -> None:
    api["send"].respond(json={"ok": False, **error})
    with pytest.raises(kind) as caught:
        await make().send(outgoing(), TARGET)
    assert words in str(caught.value)
    assert "lisbon-slack" in str(caught.value)
    assert "xoxb-1-fake" not in str(caught.value)


async def test_posts_to_one_channel_are_paced(make: Any, api: respx.Router) -> None:
    clock = Ticks(0.001)  # time passes only as it is read: the machine's load cannot show
    posted: list[tuple[str, float]] = []  # each post's channel, and when Slack saw it

    def slack(request: httpx.Request) -> httpx.Response:
        channel = json.loads(request.content)["channel"]
        posted.append((channel, clock()))
        return httpx.Response(200, json={"ok": True, "channel": channel,
                                         "ts": f"1764149400.{len(posted):06d}"})

    api["send"].mock(side_effect=slack)
    connector = make(channel_interval_seconds=0.01, clock=clock)
    for index in range(3):
        await connector.send(outgoing(key=f"k{index}"), TARGET)
    other = Target(Address("lisbon-slack", "chat", "C0OTHER"), Shape.CHAT)
    await connector.send(outgoing(key="k-other"), other)
    [(_, first), (_, second), (_, third), (channel, fourth)] = posted
    assert second - first >= 0.01 and third - second >= 0.01
    assert channel == "C0OTHER" and fourth - third < 0.01  # another channel does not wait


# -- update, delete, reactions -----------------------------------------------------------------

async def test_update_and_delete(make: Any, api: respx.Router) -> None:
    update = api.post("chat.update").respond(json={"ok": True, "channel": "C0123ABC",
                                                   "ts": "1.000002", "text": "x"})
    delete = api.post("chat.delete").respond(json={"ok": True, "channel": "C0123ABC",
                                                   "ts": "1.000002"})
    connector = make()
    await connector.update(outgoing("Changed _words_"), TARGET, "C0123ABC/1.000002")
    assert sent(update)["ts"] == "1.000002"
    assert sent(update)["text"] == "Changed _words_"
    await connector.delete(TARGET, "C0123ABC/1.000002")
    assert sent(delete) == {"channel": "C0123ABC", "ts": "1.000002"}
    delete.respond(json={"ok": False, "error": "message_not_found"})
    await connector.delete(TARGET, "C0123ABC/1.000002")  # already gone counts as done
    delete.respond(json={"ok": False, "error": "cant_delete_message"})
    with pytest.raises(PermanentError, match="only what it posted"):
        await connector.delete(TARGET, "C0123ABC/1.000002")


async def test_reactions_are_added_and_removed(make: Any, api: respx.Router) -> None:
    add = api.post("reactions.add").respond(json={"ok": True})
    remove = api.post("reactions.remove").respond(json={"ok": True})
    connector = make()
    receipt = await connector.send(
        outgoing("👍", form=Form.REACTION, reply_to="C0123ABC/1.000002"), TARGET)
    assert sent(add) == {"channel": "C0123ABC", "timestamp": "1.000002", "name": "+1"}
    assert receipt.native_id == "C0123ABC/1.000002/:+1:/U0BOT"
    await connector.delete(TARGET, receipt.native_id)
    assert sent(remove) == {"channel": "C0123ABC", "timestamp": "1.000002", "name": "+1"}


# -- files ----------------------------------------------------------------------------------

async def test_files_go_through_the_external_upload(make: Any, api: respx.Router,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(b"%PDF-1.7 minutes")
    local = LocalFile(path=path, name="minutes.pdf", mime_type="application/pdf", size=16)
    get_url = api.post("files.getUploadURLExternal").respond(json={
        "ok": True, "upload_url": "https://files.slack.com/upload/v1/CwABAAAAXw", "file_id":
        "F0FILE"})
    upload = api.post("https://files.slack.com/upload/v1/CwABAAAAXw").respond(text="OK - 16")
    complete = api.post("files.completeUploadExternal").respond(json={
        "ok": True, "files": [{"id": "F0FILE", "title": "minutes.pdf", "shares": {}}]})
    api.post("files.info").respond(json={"ok": True, "file": {
        "id": "F0FILE", "shares": {"public": {"C0123ABC": [{"ts": "1764149500.000900"}]}}}})
    receipt = await make().send(outgoing("the minutes", files=(local,),
                                         reply_to="C0123ABC/1.000002"), TARGET)
    assert receipt.native_id == "C0123ABC/1764149500.000900"
    assert form_of(get_url) == {"filename": "minutes.pdf", "length": "16"}
    assert upload.calls[-1].request.content == b"%PDF-1.7 minutes"
    assert "authorization" not in upload.calls[-1].request.headers  # pre-signed URL
    body = sent(complete)
    assert body["files"] == [{"id": "F0FILE", "title": "minutes.pdf"}]
    assert body["channel_id"] == "C0123ABC"
    assert body["thread_ts"] == "1.000002"
    assert body["initial_comment"] == "*Ana Souza (Whatsapp):* the minutes"
    assert not api.routes["send"].called
    assert not any(str(c.request.url).rsplit("/", 1)[-1] == "files.upload" for c in api.calls)


async def test_a_share_slack_has_not_made_yet_is_named_by_file(make: Any, api: respx.Router,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    api.post("files.getUploadURLExternal").respond(json={
        "ok": True, "upload_url": "https://files.slack.com/upload/v1/X", "file_id": "F1"})
    api.post("https://files.slack.com/upload/v1/X").respond(text="OK - 3")
    api.post("files.completeUploadExternal").respond(json={"ok": True, "files": [{"id": "F1"}]})
    api.post("files.info").respond(json={"ok": True, "file": {"id": "F1", "shares": {}}})
    delete = api.post("files.delete").respond(json={"ok": True})
    connector = make(upload_share_wait_seconds=0)
    local = LocalFile(path=path, name="a.txt", mime_type="text/plain", size=3)
    receipt = await connector.send(outgoing("", files=(local,)), TARGET)
    assert receipt.native_id == "C0123ABC/file:F1"
    await connector.delete(TARGET, receipt.native_id)
    assert sent(delete) == {"file": "F1"}


async def test_download_sends_the_token_to_slack_hosts_only(api: respx.Router,
                                                            tmp_path: Path) -> None:
    api.get("https://slack.test/files-pri/T1-F1/download/a.txt").respond(
        content=b"hello", headers={"content-type": "text/plain"})
    http = httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler))
    connector = SlackConnector("lisbon-slack", settings(base_url="https://slack.test/api"),
                               http, MemoryStateBox())
    try:
        local = await connector.download(Attachment(
            name="a.txt", mime_type="text/plain",
            url="https://slack.test/files-pri/T1-F1/download/a.txt"))
        assert local.path.read_bytes() == b"hello"
        assert api.calls[-1].request.headers["authorization"] == "Bearer xoxb-1-fake"
        local.path.unlink()
        with pytest.raises(PermanentError, match="not one of the platform's file hosts"):
            await connector.download(Attachment(name="x", url="https://evil.example/x"))
    finally:
        await http.aclose()


# -- check and poll -------------------------------------------------------------------------

async def test_check_reports_the_workspace_and_missing_scopes(make: Any, api: respx.Router
                                                             ) -> None:
    lines = await make().check(online=True)
    assert lines == ['workspace "Lisbon" (https://lisbon.slack.com/) as bot user U0BOT',
                     "scope users:read.email is missing: members come without e-mail "
                     "addresses, so only the people file matches them with their accounts "
                     "elsewhere"]
    api["check"].respond(json=AUTH_TEST, headers={"x-oauth-scopes": SCOPES + ",users:read.email"})
    assert len(await make().check(online=True)) == 1
    api["check"].respond(json=AUTH_TEST, headers={"x-oauth-scopes": "chat:write,users:read"})
    with pytest.raises(AuthError, match="channels:history, files:read, files:write"):
        await make().check(online=True)
    assert await make(bot_token="xoxp-user").check(online=False) == [
        "bot_token does not start with xoxb-: use the Bot User OAuth Token, not a user token"]


async def test_catch_up_reads_history_then_threads(make: Any, api: respx.Router) -> None:
    api["poll"].respond(json={"ok": True, "has_more": False, "messages": [
        {"type": "message", "user": "U0ANA", "text": "root", "ts": "200.000001",
         "thread_ts": "200.000001", "reply_count": 1, "latest_reply": "250.000001"},
        {"type": "message", "bot_id": "B0BOT", "text": "mirror", "ts": "150.000001"}]})
    replies = api.post("conversations.replies").respond(json={"ok": True, "has_more": False,
                                                              "messages": [
        {"type": "message", "user": "U0ANA", "text": "root", "ts": "200.000001",
         "thread_ts": "200.000001"},
        {"type": "message", "user": "U0ANA", "text": "reply", "ts": "250.000001",
         "thread_ts": "200.000001", "parent_user_id": "U0ANA"}]})
    result = await make().poll(TARGET.address, "100.000000")
    assert [e.body for e in result.events] == ["root", "reply"]  # the hub's own post is left out
    assert result.events[1].parent is not None
    assert result.cursor == "200.000001"
    assert form_of(api["poll"])["oldest"] == "100.000000"
    assert form_of(replies) == {"channel": "C0123ABC", "ts": "200.000001", "limit": "100",
                                "include_all_metadata": "true", "oldest": "100.000000"}


async def test_catch_up_makes_what_slack_answers_storable(make: Any, api: respx.Router) -> None:
    # JSON from the API may escape a lone surrogate too: httpx reads it as one.
    api["poll"].respond(content=escaped({"ok": True, "has_more": False, "messages": [
        {"type": "message", "user": "U0ANA", "text": "ol\ud800\x00", "ts": "200.000001"}]}),
                        headers={"content-type": "application/json"})
    [event] = (await make().poll(TARGET.address, "100.000000")).events
    assert event.body == "ol\ufffd\ufffd"
    assert event.raw["text"] == "ol\ufffd\ufffd"
    event.model_dump_json()


async def test_catch_up_stops_at_its_budget_and_resumes(make: Any, api: respx.Router) -> None:
    api["poll"].mock(side_effect=[
        httpx.Response(200, json={"ok": True, "has_more": True, "messages": [
            {"type": "message", "user": "U0ANA", "text": "newest", "ts": "300.000001"}],
            "response_metadata": {"next_cursor": "bmV4dF90czoy"}}),
        httpx.Response(200, json={"ok": True, "has_more": False, "messages": [
            {"type": "message", "user": "U0ANA", "text": "older", "ts": "200.000001"}],
            "response_metadata": {"next_cursor": ""}}),
    ])
    connector = make(history_calls_per_minute=1)
    first = await connector.poll(TARGET.address, "100.000000")
    assert [e.body for e in first.events] == ["newest"]
    assert api["poll"].call_count == 1
    assert first.cursor is not None and json.loads(first.cursor)["page"] == "bmV4dF90czoy"
    assert (await connector.poll(TARGET.address, first.cursor)).events == []  # no budget left
    connector.history_budget._tokens = 1.0  # as a minute later
    second = await connector.poll(TARGET.address, first.cursor)
    assert [e.body for e in second.events] == ["older"]
    assert form_of(api["poll"])["cursor"] == "bmV4dF90czoy"
    assert second.cursor == "300.000001"


async def test_first_poll_starts_from_now(make: Any, api: respx.Router) -> None:
    result = await make().poll(TARGET.address, None)
    assert result.events == []
    assert result.cursor == "1764149300.000300"
    assert form_of(api["poll"])["limit"] == "1"


async def test_a_reply_to_a_reply_goes_under_the_thread_root(make: Any, api: respx.Router
                                                             ) -> None:
    connector = make()
    payload = json.loads(BODY)
    payload["event"].update(ts="1663966400.000100", thread_ts="1663966382.046509")
    await connector.receive(signed(json.dumps(payload).encode()))
    # WhatsApp quote-replied to that Slack reply: Slack wants the root, not the reply.
    await connector.send(outgoing(form=Form.REPLY, reply_to="C043YJGBY49/1663966400.000100"),
                         TARGET)
    assert sent(api["send"])["thread_ts"] == "1663966382.046509"
    # And a reply the hub itself posted in a thread is known the same way.
    api["send"].respond(json={"ok": True, "channel": "C0123ABC", "ts": "5.000005"})
    mine = await connector.send(outgoing(form=Form.REPLY, reply_to="C0123ABC/4.000004",
                                         key="k-2"), TARGET)
    await connector.send(outgoing(form=Form.REPLY, reply_to=mine.native_id, key="k-3"), TARGET)
    assert sent(api["send"])["thread_ts"] == "4.000004"


async def test_customize_refused_falls_back_to_the_prefix(make: Any, api: respx.Router) -> None:
    api["check"].respond(json=AUTH_TEST)  # no x-oauth-scopes header: Slack did not say
    api["send"].mock(side_effect=[
        httpx.Response(200, json={"ok": False, "error": "missing_scope",
                                  "needed": "chat:write.customize"}),
        httpx.Response(200, json={"ok": True, "channel": "C0123ABC", "ts": "1.000009"})])
    connector = make()
    receipt = await connector.send(outgoing(), TARGET)
    assert receipt.native_id == "C0123ABC/1.000009"
    assert sent(api["send"])["text"].startswith("*Ana Souza (Whatsapp):*")
    assert "username" not in sent(api["send"])


async def test_catch_up_follows_a_long_threads_pages(make: Any, api: respx.Router) -> None:
    api["poll"].respond(json={"ok": True, "has_more": False, "messages": [
        {"type": "message", "user": "U0ANA", "text": "root", "ts": "200.000001",
         "thread_ts": "200.000001", "reply_count": 2, "latest_reply": "260.000001"}]})
    api.post("conversations.replies").mock(side_effect=[
        httpx.Response(200, json={"ok": True, "has_more": True, "messages": [
            {"type": "message", "user": "U0ANA", "text": "root", "ts": "200.000001",
             "thread_ts": "200.000001"},
            {"type": "message", "user": "U0ANA", "text": "one", "ts": "250.000001",
             "thread_ts": "200.000001"}], "response_metadata": {"next_cursor": "cGFnZTI="}}),
        httpx.Response(200, json={"ok": True, "has_more": False, "messages": [
            {"type": "message", "user": "U0ANA", "text": "two", "ts": "260.000001",
             "thread_ts": "200.000001"}], "response_metadata": {"next_cursor": ""}}),
    ])
    result = await make().poll(TARGET.address, "100.000000")
    assert [e.body for e in result.events] == ["root", "one", "two"]
    assert form_of(api.routes[-1])["cursor"] == "cGFnZTI="
    assert result.cursor == "200.000001"


async def test_app_rate_limited_is_answered_without_events(make: Any) -> None:
    body = json.dumps({"token": "x", "api_app_id": "A0442TUPHGR", "team_id": "T1",
                       "minute_rate_limited": 1518467820, "type": "app_rate_limited"}).encode()
    assert await make().verify_webhook(signed(body)) is None
    assert not (await make().receive(signed(body))).events


async def test_sends_are_remembered_across_a_restart_in_one_bounded_entry(
        api: respx.Router) -> None:
    state = MemoryStateBox()
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        first = SlackConnector("lisbon-slack", settings(channel_interval_seconds=0.001), http,
                               state)
        receipt = await first.send(outgoing(key="before-restart"), TARGET)
        restarted = SlackConnector("lisbon-slack", settings(channel_interval_seconds=0.001),
                                   http, state)
        assert await restarted.send(outgoing(key="before-restart", uncertain=True),
                                    TARGET) == receipt
        assert api["send"].call_count == 1
        for index in range(520):
            api["send"].respond(json={"ok": True, "channel": "C0123ABC",
                                      "ts": f"{index}.000001"})
            await restarted.send(outgoing(key=f"k{index}"), TARGET)
    assert list(state.values) == ["recent_sends"]
    ledger = json.loads(state.values["recent_sends"])
    assert len(ledger) == 512
    assert "before-restart" not in ledger and ledger["k519"] == "C0123ABC/519.000001"
