"""A typed wrapper of the parts of the WhatsApp Cloud API (Graph API) the connector uses.

It receives the hub's `httpx.AsyncClient` and never creates one. Failed calls raise
`GraphError` carrying Meta's error envelope (`error.code`, `error_subcode`); the connector
is the one place that turns those into hub errors. Transport errors pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """`GET /{media-id}`: a short-lived download URL and what it points at."""

    url: str
    mime_type: str
    sha256: str | None
    file_size: int | None


class GraphError(Exception):
    """A Graph API call failed; `code` and `subcode` are Meta's, when the body had them."""

    def __init__(self, response: httpx.Response, what: str) -> None:
        self.response = response
        self.what = what
        error: Mapping[str, Any] = {}
        try:
            body = response.json()
            if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
                error = body["error"]
        except ValueError:
            pass
        code = error.get("code")
        subcode = error.get("error_subcode")
        self.code: int | None = code if isinstance(code, int) else None
        self.subcode: int | None = subcode if isinstance(subcode, int) else None
        self.message = str(error.get("message") or "")[:200]
        data = error.get("error_data")
        self.details = str((data if isinstance(data, Mapping) else {}).get("details") or "")[:300]
        super().__init__(f"{what} answered {response.status_code} (code {self.code})")


class GraphClient:
    """The Cloud API of one business phone number."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_version: str,
                 token: Callable[[], SecretStr], phone_number_id: str | None) -> None:
        self.http = http
        self.root = f"{base_url.rstrip('/')}/{api_version}"
        self._token = token
        self.phone_number_id = phone_number_id

    @property
    def auth(self) -> dict[str, str]:
        """The bearer header; only ever sent to the Graph API and the media URL it returns."""
        return {"Authorization": f"Bearer {self._token().get_secret_value()}"}

    def _number(self) -> str:
        if not self.phone_number_id:
            raise ValueError("phone_number_id is not set")
        return self.phone_number_id

    async def _call(self, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.http.request(method, f"{self.root}/{path}", headers=self.auth,
                                           **kwargs)
        if response.status_code >= 400:
            await response.aread()
            raise GraphError(response, what)
        try:
            body = response.json()
        except ValueError:
            # A proxy's or captive portal's page where Graph's JSON should be: a bad gateway.
            raise GraphError(httpx.Response(502, request=response.request),
                             f"{what} (the answer is not JSON)") from None
        return body if isinstance(body, dict) else {}

    async def phone_number(self) -> dict[str, Any]:
        """`GET /{phone-number-id}`: the number's display name, number and quality rating."""
        return await self._call(
            "GET", self._number(), "phone number lookup",
            params={"fields": "display_phone_number,verified_name,quality_rating"},
        )

    async def send_message(self, message: Mapping[str, Any]) -> str:
        """`POST /{phone-number-id}/messages`; returns the new message's wamid."""
        body = {"messaging_product": "whatsapp", **message}
        answer = await self._call("POST", f"{self._number()}/messages", "send message", json=body)
        messages = answer.get("messages") or []
        if not messages or not messages[0].get("id"):
            raise GraphError(httpx.Response(502, request=httpx.Request("POST", self.root)),
                             "send message (answer without a message id)")
        return str(messages[0]["id"])

    async def upload_media(self, path: Path, *, name: str, mime_type: str) -> str:
        """`POST /{phone-number-id}/media` (multipart); returns the media id (valid 30 days)."""
        with path.open("rb") as handle:
            answer = await self._call(
                "POST", f"{self._number()}/media", "upload media",
                data={"messaging_product": "whatsapp", "type": mime_type},
                files={"file": (name, handle, mime_type)},
            )
        if not answer.get("id"):
            raise GraphError(httpx.Response(502, request=httpx.Request("POST", self.root)),
                             "upload media (answer without an id)")
        return str(answer["id"])

    async def media_info(self, media_id: str) -> MediaInfo:
        """`GET /{media-id}`: the download URL, valid for about five minutes."""
        answer = await self._call("GET", media_id, "media lookup")
        size = answer.get("file_size")
        return MediaInfo(
            url=str(answer.get("url", "")),
            mime_type=str(answer.get("mime_type") or "application/octet-stream"),
            sha256=answer.get("sha256"),
            file_size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        )
