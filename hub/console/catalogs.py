"""Keep the console's catalogs in step with its templates and code.

    python -m hub.console.catalogs          # add new messages to every catalog, drop old ones
    python -m hub.console.catalogs --check  # exit 1 naming each message a catalog lacks

Messages are found where the console marks them: `_()` in templates, `gettext`, `ngettext` and
`N_` in Python. A new message lands in each catalog untranslated (and the check fails) until a
translator fills it in; a message no longer used is kept as obsolete, so no translation is lost.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from hub.console.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALES_DIR

PACKAGE = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                 "lstrip_blocks": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
HEADER = ("# The admin console's messages in {language}.\n"
          "# Fill in each msgstr; `python -m hub.console.catalogs` adds new messages.")
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def extracted() -> Catalog:
    """Every message the console's templates and code mark, with where each is used."""
    template = Catalog(domain=DOMAIN, project="Passerelle console", fuzzy=False)
    for filename, line, message, comments, context in extract_from_dir(
            PACKAGE, METHODS, OPTIONS, keywords=KEYWORDS, comment_tags=("Translators:",),
            strip_comment_tags=True):
        template.add(message, None, [(f"hub/console/{filename}", line)],
                     auto_comments=comments, context=context)
    return template


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    path = catalog_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN, project="Passerelle console",
                       version="", fuzzy=False, copyright_holder="Passerelle",
                       msgid_bugs_address="", last_translator="", language_team="",
                       header_comment=HEADER.format(language=LANGUAGES[language]))
    with path.open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def update() -> None:
    template = extracted()
    for language in translated_languages():
        catalog = read(language)
        created = catalog.creation_date
        catalog.update(template, update_header_comment=False, no_fuzzy_matching=True)
        catalog.creation_date = created  # a date that moves on every run only makes noise
        path = catalog_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, sort_output=False, omit_header=False)


def translated_languages() -> list[str]:
    return [code for code in LANGUAGES if code != DEFAULT]


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def _texts(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's forms (singular and plurals) as a tuple, whatever Babel holds them in."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def problems(template: Catalog, languages: Iterable[str]) -> list[str]:
    """What stops each catalog from speaking every message: missing, fuzzy, or translated
    with other placeholders than the English (a page would fail or show a raw name)."""
    found = []
    for language in languages:
        catalog = read(language)
        for message in template:
            if not message.id:
                continue
            ids = _texts(message.id)
            entry = catalog.get(message.id, context=message.context)
            key = ids[0]
            strings = _texts(entry.string) if entry is not None else ()
            if not strings or not all(strings):
                found.append(f"{language}: no translation of {key!r}")
                continue
            if entry is not None and entry.fuzzy:
                found.append(f"{language}: the translation of {key!r} is marked fuzzy")
            wanted = set().union(*(placeholders(i) for i in ids))
            for string in strings:
                if placeholders(string) != wanted:
                    found.append(f"{language}: {key!r} is translated with placeholders "
                                 f"{sorted(placeholders(string))}, not {sorted(wanted)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.console.catalogs",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a catalog lacks a translation")
    args = parser.parse_args(argv)
    if not args.check:
        update()
    missing = problems(extracted(), translated_languages())
    for line in missing:
        sys.stderr.write(line + "\n")
    return 1 if missing and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
