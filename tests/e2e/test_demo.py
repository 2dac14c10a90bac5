"""`passerelle demo`: the story played for real over loopback, in-process and through the CLI.

In-process runs refuse any connection outside 127.0.0.1; the figures are checked against the
emulators' own state, and the printed report against content the platforms really hold.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from hub.demo import run_demo, runner
from hub.demo.report import render
from hub.demo.runner import staged, tell
from hub.demo.story import ACTS, PHOTO, RECORDING
from hub.demo.world import CHANNEL, SLACK, World, hub_settings, sandboxes
from hub.people.views import person_json
from hub.sandbox.base import Fault

ROOT = Path(__file__).resolve().parents[2]
APERTIUM = shutil.which("apertium") is not None
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every host this process resolves or connects to; anything off loopback fails at once."""
    seen: list[str] = []
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        seen.append(str(host))
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            raise AssertionError(f"the demo tried to reach {host}, which is not loopback")
        connect(self, address)

    def guarded_resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            seen.append(str(host))
            if str(host) not in LOOPBACK:
                raise AssertionError(f"the demo tried to resolve {host}, which is not loopback")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_resolve)
    yield seen


def _check_figures(figures: dict[str, Any]) -> None:
    """The figures the story must produce, whatever words the translation engine picks."""
    platforms = figures["platforms"]
    assert set(platforms) == {"basecamp", "slack", "whatsapp", "zoom"}
    # Basecamp: the Slack thread (post + comment), two WhatsApp posts, the assembly's
    # announcement with its join link as a comment, the recording in Docs & Files.
    assert {k: platforms["basecamp"][k] for k in ("received", "posts", "comments", "uploads")} \
        == {"received": 7, "posts": 4, "comments": 2, "uploads": 1}
    # Slack: the French post and comment as a thread, two WhatsApp messages (one with the
    # photo), the assembly's announcement with its invitation, and the join link under it.
    assert {k: platforms["slack"][k] for k in ("received", "thread_replies", "files", "events")} \
        == {"received": 6, "thread_replies": 2, "files": 2, "events": 1}
    # WhatsApp: six items, each on both members' phones; the announcement is the caption of
    # its invitation, followed by the answer buttons (a message of its own on each phone).
    assert {k: platforms["whatsapp"][k] for k in ("received", "messages_on_phones", "members",
                                                  "events", "answer_buttons")} \
        == {"received": 6, "messages_on_phones": 14, "members": 2, "events": 1,
            "answer_buttons": 2}
    assert {k: platforms["zoom"][k] for k in ("received", "with_interpretation")} \
        == {"received": 1, "with_interpretation": 1}
    assert figures["mirrored"] == sum(p["received"] for p in platforms.values()) == 20
    assert figures["translated"] == sum(p["translated"] for p in platforms.values())
    assert figures["failed"] == 0
    if APERTIUM:
        # Every item crossing languages is translated; the join link to English Slack, the
        # announcement back on French Basecamp and the recording are not.
        assert figures["translated"] == 17
    else:
        assert figures["translated"] == 0


#: The story's people and every platform each is on (Camille is in the Slack workspace too).
DEMO_PEOPLE = {"Camille Martin": ["basecamp", "slack"], "Hugo Bernard": ["basecamp"],
               "Emma Wilson": ["slack"], "James Okoro": ["slack"],
               "Ana Souza": ["whatsapp"], "Beatriz Lima": ["whatsapp"]}


def _check_people(rows: list[dict[str, Any]]) -> None:
    """The issue's check: each of the story's people listed once, with their platforms, and
    never an e-mail address or phone number unless asked for."""
    named = [row["name"] for row in rows]
    for name, platforms in DEMO_PEOPLE.items():
        assert named.count(name) == 1, f"{name} is listed {named.count(name)} times: {named}"
        assert next(r for r in rows if r["name"] == name)["platforms"] == platforms
    assert not any({"emails", "phones"} & set(row) for row in rows)


@pytest.mark.slow
async def test_the_story_reaches_every_platform(tmp_path: Path,
                                                loopback_only: list[str]) -> None:
    lines: list[str] = []
    async with staged(tmp_path) as (world, hub):
        outcome = await tell(world, hub, lines.append)
        _check_state(world)
        assert hub.members is not None
        rows = [person_json(p) for p in (await hub.members.directory()).people]
        _check_people(rows)
        # What the people file says of them, over what the platforms say.
        assert {r["name"]: r["city"] for r in rows if r["name"] in DEMO_PEOPLE} == {
            "Camille Martin": "Lyon", "Hugo Bernard": "Grenoble", "Emma Wilson": "Bristol",
            "James Okoro": "Manchester", "Ana Souza": "Lisboa", "Beatriz Lima": "Porto"}
        report = render(outcome)
        _check_report_names_real_content(world, report)
    _check_figures(outcome.figures())
    if APERTIUM:
        assert outcome.problems() == []
    else:
        [problem] = outcome.problems()
        assert "apt-get install apertium" in problem
    assert [line.split("]")[0] for line in lines if line.startswith("[")] == [
        f"[{n}/6" for n in range(1, 7)]
    assert all("✗" not in line for line in lines)
    assert loopback_only and set(loopback_only) <= LOOPBACK


def _check_state(world: World) -> None:
    """What the platforms hold, beyond the counts: threads, bytes, the meeting."""
    slack, basecamp, zoom, wa = world.slack, world.basecamp, world.zoom, world.whatsapp
    mirrored = [m for m in slack.messages(CHANNEL) if m.get("bot_id") == slack.bot_id]
    root, comment = mirrored[0], mirrored[1]
    # Each item is signed with its author's one name and city, the same on every platform.
    assert comment["thread_ts"] == root["ts"]
    assert root["username"] == "Camille Martin, Lyon (Basecamp)"
    from_whatsapp = {m["username"] for m in mirrored if "WhatsApp" in str(m.get("username"))}
    assert "Ana Souza, Lisboa (WhatsApp)" in from_whatsapp
    assert from_whatsapp <= {"Ana Souza, Lisboa (WhatsApp)", "Beatriz Lima, Porto (WhatsApp)"}
    shared, invitation = [m for m in mirrored if m.get("files")]
    assert slack.blobs[shared["files"][0]["id"]] == PHOTO
    # The announcement ends with the answer buttons; its invitation is shared in its thread.
    [announced] = [m for m in mirrored if any(block.get("type") == "actions"
                                              for block in m.get("blocks") or ())]
    assert invitation["thread_ts"] == announced["ts"]
    [upload] = [r for r in basecamp.recordings.values() if r["type"] == "Upload"]
    assert basecamp.blobs[f"upload-{upload['id']}"][0] == RECORDING
    assert upload["creator"]["id"] == basecamp.me["id"]
    [meeting] = zoom.meetings.values()
    interpreters = meeting["settings"]["language_interpretation"]["interpreters"]
    assert {i["interpreter_languages"] for i in interpreters} == {"French,English",
                                                                 "Portuguese,English"}
    assert meeting["start_time"].endswith("T15:00:00Z") and meeting["duration"] == 90
    # The join link came back to every other platform, under the announcement.
    assert any(meeting["join_url"] in c["content"] for c in basecamp.recordings.values()
               if c["type"] == "Comment")
    assert any(meeting["join_url"] in str(m.get("text")) and m.get("thread_ts")
               for m in mirrored)
    links = [s for s in wa.sent if meeting["join_url"] in str(s.body.get("body"))]
    assert len(links) == 2 and all(s.context for s in links)
    _check_announcements(world, announced, invitation)


def _check_announcements(world: World, announced: dict[str, Any],
                         invitation: dict[str, Any]) -> None:
    """The assembly as Slack (English, London) and WhatsApp (Portuguese, Lisbon) read it: its
    date and time in their language and zone, its invitation beside it."""
    [meeting] = world.zoom.meetings.values()
    starts = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00"))
    ends = starts + timedelta(minutes=meeting["duration"])
    london, lisbon = (starts.astimezone(ZoneInfo(z)) for z in ("Europe/London", "Europe/Lisbon"))
    text = spaced(str(announced["text"]))
    hour = london.hour % 12 or 12
    assert (f"🗓 {english_day(london)}, {hour}:00 – "
            f"{(ends.astimezone(london.tzinfo).hour % 12) or 12}:30 "
            f"{'PM' if london.hour >= 12 else 'AM'} "
            f"({'British Summer Time' if london.dst() else 'Greenwich Mean Time'})") in text
    # Its summary is the title Slack's readers read (the meeting's topic is that English).
    [ics] = invitation["files"]
    assert ics["name"] == f"{meeting['topic']}.ics"
    [entry] = Calendar.from_ical(world.slack.blobs[ics["id"]]).walk("VEVENT")
    assert entry.decoded("DTSTART") == starts and entry.decoded("DTEND") == ends
    assert str(entry["SUMMARY"]) == meeting["topic"]
    documents = [s for s in world.whatsapp.sent if s.type == "document"]
    caption = spaced(str(documents[0].body["caption"]))
    title = caption.splitlines()[1].strip("*")
    assert len(documents) == 2 and {s.body["filename"] for s in documents} == {f"{title}.ics"}
    assert (f"🗓 {portuguese_day(lisbon)} {lisbon:%H}:00 – "
            f"{ends.astimezone(lisbon.tzinfo):%H}:30 (Horário "
            f"{'de Verão' if lisbon.dst() else 'Padrão'} da Europa Ocidental)") in caption


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MESES = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
         "setembro", "outubro", "novembro", "dezembro")
DIAS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
        "sábado", "domingo")


def english_day(day: datetime) -> str:
    return f"{DAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}, {day.year}"


def portuguese_day(day: datetime) -> str:
    return f"{DIAS[day.weekday()]}, {day.day} de {MESES[day.month - 1]} de {day.year}"


def spaced(text: str) -> str:
    """CLDR's thin and narrow spaces as plain ones."""
    return text.replace("\u2009", " ").replace("\u202f", " ")


def _check_report_names_real_content(world: World, report: str) -> None:
    [meeting] = world.zoom.meetings.values()
    [upload] = [r for r in world.basecamp.recordings.values() if r["type"] == "Upload"]
    [post] = [r for r in world.basecamp.recordings.values() if r["type"] == "Message"
              and r["creator"]["id"] == world.basecamp.me["id"]
              and "Emma Wilson" in r["content"]]
    photo = next(m for m in world.slack.messages(CHANNEL) if m.get("files"))["files"][0]
    [document, *_] = [s for s in world.whatsapp.sent if s.type == "document"]
    for shown in (meeting["topic"], meeting["join_url"], upload["filename"], post["subject"],
                  photo["name"], "to Ana Souza, Beatriz Lima",
                  "interpretation French ⇄ English, Portuguese ⇄ English",
                  f"with {meeting['topic']}.ics", f"with {document.body['filename']}"):
        assert shown in report, f"the report does not show {shown!r}"
    # The closing summary shows the assembly's time as each platform's people read it.
    starts = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00"))
    london, lisbon = (starts.astimezone(ZoneInfo(z)) for z in ("Europe/London", "Europe/Lisbon"))
    lines = report.splitlines()
    for title, when in (
            (meeting["topic"], f"{english_day(london)}, {london.hour % 12 or 12}:00 – "),
            (document.body["filename"].removesuffix(".ics"),
             f"{portuguese_day(lisbon)} {lisbon:%H}:00 – ")):
        event = next(n for n, line in enumerate(lines) if line.startswith(f"  event    {title}"))
        assert lines[event + 1].strip().startswith(when), lines[event + 1]
    assert "0 failed" in report and "none failed" in report


@pytest.mark.slow
async def test_a_platform_that_refuses_makes_the_demo_say_what_failed(
        tmp_path: Path, loopback_only: list[str]) -> None:
    lines: list[str] = []
    async with staged(tmp_path) as (world, hub):
        # Zoom refuses the meeting for good, as it answers a body it cannot accept.
        world.zoom.faults.inject("/v2/users/", Fault(status=400, body={
            "code": 300, "message": "Invalid field: start_time."}))
        outcome = await tell(world, hub, lines.append)
    figures = outcome.figures()
    assert figures["platforms"]["zoom"]["received"] == 0
    assert figures["failed"] >= 2  # the meeting, and the recording that could not follow
    problems = outcome.problems()
    assert "zoom: received nothing from the other platforms" in problems
    assert any("network-zoom/calendar" in p and "Invalid field: start_time." in p
               for p in problems)
    assert any(p.startswith("act 6") and "no Zoom meeting" in p for p in problems)
    assert any("✗" in line for line in lines)
    report = render(outcome)
    assert "The demo did not go as it should:" in report


async def test_an_operators_environment_never_reaches_the_demo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_STORE__URL", "postgresql://ops@db.example.org/passerelle")
    monkeypatch.setenv("HUB_CONNECTIONS__LISBON_SLACK__BOT_TOKEN", "xoxb-production")
    async with sandboxes() as world:
        settings = hub_settings(world, tmp_path)
    assert settings.store.url == f"sqlite:///{tmp_path / 'passerelle.db'}"
    assert settings.connections[SLACK]["bot_token"] == world.slack.token


def test_a_story_that_mirrors_nothing_exits_1_saying_why(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        loopback_only: list[str], tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # where the demo keeps its store
    monkeypatch.setattr(runner, "ACTS", ACTS[:1])  # the members join; nobody writes
    code = run_demo(as_json=True, keep=False)
    captured = capsys.readouterr()
    assert code == 1
    figures = json.loads(captured.out)
    assert (figures["mirrored"], figures["translated"]) == (0, 0)
    for platform in ("basecamp", "slack", "whatsapp", "zoom"):
        assert f"  - {platform}: received nothing from the other platforms" in captured.err
    assert "nothing was translated" in captured.err
    assert "problem(s), listed in the report above" in captured.err


@pytest.mark.slow
def test_the_command_plays_it_through_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PASSERELLE_CONFIG", None)
    env.pop("HUB_STORE__URL", None)
    env.pop("HUB_PEOPLE__FILE", None)
    done = subprocess.run([sys.executable, "-m", "hub", "demo", "--json"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == (0 if APERTIUM else 1), done.stdout + done.stderr
    figures = json.loads(done.stdout)  # what `| jq` reads: the object alone
    _check_figures(figures)
    # The story and the report, for people, on stderr.
    assert "[6/6] The assembly is recorded on Zoom" in done.stderr
    for name in ("Basecamp — project", "Slack — channel", "WhatsApp — circle", "Zoom — meetings",
                 "Emma Wilson, Bristol (Slack)", "Beatriz Lima, Porto (WhatsApp)",
                 "Hugo Bernard, Grenoble (Basecamp)",
                 "shared_screen_with_speaker_view.mp4", "https://us05web.zoom.us/j/"):
        assert name in done.stderr
    # The scheduler's heartbeat never overlaps a tick, so it has nothing to warn about.
    assert "maximum number of running instances reached" not in done.stderr
    # Its store stays where `passerelle search` looks on the embedded defaults.
    assert "Its store stays in passerelle.db" in done.stderr
    assert "HUB_PEOPLE__FILE=passerelle-people.toml" in done.stderr
    _search_what_the_demo_shared(tmp_path, env)
    _people_the_demo_met(tmp_path, env)


def _search(folder: Path, env: dict[str, str], query: str) -> dict[str, Any]:
    found = subprocess.run([sys.executable, "-m", "hub", "search", query, "--json"],  # noqa: S603
                           cwd=folder, env=env, capture_output=True, text=True, timeout=120,
                           check=True)
    return cast(dict[str, Any], json.loads(found.stdout))


def _search_what_the_demo_shared(folder: Path, env: dict[str, str]) -> None:
    """The issue's own check: the French comment found with its Slack and WhatsApp copies;
    the French post found by a Portuguese query, through the translation the hub made."""
    comment = _search(folder, env, "projet de jardins")
    assert comment["language"] == "fr"
    first = comment["hits"][0]
    assert (first["platform"], first["kind"], first["author"]) == (
        "basecamp", "comment", "Hugo Bernard")
    assert {c["connection"] for c in first["copies"]} >= {"lisbon-slack", "members-whatsapp"}
    if not APERTIUM:
        return  # the Portuguese query finds the French post through its translation
    post = _search(folder, env, "O próximo encontro em Lisboa")
    assert post["language"] == "pt"
    found = [(h["platform"], h["kind"], h["author"]) for h in post["hits"]]
    assert ("basecamp", "post", "Camille Martin") in found
    hit = post["hits"][found.index(("basecamp", "post", "Camille Martin"))]
    assert hit["shown"]["language"] == "pt"  # the passage in the asker's language
    assert hit["snippet"][slice(*hit["marks"][0])].lower() in {"encontro", "lisboa", "próximo"}


def _people_the_demo_met(folder: Path, env: dict[str, str]) -> None:
    """`passerelle people --json` on the store the demo left: each person once, with their
    platforms; with the people file it kept beside the store, their cities too."""
    for people_file in (None, "passerelle-people.toml"):
        file_env = {"HUB_PEOPLE__FILE": people_file} if people_file else {}
        listed = subprocess.run([sys.executable, "-m", "hub", "people", "--json"],
                                cwd=folder, env={**env, **file_env},
                                capture_output=True, text=True, timeout=120, check=True)
        rows = json.loads(listed.stdout)
        _check_people(rows)
        if people_file:
            assert next(r for r in rows if r["name"] == "Ana Souza")["city"] == "Lisboa"


async def test_the_printed_access_lets_one_call_each_sandbox(loopback_only: list[str]) -> None:
    async with sandboxes() as world, httpx.AsyncClient() as http:
        access = {sandbox.platform: sandbox for sandbox in world.access()}
        basecamp, slack, whatsapp = access["basecamp"], access["slack"], access["whatsapp"]
        projects = await http.get(f"{basecamp.api_root}/projects.json",
                                  headers=basecamp.credentials)
        assert [p["id"] for p in projects.json()] == [world.project]
        me = await http.post(f"{slack.api_root}/auth.test", headers=slack.credentials)
        assert me.json()["ok"] is True
        number = await http.get(whatsapp.api_root, headers=whatsapp.credentials)
        assert number.json()["id"] == world.whatsapp.phone_number_id
        zoom = access["zoom"].credentials
        minted = await http.post(zoom["token_url"], auth=(zoom["client_id"],
                                                          zoom["client_secret"]),
                                 data={"grant_type": zoom["grant_type"],
                                       "account_id": zoom["account_id"]})
        host = await http.get(f"{access['zoom'].api_root}/users/me", headers={
            "Authorization": f"Bearer {minted.json()['access_token']}"})
        assert host.json()["email"] == world.zoom.account.host_email
