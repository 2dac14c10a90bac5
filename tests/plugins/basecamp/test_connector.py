"""The connector over respx: polls, webhooks, and what it makes on Basecamp."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from hub.connector import Address, Form, LocalFile, WebhookRequest
from hub.errors import NotSupported, PermanentError, WebhookRejected
from hub.events import Attachment, Kind, Schedule
from tests.plugins.basecamp.conftest import load
from tests.plugins.basecamp.helpers import API, connector_on, outgoing, target
from tests.plugins.basecamp.test_conformance import launchpad, project

PROJECT = "2085958504"
BOARD, VAULT, SCHEDULE, CHAT = "1069479392", "1069479394", "1069479396", "1069478985"


def router() -> respx.Router:
    api = respx.Router(assert_all_mocked=True, base_url=API)
    launchpad(api)
    api.get(f"projects/{PROJECT}.json").respond(json=project(PROJECT))
    return api


def hook(body: Any, path: str = "fake-webhook-secret", method: str = "POST") -> WebhookRequest:
    return WebhookRequest(method=method, path=path, query=[], headers={
        "content-type": "application/json", "user-agent": "Basecamp3 Webhook"},
        body=json.dumps(body).encode(), received_at=datetime.now(UTC))


def stamp(recording: dict[str, Any], created: str, updated: str | None = None,
          status: str = "active") -> dict[str, Any]:
    recording.update(created_at=created, updated_at=updated or created, status=status)
    return recording


# -- polling ----------------------------------------------------------------------------------


async def test_board_poll_reads_active_and_trashed_sorted_by_update() -> None:
    api = router()
    new = stamp(load("message_get.json"), "2026-11-26T10:00:00Z")
    edited = stamp(load("comment_get.json"), "2026-11-20T10:00:00Z", "2026-11-26T10:05:00Z")
    trashed = stamp(load("message_get.json"), "2026-11-01T10:00:00Z", "2026-11-26T09:59:00Z",
                    status="trashed")
    trashed["id"] = 77
    other_project = stamp(load("message_get.json"), "2026-11-26T10:01:00Z")
    other_project["bucket"] = {"id": 1, "name": "Elsewhere", "type": "Project"}
    answers = {("Message", "active"): [new, other_project], ("Message", "trashed"): [trashed],
               ("Comment", "active"): [edited], ("Comment", "trashed"): []}
    route = api.get("projects/recordings.json").mock(side_effect=lambda request: httpx.Response(
        200, json=answers[(request.url.params["type"], request.url.params["status"])]))
    async with connector_on(api) as connector:
        result = await connector.poll(Address.parse(f"n/board/{PROJECT}"),
                                      "2026-11-26T09:00:00+00:00")
    assert [(e.kind, e.source.native_id) for e in result.events] == [
        (Kind.MESSAGE_DELETED, "77"), (Kind.MESSAGE_CREATED, "1069479406"),
        (Kind.MESSAGE_UPDATED, "1069479416")]
    assert result.cursor == "2026-11-26T10:05:00+00:00"
    params = route.calls[0].request.url.params
    assert dict(params) == {"type": "Message", "bucket": PROJECT, "status": "active",
                            "sort": "updated_at", "direction": "desc"}


async def test_poll_rereads_an_overlap_window_and_stops_at_older_pages() -> None:
    api = router()

    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("page") == "2":
            return httpx.Response(200, json=[stamp(load("message_get.json"),
                                                   "2026-11-26T08:50:00Z")])
        if (params["type"], params["status"]) != ("Message", "active"):
            return httpx.Response(200, json=[])
        return httpx.Response(
            200, json=[stamp(load("message_get.json"), "2026-11-26T08:57:00Z")],
            headers={"Link": f'<{API}projects/recordings.json?page=2>; rel="next"'})

    route = api.get("projects/recordings.json").mock(side_effect=answer)
    async with connector_on(api) as connector:
        result = await connector.poll(Address.parse(f"n/board/{PROJECT}"),
                                      "2026-11-26T09:00:00+00:00")
    # 08:57 is inside the 5-minute overlap: read again (the store drops it); 08:50 is not,
    # and page 2 is where reading stops.
    assert [e.kind for e in result.events] == [Kind.MESSAGE_CREATED]
    assert result.cursor is None  # nothing newer than the cursor
    assert route.call_count == 5  # four lists, one of them with a second page


async def test_campfire_poll_reads_lines_after_the_cursor() -> None:
    api = router()
    lines = []
    for n, minute in enumerate((3, 2, 1)):
        line = stamp(load("campfire_line_get.json"), f"2026-11-26T10:0{minute}:00Z")
        line["id"] = 100 + n
        line["content"] = f"line {minute}"
        line["bucket"]["id"] = int(PROJECT)
        lines.append(line)
    api.get(f"chats/{CHAT}/lines.json").respond(json=lines)
    async with connector_on(api, overlap_seconds=0) as connector:
        result = await connector.poll(Address.parse(f"n/chat/{PROJECT}"),
                                      "2026-11-26T10:01:30+00:00")
    assert [e.body for e in result.events] == ["line 2", "line 3"]
    assert {e.source.endpoint for e in result.events} == {f"chat/{PROJECT}"}
    assert result.cursor == "2026-11-26T10:03:00+00:00"


async def test_first_poll_looks_back_only_as_configured() -> None:
    api = router()
    recent = stamp(load("campfire_line_get.json"),
                   (datetime.now(UTC) - timedelta(minutes=5)).isoformat())
    api.get(f"chats/{CHAT}/lines.json").respond(json=[recent, load("campfire_line_get.json")])
    async with connector_on(api, initial_lookback_minutes=30) as connector:
        result = await connector.poll(Address.parse(f"n/chat/{PROJECT}"), None)
    assert len(result.events) == 1 and result.cursor


async def test_endpoint_must_be_a_project_id() -> None:
    async with connector_on(router()) as connector:
        with pytest.raises(Exception, match="addressed by project id"):
            await connector.poll(Address.parse("n/chat/general"), None)


# -- webhooks ---------------------------------------------------------------------------------


async def test_webhook_secret_is_the_only_proof() -> None:
    async with connector_on(router()) as connector:
        assert await connector.verify_webhook(hook({})) is None
        with pytest.raises(WebhookRejected) as caught:
            await connector.verify_webhook(hook({}, path="guess"))
        assert caught.value.status == 404
        with pytest.raises(WebhookRejected):
            await connector.verify_webhook(hook({}, method="GET"))
    async with connector_on(router(), webhook_secret=None) as connector:
        with pytest.raises(WebhookRejected, match="no webhook_secret"):
            await connector.verify_webhook(hook({}))


async def test_webhook_is_a_hint_the_recording_is_fetched() -> None:
    api = router()
    fetched = load("message_get.json")
    api.get("messages/9007199254741622.json").respond(json=fetched)
    async with connector_on(api) as connector:
        inbound = await connector.receive(hook(load("webhook_message_created_docs.json")))
    [event] = inbound.events
    assert event.body.startswith("Hey guys,")  # the API's text, not the hint's
    assert event.raw["id"] == 9007199254741210


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused_as_malformed(constant: str) -> None:
    body = json.dumps(load("webhook_message_created_docs.json")).replace(
        '"kind": ', f'"score": {constant}, "kind": ').encode()
    request = dataclasses.replace(hook({}), body=body)
    async with connector_on(router()) as connector:
        with pytest.raises(WebhookRejected) as caught:
            await connector.receive(request)
    assert caught.value.status == 400
    assert f"{constant} is not a JSON value" in str(caught.value)


async def test_what_the_api_answers_is_made_storable() -> None:
    api = router()
    fetched = load("message_get.json")
    fetched["content"] = "<div>ol\ud800\x00</div>"
    fetched["creator"]["name"] = "Victor\ud800"
    # JSON may escape a lone surrogate: httpx reads it as one, which no encoding can hold.
    api.get("messages/9007199254741622.json").respond(
        content=json.dumps(fetched).encode(), headers={"content-type": "application/json"})
    async with connector_on(api) as connector:
        [event] = (await connector.receive(hook(load("webhook_message_created_docs.json")))).events
    assert event.body == "ol\ufffd\ufffd"
    assert event.actor.name == "Victor\ufffd"
    event.model_dump_json()  # what the store writes


async def test_observed_changed_kind_is_an_edit() -> None:
    api = router()
    payload = load("webhook_message_created.json")
    payload["kind"] = "message_content_changed"
    current = load("message_get.json")
    current["content"] = "<div>corrected</div>"
    api.get("messages/430680605.json").respond(json=current)
    async with connector_on(api) as connector:
        [event] = (await connector.receive(hook(payload))).events
    assert event.kind is Kind.MESSAGE_UPDATED and event.body == "corrected"


async def test_trash_hint_is_confirmed_and_a_forged_one_ignored() -> None:
    api = router()
    payload = load("webhook_message_created.json")
    payload["kind"] = "message_trashed"
    route = api.get("messages/430680605.json")
    route.side_effect = [httpx.Response(200, json=dict(load("message_get.json"),
                                                       status="trashed")),
                         httpx.Response(404),
                         httpx.Response(200, json=load("message_get.json"))]
    async with connector_on(api) as connector:
        [trashed] = (await connector.receive(hook(payload))).events
        [gone] = (await connector.receive(hook(payload))).events
        assert not (await connector.receive(hook(payload))).events  # still active: forged
    assert trashed.kind is gone.kind is Kind.MESSAGE_DELETED


async def test_created_hint_for_an_item_since_trashed_is_skipped() -> None:
    api = router()
    api.get("messages/430680605.json").respond(404)
    async with connector_on(api) as connector:
        inbound = await connector.receive(hook(load("webhook_message_created.json")))
    assert not inbound.events


async def test_unmirrored_kinds_are_acknowledged_without_a_call() -> None:
    body = load("webhook_get_with_recent_deliveries.json")["recent_deliveries"][0]["request"]
    async with connector_on(router()) as connector:
        assert not (await connector.receive(hook(body["body"]))).events


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"kind": "x"}'])
async def test_garbage_webhook_is_refused(body: bytes) -> None:
    request = WebhookRequest(method="POST", path="fake-webhook-secret", query=[], headers={},
                             body=body, received_at=datetime.now(UTC))
    async with connector_on(router()) as connector:
        with pytest.raises(WebhookRejected) as caught:
            await connector.receive(request)
    assert caught.value.status == 400


# -- delivering -------------------------------------------------------------------------------


def made(rid: int) -> httpx.Response:
    return httpx.Response(201, json={"id": rid, "status": "active"})


def local(tmp_path: Path, name: str = "photo.png", data: bytes = b"\x89PNG bytes") -> LocalFile:
    path = tmp_path / name
    path.write_bytes(data)
    return LocalFile(path=path, name=name, mime_type="image/png", size=len(data))


async def test_post_names_its_subscribers_so_nobody_is_spammed() -> None:
    api = router()
    route = api.post(f"message_boards/{BOARD}/messages.json").mock(return_value=made(501))
    async with connector_on(api) as connector:
        receipt = await connector.send(outgoing(title="Agenda"), target("board"))
    assert receipt.native_id == "501"
    body = json.loads(route.calls.last.request.content)
    assert body == {"subject": "Agenda", "status": "active", "subscriptions": [],
                    "content": "<div><strong>Ana Souza (Slack)</strong><br><br>Hello "
                               "<strong>network</strong></div>"}


async def test_whole_project_notification_is_opt_in() -> None:
    api = router()
    route = api.post(f"message_boards/{BOARD}/messages.json").mock(return_value=made(502))
    async with connector_on(api, notify_whole_project=True, show_author=False) as connector:
        await connector.send(outgoing(body="First line\n\nmore"), target("board"))
    body = json.loads(route.calls.last.request.content)
    assert "subscriptions" not in body
    assert body["subject"] == "First line"


async def test_comment_goes_on_the_mapped_post_with_a_new_attachment(tmp_path: Path) -> None:
    api = router()
    upload = api.post("attachments.json", params={"name": "photo.png"}).respond(
        201, json=load("attachment_create_response.json"))
    comment = api.post("recordings/501/comments.json").mock(return_value=made(601))
    async with connector_on(api) as connector:
        receipt = await connector.send(
            outgoing(Form.COMMENT, body="Nice", reply_to="501", files=(local(tmp_path),)),
            target("board"))
    assert receipt.native_id == "601"
    sent = upload.calls.last.request
    assert sent.content == b"\x89PNG bytes"
    assert sent.headers["Content-Type"] == "image/png" and sent.headers["Content-Length"] == "10"
    sgid = load("attachment_create_response.json")["attachable_sgid"]
    assert f'<bc-attachment sgid="{sgid}"></bc-attachment>' in json.loads(
        comment.calls.last.request.content)["content"]


async def test_mentions_of_basecamp_people_become_real_mentions() -> None:
    api = router()
    person = load("message_get.json")["creator"]
    api.get("people/1049715913.json").respond(json=person)
    api.get("people/404.json").respond(404)
    route = api.post(f"message_boards/{BOARD}/messages.json").mock(return_value=made(1))
    async with connector_on(api, show_author=False) as connector:
        await connector.send(outgoing(body="<@basecamp:1049715913> and <@basecamp:404>"),
                             target("board"))
    content = json.loads(route.calls.last.request.content)["content"]
    assert f'<bc-attachment sgid="{person["attachable_sgid"]}"></bc-attachment>' in content
    assert "@404" in content


async def test_campfire_line_as_the_oauth_user_with_files(tmp_path: Path) -> None:
    api = router()
    line = api.post(f"chats/{CHAT}/lines.json").mock(return_value=made(700))
    upload = api.post(f"chats/{CHAT}/uploads.json", params={"name": "photo.png"}).mock(
        return_value=made(701))
    async with connector_on(api) as connector:
        receipt = await connector.send(outgoing(Form.MESSAGE, files=(local(tmp_path),)),
                                       target("chat"))
    assert receipt.native_id == "700"
    assert json.loads(line.calls.last.request.content)["content_type"] == "text/html"
    assert upload.calls.last.request.content == b"\x89PNG bytes"


async def test_campfire_line_as_a_chatbot_uses_no_oauth() -> None:
    api = router()
    route = api.post(f"integrations/fake-chatbot-key/buckets/{PROJECT}/chats/{CHAT}/lines.json"
                     ).respond(201)
    async with connector_on(api, campfire_sender="chatbot") as connector:
        receipt = await connector.send(outgoing(Form.MESSAGE), target("chat"))
        with pytest.raises(PermanentError, match="chatbot"):
            await connector.delete(target("chat"), receipt.native_id)
    assert receipt.native_id == "chatbot:passerelle-7"
    assert "Authorization" not in route.calls.last.request.headers


async def test_calendar_event_becomes_a_schedule_entry() -> None:
    api = router()
    route = api.post(f"schedules/{SCHEDULE}/entries.json").mock(return_value=made(800))
    when = Schedule(starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC),
                    join_url="https://zoom.us/j/1")
    async with connector_on(api, show_author=False) as connector:
        receipt = await connector.send(outgoing(Form.CALENDAR, kind=Kind.EVENT_CREATED,
                                                title="Network call", body="Agenda",
                                                schedule=when), target("calendar"))
    assert receipt.native_id == "800"
    entry = json.loads(route.calls.last.request.content)
    assert entry["summary"] == "Network call"
    assert entry["starts_at"] == "2026-12-01T14:00:00+00:00"
    assert entry["ends_at"] == "2026-12-01T15:00:00+00:00"  # Basecamp needs an end
    assert entry["notify"] is False
    assert "https://zoom.us/j/1" in entry["description"]


async def test_file_goes_to_the_vault_with_its_name(tmp_path: Path) -> None:
    api = router()
    api.post("attachments.json", params={"name": "report.pdf"}).respond(
        201, json=load("attachment_create_response.json"))
    route = api.post(f"vaults/{VAULT}/uploads.json").mock(return_value=made(900))
    file = LocalFile(path=local(tmp_path, "report.pdf").path, name="report.pdf",
                     mime_type="application/pdf", size=10)
    async with connector_on(api) as connector:
        receipt = await connector.send(outgoing(Form.FILE, kind=Kind.FILE_CREATED, files=(file,)),
                                       target("files"))
    assert receipt.native_id == "900"
    body = json.loads(route.calls.last.request.content)
    assert body["base_name"] == "report"
    assert body["attachable_sgid"] == load("attachment_create_response.json")["attachable_sgid"]


async def test_edit_keeps_the_files_already_embedded() -> None:
    api = router()
    current = load("message_get.json")
    current["content"] = ('<div>old</div><bc-attachment sgid="KEEP" content-type="image/png">'
                          "<figure></figure></bc-attachment>")
    api.get("messages/501.json").respond(json=current)
    route = api.put("messages/501.json").respond(json=current)
    async with connector_on(api, show_author=False) as connector:
        await connector.update(outgoing(body="new", title="Agenda v2"), target("board"), "501")
    body = json.loads(route.calls.last.request.content)
    assert body == {"subject": "Agenda v2",
                    "content": '<div>new</div><bc-attachment sgid="KEEP"></bc-attachment>'}


async def test_comment_edit_and_campfire_edit() -> None:
    api = router()
    api.get("comments/601.json").respond(json=load("comment_get.json"))
    route = api.put("comments/601.json").respond(json=load("comment_get.json"))
    async with connector_on(api, show_author=False) as connector:
        await connector.update(outgoing(Form.COMMENT, body="fixed"), target("board"), "601")
        with pytest.raises(NotSupported, match="cannot edit Campfire lines"):
            await connector.update(outgoing(Form.MESSAGE), target("chat"), "700")
    assert json.loads(route.calls.last.request.content) == {"content": "<div>fixed</div>"}


async def test_delete_is_trashing_and_already_gone_is_done() -> None:
    api = router()
    trash = api.put("recordings/501/status/trashed.json").respond(204)
    api.put("recordings/502/status/trashed.json").respond(404)
    line = api.delete(f"chats/{CHAT}/lines/700.json").respond(204)
    async with connector_on(api) as connector:
        await connector.delete(target("board"), "501")
        await connector.delete(target("board"), "502")
        await connector.delete(target("chat"), "700")
    assert trash.called and line.called


async def test_reactions_are_refused_for_good() -> None:
    async with connector_on(router()) as connector:
        with pytest.raises(NotSupported, match="no reactions"):
            await connector.send(outgoing(Form.REACTION), target("chat"))


async def test_download_sends_the_token_only_to_basecamp(tmp_path: Path) -> None:
    api = router()
    url = load("upload_get.json")["download_url"]
    route = api.get(url).respond(content=b"logo-bytes", headers={"Content-Type": "image/png"})
    # An explicit base_url is an origin the admin vouches for: no DNS lookup in the test.
    async with connector_on(api, base_url="https://3.basecampapi.com") as connector:
        file = await connector.download(Attachment(name="company-logo.png",
                                                   mime_type="image/png", url=url))
        with pytest.raises(PermanentError, match="not one of the platform's file hosts"):
            await connector.download(Attachment(name="x", url="https://evil.example/x"))
    try:
        assert file.path.read_bytes() == b"logo-bytes"
        assert route.calls.last.request.headers["Authorization"] == "Bearer fake-access-token"
    finally:
        file.path.unlink()


async def test_an_unreadable_item_is_skipped_not_the_whole_poll(
        caplog: pytest.LogCaptureFixture) -> None:
    api = router()
    good = stamp(load("campfire_line_get.json"), "2026-11-26T10:02:00Z")
    broken = stamp(load("campfire_line_get.json"), "2026-11-26T10:01:00Z")
    broken["id"] = 13
    del broken["creator"]
    api.get(f"chats/{CHAT}/lines.json").respond(json=[good, broken])
    async with connector_on(api) as connector:
        result = await connector.poll(Address.parse(f"n/chat/{PROJECT}"),
                                      "2026-11-26T10:00:00+00:00")
    assert [e.source.native_id for e in result.events] == [str(good["id"])]
    assert result.cursor == "2026-11-26T10:02:00+00:00"
    assert "Chat::Lines::RichText 13 skipped: payload has no creator" in caplog.text
