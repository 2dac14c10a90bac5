"""A typed wrapper of the Basecamp 4 API and of Launchpad's token endpoint.

It sends what Basecamp requires on every call (a User-Agent naming a contact, JSON with a
charset), keeps ETags so unchanged lists cost a 304, follows pagination only through `Link`
headers, and renews the OAuth token before it expires and once after a 401. Failed responses
are handed to the connector's error mapper: this module decides nothing about what they mean.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from hub.connector import LocalFile
from hub.errors import AuthError, ConnectorError, PermanentError, TransientError
from hub.http import transport_error
from plugins.basecamp.oauth import OAuthTokens, json_object

JSON_TYPE = "application/json; charset=utf-8"
ETAG_ENTRIES = 512
CHUNK = 64 * 1024
# Flat routes of the recordings the hub mirrors (the `/buckets/<id>/…` forms are legacy).
RECORDING_PATHS: Mapping[str, str] = {
    "Message": "messages",
    "Comment": "comments",
    "Todo": "todos",
    "Todolist": "todolists",
    "Schedule::Entry": "schedule_entries",
    "Upload": "uploads",
    "Document": "documents",
}

ErrorMapper = Callable[[httpx.Response, str], Awaitable[ConnectorError]]


class NotFound(PermanentError):
    """404: the item was deleted, or the hub's user cannot see it."""


class AccountInactive(AuthError):
    """404 with `Reason: Account Inactive`: the trial ended or the account is suspended."""


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, the next page's URL (from `Link`), and whether it came
    from the ETag cache (304)."""

    items: list[dict[str, Any]]
    next_url: str | None
    not_modified: bool = False


class BasecampClient:
    """Calls to one Basecamp account (`api_url` is `https://3.basecampapi.com/<account>`)."""

    def __init__(self, http: httpx.AsyncClient, *, api_url: str, user_agent: str,
                 tokens: OAuthTokens, on_error: ErrorMapper, connection: str) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.user_agent = user_agent
        self.tokens = tokens
        self.on_error = on_error
        self.connection = connection
        self._etags: OrderedDict[str, tuple[str | None, str | None, Any]] = OrderedDict()
        self._origin = urlsplit(self.api_url)[:2]

    def url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    async def request(
        self, method: str, url: str, *, what: str, json: Any = None,
        params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
        file: LocalFile | None = None, authenticated: bool = True,
    ) -> httpx.Response:
        """One call, renewed and repeated once on a 401; a failure becomes the mapper's error."""
        for attempt in (1, 2):
            sent = {"User-Agent": self.user_agent, "Accept": "application/json",
                    **(headers or {})}
            token = await self.tokens.current() if authenticated else None
            if token:
                sent["Authorization"] = f"Bearer {token}"
            content: Any = None
            if json is not None or (method in ("POST", "PUT") and file is None):
                # Even a bodiless PUT (trashing) must say JSON, or Basecamp answers 415.
                sent["Content-Type"] = JSON_TYPE
            if file is not None:
                sent["Content-Type"] = file.mime_type
                sent["Content-Length"] = str(file.size)
                content = _stream(file.path)
            try:
                response = await self.http.request(method, url, json=json, params=params,
                                                   headers=sent, content=content)
            except httpx.TransportError as exc:
                raise transport_error(exc, connection=self.connection) from exc
            if (response.status_code == 401 and token and attempt == 1
                    and await self.tokens.renew_after_rejection(token)):
                continue
            if response.status_code >= 400:
                raise await self.on_error(response, what)
            return response
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def get_json(self, path_or_url: str, *, what: str,
                       params: Mapping[str, str] | None = None) -> Any:
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        return (await self.request("GET", url, what=what, params=params)).json()

    async def send_json(self, method: str, path: str, body: Any, *, what: str) -> Any:
        response = await self.request(method, self.url(path), what=what, json=body)
        return response.json() if response.content else None

    async def page(self, url: str, *, what: str, params: Mapping[str, str] | None = None
                   ) -> Page:
        """One page, revalidated with the ETag/Last-Modified of its previous fetch."""
        key = str(httpx.URL(url, params=params))
        cached = self._etags.get(key)
        headers = {}
        if cached:
            if cached[0]:
                headers["If-None-Match"] = cached[0]
            if cached[1]:
                headers["If-Modified-Since"] = cached[1]
        response = await self.request("GET", url, what=what, params=params, headers=headers)
        if response.status_code == 304 and cached is not None:
            self._etags.move_to_end(key)
            body, not_modified = cached[2], True
        else:
            body, not_modified = response.json(), False
            etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
            if etag or modified:
                self._etags[key] = (etag, modified, body)
                self._etags.move_to_end(key)
                while len(self._etags) > ETAG_ENTRIES:
                    self._etags.popitem(last=False)
        items = [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []
        return Page(items, self._next(response), not_modified)

    def _next(self, response: httpx.Response) -> str | None:
        # 304s carry no Link: the cache holds the first page only, whose next link is stale
        # anyway; the caller then stops, which is right since nothing changed.
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        if urlsplit(link)[:2] != self._origin:
            raise TransientError(f"pagination pointed off the API host ({urlsplit(link).netloc})"
                                 ": refusing to send the token there", connection=self.connection)
        return str(link)

    async def pages(self, path: str, *, what: str, params: Mapping[str, str] | None = None,
                    max_pages: int = 20) -> AsyncIterator[Page]:
        """The pages of a list, following `Link: <…>; rel="next"` and nothing else."""
        page = await self.page(self.url(path), what=what, params=params)
        yield page
        for _ in range(max_pages - 1):
            if page.next_url is None:
                return
            page = await self.page(page.next_url, what=what)
            yield page

    async def all_items(self, path: str, *, what: str, params: Mapping[str, str] | None = None,
                        max_pages: int = 20) -> list[dict[str, Any]]:
        return [item async for page in self.pages(path, what=what, params=params,
                                                  max_pages=max_pages) for item in page.items]

    # -- reads --------------------------------------------------------------------------

    async def profile(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.get_json("my/profile.json", what="reading the profile")
        return result

    async def projects(self) -> list[dict[str, Any]]:
        return await self.all_items("projects.json", what="listing projects")

    async def project(self, project_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get_json(f"projects/{project_id}.json",
                                                     what=f"reading project {project_id}")
        return result

    async def recording(self, recording_type: str, recording_id: str) -> dict[str, Any]:
        path = RECORDING_PATHS[recording_type]
        result: dict[str, Any] = await self.get_json(
            f"{path}/{recording_id}.json", what=f"reading {recording_type} {recording_id}")
        return result

    async def person(self, person_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get_json(f"people/{person_id}.json",
                                                     what=f"reading person {person_id}")
        return result

    async def people(self, *, max_pages: int = 50) -> list[dict[str, Any]]:
        """Everyone the hub's user can see on the account (`GET /people.json`)."""
        return await self.all_items("people.json", what="listing people", max_pages=max_pages)

    async def lines(self, chat_id: str, *, max_pages: int = 3) -> list[dict[str, Any]]:
        """Campfire lines (`GET /chats/{id}/lines.json`), the first `max_pages` pages."""
        return await self.all_items(f"chats/{chat_id}/lines.json", max_pages=max_pages,
                                    what=f"reading Campfire {chat_id}")

    async def comments(self, recording_id: str) -> list[dict[str, Any]]:
        """The comments on a recording (`GET /recordings/{id}/comments.json`)."""
        return await self.all_items(f"recordings/{recording_id}/comments.json",
                                    what=f"reading the comments on {recording_id}")

    async def events(self, recording_id: str, *, max_pages: int = 20) -> list[dict[str, Any]]:
        """What happened to a recording (`GET /recordings/{id}/events.json`): `action` is
        `created`, `completed` and so on."""
        return await self.all_items(f"recordings/{recording_id}/events.json",
                                    max_pages=max_pages,
                                    what=f"reading the events of {recording_id}")

    async def todolists(self, todoset_id: str) -> list[dict[str, Any]]:
        """A project's active to-do lists (`GET /todosets/{id}/todolists.json`), in order."""
        return await self.all_items(f"todosets/{todoset_id}/todolists.json",
                                    what=f"reading the to-do lists of {todoset_id}")

    async def todos(self, todolist_id: str, *, max_pages: int = 2) -> list[dict[str, Any]]:
        """A to-do list's pending to-dos (`GET /todolists/{id}/todos.json`)."""
        return await self.all_items(f"todolists/{todolist_id}/todos.json", max_pages=max_pages,
                                    what=f"reading to-do list {todolist_id}")

    async def messages(self, board_id: str, *, max_pages: int = 2) -> list[dict[str, Any]]:
        """A message board's posts, newest first."""
        return await self.all_items(f"message_boards/{board_id}/messages.json",
                                    params={"sort": "created_at", "direction": "desc"},
                                    max_pages=max_pages,
                                    what=f"reading message board {board_id}")

    # -- writes -------------------------------------------------------------------------

    async def create_attachment(self, file: LocalFile) -> str:
        """Upload bytes once for one destination; returns the `attachable_sgid`."""
        response = await self.request("POST", self.url("attachments.json"), file=file,
                                      params={"name": file.name},
                                      what=f"uploading {file.name!r}")
        sgid = json_object(response).get("attachable_sgid")
        if not isinstance(sgid, str):
            raise TransientError("Basecamp accepted an attachment but returned no "
                                 "attachable_sgid", connection=self.connection)
        return sgid

    async def chat_upload(self, chat_id: str, file: LocalFile) -> dict[str, Any]:
        response = await self.request("POST", self.url(f"chats/{chat_id}/uploads.json"),
                                      file=file, params={"name": file.name},
                                      what=f"uploading {file.name!r} to Campfire {chat_id}")
        return json_object(response)

    async def chatbot_line(self, key: str, project_id: str, chat_id: str, content: str
                           ) -> dict[str, Any]:
        # The key in the URL is the credential: no OAuth token goes with it.
        url = self.url(f"integrations/{key}/buckets/{project_id}/chats/{chat_id}/lines.json")
        response = await self.request("POST", url, json={"content": content},
                                      authenticated=False,
                                      what=f"posting as the chatbot to Campfire {chat_id}")
        return json_object(response)

    async def create_message(self, board_id: str, subject: str, content: str,
                             subscriptions: list[int] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"subject": subject, "content": content, "status": "active"}
        if subscriptions is not None:
            body["subscriptions"] = subscriptions
        return await self._object("POST", f"message_boards/{board_id}/messages.json", body,
                                  f"posting to message board {board_id}")

    async def update_message(self, message_id: str, subject: str, content: str
                             ) -> dict[str, Any]:
        return await self._object("PUT", f"messages/{message_id}.json",
                                  {"subject": subject, "content": content},
                                  f"editing message {message_id}")

    async def create_todo(self, todolist_id: str, todo: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /todolists/{id}/todos.json`: `content` (its text) is required."""
        return await self._object("POST", f"todolists/{todolist_id}/todos.json", todo,
                                  f"adding a to-do to list {todolist_id}")

    async def update_todo(self, todo_id: str, todo: Mapping[str, Any]) -> dict[str, Any]:
        """`PUT /todos/{id}.json`, which clears every field it is not given."""
        return await self._object("PUT", f"todos/{todo_id}.json", todo,
                                  f"editing to-do {todo_id}")

    async def create_comment(self, recording_id: str, content: str) -> dict[str, Any]:
        return await self._object("POST", f"recordings/{recording_id}/comments.json",
                                  {"content": content}, f"commenting on {recording_id}")

    async def update_comment(self, comment_id: str, content: str) -> dict[str, Any]:
        return await self._object("PUT", f"comments/{comment_id}.json", {"content": content},
                                  f"editing comment {comment_id}")

    async def create_line(self, chat_id: str, content: str) -> dict[str, Any]:
        return await self._object("POST", f"chats/{chat_id}/lines.json",
                                  {"content": content, "content_type": "text/html"},
                                  f"posting to Campfire {chat_id}")

    async def delete_line(self, chat_id: str, line_id: str) -> None:
        await self.request("DELETE", self.url(f"chats/{chat_id}/lines/{line_id}.json"),
                           what=f"deleting Campfire line {line_id}")

    async def create_entry(self, schedule_id: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        return await self._object("POST", f"schedules/{schedule_id}/entries.json", entry,
                                  f"adding to schedule {schedule_id}")

    async def update_entry(self, entry_id: str, entry: Mapping[str, Any]) -> dict[str, Any]:
        return await self._object("PUT", f"schedule_entries/{entry_id}.json", entry,
                                  f"editing schedule entry {entry_id}")

    async def create_upload(self, vault_id: str, sgid: str, description: str,
                            base_name: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"attachable_sgid": sgid, "description": description}
        if base_name:
            body["base_name"] = base_name
        return await self._object("POST", f"vaults/{vault_id}/uploads.json", body,
                                  f"adding a file to vault {vault_id}")

    async def update_upload(self, upload_id: str, description: str) -> dict[str, Any]:
        return await self._object("PUT", f"uploads/{upload_id}.json",
                                  {"description": description}, f"editing upload {upload_id}")

    async def webhooks(self, project_id: str) -> list[dict[str, Any]]:
        return await self.all_items(f"buckets/{project_id}/webhooks.json",
                                    what=f"listing webhooks of project {project_id}")

    async def webhook(self, webhook_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get_json(f"webhooks/{webhook_id}.json",
                                                     what=f"reading webhook {webhook_id}")
        return result

    async def create_webhook(self, project_id: str, payload_url: str, types: list[str]
                             ) -> dict[str, Any]:
        return await self._object("POST", f"buckets/{project_id}/webhooks.json",
                                  {"payload_url": payload_url, "types": types},
                                  f"creating a webhook in project {project_id}")

    async def update_webhook(self, webhook_id: str, payload_url: str, types: list[str],
                             active: bool) -> dict[str, Any]:
        return await self._object("PUT", f"webhooks/{webhook_id}.json",
                                  {"payload_url": payload_url, "types": types, "active": active},
                                  f"updating webhook {webhook_id}")

    async def _object(self, method: str, path: str, body: Mapping[str, Any], what: str
                      ) -> dict[str, Any]:
        response = await self.request(method, self.url(path), json=dict(body), what=what)
        return json_object(response)

    async def trash(self, recording_id: str) -> None:
        await self.request("PUT", self.url(f"recordings/{recording_id}/status/trashed.json"),
                           what=f"trashing recording {recording_id}")


def made_id(made: dict[str, Any]) -> str:
    """The id of what Basecamp says it created."""
    if made.get("id") is None:
        # Retrying could make a second copy: better a dead letter an admin can look at.
        raise PermanentError("Basecamp answered without the id of what it created")
    return str(made["id"])


async def _stream(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, CHUNK):
            yield chunk
