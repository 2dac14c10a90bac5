"""Settings of the whole suite.

Hubs started by the tests translate through an APy server of each test process's own
(`[translation.apertium] own_server`, started at the first translation and shared by every hub
of the process), as the demo does: the `apertium` command starts some ten processes per text.
The command's own path is tested by tests/hub/translate/test_apertium.py, which builds its
translators without this setting."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from pathlib import Path

os.environ.setdefault("HUB_TRANSLATION__APERTIUM__OWN_SERVER", "true")


def _dump_tasks(signum: int, frame: object) -> None:
    """`kill -USR1 <pid>` of a test process (an xdist worker) writes the stack of each of its
    asyncio tasks to `$TMPDIR/passerelle-tasks-<pid>.txt`: where a hung test waits, which no
    thread's stack shows (pytest captures the process's own output while a test runs)."""
    loop = asyncio.events._get_running_loop()
    if loop is None:
        return
    lines = []
    for task in asyncio.all_tasks(loop):
        lines.append(f"--- {task.get_name()}: {task.get_coro()}")
        lines += [f"    {f.f_code.co_filename}:{f.f_lineno} {f.f_code.co_name}"
                  for f in task.get_stack(limit=30)]
    path = Path(tempfile.gettempdir()) / f"passerelle-tasks-{os.getpid()}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


signal.signal(signal.SIGUSR1, _dump_tasks)
