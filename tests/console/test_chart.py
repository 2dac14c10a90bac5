"""The overview's chart: well-formed SVG that stretches to any width and says what it shows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hub.console.chart import HEADROOM, HEIGHT, Series, line_chart

SVG = "{http://www.w3.org/2000/svg}"
T = 1_800_000_000.0  # 2027-01-15 08:00 UTC


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, parsed to check it


def points(d: str) -> list[tuple[float, float]]:
    """The corners of a step path "M x,y H x V y … H x"."""
    x, y = (float(v) for v in re.match(r"M([\d.]+),([\d.]+)", d).groups())  # type: ignore[union-attr]
    found = [(x, y)]
    for command, value in re.findall(r"([HV])([\d.]+)", d[d.index("H"):] if "H" in d else ""):
        x, y = (float(value), y) if command == "H" else (x, float(value))
        found.append((x, y))
    return found


def day(**minutes: int) -> list[int]:
    counts = [0] * 1440
    for key, value in minutes.items():
        counts[int(key.removeprefix("m"))] = value
    return counts


def test_the_svg_is_well_formed_accessible_and_stretches() -> None:
    chart = line_chart("Flow per minute", [
        Series("Events stored", day(m3=2, m600=7), "stored"),
        Series("Deliveries done", day(m4=5, m601=14, m602=14), "done")], T)
    svg = parse(chart.svg)
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == f"0 0 1440 {HEIGHT}"  # one unit a minute: scales by CSS
    assert svg.get("preserveAspectRatio") == "none" and svg.get("width") == "100%"
    assert svg.findtext(f"{SVG}title") == "Flow per minute"
    label = svg.get("aria-label")
    # Babel's English puts a narrow no-break space before "PM".
    assert label == ("Events stored: 9 in all, at most 7 in one minute (1/15/27, 6:00\u202fPM "
                     "UTC). Deliveries done: 33 in all, at most 14 in one minute (1/15/27, "
                     "6:01\u202fPM UTC).")
    assert chart.summary == label
    assert (chart.start, chart.end) == (T, T + 24 * 3600)


def test_both_lines_share_one_scale_whose_top_is_the_busiest_minute() -> None:
    chart = line_chart("t", [Series("a", day(m10=7), "stored"),
                             Series("b", day(m20=14, m21=7), "done")], T)
    stored, done = (points(p.get("d", "")) for p in parse(chart.svg).iter(f"{SVG}path"))
    assert min(y for _, y in done) == HEADROOM  # the peak reaches the top
    assert (20.0, HEADROOM) in done and (21.0, HEADROOM) in done
    half = HEIGHT - (HEIGHT - HEADROOM) / 2
    assert (10.0, half) in stored and (11.0, half) in stored  # 7 of 14: half way up
    assert stored[0] == (0.0, HEIGHT) and stored[-1] == (1440.0, HEIGHT)
    assert max(x for x, _ in done) == 1440.0  # the line runs to the last minute's end


def test_a_quiet_day_draws_flat_lines_and_says_so() -> None:
    chart = line_chart("t", [Series("Events stored", [0] * 1440, "stored")], T)
    [path] = parse(chart.svg).iter(f"{SVG}path")
    assert path.get("d") == f"M0,{HEIGHT}H1440"  # no division by zero, a few bytes
    assert chart.summary == "Events stored: none."


def test_labels_are_text_not_markup() -> None:
    chart = line_chart('<script>"x"</script>', [Series("<b>", [1], "done")], T)
    svg = parse(chart.svg)  # still well-formed
    assert svg.findtext(f"{SVG}title") == '<script>"x"</script>'
    assert svg.get("aria-label", "").startswith("<b>: 1 in all")
