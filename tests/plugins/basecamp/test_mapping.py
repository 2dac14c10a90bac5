"""Basecamp payloads → canonical events, on every fixture of tests/fixtures/basecamp and on edits
derived from them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.errors import NotAnEvent
from hub.events import Event, Kind
from plugins.basecamp import mapping
from plugins.basecamp.mapping import Change, PayloadError, classify, parse_payload
from tests.plugins.basecamp.conftest import load

CONN = "network-basecamp"


def one(payload: Any) -> Event:
    [event] = parse_payload(payload, CONN)
    # Every event survives its own JSON, as `passerelle normalize` prints it.
    assert Event.model_validate_json(event.model_dump_json()) == event
    return event


def test_real_webhook_message_created() -> None:
    event = one(load("webhook_message_created.json"))
    assert event.kind is Kind.MESSAGE_CREATED
    assert (event.source.endpoint, event.source.native_id) == ("board/2957043", "430680605")
    assert event.title == "Message Title"
    assert event.body == "message content"
    assert event.actor.name == "Tomasz" and event.actor.native_id == "10695738"
    assert event.occurred_at == datetime(2017, 3, 15, 5, 32, 23, 357000, tzinfo=UTC)
    assert event.revision == ""
    assert event.raw["id"] == 662184942  # the delivery id stays with the event


def test_docs_webhook_message_created() -> None:
    event = one(load("webhook_message_created_docs.json"))
    assert event.source.endpoint == "board/2085958498"
    assert event.title == "Welcome to Basecamp!"
    assert event.body.startswith("Hey all, here are some high res shots")


def test_message_get() -> None:
    event = one(load("message_get.json"))
    assert event.kind is Kind.MESSAGE_CREATED
    assert event.title == "We won Leto!"
    assert event.source.endpoint == "board/2085958504"
    assert event.parent is None
    assert event.occurred_at.tzinfo is UTC


def test_comment_hangs_under_its_message() -> None:
    event = one(load("comment_get.json"))
    assert event.kind is Kind.MESSAGE_CREATED
    assert event.parent is not None
    assert (event.parent.endpoint, event.parent.native_id) == ("board/2085958504", "1069479406")
    assert event.title is None
    assert event.actor.name == "Annie Bryan"


def test_schedule_entry_is_a_calendar_event() -> None:
    event = one(load("schedule_entry_get.json"))
    assert event.kind is Kind.EVENT_CREATED
    assert event.source.endpoint == "calendar/2085958504"
    assert event.title == "Team Meeting"
    assert event.body == "Time to synergize!"
    assert event.schedule is not None
    assert event.schedule.starts_at == datetime(2026, 2, 27, 18, 46, 10, 205000, tzinfo=UTC)
    assert event.schedule.ends_at == datetime(2026, 2, 27, 22, 46, 10, 206000, tzinfo=UTC)
    assert event.schedule.all_day is False


def test_upload_is_a_file_with_its_download_url() -> None:
    event = one(load("upload_get.json"))
    assert event.kind is Kind.FILE_CREATED
    assert event.source.endpoint == "files/2085958504"
    assert event.body == "Check out the new logo"
    [file] = event.attachments
    assert (file.name, file.mime_type, file.size) == ("company-logo.png", "image/png", 1281)
    assert file.url == load("upload_get.json")["download_url"]


def test_campfire_line_is_a_chat_message() -> None:
    event = one(load("campfire_line_get.json"))
    assert event.kind is Kind.MESSAGE_CREATED
    assert event.source.endpoint == "chat/2085958502"
    assert event.body == "👏 🎉"
    assert event.title is None


def test_webhook_resource_reads_its_recent_deliveries() -> None:
    # Its only delivery is a subscribers change: nothing anyone wrote changed.
    assert parse_payload(load("webhook_get_with_recent_deliveries.json"), CONN) == []


@pytest.mark.parametrize(("name", "says"), [
    ("chatbot_command_payload.json", "chatbot command"),
    ("attachment_create_response.json", "attachment upload receipt"),
    ("recording_events.json", "one of a recording's events"),
])
def test_payloads_that_are_not_recordings_are_named_as_no_event(name: str, says: str) -> None:
    with pytest.raises(NotAnEvent, match=says):
        parse_payload(load(name), CONN)


@pytest.mark.parametrize(("kind", "rtype", "change"), [
    ("message_created", "Message", Change.CREATED),
    ("message_active", "Message", Change.CREATED),
    ("message_content_changed", "Message", Change.UPDATED),  # observed (Zulip, 2017)
    ("message_subject_changed", "Message", Change.UPDATED),  # observed
    ("message_title_updated", "Message", Change.UPDATED),  # documented
    ("message_content_updated", "Message", Change.UPDATED),  # documented
    ("message_trashed", "Message", Change.TRASHED),
    ("message_deleted", "Message", Change.TRASHED),
    ("message_subscribers_changed", "Message", None),
    ("message_archived", "Message", None),
    ("message_copied", "Message", None),
    ("comment_created", "Comment", Change.CREATED),
    ("comment_content_changed", "Comment", Change.UPDATED),
    ("schedule_entry_created", "Schedule::Entry", Change.CREATED),
    ("schedule_entry_changed_starts_at_changed", "Schedule::Entry", Change.UPDATED),
    ("upload_trashed", "Upload", Change.TRASHED),
    ("todo_created", "Todo", Change.CREATED),
    ("todo_completed", "Todo", Change.UPDATED),  # observed (Zulip, 2017), as documented
    ("todo_uncompleted", "Todo", Change.UPDATED),
    ("todo_due_on_changed", "Todo", Change.UPDATED),  # observed
    ("todo_assignment_changed", "Todo", Change.UPDATED),  # observed
    ("todo_subscribers_changed", "Todo", None),
    ("todolist_created", "Todolist", Change.CREATED),
    ("todolist_name_changed", "Todolist", Change.UPDATED),  # observed
    ("todolist_completed", "Todolist", None),  # only a to-do's completion is an edit
    ("document_created", "Document", Change.CREATED),
    ("question_answer_created", "Question::Answer", None),
    ("message_created", "Comment", None),  # a kind that does not match its recording
])
def test_classify(kind: str, rtype: str, change: Change | None) -> None:
    assert classify(kind, rtype) is change


def _hook(kind: str) -> dict[str, Any]:
    payload: dict[str, Any] = load("webhook_message_created.json")
    payload["kind"] = kind
    return payload


def test_edit_webhook_is_an_update_whose_revision_is_the_content() -> None:
    edited = _hook("message_content_changed")
    edited["recording"]["content"] = "<div>message content, <strong>edited</strong></div>"
    event = one(edited)
    assert event.kind is Kind.MESSAGE_UPDATED
    assert event.body == "message content, **edited**"
    assert event.revision
    # The same text seen again (a retried delivery, or a poll) is the same revision.
    assert one(json.loads(json.dumps(edited))).revision == event.revision
    edited["recording"]["updated_at"] = "2017-03-16T00:00:00.000+01:00"
    assert one(edited).revision == event.revision
    edited["recording"]["content"] = "<div>another text</div>"
    assert one(edited).revision != event.revision


def test_trash_webhook_is_a_delete_by_whoever_trashed() -> None:
    trashed = _hook("message_trashed")
    trashed["creator"] = dict(trashed["creator"], id=42, name="Ana")
    event = one(trashed)
    assert event.kind is Kind.MESSAGE_DELETED
    assert event.actor.native_id == "42"
    assert event.body == "" and event.title is None
    assert event.occurred_at == datetime(2017, 3, 15, 5, 32, 23, 372000, tzinfo=UTC)


def test_webhook_uses_the_fetched_recording_over_the_hint() -> None:
    fetched = load("message_get.json")
    payload = load("webhook_message_created_docs.json")
    [event] = mapping.webhook_events(payload, CONN, fetched)
    assert event.source.native_id == str(fetched["id"])
    assert event.body.startswith("Hey guys,")
    assert event.raw["kind"] == "message_created"


def test_trashed_schedule_entry_cancels_the_event() -> None:
    entry = load("schedule_entry_get.json")
    entry["status"] = "trashed"
    event = one(entry)
    assert event.kind is Kind.EVENT_CANCELLED
    assert event.schedule is None


def test_comment_on_what_the_hub_does_not_mirror_is_not_mirrored() -> None:
    comment = load("comment_get.json")
    comment["parent"]["type"] = "Question::Answer"  # check-ins are not mirrored
    assert parse_payload(comment, CONN) == []


def test_polled_item_created_then_edited_gives_both() -> None:
    message = load("message_get.json")  # created 2025-12-30, updated 2026-02-26
    since = datetime(2025, 12, 1, tzinfo=UTC)
    kinds = [e.kind for e in mapping.polled_events(message, CONN, since)]
    assert kinds == [Kind.MESSAGE_CREATED, Kind.MESSAGE_UPDATED]
    later = datetime(2026, 1, 1, tzinfo=UTC)
    assert [e.kind for e in mapping.polled_events(message, CONN, later)] == [
        Kind.MESSAGE_UPDATED]
    assert mapping.polled_events(message, CONN, datetime(2026, 3, 1, tzinfo=UTC)) == []


def test_list_of_recordings_is_sorted_oldest_first() -> None:
    events = parse_payload([load("upload_get.json"), load("comment_get.json"),
                            load("message_get.json")], CONN)
    assert [e.source.native_id for e in events] == ["1069479406", "1069479416", "1069479915"]


@pytest.mark.parametrize("payload", [42, "text", {"id": 1}, {"kind": "x"}])
def test_garbage_is_refused_with_a_reason(payload: Any) -> None:
    with pytest.raises(PayloadError):
        parse_payload(payload, CONN)


def test_naive_timestamp_is_refused() -> None:
    with pytest.raises(PayloadError, match="no offset"):
        mapping.parse_time("2026-01-01T00:00:00")


def test_unknown_recording_types_are_skipped_quietly() -> None:
    card = load("comment_get.json")
    card["type"] = "Kanban::Card"
    assert parse_payload(card, CONN) == []
