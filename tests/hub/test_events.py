"""The canonical event: exactly DESIGN's fields, frozen, JSON that round-trips, and what
every store can hold."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hub.events import (
    MAX_CONNECTION,
    MAX_ENDPOINT,
    MAX_NATIVE_ID,
    MAX_REVISION,
    Actor,
    Attachment,
    Event,
    Kind,
    Ref,
    Schedule,
    new_event_id,
    problems,
    storable,
)
from hub.store import schema

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


# -- what every store can hold ---------------------------------------------------------------

BAD = "a\x00b\ud800c\udfff"  # a NUL, and two lone surrogates
MENDED = "a\ufffdb\ufffdc\ufffd"


def test_nul_and_lone_surrogates_become_replacement_characters_in_every_text() -> None:
    ref = Ref(platform="slack", connection="east", endpoint=f"chat/{BAD}", native_id=BAD)
    raw = {BAD: [BAD, {"k": (BAD, 1, None, 2.5)}], "ok": "olá 😀"}
    event = Event(
        kind=Kind.MESSAGE_CREATED, source=ref, parent=ref,
        actor=Actor(platform="slack", native_id=BAD, name=BAD, email=BAD, avatar_url=BAD),
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC), title=BAD, body=BAD,
        language=BAD, attachments=(Attachment(name=BAD, mime_type=BAD, url=BAD, native_id=BAD),),
        schedule=Schedule(starts_at=datetime(2026, 12, 1, tzinfo=UTC), timezone=BAD,
                          location=BAD, join_url=BAD),
        revision=BAD, raw=raw)
    assert event.source.native_id == MENDED and event.source.endpoint == f"chat/{MENDED}"
    assert (event.title, event.body, event.language, event.revision) == (MENDED,) * 4
    assert event.actor.model_dump(exclude={"platform"}) == dict.fromkeys(
        ["native_id", "name", "email", "avatar_url"], MENDED)
    assert event.attachments[0].name == event.schedule.location == MENDED  # type: ignore[union-attr]
    assert event.raw == {MENDED: [MENDED, {"k": [MENDED, 1, None, 2.5]}], "ok": "olá 😀"}
    assert raw[BAD][0] == BAD  # the caller's payload is left as it was
    text = event.model_dump_json()  # raised PydanticSerializationError on a lone surrogate
    assert "\\u0000" not in text and Event.model_validate_json(text) == event


def test_a_payload_without_anything_to_mend_is_not_copied() -> None:
    raw = {"text": "olá 😀", "items": [{"n": 1}, ("t", 2)]}
    assert storable(raw) is raw
    assert storable("olá") == "olá"


def test_a_deeply_nested_raw_payload_is_mended_without_recursion() -> None:
    raw: dict[str, Any] = {"text": BAD}
    for _ in range(5000):
        raw = {"a": raw}
    mended = storable(raw)
    for _ in range(5000):
        mended = mended["a"]
    assert mended == {"text": MENDED}


@pytest.mark.parametrize(("model", "field", "limit"), [
    (Ref, "native_id", 500), (Ref, "endpoint", 500), (Ref, "connection", 200),
    (Event, "revision", 200),
])
def test_what_has_a_column_of_its_own_is_refused_when_longer_than_it(
        model: type[BaseModel], field: str, limit: int) -> None:
    data = full_event().model_dump() if model is Event else full_event().source.model_dump()
    assert getattr(model.model_validate({**data, field: "x" * limit}), field) == "x" * limit
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**data, field: "x" * (limit + 1)})
    assert problems(caught.value) == (f"{model.__name__}.{field}: {limit + 1} characters, more "
                                      f"than the {limit} the store can hold")


def test_the_limits_are_the_store_columns() -> None:
    columns = schema.events.c
    lengths = [column.type.length for column in (columns.connection, columns.endpoint,
                                                 columns.native_id, columns.revision)]
    assert lengths == [MAX_CONNECTION, MAX_ENDPOINT, MAX_NATIVE_ID, MAX_REVISION]
    assert columns.parent_native_id.type.length == MAX_NATIVE_ID
    assert columns.parent_connection.type.length == MAX_CONNECTION


def test_a_limit_counts_characters_and_applies_after_mending() -> None:
    ref = Ref(platform="x", connection="c", endpoint="chat/1", native_id="\x00" + "é" * 499)
    assert ref.native_id == "\ufffd" + "é" * 499
