"""The network's words: terms rendered a chosen way in each language, and names never translated.

A glossary has two parts. `keep`: names no engine may touch (Kigali, Basecamp). Terms: one
concept per entry, with its forms in each language (`réseau | réseaux (m)`: singular, plural,
and the gender of the rendering in languages that have one). For a pair of languages it gives
`Terms`: the names to keep and, for every form looked for in the source language, the
target's rendering (the singular for a singular, the plural for a plural).

Both parts travel as protected spans (hub.translate.protect): a kept name comes back as
written, a term comes back as its rendering, whatever the engine made of the words around it.
Providers with glossaries of their own (DeepL) get the pairs of forms instead.

The shipped glossary (`glossary.toml` beside this module, municipal cooperation) is on unless
`[translation] default_glossary = false`; an admin's file (`glossary_path`, same format) adds
terms, and a term of theirs sharing a form with a shipped one replaces it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from hub.errors import ConfigError
from hub.translate.languages import normalize, primary
from hub.translate.spans import span_pattern

DEFAULT_PATH = Path(__file__).with_name("glossary.toml")
_ANNOTATION = re.compile(r"\(([^()]*)\)\s*$")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_MARKS = {"m", "f", "pl"}


@dataclass(frozen=True)
class Forms:
    """One term in one language: singular first, then plural; the gender of its rendering."""

    forms: tuple[str, ...]
    gender: str | None = None
    plural_only: bool = False


@dataclass(frozen=True)
class Term:
    """One concept of the network, in every language the glossary gives it."""

    languages: Mapping[str, Forms]
    looked_for: frozenset[str] | None = None  # primary languages searched; None: all

    def searched_in(self, language: str) -> bool:
        return self.looked_for is None or primary(language) in self.looked_for

    def keys(self) -> set[tuple[str, str]]:
        """(language, form) pairs, case-folded: how two entries are found to be the same."""
        return {(primary(lang), form.casefold())
                for lang, forms in self.languages.items() for form in forms.forms}


@dataclass(frozen=True)
class Rendering:
    """What a term found in a text becomes in the target language."""

    text: str
    language: str
    gender: str | None = None
    plural: bool = False
    written: str = ""  # the source form as the glossary writes it


@dataclass(frozen=True)
class Terms:
    """The glossary for one pair of languages: names kept, forms rendered."""

    keep: tuple[str, ...] = ()
    renderings: Mapping[str, Rendering] = field(default_factory=dict)  # case-folded form

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Every protected span of plain text, kept names and terms included."""
        return span_pattern(self.keep, self.renderings)

    def rendering(self, found: str) -> Rendering | None:
        """The rendering of a span the pattern found, or None for a kept name or other span."""
        if found in self.keep:
            return None
        return self.renderings.get(found.casefold())

    def kept_only(self) -> Terms:
        """These terms without renderings, for a provider that renders them itself."""
        return Terms(self.keep)

    def pairs(self) -> list[tuple[str, str]]:
        """(source form as the glossary writes it, rendering) pairs, for a provider's own
        glossary."""
        return [(rendering.written or form, rendering.text)
                for form, rendering in self.renderings.items()]


@dataclass(frozen=True)
class Glossary:
    """Names kept and terms rendered, for any pair of languages."""

    keep: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()

    @cached_property
    def version(self) -> str:
        """Changes whenever what the glossary says does, so cached translations made under
        another glossary are not served."""
        content = {
            "keep": sorted(set(self.keep)),
            "terms": [{lang: [list(forms.forms), forms.gender, forms.plural_only]
                       for lang, forms in sorted(term.languages.items())}
                      | {"from": sorted(term.looked_for or [])} for term in self.terms],
        }
        encoded = json.dumps(content, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:12]

    def for_pair(self, source: str | None, target: str) -> Terms:
        """The terms of one direction. Without a known source only names are kept."""
        keep = tuple(dict.fromkeys(term for term in self.keep if term.strip()))
        if source is None:
            return Terms(keep)
        renderings: dict[str, Rendering] = {}
        for term in self.terms:
            wanted = _pick(term.languages, target)
            if wanted is None or not term.searched_in(source):
                continue
            for language in dict.fromkeys([normalize(source), primary(source)]):
                found = term.languages.get(language)
                for index, form in enumerate(found.forms if found else ()):
                    at = min(index, len(wanted.forms) - 1)
                    plural = wanted.plural_only or (at == 1)
                    renderings[form.casefold()] = Rendering(
                        wanted.forms[at], primary(target), wanted.gender, plural, form
                    )
        return Terms(keep, renderings)


def _pick(languages: Mapping[str, Forms], target: str) -> Forms | None:
    return languages.get(normalize(target)) or languages.get(primary(target))


def parse_forms(text: str) -> Forms:
    """`"réseau | réseaux (m)"` → Forms(("réseau", "réseaux"), "m"); ValueError if malformed."""
    gender: str | None = None
    plural_only = False
    annotation = _ANNOTATION.search(text)
    if annotation:
        marks = annotation.group(1).split()
        unknown = [mark for mark in marks if mark not in _MARKS]
        if unknown or not marks:
            raise ValueError(f"({annotation.group(1)}) is not (m), (f), (m pl) or (f pl)")
        genders = [mark for mark in marks if mark in ("m", "f")]
        if len(genders) > 1:
            raise ValueError(f"({annotation.group(1)}) gives two genders")
        gender = genders[0] if genders else None
        plural_only = "pl" in marks
        text = text[: annotation.start()]
    forms = tuple(form.strip() for form in text.split("|"))
    if not all(forms) or len(forms) > 2:
        raise ValueError("needs a singular, then optionally ` | ` and a plural")
    if any(char in form for form in forms for char in "\t\n\r()"):
        raise ValueError("a form cannot hold tabs, line breaks or parentheses")
    return Forms(forms, gender, plural_only)


def parse(data: Mapping[str, Any], origin: str) -> Glossary:
    """A glossary from the TOML document `data`; ConfigError naming `origin` and the fix."""
    problems: list[str] = []
    unknown = sorted(set(data) - {"keep", "term"})
    if unknown:
        problems.append(f"{origin}: unknown keys {', '.join(unknown)}; use keep = [...] and "
                        "[[term]] tables")
    keep = data.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) and k.strip() for k in keep):
        problems.append(f'{origin}: keep must be a list of names, e.g. keep = ["Kigali"]')
        keep = []
    terms: list[Term] = []
    seen: dict[tuple[str, str], int] = {}
    entries = data.get("term", [])
    if not isinstance(entries, list):
        entries = []
        problems.append(f"{origin}: terms are [[term]] tables")
    for number, entry in enumerate(entries, 1):
        where = f"{origin}, term {number}"
        term = _term(entry, where, problems)
        if term is None:
            continue
        for key in sorted(term.keys()):
            if key in seen and term.searched_in(key[0]) and terms[seen[key] - 1].searched_in(
                key[0]
            ):
                problems.append(f'{where}: {key[0]} "{key[1]}" is also in term {seen[key]}; '
                                "keep one, or limit one with from = [...]")
            seen.setdefault(key, number)
        terms.append(term)
    if problems:
        raise ConfigError(problems)
    return Glossary(tuple(keep), tuple(terms))


def _term(entry: object, where: str, problems: list[str]) -> Term | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: not a table")
        return None
    languages: dict[str, Forms] = {}
    looked_for: frozenset[str] | None = None
    for key, value in entry.items():
        if key == "from":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f'{where}: from must list languages, e.g. from = ["en"]')
                continue
            looked_for = frozenset(primary(v) for v in value)
            continue
        language = normalize(key)
        if not _LANGUAGE.fullmatch(language) or not isinstance(value, str):
            problems.append(f'{where}: {key} = {value!r} is not a language code with its forms, '
                            'e.g. fr = "réseau | réseaux (m)"')
            continue
        try:
            languages[language] = parse_forms(value)
        except ValueError as exc:
            problems.append(f'{where}: {key} = "{value}": {exc}')
    if len({primary(language) for language in languages}) < 2:
        problems.append(f"{where}: give the term in at least two languages")
        return None
    return Term(languages, looked_for)


def read(path: Path) -> Glossary:
    """The glossary in the TOML file at `path`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"glossary {path}: cannot be read ({exc.strerror}); check "
                          "[translation].glossary_path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"glossary {path}: not valid TOML ({exc})") from None
    return parse(data, f"glossary {path}")


def merge(base: Glossary, added: Glossary) -> Glossary:
    """`base` with `added`'s names and terms; a term of `added` sharing a form with one of
    `base` replaces it."""
    taken = set().union(*(term.keys() for term in added.terms))
    kept = tuple(term for term in base.terms if not term.keys() & taken)
    return Glossary(base.keep + added.keep, kept + added.terms)


def load(keep: Iterable[str] = (), path: Path | None = None, *, default: bool = True
         ) -> Glossary:
    """The glossary in force: the shipped one (unless `default` is false), the admin's file,
    and the names of `[translation] glossary`."""
    glossary = read(DEFAULT_PATH) if default else Glossary()
    if path is not None:
        glossary = merge(glossary, read(path))
    return merge(glossary, Glossary(tuple(keep)))
