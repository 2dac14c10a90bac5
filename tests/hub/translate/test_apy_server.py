"""An APy server of the hub's own (`own_server`): the same words as the command, started
again when it dies, the command when it cannot start, and gone with the process."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time

import httpx
import pytest

from hub.translate.providers import apy_server
from hub.translate.providers.apertium import ApertiumTranslator
from hub.translate.settings import ApertiumSettings, TranslationSettings

pytestmark = pytest.mark.skipif(
    shutil.which("apertium-apy") is None or shutil.which("apertium") is None,
    reason="apt-get install apertium apertium-apy apertium-fr-es")

TEXTS = ["Nous pouvons présenter notre projet de jardins.",
         'Le prochain rendez-vous, le <x id="1"/> mardi.']


async def test_the_own_server_translates_as_the_command_does() -> None:
    async with httpx.AsyncClient() as http:
        by_command = ApertiumTranslator(ApertiumSettings(), http)
        by_server = ApertiumTranslator(ApertiumSettings(own_server=True), http)
        for target in ("es", "en"):
            assert await by_server.translate(TEXTS, "fr", target) == \
                await by_command.translate(TEXTS, "fr", target)
        assert by_server.apy is not None and by_server.apy.startswith("http://127.0.0.1:")
        assert by_command.apy is None


async def test_hubs_of_one_process_share_it_and_a_dead_one_is_started_again() -> None:
    async with httpx.AsyncClient() as http:
        first = ApertiumTranslator(ApertiumSettings(own_server=True), http)
        second = ApertiumTranslator(ApertiumSettings(own_server=True), http)
        await first.translate(TEXTS[:1], "fr", "es")
        await second.translate(TEXTS[:1], "fr", "es")
        assert first.apy == second.apy
        [server] = [s for key, s in apy_server._SERVERS.items() if key[0] == "apertium-apy"]
        server.stop()  # as if it crashed
        assert await first.translate(TEXTS[:1], "fr", "es") == ["Podemos presentar nuestro "
                                                                "proyecto de jardines."]
        assert server.alive


async def test_a_server_that_cannot_start_leaves_the_command_to_translate(
        caplog: pytest.LogCaptureFixture) -> None:
    settings = ApertiumSettings(own_server=True, server_command="no-such-apertium-apy")
    async with httpx.AsyncClient() as http:
        translator = ApertiumTranslator(settings, http)
        with caplog.at_level(logging.WARNING):
            for _ in range(2):
                assert await translator.translate(TEXTS[:1], "fr", "es") == [
                    "Podemos presentar nuestro proyecto de jardines."]
    assert translator.apy is None
    said = [r.getMessage() for r in caplog.records if "no APy server" in r.getMessage()]
    assert said == ['apertium: no APy server of its own ("no-such-apertium-apy" is not '
                    "installed); the apertium command translates instead"]


def test_one_shot_commands_never_start_one() -> None:
    settings = TranslationSettings.model_validate({"apertium": {"own_server": True}})
    assert settings.for_a_few_texts().apertium.own_server is False
    assert settings.apertium.own_server is True


PROBE = """
import asyncio, sys, httpx
from hub.translate.providers.apy_server import shared_server
async def main():
    async with httpx.AsyncClient() as http:
        url = await shared_server("apertium-apy", None, http)
    print(url, flush=True)
    sys.stdin.read()  # until killed
asyncio.run(main())
"""


def test_the_server_goes_when_the_process_that_started_it_is_killed() -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    with subprocess.Popen([sys.executable, "-c", PROBE],  # noqa: S603 - our own probe
                          stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as owner:
        try:
            assert owner.stdout is not None
            url = owner.stdout.readline().strip()
            assert httpx.get(f"{url}/listPairs", timeout=5).status_code == 200
        finally:
            owner.send_signal(signal.SIGKILL)
            owner.wait()
    deadline = time.monotonic() + 30  # a bound on a condition, not a speed check
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/listPairs", timeout=1)
        except httpx.TransportError:
            return
        time.sleep(0.1)
    pytest.fail(f"the server at {url} outlived the process that started it "
                f"(pid {os.getpid()} checked)")
