"""The Basecamp sandbox's to-dos answer in Basecamp's shapes (those of the copied payloads), and
the connector reads and writes them over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.connector import Address, Form
from hub.errors import PermanentError
from hub.events import Kind
from hub.sandbox.base import serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from tests.plugins.basecamp.conftest import load
from tests.plugins.basecamp.helpers import outgoing, target
from tests.plugins.basecamp.test_sandbox import connect

# What the docs' answers have that the hub neither reads nor the sandbox keeps.
UNUSED = {"bookmark_url", "boosts_count", "boosts_url", "subscription_url", "position", "color",
          "completed_ratio", "app_todos_url", "comments_app_url"}


@pytest.fixture
async def sandbox() -> AsyncIterator[BasecampEmulator]:
    emulator = BasecampEmulator()
    async with serve_emulator(emulator) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def get(sandbox: BasecampEmulator, http: httpx.AsyncClient, path: str) -> Any:
    response = await http.get(f"{sandbox.api}/{path}", headers={
        "Authorization": "Bearer sandbox-access", "User-Agent": "Tests (ops@example.org)"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_todos_lists_and_events_have_basecamps_shapes(sandbox: BasecampEmulator,
                                                            http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    ana = sandbox.add_person("Ana Souza", "ana@example.org")
    todolist = await sandbox.todos.add_list(project, ana, "Summit")
    todo = await sandbox.todos.add(todolist["id"], ana, "Book the venue", assignees=[ana["id"]])
    await sandbox.todos.complete(todo["id"], ana)

    shown = await get(sandbox, http, f"todos/{todo['id']}.json")
    assert set(load("todo_get.json")) - UNUSED <= set(shown)
    assert shown["completion"]["creator"]["id"] == ana["id"]
    assert set(load("todolist_get.json")) - UNUSED - {"groups_url", "todos_url"} <= set(
        await get(sandbox, http, f"todolists/{todolist['id']}.json"))
    todoset = await get(sandbox, http, f"todosets/{sandbox.tool(project, 'todoset')}.json")
    assert [t["id"] for t in todoset["todolists"]] == [todolist["id"]]
    events = await get(sandbox, http, f"recordings/{todo['id']}/events.json")
    assert [e["action"] for e in events] == ["completed", "created"]  # newest first
    assert set(load("recording_events.json")[0]) - UNUSED <= set(events[0])
    # Pending to-dos only, unless asked for the done ones.
    assert await get(sandbox, http, f"todolists/{todolist['id']}/todos.json") == []
    assert len(await get(sandbox, http, f"todolists/{todolist['id']}/todos.json?completed=true")
               ) == 1


async def test_webhooks_carry_only_the_generic_block(sandbox: BasecampEmulator) -> None:
    project = sandbox.add_project("Lisbon")
    sandbox.add_webhook(project, "http://127.0.0.1:9/unused", ["Todo"])
    sandbox.webhook_attempts = 0  # nothing listens: fire, do not deliver
    todolist = await sandbox.todos.add_list(project, sandbox.me, "Summit")
    todo = await sandbox.todos.add(todolist["id"], sandbox.me, "Book the venue",
                                   "<div>soon</div>")
    await sandbox.todos.complete(todo["id"], sandbox.me)
    created, completed = sandbox.fired  # the list's hook takes Todo only
    real = load("webhook_todo_completed.json")
    assert (created["kind"], completed["kind"]) == ("todo_created", "todo_completed")
    assert set(real) == set(completed)
    assert set(real["recording"]) <= set(completed["recording"])
    assert not {"completed", "description", "assignees"} & set(completed["recording"])
    assert completed["recording"]["content"] == "Book the venue"
    # The delivery is the recording's event, under the same id.
    assert sandbox.hooks.history[todo["id"]][-1]["id"] == completed["id"]


async def test_the_connector_adds_a_todo_to_the_first_list_and_comments_on_it(
        sandbox: BasecampEmulator, http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    first = await sandbox.todos.add_list(project, sandbox.me, "Inbox")
    await sandbox.todos.add_list(project, sandbox.me, "Later")
    connector = connect(sandbox, http)
    where = target("todos", str(project))
    receipt = await connector.send(outgoing(body="Call the mayor\nabout the square"), where)
    made = sandbox.recordings[int(receipt.native_id)]
    assert made["type"] == "Todo" and made["parent"]["id"] == first["id"]
    assert made["content"] == "Call the mayor" and "about the square" in made["description"]

    comment = await connector.send(outgoing(Form.COMMENT, body="Done by phone",
                                            reply_to=receipt.native_id), where)
    assert sandbox.recordings[int(comment.native_id)]["parent"]["id"] == made["id"]
    chosen = target("todos", str(project), todolist_id=first["id"])
    again = await connector.send(outgoing(body="Book the bus"), chosen)
    assert sandbox.recordings[int(again.native_id)]["parent"]["id"] == first["id"]


async def test_a_project_without_lists_says_what_to_do(sandbox: BasecampEmulator,
                                                      http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    with pytest.raises(PermanentError, match="no to-do list"):
        await connect(sandbox, http).send(outgoing(body="Call"), target("todos", str(project)))


async def test_polling_reads_todos_and_their_comments(sandbox: BasecampEmulator,
                                                      http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    ana = sandbox.add_person("Ana Souza", "ana@example.org")
    todolist = await sandbox.todos.add_list(project, ana, "Summit")
    todo = await sandbox.todos.add(todolist["id"], ana, "Book the venue")
    await sandbox.comment(todo["id"], ana, "<div>on it</div>")
    result = await connect(sandbox, http).poll(Address("bc", "todos", str(project)), None)
    assert [(e.kind, e.title, e.parent.native_id if e.parent else None)
            for e in result.events] == [
        (Kind.MESSAGE_CREATED, "Summit", None), (Kind.MESSAGE_CREATED, "Book the venue", None),
        (Kind.MESSAGE_CREATED, None, str(todo["id"]))]
