"""Hostile requests against every webhook route of the four connectors, served by a real hub.

One hub on loopback holds a Basecamp, a Slack, a WhatsApp and a Zoom connection, each with
real-looking secrets and pointed at its sandbox (a Basecamp hint is read back from the API,
a Zoom `meeting.updated` re-reads the meeting: both must reach a server, and only loopback
is allowed). Hypothesis then sends bodies, headers and query strings no platform would:

- unsigned or wrongly addressed requests must be refused with a 4xx;
- requests signed with the right secret but carrying a broken payload (real payloads from
  tests/fixtures/, then mutated) must reach the parser and still never earn a 5xx; NaN and
  Infinity, which Python's JSON reader takes, are refused as malformed; a lone UTF-16 surrogate
  (`"\\ud800"`, JSON but no text) is kept as U+FFFD;
- whatever is refused leaves nothing in the store (`last_seq` does not move).

`HOSTILE_EXAMPLES=1000 pytest tests/e2e/test_hostile_webhooks.py` searches harder.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.app import Hub
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from hub.sandbox.slack import SlackEmulator
from hub.sandbox.whatsapp import WhatsAppEmulator
from hub.sandbox.zoom import ZoomAccount, ZoomEmulator
from hub.settings import HubSettings
from tests.e2e.secrets import (
    BASECAMP_SECRET,
    BASECAMP_TOKEN,
    SLACK_SIGNING,
    SLACK_TOKEN,
    WHATSAPP_APP_SECRET,
    WHATSAPP_TOKEN,
    WHATSAPP_VERIFY,
    ZOOM_CLIENT_SECRET,
    ZOOM_SECRET_TOKEN,
)
from tests.hub.fakes import PLUGINS as FAKES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


SIGNED = ("slack", "zoom", "whatsapp", "basecamp")
MAX_BODY = 64 * 1024

HEADER_NAMES = ("x-slack-signature", "x-slack-request-timestamp", "x-slack-retry-num",
                "x-slack-retry-reason", "x-zm-signature", "x-zm-request-timestamp",
                "x-hub-signature-256", "x-hub-signature", "x-request-id", "user-agent",
                "content-type", "authorization", "x-forwarded-for", "accept")
# Header bytes h11 lets through: visible ASCII, tab, and the latin-1 upper half (where
# `²` lives, a character str.isdigit() accepts and int() refuses).
HEADER_BYTES = st.binary(max_size=80).map(
    lambda raw: bytes(b for b in raw if b == 9 or 32 <= b <= 126 or b >= 128).strip())


class Rig:
    """A running hub and its sandboxes, driven from synchronous hypothesis tests."""

    def __init__(self, runner: asyncio.Runner, hub: Hub, http: httpx.AsyncClient,
                 seeds: dict[str, list[Any]]) -> None:
        self.runner, self.hub, self.http, self.seeds = runner, hub, http, seeds

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"Rig({self.hub.url})"

    def request(self, method: str, path: str, body: bytes = b"",
                headers: Sequence[tuple[bytes, bytes]] = (),
                query: Sequence[tuple[str, str]] = ()) -> httpx.Response:
        return self.runner.run(self.http.request(
            method, f"{self.hub.url}{path}", content=body if method == "POST" else None,
            headers=list(headers), params=list(query)))

    def last_seq(self) -> int:
        return self.runner.run(self.hub.store.run(self.hub.store.last_seq))

    def states(self) -> dict[str, dict[str, str]]:
        return self.runner.run(self.hub.store.run(self.hub.store.states))

    def refused_leaves_nothing(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        """Send; a 5xx fails the test, and a refusal must not have stored anything: no
        event, and nothing in the connections' memory either."""
        before, memory = self.last_seq(), self.states()
        response = send()
        assert response.status_code < 500, (response.status_code, response.text)
        if response.status_code >= 400:
            assert self.last_seq() == before, "a refused request stored events"
            assert self.states() == memory, "a refused request changed a connection's memory"
        return response


def fixture_payloads(platform: str) -> list[Any]:
    return [json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((FIXTURES / platform).glob("*.json"))]


async def _start(runner: asyncio.Runner, stack: contextlib.AsyncExitStack, tmp: Path) -> Rig:
    basecamp = BasecampEmulator(token=BASECAMP_TOKEN, webhook_attempts=1)
    slack = SlackEmulator(token=SLACK_TOKEN, signing_secret=SLACK_SIGNING)
    whatsapp = WhatsAppEmulator(access_token=WHATSAPP_TOKEN, app_secret=WHATSAPP_APP_SECRET)
    zoom = ZoomEmulator(ZoomAccount(client_secret=ZOOM_CLIENT_SECRET,
                                    secret_token=ZOOM_SECRET_TOKEN))
    for emulator in (basecamp, slack, whatsapp, zoom):
        await stack.enter_async_context(serve_emulator(emulator))
    slack.add_channel("C0LISBON")
    slack.add_user("U0ANA", "Ana Souza")
    project = basecamp.add_project("Cities network")
    ana = basecamp.add_person("Ana Souza", "ana@example.org")
    settings_ = HubSettings.model_validate({
        "store": {"url": f"sqlite:///{tmp}/hub.db"},
        "web": {"port": 0, "max_body_bytes": MAX_BODY},
        "connections": {
            "basecamp": {"type": "basecamp", "base_url": basecamp.base_url,
                         "launchpad_url": basecamp.base_url, "account_id": basecamp.account_id,
                         "contact": "ops@example.org", "access_token": BASECAMP_TOKEN,
                         "webhook_secret": BASECAMP_SECRET},
            "slack": {"type": "slack", "bot_token": SLACK_TOKEN, "signing_secret": SLACK_SIGNING,
                      "base_url": f"{slack.base_url}/api"},
            "whatsapp": {"type": "whatsapp", "base_url": whatsapp.base_url,
                         "phone_number_id": whatsapp.phone_number_id,
                         "access_token": WHATSAPP_TOKEN, "app_secret": WHATSAPP_APP_SECRET,
                         "verify_token": WHATSAPP_VERIFY,
                         "circles": {"general": {"members": ["351912345678"], "open": True}}},
            "zoom": {"type": "zoom", "base_url": zoom.base_url, "oauth_url": zoom.base_url,
                     "account_id": zoom.account.account_id, "client_id": zoom.account.client_id,
                     "client_secret": ZOOM_CLIENT_SECRET, "secret_token": ZOOM_SECRET_TOKEN},
        },
    })
    hub = await stack.enter_async_context(Hub.start(settings_))
    http = await stack.enter_async_context(httpx.AsyncClient(timeout=30.0))

    # Seeds: the real payloads of tests/fixtures, plus what each sandbox fires for real activity
    # (their ids name things that exist, so a mutated copy travels deeper: API reads, mapping).
    basecamp.add_webhook(project, f"{hub.url}/webhooks/basecamp/{BASECAMP_SECRET}")
    slack.webhook_url = f"{hub.url}/webhooks/slack"
    whatsapp.webhook_url = f"{hub.url}/webhooks/whatsapp"
    zoom.webhook_url = f"{hub.url}/webhooks/zoom"
    post = await basecamp.post_message(project, ana, "Summit", "<div>Who comes?</div>")
    await basecamp.comment(post["id"], ana, "<div>I do</div>")
    await basecamp.upload(project, ana, "agenda.txt", b"agenda", "text/plain")
    await basecamp.quiet()
    await slack.post("C0LISBON", "U0ANA", "hello <!channel>")
    await slack.quiet()
    await whatsapp.user_sends_text("351912345678", "Bom dia", name="Ana Souza")
    start = datetime.now(UTC) + timedelta(hours=1)
    meeting = await zoom.user_schedules_meeting("Monthly", start)
    await zoom.user_moves_meeting(meeting["id"], start + timedelta(hours=1))
    await zoom.meeting_recorded(meeting["id"], {"M4A": b"audio", "TRANSCRIPT": b"WEBVTT"})
    await zoom.user_posts("C1", "hello from Zoom", files={"a.txt": (b"a", "text/plain")})
    seeds = {
        "basecamp": fixture_payloads("basecamp") + list(basecamp.fired),
        "slack": fixture_payloads("slack") + list(slack.fired),
        "whatsapp": fixture_payloads("whatsapp") + list(whatsapp.fired),
        "zoom": fixture_payloads("zoom") + list(zoom.fired),
    }
    return Rig(runner, hub, http, seeds)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp("hostile")
    with asyncio.Runner() as runner:
        stack = contextlib.AsyncExitStack()
        started = runner.run(_start(runner, stack, tmp))
        try:
            yield started
        finally:
            runner.run(stack.aclose())


# -- signing as each platform does -----------------------------------------------------------

def sign(platform: str, body: bytes, stamp: str | None = None) -> list[tuple[bytes, bytes]]:
    """The headers the platform would send for `body`, with the connection's real secret."""
    stamp = stamp if stamp is not None else str(int(time.time()))
    if platform == "slack":
        mac = hmac.new(SLACK_SIGNING.encode(), b"v0:" + stamp.encode() + b":" + body,
                       hashlib.sha256).hexdigest()
        return [(b"x-slack-request-timestamp", stamp.encode("latin-1")),
                (b"x-slack-signature", f"v0={mac}".encode())]
    if platform == "zoom":
        mac = hmac.new(ZOOM_SECRET_TOKEN.encode(), b"v0:" + stamp.encode() + b":" + body,
                       hashlib.sha256).hexdigest()
        return [(b"x-zm-request-timestamp", stamp.encode("latin-1")),
                (b"x-zm-signature", f"v0={mac}".encode())]
    if platform == "whatsapp":
        mac = hmac.new(WHATSAPP_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return [(b"x-hub-signature-256", f"sha256={mac}".encode())]
    return [(b"user-agent", b"Basecamp3 Webhook")]  # Basecamp signs nothing


def route(platform: str) -> str:
    if platform == "basecamp":
        return f"/webhooks/basecamp/{BASECAMP_SECRET}"
    return f"/webhooks/{platform}"


# -- strategies ------------------------------------------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.sampled_from([10**30, -1, 0, 2**63, 1e308, "", "0", "-1", "²", "1e999",
                              "<!channel>", "../../etc/passwd", "\u202egnp.exe", "null",
                              "9" * 400, "9" * 501, "2026-02-30T25:61:00Z",
                              "http://169.254.169.254/", "\ud800", "a\udfffb", "\x00",
                              "x\x00\ud83d"])
           | st.text(max_size=40))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = _set(value[path[0]], path[1:], new)
    return value


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return value


@st.composite
def mutated(draw: st.DrawFn, seeds: list[Any]) -> Any:
    """A real payload with one to four of its values replaced by anything, or removed."""
    payload = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(list(_paths(payload))))
        if path and draw(st.booleans()):
            payload = _delete(payload, path)
        else:
            payload = _set(payload, path, draw(JSON))
    return payload


def encoded(payload: Any) -> bytes:
    # NaN and Infinity are not JSON, but json.dumps writes them: they must be refused, not
    # read. A lone surrogate travels as its escape ("\ud800"), as in any JSON.
    return json.dumps(payload).encode()


BODIES = st.one_of(st.binary(max_size=512), JSON.map(encoded),
                   st.sampled_from([b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe{}",
                                    b'{"a":' * 2000 + b"1" + b"}" * 2000]))
HEADERS = st.lists(st.tuples(st.sampled_from(HEADER_NAMES).map(str.encode), HEADER_BYTES),
                   max_size=6)
QUERY = st.lists(st.tuples(st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge",
                                            "token", "x"]) | st.text(max_size=10),
                           st.text(max_size=30)), max_size=5)
# HOSTILE_EXAMPLES=1000 digs deeper than the suite's default, which keeps CI quick.
FUZZ = settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

UNSIGNED_ROUTES = ["/webhooks/slack", "/webhooks/zoom", "/webhooks/whatsapp",
                   "/webhooks/basecamp", "/webhooks/basecamp/not-the-secret",
                   f"/webhooks/basecamp/{BASECAMP_SECRET}x", "/webhooks/nobody",
                   "/webhooks/slack/extra/path"]


# -- the tests -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", UNSIGNED_ROUTES)
@FUZZ
@given(method=st.sampled_from(["POST", "GET"]), body=BODIES, headers=HEADERS, query=QUERY)
def test_unsigned_requests_are_refused_with_a_4xx_and_store_nothing(
        rig: Rig, path: str, method: str, body: bytes, headers: list[tuple[bytes, bytes]],
        query: list[tuple[str, str]]) -> None:
    response = rig.refused_leaves_nothing(
        lambda: rig.request(method, path, body, headers, query))
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


@pytest.mark.parametrize("platform", SIGNED)
@FUZZ
@given(data=st.data())
def test_signed_malformed_payloads_reach_the_parser_and_never_earn_a_5xx(
        rig: Rig, platform: str, data: st.DataObject) -> None:
    body = data.draw(st.one_of(mutated(rig.seeds[platform]).map(encoded), BODIES),
                     label="body")
    extra = data.draw(HEADERS, label="extra headers")
    query = data.draw(QUERY, label="query")
    # The platform's own signature comes last: the fuzzed headers cannot override it.
    headers = [h for h in extra if h[0] not in {name for name, _ in sign(platform, b"")}]
    response = rig.refused_leaves_nothing(lambda: rig.request(
        "POST", route(platform), body, [*headers, *sign(platform, body)], query))
    if response.status_code >= 400:
        # Verification passed, so only the payload may be blamed: 400 or 413, never 401.
        assert response.status_code in (400, 404, 405, 413, 422), response.text


STAMPS = st.one_of(
    st.integers(-(10**6), 10**6).map(lambda d: str(int(time.time()) + d)),
    st.integers(-(10**450), 10**450).map(str),
    st.sampled_from(["9" * 400, "9" * 5000, "²", "¹²³", "１２３", "0123", "1_700_000_000",
                     "0x10", "-0", "+1700000000", "1e9", "", "NaN", "\t"]),
    HEADER_BYTES.map(lambda raw: raw.decode("latin-1")),
)


@pytest.mark.parametrize("platform", ["slack", "zoom"])
@FUZZ
@given(stamp=STAMPS)
def test_hostile_timestamps_signed_over_are_refused_never_crash(rig: Rig, platform: str,
                                                                stamp: str) -> None:
    try:
        raw = stamp.encode("latin-1")
    except UnicodeEncodeError:
        raw = stamp.encode()  # what an HTTP header cannot carry arrives as its UTF-8 bytes
    raw = raw.strip(b" \t")  # HTTP itself trims a header value's edges
    received = raw.decode("latin-1")
    body = encoded({"type": "event_callback", "event": {"type": "message", "text": "hi"}})
    # Signed over the stamp exactly as the hub reads it, so only the stamp can be blamed.
    headers = [(name, raw if name.endswith(b"timestamp") else value)
               for name, value in sign(platform, body, received)]
    response = rig.refused_leaves_nothing(
        lambda: rig.request("POST", route(platform), body, headers))
    digits = received.strip()
    fresh = (digits.isascii() and digits.lstrip("+-").isdigit() and len(digits) < 15
             and abs(int(digits) - time.time()) <= 300)
    if not fresh:
        assert response.status_code == 401, (stamp, response.status_code, response.text)


@pytest.mark.parametrize("platform", SIGNED)
def test_a_body_over_the_cap_is_refused_before_it_is_read(rig: Rig, platform: str) -> None:
    body = b'{"pad":"' + b"x" * MAX_BODY + b'"}'
    response = rig.refused_leaves_nothing(
        lambda: rig.request("POST", route(platform), body, sign(platform, body)))
    assert response.status_code == 413


@pytest.mark.parametrize("platform", SIGNED)
def test_a_chunked_body_over_the_cap_is_cut_off_without_a_length(rig: Rig,
                                                                  platform: str) -> None:
    body = b'{"pad":"' + b"x" * MAX_BODY + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 4096):
            yield body[start:start + 4096]

    async def send() -> httpx.Response:
        return await rig.http.post(f"{rig.hub.url}{route(platform)}", content=chunks(),
                                   headers=sign(platform, body))

    response = rig.refused_leaves_nothing(lambda: rig.runner.run(send()))
    assert response.status_code == 413


@FUZZ
@given(connection=st.sampled_from(["basecamp", "slack", "whatsapp", "zoom", "nobody"]),
       tail=st.text(min_size=1, max_size=300), method=st.sampled_from(["POST", "GET"]))
def test_hostile_paths_are_refused(rig: Rig, connection: str, tail: str, method: str) -> None:
    path = f"/webhooks/{connection}/{quote(tail, safe='')}"
    body = encoded({"kind": "message_created", "recording": {"id": 1, "type": "Message"}})
    response = rig.refused_leaves_nothing(
        lambda: rig.request(method, path, body, sign(connection, body)
                            if connection in SIGNED else []))
    if tail != BASECAMP_SECRET:
        assert 400 <= response.status_code < 500, (path, response.status_code)


def test_a_recording_refused_as_unreadable_leaves_no_download_token(rig: Rig) -> None:
    [completed] = [p for p in rig.seeds["zoom"] if p.get("event") == "recording.completed"
                   and "download_token" in p]
    broken = copy.deepcopy(completed)
    broken["download_token"] = "eyJkb3dubG9hZCJ9.not-to-be-kept"
    broken["payload"]["object"]["recording_files"][0]["file_size"] = -1
    body = encoded(broken)
    response = rig.refused_leaves_nothing(
        lambda: rig.request("POST", route("zoom"), body, sign("zoom", body)))
    assert response.status_code == 400


@FUZZ
@given(query=QUERY, challenge=st.text(max_size=40))
def test_whatsapp_handshake_needs_the_verify_token(rig: Rig, query: list[tuple[str, str]],
                                                   challenge: str) -> None:
    forged = [("hub.mode", "subscribe"), ("hub.challenge", challenge), *query]
    response = rig.refused_leaves_nothing(
        lambda: rig.request("GET", "/webhooks/whatsapp", query=forged))
    assert response.status_code in (400, 403)
    assert WHATSAPP_VERIFY not in response.text

    genuine = [("hub.mode", "subscribe"), ("hub.verify_token", WHATSAPP_VERIFY),
               ("hub.challenge", "1158201444")]
    answer = rig.request("GET", "/webhooks/whatsapp", query=genuine)
    assert (answer.status_code, answer.text) == (200, "1158201444")


async def test_the_default_receive_refuses_json_nested_too_deep(tmp_path: Path) -> None:
    settings_ = HubSettings.model_validate({
        "store": {"url": f"sqlite:///{tmp_path}/hub.db"}, "web": {"port": 0},
        "connections": {"east": {"type": "pigeon", "token": "good-token",
                                 "base_url": "https://east.test"}}})
    body = b'{"item":' * 100_000 + b"1" + b"}" * 100_000
    async with Hub.start(settings_, extra_plugins=FAKES) as hub, httpx.AsyncClient() as http:
        response = await http.post(f"{hub.url}/webhooks/east", content=body,
                                   headers={"x-fake-token": "good-token"})
        assert response.status_code == 400
        assert await hub.store.run(hub.store.last_seq) == 0


NOT_JSON = [float("nan"), float("inf"), float("-inf")]


@pytest.mark.parametrize("platform", SIGNED)
@pytest.mark.parametrize("constant", NOT_JSON, ids=["NaN", "Infinity", "-Infinity"])
def test_signed_nan_and_infinity_are_refused_as_malformed(rig: Rig, platform: str,
                                                          constant: float) -> None:
    payload = copy.deepcopy(rig.seeds[platform][-1])
    payload["score"] = constant
    body = encoded(payload)
    response = rig.refused_leaves_nothing(
        lambda: rig.request("POST", route(platform), body, sign(platform, body)))
    assert response.status_code == 400, response.text
    assert "is not a JSON value" in response.text


def _message(platform: str, seeds: list[Any]) -> dict[str, Any]:
    """The sandbox's own message webhook: its ids name things that exist."""
    def carries_text(payload: Any) -> bool:
        if platform == "slack":
            return bool(payload.get("event", {}).get("text"))
        if platform == "zoom":
            return str(payload.get("event")).startswith("team_chat.channel_message_posted")
        changes = payload.get("entry", [{}])[0].get("changes", [{}])
        return bool(changes[0].get("value", {}).get("messages"))
    return copy.deepcopy(next(p for p in reversed(seeds) if carries_text(p)))


def _retold(platform: str, payload: dict[str, Any], text: str, mark: str) -> dict[str, Any]:
    """The same message again under new ids, saying `text`."""
    if platform == "slack":
        payload["event_id"] += mark
        payload["event"].update(text=text, ts=f"{payload['event']['ts']}{len(mark)}")
    elif platform == "zoom":
        obj = payload["payload"]["object"]
        obj.update(message=text, message_id=obj["message_id"] + mark)
    else:
        [message] = payload["entry"][0]["changes"][0]["value"]["messages"]
        message.update(id=message["id"] + mark, text={"body": text})
    return payload


@pytest.mark.parametrize("platform", ["slack", "zoom", "whatsapp"])
def test_a_signed_lone_surrogate_is_stored_as_a_replacement_character(rig: Rig,
                                                                      platform: str) -> None:
    payload = _retold(platform, _message(platform, rig.seeds[platform]), "ol\ud800á\x00",
                      f"-{platform}-surrogate")
    body = encoded(payload)
    assert b"\\ud800" in body and b"\\u0000" in body
    before = rig.last_seq()
    response = rig.request("POST", route(platform), body, sign(platform, body))
    assert response.status_code == 200, response.text
    stored = rig.runner.run(rig.hub.store.run(rig.hub.store.events_after, before, 10))
    [item] = stored
    assert item.event.body.startswith("ol\ufffdá\ufffd"), item.event.body
