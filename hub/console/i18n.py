"""The console's languages: gettext catalogs read through Babel, chosen per request.

English is the language the templates are written in; `locales/<code>/LC_MESSAGES/console.po`
holds each other language. The catalogs are read from their `.po` files at first use (Babel
compiles them in memory), so the text an editor changes is the text the console shows, with no
compiled file to forget. `python -m hub.console.catalogs` extracts new messages into them.

A request's language is the one its visitor chose (a cookie the language switch sets), else the
best match of the browser's Accept-Language, else English. Dates and numbers follow it (CLDR).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LANGUAGES = {"en": "English", "fr": "Français", "pt": "Português", "es": "Español"}
DEFAULT = "en"
LANGUAGE_COOKIE = "passerelle_language"
LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "console"

_current: ContextVar[str] = ContextVar("console_language", default=DEFAULT)


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog of `language` (English: the messages as written)."""
    if language == DEFAULT:
        return NullTranslations()
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """The language to answer in: the visitor's choice, else the browser's, else English."""
    if chosen in LANGUAGES:
        return chosen
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag and weight > 0:
            wanted.append((weight, tag.replace("_", "-")))
    ranked = [tag for _, tag in sorted(wanted, key=lambda item: -item[0])]
    found = Locale.negotiate(ranked, list(LANGUAGES), sep="-") if ranked else None
    return str(found.language) if found is not None else DEFAULT


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Make `language` the one gettext and the filters below use in this context."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


def N_(message: str) -> str:
    """Mark `message` for the catalogs where it is written; it is translated where shown."""
    return message


def gettext(message: str) -> str:
    return translations(current()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ungettext(singular, plural, n)


def _locale() -> Locale:
    try:
        return Locale.parse(current())
    except UnknownLocaleError:  # pragma: no cover - LANGUAGES holds only known codes
        return Locale.parse(DEFAULT)


def when(moment: datetime | float | None, form: str = "medium") -> str:
    """A moment in the console's language, in UTC (named), or a dash when there is none."""
    if moment is None:
        return "—"
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return format_datetime(moment, format=form, tzinfo=UTC, locale=_locale()) + " UTC"


def ago(moment: datetime | float | None, now: float | None = None) -> str:
    """How long ago (or in how long) `moment` is, in words of the console's language."""
    if moment is None:
        return "—"
    at = moment.timestamp() if isinstance(moment, datetime) else moment
    reference = now if now is not None else datetime.now(UTC).timestamp()
    return format_timedelta(timedelta(seconds=at - reference), add_direction=True,
                            threshold=1.1, locale=_locale())


def number(value: float | int) -> str:
    return format_decimal(value, locale=_locale())


def percent(value: float) -> str:
    return format_percent(value, locale=_locale())
