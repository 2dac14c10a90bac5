"""Apertium: rule-based, offline and free; an APy server when configured, else the command.

The pairs are what the installation says (`apertium -l`, or APy's `GET /listPairs`). A pair
with no direct mode goes through other languages: the first route of `routes.toml` (measured on
the dev set by bench/translation.py, best first) whose pairs are installed, or the admin's own
(`[translation.apertium.routes]`), else the shortest way the installed pairs allow. Unknown
words are never marked (`-u`, APy `markUnknown=no`), and text travels in Apertium's html
format so the placeholders pass through as markup.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import shutil
import tomllib
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx

from hub.errors import PermanentError, TransientError
from hub.translate.languages import normalize, primary
from hub.translate.provider import Translator
from hub.translate.providers._http import call_json, shape_error
from hub.translate.providers.apy_server import ApyUnavailable, shared_server
from hub.translate.settings import ApertiumSettings, ProviderSettings

log = logging.getLogger(__name__)

# Several segments may be translated at once; each is a short-lived process.
PROCESSES = 4
ROUTES_PATH = Path(__file__).with_name("routes.toml")


def measured_routes(path: Path = ROUTES_PATH) -> dict[str, list[list[str]]]:
    """The routes measured per direction ("fr-en"), best first, each a list of languages."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {direction: [str(item["route"]).split() for item in items]
            for direction, items in data.items() if isinstance(items, list)}


@dataclass(frozen=True)
class Hop:
    """One installed direction: hub language codes and the engine's own name for it."""

    source: str
    target: str
    native: str  # CLI mode ("fr-es") or APy langpair ("fra|spa")


def _mode_hop(mode: str) -> Hop | None:
    parts = mode.strip().split("-")
    if len(parts) != 2 or not all(parts):
        return None  # e.g. "eco-es-fr", a variant of another kind
    return Hop(normalize(parts[0]), normalize(parts[1]), mode.strip())


_MARK = re.compile(r"(?<![\w>&])([*#@~])(?=\w)")


def strip_marks(source: str, translated: str) -> str:
    """Remove the marks Apertium may still put before a word (`*` unknown, `@` untransferred,
    `#` ungenerated, `~` unjoined) unless the source itself wrote that sign before a word."""
    written = {found.group(1) for found in _MARK.finditer(source)}
    return _MARK.sub(lambda m: m.group(1) if m.group(1) in written else "", translated)


# A placeholder standing alone between words travels as a made-up name ("Zxqcx" for 1): an
# unknown word stays where its sentence puts it and the words around it are translated as
# around a name, whereas a tag there is a blank a transfer rule may move, or a break that
# leaves its verb without a subject ("The meeting of the will <br> place", "It will take
# place"). A placeholder glued to a word (a line break within text) stays a tag. Apertium's
# html deformatter reads tags it does not know as sentence breaks and capitalises the next
# word; <br> and <span> pass as the inline markup they are.
_DIGITS = "bcdfghjklm"
_ALONE = re.compile(r'(?<![^\s\'’(«"“¿¡/])<x id="(\d+)"/>(?![^\s.,;:!?)»"”\'’…/-])')
# Read back wherever it is: an engine may glue a word to it ("Zxqcxha" for "<x/>'s").
_NAME = re.compile(r"zxq([bcdfghjklm]+)x", re.IGNORECASE)
_TO_HTML = [(re.compile(r'<x id="(\d+)"/>'), r'<br id="\1"/>'),
            (re.compile(r'<g id="(\d+)">'), r'<span id="\1">'), (re.compile(r"</g>"), "</span>")]
_FROM_HTML = [(re.compile(r'<br id="(\d+)"\s*/?>(?:</br>)?'), r'<x id="\1"/>'),
              (re.compile(r'<span id="(\d+)">'), r'<g id="\1">'), (re.compile(r"</span>"), "</g>")]


def _name(found: re.Match[str]) -> str:
    return "Zxq" + "".join(_DIGITS[int(digit)] for digit in found.group(1)) + "x"


def _number(found: re.Match[str]) -> str:
    return f'<x id="{int("".join(str(_DIGITS.index(c)) for c in found.group(1).lower()))}"/>'


_STARTS_WITH_NAME = re.compile(r"^(\W*zxq[bcdfghjklm]+x\s+)([^\W\d_])([^\W\d_]?)",
                               re.IGNORECASE)


def keep_case(source: str, translated: str) -> str:
    """Apertium gives a sentence's capital to its first word it knows: a segment starting with
    a name it does not know comes back with the next word capitalised ("Zxqcx Será")."""
    before = _STARTS_WITH_NAME.match(source)
    after = _STARTS_WITH_NAME.match(translated)
    if (before and after and before.group(2).islower() and after.group(2).isupper()
            and not after.group(3).isupper()):
        return after.group(1) + after.group(2).lower() + translated[after.end(2):]
    return translated


def to_html(text: str) -> str:
    """The hub's placeholders as Apertium handles them best: names, or inline HTML."""
    text = _ALONE.sub(_name, text)
    for pattern, replacement in _TO_HTML:
        text = pattern.sub(replacement, text)
    return text


def from_html(text: str) -> str:
    """Back from `to_html`, whatever spelling the reformatter chose."""
    text = _NAME.sub(_number, text)
    for pattern, replacement in _FROM_HTML:
        text = pattern.sub(replacement, text)
    return text


def resolve(hops: Sequence[Hop], languages: Sequence[str], target: str) -> list[Hop] | None:
    """The installed directions along `languages` (primary codes), or None if one is missing.
    Each hop goes into the plain language (ca, not ca-Valencia), the last into exactly the
    asked variant when there is one (en-US, pt-BR)."""
    chain: list[Hop] = []
    for index, (a, b) in enumerate(itertools.pairwise(languages)):
        wanted = normalize(target) if index == len(languages) - 2 else b
        found = [hop for hop in hops if primary(hop.source) == a and primary(hop.target) == b]
        if not found:
            return None
        chain.append(min(found, key=lambda hop: (normalize(hop.target) != wanted,
                                                 normalize(hop.target) != b,
                                                 normalize(hop.source) != a)))
    return chain


def route(hops: Sequence[Hop], source: str, target: str,
          preferred: Sequence[Sequence[str]] = ()) -> list[Hop] | None:
    """The chain of installed directions from `source` to `target`: the first of `preferred`
    (routes as languages, best first) that is installed, else the shortest, or None."""
    start, end = primary(source), primary(target)
    for languages in preferred:
        if len(languages) >= 2 and languages[0] == start and languages[-1] == end:
            chain = resolve(hops, languages, target)
            if chain is not None:
                return chain
    queue: deque[list[str]] = deque([[start]])
    seen = {start}
    while queue:
        path = queue.popleft()
        for hop in hops:
            if primary(hop.source) != path[-1] or primary(hop.target) in seen:
                continue
            languages = [*path, primary(hop.target)]
            if languages[-1] == end:
                return resolve(hops, languages, target)
            seen.add(languages[-1])
            queue.append(languages)
    return None


class ApertiumTranslator(Translator):
    """Apertium through APy (`apy_url`) or the `apertium` command."""

    name: ClassVar[str] = "apertium"
    settings_model: ClassVar[type[ProviderSettings]] = ApertiumSettings
    auto_detects: ClassVar[bool] = False

    def __init__(self, settings: ProviderSettings, http: httpx.AsyncClient) -> None:
        super().__init__(settings, http)
        assert isinstance(settings, ApertiumSettings)
        self.options = settings
        self.apy = str(settings.apy_url).rstrip("/") if settings.apy_url else None
        self._own_server = settings.own_server and settings.apy_url is None
        self._hops: list[Hop] | None = None
        self._slots = asyncio.Semaphore(PROCESSES)
        self.routes: Mapping[str, Sequence[Sequence[str]]] = {
            **measured_routes(), **{d: [r] for d, r in settings.routes.items()}
        }

    def _route(self, hops: Sequence[Hop], source: str, target: str) -> list[Hop] | None:
        preferred = self.routes.get(f"{primary(source)}-{primary(target)}", ())
        return route(hops, source, target, preferred)

    async def _serving(self) -> None:
        """With `own_server`: the process's own APy server, started (again, if it died). One
        that cannot start leaves the command to translate, said once."""
        if not self._own_server:
            return
        try:
            url = await shared_server(self.options.server_command, self.options.data_dir,
                                      self.http)
        except ApyUnavailable as exc:
            log.warning("apertium: no APy server of its own (%s); the apertium command "
                        "translates instead", exc)
            self._own_server, self.apy, self._hops = False, None, None
            return
        if self.apy != url:
            self.apy = url

    async def hops(self) -> list[Hop]:
        """The installed directions, asked once."""
        await self._serving()
        if self._hops is None:
            self._hops = await (self._apy_hops() if self.apy else self._cli_hops())
        return self._hops

    async def pairs(self) -> frozenset[tuple[str, str]] | None:
        """The directions installed here (direct ones; `supports` also finds pivots)."""
        return frozenset((hop.source, hop.target) for hop in await self.hops())

    async def supports(self, source: str | None, target: str) -> bool:
        """Whether installed pairs lead from `source` to `target`, directly or by a pivot."""
        return source is not None and self._route(await self.hops(), source, target) is not None

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        """Translate along the best installed route, hop by hop."""
        if source is None:
            raise PermanentError("Apertium needs the source language", connection=self.name)
        chain = self._route(await self.hops(), source, target)
        if chain is None:
            raise PermanentError(
                f"no installed Apertium pair leads from {source} to {target}; install one "
                "(apt-get install apertium-…)", connection=self.name,
            )
        current = [to_html(text) for text in texts]
        for hop in chain:
            current = list(await asyncio.gather(*(self._one(hop, text) for text in current)))
        return [from_html(text) for text in current]

    async def _one(self, hop: Hop, text: str) -> str:
        # Apertium trims the edges; keep the segment's own spacing around its words.
        core = text.strip()
        if not core:
            return text
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        translated = await (self._apy(hop, core) if self.apy else self._cli(hop, core))
        return lead + keep_case(core, strip_marks(core, translated.strip())) + trail

    # -- the command -------------------------------------------------------------------

    def _argv(self, *args: str) -> list[str]:
        command = shutil.which(self.options.command)
        if command is None:
            raise PermanentError(
                f'the "{self.options.command}" command is not installed; apt-get install '
                "apertium and a pair such as apertium-eng-spa, or set [translation.apertium]"
                ".apy_url", connection=self.name,
            )
        data = ["-d", self.options.data_dir] if self.options.data_dir else []
        return [command, *data, *args]

    async def _run(self, argv: list[str], text: str) -> str:
        async with self._slots:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                out, err = await process.communicate(text.encode("utf-8"))
            except asyncio.CancelledError:
                process.kill()
                await process.wait()
                raise
        if process.returncode != 0:
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
            raise TransientError(
                f"apertium {argv[-1]} exited with {process.returncode}: {reason[0][:200]}",
                connection=self.name,
            )
        return out.decode("utf-8")

    async def _cli_hops(self) -> list[Hop]:
        try:
            argv = self._argv("-l")
        except PermanentError:
            return []  # not installed: serves nothing, and says so through `supports`
        listing = await self._run(argv, "")
        return [hop for line in listing.splitlines() if (hop := _mode_hop(line))]

    async def _cli(self, hop: Hop, text: str) -> str:
        return await self._run(self._argv("-u", "-f", "html", hop.native), text)

    # -- APy -------------------------------------------------------------------------

    async def _apy_hops(self) -> list[Hop]:
        request = self.http.build_request("GET", f"{self.apy}/listPairs")
        data = await call_json(
            self.http, request, provider=self.name, what="APy listPairs", on_error=_no_mapping
        )
        try:
            items = data["responseData"]
            return [
                Hop(normalize(i["sourceLanguage"]), normalize(i["targetLanguage"]),
                    f"{i['sourceLanguage']}|{i['targetLanguage']}")
                for i in items
            ]
        except (KeyError, TypeError) as exc:
            raise shape_error(self.name, "APy listPairs", "no responseData pairs") from exc

    async def _apy(self, hop: Hop, text: str) -> str:
        request = self.http.build_request(
            "POST", f"{self.apy}/translate",
            data={"langpair": hop.native, "q": text, "markUnknown": "no", "format": "html"},
        )
        data = await call_json(
            self.http, request, provider=self.name, what="APy translate", on_error=_no_mapping
        )
        try:
            return str(data["responseData"]["translatedText"])
        except (KeyError, TypeError) as exc:
            raise shape_error(self.name, "APy translate", "no translatedText") from exc


def _no_mapping(response: httpx.Response) -> None:
    # APy answers plain HTTP statuses ({"status": "error", "code", "explanation"}).
    return None
