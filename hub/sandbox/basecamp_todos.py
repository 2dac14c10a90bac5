"""The sandbox Basecamp's to-dos: each project's to-do set, its lists, their to-dos, completion.

Shapes and rules as bc3-api documents them (`todosets.md`, `todolists.md`, `todos.md`, snapshot
8b2e2447): `GET /todosets/{id}.json` names its lists; `GET /todosets/{id}/todolists.json`;
`GET /todolists/{id}/todos.json` lists pending to-dos only (`completed=true`: the done ones);
`POST /todolists/{id}/todos.json` needs `content`; `PUT /todos/{id}.json` clears every field it
is not given; `POST` and `DELETE /todos/{id}/completion.json` complete and reopen (204). A done
to-do carries its `completion` (when, by whom). Webhook kinds are the ones Basecamp was seen
sending: `todo_created`, `todo_completed`, `todo_uncompleted`, `todo_content_changed`,
`todo_description_changed`, `todo_due_on_changed`, `todo_assignment_changed`,
`todolist_created`. Act as people with `add_list`, `add`, `complete`, `uncomplete`, `change`;
comment on a to-do with the emulator's `comment`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from hub.sandbox.base import json_error, read_json

if TYPE_CHECKING:
    from hub.sandbox.basecamp import BasecampEmulator

Record = dict[str, Any]


class TodoTool:
    """The to-dos of every project of one sandbox account."""

    def __init__(self, world: BasecampEmulator) -> None:
        self.world = world

    # -- acting as people --------------------------------------------------------------------

    async def add_list(self, project: int, person: Record, name: str, description: str = ""
                       ) -> Record:
        world = self.world
        todoset = world.tool(project, "todoset")
        record = world.record("Todolist", project, person, (todoset, "Todoset", "To-dos"),
                              title=name, name=name, description=world.rich(description),
                              completed=False)
        base = record["url"].removesuffix(".json")
        record["todos_url"] = f"{base}/todos.json"
        record["groups_url"] = f"{base}/groups.json"
        await world.notify(record, "todolist_created", person)
        return record

    async def add(self, todolist: int, person: Record, content: str, description: str = "", *,
                  due_on: str | None = None, starts_on: str | None = None,
                  assignees: Iterable[int] = ()) -> Record:
        record = self._todo(todolist, person, {
            "content": content, "description": description, "due_on": due_on,
            "starts_on": starts_on, "assignee_ids": list(assignees)})
        await self.world.notify(record, "todo_created", person)
        return record

    async def complete(self, todo: int, person: Record) -> None:
        record = self.world.recordings[todo]
        if record["completed"]:
            return
        stamp = self.world.now()
        record.update(completed=True, completion={"created_at": stamp, "creator": dict(person)},
                      updated_at=self.world.now())
        await self.world.notify(record, "todo_completed", person)

    async def uncomplete(self, todo: int, person: Record) -> None:
        record = self.world.recordings[todo]
        if not record["completed"]:
            return
        record["completed"] = False
        record.pop("completion", None)
        record["updated_at"] = self.world.now()
        await self.world.notify(record, "todo_uncompleted", person)

    async def change(self, todo: int, person: Record, *, due_on: str | None = None,
                     assignees: Iterable[int] | None = None) -> Record:
        """A new due date (`todo_due_on_changed`) or new assignees
        (`todo_assignment_changed`)."""
        record = self.world.recordings[todo]
        kinds = []
        if due_on is not None:
            record["due_on"] = due_on
            kinds.append("todo_due_on_changed")
        if assignees is not None:
            record["assignees"] = self._people(assignees)
            kinds.append("todo_assignment_changed")
        record["updated_at"] = self.world.now()
        for kind in kinds:
            await self.world.notify(record, kind, person)
        return record

    # -- recordings --------------------------------------------------------------------------

    def _todo(self, todolist: int, person: Record, body: Mapping[str, Any]) -> Record:
        world = self.world
        parent = world.recordings[todolist]
        content = str(body["content"])
        record = world.record(
            "Todo", parent["bucket"]["id"], person, (parent["id"], "Todolist", parent["title"]),
            title=content, description=world.rich(str(body.get("description") or "")),
            completed=False, content=content, starts_on=body.get("starts_on"),
            due_on=body.get("due_on"), assignees=self._people(body.get("assignee_ids")),
            completion_subscribers=self._people(body.get("completion_subscriber_ids")))
        record["completion_url"] = f"{world.api}/todos/{record['id']}/completion.json"
        return record

    def _people(self, ids: Any) -> list[Record]:
        people = self.world.people
        return [dict(people[int(i)]) for i in ids or () if str(i).isdigit()
                and int(i) in people]

    def _lists(self, project: int) -> list[Record]:
        return [r for r in self.world.active("Todolist", project)
                if r["parent"]["type"] == "Todoset"]

    def _project_of(self, todoset: int) -> int | None:
        world = self.world
        return next((p for p in world.projects if world.tool(p, "todoset") == todoset), None)

    # -- the HTTP API ------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", "/todosets/{id:int}.json", self.r_todoset),
            ("GET", "/todosets/{id:int}/todolists.json", self.r_todolists),
            ("GET", "/todolists/{id:int}/todos.json", self.r_todos),
            ("POST", "/todolists/{id:int}/todos.json", self.r_create_todo),
            ("PUT", "/todos/{id:int}.json", self.r_update_todo),
            ("POST", "/todos/{id:int}/completion.json", self.r_completion),
            ("DELETE", "/todos/{id:int}/completion.json", self.r_completion),
        ]

    async def r_todoset(self, request: Request) -> Response:
        todoset = request.path_params["id"]
        project = self._project_of(todoset)
        if project is None:
            return _error(404, "not found")
        world = self.world
        lists = self._lists(project)
        shown = {"id": todoset, "status": "active", "title": "To-dos", "name": "To-dos",
                 "type": "Todoset", "url": f"{world.api}/buckets/{project}/todosets/"
                 f"{todoset}.json", "bucket": {"id": project, "type": "Project",
                                               "name": world.projects[project]["name"]},
                 "todolists_count": len(lists),
                 "todolists_url": f"{world.api}/buckets/{project}/todosets/{todoset}/"
                 "todolists.json",
                 "todolists": [{"id": r["id"], "title": r["title"],
                                "description": r["description"] or None,
                                "completed": r["completed"], "url": r["url"],
                                "app_url": r["app_url"]} for r in lists]}
        return world.answer(request, shown)

    async def r_todolists(self, request: Request) -> Response:
        project = self._project_of(request.path_params["id"])
        if project is None:
            return _error(404, "not found")
        return self.world.page(request, [self.world.show(r) for r in self._lists(project)])

    async def r_todos(self, request: Request) -> Response:
        """A list's to-dos: active and pending unless `status` or `completed` say otherwise."""
        todolist = self.world.recordings.get(request.path_params["id"])
        if todolist is None or todolist["type"] != "Todolist":
            return _error(404, "not found")
        query = request.query_params
        status = query.get("status", "active")
        done = query.get("completed") == "true"
        found = [self.world.show(r) for r in self.world.recordings.values()
                 if r["type"] == "Todo" and r["parent"]["id"] == todolist["id"]
                 and r["status"] == status and (status != "active" or r["completed"] == done)]
        return self.world.page(request, found)

    async def r_create_todo(self, request: Request) -> Response:
        todolist = self.world.recordings.get(request.path_params["id"])
        body = await read_json(request)
        if todolist is None or todolist["type"] != "Todolist":
            return _error(404, "no such to-do list")
        if not isinstance(body, dict) or not str(body.get("content") or "").strip():
            return _error(400, "content is required")
        record = self._todo(todolist["id"], self.world.me, body)
        await self.world.notify(record, "todo_created", self.world.me)
        return self.world.answer(request, self.world.show(record), status=201)

    async def r_update_todo(self, request: Request) -> Response:
        """Everything the body leaves out is cleared, as Basecamp documents."""
        world = self.world
        record = world.recordings.get(request.path_params["id"])
        body = await read_json(request)
        if record is None or record["type"] != "Todo":
            return _error(404, "not found")
        if not isinstance(body, dict) or not str(body.get("content") or "").strip():
            return _error(400, "content is required")
        before = {k: record.get(k) for k in ("content", "description", "due_on", "assignees")}
        record.update(content=str(body["content"]), title=str(body["content"]),
                      description=world.rich(str(body.get("description") or "")),
                      due_on=body.get("due_on"), starts_on=body.get("starts_on"),
                      assignees=self._people(body.get("assignee_ids")),
                      completion_subscribers=self._people(body.get("completion_subscriber_ids")),
                      updated_at=world.now())
        changed = [k for k, v in before.items() if record.get(k) != v]
        if changed:
            what = {"content": "content", "description": "description", "due_on": "due_on",
                    "assignees": "assignment"}[changed[0]]
            await world.notify(record, f"todo_{what}_changed" if world.edit_kinds == "observed"
                               else "todo_content_updated", world.me)
        return world.answer(request, world.show(record))

    async def r_completion(self, request: Request) -> Response:
        record = self.world.recordings.get(request.path_params["id"])
        if record is None or record["type"] != "Todo":
            return _error(404, "not found")
        if request.method == "POST":
            await self.complete(record["id"], self.world.me)
        else:
            await self.uncomplete(record["id"], self.world.me)
        return Response(status_code=204)


def _error(status: int, message: str) -> Response:
    return json_error(status, {"status": status, "error": message})
