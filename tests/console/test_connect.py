"""Connecting Basecamp and Zoom accounts from the console through the platforms' consent pages.

The browser walks the whole flow against the sandboxes over loopback; the refusals are asked
over HTTP of a console whose clock the test moves.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from playwright.async_api import Browser, expect
from starlette.applications import Starlette
from starlette.routing import Mount

from hub.console.app import Console
from hub.console.session import Sessions
from hub.demo.world import BASECAMP, SLACK, ZOOM
from hub.store.schema import connection_state
from tests.console.browser import needs_chromium, new_context
from tests.console.conftest import Demo
from tests.console.signing import csrf_of, signed_in

pytestmark = needs_chromium


def stored(demo: Demo, connection: str, key: str) -> str | None:
    """The raw value of a connection_state row, as the store keeps it on disk."""
    with demo.hub.store.engine.connect() as conn:
        return conn.execute(sa.select(connection_state.c.value).where(
            connection_state.c.connection == connection,
            connection_state.c.key == key)).scalar_one_or_none()


async def connect_in_browser(demo: Demo, browser: Browser, connection: str, platform: str,
                             consent: str, who: str) -> None:
    """Sign in, press Connect beside `connection`, allow on the platform's page, come back."""
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{demo.console}/connect")
    await page.get_by_label("Admin token").fill(demo.token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{demo.console}/connect")
    card = page.get_by_role("region", name=f"{connection} ({platform})")
    await expect(card.get_by_text(
        f"{demo.hub.url}/admin/connect/{connection}/callback", exact=True)).to_be_visible()
    await expect(card.get_by_text("Not connected from the console")).to_be_visible()

    await card.get_by_role("button", name=f"Connect {connection}").click()
    await expect(page.get_by_role("heading", name=consent)).to_be_visible()
    await page.get_by_role("button", name="Allow").click()

    await expect(page).to_have_url(f"{demo.console}/connect?connected={connection}")
    await expect(card.get_by_role("status")).to_have_text(
        f"Connected from the console as {who}.")
    await context.close()


async def stored_token(demo: Demo, connection: str, key: str, granted: str) -> None:
    """The granted token is in the store, encrypted on disk."""
    raw = stored(demo, connection, key)
    assert raw is not None and granted not in raw
    assert await demo.hub.store.run(demo.hub.store.state_get, connection, key) == granted


async def test_basecamp_connected_through_its_consent_page(demo: Demo, browser: Browser) -> None:
    basecamp = demo.world.basecamp
    await connect_in_browser(demo, browser, BASECAMP, "basecamp",
                             "Basecamp: authorize Passerelle?", "Passerelle Hub (hub@example.org)")
    (granted,) = basecamp.granted
    await stored_token(demo, BASECAMP, "oauth.access_token", granted)
    await demo.hub.network.connector(BASECAMP).check(online=True)
    assert basecamp.last_bearer == granted  # the connector's next call carries it


async def test_zoom_connected_through_its_consent_page(demo: Demo, browser: Browser) -> None:
    zoom = demo.world.zoom
    await connect_in_browser(demo, browser, ZOOM, "zoom", "Zoom: authorize Passerelle?",
                             "Hana Host (host@example.org)")
    (granted,) = zoom.granted
    await stored_token(demo, ZOOM, "user.access_token", granted)
    await demo.hub.network.connector(ZOOM).check(online=True)
    assert zoom.last_bearer == granted  # it wins over the Server-to-Server app's tokens


# -- refusals ------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clock() -> Clock:
    return Clock()


@pytest.fixture
async def admin(demo: Demo, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in to a console of the demo's hub whose time is `clock`."""
    console = Console(demo.hub, Sessions(demo.token.encode(), 3600, clock=clock))
    app = Starlette(routes=[Mount("/admin", app=Starlette(routes=console.routes()),
                                  name="console")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1") as client:
        await signed_in(client, "http://127.0.0.1/admin", demo.token)
        yield client


async def consent(admin: httpx.AsyncClient, connection: str) -> str:
    """Start connecting `connection`: the platform's consent page address."""
    page = await admin.get("/admin/connect")
    started = await admin.post(f"/admin/connect/{connection}/start",
                               data={"csrf": csrf_of(page.text)})
    assert started.status_code == 303, started.text
    return started.headers["location"]


async def answer(consent_url: str, decision: str) -> str:
    """The admin's click on the consent page: the callback path and query it sends back to."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(consent_url).query).items()}
    form = {"client_id": query["client_id"], "redirect_uri": query["redirect_uri"],
            "state": query["state"], "decision": decision}
    async with httpx.AsyncClient() as browser:
        sent = await browser.post(consent_url.split("?")[0], data=form)
    assert sent.status_code == 302, sent.text
    back = urlsplit(sent.headers["location"])
    return f"{back.path}?{back.query}"


def unchanged(demo: Demo) -> Callable[[], tuple[int, str | None]]:
    basecamp = demo.world.basecamp
    return lambda: (len(basecamp.granted), stored(demo, BASECAMP, "oauth.access_token"))


async def test_a_callback_without_its_state_changes_nothing(
        demo: Demo, admin: httpx.AsyncClient) -> None:
    before = unchanged(demo)()
    callback = await answer(await consent(admin, BASECAMP), "allow")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    for query in (f"code={code}", f"code={code}&state=not-the-state", f"code={code}&state="):
        refused = await admin.get(f"/admin/connect/{BASECAMP}/callback?{query}")
        assert refused.status_code == 400
        assert "Nothing was changed" in refused.text
    assert unchanged(demo)() == before


async def test_a_state_is_good_once(demo: Demo, admin: httpx.AsyncClient) -> None:
    callback = await answer(await consent(admin, BASECAMP), "allow")
    first = await admin.get(callback)
    assert first.status_code == 200, first.text
    assert 'http-equiv="refresh"' in first.text and f"connected={BASECAMP}" in first.text
    after = unchanged(demo)()
    again = await admin.get(callback)
    assert again.status_code == 400 and "used already" in again.text
    assert unchanged(demo)() == after


async def test_a_state_expires_after_ten_minutes(demo: Demo, admin: httpx.AsyncClient,
                                                 clock: Clock) -> None:
    before = unchanged(demo)()
    callback = await answer(await consent(admin, BASECAMP), "allow")
    clock.now += 601
    refused = await admin.get(callback)
    assert refused.status_code == 400 and "expired" in refused.text
    assert unchanged(demo)() == before


async def test_a_state_is_for_the_connection_it_was_made_for(
        demo: Demo, admin: httpx.AsyncClient) -> None:
    callback = await answer(await consent(admin, BASECAMP), "allow")
    elsewhere = callback.replace(f"/connect/{BASECAMP}/", "/connect/network-zoom/")
    assert (await admin.get(elsewhere)).status_code == 400


async def test_access_denied_changes_nothing(demo: Demo, admin: httpx.AsyncClient) -> None:
    before = unchanged(demo)()
    callback = await answer(await consent(admin, BASECAMP), "deny")
    assert "error=access_denied" in callback
    refused = await admin.get(callback)
    assert refused.status_code == 400 and "Access was denied" in refused.text
    assert unchanged(demo)() == before


async def test_starting_needs_the_session_and_its_csrf_token(demo: Demo) -> None:
    async with httpx.AsyncClient() as anonymous:
        refused = await anonymous.post(f"{demo.console}/connect/{BASECAMP}/start")
    assert refused.status_code == 401


async def test_a_pasted_token_platform_has_no_connect_button(demo: Demo,
                                                             admin: httpx.AsyncClient) -> None:
    page = await admin.get("/admin/connect")
    assert f"/admin/connect/{SLACK}/start" not in page.text
    assert f"{demo.hub.url}/webhooks/{SLACK}" in page.text  # the Request URL to paste
    assert "HUB_CONNECTIONS__LISBON_SLACK__BOT_TOKEN" in page.text
    assert demo.world.slack.token not in page.text  # never the secret itself
    refused = await admin.post(f"/admin/connect/{SLACK}/start",
                               data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 404
