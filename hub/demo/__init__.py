"""`passerelle demo`: the four sandbox platforms and the hub on loopback, playing a story.

A French post on Basecamp with a comment, an English Slack thread, Portuguese WhatsApp
messages with a photo, a schedule entry that becomes a Zoom meeting with interpretation and
is announced everywhere, and the meeting's recording filed in Basecamp. Its people are one
person each across platforms (hub/demo/people.py), signed with one name and city everywhere,
as `passerelle people` lists them on the store the demo keeps. The demo prints its
progress, then what each platform shows; with `--json` all of that goes to stderr and stdout
holds one JSON object, the figures.
"""

from __future__ import annotations

import asyncio
import json
import logging

import typer

from hub.demo.report import Outcome, render
from hub.demo.runner import play
from hub.errors import HubError

__all__ = ["run_demo"]


def run_demo(*, as_json: bool, keep: bool) -> int:
    """Play the story; return the command's exit code.

    0 when every platform received mirrored items, some were translated and nothing failed;
    1 otherwise, with what went wrong in the report. With `keep`, everything stays up (the URLs
    printed) until Ctrl-C, and the code is decided by what happened before.
    """
    # Only what needs a person's attention interrupts the story.
    logging.basicConfig(level=logging.WARNING, format="  ! %(name)s: %(message)s")
    found: list[Outcome] = []

    def say(line: str) -> None:
        typer.echo(line, err=as_json)  # with --json, stdout holds the figures alone

    def show(outcome: Outcome) -> None:
        found.append(outcome)
        say(render(outcome))

    try:
        asyncio.run(play(say, show, keep=keep))
    except HubError as exc:
        typer.echo(f"passerelle demo: the hub could not start: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        if not found:
            typer.echo("passerelle demo: interrupted before the story ended", err=True)
            return 1
    if not found:
        return 1
    if as_json:  # after what --keep printed: the figures of the story
        typer.echo(json.dumps(found[0].figures(), ensure_ascii=False))
    problems = found[0].problems()
    if problems:
        typer.echo(f"passerelle demo: {len(problems)} problem(s), listed in the report above",
                   err=True)
    return 1 if problems else 0
