"""Zoom payloads ⇄ canonical events, on real payloads (tests/fixtures/zoom)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub import markup
from hub.errors import NotAnEvent
from hub.events import Actor, Event, Kind, Ref, Schedule
from plugins.zoom import mapping
from tests.plugins.zoom.conftest import FIXTURES, NOT_EVENTS, load

C = "zoom-net"


def parse(name: str) -> list[Event]:
    return mapping.parse_payload(load(name), C)


# (fixture, kind, endpoint, native id, parent native id, title, revision)
CASES = [
    ("meeting_created.json", Kind.EVENT_CREATED, "calendar/uLoRgfbbTayCX6r2Q_qQsQ", "111111111",
     None, "My Meeting", ""),
    ("meeting_updated.json", Kind.EVENT_UPDATED, "calendar/BBBBBBBBBB", "155184668", None, None,
     "1562791953209"),
    ("meeting_deleted.json", Kind.EVENT_CANCELLED, "calendar/BBBBBBBBBB", "809321987", None,
     "My Meeting", ""),
    ("meeting_started.json", Kind.MESSAGE_CREATED, "calendar/uLoRgfbbTayCX6r2Q_qQsQ",
     "111111111/started/czLF6FFFoQOKgAB99DlDb9g==", "111111111", None, ""),
    ("meeting_ended.json", Kind.MESSAGE_CREATED, "calendar/uLoRgfbbTayCX6r2Q_qQsQ",
     "111111111/ended/czLF6FFFoQOKgAB99DlDb9g==", "111111111", None, ""),
    ("team_chat_channel_message_posted.json", Kind.MESSAGE_CREATED, "chat/qrstuvwxyz67890",
     "508CD4CF-4FFD-4644-BFB2-264C5C5600D7", "AC619306-3DB6-4918-A11F-DB9489BB814E", None, ""),
    ("team_chat_channel_message_updated.json", Kind.MESSAGE_UPDATED, "chat/qrstuvwxyz67890",
     "508CD4CF-4FFD-4644-BFB2-264C5C5600D7", "AC619306-3DB6-4918-A11F-DB9489BB814E", None,
     "1626230691572"),
    ("team_chat_channel_message_deleted.json", Kind.MESSAGE_DELETED, "chat/qrstuvwxyz67890",
     "508CD4CF-4FFD-4644-BFB2-264C5C5600D7", "AC619306-3DB6-4918-A11F-DB9489BB814E", None, ""),
    ("chat_message_sent_legacy.json", Kind.MESSAGE_CREATED, "chat/fsdgdgdgdfgdfgdfgdfgb10",
     "EwwwwA-87F4-222222-8CD9-FA00000E6B9", None, None, ""),
    ("chat_message_updated_legacy.json", Kind.MESSAGE_UPDATED, "chat/fsdgdgdgdfgdfgdfgdfgb10",
     "Ell123-87F4-222222-8CD9-FA00000E6B9", None, None, "1581462008594"),
]


@pytest.mark.parametrize(("name", "kind", "endpoint", "native_id", "parent", "title", "revision"),
                         CASES)
def test_fixture_maps_to_one_event(name: str, kind: Kind, endpoint: str, native_id: str,
                                   parent: str | None, title: str | None, revision: str) -> None:
    [event] = parse(name)
    assert event.kind is kind
    assert event.source == Ref(platform="zoom", connection=C, endpoint=endpoint,
                               native_id=native_id)
    assert (event.parent.native_id if event.parent else None) == parent
    assert event.title == title
    assert event.revision == revision
    assert event.occurred_at.tzinfo is not None
    assert Event.model_validate_json(event.model_dump_json()) == event


def test_every_fixture_is_covered() -> None:
    ours = {path.name for path in FIXTURES.glob("*.json")}
    assert ours == ({case[0] for case in CASES} | {"recording_completed_legacy.json"}
                    | NOT_EVENTS)


def test_meeting_created_schedule_and_actor() -> None:
    [event] = parse("meeting_created.json")
    assert event.schedule == Schedule(starts_at=datetime(2019, 7, 9, 17, tzinfo=UTC),
                                      ends_at=datetime(2019, 7, 9, 18, tzinfo=UTC),
                                      timezone="America/Los_Angeles")
    assert event.actor == Actor(platform="zoom", native_id="uLoRgfbbTayCX6r2Q_qQsQ",
                                name="someemail@email.com", email="someemail@email.com")


def test_meeting_updated_alone_keeps_the_previous_state_for_unchanged_fields() -> None:
    [event] = parse("meeting_updated.json")
    assert event.schedule is not None
    assert event.schedule.starts_at == datetime(2019, 7, 11, 20, tzinfo=UTC)
    assert event.schedule.ends_at == datetime(2019, 7, 11, 22, tzinfo=UTC)
    assert event.schedule.join_url == "https://zoom.us/j/00000000"


def test_meeting_id_is_one_spelling_whether_number_or_string() -> None:
    [created] = parse("meeting_created.json")  # "id": 111111111
    [started] = parse("meeting_started.json")  # "id": "111111111"
    assert started.parent is not None
    assert started.parent.native_id == created.source.native_id
    assert started.parent.endpoint == created.source.endpoint
    assert started.body == "My Meeting: the meeting has started."


def test_recording_completed_gives_one_file_per_recording_under_the_meeting() -> None:
    events = parse("recording_completed_legacy.json")
    assert [e.kind for e in events] == [Kind.FILE_CREATED] * 4
    assert {e.parent for e in events} == {Ref(platform="zoom", connection=C,
                                              endpoint="calendar/uLobbbbbbbbbb_qQsQ",
                                              native_id="150000008")}
    video = events[0]
    assert video.source.endpoint == "files/uLobbbbbbbbbb_qQsQ"
    [attachment] = video.attachments
    assert attachment.name == "A test meeting - shared_screen_with_speaker_view.mp4"
    assert attachment.mime_type == "video/mp4"
    assert attachment.size == 282825
    assert attachment.url == "https://zoom.us/recording/download/80ebRwsfjskf2H3vlSigX0gNlBBBBBBBBBBBBBB"
    assert attachment.native_id == "8f88599d-19ca-4d2b-a965-1196e777cb3c"
    # The older TIMELINE file has no id: one is made from the meeting's uuid.
    assert events[2].source.native_id == "dj12vck6sdTn6yy7qdy3dQg==/TIMELINE"


def test_recording_download_token_stays_out_of_the_event() -> None:
    payload = load("recording_completed_legacy.json")
    payload = {**payload, "download_token": "eyJ.download.token", "event_ts": 1626230691572}
    events = mapping.parse_payload(payload, C)
    assert events
    assert all("eyJ.download.token" not in e.model_dump_json() for e in events)


@pytest.mark.parametrize(("types", "expected"), [
    (None, ["MP4", "M4A", "TIMELINE", "TRANSCRIPT"]), (["mp4"], ["MP4"]), ([], []),
])
def test_recording_types_choose_the_files(types: list[str] | None, expected: list[str]) -> None:
    events = mapping.parse_payload(load("recording_completed_legacy.json"), C, types)
    # The older payload has no file_extension: the name ends with the file type.
    assert [e.attachments[0].name.rsplit(".", 1)[1].upper() for e in events] == expected


def test_transcript_completed_brings_the_transcript_later() -> None:
    payload = load("recording_completed_legacy.json")
    transcript = payload["payload"]["object"]["recording_files"][3]
    payload = {**payload, "event": "recording.transcript_completed",
               "payload": {**payload["payload"], "object": {
                   **payload["payload"]["object"], "recording_files": [transcript]}}}
    [event] = mapping.parse_payload(payload, C)
    assert event.kind is Kind.FILE_CREATED
    assert event.attachments[0].mime_type == "text/vtt"
    assert event.parent is not None and event.parent.native_id == "150000008"


def test_files_still_processing_wait_for_a_later_notice() -> None:
    payload = load("recording_completed_legacy.json")
    files = payload["payload"]["object"]["recording_files"]
    payload["payload"]["object"]["recording_files"] = [{**files[0], "status": "processing"},
                                                       files[1]]
    assert [e.source.native_id for e in mapping.parse_payload(payload, C)] == [files[1]["id"]]


def test_team_chat_posted_body_keeps_mention_and_bold() -> None:
    [event] = parse("team_chat_channel_message_posted.json")
    # A mention names its person by address, as the people's directory knows Zoom users.
    # The webhook gives no download link for the file: its name travels in the body.
    assert event.body == ("<@zoom:jchill@example.com|Jill Chill>, **this** is a test message\n\n"
                          "📎 Screenshot 2023-12-22 at 11.21.38 AM.png")
    assert event.actor.email == "user@example.com"
    assert event.attachments == ()


def test_team_chat_file_with_a_link_is_an_attachment() -> None:
    payload = load("team_chat_channel_message_posted.json")
    [file] = payload["payload"]["object"]["files"]
    file["download_url"] = "https://zoom.us/file/download/56bed9orRnOSEnBoX_HQvA?jwt=x"
    [event] = mapping.parse_payload(payload, C)
    [picture] = event.attachments
    assert picture.name == "Screenshot 2023-12-22 at 11.21.38 AM.png"
    assert picture.size == 23025
    assert picture.native_id == "56bed9orRnOSEnBoX_HQvA"
    assert "📎" not in event.body


def test_deleted_message_has_no_body() -> None:
    [event] = parse("team_chat_channel_message_deleted.json")
    assert event.body == ""


@pytest.mark.parametrize("name", ["url_validation_request.json"])
def test_handshake_is_no_event(name: str) -> None:
    assert mapping.parse_payload(load(name), C) == []


def test_unmirrored_events_give_nothing() -> None:
    payload = {"event": "meeting.participant_joined", "event_ts": 1, "payload": {"object": {}}}
    assert mapping.parse_payload(payload, C) == []
    dm = load("chat_message_sent_legacy.json")
    dm["payload"]["object"]["type"] = "to_contact"
    assert mapping.parse_payload(dm, C) == []


@pytest.mark.parametrize(("name", "says"), [
    ("url_validation_response.json", "handshake"),
    ("meeting_create_request_docs_example.json", "create-meeting request body"),
])
def test_what_zoom_never_sends_is_named_as_no_event(name: str, says: str) -> None:
    with pytest.raises(NotAnEvent, match=says):
        mapping.parse_payload(load(name), C)


@pytest.mark.parametrize("payload", [[], "x", {"event": "meeting.created", "payload": {}},
                                     {"event": "meeting.created", "event_ts": 1,
                                      "payload": {"object": {"id": "abc"}}}])
def test_malformed_payloads_raise_not_a_zoom_event(payload: Any) -> None:
    with pytest.raises(mapping.NotAZoomEvent):
        mapping.parse_payload(payload, C)


def test_bare_meeting_resource_is_a_calendar_event() -> None:
    meeting = {"id": 85746065432, "uuid": "aDYlohsHRtCd4ii1uC2+hA==", "host_id": "h1",
               "topic": "Network call", "type": 2, "start_time": "2026-12-01T15:00:00Z",
               "duration": 90, "timezone": "Europe/Lisbon", "agenda": "1. *Budget*",
               "created_at": "2026-11-20T10:00:00Z",
               "join_url": "https://us05web.zoom.us/j/85746065432?pwd=x"}
    [event] = mapping.parse_payload(meeting, C)
    assert event.kind is Kind.EVENT_CREATED
    assert event.source.endpoint == "calendar/h1"
    assert event.body == markup.escape("1. *Budget*")
    assert markup.plain_text(event.body) == "1. *Budget*"
    assert event.schedule is not None and event.schedule.join_url == meeting["join_url"]


@pytest.mark.parametrize(("interpreters", "expected"), [
    ([{"email": "a@example.org", "interpreter_languages": "English,French"},
      {"email": "b@example.org", "interpreter_languages": "English,Portuguese"}],
     ("en", "fr", "pt")),
    ([{"email": "a@example.org", "languages": "US,FR"}], ("en", "fr")),  # the older spelling
    ([], ()),
])
def test_a_meetings_interpretation_languages_travel_with_its_schedule(
        interpreters: list[dict[str, str]], expected: tuple[str, ...]) -> None:
    meeting = {"start_time": "2026-12-08T14:00:00Z", "duration": 90,
               "settings": {"language_interpretation": {"enable": True,
                                                        "interpreters": interpreters}}}
    schedule = mapping.schedule_of(meeting)
    assert schedule is not None and schedule.interpretation == expected
