"""What the hub writes to a project's to-dos: a new to-do for an item from elsewhere, and its
edits. Comments on a to-do are made like any other comment (plugins.basecamp.outbound).

A new to-do goes to the endpoint's `todolist_id`, or else to the project's first to-do list.
Its text is the item's title (or first line), its description the whole item; nobody is
assigned or notified, so Basecamp's own notifications stay the team's choice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub import markup
from hub.connector import Outgoing, Receipt, Target
from hub.errors import PermanentError
from plugins.basecamp.client import made_id
from plugins.basecamp.journal import Journal

if TYPE_CHECKING:
    from plugins.basecamp.outbound import Publisher


class TodoList:
    """The to-do list one endpoint's new to-dos go to."""

    def __init__(self, publisher: Publisher, target: Target) -> None:
        self.publisher = publisher
        self.target = target

    async def add(self, outgoing: Outgoing, journal: Journal) -> Receipt:
        """A to-do made once, as far as Basecamp shows (a retry adopts an earlier one)."""
        client, publisher = self.publisher.client, self.publisher
        todolist = await self.list_id()
        text = outgoing.title or markup.first_line(outgoing.body) or outgoing.author
        description = await publisher.content(outgoing, self.target)

        async def todo() -> str:
            files = await publisher.attachments(outgoing.files)
            return made_id(await client.create_todo(todolist, {
                "content": text, "description": description + files, "notify": False}))

        async def find(since: datetime) -> str | None:
            return await publisher.adopter.todo(todolist, text, description, since)
        return Receipt(await journal.step("todo", todo, find))

    async def edit(self, native_id: str, text: str, description: str, outgoing: Outgoing
                   ) -> None:
        """New text and description; Basecamp clears whatever a PUT leaves out, so the
        to-do's dates, assignees and completion subscribers are sent back as they are."""
        client = self.publisher.client
        current = await client.recording("Todo", native_id)
        kept = await self.publisher.kept_files(current, "description", outgoing)
        await client.update_todo(native_id, {
            "content": text, "description": description + kept,
            "assignee_ids": _ids(current.get("assignees")),
            "completion_subscriber_ids": _ids(current.get("completion_subscribers")),
            "due_on": current.get("due_on"), "starts_on": current.get("starts_on"),
            "notify": False})

    async def list_id(self) -> str:
        """`todolist_id` of the endpoint's options, or the project's first to-do list."""
        chosen = self.target.options.get("todolist_id")
        if chosen:
            return str(chosen)
        project = self.target.address.id
        connector = self.publisher.connector
        lists = await self.publisher.client.todolists(await connector.tool(project, "todos"))
        if not lists:
            raise PermanentError(f"project {project} has no to-do list for new to-dos: make "
                                 "one in Basecamp, or name one with the endpoint's "
                                 "options.todolist_id", connection=connector.connection)
        return str(lists[0]["id"])


def _ids(people: Any) -> list[Any]:
    if not isinstance(people, list):
        return []
    return [person["id"] for person in people if isinstance(person, dict) and "id" in person]
