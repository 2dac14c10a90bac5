"""The original beside a translation (a bridge's `show_original`), so a reader can see what
was actually written: below the translation, or as a link to it on its own platform."""

from __future__ import annotations

from dataclasses import dataclass

from hub import markup
from hub.rendering.when import locale
from hub.rendering.words import words

MARK = "🌐"  # the mark the hub's translation lines carry (hub.translate.render)


@dataclass(frozen=True, slots=True)
class Original:
    """What the author wrote (canonical markup), for readers of its translation."""

    title: str | None
    body: str
    label: str  # "Original (français)", in the reader's language
    url: str | None = None  # where it lives on its own platform, when shown as a link

    def markup(self) -> str:
        """The original as a quote under its label, or the label linking to it."""
        if self.url:
            return f"_{MARK} [{markup.escape(self.label)}]({self.url})_"
        quoted = "\n\n".join(part for part in (
            f"**{markup.escape(self.title)}**" if self.title else "", self.body) if part.strip())
        lines = "\n".join(f"> {line}" if line.strip() else ">" for line in quoted.split("\n"))
        return f"_{MARK} {markup.escape(self.label)}:_\n{lines}"


def original(title: str | None, body: str, written_in: str | None, reader: str | None, *,
             url: str | None = None) -> Original:
    """The original of an item written in `written_in`, labelled for a `reader`; with `url`,
    a link to it instead of its words."""
    said = words(reader)
    language = _name(written_in, reader)
    if url:
        label = said["see_original"].format(language=language) if language else \
            said["see_original"].replace(" ({language})", "")
        return Original(title, body, label, url)
    label = said["original"].format(language=language) if language else \
        said["original"].replace(" ({language})", "")
    return Original(title, body, label)


def _name(language: str | None, reader: str | None) -> str | None:
    if not language:
        return None
    names = locale(reader).languages
    primary = language.replace("_", "-").split("-", 1)[0].lower()
    return names.get(language.replace("-", "_")) or names.get(primary)
