"""The connector against the Basecamp sandbox over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hub.connector import Address, Form, LocalFile, MemoryStateBox
from hub.errors import AuthError, TransientError
from hub.events import Kind, Schedule
from hub.sandbox.base import Fault, serve_emulator
from hub.sandbox.basecamp import BasecampEmulator
from plugins.basecamp.client import AccountInactive
from plugins.basecamp.commands import sync_webhooks
from plugins.basecamp.connector import BasecampConnector
from plugins.basecamp.oauth import OAuthTokens
from plugins.basecamp.settings import BasecampSettings
from tests.plugins.basecamp.helpers import outgoing, target


@pytest.fixture
async def sandbox() -> AsyncIterator[BasecampEmulator]:
    emulator = BasecampEmulator()
    async with serve_emulator(emulator) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def connect(sandbox: BasecampEmulator, http: httpx.AsyncClient, state: MemoryStateBox | None = None,
            **overrides: object) -> BasecampConnector:
    settings = BasecampSettings.model_validate(sandbox.connection(
        webhook_secret="s3cret-webhook-path-7q", initial_lookback_minutes=10, **overrides))
    return BasecampConnector("bc", settings, http, state or MemoryStateBox())


async def test_check_lists_the_projects(sandbox: BasecampEmulator, http: httpx.AsyncClient
                                        ) -> None:
    project = sandbox.add_project("Lisbon")
    lines = await connect(sandbox, http).check(online=True)
    assert any(f"board/{project}, todos/{project}, chat/{project}, calendar/{project}, "
               f"files/{project}" in line
               for line in lines)
    assert not any("own_identities" in line for line in lines)  # the hub's user is listed


async def test_campfire_lines_arrive_by_polling_across_pages(sandbox: BasecampEmulator,
                                                             http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    ana = sandbox.add_person("Ana Souza", "ana@example.org")
    connector = connect(sandbox, http)
    address = Address.parse(f"bc/chat/{project}")
    start = await connector.poll(address, None)
    assert start.events == [] and start.cursor
    for n in range(40):  # more than the first two geared pages (15 + 30 > 40)
        await sandbox.say(project, ana, f"line {n} <b>&</b>")
    result = await connector.poll(address, start.cursor)
    assert [e.body for e in result.events] == [f"line {n} \\<b>&\\</b>" for n in range(40)]
    assert result.cursor and result.cursor > start.cursor
    again = await connector.poll(address, result.cursor)
    assert again.cursor is None  # nothing new: the cursor stays
    assert [e.source.native_id for e in again.events] == [
        e.source.native_id for e in result.events if e.occurred_at >= datetime.fromisoformat(
            result.cursor) - timedelta(seconds=300)]


async def test_etag_makes_an_unchanged_poll_a_304(sandbox: BasecampEmulator,
                                                  http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    connector = connect(sandbox, http)
    address = Address.parse(f"bc/board/{project}")
    await connector.poll(address, None)
    before = len(sandbox.requests)
    await connector.poll(address, None)
    assert len(sandbox.requests) - before == 4
    client = connector.client
    page = await client.page(client.url("projects/recordings.json"), what="t",
                             params={"type": "Message", "bucket": str(project),
                                     "status": "active", "sort": "updated_at",
                                     "direction": "desc"})
    assert page.not_modified


async def test_post_comment_edit_trash_round_trip(sandbox: BasecampEmulator,
                                                  http: httpx.AsyncClient, tmp_path: Path
                                                  ) -> None:
    project = sandbox.add_project("Lisbon")
    connector = connect(sandbox, http, show_author=False)
    data = bytes(range(256)) * 8
    file = tmp_path / "chart.png"
    file.write_bytes(data)
    local = LocalFile(path=file, name="chart.png", mime_type="image/png", size=len(data))
    where = target("board", str(project))
    post = await connector.send(outgoing(title="Plan", body="Hello & welcome",
                                         files=(local,)), where)
    message = sandbox.recordings[int(post.native_id)]
    assert message["subscriptions"] == []
    assert message["content"].startswith("<div>Hello &amp; welcome</div><bc-attachment")
    comment = await connector.send(outgoing(Form.COMMENT, body="first!", reply_to=post.native_id),
                                   where)
    assert sandbox.recordings[int(comment.native_id)]["parent"]["id"] == int(post.native_id)
    await connector.update(outgoing(title="Plan v2", body="Hello again"), where, post.native_id)
    assert message["subject"] == "Plan v2"
    assert "Hello again" in message["content"] and 'filename="chart.png"' in message["content"]
    await connector.delete(where, post.native_id)
    assert message["status"] == "trashed"
    # The file embedded in the post comes back out intact.
    event = connector.parse(sandbox.show(message) | {"status": "active"})[0]
    [attachment] = event.attachments
    downloaded = await connector.download(attachment)
    try:
        assert downloaded.path.read_bytes() == data
    finally:
        downloaded.path.unlink()


async def test_schedule_entry_and_vault_upload(sandbox: BasecampEmulator,
                                               http: httpx.AsyncClient, tmp_path: Path) -> None:
    project = sandbox.add_project("Lisbon")
    connector = connect(sandbox, http)
    when = Schedule(starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC), all_day=False)
    entry = await connector.send(outgoing(Form.CALENDAR, kind=Kind.EVENT_CREATED, title="Call",
                                          schedule=when), target("calendar", str(project)))
    assert sandbox.recordings[int(entry.native_id)]["ends_at"] == "2026-12-01T15:00:00.000Z"
    path = tmp_path / "minutes.pdf"
    path.write_bytes(b"%PDF-1.7 minutes")
    upload = await connector.send(
        outgoing(Form.FILE, kind=Kind.FILE_CREATED, body="Minutes",
                 files=(LocalFile(path=path, name="minutes.pdf", mime_type="application/pdf",
                                  size=16),)), target("files", str(project)))
    record = sandbox.recordings[int(upload.native_id)]
    assert record["filename"] == "minutes.pdf" and record["byte_size"] == 16


async def test_expired_token_is_renewed_and_kept(sandbox: BasecampEmulator,
                                                 http: httpx.AsyncClient) -> None:
    sandbox.add_project("Lisbon")
    sandbox.tokens = {"rotated-elsewhere"}  # the configured token no longer works
    state = MemoryStateBox()
    await connect(sandbox, http, state).check(online=True)
    renewed = await state.get(OAuthTokens.ACCESS)
    assert renewed in sandbox.tokens


async def test_faults_map_to_hub_errors(sandbox: BasecampEmulator, http: httpx.AsyncClient
                                        ) -> None:
    project = sandbox.add_project("Lisbon")
    connector = connect(sandbox, http)
    prefix = f"/{sandbox.account_id}/projects/{project}.json"
    sandbox.faults.inject(prefix, Fault(status=429, retry_after=9))
    with pytest.raises(TransientError) as caught:
        await connector.poll(Address.parse(f"bc/chat/{project}"), None)
    assert caught.value.retry_after == 9
    sandbox.inactive = True
    with pytest.raises(AccountInactive):
        await connector.poll(Address.parse(f"bc/chat/{project}"), None)
    with pytest.raises(AuthError):  # off now, without asking Basecamp again
        await connector.poll(Address.parse(f"bc/chat/{project}"), None)


async def test_missing_contact_gets_a_400_from_basecamp(sandbox: BasecampEmulator,
                                                        http: httpx.AsyncClient) -> None:
    response = await http.get(f"{sandbox.api}/projects.json",
                              headers={"Authorization": "Bearer sandbox-access",
                                       "User-Agent": "Passerelle"})
    assert response.status_code == 400


async def test_webhooks_install_reactivates_and_reports(sandbox: BasecampEmulator,
                                                        http: httpx.AsyncClient) -> None:
    project = sandbox.add_project("Lisbon")
    connector = connect(sandbox, http, projects=[project])
    url = "https://hub.example.org/webhooks/bc/s3cret-webhook-path-7q"
    [missing] = await sync_webhooks(connector, url, install=False)
    assert missing.action == "missing"
    [created] = await sync_webhooks(connector, url, install=True)
    assert created.action == "created"
    hook = sandbox.webhooks[int(created.webhook_id or 0)]
    assert hook["types"] == ["Message", "Comment", "Todo", "Todolist", "Schedule::Entry",
                             "Upload", "Document"]
    hook["types"] = ["Message", "Comment", "Schedule::Entry", "Upload"]  # an older install
    [updated] = await sync_webhooks(connector, url, install=True)
    assert updated.action == "updated" and "Todo" in hook["types"]
    hook["active"] = False  # ten failed deliveries
    [reactivated] = await sync_webhooks(connector, url, install=True)
    assert reactivated.action == "reactivated" and hook["active"]
    [ok] = await sync_webhooks(connector, url, install=False)
    assert ok.action == "ok"
    assert "s3cret-webhook-path-7q" not in str(ok)


async def test_rate_limit_answers_429_with_retry_after(http: httpx.AsyncClient) -> None:
    emulator = BasecampEmulator(rate_limit=(3, 10.0))
    async with serve_emulator(emulator) as sandbox:
        connector = connect(sandbox, http)
        for _ in range(3):
            await connector.client.profile()
        with pytest.raises(TransientError) as caught:
            await connector.client.profile()
    assert caught.value.retry_after is not None and 1 <= caught.value.retry_after <= 10
    assert emulator.rate_limited == 1


async def test_failed_deliveries_are_retried_then_turn_the_webhook_off(
        sandbox: BasecampEmulator) -> None:
    project = sandbox.add_project("Lisbon")
    ana = sandbox.add_person("Ana Souza", "ana@example.org")
    # Nothing listens there: every attempt fails.
    hook = sandbox.add_webhook(project, "http://127.0.0.1:9/webhooks/bc/s3cret-webhook-path-7q")
    sandbox.retry_base = 0.001
    for n in range(4):
        await sandbox.post_message(project, ana, f"post {n}", "<div>x</div>")
    await sandbox.quiet()
    assert hook["active"] is False  # ten failed attempts in a row (a few were in flight)
    assert 10 <= len(hook["recent_deliveries"]) <= 12
    fired = len(sandbox.fired)
    await sandbox.post_message(project, ana, "after", "<div>x</div>")
    assert len(sandbox.fired) == fired  # an inactive webhook is not called
    assert {d["request"]["headers"]["User-Agent"] for d in hook["recent_deliveries"]} == {
        "Basecamp3 Webhook"}
