"""Glue for delivery: a body or a title made ready for one bridge endpoint's readers."""

from __future__ import annotations

from hub.outgoing import Localise
from hub.router import Bridge, BridgeEndpoint
from hub.settings import Render
from hub.translate.detect import Detector
from hub.translate.render import render
from hub.translate.service import TranslationService


def _wanted(bridge: Bridge, member: BridgeEndpoint) -> str | None:
    if not bridge.translate or member.language is None or member.render is Render.ORIGINAL:
        return None
    return member.language


def body_localiser(service: TranslationService, detector: Detector | None = None) -> Localise:
    """For `DeliveryWorker(localise=…)`: translate, then render per the endpoint's choice.

    An event stored without a language (detection at ingest found none) is detected again
    here when a detector is given; still unknown, the providers that can detect are asked.
    """

    async def localise(body: str, source: str | None, bridge: Bridge,
                       member: BridgeEndpoint) -> str:
        target = _wanted(bridge, member)
        if target is None:
            return body
        if source is None and detector is not None:
            source = detector.detect(body, None)
        outcome = await service.translate(body, source, target)
        return render(body, outcome, member.render, target)

    return localise


def title_localiser(service: TranslationService, detector: Detector | None = None) -> Localise:
    """Titles are translated without the note lines a body gets (a subject stays a subject)."""

    async def localise(title: str, source: str | None, bridge: Bridge,
                       member: BridgeEndpoint) -> str:
        target = _wanted(bridge, member)
        if target is None:
            return title
        if source is None and detector is not None:
            source = detector.detect(title, None)
        return (await service.translate(title, source, target)).text

    return localise
