"""The word before a glossary term, made to agree with the term's rendering.

An engine sees a protected term as a placeholder and writes the article it would use for a
word it does not know: "o <x/>" for what becomes Portuguese "rede" (feminine), "la <x/>" for
what becomes French "assemblée" (which wants "l'"), "a <x/>" for what becomes English
"interpreter". This fixes exactly that word: French, Spanish and Portuguese articles,
contractions, demonstratives and possessives take the rendering's gender and number, French
elides before a vowel (le, la, de, que, ce), English "a" becomes "an" before a, e, i or o.

Nothing else changes: adjectives and past participles agreeing with the term further away
keep the engine's gender. A rendering without a gender (le/la maire, depending on the
person) keeps the engine's gender too.
"""

from __future__ import annotations

import re

# Each family: masculine singular, feminine singular, masculine plural, feminine plural.
FAMILIES: dict[str, list[tuple[str, str, str, str]]] = {
    "fr": [
        ("le", "la", "les", "les"), ("un", "une", "des", "des"),
        ("du", "de la", "des", "des"), ("au", "à la", "aux", "aux"),
        ("ce", "cette", "ces", "ces"), ("mon", "ma", "mes", "mes"), ("ton", "ta", "tes", "tes"),
        ("son", "sa", "ses", "ses"), ("notre", "notre", "nos", "nos"),
        ("votre", "votre", "vos", "vos"), ("leur", "leur", "leurs", "leurs"),
        ("quel", "quelle", "quels", "quelles"), ("chaque", "chaque", "chaque", "chaque"),
    ],
    "es": [
        ("el", "la", "los", "las"), ("un", "una", "unos", "unas"),
        ("del", "de la", "de los", "de las"), ("al", "a la", "a los", "a las"),
        ("este", "esta", "estos", "estas"), ("ese", "esa", "esos", "esas"),
        ("aquel", "aquella", "aquellos", "aquellas"),
        ("nuestro", "nuestra", "nuestros", "nuestras"),
        ("vuestro", "vuestra", "vuestros", "vuestras"), ("su", "su", "sus", "sus"),
    ],
    "pt": [
        ("o", "a", "os", "as"), ("um", "uma", "uns", "umas"), ("do", "da", "dos", "das"),
        ("no", "na", "nos", "nas"), ("ao", "à", "aos", "às"),
        ("pelo", "pela", "pelos", "pelas"), ("dum", "duma", "duns", "dumas"),
        ("num", "numa", "nuns", "numas"), ("este", "esta", "estes", "estas"),
        ("deste", "desta", "destes", "destas"), ("neste", "nesta", "nestes", "nestas"),
        ("esse", "essa", "esses", "essas"), ("desse", "dessa", "desses", "dessas"),
        ("aquele", "aquela", "aqueles", "aquelas"), ("nosso", "nossa", "nossos", "nossas"),
        ("seu", "sua", "seus", "suas"), ("meu", "minha", "meus", "minhas"),
        ("teu", "tua", "teus", "tuas"), ("vosso", "vossa", "vossos", "vossas"),
    ],
}
# French forms written before a vowel: elided, or another word.
_FR_BEFORE_VOWEL = {"le": "l'", "la": "l'", "du": "de l'", "de la": "de l'", "au": "à l'",
                    "à la": "à l'", "ce": "cet", "ma": "mon", "ta": "ton", "sa": "son",
                    "de": "d'", "que": "qu'"}
_FR_ELIDED = {"l'": ("le", "la"), "de l'": ("du", "de la"), "à l'": ("au", "à la"),
              "cet": ("ce", "cette"), "d'": ("de", "de"), "qu'": ("que", "que")}
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöûùüœæ]", re.IGNORECASE)
_APOSTROPHE = "'’"


def _slots(language: str) -> dict[str, list[tuple[int, tuple[str, str, str, str]]]]:
    found: dict[str, list[tuple[int, tuple[str, str, str, str]]]] = {}
    for family in FAMILIES.get(language, []):
        for slot, form in enumerate(family):
            found.setdefault(form, []).append((slot, family))
    return found


_SLOTS = {language: _slots(language) for language in FAMILIES}
_LAST = re.compile(r"(?:^|(?<=[\s(«\"“]))((?:(?:de|à|a)\s+)?[^\s(«\"“]+?)(\s*)$", re.IGNORECASE)


def agree(before: str, rendering: str, language: str, gender: str | None, plural: bool) -> str:
    """`before` with its last word agreeing with `rendering`, which follows it."""
    if not rendering or language not in ("fr", "es", "pt", "en"):
        return before
    found = _LAST.search(before)
    if not found:
        return before
    words, space = found.group(1), found.group(2)
    for candidate in _candidates(words):
        start = found.start(1) + len(words) - len(candidate)
        replaced = _agree_word(candidate, rendering, language, gender, plural)
        if replaced is not None:
            if replaced[-1:] in _APOSTROPHE:
                space = ""
            elif candidate[-1:] in _APOSTROPHE:
                space = " "
            return before[:start] + _same_case(candidate, replaced) + space
    return before


def _candidates(words: str) -> list[str]:
    # "de la" before "la": the longer determiner is the one written.
    parts = words.split()
    return [" ".join(parts[i:]) for i in range(len(parts))]


def _agree_word(word: str, rendering: str, language: str, gender: str | None, plural: bool
                ) -> str | None:
    """What `word` should be before `rendering`, or None to leave it."""
    lower = word.lower().replace("’", "'")
    vowel = bool(_VOWEL.match(rendering))
    if language == "en":
        first = rendering[:1].lower()
        if lower not in ("a", "an") or not first.isalpha() or first in "uh":
            return None  # "a university", "an hour": the spelling does not tell
        wanted = "an" if first in "aeio" else "a"
        return wanted if wanted != lower else None
    if language == "fr" and lower in _FR_ELIDED:
        masculine, feminine = _FR_ELIDED[lower]
        if masculine != feminine and gender is None:
            return None  # no gender to choose a full form by
        if masculine == feminine and vowel:
            return None  # d', qu' before a vowel: right as it is
        lower = feminine if gender == "f" else masculine
    choices = _SLOTS.get(language, {}).get(lower)
    if choices is None:
        if language == "fr" and lower in ("de", "que"):
            chosen = _FR_BEFORE_VOWEL[lower] if vowel else lower
            return chosen if chosen != word.lower().replace("’", "'") else None
        return None
    slot, family = choices[0]
    feminine_now = gender == "f" if gender else slot in (1, 3)
    chosen = family[(2 if plural else 0) + (1 if feminine_now else 0)]
    if language == "fr" and vowel:
        chosen = _FR_BEFORE_VOWEL.get(chosen, chosen)
    return chosen if chosen != word.lower().replace("’", "'") else None


def _same_case(original: str, replaced: str) -> str:
    if original[:1].isupper():
        return replaced[:1].upper() + replaced[1:]
    return replaced
