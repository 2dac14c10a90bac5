"""Translation quality: chrF and BLEU per direction on the network's dev set, per provider and
Apertium route, through the hub's own translation service (glossary, placeholders, restore).

    python bench/translation.py [--json]                  # today's routes vs the defaults
    python bench/translation.py --routes [--write-routes] # every Apertium route, measured
    python bench/translation.py --config passerelle.toml  # also the providers configured there

The dev set is bench/translation/devset.tsv: sentences in en, fr, es and pt, each a translation
of the others; every sentence is translated from each language into each other one and scored
against the dev set's own sentence (sacrebleu: chrF, BLEU 13a, one reference). Apertium runs
in an APy server this script starts on 127.0.0.1 (the same pipelines as the `apertium`
command, kept loaded), or through the command with --command.

Systems, per direction: `today` (the route the hub took before routes were measured, through
Spanish with apertium-fr-es, apertium-eng-spa and apertium-es-pt, no glossary), `today+glossary`,
`route` (the measured route, no glossary) and `default` (the measured route with the shipped
glossary: what a fresh install does). Routes are chosen on the `dev` split only; the
`held-out` split's figures say whether the choice holds on sentences it was not made on, and
`no_terms` is measured on the sentences where the shipped glossary finds no term to render.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import shutil
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hub import markup
from hub.store import Store
from hub.translate import glossary
from hub.translate.languages import primary
from hub.translate.provider import Translator
from hub.translate.providers.apertium import ROUTES_PATH, ApertiumTranslator, Hop
from hub.translate.service import TranslationService
from hub.translate.settings import ApertiumSettings, TranslationSettings

try:
    import sacrebleu
except ImportError:  # pragma: no cover - said plainly to whoever runs it
    sys.exit("bench/translation.py needs sacrebleu: pip install -e '.[bench]'")

DEVSET = Path(__file__).with_name("translation") / "devset.tsv"
HOP_COST = 1.0  # chrF a route must gain on the dev split for each pair it adds
LANGUAGES = ("en", "fr", "es", "pt")
# The routes the hub took before they were measured: the shortest way through the three pairs
# it was installed with (apertium-fr-es, apertium-eng-spa, apertium-es-pt).
TODAY = {"fr-en": "fr es en", "en-fr": "en es fr", "pt-en": "pt es en", "en-pt": "en es pt",
         "fr-pt": "fr es pt", "pt-fr": "pt es fr", "fr-es": "fr es", "es-fr": "es fr",
         "en-es": "en es", "es-en": "es en", "pt-es": "pt es", "es-pt": "es pt"}


@dataclass(frozen=True)
class Sentence:
    id: str
    split: str
    text: Mapping[str, str]


def read_devset(path: Path = DEVSET) -> list[Sentence]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Sentence(row["id"], row["split"], {lang: row[lang] for lang in LANGUAGES})
            for row in rows]


@dataclass
class Score:
    """One system on one direction."""

    route: str | None
    hypotheses: list[str]
    references: list[str]
    splits: list[str]
    untranslated: int = 0
    without_terms: list[bool] = field(default_factory=list)

    def compute(self) -> dict[str, Any]:
        result: dict[str, Any] = {"route": self.route} if self.route else {}
        for split in ("all", "dev", "held-out", "no-terms"):
            keep = [i for i, s in enumerate(self.splits)
                    if split in ("all", s) or (split == "no-terms" and self.without_terms[i])]
            if not keep:
                continue
            hyps = [self.hypotheses[i] for i in keep]
            refs = [[self.references[i] for i in keep]]
            suffix = "" if split == "all" else f"_{split.replace('-', '_')}"
            result[f"chrf{suffix}"] = round(sacrebleu.corpus_chrf(hyps, refs).score, 1)
            result[f"bleu{suffix}"] = round(sacrebleu.corpus_bleu(hyps, refs).score, 1)
        result["untranslated"] = self.untranslated
        return result


async def translate_all(
    settings: TranslationSettings, translators: Mapping[str, type[Translator]],
    http: httpx.AsyncClient, sentences: Sequence[Sentence], source: str, target: str,
    in_flight: int,
) -> tuple[list[str], int]:
    """Every sentence through a fresh service (its own in-memory cache)."""
    store = Store.open("sqlite://")
    service = TranslationService(settings, translators, store, http)
    slots = asyncio.Semaphore(in_flight)

    async def one(sentence: Sentence) -> tuple[str, bool]:
        async with slots:
            outcome = await service.translate(sentence.text[source], source, target)
        return markup.plain_text(outcome.text), outcome.translated

    try:
        done = await asyncio.gather(*(one(s) for s in sentences))
    finally:
        await service.aclose()
        store.close()
    return [text for text, _ in done], sum(not ok for _, ok in done)


def apertium_settings(apy: str | None, route: str, glossary: bool) -> TranslationSettings:
    languages = route.split()
    direction = f"{languages[0]}-{languages[-1]}"
    options = ApertiumSettings(apy_url=apy, timeout_seconds=120, routes={direction: languages})
    return TranslationSettings(providers=["apertium"], apertium=options,
                               default_glossary=glossary)


def candidate_routes(hops: Sequence[Hop], source: str, target: str, max_hops: int) -> list[str]:
    """Every way from `source` to `target` through installed pairs, no language twice."""
    edges = sorted({(primary(h.source), primary(h.target)) for h in hops})
    found: list[str] = []

    def walk(path: list[str]) -> None:
        if path[-1] == target:
            found.append(" ".join(path))
            return
        if len(path) > max_hops:
            return
        for a, b in edges:
            if a == path[-1] and b not in path:
                walk([*path, b])

    walk([source])
    return sorted(found, key=lambda r: (len(r.split()), r))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def apy_server(modes: Path) -> AsyncIterator[str]:
    """An APy server on loopback for the length of the run."""
    program = shutil.which("apertium-apy")
    if program is None:
        sys.exit("apertium-apy is not installed: apt-get install apertium-apy, or pass --command")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        program, "-p", str(port), "-i", "2", str(modes),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await http.get(f"{url}/listPairs", timeout=2)).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.returncode is not None or time.monotonic() > deadline:
                    sys.exit("apertium-apy did not start; try --command")
                await asyncio.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


def _other_providers(config: Path) -> tuple[dict[str, TranslationSettings],
                                            dict[str, type[Translator]]]:
    from hub.plugins import Registry, make_plugin_manager
    from hub.settings import load_settings

    settings = load_settings(config)
    registry = Registry.collect(make_plugin_manager(allow=settings.plugins.allow,
                                                    block=settings.plugins.block))
    chain = settings.translation
    systems = {name: chain.model_copy(update={"providers": [name]})
               for name in chain.providers if name != "apertium"}
    return systems, dict(registry.translators)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    sentences = read_devset()
    directions = [f"{a}-{b}" for a, b in itertools.permutations(LANGUAGES, 2)]
    if args.directions:
        directions = [d for d in directions if d in args.directions.split(",")]
    report: dict[str, Any] = {"sentences": len(sentences),
                              "engine": "apertium command" if args.command else "apertium APy",
                              "directions": {}}
    shipped = glossary.load()
    async with _engine(args) as apy, httpx.AsyncClient(timeout=120) as http:
        apertium = {"apertium": ApertiumTranslator}
        probe = ApertiumTranslator(ApertiumSettings(apy_url=apy), http)
        hops = await probe.hops()
        for direction in directions:
            source, target = direction.split("-")
            # Sentences in which the shipped glossary finds nothing to render: there, only
            # the route can make a difference.
            terms = shipped.for_pair(source, target)
            plain = [not any(terms.rendering(m.group(0)) for m in
                             terms.pattern.finditer(s.text[source])) for s in sentences]
            chosen = probe._route(hops, source, target)
            best = " ".join([source, *(primary(h.target) for h in chosen or [])])
            systems: dict[str, tuple[TranslationSettings, dict[str, type[Translator]], str]] = {
                "today": (apertium_settings(apy, TODAY[direction], False), apertium,
                          TODAY[direction]),
                "today+glossary": (apertium_settings(apy, TODAY[direction], True), apertium,
                                   TODAY[direction]),
                "route": (apertium_settings(apy, best, False), apertium, best),
                "default": (apertium_settings(apy, best, True), apertium, best),
            }
            if args.routes:
                for candidate in candidate_routes(hops, source, target, args.max_hops):
                    systems[f"route {candidate}"] = (
                        apertium_settings(apy, candidate, True), apertium, candidate)
            if args.config:
                others, translators = _other_providers(args.config)
                for name, settings in others.items():
                    systems[name] = (settings, translators, "")
            results: dict[str, Any] = {}
            for name, (settings, translators, route) in systems.items():
                hypotheses, failed = await translate_all(
                    settings, translators, http, sentences, source, target, args.in_flight)
                score = Score(route or None, hypotheses, [s.text[target] for s in sentences],
                              [s.split for s in sentences], failed, plain)
                results[name] = score.compute()
                for sentence, hypothesis in list(zip(sentences, hypotheses, strict=True))[
                        : args.show]:
                    print(f"  {direction} {name} {sentence.id}: {hypothesis}", file=sys.stderr)
            report["directions"][direction] = results
            print(_row(direction, results), file=sys.stderr if args.json else sys.stdout)
    return report


@asynccontextmanager
async def _engine(args: argparse.Namespace) -> AsyncIterator[str | None]:
    if args.command:
        yield None
    elif args.apy:
        yield args.apy
    else:
        async with apy_server(Path(args.modes)) as url:
            yield url


def _row(direction: str, results: Mapping[str, Mapping[str, Any]]) -> str:
    lines = []
    for name, r in results.items():
        lines.append(f"{direction:6} {name:28} {r.get('route', ''):12} chrF {r['chrf']:5.1f} "
                     f"BLEU {r['bleu']:5.1f}  dev {r['chrf_dev']:5.1f}  held-out "
                     f"{r['chrf_held_out']:5.1f}  no terms {r['chrf_no_terms']:5.1f}  "
                     f"untranslated {r['untranslated']}")
    return "\n".join(lines)


def rank(chrf_dev: float, route: str) -> float:
    """What orders routes: chrF on the dev split, less HOP_COST per pair past the first (a pair
    is one more process and one more engine to lose a placeholder: worth it only if it gains)."""
    return chrf_dev - HOP_COST * (len(route.split()) - 2)


def write_routes(report: Mapping[str, Any], path: Path = ROUTES_PATH) -> None:
    """The measured routes, best first, as the provider reads them."""
    lines = [
        "# Apertium routes per direction, best first: chrF on the dev split of",
        "# bench/translation/devset.tsv with the shipped glossary on, less "
        f"{HOP_COST} per pair past the",
        "# first (BLEU beside it). Written by",
        "#     python bench/translation.py --routes --write-routes",
        "# The provider takes the first route whose pairs are installed, else the shortest.",
        "",
    ]
    for direction, results in report["directions"].items():
        measured = sorted(
            ((r["chrf_dev"], r["bleu_dev"], name[len("route "):])
             for name, r in results.items() if name.startswith("route ")),
            key=lambda item: (-rank(item[0], item[2]), -item[1], len(item[2].split())),
        )
        lines.append(f"{direction} = [")
        lines.extend(f'  {{ route = "{route}", chrf = {chrf}, bleu = {bleu} }},'
                     for chrf, bleu, route in measured)
        lines.append("]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object as the last line")
    parser.add_argument("--routes", action="store_true",
                        help="also measure every Apertium route of up to --max-hops pairs")
    parser.add_argument("--write-routes", action="store_true",
                        help=f"write the measured routes to {ROUTES_PATH} (with --routes)")
    parser.add_argument("--max-hops", type=int, default=3)
    parser.add_argument("--directions", help="e.g. fr-en,en-pt (default: all twelve)")
    parser.add_argument("--config", type=Path, help="a hub config: its other providers too")
    parser.add_argument("--command", action="store_true", help="the apertium command, not APy")
    parser.add_argument("--apy", help="an APy server already running")
    parser.add_argument("--modes", default="/usr/share/apertium/modes")
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--show", type=int, default=0, help="print N translations per system")
    args = parser.parse_args()
    if args.write_routes and not args.routes:
        parser.error("--write-routes needs --routes")
    report = asyncio.run(run(args))
    if args.write_routes:
        write_routes(report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
