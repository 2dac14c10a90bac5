"""The canonical event: exactly DESIGN's fields, frozen, and JSON that round-trips."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from hub.events import Actor, Attachment, Event, Kind, Ref, Schedule, new_event_id

FIELDS = ["id", "kind", "source", "parent", "actor", "occurred_at", "title", "body", "language",
          "attachments", "schedule", "revision", "raw"]


def full_event() -> Event:
    source = Ref(platform="basecamp", connection="network-basecamp", endpoint="calendar/9",
                 native_id="1069479400")
    return Event(
        kind=Kind.EVENT_CREATED, source=source,
        parent=source.model_copy(update={"native_id": "1"}),
        actor=Actor(platform="basecamp", native_id="1049715913", name="Victor Cooper",
                    email="victor@honchodesign.com", avatar_url="https://example.org/a.png"),
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC), title="Réunion du réseau",
        body="**Ordre du jour** <@basecamp:1049715913>", language="fr",
        attachments=(Attachment(name="plan.pdf", mime_type="application/pdf", size=1024,
                                url="https://example.org/plan.pdf", native_id="att-1"),),
        schedule=Schedule(starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC),
                          ends_at=datetime(2026, 12, 1, 15, tzinfo=UTC), timezone="Africa/Kigali",
                          location="Kigali", join_url="https://zoom.us/j/1"),
        revision="2026-11-26T09:30:00Z", raw={"kind": "schedule_entry_created"},
    )


def test_fields_are_the_public_contract() -> None:
    assert list(Event.model_fields) == FIELDS


def test_json_round_trip() -> None:
    event = full_event()
    assert Event.model_validate_json(event.model_dump_json()) == event


def test_events_are_frozen_and_strict() -> None:
    event = full_event()
    with pytest.raises(ValidationError):
        event.body = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Event.model_validate({**event.model_dump(), "surprise": 1})


def test_naive_times_are_refused() -> None:
    data = full_event().model_dump()
    data["occurred_at"] = datetime(2026, 11, 26, 9, 30)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValidationError, match="timezone"):
        Event.model_validate(data)


def test_revision_is_never_null_and_is_part_of_the_dedupe_key() -> None:
    event = full_event().model_copy(update={"revision": ""})
    assert event.dedupe_key == ("network-basecamp", "1069479400", "event.created", "")


def test_kind_helpers() -> None:
    assert Kind.EVENT_CANCELLED.noun == "event" and Kind.EVENT_CANCELLED.removes
    assert Kind.MESSAGE_UPDATED.changes and not Kind.MESSAGE_UPDATED.removes
    assert Kind.REACTION_REMOVED.removes


def test_ids_are_uuid7_and_sort_by_time() -> None:
    first, second = new_event_id(1_000), new_event_id(2_000)
    assert uuid.UUID(first).version == 7
    assert first < second
    assert len({new_event_id(5) for _ in range(100)}) == 100
