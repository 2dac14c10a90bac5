"""Every fixture through the pure mapping: what each WhatsApp message becomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.events import Event, Kind
from plugins.whatsapp import mapping
from tests.plugins.whatsapp.conftest import FIXTURES, fixture, message_payload, text_from


def read(name: str, **kwargs: Any) -> mapping.Delivery:
    return mapping.read_delivery(fixture(name), connection="wa",
                                 phone_number_id=kwargs.get("number"))


def only_event(name: str) -> Event:
    delivery = read(name)
    assert len(delivery.received) == 1
    event = delivery.received[0].event
    assert event is not None
    return event


# (fixture, kind, endpoint, native id, parent id, body, attachment names)
CASES = [
    ("text_message_meta_docs.json", Kind.MESSAGE_CREATED, "member/16505551234",
     "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", None,
     "Does it come in another color?", []),
    ("group_text_message_meta_docs.json", Kind.MESSAGE_CREATED,
     "group/HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA",
     "wamid.HASDI128HJOPUERIH82ahdasd09ASDHi5>", None, "What does everyone think about this?", []),
    ("text_reply_with_context.json", Kind.MESSAGE_CREATED, "member/972987654321",
     "wamid.xyzxyz", "wamid.xyzxyz==", "replied text", []),
    ("document_message_forwarded.json", Kind.MESSAGE_CREATED, "member/972987654321",
     "wamid.xyzxyz", None, "_Forwarded_\ncaption", ["filename.pdf"]),
    ("video_forwarded.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.xyzxyz", None,
     "_Forwarded_\ncaption", ["video-765756756.mp4"]),
    ("image_with_url.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.xyzxyz", None,
     "", ["image-65463453.jpg"]),
    ("audio_voice.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.xyzxyz", None,
     "", ["audio-1234567890987654321.oga"]),
    ("sticker.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.xyzxyz", None, "",
     ["sticker-1234567890987654321.webp"]),
    ("reaction.json", Kind.REACTION_ADDED, "member/972987654321", "wamid.xyzxyz",
     "wamid.yzxyzx=", "😮", []),
    ("reaction_removed.json", Kind.REACTION_REMOVED, "member/972987654321", "wamid.xyzxyz",
     "wamid.yzxyzx=", "", []),
    ("interactive_button_reply.json", Kind.MESSAGE_CREATED, "member/972987654321",
     "wamid.xyzxyz", "wamid.xyzxyz", "title", []),
    ("interactive_list_reply.json", Kind.MESSAGE_CREATED, "member/972987654321",
     "wamid.zyzxyz", "wamid.xyzxyz", "title\ndescription", []),
    ("template_quick_reply_bsuid.json", Kind.MESSAGE_CREATED, "member/972987654321",
     "wamid.xsidjx", None, "title", []),
    ("text_from_ad_referral.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.ID",
     None, "BODY", []),
    ("order.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.xyzxyz", None,
     "🛒 Order\n3 × HAMBURGER\n2 × FRENCH\\_FRIES\n2 × SODA", []),
    ("unsupported.json", Kind.MESSAGE_CREATED, "member/972987654321", "wamid.xyzxyz", None,
     "_A WhatsApp pool message the hub cannot show_", []),
    ("edit_image_caption.json", Kind.MESSAGE_UPDATED, "member/16505551234",
     "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=", "M0",
     "Updated image caption", ["image-1234567890.jpg"]),
    ("revoke.json", Kind.MESSAGE_DELETED, "member/<WHATSAPP_USER_PHONE_NUMBER>",
     "<ORIGINAL_WHATSAPP_MESSAGE_ID>", None, "", []),
]


@pytest.mark.parametrize(("name", "kind", "endpoint", "native_id", "parent", "body", "files"),
                         CASES, ids=[case[0] for case in CASES])
def test_fixture_maps_to_event(name: str, kind: Kind, endpoint: str, native_id: str,
                               parent: str | None, body: str, files: list[str]) -> None:
    event = only_event(name)
    assert event.kind is kind
    assert event.source.platform == "whatsapp" and event.source.connection == "wa"
    assert event.source.endpoint == endpoint
    assert event.source.native_id == native_id
    assert (event.parent.native_id if event.parent else None) == parent
    if event.parent:
        assert event.parent.endpoint == endpoint
    assert event.body == body
    assert [a.name for a in event.attachments] == files
    assert event.occurred_at.tzinfo is UTC
    assert Event.model_validate_json(event.model_dump_json()) == event


def test_every_fixture_is_covered() -> None:
    covered = {case[0] for case in CASES} | {
        "status_read.json", "status_failed.json", "status_group_read.json",
        "status_sent_callback_data.json", "system_number_change.json", "contacts.json",
        "location.json", "webhook_verification_get_request.json"}
    assert {path.name for path in FIXTURES.glob("*.json")} == covered


def test_actor_name_and_time() -> None:
    event = only_event("text_message_meta_docs.json")
    assert event.actor.native_id == "16505551234"
    assert event.actor.name == "Sheena Nelson"
    assert event.occurred_at == datetime.fromtimestamp(1749416383, UTC)
    assert event.revision == ""


def test_edit_revision_is_the_edit_message_id() -> None:
    event = only_event("edit_image_caption.json")
    assert event.revision == "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="


def test_media_attachment_keeps_media_id_mime_and_url() -> None:
    [attachment] = only_event("image_with_url.json").attachments
    assert attachment.native_id == "65463453"
    assert attachment.mime_type == "image/jpeg"
    assert attachment.url is not None and attachment.url.startswith(
        "https://lookaside.fbsbx.com/whatsapp_business/attachments/")
    [audio] = only_event("audio_voice.json").attachments
    assert audio.mime_type == "audio/ogg"  # the codecs parameter is dropped


def test_contacts_and_location_bodies() -> None:
    contacts = only_event("contacts.json").body
    assert contacts.splitlines() == ["👤 Chandler Bing: +1 555-555-5555",
                                     "👤 Monica: +1 666-666-6666",
                                     "👤 Rachel Green: +1 777-777-7777"]
    location = only_event("location.json").body
    assert location.splitlines() == [
        "_Forwarded_", "📍 Facebook HQ", "1 Hacker Way, Menlo Park, CA 94025",
        "https://maps.google.com/?cid=2000000000000000000"]


def test_bsuid_is_kept_beside_the_phone_number() -> None:
    delivery = read("template_quick_reply_bsuid.json")
    sender = delivery.received[0].sender
    assert sender.key == "972987654321"
    assert sender.user_id == "US.13491208655302741918"


def test_sender_without_phone_number_is_known_by_bsuid() -> None:
    message = {"from_user_id": "US.13491208655302741918", "id": "wamid.b1",
               "timestamp": "1779372805", "type": "text", "text": {"body": "Hey"}}
    payload = message_payload(message)
    payload["entry"][0]["changes"][0]["value"]["contacts"] = [
        {"profile": {"name": "Krish", "username": "@krish"},
         "user_id": "US.13491208655302741918"}]
    [item] = mapping.read_delivery(payload, connection="wa", phone_number_id=None).received
    assert item.sender.key == "US.13491208655302741918"
    assert item.sender.wa_id is None
    assert item.event is not None and item.event.actor.name == "Krish"
    assert item.event.source.endpoint == "member/US.13491208655302741918"


@pytest.mark.parametrize("name", ["status_read.json", "status_failed.json",
                                  "status_group_read.json", "status_sent_callback_data.json"])
def test_statuses_are_reports_not_content(name: str) -> None:
    delivery = read(name)
    assert delivery.received == ()
    assert len(delivery.reports) == 1


def test_failed_status_carries_its_error() -> None:
    [report] = read("status_failed.json").reports
    assert report.status.native_id == "wamid.xyzxyz"
    assert report.status.state == "failed"
    assert report.error_code == 130472
    assert report.status.error is not None and report.status.error.startswith("130472")
    assert report.recipient == "972987654321"


def test_system_message_has_no_content() -> None:
    [item] = read("system_number_change.json").received
    assert item.event is None


def test_other_numbers_are_ignored() -> None:
    assert read("text_message_meta_docs.json", number="1122334455667").received == ()
    assert len(read("text_reply_with_context.json", number="1122334455667").received) == 1


def test_every_entry_change_and_message_is_read() -> None:
    first = fixture("text_message_meta_docs.json")
    second = fixture("reaction.json")
    payload = {"object": "whatsapp_business_account",
               "entry": first["entry"] + second["entry"]}
    payload["entry"][0]["changes"].append(fixture("status_read.json")["entry"][0]["changes"][0])
    delivery = mapping.read_delivery(payload, connection="wa", phone_number_id=None)
    assert [r.event.kind for r in delivery.received if r.event] == [
        Kind.MESSAGE_CREATED, Kind.REACTION_ADDED]
    assert len(delivery.reports) == 1


@pytest.mark.parametrize("payload", [
    {"object": "page", "entry": []}, [], "text", {"entry": []},
])
def test_not_a_whatsapp_delivery_is_refused(payload: Any) -> None:
    with pytest.raises(mapping.PayloadError, match="whatsapp_business_account"):
        mapping.read_delivery(payload, connection="wa", phone_number_id=None)


def test_an_unreadable_message_is_named_and_the_others_kept() -> None:
    payload = message_payload({"from": "1", "timestamp": "1", "type": "text",
                               "text": {"body": "x"}})
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"] += [{"from": "1", "id": "wamid.bad-time", "timestamp": "soon",
                           "type": "text", "text": {"body": "y"}},
                          {"from": "1", "id": "wamid.ok", "timestamp": "2", "type": "text",
                           "text": {"body": "z"}}]
    delivery = mapping.read_delivery(payload, connection="wa", phone_number_id=None)
    assert [r.event.source.native_id for r in delivery.received if r.event] == ["wamid.ok"]
    assert len(delivery.problems) == 2
    assert "without an id" in delivery.problems[0]
    assert "'wamid.bad-time' skipped" in delivery.problems[1]


@pytest.mark.parametrize(("message", "named"), [
    ({"id": "wamid." + "9" * 500}, "Ref.native_id: 506 characters, more than the 500"),
    ({"from": "9" * 129}, "sender '99999"),
    ({"from": "3519\x0012345678"}, "sender '3519\ufffd12345678' is no WhatsApp id"),
    ({"group_id": "g" * 500}, "Ref.endpoint: 506 characters"),
])
def test_a_message_the_store_cannot_hold_is_skipped_naming_why(message: dict[str, Any],
                                                               named: str) -> None:
    unreadable = {**text_from("351912345678", "x", "wamid.1", 1), **message}
    payload = message_payload(unreadable, wa_id=unreadable["from"])
    payload["entry"][0]["changes"][0]["value"]["messages"].append(
        text_from("351912345678", "y", "wamid.ok", 2))
    delivery = mapping.read_delivery(payload, connection="wa", phone_number_id=None)
    assert [r.event.source.native_id for r in delivery.received if r.event] == ["wamid.ok"]
    [problem] = delivery.problems
    assert "skipped" in problem and named in problem, problem
    assert len(problem) < 300  # one line, the id cut short


@pytest.mark.parametrize("status", [{"id": "wamid.\x00"}, {"status": "read\x00"},
                                    {"status": "r" * 41},
                                    {"biz_opaque_callback_data": "passerelle-1\x00"},
                                    {"recipient_id": "9" * 129}])
def test_a_status_the_store_cannot_look_up_is_skipped(status: dict[str, Any]) -> None:
    payload = fixture("status_read.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["statuses"][0].update(status)
    delivery = mapping.read_delivery(payload, connection="wa", phone_number_id=None)
    assert delivery.reports == ()
    [problem] = delivery.problems
    assert problem.startswith("status ") and "skipped" in problem


def test_a_status_error_is_kept_as_storable_text() -> None:
    payload = fixture("status_failed.json")
    error = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]
    error["title"] = "Re-engagement\x00message"
    [report] = mapping.read_delivery(payload, connection="wa", phone_number_id=None).reports
    assert report.status.error is not None and "Re-engagement\ufffdmessage" in report.status.error


def test_handshake_rendering_is_recognised() -> None:
    assert mapping.is_handshake_rendering(fixture("webhook_verification_get_request.json"))
    assert not mapping.is_handshake_rendering(fixture("status_read.json"))


# -- outbound shapes ---------------------------------------------------------------------

def test_template_message_positional_and_named() -> None:
    values = {"author": "Ana Souza (Slack)", "preview": "line one\nline  two\t end"}
    positional = mapping.template_message("new_post", "pt_PT", ["{author}", "{preview}"], values)
    assert positional == {"type": "template", "template": {
        "name": "new_post", "language": {"code": "pt_PT"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "Ana Souza (Slack)"},
            {"type": "text", "text": "line one line two end"}]}]}}
    named = mapping.template_message("t", "en", {"who": "{author}"}, values)
    assert named["template"]["components"][0]["parameters"] == [
        {"type": "text", "parameter_name": "who", "text": "Ana Souza (Slack)"}]


@pytest.mark.parametrize(("mime", "size", "kind"), [
    ("image/jpeg", 1000, "image"), ("image/jpeg", 6 * 2**20, "document"),
    ("image/webp", 1000, "document"), ("video/mp4", 10 * 2**20, "video"),
    ("audio/ogg", 100, "audio"), ("application/pdf", 99 * 2**20, "document"),
    ("application/zip", 101 * 2**20, None),
])
def test_media_kind_follows_meta_limits(mime: str, size: int, kind: str | None) -> None:
    assert mapping.media_kind(mime, size) == kind


def test_media_message_caption_only_where_allowed() -> None:
    assert mapping.media_message("audio", "m1", caption="hi") == {"type": "audio",
                                                                  "audio": {"id": "m1"}}
    assert mapping.media_message("document", "m2", caption="hi", filename="a.pdf") == {
        "type": "document", "document": {"id": "m2", "caption": "hi", "filename": "a.pdf"}}


def test_compose_text_puts_author_and_title_first() -> None:
    text = mapping.compose_text("Ana (Basecamp)", "Agenda", "Hello **all**")
    assert text == "*Ana (Basecamp)*\n*Agenda*\nHello *all*"
    assert len(mapping.text_message("x" * 5000)["text"]["body"]) == 4096


def test_passerelle_normalize_reads_every_fixture() -> None:
    paths = sorted(FIXTURES.glob("*.json"))
    result = CliRunner().invoke(app, ["normalize", "--platform", "whatsapp",
                                      *[str(path) for path in paths]])
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)
    assert len(events) == len(CASES) + 2  # contacts and location are not in CASES
    statuses = [p for p in paths if p.name.startswith("status_")]
    alone = CliRunner().invoke(app, ["normalize", "--platform", "whatsapp", str(statuses[0])])
    assert alone.exit_code == 0 and json.loads(alone.stdout) == []
