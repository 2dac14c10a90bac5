"""The one place HTTP statuses become hub errors, Retry-After, and URLs kept out of logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
import pytest
import respx

from hub.errors import AuthError, PermanentError, TransientError
from hub.http import hide_in_logs, make_client, parse_retry_after, raise_for_status, transport_error


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers,
                          request=httpx.Request("POST", "https://api.example.org/v1/items"))


@pytest.mark.parametrize(("status", "error"), [
    (429, TransientError), (500, TransientError), (503, TransientError),
    (401, AuthError), (403, AuthError), (400, PermanentError), (404, PermanentError),
    (422, PermanentError),
])
def test_statuses_map_to_the_error_tree(status: int, error: type[Exception]) -> None:
    expected = f'connection "lisbon": request POST /v1/items answered {status}'
    with pytest.raises(error, match=expected):
        raise_for_status(response(status), connection="lisbon")


def test_success_passes_through() -> None:
    ok = response(204)
    assert raise_for_status(ok) is ok


def test_retry_after_in_seconds_or_as_a_date() -> None:
    with pytest.raises(TransientError) as caught:
        raise_for_status(response(429, **{"Retry-After": "7"}))
    assert caught.value.retry_after == 7
    now = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 26 Nov 2026 10:00:30 GMT", now=now) == 30
    assert parse_retry_after("Thu, 26 Nov 2026 09:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_network_failures_are_transient() -> None:
    request = httpx.Request("GET", "https://api.example.org/x")
    error = transport_error(httpx.ReadTimeout("slow", request=request), connection="z")
    assert isinstance(error, TransientError) and "timed out" in str(error)


async def test_the_client_never_follows_redirects() -> None:
    router = respx.Router(assert_all_mocked=True)
    router.get("https://api.example.org/a").respond(302, headers={"Location": "https://x.org/"})
    async with make_client(transport=httpx.MockTransport(router.async_handler)) as client:
        answer = await client.get("https://api.example.org/a")
    assert answer.status_code == 302


async def test_urls_in_httpx_logs_lose_queries_and_secrets(
        caplog: pytest.LogCaptureFixture) -> None:
    hide_in_logs(["k3y-in-the-path"])
    router = respx.Router(assert_all_mocked=True)
    router.get(host="api.example.org").respond(200)
    with caplog.at_level(logging.INFO, logger="httpx"):
        async with make_client(transport=httpx.MockTransport(router.async_handler)) as client:
            await client.get("https://api.example.org/integrations/k3y-in-the-path/lines"
                             "?jwt=signed-token")
    logged = caplog.text
    assert "https://api.example.org/integrations/***/lines" in logged
    assert "k3y-in-the-path" not in logged and "signed-token" not in logged
