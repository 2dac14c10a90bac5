"""A small line chart of counts per minute, drawn on the server as inline SVG (no script).

Pure: counts in, markup out. One unit of the view box is one minute across and the height is
fixed, so the browser stretches the drawing to any width (`preserveAspectRatio="none"`, lines
of constant thickness) and a phone shows the same day as a desktop. A screen reader reads the
chart's title and a summary of each line: its total and its busiest minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from hub.console import i18n

MINUTE = 60
HEIGHT = 100  # view box units; the style sheet gives the real height
HEADROOM = 6  # units kept free above the highest point so its line is not cut


@dataclass(frozen=True, slots=True)
class Series:
    """One line: its label (as shown), its counts per minute (oldest first) and its colour
    (a class of the style sheet)."""

    label: str
    counts: Sequence[int]
    tone: str

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def peak(self) -> tuple[int, int]:
        """The busiest minute (its index) and its count; the first of equals."""
        if not self.counts:
            return 0, 0
        index = max(range(len(self.counts)), key=lambda i: (self.counts[i], -i))
        return index, self.counts[index]


@dataclass(frozen=True, slots=True)
class Chart:
    svg: Markup
    summary: str  # what the chart shows, in sentences (also its aria-label)
    series: tuple[Series, ...]
    start: float  # epoch seconds of the first minute
    end: float  # epoch seconds where the last minute ends


def line_chart(title: str, series: Sequence[Series], start: float) -> Chart:
    """`series` of equal length, one count per minute from `start`, drawn on one scale."""
    minutes = max((len(s.counts) for s in series), default=0)
    top = max((s.peak[1] for s in series), default=0)
    summary = " ".join(_summary(s, start) for s in series)
    width = max(minutes, 1)
    # Markup.format escapes every value it is given: labels are text, never markup.
    lines = Markup("").join(
        Markup('<path class="line {}" d="{}" vector-effect="non-scaling-stroke" fill="none"/>')
        .format(s.tone, _steps(s.counts, top)) for s in series)
    svg = Markup(
        '<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="none" width="100%" aria-label="{summary}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{title}</title>'
        '<line class="grid" x1="0" x2="{width}" y1="{headroom}" y2="{headroom}" '
        'vector-effect="non-scaling-stroke"/>'
        '<line class="axis" x1="0" x2="{width}" y1="{height}" y2="{height}" '
        'vector-effect="non-scaling-stroke"/>{lines}</svg>'
    ).format(width=width, height=HEIGHT, headroom=HEADROOM, summary=summary, title=title,
             lines=lines)
    return Chart(svg, summary, tuple(series), start, start + minutes * MINUTE)


def _y(count: int, top: int) -> str:
    if top <= 0:
        return str(HEIGHT)
    return _short(HEIGHT - count / top * (HEIGHT - HEADROOM))


def _short(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _steps(counts: Sequence[int], top: int) -> str:
    """A step line: each minute flat at its count. Only changes are written, so a quiet day
    is a few characters, not one point per minute."""
    if not counts:
        return f"M0,{HEIGHT}"
    parts = [f"M0,{_y(counts[0], top)}"]
    for minute in range(1, len(counts)):
        if counts[minute] != counts[minute - 1]:
            parts.append(f"H{minute}V{_y(counts[minute], top)}")
    parts.append(f"H{len(counts)}")
    return "".join(parts)


def _summary(series: Series, start: float) -> str:
    if series.total == 0:
        return i18n.gettext("%(label)s: none.") % {"label": series.label}
    index, count = series.peak
    return i18n.gettext(
        "%(label)s: %(total)s in all, at most %(peak)s in one minute (%(when)s)."
    ) % {"label": series.label, "total": i18n.number(series.total),
         "peak": i18n.number(count), "when": i18n.when(start + index * MINUTE, "short")}
