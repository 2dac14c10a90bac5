"""What counts as a protected span inside a person's text, as regular expressions.

Mentions, links and code are already nodes of the canonical tree (hub.markup); these are the
spans hidden in plain text: e-mail addresses, `@handles`, `#hashtags`, `:shortcodes:`, emoji
(with skin tones, flags, keycaps and joined sequences) and the glossary's names and terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
HANDLE = r"(?<![\w@])@[A-Za-z0-9_][A-Za-z0-9_.-]*(?<![.-])"
HASHTAG = r"(?<![\w#&])#\w+"
SHORTCODE = r"(?<![\w:]):[a-z0-9_+-]*[a-z_][a-z0-9_+-]*:(?![\w:])"
_EMOJI_BASE = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff\u25a0-\u25ff"
    "\u2194-\u2199\u21a9\u21aa\u2934\u2935\u3030\u303d\u3297\u3299"
    "\u00a9\u00ae\u203c\u2049\u2122\u2139"
)
_EMOJI_JOIN = "\ufe0f\ufe0e\u200d\u20e3\U000e0020-\U000e007f"
EMOJI = rf"(?:[0-9#*]\ufe0f?\u20e3|[{_EMOJI_BASE}])(?:[{_EMOJI_JOIN}{_EMOJI_BASE}])*"
_FIXED = [EMAIL, SHORTCODE, EMOJI, HASHTAG, HANDLE]


def span_pattern(keep: Iterable[str] = (), terms: Iterable[str] = ()) -> re.Pattern[str]:
    """One pattern matching every protected span inside plain text: the glossary's names to
    keep (as written) and terms to render (in any case), longest first, then the rest."""
    kept = {term for term in keep if term.strip()}
    rendered = {term for term in terms if term.strip()} - {term.casefold() for term in kept}
    words = sorted(
        [(term, re.escape(term)) for term in kept]
        + [(term, f"(?i:{re.escape(term)})") for term in rendered],
        key=lambda item: (-len(item[0]), item[0]),
    )
    parts = list(_FIXED)
    if words:
        parts.insert(0, r"(?<!\w)(?:" + "|".join(p for _, p in words) + r")(?!\w)")
    return re.compile("|".join(parts))
