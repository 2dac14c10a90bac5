"""The demo's verdict: what each platform shows, the figures, and what failed, if anything."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Any

from hub.app import Hub
from hub.demo.views import View
from hub.demo.world import World
from hub.store import DEAD, PENDING

APERTIUM_HINT = ("install Apertium and its pairs (apt-get install apertium apertium-eng-spa "
                 "apertium-fr-es apertium-es-pt) and run the demo again")
_REFUSED = {"rejected", "unavailable", "store_error", "unknown_connection", "too_large"}


@dataclass
class Outcome:
    """Everything the demo found at the end."""

    views: list[View]
    failures: list[str] = field(default_factory=list)
    translation: str = "Apertium"

    @property
    def mirrored(self) -> int:
        return sum(view.received for view in self.views)

    @property
    def translated(self) -> int:
        return sum(view.translated for view in self.views)

    def figures(self) -> dict[str, Any]:
        """The JSON object `passerelle demo --json` prints last."""
        return {"platforms": {view.platform: view.figures() for view in self.views},
                "mirrored": self.mirrored, "translated": self.translated,
                "failed": len(self.failures)}

    def problems(self) -> list[str]:
        """Why the demo did not show the network working; empty when it did."""
        found = [f"{view.platform}: received nothing from the other platforms"
                 for view in self.views if view.received == 0]
        if self.translated == 0:
            found.append(f"nothing was translated ({self.translation}); {APERTIUM_HINT}"
                         if shutil.which("apertium") is None else
                         f"nothing was translated ({self.translation}); see the log above")
        found.extend(self.failures)
        return found


async def failures(hub: Hub, world: World) -> list[str]:
    """Deliveries that died or never finished, and webhooks the hub or a platform gave up on."""
    found = []
    for status in (DEAD, PENDING):
        for delivery in await hub.store.run(hub.store.deliveries, status, 1000):
            state = "failed for good" if status == DEAD else "never finished"
            found.append(f"delivery {delivery.id} to {delivery.target} {state}: "
                         f"{delivery.last_error or 'no error recorded'}")
    for metric in hub.metrics.webhooks.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels["outcome"] in _REFUSED:
                found.extend([f"a webhook for {sample.labels['connection']} was refused "
                              f"({sample.labels['outcome']}); see the log above"]
                             * int(sample.value))
    found.extend(f"Slack gave up delivering event {payload['event_id']} to the hub"
                 for payload in world.slack.undelivered)
    return found


def render(outcome: Outcome) -> str:
    """What each platform now shows, then the figures, as a person reads them."""
    out = []
    for view in outcome.views:
        out.append(f"\n{view.name} — {view.where}")
        if not view.items:
            out.append("  (nothing)")
        for item in view.items:
            author = f" — {item.author}" if item.author else ""
            mark = "  [translated]" if item.translated else ""
            out.append(f"  {item.kind:<8} {_clip(item.text)}{author}{mark}")
            if item.detail:
                out.append(f"           {item.detail}")
    out.append(f"\n{outcome.mirrored} items mirrored, {outcome.translated} translated, "
               f"{len(outcome.failures)} failed.")
    problems = outcome.problems()
    if problems:
        out.append("The demo did not go as it should:")
        out.extend(f"  - {problem}" for problem in problems)
    else:
        out.append("All four platforms received mirrored items; none failed.")
    return "\n".join(out)


def _clip(text: str, width: int = 78) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
