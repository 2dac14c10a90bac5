"""Glue for delivery: a body or a title made ready for one bridge endpoint's readers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hub.router import Bridge, BridgeEndpoint
from hub.settings import Render
from hub.translate.render import render
from hub.translate.service import TranslationService

Localise = Callable[[str, str | None, Bridge, BridgeEndpoint], Awaitable[str]]


def body_localiser(service: TranslationService) -> Localise:
    """For `DeliveryWorker(localise=…)`: translate, then render per the endpoint's choice."""

    async def localise(body: str, source: str | None, bridge: Bridge,
                       member: BridgeEndpoint) -> str:
        if not bridge.translate or member.language is None or member.render is Render.ORIGINAL:
            return body
        outcome = await service.translate(body, source, member.language)
        return render(body, outcome, member.render, member.language)

    return localise


def title_localiser(service: TranslationService) -> Localise:
    """Titles are translated without the note lines a body gets (a subject stays a subject)."""

    async def localise(title: str, source: str | None, bridge: Bridge,
                       member: BridgeEndpoint) -> str:
        if not bridge.translate or member.language is None or member.render is Render.ORIGINAL:
            return title
        return (await service.translate(title, source, member.language)).text

    return localise
