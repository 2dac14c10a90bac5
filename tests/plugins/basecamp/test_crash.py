"""No second copy after a lost answer: the connector against the Basecamp sandbox over loopback.

`Fault(drop=True)` lets the sandbox make the item and then closes the connection without an
answer, as a hub killed between Basecamp's answer and its own record would leave it. The retry
carries `uncertain=True`, as the hub's delivery worker sets it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hub.connector import Form, LocalFile, MemoryStateBox, Outgoing
from hub.errors import TransientError
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from plugins.basecamp.connector import BasecampConnector
from plugins.basecamp.journal import PREFIX, Journal
from plugins.basecamp.settings import BasecampSettings
from tests.plugins.basecamp.helpers import outgoing, target


@pytest.fixture
async def sandbox() -> AsyncIterator[BasecampEmulator]:
    async with serve_emulator(BasecampEmulator()) as running:
        yield running


@pytest.fixture
async def state() -> MemoryStateBox:
    return MemoryStateBox()


@pytest.fixture
async def connector(sandbox: BasecampEmulator, state: MemoryStateBox
                    ) -> AsyncIterator[BasecampConnector]:
    settings = BasecampSettings.model_validate(sandbox.connection())
    async with httpx.AsyncClient(timeout=10) as http:
        yield BasecampConnector("network-basecamp", settings, http, state)


def retried(first: Outgoing) -> Outgoing:
    return replace(first, uncertain=True)


def text_file(tmp_path: Path, name: str = "agenda.txt") -> LocalFile:
    path = tmp_path / name
    path.write_bytes(b"bench-000446 file bytes\n" * 8)
    return LocalFile(path=path, name=name, mime_type="text/plain", size=path.stat().st_size)


def active_lines(sandbox: BasecampEmulator, project: int) -> list[dict[str, object]]:
    return [line for line in sandbox.lines[sandbox.tool(project, "chat")]
            if line["status"] == "active"]


async def test_a_line_whose_answer_was_lost_is_adopted_not_posted_again(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    project = sandbox.add_project("Cities network")
    chat = sandbox.tool(project, "chat")
    first = outgoing(Form.MESSAGE, body="bench-000226 from Lisbon")
    sandbox.faults.inject(f"/{sandbox.account_id}/chats/{chat}/lines.json", Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.send(first, target("chat", str(project)))
    [made] = active_lines(sandbox, project)
    receipt = await connector.send(retried(first), target("chat", str(project)))
    assert receipt.native_id == str(made["id"])
    assert len(active_lines(sandbox, project)) == 1


async def test_a_file_message_cut_off_at_its_upload_keeps_one_line_and_one_upload(
        sandbox: BasecampEmulator, connector: BasecampConnector, tmp_path: Path) -> None:
    project = sandbox.add_project("Cities network")
    chat = sandbox.tool(project, "chat")
    first = outgoing(Form.MESSAGE, body="bench-000446 with a file",
                     files=(text_file(tmp_path),))
    sandbox.faults.inject(f"/{sandbox.account_id}/chats/{chat}/uploads.json", Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.send(first, target("chat", str(project)))
    line, upload = active_lines(sandbox, project)
    receipt = await connector.send(retried(first), target("chat", str(project)))
    assert receipt.native_id == str(line["id"])
    assert [x["id"] for x in active_lines(sandbox, project)] == [line["id"], upload["id"]]
    posts = [path for method, path in sandbox.requests if method == "POST"]
    assert len([p for p in posts if p.endswith("/lines.json")]) == 1  # recorded: not looked for


async def test_a_file_message_refused_at_its_upload_does_not_post_its_line_twice(
        sandbox: BasecampEmulator, connector: BasecampConnector, tmp_path: Path) -> None:
    project = sandbox.add_project("Cities network")
    chat = sandbox.tool(project, "chat")
    first = outgoing(Form.MESSAGE, body="bench-000447 with a file",
                     files=(text_file(tmp_path),))
    sandbox.faults.inject(f"/{sandbox.account_id}/chats/{chat}/uploads.json",
                          Fault(status=503))
    with pytest.raises(TransientError):
        await connector.send(first, target("chat", str(project)))
    await connector.send(retried(first), target("chat", str(project)))
    lines = active_lines(sandbox, project)
    assert [line["type"] for line in lines] == ["Chat::Lines::RichText", "Chat::Lines::Upload"]
    posts = [path for method, path in sandbox.requests if method == "POST"]
    assert len([p for p in posts if p.endswith("/lines.json")]) == 1
    assert len([p for p in posts if p.endswith("/uploads.json")]) == 2  # refused, then made


async def test_a_comment_whose_answer_was_lost_is_adopted(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    project = sandbox.add_project("Cities network")
    ana = sandbox.add_person("Ana Souza", "ana@example.org")
    post = await sandbox.post_message(project, ana, "Budget", "<div>Numbers</div>")
    first = outgoing(Form.COMMENT, body="Agreed, *with* one change", reply_to=str(post["id"]))
    sandbox.faults.inject(f"/{sandbox.account_id}/recordings/{post['id']}/comments.json",
                          Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.send(first, target("board", str(project)))
    receipt = await connector.send(retried(first), target("board", str(project)))
    [comment] = sandbox.active("Comment", project)
    assert receipt.native_id == str(comment["id"])


async def test_a_todo_whose_answer_was_lost_is_adopted(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    project = sandbox.add_project("Cities network")
    inbox = await sandbox.todos.add_list(project, sandbox.me, "Inbox")
    first = outgoing(Form.POST, title="Call the mayor", body="About the **square**")
    sandbox.faults.inject(f"/{sandbox.account_id}/todolists/{inbox['id']}/todos.json",
                          Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.send(first, target("todos", str(project)))
    receipt = await connector.send(retried(first), target("todos", str(project)))
    [todo] = sandbox.active("Todo", project)
    assert receipt.native_id == str(todo["id"])


async def test_a_post_whose_answer_was_lost_is_adopted(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    project = sandbox.add_project("Cities network")
    board = sandbox.tool(project, "message_board")
    first = outgoing(Form.POST, title="Budget", body="The **numbers** for 2027")
    sandbox.faults.inject(f"/{sandbox.account_id}/message_boards/{board}/messages.json",
                          Fault(drop=True))
    with pytest.raises(TransientError):
        await connector.send(first, target("board", str(project)))
    receipt = await connector.send(retried(first), target("board", str(project)))
    [post] = sandbox.active("Message", project)
    assert receipt.native_id == str(post["id"])


async def test_a_line_by_someone_else_with_the_same_words_is_not_adopted(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    project = sandbox.add_project("Cities network")
    chat = sandbox.tool(project, "chat")
    first = outgoing(Form.MESSAGE, body="bench-000300 from Lisbon")
    # The request is refused before Basecamp acts, so the attempt made nothing...
    sandbox.faults.inject(f"/{sandbox.account_id}/chats/{chat}/lines.json", Fault(status=502))
    with pytest.raises(TransientError):
        await connector.send(first, target("chat", str(project)))
    # ...and a person happens to write the same words meanwhile.
    shown = await connector.publisher().content(first, target("chat", str(project)))
    other = await sandbox.say(project, sandbox.add_person("Bea Lima", "bea@example.org"),
                              shown, rich=True)
    receipt = await connector.send(retried(first), target("chat", str(project)))
    assert receipt.native_id != str(other["id"])
    assert len(active_lines(sandbox, project)) == 2


async def test_a_first_attempt_reads_no_record(
        sandbox: BasecampEmulator, connector: BasecampConnector, state: MemoryStateBox) -> None:
    project = sandbox.add_project("Cities network")
    state.values[PREFIX + "passerelle-7"] = json.dumps(
        {"since": datetime.now(UTC).isoformat(), "made": {"line": "1"}, "doing": None})
    receipt = await connector.send(outgoing(Form.MESSAGE, body="new"), target("chat",
                                                                              str(project)))
    assert receipt.native_id != "1"  # a delivery that is not uncertain made nothing before


async def test_the_note_is_gone_once_the_delivery_made_everything(
        sandbox: BasecampEmulator, connector: BasecampConnector, state: MemoryStateBox,
        tmp_path: Path) -> None:
    project = sandbox.add_project("Cities network")
    await connector.send(outgoing(Form.MESSAGE, body="with a file",
                                  files=(text_file(tmp_path),)), target("chat", str(project)))
    assert len(active_lines(sandbox, project)) == 2
    assert not [key for key in state.values if key.startswith(PREFIX)]


async def test_a_retry_without_a_note_looks_before_making(
        sandbox: BasecampEmulator, connector: BasecampConnector, state: MemoryStateBox,
        tmp_path: Path) -> None:
    """The hub died after the note was deleted and before it recorded the delivery done."""
    project = sandbox.add_project("Cities network")
    first = outgoing(Form.MESSAGE, body="bench-000500 with a file",
                     files=(text_file(tmp_path),))
    made = await connector.send(first, target("chat", str(project)))
    assert not [key for key in state.values if key.startswith(PREFIX)]
    again = await connector.send(retried(first), target("chat", str(project)))
    assert again.native_id == made.native_id
    assert len(active_lines(sandbox, project)) == 2  # the line and the upload, once each


async def test_a_retry_looks_back_to_when_the_hub_says_the_first_attempt_began(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    """The hub was down for minutes after an attempt cut short: no note, and the line older
    than a minute; `since` from the hub still finds it."""
    project = sandbox.add_project("Cities network")
    first = outgoing(Form.MESSAGE, body="bench-000501 from Lisbon")
    made = await connector.send(first, target("chat", str(project)))
    [line] = active_lines(sandbox, project)
    line["created_at"] = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    began = datetime.now(UTC) - timedelta(minutes=5, seconds=1)
    again = await connector.send(replace(first, uncertain=True, since=began),
                                 target("chat", str(project)))
    assert again.native_id == made.native_id
    assert len(active_lines(sandbox, project)) == 1


async def test_a_record_older_than_the_attempt_window_is_still_honoured() -> None:
    state = MemoryStateBox()
    since = datetime.now(UTC) - timedelta(days=2)
    state.values[PREFIX + "passerelle-7"] = json.dumps(
        {"since": since.isoformat(), "made": {"line": "41"}, "doing": "upload:0"})
    journal = await Journal.open(state, retried(outgoing(Form.MESSAGE)))

    async def never() -> str:
        raise AssertionError("a recorded step is not made again")
    assert await journal.step("line", never) == "41"
    assert journal.since == since


async def test_an_identical_line_of_the_hub_from_before_the_attempt_is_not_adopted(
        sandbox: BasecampEmulator, connector: BasecampConnector) -> None:
    project = sandbox.add_project("Cities network")
    chat = sandbox.tool(project, "chat")
    earlier = await connector.send(replace(outgoing(Form.MESSAGE, body="+1"),
                                           idempotency_key="passerelle-6"),
                                   target("chat", str(project)))
    [line] = active_lines(sandbox, project)
    line["created_at"] = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
    first = outgoing(Form.MESSAGE, body="+1")  # the same words again, half a minute later
    sandbox.faults.inject(f"/{sandbox.account_id}/chats/{chat}/lines.json", Fault(status=502))
    with pytest.raises(TransientError):
        await connector.send(first, target("chat", str(project)))
    receipt = await connector.send(retried(first), target("chat", str(project)))
    assert receipt.native_id != earlier.native_id
    assert len(active_lines(sandbox, project)) == 2
