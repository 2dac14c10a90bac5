"""Language codes: BCP-47 inside the hub, whatever each engine spells them."""

from __future__ import annotations

# ISO 639-3 (Apertium's pair names and APy) to the two-letter codes the hub speaks.
ALPHA3 = {
    "afr": "af", "ara": "ar", "arg": "an", "bel": "be", "bre": "br", "bul": "bg",
    "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el",
    "eng": "en", "epo": "eo", "eus": "eu", "fin": "fi", "fra": "fr", "gle": "ga",
    "glg": "gl", "hbs": "sh", "hin": "hi", "hun": "hu", "ind": "id", "isl": "is",
    "ita": "it", "kaz": "kk", "kin": "rw", "kir": "ky", "mkd": "mk", "mlt": "mt",
    "msa": "ms", "nld": "nl", "nno": "nn", "nob": "nb", "oci": "oc", "pol": "pl",
    "por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "spa": "es",
    "swa": "sw", "swe": "sv", "tat": "tt", "tur": "tr", "ukr": "uk", "urd": "ur",
}


def normalize(tag: str) -> str:
    """`pt_br`, `PT-BR` and `por_BR` all become `pt-BR`; `eng` becomes `en`."""
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    language = ALPHA3.get(language, language)
    region = [part.upper() if len(part) == 2 else part.title() for part in parts[1:] if part]
    return "-".join([language, *region])


def primary(tag: str) -> str:
    """The language without region or script: `pt-BR` → `pt`."""
    return normalize(tag).split("-")[0]


def same_language(a: str, b: str) -> bool:
    """Regional variants count as one language: nobody needs pt-PT translated to pt-BR."""
    return primary(a) == primary(b)


# Names of languages, in a few languages a reader may read them in; English otherwise.
NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "fr": "anglais", "es": "inglés", "pt": "inglês",
           "de": "Englisch", "it": "inglese"},
    "fr": {"en": "French", "fr": "français", "es": "francés", "pt": "francês",
           "de": "Französisch", "it": "francese"},
    "es": {"en": "Spanish", "fr": "espagnol", "es": "español", "pt": "espanhol",
           "de": "Spanisch", "it": "spagnolo"},
    "pt": {"en": "Portuguese", "fr": "portugais", "es": "portugués", "pt": "português",
           "de": "Portugiesisch", "it": "portoghese"},
    "de": {"en": "German", "fr": "allemand", "es": "alemán", "pt": "alemão",
           "de": "Deutsch", "it": "tedesco"},
    "it": {"en": "Italian", "fr": "italien", "es": "italiano", "pt": "italiano",
           "de": "Italienisch", "it": "italiano"},
    "ca": {"en": "Catalan", "fr": "catalan", "es": "catalán", "pt": "catalão"},
    "nl": {"en": "Dutch", "fr": "néerlandais", "es": "neerlandés", "pt": "neerlandês"},
    "ar": {"en": "Arabic", "fr": "arabe", "es": "árabe", "pt": "árabe"},
    "sw": {"en": "Swahili", "fr": "swahili", "es": "suajili", "pt": "suaíli"},
    "rw": {"en": "Kinyarwanda", "fr": "kinyarwanda", "es": "kinyarwanda", "pt": "quiniaruanda"},
}


def display_name(language: str, reader: str) -> str:
    """`display_name("fr", "en")` → "French"; an unknown language shows as its code."""
    names = NAMES.get(primary(language))
    if names is None:
        return language
    return names.get(primary(reader)) or names["en"]
