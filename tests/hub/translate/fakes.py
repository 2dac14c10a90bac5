"""Translators for tests: counting, failing, slow and adversarial, all in memory."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Sequence
from typing import ClassVar

from hub.errors import TransientError
from hub.translate.provider import Translator

TOKEN = re.compile(r"(<[^<>]*>|&#?\w+;)")


def shout(text: str) -> str:
    """A visible, deterministic 'translation': words upper-cased, markup left alone."""
    return "".join(
        part if TOKEN.fullmatch(part) else part.upper() for part in TOKEN.split(text)
    )


class Counting(Translator):
    """Translates with `shout` and records every call; subclasses change name and behaviour."""

    name: ClassVar[str] = "counting"
    calls: ClassVar[list[tuple[tuple[str, ...], str | None, str]]]
    transform: ClassVar[Callable[[str], str]] = staticmethod(shout)
    error: ClassVar[BaseException | None] = None
    delay: ClassVar[float] = 0.0

    async def translate(self, texts: Sequence[str], source: str | None, target: str) -> list[str]:
        type(self).calls.append((tuple(texts), source, target))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return [type(self).transform(text) for text in texts]


def counting(name: str, **attributes: object) -> type[Counting]:
    """A fresh Counting subclass with its own name and call list."""
    return type(f"Counting_{name}", (Counting,), {"name": name, "calls": [], **attributes})


def failing(name: str) -> type[Counting]:
    return counting(name, error=TransientError("503 from the fake", connection=name))


class Adversary:
    """Rewrites a provider's text as badly as real engines sometimes do: reorders words,
    re-spaces and re-spells tags, moves placeholders, and sometimes drops, duplicates or
    corrupts one. Driven by a seeded Random so a failure replays."""

    def __init__(self, rng: random.Random, *, may_break: bool) -> None:
        self.rng = rng
        self.may_break = may_break

    def respell(self, tag: str) -> str:
        found = re.fullmatch(r'<x id="(\d+)"/>', tag)
        if found:
            return self.rng.choice([
                tag, f'<x id = "{found[1]}" />', f"<x id='{found[1]}'/>",
                f'<x id="{found[1]}"></x>', f'<x  id="{found[1]}">',
            ])
        found = re.fullmatch(r'<g id="(\d+)">', tag)
        if found:
            return self.rng.choice([tag, f'<g id = "{found[1]}" >', f"<g id='{found[1]}'>"])
        return self.rng.choice([tag, "</ g>", "</g >"]) if tag == "</g>" else tag

    def __call__(self, text: str) -> str:
        parts = [part for part in TOKEN.split(text) if part]
        out: list[str] = []
        for part in parts:
            if TOKEN.fullmatch(part):
                out.append(self.respell(part) if part.startswith("<") else part)
            else:
                words = part.split()
                if self.rng.random() < 0.5:
                    words.reverse()
                words = [w.upper() if self.rng.random() < 0.5 else w for w in words]
                spacing = self.rng.choice([" ", "  ", "\u00a0", " \n "])
                lead = " " if part[:1].isspace() else ""
                trail = " " if part[-1:].isspace() else ""
                out.append(lead + spacing.join(words) + trail)
        placeholders = [i for i, part in enumerate(out) if part.startswith("<x")]
        if placeholders and self.rng.random() < 0.3:
            # Engines move a standalone placeholder to another spot in the sentence.
            moved = out.pop(self.rng.choice(placeholders))
            out.insert(self.rng.randrange(len(out) + 1), moved)
        if self.may_break and self.rng.random() < 0.5:
            tags = [i for i, part in enumerate(out) if part.startswith("<")]
            if tags:
                index = self.rng.choice(tags)
                damage = self.rng.choice(["drop", "double", "renumber", "space"])
                if damage == "drop":
                    out.pop(index)
                elif damage == "double":
                    out.insert(index, out[index])
                elif damage == "renumber":
                    out[index] = re.sub(r"\d+", lambda m: str(int(m[0]) + 1000), out[index])
                else:
                    out[index] = out[index].replace("<", "< # ", 1)
        return "".join(out)
