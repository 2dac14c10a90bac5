"""download(): GET /{media-id}, then the short-lived URL with the token, capped and checked."""

from __future__ import annotations

import hashlib

import httpx
import pytest
import respx

from hub.connector import MemoryStateBox
from hub.errors import PermanentError, TransientError
from hub.events import Attachment
from plugins.whatsapp.connector import WhatsAppConnector
from plugins.whatsapp.settings import WhatsAppSettings
from tests.plugins.whatsapp.conftest import settings_dict

SANDBOX = "http://sandbox.test"  # an admin-configured base_url is a trusted origin
BYTES = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
MEDIA = Attachment(name="photo.jpg", mime_type="image/jpeg", native_id="65463453")


def media_info(url: str, sha: str | None = None) -> dict[str, object]:
    return {"messaging_product": "whatsapp", "url": url, "mime_type": "image/jpeg",
            "sha256": sha or hashlib.sha256(BYTES).hexdigest(), "file_size": str(len(BYTES)),
            "id": "65463453"}


def connector_on(router: respx.Router, **overrides: object) -> WhatsAppConnector:
    settings = WhatsAppSettings.model_validate(settings_dict(base_url=SANDBOX, **overrides))
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    return WhatsAppConnector("wa", settings, http, MemoryStateBox())


async def test_media_is_fetched_with_the_token_and_kept_intact() -> None:
    router = respx.Router(assert_all_mocked=True)
    router.get(f"{SANDBOX}/v25.0/65463453").respond(
        json=media_info(f"{SANDBOX}/media/65463453?ext=1&hash=x"))
    download = router.get(f"{SANDBOX}/media/65463453").respond(
        content=BYTES, headers={"content-type": "image/jpeg"})
    local = await connector_on(router).download(MEDIA)
    try:
        assert local.path.read_bytes() == BYTES and local.size == len(BYTES)
        assert local.name == "photo.jpg" and local.mime_type == "image/jpeg"
        assert download.calls[0].request.headers["authorization"] == "Bearer EAAG-test-token"
    finally:
        local.path.unlink()


async def test_an_expired_url_is_looked_up_again() -> None:
    router = respx.Router(assert_all_mocked=True)
    lookup = router.get(f"{SANDBOX}/v25.0/65463453")
    lookup.side_effect = [httpx.Response(200, json=media_info(f"{SANDBOX}/media/old")),
                          httpx.Response(200, json=media_info(f"{SANDBOX}/media/new"))]
    router.get(f"{SANDBOX}/media/old").respond(404, json={"error": "expired"})
    router.get(f"{SANDBOX}/media/new").respond(content=BYTES,
                                               headers={"content-type": "image/jpeg"})
    local = await connector_on(router).download(MEDIA)
    assert local.path.read_bytes() == BYTES
    local.path.unlink()
    assert lookup.call_count == 2


async def test_a_url_off_the_allowed_hosts_never_gets_the_token() -> None:
    router = respx.Router(assert_all_mocked=True)
    router.get(f"{SANDBOX}/v25.0/65463453").respond(
        json=media_info("https://collector.example/steal"))
    with pytest.raises(PermanentError, match="not one of the platform's file hosts"):
        await connector_on(router).download(MEDIA)


async def test_size_cap_and_checksum() -> None:
    router = respx.Router(assert_all_mocked=True)
    router.get(f"{SANDBOX}/v25.0/65463453").respond(json=media_info(f"{SANDBOX}/media/1"))
    router.get(f"{SANDBOX}/media/1").respond(content=BYTES,
                                             headers={"content-type": "image/jpeg"})
    with pytest.raises(PermanentError, match="over the 100 byte cap"):
        await connector_on(router, max_media_bytes=100).download(MEDIA)
    assert not router.routes[1].called  # refused on the declared size, nothing fetched
    lying = respx.Router(assert_all_mocked=True)
    declared = {**media_info(f"{SANDBOX}/media/1"), "file_size": "10"}
    lying.get(f"{SANDBOX}/v25.0/65463453").respond(json=declared)
    lying.get(f"{SANDBOX}/media/1").respond(content=BYTES, headers={"content-type": "image/jpeg"})
    with pytest.raises(PermanentError, match="2052 bytes, over the 100 cap"):
        await connector_on(lying, max_media_bytes=100).download(MEDIA)
    damaged = respx.Router(assert_all_mocked=True)
    damaged.get(f"{SANDBOX}/v25.0/65463453").respond(
        json=media_info(f"{SANDBOX}/media/1", sha="0" * 64))
    damaged.get(f"{SANDBOX}/media/1").respond(content=BYTES,
                                              headers={"content-type": "image/jpeg"})
    with pytest.raises(TransientError, match="sha256"):
        await connector_on(damaged).download(MEDIA)


async def test_attachment_without_media_id_is_refused() -> None:
    router = respx.Router(assert_all_mocked=True)
    with pytest.raises(PermanentError, match="no media id"):
        await connector_on(router).download(Attachment(name="x"))
