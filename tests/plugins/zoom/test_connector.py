"""The connector against respx routes shaped like Zoom's documented requests and answers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

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
from hub.errors import AuthError, ConfigError, PermanentError, TransientError
from hub.events import Actor, Attachment, Event, Kind, Ref, Schedule
from hub.rendering.announcement import announce
from hub.rendering.original import original
from plugins.zoom.connector import ZoomConnector
from plugins.zoom.settings import ZoomSettings
from plugins.zoom.teamchat import chat_markup
from tests.plugins.zoom.conftest import SETTINGS, load, token_response

HOST = "KDcuGIm1QgePTO8WbOqwIQ"
CALENDAR = Target(Address("zoom-net", "calendar", HOST), Shape.CALENDAR, "en",
                  {"bridge_languages": ["en", "fr", "pt"]})
CHAT = Target(Address("zoom-net", "chat", "C1"), Shape.CHAT, "en")


def meeting(**changes: Any) -> dict[str, Any]:
    """A meeting as POST /users/{userId}/meetings and GET /meetings/{id} return it."""
    return {"id": 85746065432, "uuid": "aDYlohsHRtCd4ii1uC2+hA==", "host_id": HOST,
            "host_email": "host@example.org", "topic": "Network call", "type": 2,
            "status": "waiting", "start_time": "2026-12-01T15:00:00Z", "duration": 90,
            "timezone": "Europe/Lisbon", "agenda": "Budget",
            "created_at": "2026-11-26T09:00:00Z",
            "join_url": "https://us05web.zoom.us/j/85746065432?pwd=abc", **changes}


def calendar_event(kind: Kind = Kind.EVENT_CREATED, hour: int = 15) -> Event:
    return Event(kind=kind,
                 source=Ref(platform="basecamp", connection="bc", endpoint="calendar/9",
                            native_id="1069479400"),
                 actor=Actor(platform="basecamp", native_id="1049715914", name="Victor Cooper"),
                 occurred_at=datetime(2026, 11, 26, 8, tzinfo=UTC), title="Network call",
                 body="Budget, **then** questions",
                 schedule=Schedule(starts_at=datetime(2026, 12, 1, hour, tzinfo=UTC),
                                   ends_at=datetime(2026, 12, 1, hour + 1, 30, tzinfo=UTC),
                                   timezone="Europe/Lisbon"))


def outgoing(event: Event, form: Form, reply_to: str | None = None) -> Outgoing:
    return Outgoing(form=form, event=event, title=event.title, body=event.body,
                    idempotency_key="passerelle-7", reply_to=reply_to)


def chat_event(body: str = "Hello **network**") -> Event:
    return Event(kind=Kind.MESSAGE_CREATED,
                 source=Ref(platform="slack", connection="sl", endpoint="chat/C9",
                            native_id="1.2"),
                 actor=Actor(platform="slack", native_id="U1", name="Ana Souza"),
                 occurred_at=datetime(2026, 11, 26, 9, tzinfo=UTC), body=body)


# ------------------------------------------------------------------ auth


async def test_token_is_minted_with_account_credentials_and_reused(
        connector: ZoomConnector, api: respx.Router) -> None:
    api.get("/v2/users/me").respond(json={"id": "u", "email": "hub@example.org"})
    await connector.check(online=True)
    await connector.check(online=True)
    assert api["token"].call_count == 1
    sent = api["token"].calls[0].request
    assert sent.url.params["grant_type"] == "account_credentials"
    assert sent.url.params["account_id"] == SETTINGS["account_id"]
    assert sent.headers["authorization"].startswith("Basic ")
    assert api.calls[-1].request.headers["authorization"] == "Bearer eyJ.test.token"


async def test_token_is_renewed_before_it_expires(connector: ZoomConnector,
                                                  api: respx.Router) -> None:
    api.get("/v2/users/me").respond(json={"id": "u"})
    clock = [1_000_000.0]
    connector.client._clock = lambda: clock[0]
    await connector.check(online=True)
    clock[0] += 3599 - 299  # inside the renewal margin
    await connector.check(online=True)
    assert api["token"].call_count == 2


async def test_api_url_of_the_token_is_the_base(api: respx.Router) -> None:
    api["token"].respond(json=token_response("https://api-eu.zoom.us"))
    eu = api.get("https://api-eu.zoom.us/v2/users/me").respond(json={"id": "u"})
    settings = ZoomSettings.model_validate({k: v for k, v in SETTINGS.items()})
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        await ZoomConnector("z", settings, http, MemoryStateBox()).check(online=True)
    assert eu.called


async def test_401_mints_a_new_token_once(connector: ZoomConnector, api: respx.Router) -> None:
    api.get("/v2/users/me").mock(side_effect=[
        httpx.Response(401, json={"code": 124, "message": "Invalid access token."}),
        httpx.Response(200, json={"id": "u"})])
    await connector.check(online=True)
    assert api["token"].call_count == 2


@pytest.mark.parametrize("answer", [
    httpx.Response(400, json={"reason": "Invalid client_id or client_secret",
                              "error": "invalid_client"}),
    httpx.Response(401, json={"reason": "Invalid client", "error": "invalid_client"}),
])
async def test_refused_credentials_name_the_fix(connector: ZoomConnector, api: respx.Router,
                                                answer: httpx.Response) -> None:
    api["token"].mock(return_value=answer)
    with pytest.raises(AuthError) as caught:
        await connector.check(online=True)
    text = str(caught.value)
    assert "client_secret" in text and "zoom-net" in text
    assert SETTINGS["client_secret"] not in text


async def test_missing_scope_is_an_auth_error_naming_the_scopes_page(
        connector: ZoomConnector, api: respx.Router) -> None:
    api.get("/v2/users/me").respond(400, json={
        "code": 4711, "message": "Invalid access token, does not contain scopes:[user:read]."})
    with pytest.raises(AuthError, match="Scopes page"):
        await connector.check(online=True)


async def test_check_offline_names_missing_credentials(api: respx.Router) -> None:
    settings = ZoomSettings.model_validate({**SETTINGS, "account_id": ""})
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler)) as http:
        with pytest.raises(ConfigError, match="account_id"):
            await ZoomConnector("z", settings, http, MemoryStateBox()).check(online=False)


# ------------------------------------------------------------------ rate limits


async def test_429_without_retry_after_is_transient_and_names_the_shared_limit(
        connector: ZoomConnector, api: respx.Router) -> None:
    api.post("/v2/chat/users/me/messages").respond(
        429, headers={"X-RateLimit-Category": "Medium", "X-RateLimit-Type": "QPS"},
        json={"code": 429, "message": "You have reached the maximum per-second rate limit for "
              "this API. Try again later."})
    with pytest.raises(TransientError, match="shared by every app") as caught:
        await connector.send(outgoing(chat_event(), Form.MESSAGE), CHAT)
    assert caught.value.retry_after is None  # the delivery worker backs off with jitter


async def test_daily_limit_without_header_waits_for_midnight_utc(
        connector: ZoomConnector, api: respx.Router) -> None:
    api.post("/v2/chat/users/me/messages").respond(
        429, headers={"X-RateLimit-Type": "Daily-limit"}, json={"code": 429, "message": "x"})
    with pytest.raises(TransientError) as caught:
        await connector.send(outgoing(chat_event(), Form.MESSAGE), CHAT)
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 86_400


# ------------------------------------------------------------------ meetings out


async def test_calendar_event_creates_a_meeting_with_interpretation(
        connector: ZoomConnector, api: respx.Router) -> None:
    def created(request: httpx.Request) -> httpx.Response:
        # Zoom answers with the meeting as made, settings included.
        return httpx.Response(201, json=meeting(settings=json.loads(request.content)["settings"]))

    create = api.post(f"/v2/users/{HOST}/meetings").mock(side_effect=created)
    receipt = await connector.send(outgoing(calendar_event(), Form.CALENDAR), CALENDAR)
    assert receipt.native_id == "85746065432"
    assert receipt.notice == ("Zoom meeting: https://us05web.zoom.us/j/85746065432?pwd=abc\n"
                              "Interpretation: English ⇄ Portuguese")
    body = json.loads(create.calls[0].request.content)
    assert body == {
        "topic": "Network call", "type": 2, "start_time": "2026-12-01T15:00:00Z",
        "duration": 90, "agenda": "Budget, then questions", "timezone": "Europe/Lisbon",
        "settings": {"language_interpretation": {"enable": True, "interpreters": [
            {"email": "ana@example.org", "interpreter_languages": "English,Portuguese"}]}},
    }


async def test_retry_adopts_the_meeting_a_lost_answer_made(connector: ZoomConnector,
                                                            api: respx.Router) -> None:
    made = meeting(start_time="2026-12-01T15:00:00Z")
    create = api.post(f"/v2/users/{HOST}/meetings").mock(
        side_effect=httpx.ReadTimeout("answer lost"))
    sent = outgoing(calendar_event(), Form.CALENDAR)
    with pytest.raises(TransientError):
        await connector.send(sent, CALENDAR)
    listing = api.get(f"/v2/users/{HOST}/meetings").respond(json={
        "next_page_token": "", "meetings": [meeting(id=1, topic="Other"), made]})
    api.get("/v2/meetings/85746065432").respond(json=made)
    receipt = await connector.send(replace(sent, uncertain=True), CALENDAR)  # as the hub retries
    assert receipt.native_id == "85746065432"
    assert create.call_count == 1
    assert listing.calls[0].request.url.params["type"] == "scheduled"


async def test_moved_event_patches_the_meeting(connector: ZoomConnector,
                                               api: respx.Router) -> None:
    patch = api.patch("/v2/meetings/85746065432").respond(204)
    await connector.update(outgoing(calendar_event(Kind.EVENT_UPDATED, hour=17), Form.CALENDAR),
                           CALENDAR, "85746065432")
    assert json.loads(patch.calls[0].request.content)["start_time"] == "2026-12-01T17:00:00Z"


@pytest.mark.parametrize("answer", [
    httpx.Response(204),
    httpx.Response(404, json={"code": 3001, "message": "Meeting does not exist: 85746065432."}),
])
async def test_cancelled_event_deletes_the_meeting_even_if_gone(
        connector: ZoomConnector, api: respx.Router, answer: httpx.Response) -> None:
    delete = api.delete("/v2/meetings/85746065432").mock(return_value=answer)
    await connector.delete(CALENDAR, "85746065432")
    assert delete.called


async def test_all_day_event_makes_no_meeting(connector: ZoomConnector) -> None:
    event = calendar_event()
    assert event.schedule is not None
    all_day = event.model_copy(update={"schedule": event.schedule.model_copy(
        update={"all_day": True})})
    with pytest.raises(PermanentError, match="all-day"):
        await connector.send(outgoing(all_day, Form.CALENDAR), CALENDAR)


async def test_a_message_cannot_become_a_meeting(connector: ZoomConnector) -> None:
    with pytest.raises(PermanentError, match="calendar event"):
        await connector.send(outgoing(chat_event(), Form.MESSAGE), CALENDAR)


async def test_recordings_endpoint_takes_nothing(connector: ZoomConnector) -> None:
    files = Target(Address("zoom-net", "files", HOST), Shape.FILES)
    with pytest.raises(PermanentError, match='direction = "in"'):
        await connector.send(outgoing(chat_event(), Form.FILE), files)


# ------------------------------------------------------------------ Team Chat out


async def test_reply_goes_to_the_thread_with_rich_text(connector: ZoomConnector,
                                                       api: respx.Router) -> None:
    send = api.post("/v2/chat/users/me/messages").respond(201, json={"id": "R-1"})
    receipt = await connector.send(outgoing(chat_event(), Form.REPLY, reply_to="M-0"), CHAT)
    assert receipt.native_id == "R-1"
    body = json.loads(send.calls[0].request.content)
    assert body["to_channel"] == "C1"
    assert body["reply_main_message_id"] == "M-0"
    assert body["message"] == "Ana Souza (Slack)\nHello network"
    assert {"start_position": 0, "end_position": 17, "format_type": "Bold"} in body["rich_text"]
    assert {"start_position": 24, "end_position": 31, "format_type": "Bold"} in body["rich_text"]


async def test_retry_skips_what_a_lost_answer_posted(connector: ZoomConnector,
                                                     api: respx.Router) -> None:
    post = api.post("/v2/chat/users/me/messages").mock(
        side_effect=[httpx.ReadTimeout("answer lost"), httpx.Response(201, json={"id": "X"})])
    sent = outgoing(chat_event(), Form.MESSAGE)
    with pytest.raises(TransientError):
        await connector.send(sent, CHAT)
    history = api.get("/v2/chat/users/me/messages").respond(json={"messages": [
        {"id": "M-7", "message": "Ana Souza (Slack)\nHello network",
         "date_time": "2026-11-26T09:00:00Z", "timestamp": 1795597200000}]})
    receipt = await connector.send(replace(sent, uncertain=True), CHAT)  # as the hub retries
    assert receipt.native_id == "M-7"
    assert post.call_count == 1
    assert history.calls[0].request.url.params["to_channel"] == "C1"


async def test_long_message_continues_in_its_own_thread(connector: ZoomConnector,
                                                        api: respx.Router) -> None:
    send = api.post("/v2/chat/users/me/messages").mock(side_effect=[
        httpx.Response(201, json={"id": "M-1"}), httpx.Response(201, json={"id": "M-2"})])
    receipt = await connector.send(outgoing(chat_event("word " * 300), Form.MESSAGE), CHAT)
    assert receipt.native_id == "M-1"
    first, second = (json.loads(c.request.content) for c in send.calls)
    assert "reply_main_message_id" not in first
    assert second["reply_main_message_id"] == "M-1"
    assert len(first["message"]) <= 1024


async def test_calendar_event_in_a_channel_is_an_announcement(connector: ZoomConnector,
                                                              api: respx.Router) -> None:
    send = api.post("/v2/chat/users/me/messages").respond(201, json={"id": "A-1"})
    event = calendar_event()
    told = announce(event, "en", "Europe/Lisbon")
    await connector.send(replace(outgoing(event, Form.MESSAGE), announcement=told), CHAT)
    message = json.loads(send.calls[0].request.content)["message"]
    assert message.replace("\u2009", " ").replace("\u202f", " ").splitlines()[:3] == [
        "Victor Cooper (Basecamp)", "Network call",
        "🗓 Tuesday, December 1, 2026, 3:00 – 4:30 PM (Western European Standard Time)"]


def test_a_cancellation_in_a_channel_says_so_and_quotes_the_original() -> None:
    event = calendar_event(Kind.EVENT_CANCELLED).model_copy(update={"language": "fr"})
    told = replace(outgoing(event, Form.REPLY, "A-1"),
                   announcement=announce(event, "en", "UTC"),
                   original=original("Appel du réseau", "Budget", "fr", "en"))
    assert chat_markup(told).replace("\u2009", " ").replace("\u202f", " ") == (
        "**Victor Cooper (Basecamp)**\n**Network call**\n**Cancelled**\n"
        "🗓 ~~Tuesday, December 1, 2026, 3:00 – 4:30 PM (Coordinated Universal Time)~~\n\n"
        "Budget, **then** questions\n\n"
        "_🌐 Original (French):_\n> **Appel du réseau**\n>\n> Budget")


async def test_edit_and_delete_of_a_channel_message(connector: ZoomConnector,
                                                    api: respx.Router) -> None:
    edit = api.put("/v2/chat/users/me/messages/M-1").respond(204)
    gone = api.delete("/v2/chat/users/me/messages/M-1").respond(204)
    await connector.update(outgoing(chat_event("fixed"), Form.MESSAGE), CHAT, "M-1")
    await connector.delete(CHAT, "M-1")
    assert json.loads(edit.calls[0].request.content) == {
        "message": "Ana Souza (Slack)\nfixed", "to_channel": "C1"}
    assert gone.calls[0].request.url.params["to_channel"] == "C1"


# ------------------------------------------------------------------ webhooks in, downloads


def signed(payload: dict[str, Any]) -> WebhookRequest:
    return WebhookRequest(method="POST", path="", query=[], headers={},
                          body=json.dumps(payload).encode(), received_at=datetime.now(UTC))


async def test_meeting_updated_reads_the_whole_meeting_again(connector: ZoomConnector,
                                                             api: respx.Router) -> None:
    api.get("/v2/meetings/155184668").respond(json=meeting(
        id=155184668, topic="Moved call", start_time="2019-07-11T20:00:00Z", duration=120))
    inbound = await connector.receive(signed(load("meeting_updated.json")))
    [event] = inbound.events
    assert event.kind is Kind.EVENT_UPDATED
    assert event.title == "Moved call"
    assert event.source.endpoint == f"calendar/{HOST}"
    assert event.revision == "1562791953209"


async def test_meeting_updated_of_a_deleted_meeting_keeps_the_payload(
        connector: ZoomConnector, api: respx.Router) -> None:
    api.get("/v2/meetings/155184668").respond(404, json={"code": 3001, "message": "gone"})
    [event] = (await connector.receive(signed(load("meeting_updated.json")))).events
    assert event.source.endpoint == "calendar/BBBBBBBBBB"


async def test_team_chat_files_get_their_links_from_the_message(connector: ZoomConnector,
                                                                 api: respx.Router) -> None:
    link = "https://zoom.us/file/download/56bed9orRnOSEnBoX_HQvA?filename=s.png&jwt=eyJ"
    read = api.get("/v2/chat/users/me/messages/508CD4CF-4FFD-4644-BFB2-264C5C5600D7").respond(
        json={"id": "508CD4CF-4FFD-4644-BFB2-264C5C5600D7", "message": "x",
              "files": [{"file_id": "56bed9orRnOSEnBoX_HQvA", "file_name": "s.png",
                         "file_size": 23025, "download_url": link}]})
    [event] = (await connector.receive(signed(load("team_chat_channel_message_posted.json")))
               ).events
    assert read.calls[0].request.url.params["to_channel"] == "qrstuvwxyz67890"
    [picture] = event.attachments
    assert picture.url == link


async def test_team_chat_file_unreadable_keeps_its_name(connector: ZoomConnector,
                                                        api: respx.Router) -> None:
    api.get("/v2/chat/users/me/messages/508CD4CF-4FFD-4644-BFB2-264C5C5600D7").respond(
        400, json={"code": 300, "message": "Message does not exist."})
    [event] = (await connector.receive(signed(load("team_chat_channel_message_posted.json")))
               ).events
    assert event.attachments == ()
    assert event.body.endswith("📎 Screenshot 2023-12-22 at 11.21.38 AM.png")


RECORDING = "https://zoom.us/recording/download/80ebRwsfjskf2H3vlSigX0gNlBBBBBBBBBBBBBB"


async def test_recording_is_downloaded_with_the_webhook_download_token(
        connector: ZoomConnector, api: respx.Router, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = {**load("recording_completed_legacy.json"), "download_token": "eyJ.dl.token"}
    events = (await connector.receive(signed(payload))).events
    attachment = events[0].attachments[0]
    file = api.get(RECORDING).respond(200, content=b"\x00\x00\x00\x18ftypmp42",
                                      headers={"Content-Type": "video/mp4"})
    monkeypatch.setattr("hub.files.check_url", _allow)
    local = await connector.download(attachment)
    try:
        assert local.path.read_bytes() == b"\x00\x00\x00\x18ftypmp42"
        assert local.name == "A test meeting - shared_screen_with_speaker_view.mp4"
    finally:
        local.path.unlink()
    assert file.calls[0].request.headers["authorization"] == "Bearer eyJ.dl.token"


async def test_expired_download_token_falls_back_to_the_app_token(
        connector: ZoomConnector, api: respx.Router, monkeypatch: pytest.MonkeyPatch) -> None:
    await connector.state.set("download_token:f1", "eyJ.expired")
    file = api.get(RECORDING).mock(side_effect=[
        httpx.Response(401, json={"code": 124, "message": "expired"}),
        httpx.Response(200, content=b"data", headers={"Content-Type": "video/mp4"})])
    monkeypatch.setattr("hub.files.check_url", _allow)
    local = await connector.download(Attachment(name="a.mp4", mime_type="video/mp4",
                                                url=RECORDING, native_id="f1"))
    local.path.unlink()
    assert [c.request.headers["authorization"] for c in file.calls] == [
        "Bearer eyJ.expired", "Bearer eyJ.test.token"]
    assert await connector.state.get("download_token:f1") == ""


async def test_download_refuses_hosts_outside_zoom(connector: ZoomConnector) -> None:
    with pytest.raises(PermanentError, match="not one of the platform's file hosts"):
        await connector.download(Attachment(name="a.mp4", url="https://evil.example/a.mp4"))


async def _allow(url: str, policy: Any) -> None:
    """DNS is outside the test's loopback-only world; the host list is still checked."""
    from urllib.parse import urlsplit

    assert policy.host_allowed(urlsplit(url).hostname or "")


# ------------------------------------------------------------------ polling


async def test_poll_meetings_tells_new_and_changed_only(connector: ZoomConnector,
                                                        api: respx.Router) -> None:
    listing = api.get(f"/v2/users/{HOST}/meetings")
    listing.respond(json={"page_size": 300, "total_records": 1, "next_page_token": "",
                          "meetings": [meeting()]})
    address = Address("zoom-net", "calendar", HOST)
    first = await connector.poll(address, None)
    assert [e.kind for e in first.events] == [Kind.EVENT_CREATED]
    assert listing.calls[0].request.url.params["type"] == "upcoming"
    same = await connector.poll(address, first.cursor)
    assert same.events == []
    listing.respond(json={"meetings": [meeting(start_time="2026-12-02T15:00:00Z")]})
    moved = await connector.poll(address, same.cursor)
    assert [e.kind for e in moved.events] == [Kind.EVENT_UPDATED]
    assert moved.events[0].revision


async def test_poll_recordings_follows_pages(connector: ZoomConnector, api: respx.Router) -> None:
    recorded = load("recording_completed_legacy.json")["payload"]["object"]
    api.get(f"/v2/users/{HOST}/recordings").mock(side_effect=[
        httpx.Response(200, json={"meetings": [recorded], "next_page_token": "p2"}),
        httpx.Response(200, json={"meetings": [], "next_page_token": ""})])
    result = await connector.poll(Address("zoom-net", "files", HOST), "2026-11-20")
    # MP4, M4A and TRANSCRIPT by default; the TIMELINE file is Zoom's own metadata.
    assert [e.attachments[0].mime_type for e in result.events] == [
        "video/mp4", "audio/mp4", "text/vtt"]
    assert result.cursor is not None and result.cursor >= "2026-11-20"



# ------------------------------------------------------------------ files into Team Chat

FILE_API = "https://file.zoom.us/v2/chat/users/me/files"


def with_files(tmp_path: Path, count: int) -> Outgoing:
    files = []
    for number in range(count):
        path = tmp_path / f"f{number}"
        path.write_bytes(b"%d" % number)
        files.append(LocalFile(path=path, name=f"photo{number}.jpg", mime_type="image/jpeg",
                               size=path.stat().st_size))
    return Outgoing(form=Form.FILE, event=chat_event("Photos"), title=None, body="Photos",
                    idempotency_key="passerelle-9", files=tuple(files))


async def test_files_are_uploaded_then_sent_with_the_message(
        connector: ZoomConnector, api: respx.Router, tmp_path: Path) -> None:
    ids = iter(f"F{n}" for n in range(7))
    upload = api.post(FILE_API).mock(side_effect=lambda request: httpx.Response(
        201, json={"id": next(ids)}))
    send = api.post("/v2/chat/users/me/messages").mock(side_effect=[
        httpx.Response(201, json={"id": "M-1"}), httpx.Response(201, json={"id": "M-2"})])
    receipt = await connector.send(with_files(tmp_path, 7), CHAT)
    assert receipt.native_id == "M-1"
    assert upload.call_count == 7
    assert upload.calls[0].request.url.params["postToPersonalChat"] == "false"
    assert b'filename="photo0.jpg"' in upload.calls[0].request.content
    first, second = (json.loads(c.request.content) for c in send.calls)
    assert first["file_ids"] == ["F0", "F1", "F2", "F3", "F4", "F5"]
    assert "photo" not in first["message"]  # files that travel need no mention
    assert second == {"message": "photo6.jpg", "to_channel": "C1", "file_ids": ["F6"],
                      "reply_main_message_id": "M-1"}


async def test_upload_follows_zoom_redirects_with_its_token(
        connector: ZoomConnector, api: respx.Router, tmp_path: Path) -> None:
    node = "https://us01file.zoom.us/v2/chat/users/me/files?postToPersonalChat=false"
    api.post(FILE_API).respond(307, headers={"Location": node})
    moved = api.post(node).respond(201, json={"id": "F0"})
    api.post("/v2/chat/users/me/messages").respond(201, json={"id": "M-1"})
    await connector.send(with_files(tmp_path, 1), CHAT)
    assert moved.calls[0].request.headers["authorization"] == "Bearer eyJ.test.token"


async def test_upload_redirect_off_zoom_is_refused(connector: ZoomConnector, api: respx.Router,
                                                   tmp_path: Path) -> None:
    api.post(FILE_API).respond(307, headers={"Location": "https://evil.example/take"})
    with pytest.raises(PermanentError, match=r"evil\.example"):
        await connector.send(with_files(tmp_path, 1), CHAT)
