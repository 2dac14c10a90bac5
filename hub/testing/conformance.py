"""The suite every connector passes, with its own respx routes.

In a connector's tests::

    class TestSlackConformance(ConnectorConformance):
        connector_cls = SlackConnector
        settings = {"type": "slack", "bot_token": "xoxb-test", "signing_secret": "s"}
        address = "acme/chat/C123"
        samples = [FIXTURES / "event_message_new.json"]

    @pytest.fixture
    def api() -> respx.Router:
        router = respx.Router(assert_all_mocked=True, base_url="https://slack.com/api/")
        router.post("auth.test", name="check").respond(json={...})
        router.post("chat.postMessage", name="send").respond(json={...})
        return router

The kit builds the connector on an `httpx.MockTransport` over that router, so any request
outside the named routes fails the test.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import respx
from pydantic import SecretStr, ValidationError

from hub.connector import (
    CAPABILITY_METHODS,
    Address,
    Capability,
    ConnectionSettings,
    Connector,
    Form,
    MemoryStateBox,
    Outgoing,
    Receipt,
    Target,
)
from hub.errors import AuthError, PermanentError, TransientError
from hub.events import Actor, Event, Kind, Ref
from hub.plugins import Registry, make_plugin_manager

CONNECTION = "conformance"


def default_error_responses() -> dict[str, httpx.Response]:
    return {
        "auth": httpx.Response(401, json={"error": "unauthorised"}),
        "permanent": httpx.Response(404, json={"error": "not found"}),
        "rate_limited": httpx.Response(429, headers={"Retry-After": "7"},
                                       json={"error": "rate limited"}),
        "transient": httpx.Response(503, json={"error": "unavailable"}),
    }


def sample_outgoing(form: Form = Form.MESSAGE) -> Outgoing:
    """A plain message from another platform, as the delivery worker hands it over."""
    event = Event(
        kind=Kind.MESSAGE_CREATED,
        source=Ref(platform="other", connection="other", endpoint="chat/1", native_id="m-1"),
        actor=Actor(platform="other", native_id="u-1", name="Ana Souza"),
        occurred_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        body="Hello **network**, see https://example.org",
        language="en",
    )
    return Outgoing(form=form, event=event, title=None, body=event.body,
                    idempotency_key="passerelle-conformance-1")


class ConnectorConformance:
    """Subclass as `Test<Platform>Conformance` and set the class attributes below."""

    connector_cls: ClassVar[type[Connector]]
    settings: ClassVar[dict[str, Any]]
    address: ClassVar[str]
    samples: ClassVar[list[Path]] = []
    error_responses: ClassVar[dict[str, httpx.Response]] = {}

    # -- fixtures -----------------------------------------------------------------------

    @pytest.fixture
    def validated_settings(self) -> ConnectionSettings:
        return self.connector_cls.settings_model.model_validate(self.settings)

    @pytest.fixture
    async def connector(self, api: respx.Router, validated_settings: ConnectionSettings
                        ) -> AsyncIterator[Connector]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(api.async_handler))
        connector = self.connector_cls(CONNECTION, validated_settings, http, MemoryStateBox())
        yield connector
        await connector.aclose()
        await http.aclose()

    @pytest.fixture
    def target(self, connector: Connector) -> Target:
        address = Address.parse(self.address)
        return Target(address, connector.shape_of(address), "en")

    def cursor_key(self, cursor: str) -> Any:
        """Something ordered made from a cursor, if this connector's cursors can be compared;
        None (the default) skips the forward-only check."""
        return None

    def _error(self, key: str) -> httpx.Response:
        return {**default_error_responses(), **self.error_responses}[key]

    def _has(self, capability: Capability) -> bool:
        return capability in self.connector_cls.capabilities

    # -- identity and settings -------------------------------------------------------------

    def test_registered_under_its_name(self) -> None:
        registry = Registry.collect(make_plugin_manager())
        assert registry.connectors.get(self.connector_cls.name) is self.connector_cls

    def test_capabilities_match_methods(self) -> None:
        for capability, method in CAPABILITY_METHODS.items():
            overridden = getattr(self.connector_cls, method) is not getattr(Connector, method)
            assert overridden == self._has(capability), (
                f"{self.connector_cls.name}: capability {capability.name} declared="
                f"{self._has(capability)} but {method}() overridden={overridden}")
        if self._has(Capability.UPLOAD):
            assert self._has(Capability.SEND), "UPLOAD files travel through send()"
        if self._has(Capability.WEBHOOK):
            assert self.connector_cls.parse is not Connector.parse, "webhooks need parse()"

    def test_settings_hide_secrets(self, validated_settings: ConnectionSettings) -> None:
        assert validated_settings.type == self.connector_cls.name
        secrets = [value.get_secret_value() for value in
                   (getattr(validated_settings, name)
                    for name in type(validated_settings).model_fields)
                   if isinstance(value, SecretStr)]
        assert secrets, "a connection with no secret setting is unusual: declare SecretStr fields"
        shown = repr(validated_settings) + str(validated_settings)
        shown += validated_settings.model_dump_json()
        for secret in secrets:
            assert secret not in shown

    def test_no_secret_setting_takes_a_blank_or_short_value(
            self, validated_settings: ConnectionSettings) -> None:
        # A blank signing secret is an HMAC with an empty key: anyone can sign. Every secret
        # must be a DoorSecret or a Credential (hub/credentials.py), which refuse it.
        settings = validated_settings.model_dump()
        for name in type(validated_settings).model_fields:
            if not isinstance(getattr(validated_settings, name), SecretStr):
                continue
            for refused in ("", "  \n", "short"):
                given = {**settings, name: refused}
                with pytest.raises(ValidationError, match=name):
                    type(validated_settings).model_validate(given)

    def test_endpoint_address_has_a_shape(self, connector: Connector) -> None:
        connector.shape_of(Address.parse(self.address))

    # -- check ----------------------------------------------------------------------------

    async def test_check_online(self, connector: Connector, api: respx.Router) -> None:
        lines = await connector.check(online=True)
        assert isinstance(lines, list)
        assert api["check"].called

    async def test_check_maps_auth_failure(self, connector: Connector, api: respx.Router) -> None:
        api["check"].mock(return_value=self._error("auth"))
        with pytest.raises(AuthError):
            await connector.check(online=True)

    @pytest.mark.parametrize("failure", ["status", "connect", "timeout"])
    async def test_check_maps_transient_failures(self, connector: Connector, api: respx.Router,
                                                 failure: str) -> None:
        if failure == "status":
            api["check"].mock(return_value=self._error("transient"))
        else:
            error = httpx.ConnectError if failure == "connect" else httpx.ReadTimeout
            api["check"].mock(side_effect=error("simulated"))
        with pytest.raises(TransientError):
            await connector.check(online=True)

    # -- send -----------------------------------------------------------------------------

    async def test_send_returns_receipt(self, connector: Connector, api: respx.Router,
                                        target: Target) -> None:
        if not self._has(Capability.SEND):
            pytest.skip("connector does not send")
        receipt = await connector.send(sample_outgoing(), target)
        assert isinstance(receipt, Receipt)
        assert receipt.native_id and isinstance(receipt.native_id, str)
        assert api["send"].called

    async def test_send_rate_limited_is_transient(self, connector: Connector, api: respx.Router,
                                                  target: Target) -> None:
        if not self._has(Capability.SEND):
            pytest.skip("connector does not send")
        api["send"].mock(return_value=self._error("rate_limited"))
        with pytest.raises(TransientError) as caught:
            await connector.send(sample_outgoing(), target)
        assert caught.value.retry_after == 7

    async def test_send_refused_is_permanent(self, connector: Connector, api: respx.Router,
                                             target: Target) -> None:
        if not self._has(Capability.SEND):
            pytest.skip("connector does not send")
        api["send"].mock(return_value=self._error("permanent"))
        with pytest.raises(PermanentError):
            await connector.send(sample_outgoing(), target)

    # -- poll -----------------------------------------------------------------------------

    async def test_poll_events_are_valid_and_ordered(self, connector: Connector,
                                                     api: respx.Router) -> None:
        if not self._has(Capability.POLL):
            pytest.skip("connector does not poll")
        address = Address.parse(self.address)
        first = await connector.poll(address, None)
        assert api["poll"].called
        self._assert_valid(first.events)
        times = [e.occurred_at for e in first.events]
        assert times == sorted(times), "poll must return events oldest first"
        if first.events:
            assert isinstance(first.cursor, str) and first.cursor
        if first.cursor is not None:
            second = await connector.poll(address, first.cursor)
            self._assert_valid(second.events)
            before, after = self.cursor_key(first.cursor), (
                self.cursor_key(second.cursor) if second.cursor is not None else None)
            if before is not None and after is not None:
                assert after >= before, "cursors only move forward"

    # -- parse ----------------------------------------------------------------------------

    def test_samples_parse_into_valid_events(self, connector: Connector) -> None:
        for path in self.samples:
            events = connector.parse(json.loads(path.read_text(encoding="utf-8")))
            assert events, f"{path.name} gave no event"
            self._assert_valid(events)

    def test_authors_are_people_of_this_connection(self, connector: Connector) -> None:
        """The people's directory meets each author as an identity of this connection and
        platform, never with an address or a number standing for their name."""
        for path in self.samples:
            for event in connector.parse(json.loads(path.read_text(encoding="utf-8"))):
                identity = connector.identity_of(event.actor)
                assert (identity.connection, identity.platform) == (CONNECTION,
                                                                    self.connector_cls.name)
                assert identity.native_id
                assert identity.name not in (identity.email, identity.phone) or not \
                    identity.name, f"{path.name}: {identity.name!r} is an address"

    async def test_people_are_of_this_connection(self, connector: Connector,
                                                 api: respx.Router) -> None:
        if "people" not in api.routes:
            pytest.skip("no route named people: its member list takes no request")
        listed = await connector.people()
        assert listed, "the people route gave no one"
        assert {(i.connection, i.platform) for i in listed} == {(CONNECTION,
                                                                 self.connector_cls.name)}

    def _assert_valid(self, events: Any) -> None:
        for event in events:
            assert isinstance(event, Event)
            assert event.source.platform == self.connector_cls.name
            assert event.source.connection == CONNECTION
            assert event.occurred_at.tzinfo is not None
            assert Event.model_validate_json(event.model_dump_json()) == event

    async def test_aclose_twice(self, connector: Connector) -> None:
        await connector.aclose()
        await connector.aclose()
