"""What an idle hub costs: `passerelle run` with the bench's four connections and no traffic,
its CPU measured over a window once it has settled (% of one core), as operators run it.

    python bench/idle.py [--settle 15] [--window 60] [--json]

The hub's scheduler keeps its defaults (a delivery heartbeat every second, polls every
minute, the archive's and people's indexers every five seconds), so the figure is what a
quiet hub costs in production between bursts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from support import (  # the script's folder is on the path: `python bench/idle.py`
    HubProcess,
    Sandboxes,
    cpu_seconds,
    rss_mb,
)

from hub.settings import SchedulerSettings

DEFAULT_TICK = SchedulerSettings().delivery_interval_seconds  # the operators' default


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="passerelle-idle-") as scratch:
        async with Sandboxes.serve() as boxes:
            hub = HubProcess.configure(boxes, Path(scratch), concurrency=8, tick=DEFAULT_TICK)
            await hub.start()
            boxes.point_at(hub.url)
            try:
                await asyncio.sleep(args.settle)  # start-up's own work is not idling
                before, began = cpu_seconds(hub.pid), time.monotonic()
                await asyncio.sleep(args.window)
                used, elapsed = cpu_seconds(hub.pid) - before, time.monotonic() - began
                return {"window_s": round(elapsed, 1), "cpu_s": round(used, 3),
                        "cpu_percent_of_a_core": round(100 * used / elapsed, 2),
                        "cpu_s_per_minute": round(60 * used / elapsed, 3),
                        "rss_mb": round(rss_mb(hub.pid), 1)}
            finally:
                await hub.stop()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settle", type=float, default=15.0, help="seconds before measuring")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    result = asyncio.run(main(arguments))
    if not arguments.json:
        print(f"idle hub: {result['cpu_percent_of_a_core']} % of a core "
              f"({result['cpu_s_per_minute']} s of CPU a minute), {result['rss_mb']} MB")
    print(json.dumps(result))
