"""A local Basecamp: the Basecamp 4 API subset the connector uses, and Launchpad's consent page
(`/authorization/new`) and token URL (a code or a refresh token for tokens).

Same paths (`/<account>/…json`, flat routes plus the bucket-scoped webhook routes), the same
recording shapes, geared pagination (15, 30, 50, then 100) with `Link` and `X-Total-Count`,
weak ETags answered with 304, the mandatory User-Agent (400 without a contact), 415 without a
JSON content type, 401 for unknown tokens, `404 Reason: Account Inactive`, rich text cut to
the allowed tags with `<bc-attachment>` expanded, and unsigned webhooks fired as Basecamp shapes
them (`User-Agent: Basecamp3 Webhook`), deactivated after ten failed deliveries. Campfire has
no webhooks, as on Basecamp. A board's posts (`sort`, `direction`), a recording's comments and
a Campfire's lines can be listed, as a retry after a lost answer reads them. Act as people
with `post_message`, `comment`, `edit`, `trash`, `say`, `upload`, `add_entry`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
import re
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.sandbox.base import Emulator
from hub.sandbox.basecamp_todos import TodoTool
from hub.sandbox.basecamp_webhooks import KIND_PREFIX, Webhooks
from hub.sandbox.consent import ConsentPage

Record = dict[str, Any]
GEARS = (15, 30, 50, 100)
ALLOWED = {"div", "h1", "br", "strong", "em", "strike", "a", "pre", "ol", "ul", "li",
           "blockquote", "bc-attachment"}
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")
_ATTACHMENT = re.compile(r'<bc-attachment\b[^>]*\bsgid="([^"]+)"[^>]*>(?:.*?</bc-attachment>)?',
                         re.S)
TYPE_PATHS = {"Message": "messages", "Comment": "comments", "Todo": "todos",
              "Todolist": "todolists", "Schedule::Entry": "schedule_entries",
              "Upload": "uploads", "Document": "documents"}
# The field a recording's text is in, and the one its title is in.
TEXT_FIELD = {"Schedule::Entry": "description", "Upload": "description", "Todo": "description",
              "Todolist": "description"}
TITLE_FIELD = {"Todo": "content", "Todolist": "name"}
COMMENTABLE = ("Message", "Todo", "Todolist", "Schedule::Entry", "Upload", "Document")


class BasecampEmulator(Emulator):
    """One account, its people and projects; the app's user is `me`."""

    platform = "basecamp"

    def __init__(self, *, account_id: int = 195539477, token: str = "sandbox-access",  # noqa: S107
                 refresh_token: str = "sandbox-refresh",  # noqa: S107 - a sandbox's, not a secret
                 client_id: str = "sandbox-client",
                 client_secret: str = "sandbox-client-secret",  # noqa: S107
                 edit_kinds: str = "observed",
                 rate_limit: tuple[int, float] | None = None, webhook_attempts: int = 3,
                 retry_base: float = 0.05) -> None:
        self.account_id = account_id
        self.access_token = token  # the one it starts with; a refresh adds others
        self.tokens = {token}
        self.refresh_token, self.client_id, self.client_secret = (refresh_token, client_id,
                                                                   client_secret)
        self.consent = ConsentPage(platform="Basecamp", path="/authorization/new",
                                   client_id=client_id)
        self.granted: list[str] = []  # access tokens given for a code, oldest first
        self.last_bearer: str | None = None  # the token of the latest API call
        self.edit_kinds = edit_kinds  # "observed": *_content_changed; "documented": *_updated
        self.inactive = False
        # (requests, seconds): Basecamp's first limit is about 50 requests per 10 seconds.
        self.rate_limit = rate_limit
        self.rate_limited = 0
        self.webhook_attempts, self.retry_base = webhook_attempts, retry_base
        self._recent: list[float] = []
        self.people: dict[int, Record] = {}
        self.projects: dict[int, Record] = {}
        self.recordings: dict[int, Record] = {}
        self.lines: dict[int, list[Record]] = {}  # chat id -> lines, oldest first
        self.attachments: dict[str, Record] = {}  # sgid -> attachment (with its bytes)
        self.blobs: dict[str, tuple[bytes, str]] = {}  # key -> (bytes, content type)
        self.chatbots: dict[str, tuple[int, str]] = {}  # key -> (person id, service name)
        self._clock = datetime(2026, 1, 1, tzinfo=UTC)
        self.hooks = Webhooks(self)
        self.webhooks, self.fired = self.hooks.hooks, self.hooks.fired
        self.todos = TodoTool(self)
        super().__init__()
        self._ids = itertools.count(1069480000)
        self.me = self.add_person("Passerelle Hub", "hub@example.org")

    # -- the world ---------------------------------------------------------------------------

    def now(self) -> str:
        # Strictly increasing, so cursors and sorting are never ambiguous in tests.
        self._clock = max(datetime.now(UTC), self._clock + timedelta(milliseconds=1))
        return self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    @property
    def api(self) -> str:
        return f"{self.base_url}/{self.account_id}"

    def connection(self, **extra: Any) -> dict[str, Any]:
        """A `[connections.<name>]` table reaching this sandbox as its own OAuth user."""
        return {"type": "basecamp", "base_url": self.base_url, "launchpad_url": self.base_url,
                "account_id": self.account_id, "contact": "ops@example.org",
                "access_token": self.access_token, "refresh_token": self.refresh_token,
                "client_id": self.client_id, "client_secret": self.client_secret,
                "own_identities": [str(self.me["id"])], **extra}

    def add_person(self, name: str, email: str, *, title: str | None = None,
                   location: str | None = None, company: str = "Sandbox Network",
                   time_zone: str = "Etc/UTC") -> Record:
        """Someone on the account, as `/people.json` and `/people/<id>.json` show them."""
        pid = self.next_id()
        sgid = _sgid(f"gid://bc3/Person/{pid}?expires_in")
        person = {"id": pid, "attachable_sgid": sgid, "name": name, "email_address": email,
                  "personable_type": "User", "title": title, "bio": None, "location": location,
                  "created_at": self.now(), "updated_at": self.now(), "admin": False,
                  "owner": False, "client": False, "employee": True, "time_zone": time_zone,
                  "company": {"id": 1033447817, "name": company},
                  "avatar_url": f"https://3.basecamp-static.com/{self.account_id}/people/{pid}"}
        self.people[pid] = person
        self.attachments[sgid] = {"person": pid}
        return person

    def add_project(self, name: str) -> int:
        pid = self.next_id()
        tools = {"message_board": "Message Board", "todoset": "To-dos", "chat": "Chat",
                 "schedule": "Schedule", "vault": "Docs & Files"}
        dock = [{"id": self.next_id(), "title": title, "name": tool, "enabled": True,
                 "position": n} for n, (tool, title) in enumerate(tools.items(), 1)]
        self.projects[pid] = {"id": pid, "status": "active", "name": name, "description": "",
                              "purpose": "topic", "created_at": self.now(),
                              "updated_at": self.now(), "dock": dock}
        self.lines[self.tool(pid, "chat")] = []
        return pid

    def tool(self, project: int, name: str) -> int:
        return int(next(t["id"] for t in self.projects[project]["dock"] if t["name"] == name))

    def add_webhook(self, project: int, payload_url: str, types: list[str] | None = None
                    ) -> Record:
        return self.hooks.add(project, payload_url, types)

    # -- acting as people --------------------------------------------------------------------

    async def post_message(self, project: int, person: Record, subject: str, content: str
                           ) -> Record:
        board = self.tool(project, "message_board")
        record = self.record("Message", project, person,
                             (board, "Message::Board", "Message Board"),
                             subject=subject, content=self.rich(content))
        await self.notify(record, "message_created", person)
        return record

    async def comment(self, recording_id: int, person: Record, content: str) -> Record:
        """A comment on any recording that takes them (a post, a to-do, a document…)."""
        parent = self.recordings[recording_id]
        record = self.record("Comment", parent["bucket"]["id"], person,
                             (parent["id"], parent["type"], parent["title"]),
                             content=self.rich(content))
        parent["comments_count"] = parent.get("comments_count", 0) + 1
        await self.notify(record, "comment_created", person)
        return record

    async def edit(self, recording_id: int, person: Record, *, content: str | None = None,
                   subject: str | None = None) -> Record:
        """Change a recording's text (`content`: a to-do's description) or its title
        (`subject`: a to-do's text, a list's name)."""
        record = self.recordings[recording_id]
        text_field = TEXT_FIELD.get(record["type"], "content")
        title_field = TITLE_FIELD.get(record["type"], "subject")
        if content is not None:
            record[text_field] = self.rich(content)
        if subject is not None:
            record[title_field] = record["title"] = subject
        record["updated_at"] = self.now()
        prefix = KIND_PREFIX[record["type"]]
        titled = subject is not None and content is None
        what = title_field if titled else text_field
        kind = (f"{prefix}_{what}_changed" if self.edit_kinds == "observed"
                else f"{prefix}_{'title' if titled else 'content'}_updated")
        await self.notify(record, kind, person)
        return record

    async def write_document(self, project: int, person: Record, title: str, content: str
                             ) -> Record:
        """A document in Docs & Files."""
        vault = self.tool(project, "vault")
        record = self.record("Document", project, person, (vault, "Vault", "Docs & Files"),
                             title=title, content=self.rich(content))
        await self.notify(record, "document_created", person)
        return record

    async def trash(self, recording_id: int, person: Record) -> None:
        record = self.recordings[recording_id]
        record["status"] = "trashed"
        record["updated_at"] = self.now()
        await self.notify(record, f"{KIND_PREFIX[record['type']]}_trashed", person)

    async def say(self, project: int, person: Record, text: str, *, rich: bool = False
                  ) -> Record:
        """A Campfire line: no webhook, as on Basecamp; the hub finds it by polling."""
        return self._line(self.tool(project, "chat"), person, text, rich=rich)

    async def upload(self, project: int, person: Record, filename: str, data: bytes,
                     content_type: str, description: str = "") -> Record:
        sgid = self._attachment(filename, data, content_type)
        record = self._upload(project, person, sgid, description, None)
        await self.notify(record, "upload_created", person)
        return record

    async def add_entry(self, project: int, person: Record, summary: str, starts_at: datetime,
                        ends_at: datetime, description: str = "") -> Record:
        record = self._entry(project, person, {"summary": summary,
                                               "starts_at": starts_at.isoformat(),
                                               "ends_at": ends_at.isoformat(),
                                               "description": description})
        await self.notify(record, "schedule_entry_created", person)
        return record

    def active(self, rtype: str, project: int) -> list[Record]:
        return [r for r in self.recordings.values() if r["type"] == rtype
                and r["bucket"]["id"] == project and r["status"] == "active"]

    async def quiet(self) -> None:
        """Wait until every webhook fired so far has been answered."""
        await self.hooks.quiet()

    async def notify(self, record: Record, kind: str, person: Record) -> None:
        await self.hooks.notify(record, kind, person)

    # -- recordings --------------------------------------------------------------------------

    def record(self, rtype: str, project: int, person: Record, parent: tuple[int, str, str],
               *, title: str | None = None, **fields: Any) -> Record:
        """A new recording of `rtype` under `parent` (id, type, title), as its GET shows it."""
        rid = self.next_id()
        stamp = self.now()
        path = TYPE_PATHS.get(rtype, "recordings")
        bucket = f"{self.api}/buckets/{project}"
        record: Record = {
            "id": rid, "status": "active", "visible_to_clients": False, "created_at": stamp,
            "updated_at": stamp, "title": title or fields.get("subject") or fields.get("summary")
            or fields.get("filename") or f"Re: {parent[2]}", "inherits_status": True,
            "type": rtype, "url": f"{bucket}/{path}/{rid}.json",
            "app_url": f"{bucket}/{path}/{rid}".replace("basecampapi", "basecamp"),
            "parent": {"id": parent[0], "title": parent[2], "type": parent[1],
                       "url": f"{bucket}/recordings/{parent[0]}.json"},
            "bucket": {"id": project, "name": self.projects[project]["name"],
                       "type": "Project"},
            "creator": dict(person), **fields,
        }
        if rtype in COMMENTABLE:
            record["comments_count"] = 0
            record["comments_url"] = f"{bucket}/recordings/{rid}/comments.json"
        self.recordings[rid] = record
        return record

    def _entry(self, project: int, person: Record, body: Mapping[str, Any]) -> Record:
        schedule = self.tool(project, "schedule")
        return self.record("Schedule::Entry", project, person, (schedule, "Schedule",
                                                                 "Schedule"),
                            summary=str(body["summary"]),
                            description=self.rich(str(body.get("description") or "")),
                            all_day=bool(body.get("all_day")),
                            starts_at=_iso(str(body["starts_at"])),
                            ends_at=_iso(str(body["ends_at"])), participants=[])

    def _upload(self, project: int, person: Record, sgid: str, description: str,
                base_name: str | None) -> Record:
        blob = self.attachments[sgid]
        filename = blob["filename"]
        if base_name:
            filename = base_name + (("." + filename.rsplit(".", 1)[1]) if "." in filename
                                    else "")
        vault = self.tool(project, "vault")
        record = self.record("Upload", project, person, (vault, "Vault", "Docs & Files"),
                              filename=filename, content_type=blob["content_type"],
                              byte_size=blob["byte_size"], description=self.rich(description))
        record["download_url"] = (f"{self.api}/buckets/{project}/uploads/{record['id']}/download/"
                                  f"{filename}")
        record["app_download_url"] = record["download_url"]
        self.blobs[f"upload-{record['id']}"] = (blob["data"], blob["content_type"])
        return record

    def _line(self, chat: int, person: Record, content: str, *, rich: bool) -> Record:
        project = next(p for p in self.projects if self.tool(p, "chat") == chat)
        line = self.record("Chat::Lines::RichText" if rich else "Chat::Lines::Text", project,
                            person, (chat, "Chat::Transcript", "Chat"),
                            content=self.rich(content) if rich else content)
        line["url"] = f"{self.api}/buckets/{project}/chats/{chat}/lines/{line['id']}.json"
        del self.recordings[line["id"]]  # lines are not in /projects/recordings.json
        self.lines[chat].append(line)
        return line

    def _attachment(self, filename: str, data: bytes, content_type: str) -> str:
        key = hashlib.sha1(data + filename.encode(), usedforsecurity=False).hexdigest()
        aid = self.next_id()
        sgid = _sgid(f"gid://bc3/Attachment/{aid}?expires_in")
        self.blobs[key] = (data, content_type)
        self.attachments[sgid] = {
            "id": aid, "attachable_sgid": sgid, "sgid": sgid, "filename": filename,
            "content_type": content_type, "byte_size": len(data), "key": key, "data": data,
            "download_url": f"{self.api}/blobs/{key}/download/{filename}"}
        return sgid

    def rich(self, text: str) -> str:
        """What Basecamp stores: allowed tags only, attachments and mentions expanded."""
        def strip(match: re.Match[str]) -> str:
            return match.group(0) if match.group(1).lower() in ALLOWED else ""

        def expand(match: re.Match[str]) -> str:
            sgid = match.group(1)
            found = self.attachments.get(sgid)
            if found is None:
                return ""  # an unknown sgid is dropped, as Basecamp does
            if "person" in found:
                name = self.people[found["person"]]["name"].split()[0]
                return (f'<bc-attachment sgid="{sgid}" content-type="application/vnd.basecamp.'
                        f'mention"><figure><img class="avatar" src="x"><figcaption>'
                        f"{html.escape(name)}</figcaption></figure></bc-attachment>")
            return (f'<bc-attachment sgid="{sgid}" content-type="{found["content_type"]}" '
                    f'href="{found["download_url"]}" filename="{html.escape(found["filename"])}" '
                    f'filesize="{found["byte_size"]}" previewable="false"><figure><figcaption>'
                    f'{html.escape(found["filename"])}</figcaption></figure></bc-attachment>')

        kept = _TAG.sub(strip, text)
        return _ATTACHMENT.sub(expand, kept)

    def mentioned(self, record: Record) -> list[Record]:
        """The people a recording's text mentions (its `bc-attachment`s of a person's sgid),
        in order: what Basecamp notifies."""
        text = str(record.get(TEXT_FIELD.get(record["type"], "content")) or "")
        return [self.people[found["person"]] for sgid in _ATTACHMENT.findall(text)
                if "person" in (found := self.attachments.get(sgid, {}))]

    def _files_in(self, text: str) -> list[Record]:
        return [{k: v for k, v in self.attachments[s].items() if k not in ("data", "key")}
                for s in _ATTACHMENT.findall(text or "") if "filename" in
                self.attachments.get(s, {})]

    def show(self, record: Record) -> Record:
        """A recording as its GET endpoint shows it, with the `*_attachments` arrays."""
        shown = {k: v for k, v in record.items()}
        rich = ("description",) if shown["type"] in TITLE_FIELD else ("content", "description")
        for field in rich:
            if field in shown and not shown["type"].startswith("Chat::"):
                shown[f"{field}_attachments"] = self._files_in(shown[field])
        return shown

    # -- the HTTP API ------------------------------------------------------------------------

    def routes(self) -> list[Any]:
        account = "/{account:int}"
        table: list[tuple[str, str, Any]] = [
            # Before the generic `/{kind}/{id}.json` routes, which would take theirs.
            *self.hooks.routes(),
            *self.todos.routes(),
            ("GET", "/my/profile.json", self.r_profile),
            ("GET", "/projects.json", self.r_projects),
            ("GET", "/projects/recordings.json", self.r_recordings),
            ("GET", "/projects/{id:int}.json", self.r_project),
            ("GET", "/people.json", self.r_people),
            ("GET", "/people/{id:int}.json", self.r_person),
            ("POST", "/message_boards/{id:int}/messages.json", self.r_create_message),
            ("GET", "/message_boards/{id:int}/messages.json", self.r_messages),
            ("GET", "/recordings/{id:int}/comments.json", self.r_comments),
            ("GET", "/{kind:str}/{id:int}.json", self.r_get),
            ("PUT", "/{kind:str}/{id:int}.json", self.r_update),
            ("POST", "/recordings/{id:int}/comments.json", self.r_create_comment),
            ("PUT", "/recordings/{id:int}/status/trashed.json", self.r_trash),
            ("GET", "/chats/{id:int}/lines.json", self.r_lines),
            ("POST", "/chats/{id:int}/lines.json", self.r_create_line),
            ("DELETE", "/chats/{chat:int}/lines/{id:int}.json", self.r_delete_line),
            ("POST", "/chats/{id:int}/uploads.json", self.r_chat_upload),
            ("POST", "/integrations/{key}/buckets/{project:int}/chats/{id:int}/lines.json",
             self.r_chatbot_line),
            ("POST", "/schedules/{id:int}/entries.json", self.r_create_entry),
            ("POST", "/attachments.json", self.r_create_attachment),
            ("POST", "/vaults/{id:int}/uploads.json", self.r_create_upload),
            ("GET", "/blobs/{key}/download/{name}", self.r_blob),
            ("GET", "/buckets/{project:int}/uploads/{id:int}/download/{name}", self.r_download),
        ]
        routes = [*self.consent.routes(),
                  Route("/authorization/token", self.r_token, methods=["POST"]),
                  Route("/authorization.json", self.r_authorization, methods=["GET"])]
        routes += [Route(account + path, self._guard(handler), methods=[method])
                   for method, path, handler in table]
        return routes

    def _guard(self, handler: Any) -> Any:
        async def guarded(request: Request) -> Response:
            agent = request.headers.get("user-agent", "")
            if not re.search(r"\(.*(@|https?://).*\)", agent):
                return _error(400, "User-Agent must name the app and a contact")
            if request.path_params.get("account") != self.account_id:
                return _error(404, "no such account")
            if self.inactive:
                return Response(status_code=404, headers={"Reason": "Account Inactive"})
            if (wait := self._throttle()) is not None:
                self.rate_limited += 1
                return JSONResponse({"status": 429, "error": "Too Many Requests"},
                                    status_code=429, headers={"Retry-After": str(wait)})
            chatbot = "key" in request.path_params
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if not chatbot and token not in self.tokens:
                return _error(401, "unauthorised")
            if not chatbot:
                self.last_bearer = token
            if request.method in ("POST", "PUT") and request.url.path.endswith(".json") and \
                    not request.url.path.endswith(("attachments.json", "uploads.json")) and \
                    not request.headers.get("content-type", "").startswith("application/json"):
                return _error(415, "send JSON")
            result: Response = await handler(request)
            return result
        return guarded

    def _throttle(self) -> int | None:
        """Seconds to wait when the rate limit is spent, else None (and the call counts)."""
        if self.rate_limit is None:
            return None
        limit, window = self.rate_limit
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < window]
        if len(self._recent) >= limit:
            return max(1, math.ceil(window - (now - self._recent[0])))
        self._recent.append(now)
        return None

    def page(self, request: Request, items: list[Record]) -> Response:
        page = max(1, int(request.query_params.get("page", "1")))
        start = sum(GEARS[min(n, len(GEARS) - 1)] for n in range(page - 1))
        size = GEARS[min(page - 1, len(GEARS) - 1)]
        chunk = items[start:start + size]
        headers = {"X-Total-Count": str(len(items))}
        if start + size < len(items):
            query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
            query.append(("page", str(page + 1)))
            url = str(request.url.replace(query="&".join(f"{k}={v}" for k, v in query)))
            headers["Link"] = f'<{url}>; rel="next"'
        return self.answer(request, chunk, headers=headers)

    def answer(self, request: Request, body: Any, status: int = 200,
              headers: Mapping[str, str] | None = None) -> Response:
        text = json.dumps(body)
        etag = 'W/"' + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest() + '"'
        if status == 200 and request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(text, status_code=status, media_type="application/json",
                        headers={"ETag": etag, **(headers or {})})

    async def r_token(self, request: Request) -> Response:
        # Launchpad reads its parameters from the query (its documented legacy form) or the body.
        form = {**dict(request.query_params), **dict(parse_qsl((await request.body()).decode()))}
        grant = form.get("grant_type") or {"web_server": "authorization_code",
                                           "refresh": "refresh_token"}.get(form.get("type", ""))
        if form.get("client_id") != self.client_id or \
                form.get("client_secret") != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if grant == "authorization_code" and self.consent.redeem(
                form.get("code"), form.get("client_id"), form.get("redirect_uri")):
            token = "sandbox-" + secrets.token_hex(8)
            self.refresh_token = "sandbox-refresh-" + secrets.token_hex(8)
            self.tokens.add(token)
            self.granted.append(token)
        elif grant == "refresh_token" and form.get("refresh_token") == self.refresh_token:
            token = "sandbox-" + secrets.token_hex(8)
            self.tokens = {token}  # the old token stops working, as an expired one would
        else:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse({"access_token": token, "token_type": "Bearer",
                             "expires_in": 1209600, "refresh_token": self.refresh_token})

    async def r_authorization(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return _error(401, "unauthorised")
        return JSONResponse({"expires_at": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
                             "identity": {"id": self.me["id"], "first_name": "Passerelle",
                                          "last_name": "Hub", "email_address": "hub@example.org"},
                             "accounts": [{"product": "bc3", "id": self.account_id,
                                           "name": "Sandbox", "href": self.api,
                                           "app_href": self.api}]})

    async def r_profile(self, request: Request) -> Response:
        return self.answer(request, self.me)

    async def r_projects(self, request: Request) -> Response:
        return self.page(request, sorted(self.projects.values(), key=lambda p: -p["id"]))

    async def r_project(self, request: Request) -> Response:
        found = self.projects.get(request.path_params["id"])
        return self.answer(request, found) if found else _error(404, "not found")

    async def r_people(self, request: Request) -> Response:
        return self.page(request, sorted(self.people.values(), key=lambda p: p["id"]))

    async def r_person(self, request: Request) -> Response:
        found = self.people.get(request.path_params["id"])
        return self.answer(request, found) if found else _error(404, "not found")

    async def r_recordings(self, request: Request) -> Response:
        query = request.query_params
        rtype = query.get("type")
        if rtype not in TYPE_PATHS:
            return _error(400, "type is required")
        buckets = {int(b) for b in query.get("bucket", "").split(",") if b.isdigit()}
        status = query.get("status", "active")
        field = query.get("sort", "created_at")
        found = [self.show(r) for r in self.recordings.values() if r["type"] == rtype
                 and r["status"] == status and (not buckets or r["bucket"]["id"] in buckets)]
        found.sort(key=lambda r: r[field], reverse=query.get("direction", "desc") == "desc")
        return self.page(request, found)

    def _find(self, request: Request) -> Record | None:
        record = self.recordings.get(request.path_params["id"])
        kind = request.path_params.get("kind")
        if record is None or (kind and TYPE_PATHS.get(record["type"]) != kind):
            return None
        return record

    async def r_get(self, request: Request) -> Response:
        record = self._find(request)
        return self.answer(request, self.show(record)) if record else _error(404, "not found")

    async def r_update(self, request: Request) -> Response:
        record = self._find(request)
        body = await _body(request)
        if record is None or body is None:
            return _error(404 if record is None else 400, "not found or not JSON")
        for field in ("subject", "content", "description", "summary", "all_day"):
            if field in body:
                value = body[field]
                record[field] = self.rich(value) if field in ("content", "description") \
                    else value
        for field in ("starts_at", "ends_at"):
            if field in body:
                record[field] = _iso(str(body[field]))
        record["title"] = record.get("subject") or record.get("summary") or record["title"]
        record["updated_at"] = self.now()
        await self.notify(record, f"{KIND_PREFIX[record['type']]}_content_changed"
                           if self.edit_kinds == "observed"
                           else f"{KIND_PREFIX[record['type']]}_content_updated", self.me)
        return self.answer(request, self.show(record))

    async def r_create_message(self, request: Request) -> Response:
        body = await _body(request)
        board = request.path_params["id"]
        project = next((p for p in self.projects if self.tool(p, "message_board") == board),
                       None)
        if project is None or body is None:
            return _error(404, "no such message board")
        if not body.get("subject") or body.get("status") != "active":
            return _error(400, "subject and status=active are required")
        record = self.record("Message", project, self.me, (board, "Message::Board",
                                                            "Message Board"),
                              subject=str(body["subject"]),
                              content=self.rich(str(body.get("content") or "")))
        record["subscriptions"] = body.get("subscriptions", "everyone")  # for the tests' eyes
        await self.notify(record, "message_created", self.me)
        return self.answer(request, self.show(record), status=201)

    async def r_messages(self, request: Request) -> Response:
        """A board's active posts; `sort` (created_at, updated_at) and `direction`."""
        board = request.path_params["id"]
        project = next((p for p in self.projects if self.tool(p, "message_board") == board),
                       None)
        if project is None:
            return _error(404, "no such message board")
        field = request.query_params.get("sort", "created_at")
        if field not in ("created_at", "updated_at"):
            return _error(400, "sort is created_at or updated_at")
        found = [self.show(r) for r in self.active("Message", project)
                 if r["parent"]["id"] == board]
        found.sort(key=lambda r: r[field],
                   reverse=request.query_params.get("direction", "desc") == "desc")
        return self.page(request, found)

    async def r_comments(self, request: Request) -> Response:
        """The active comments on a recording, oldest first, as a thread reads."""
        parent = self.recordings.get(request.path_params["id"])
        if parent is None:
            return _error(404, "not found")
        found = [self.show(r) for r in self.recordings.values() if r["type"] == "Comment"
                 and r["parent"]["id"] == parent["id"] and r["status"] == "active"]
        found.sort(key=lambda r: r["created_at"])
        return self.page(request, found)

    async def r_create_comment(self, request: Request) -> Response:
        body = await _body(request)
        parent = self.recordings.get(request.path_params["id"])
        if parent is None or body is None or not body.get("content"):
            return _error(404 if parent is None else 400, "no such recording or no content")
        record = self.record("Comment", parent["bucket"]["id"], self.me,
                              (parent["id"], parent["type"], parent["title"]),
                              content=self.rich(str(body["content"])))
        parent["comments_count"] = parent.get("comments_count", 0) + 1
        await self.notify(record, "comment_created", self.me)
        return self.answer(request, self.show(record), status=201)

    async def r_trash(self, request: Request) -> Response:
        record = self.recordings.get(request.path_params["id"])
        if record is None:
            return _error(404, "not found")
        record["status"] = "trashed"
        record["updated_at"] = self.now()
        await self.notify(record, f"{KIND_PREFIX[record['type']]}_trashed", self.me)
        return Response(status_code=204)

    async def r_lines(self, request: Request) -> Response:
        lines = self.lines.get(request.path_params["id"])
        if lines is None:
            return _error(404, "no such Campfire")
        return self.page(request, [line for line in reversed(lines)
                                    if line["status"] == "active"])

    async def r_create_line(self, request: Request) -> Response:
        body = await _body(request)
        chat = request.path_params["id"]
        if chat not in self.lines or body is None or not body.get("content"):
            return _error(404 if chat not in self.lines else 400, "no Campfire or no content")
        line = self._line(chat, self.me, str(body["content"]),
                          rich=body.get("content_type") == "text/html")
        return self.answer(request, line, status=201)

    async def r_chatbot_line(self, request: Request) -> Response:
        bot = self.chatbots.get(request.path_params["key"])
        body = await _body(request)
        chat = request.path_params["id"]
        if bot is None or chat not in self.lines or body is None:
            return _error(404, "not found")
        param = request.query_params.get("content_param", "content")
        self._line(chat, self.people[bot[0]], str(body.get(param, "")), rich=True)
        return Response(status_code=201)

    async def r_delete_line(self, request: Request) -> Response:
        lines = self.lines.get(request.path_params["chat"], [])
        line = next((x for x in lines if x["id"] == request.path_params["id"]), None)
        if line is None:
            return _error(404, "not found")
        lines.remove(line)
        return Response(status_code=204)

    async def r_chat_upload(self, request: Request) -> Response:
        chat = request.path_params["id"]
        name = request.query_params.get("name")
        if chat not in self.lines or not name:
            return _error(404 if chat not in self.lines else 400, "no Campfire or no name")
        data = await request.body()
        sgid = self._attachment(name, data, request.headers.get("content-type",
                                                                "application/octet-stream"))
        line = self._line(chat, self.me, "", rich=False)
        line["type"] = "Chat::Lines::Upload"
        found = self.attachments[sgid]
        line["attachments"] = [{"url": found["download_url"], "filename": name,
                                "content_type": found["content_type"],
                                "byte_size": len(data), "download_url": found["download_url"]}]
        return self.answer(request, line, status=201)

    async def r_create_entry(self, request: Request) -> Response:
        body = await _body(request)
        schedule = request.path_params["id"]
        project = next((p for p in self.projects if self.tool(p, "schedule") == schedule), None)
        if project is None or body is None:
            return _error(404, "no such schedule")
        if not all(body.get(k) for k in ("summary", "starts_at", "ends_at")):
            return _error(400, "summary, starts_at and ends_at are required")
        record = self._entry(project, self.me, body)
        await self.notify(record, "schedule_entry_created", self.me)
        return self.answer(request, self.show(record), status=201)

    async def r_create_attachment(self, request: Request) -> Response:
        name = request.query_params.get("name")
        if not name or not request.headers.get("content-length"):
            return _error(400, "name and Content-Length are required")
        data = await request.body()
        sgid = self._attachment(name, data, request.headers.get("content-type",
                                                                "application/octet-stream"))
        shown = {k: v for k, v in self.attachments[sgid].items() if k != "data"}
        return self.answer(request, shown, status=201)

    async def r_create_upload(self, request: Request) -> Response:
        body = await _body(request)
        vault = request.path_params["id"]
        project = next((p for p in self.projects if self.tool(p, "vault") == vault), None)
        if project is None or body is None or body.get("attachable_sgid") not in self.attachments:
            return _error(404 if project is None else 400, "no vault or unknown attachable_sgid")
        record = self._upload(project, self.me, str(body["attachable_sgid"]),
                              str(body.get("description") or ""), body.get("base_name"))
        await self.notify(record, "upload_created", self.me)
        return self.answer(request, self.show(record), status=201)

    async def r_blob(self, request: Request) -> Response:
        found = self.blobs.get(request.path_params["key"])
        if found is None:
            return _error(404, "not found")
        return Response(found[0], media_type=found[1])

    async def r_download(self, request: Request) -> Response:
        found = self.blobs.get(f"upload-{request.path_params['id']}")
        if found is None:
            return _error(404, "not found")
        return Response(found[0], media_type=found[1])


def _sgid(gid: str) -> str:
    raw = b'\x04\x08{\x06I"\x0b_rails\x06:\x06ET{\x07I"\x09data\x06;\x00TI"' + gid.encode()
    return base64.b64encode(raw).decode() + "--" + secrets.token_hex(20)


def _iso(value: str) -> str:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": status, "error": message}, status_code=status)


async def _body(request: Request) -> Record | None:
    try:
        value = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
