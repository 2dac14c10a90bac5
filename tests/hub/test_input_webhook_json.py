"""A webhook's body as JSON (`WebhookRequest.json`), and a connector's parse failure as a 400."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from hub.connector import Connector, MemoryStateBox, WebhookRequest, unreadable
from hub.errors import WebhookRejected
from hub.events import Actor, Event, Kind, Ref


def request(body: bytes) -> WebhookRequest:
    return WebhookRequest(method="POST", path="", query=(), headers={}, body=body,
                          received_at=datetime(2026, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"text": "ol\\u00e1"}', {"text": "olá"}),
    (b'{"text": "\\ud83d\\ude00"}', {"text": "😀"}),  # a pair of surrogates is one character
    (b'{"text": "a\\ud800b"}', {"text": "a\ufffdb"}),  # a lone one is none: U+FFFD
    (b'{"text": "\\udc00\\ud800"}', {"text": "\ufffd\ufffd"}),  # a pair in the wrong order
    (b'{"\\ud800": ["\\udfff", {"k": "\\ud83d"}]}', {"\ufffd": ["\ufffd", {"k": "\ufffd"}]}),
    (b'"\\ud800"', "\ufffd"),
    ('{"text": "a\udcff"}'.encode("utf-8", "surrogatepass"), {"text": "a\ufffd"}),  # CESU bytes
    (b'{"text": "a\\u0000b"}', {"text": "a\x00b"}),  # NUL is text: the event makes it storable
    (b'{"n": 1e308, "m": -0}', {"n": 1e308, "m": 0}),
])
def test_json_is_read_and_lone_surrogates_become_replacement_characters(
        body: bytes, expected: Any) -> None:
    assert request(body).json() == expected


def test_a_deep_payload_with_a_surrogate_is_mended_without_recursion() -> None:
    depth = 900  # within what json.loads reads
    body = b'{"a":' * depth + b'"\\ud800"' + b"}" * depth
    found = request(body).json()
    for _ in range(depth):
        found = found["a"]
    assert found == "\ufffd"


@pytest.mark.parametrize("body", [
    b'{"n": NaN}', b'{"n": Infinity}', b'{"n": -Infinity}', b"[NaN]", b"NaN",
    b"", b"{", b"\xff\xfe{}", b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
])
def test_what_is_not_strict_json_is_refused_with_a_400(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as caught:
        request(body).json()
    assert caught.value.status == 400
    assert str(caught.value).startswith("body is not JSON")


def test_nan_is_named_in_the_refusal() -> None:
    with pytest.raises(WebhookRejected, match="NaN is not a JSON value"):
        request(b'{"score": NaN}').json()


class Pigeon(Connector):
    """A connector whose parse builds an event from the payload's id, as mappings do."""

    name = "pigeon"

    def parse(self, payload: Any) -> list[Event]:
        return [Event(kind=Kind.MESSAGE_CREATED,
                      source=Ref(platform="pigeon", connection=self.connection,
                                 endpoint="chat/1", native_id=payload["id"]),
                      actor=Actor(platform="pigeon", native_id="u1", name="Ana"),
                      occurred_at=datetime(2026, 3, 1, tzinfo=UTC))]


@pytest.fixture
async def pigeon() -> Pigeon:
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(599)))
    return Pigeon("east", Pigeon.settings_model(type="pigeon"), http, MemoryStateBox())


async def test_the_default_receive_refuses_an_id_the_store_cannot_hold_naming_it(
        pigeon: Pigeon) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await pigeon.receive(request(b'{"id": "' + b"9" * 501 + b'"}'))
    assert caught.value.status == 400
    assert str(caught.value) == ('connection "east": unreadable payload: Ref.native_id: 501 '
                                 "characters, more than the 500 the store can hold")


@pytest.mark.parametrize(("body", "kind"), [(b'{"id": 7}', "Ref.native_id: Input should be"),
                                             (b'{"no id": 1}', "unexpected shape (KeyError)"),
                                             (b"[]", "unexpected shape (TypeError)")])
async def test_the_default_receive_refuses_what_parse_cannot_read_with_a_400(
        pigeon: Pigeon, body: bytes, kind: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        await pigeon.receive(request(body))
    assert caught.value.status == 400
    assert kind in str(caught.value)


async def test_the_default_receive_keeps_a_lone_surrogate_as_a_replacement_character(
        pigeon: Pigeon) -> None:
    [event] = (await pigeon.receive(request(b'{"id": "m\\ud800"}'))).events
    assert event.source.native_id == "m\ufffd"
    event.model_dump_json()  # storable


def test_unreadable_names_every_field_on_one_line() -> None:
    with pytest.raises(ValidationError) as caught:
        Ref(platform="x", connection="c" * 201, endpoint="e" * 501, native_id="n")
    rejection = unreadable("unreadable payload", caught.value)
    assert rejection.status == 400
    assert str(rejection) == (
        "unreadable payload: Ref.connection: 201 characters, more than the 200 the store can "
        "hold; Ref.endpoint: 501 characters, more than the 500 the store can hold")
