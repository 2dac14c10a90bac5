"""The demo's people file: what an admin would write of the story's people (their city, role,
languages and expertise, the WhatsApp numbers the platforms cannot match by e-mail), so that
`passerelle people` lists each of them once, with every platform they are on.

Their e-mail addresses are the ones the sandboxes' profiles carry: Camille is on Basecamp and
Slack, and the hub matches those accounts by address, as it would on the real platforms; Ana's
and Beatriz's WhatsApp numbers match them to what the file says of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Each person of the story, as `[people.<id>]` says them (hub/people/declared.py).
PEOPLE: dict[str, dict[str, Any]] = {
    "camille": {"name": "Camille Martin", "city": "Lyon", "organisation": "Ville de Lyon",
                "role": "chargée de mission mobilité", "languages": ["fr", "en"],
                "timezone": "Europe/Paris", "tags": ["mobility", "participation"],
                "emails": ["camille@example.org"]},
    "hugo": {"name": "Hugo Bernard", "city": "Grenoble", "organisation": "Ville de Grenoble",
             "role": "jardinier en chef", "languages": ["fr"], "timezone": "Europe/Paris",
             "tags": ["urban gardens", "waste"], "emails": ["hugo@example.org"]},
    "emma": {"name": "Emma Wilson", "city": "Bristol", "organisation": "Bristol City Council",
             "role": "transport planner", "languages": ["en"], "timezone": "Europe/London",
             "tags": ["mobility", "open data"], "emails": ["emma.wilson@example.org"]},
    "james": {"name": "James Okoro", "city": "Manchester", "role": "data analyst",
              "languages": ["en"], "timezone": "Europe/London", "tags": ["open data"],
              "emails": ["james.okoro@example.org"]},
    "ana": {"name": "Ana Souza", "city": "Lisboa", "organisation": "Câmara Municipal de Lisboa",
            "role": "urbanista", "languages": ["pt", "en"], "timezone": "Europe/Lisbon",
            "tags": ["mobility", "participation"], "phones": ["+351 912 345 678"]},
    "bea": {"name": "Beatriz Lima", "city": "Porto", "role": "fotógrafa",
            "languages": ["pt"], "timezone": "Europe/Lisbon", "tags": ["waste"],
            "phones": ["+351 913 333 333"]},
}


def people_toml() -> str:
    """The people file's text (JSON strings and arrays are TOML's too)."""
    tables = []
    for person_id, entry in PEOPLE.items():
        lines = [f"[people.{person_id}]"]
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}"
                  for key, value in entry.items()]
        tables.append("\n".join(lines))
    return HEADING + "\n\n".join(tables) + "\n"


FILE_NAME = "passerelle-people.toml"
#: How the file starts: what tells an earlier demo's file from an admin's own.
HEADING = "# The demo's people (passerelle demo; docs/people.md).\n\n"


def write_people_file(folder: Path) -> Path:
    """Write the people file into the demo's folder; returns its path."""
    path = folder / FILE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(people_toml(), encoding="utf-8")
    return path
