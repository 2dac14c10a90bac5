"""After the demo's assembly, its recording and its transcript reach the bridge's files;
its interpreters follow the bridge's languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.demo.runner import settle
from hub.demo.story import RECORDING, schedule_entry
from hub.demo.world import sandboxes
from tests.e2e.test_reminders import hub_on

pytestmark = pytest.mark.slow

TRANSCRIPT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nBonjour à toutes les villes.\n".encode()


async def test_the_recording_and_its_transcript_land_in_the_project_files(
        tmp_path: Path) -> None:
    async with sandboxes() as world, hub_on(world, tmp_path) as hub:
        await schedule_entry(world)
        await settle(hub, world)
        [(meeting_id, meeting)] = world.zoom.meetings.items()
        # The assemblies bridge reads French, English and Portuguese: an interpreter for
        # each of French and Portuguese into English, none for another language.
        interpreters = meeting["settings"]["language_interpretation"]["interpreters"]
        assert sorted(i["interpreter_languages"] for i in interpreters) == [
            "French,English", "Portuguese,English"]
        await world.zoom.meeting_recorded(meeting_id, {"MP4": RECORDING,
                                                       "TRANSCRIPT": TRANSCRIPT})
        await settle(hub, world)
    uploads = {r["filename"]: r for r in world.basecamp.recordings.values()
               if r["type"] == "Upload"}
    blobs = {world.basecamp.blobs[f"upload-{u['id']}"][0] for u in uploads.values()}
    assert {RECORDING, TRANSCRIPT} <= blobs
    assert any(name.endswith(".vtt") for name in uploads)
