"""An APy server of the hub's own: Apertium's pipelines kept running between texts.

The `apertium` command starts a pipeline of some ten processes for every text (about 250 ms
of start-up each, most of a translation's cost); APy keeps one pipeline per direction and
answers in about 20 ms, at the cost of the memory its pipelines hold (30 to 300 MB a direction,
measured: docs/deploy.md). With `[translation.apertium] own_server = true` and no `apy_url`,
the first translation starts one on a free loopback port, shared by every hub of the process;
it ends with the process, even a killed one (`setpriv --pdeathsig`).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

#: How long a starting server may take to answer `listPairs` (it reads every pair's modes).
READY_WITHIN = 30.0


class ApyUnavailable(Exception):
    """No server could be started; the reason is in the message."""


class LocalApy:
    """One `apertium-apy` process serving the pairs under `data_dir` on 127.0.0.1."""

    def __init__(self, command: str, data_dir: str | None) -> None:
        self.command = command
        self.modes = Path(data_dir or "/usr/share/apertium") / "modes"
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = False

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def spawn(self) -> None:
        """Start the process (at once: it answers when `ready` says so)."""
        program = shutil.which(self.command)
        if program is None:
            raise ApyUnavailable(f'"{self.command}" is not installed')
        if not self.modes.is_dir():
            raise ApyUnavailable(f"{self.modes} holds no installed pairs")
        port = _free_port()
        argv = [program, "-p", str(port), "-j", "1", str(self.modes)]
        setpriv = shutil.which("setpriv")
        if setpriv is not None:  # the server goes when the process that started it goes
            argv = [setpriv, "--pdeathsig", "KILL", *argv]
        self._process = subprocess.Popen(  # noqa: S603 - a program found on PATH, no shell
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        self.url = f"http://127.0.0.1:{port}"
        self._ready = False

    async def ready(self, http: httpx.AsyncClient) -> None:
        """Wait until the server answers (a bounded wait on a condition), or say why not."""
        if self._ready:
            return
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if not self.alive:
                code = self._process.poll() if self._process else None
                raise ApyUnavailable(f"apertium-apy exited with {code} while starting")
            with contextlib.suppress(httpx.TransportError):
                response = await http.get(f"{self.url}/listPairs", timeout=2.0)
                if response.status_code == 200:
                    self._ready = True
                    log.info("apertium: an APy server of the hub's own serves %s at %s",
                             self.modes, self.url)
                    return
            await asyncio.sleep(0.1)
        self.stop()
        raise ApyUnavailable(f"no answer within {READY_WITHIN:.0f} s")

    def stop(self) -> None:
        """Stop the server and its pipelines (one process group)."""
        process, self._process, self._ready = self._process, None, False
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # stateless: nothing to save first
        process.wait()


_SERVERS: dict[tuple[str, str | None], LocalApy] = {}


async def shared_server(command: str, data_dir: str | None, http: httpx.AsyncClient) -> str:
    """The process's server for these pairs, started (again, if it died) and answering; its
    base URL. Raises ApyUnavailable."""
    server = _SERVERS.setdefault((command, data_dir), LocalApy(command, data_dir))
    if not server.alive:
        server.spawn()
    await server.ready(http)
    return server.url


@atexit.register
def _stop_all() -> None:
    for server in _SERVERS.values():
        server.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
