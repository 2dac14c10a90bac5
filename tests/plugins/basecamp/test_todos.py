"""To-dos, to-do lists, documents and the comments on them, on real payloads: Basecamp's own
webhook deliveries (captured by Zulip in 2017) and the bc3-api documentation's answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.events import Event, Kind
from plugins.basecamp import mapping, todos
from plugins.basecamp.mapping import parse_payload
from tests.plugins.basecamp.conftest import load

CONN = "network-basecamp"


def one(payload: Any) -> Event:
    [event] = parse_payload(payload, CONN)
    assert Event.model_validate_json(event.model_dump_json()) == event
    return event


def test_a_new_todo_is_a_titled_post_in_its_project_todos() -> None:
    event = one(load("webhook_todo_created.json"))
    assert event.kind is Kind.MESSAGE_CREATED
    assert (event.source.endpoint, event.source.native_id) == ("todos/2957043", "427055624")
    assert event.title == "New task"
    assert event.body == "To-do in NEW Name TO DO LIST"
    assert event.parent is None and event.revision == ""
    assert event.actor.name == "Tomasz"


def test_a_comment_on_a_todo_hangs_under_the_todo() -> None:
    event = one(load("webhook_comment_created_on_todo.json"))
    assert event.kind is Kind.MESSAGE_CREATED
    assert (event.source.endpoint, event.source.native_id) == ("todos/2957043", "427058780")
    assert event.parent is not None
    assert (event.parent.endpoint, event.parent.native_id) == ("todos/2957043", "427055624")
    assert event.title is None and event.body == "Comment"


@pytest.mark.parametrize(("name", "says"), [
    ("webhook_todo_completed.json", "✅ **Done**\n\nTo-do in NEW Name TO DO LIST"),
    ("webhook_todo_uncompleted.json", "**Open again**\n\nTo-do in NEW Name TO DO LIST"),
])
def test_completing_and_reopening_are_updates_saying_so(name: str, says: str) -> None:
    event = one(load(name))
    assert event.kind is Kind.MESSAGE_UPDATED
    assert event.source.native_id == "427055624"
    assert event.title == "New task" and event.body == says
    assert event.revision


def test_completing_reopening_and_editing_are_three_revisions() -> None:
    revisions = {one(load(name)).revision for name in (
        "webhook_todo_completed.json", "webhook_todo_uncompleted.json",
        "webhook_todo_due_on_changed.json")}
    assert len(revisions) == 3


def test_a_fetched_completed_todo_says_who_did_it_and_what_it_is() -> None:
    todo = load("todo_get.json")
    [event] = mapping.webhook_events(load("webhook_todo_completed.json"), CONN, todo)
    assert event.kind is Kind.MESSAGE_UPDATED
    assert event.source.endpoint == "todos/2085958504"
    assert event.title == "Clear and simple UI"
    assert event.body == ("✅ **Done** by Sharon Bradford\n\n"
                          "To-do in Strategy ideas · assigned to Sharon Bradford")
    assert event.actor.name == "Tomasz"  # who the webhook says completed it


def test_due_dates_assignees_and_description_are_told() -> None:
    todo = load("todos_list.json")[0]
    todo.update(starts_on="2026-05-01", due_on="2026-05-04", description="<div>Bring <em>"
                "maps</em></div>", assignees=[load("todo_get.json")["assignees"][0]])
    event = one(todo)
    assert event.body == ("To-do in Strategy ideas · starts 2026-05-01 · due 2026-05-04 · "
                          "assigned to Sharon Bradford\n\nBring _maps_")


def test_each_completion_and_reopening_is_a_revision_of_its_own() -> None:
    todo = load("todo_get.json")  # made on 2026-01-27, completed on 2026-02-26
    since = datetime(2026, 2, 1, tzinfo=UTC)
    [done] = mapping.polled_events(todo, CONN, since)
    assert done.kind is Kind.MESSAGE_UPDATED
    assert done.actor.name == "Sharon Bradford"  # the poll tells it as the completer's
    todo["completion"] = dict(todo["completion"], created_at="2026-03-02T10:00:00.000Z")
    [done_again] = mapping.polled_events(todo, CONN, since)
    assert done_again.body == done.body and done_again.revision != done.revision

    reopened = dict(todo, completed=False)
    del reopened["completion"]
    first = todos.last_completion(load("recording_events.json"))
    assert first == "2026-02-07T17:43:00.000Z#1071915469"
    [open_again] = mapping.polled_events(reopened, CONN, since, last_completed=first)
    assert open_again.body.startswith("**Open again**")
    [open_later] = mapping.polled_events(reopened, CONN, since,
                                         last_completed="2026-03-02T10:00:00.000Z#9")
    assert open_later.body == open_again.body
    assert len({done.revision, done_again.revision, open_again.revision,
                open_later.revision}) == 4
    # The webhook, having read the same events, names the same revision as the poll.
    [hooked] = mapping.webhook_events(load("webhook_todo_uncompleted.json"), CONN, reopened,
                                      last_completed=first)
    assert hooked.revision == open_again.revision


def test_an_open_todo_never_completed_has_no_state_line() -> None:
    [event] = parse_payload(load("todos_list.json"), CONN)
    assert event.body == "To-do in Strategy ideas"
    assert todos.last_completion([e for e in load("recording_events.json")
                                  if e["action"] != "completed"]) is None


@pytest.mark.parametrize(("todo", "needs"), [
    ({"type": "Todo", "status": "active", "completed": False, "created_at": "a",
      "updated_at": "b"}, True),
    ({"type": "Todo", "status": "active", "completed": False, "created_at": "a",
      "updated_at": "a"}, False),  # untouched since made
    ({"type": "Todo", "status": "active", "completed": True, "created_at": "a",
      "updated_at": "b"}, False),  # its completion says it all
    ({"type": "Todo", "status": "trashed", "completed": False, "created_at": "a",
      "updated_at": "b"}, False),
    ({"type": "Todolist", "status": "active", "completed": False, "created_at": "a",
      "updated_at": "b"}, False),
])
def test_only_open_changed_todos_need_their_events_read(todo: dict[str, Any],
                                                        needs: bool) -> None:
    assert todos.needs_history(todo) is needs


def test_a_todo_list_is_a_titled_post_too() -> None:
    event = one(load("webhook_todolist_created.json"))
    assert (event.kind, event.source.endpoint) == (Kind.MESSAGE_CREATED, "todos/2957043")
    assert (event.title, event.body) == ("NEW TO DO LIST", "To-do list")
    fetched = one(load("todolist_get.json"))
    assert (fetched.title, fetched.body) == ("Background and research", "To-do list")
    group = load("todolist_get.json")  # a group is a list whose parent is a list
    group["parent"] = dict(group["parent"], type="Todolist", title="Ping pong tournament")
    assert one(group).body == "To-do list group in Ping pong tournament"


def test_a_todo_set_and_a_project_are_not_items() -> None:
    assert parse_payload(load("todoset_get.json"), CONN) == []


def test_a_document_is_a_titled_post_in_docs_and_files() -> None:
    event = one(load("webhook_document_created.json"))
    assert (event.kind, event.source.endpoint) == (Kind.MESSAGE_CREATED, "files/2957043")
    assert (event.title, event.body) == ("new doc", "content")
    fetched = one(load("document_get.json"))
    assert fetched.title == "Project Tool Tips"
    assert "**To-dos**" in fetched.body


@pytest.mark.parametrize(("parent", "endpoint"), [
    ("Todo", "todos"), ("Todolist", "todos"), ("Document", "files"), ("Upload", "files"),
    ("Schedule::Entry", "calendar"), ("Message", "board"),
])
def test_a_comment_lives_where_what_it_comments_on_lives(parent: str, endpoint: str) -> None:
    comment = load("webhook_comment_created_on_todo.json")
    comment["recording"]["parent"]["type"] = parent
    event = one(comment)
    assert event.parent is not None
    assert event.source.endpoint == event.parent.endpoint == f"{endpoint}/2957043"


def test_a_todo_trashed_is_deleted() -> None:
    trashed = load("webhook_todo_created.json")
    trashed["kind"] = "todo_trashed"
    event = one(trashed)
    assert event.kind is Kind.MESSAGE_DELETED and event.body == ""
