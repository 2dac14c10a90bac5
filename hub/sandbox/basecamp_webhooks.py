"""The sandbox Basecamp's webhooks: one project's subscriptions and their deliveries.

As Basecamp sends them: unsigned (`User-Agent: Basecamp3 Webhook` and `X-Request-Id` are the
only headers), after answering the call that caused the change, carrying the generic recording
block (no to-do fields, no description: bc3-api `webhooks.md`), retried with backoff, each
attempt kept among the 25 `recent_deliveries`, and the webhook turned off after ten failures in
a row. Every change is also kept as one of the recording's events (`GET
/recordings/{id}/events.json`), whose id the delivery carries.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from hub.sandbox.base import json_error, read_json

if TYPE_CHECKING:
    from hub.sandbox.basecamp import BasecampEmulator

Record = dict[str, Any]
MAX_FAILURES = 10
# How a webhook kind names each recording type: `todo_completed`, `schedule_entry_created`.
KIND_PREFIX = {"Message": "message", "Comment": "comment", "Todo": "todo",
               "Todolist": "todolist", "Schedule::Entry": "schedule_entry", "Upload": "upload",
               "Document": "document"}
# What a webhook's recording block keeps of a recording (bc3-api `webhooks.md`), plus content.
GENERIC = ("id", "status", "visible_to_clients", "created_at", "updated_at", "title",
           "inherits_status", "type", "url", "app_url", "bookmark_url", "comments_count",
           "comments_url", "parent", "bucket", "creator")


class Webhooks:
    """The account's webhooks, what they were sent, and each recording's events."""

    def __init__(self, world: BasecampEmulator) -> None:
        self.world = world
        self.hooks: dict[int, Record] = {}
        self.fired: list[Record] = []
        self.history: dict[int, list[Record]] = {}  # recording id -> its events, oldest first
        self._pending: set[asyncio.Task[None]] = set()
        self._event_ids = itertools.count(1071915703)

    def add(self, project: int, payload_url: str, types: list[str] | None = None) -> Record:
        world = self.world
        hook_id = world.next_id()
        hook = {"id": hook_id, "active": True, "created_at": world.now(),
                "updated_at": world.now(), "payload_url": payload_url,
                "types": types or ["all"], "bucket": project, "recent_deliveries": [],
                "failures": 0}
        self.hooks[hook_id] = hook
        return hook

    async def notify(self, record: Record, kind: str, person: Record) -> None:
        """Keep the change as the recording's event, and deliver it to every webhook of the
        project that takes the recording's type."""
        project = record["bucket"]["id"]
        generic = {k: record[k] for k in GENERIC if k in record}
        generic["content"] = record.get("content", record.get("description", ""))
        event_id, stamp = next(self._event_ids), self.world.now()
        self.history.setdefault(record["id"], []).append({
            "id": event_id, "recording_id": record["id"],
            "action": kind.removeprefix(KIND_PREFIX.get(record["type"], "") + "_"),
            "details": {"notified_recipient_ids": []}, "created_at": stamp,
            "creator": dict(person)})
        payload = {"id": event_id, "kind": kind, "details": {"notified_recipient_ids": []},
                   "created_at": stamp, "recording": generic, "creator": dict(person)}
        for hook in self.hooks.values():
            if hook["bucket"] != project or not hook["active"]:
                continue
            if "all" not in hook["types"] and record["type"] not in hook["types"]:
                continue
            self.fired.append(payload)
            # Basecamp delivers after answering the call that caused the change.
            task = asyncio.create_task(self._deliver(hook, payload))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def quiet(self) -> None:
        """Wait until every webhook fired so far has been answered."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _deliver(self, hook: Record, payload: Record) -> None:
        """Deliver with retries (Basecamp backs off exponentially); every failed attempt
        counts, and the tenth in a row turns the webhook off."""
        for attempt in range(self.world.webhook_attempts):
            if await self._attempt(hook, payload) or not hook["active"]:
                return
            await asyncio.sleep(self.world.retry_base * 2 ** attempt)

    async def _attempt(self, hook: Record, payload: Record) -> bool:
        headers = {"User-Agent": "Basecamp3 Webhook", "X-Request-Id": str(uuid.uuid4())}
        code, body = 0, ""
        try:
            response = await self.world.fire(payload, headers, url=hook["payload_url"])
            code, body = response.status_code, response.text
        except httpx.HTTPError as exc:
            body = type(exc).__name__
        ok = 200 <= code < 300  # 3xx is not followed: a failure, as on Basecamp
        hook["failures"] = 0 if ok else hook["failures"] + 1
        if hook["failures"] >= MAX_FAILURES:
            hook["active"] = False
        hook["recent_deliveries"].insert(0, {
            "id": self.world.next_id(), "created_at": self.world.now(),
            "request": {"headers": {"Content-Type": "application/json", **headers},
                        "body": payload},
            "response": {"headers": {}, "code": code, "message": "", "body": body}})
        del hook["recent_deliveries"][25:]
        return ok

    # -- the HTTP API ------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/webhooks/{id:int}.json", self.r_webhook),
            ("PUT", "/webhooks/{id:int}.json", self.r_webhook),
            ("GET", "/buckets/{project:int}/webhooks.json", self.r_webhooks),
            ("POST", "/buckets/{project:int}/webhooks.json", self.r_create_webhook),
            ("GET", "/recordings/{id:int}/events.json", self.r_events),
        ]

    async def r_webhooks(self, request: Request) -> Response:
        project = request.path_params["project"]
        hooks = [self._view(h) for h in self.hooks.values() if h["bucket"] == project]
        return self.world.page(request, hooks)

    async def r_create_webhook(self, request: Request) -> Response:
        body = await read_json(request)
        body = body if isinstance(body, dict) else {}
        url = str(body.get("payload_url", ""))
        # HTTPS only, as on Basecamp; loopback HTTP is let through for the hub under test.
        if not (url.startswith("https://") or url.startswith("http://127.0.0.1:")):
            return _error(400, "payload_url must be an HTTPS URL")
        hook = self.add(request.path_params["project"], url, list(body.get("types") or ["all"]))
        return self.world.answer(request, self._view(hook, details=True), status=201)

    async def r_webhook(self, request: Request) -> Response:
        hook = self.hooks.get(request.path_params["id"])
        if hook is None:
            return _error(404, "not found")
        if request.method == "PUT":
            body = await read_json(request)
            body = body if isinstance(body, dict) else {}
            hook.update(payload_url=body.get("payload_url", hook["payload_url"]),
                        types=body.get("types", hook["types"]),
                        active=bool(body.get("active", hook["active"])))
            if hook["active"]:
                hook["failures"] = 0
        return self.world.answer(request, self._view(hook, details=True))

    async def r_events(self, request: Request) -> Response:
        """A recording's events, newest first."""
        recording = request.path_params["id"]
        if recording not in self.world.recordings:
            return _error(404, "not found")
        return self.world.page(request, list(reversed(self.history.get(recording, []))))

    def _view(self, hook: Record, details: bool = False) -> Record:
        view = {k: v for k, v in hook.items() if k not in ("bucket", "failures",
                                                           "recent_deliveries")}
        view["url"] = f"{self.world.api}/buckets/{hook['bucket']}/webhooks/{hook['id']}.json"
        if details:
            view["recent_deliveries"] = hook["recent_deliveries"]
        return view


def _error(status: int, message: str) -> Response:
    return json_error(status, {"status": status, "error": message})
