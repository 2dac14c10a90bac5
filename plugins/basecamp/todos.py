"""How a Basecamp to-do and a to-do list read as a titled post. Pure: no I/O, no clock.

A to-do's title is what it says to do; its body opens with whether it is done, then where it
is (its list), when it is due and who it is assigned to, then its description. Completing and
reopening are edits of that body.

Each completion and each reopening needs a revision of its own, or a to-do completed,
reopened, completed and reopened again would repeat an earlier revision and the store would
drop the last change. A completed to-do carries the moment it was completed; an open one
carries nothing about its past, so the last completion its recording events show
(`GET /recordings/{id}/events.json`, read by the connector) stands for the reopening.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub import markup

TODO, TODOLIST = "Todo", "Todolist"
COMPLETED, UNCOMPLETED = "todo_completed", "todo_uncompleted"


@dataclass(frozen=True, slots=True)
class State:
    """Whether a to-do is done, as a line for people and a mark for its revision."""

    line: str  # canonical markup, or "" for a to-do that was never completed
    mark: str  # beyond the words: which completion or reopening this is


def title_of(recording: Mapping[str, Any]) -> str | None:
    """A to-do's text or a list's name (a webhook's generic block has only `title`)."""
    field = "content" if recording.get("type") == TODO else "name"
    value = recording.get(field) or recording.get("title")
    return str(value).strip() if value else None


def state_of(todo: Mapping[str, Any], last_completed: str | None = None,
             kind: str | None = None) -> State:
    """Done (by whom, since when), open again (after which completion), or simply open.

    `kind` is the webhook's: a generic block has no `completed`, so `todo_completed` and
    `todo_uncompleted` then say what the to-do became.
    """
    completed = todo.get("completed")
    if not isinstance(completed, bool):
        if kind not in (COMPLETED, UNCOMPLETED):
            return State("", "")
        completed = kind == COMPLETED
        if not completed:
            last_completed = last_completed or "before"
    if completed:
        completion = todo.get("completion")
        completion = completion if isinstance(completion, Mapping) else {}
        person = completion.get("creator")
        who = person.get("name") if isinstance(person, Mapping) else None
        line = "✅ **Done**" + (f" by {markup.escape(str(who))}" if who else "")
        return State(line, f"done@{completion.get('created_at') or ''}")
    if last_completed:
        return State("**Open again**", f"open@{last_completed}")
    return State("", "")


def lead(recording: Mapping[str, Any], state: State) -> list[str]:
    """The canonical lines a to-do's or a list's description follows."""
    parent = recording.get("parent")
    parent = parent if isinstance(parent, Mapping) else {}
    where = str(parent.get("title") or "").strip()
    if recording.get("type") == TODOLIST:
        if parent.get("type") == TODOLIST and where:
            return [f"To-do list group in {markup.escape(where)}"]
        return ["To-do list"]
    facts = [f"To-do in {markup.escape(where)}" if where else "To-do"]
    starts, due = recording.get("starts_on"), recording.get("due_on")
    if starts:
        facts.append(f"starts {markup.escape(str(starts))}")
    if due:
        facts.append(f"due {markup.escape(str(due))}")
    names = _names(recording.get("assignees"))
    if names:
        facts.append("assigned to " + ", ".join(markup.escape(n) for n in names))
    return [line for line in (state.line, " · ".join(facts)) if line]


def _names(people: Any) -> list[str]:
    if not isinstance(people, list):
        return []
    return [str(p.get("name") or p.get("email_address") or p.get("id"))
            for p in people if isinstance(p, Mapping) and p.get("id") is not None]


def last_completion(events: Iterable[Mapping[str, Any]]) -> str | None:
    """When the newest completion among a recording's events happened (and which it was), or
    None when it was never completed."""
    found = [(str(e.get("created_at") or ""), str(e.get("id") or "")) for e in events
             if isinstance(e, Mapping) and e.get("action") == "completed"]
    if not found:
        return None
    at, event_id = max(found)
    return f"{at}#{event_id}"


def needs_history(recording: Mapping[str, Any]) -> bool:
    """Whether telling this to-do's state needs its events: open, and changed since made (a
    reopening leaves no other trace on the to-do)."""
    return (recording.get("type") == TODO and recording.get("status") == "active"
            and recording.get("completed") is False
            and recording.get("updated_at") != recording.get("created_at"))
