"""Settings of the translation chain (the `[translation]` table) and of each built-in provider.

```toml
[translation]
providers = ["deepl", "apertium"]        # tried in this order
glossary = ["Passerelle", "Kigali"]      # never translated: organisation and city names
glossary_path = "config/glossary.toml"   # the network's own terms (hub/translate/glossary.toml)

[translation.deepl]
auth_key = "…"                           # or HUB_TRANSLATION__DEEPL__AUTH_KEY
monthly_budget = 500000                  # characters; warn at 80 %, stop at 100 %
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
)

from hub.credentials import Credential
from hub.errors import ConfigError
from hub.translate.glossary import Glossary, load


class ProviderSettings(BaseModel):
    """What every provider accepts: a spending limit and a time limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    monthly_budget: PositiveInt | None = Field(
        default=None, description="characters per calendar month (UTC); unlimited if unset"
    )
    timeout_seconds: PositiveFloat = Field(
        default=15.0, description="a call taking longer is abandoned and the original delivered"
    )


class ApertiumSettings(ProviderSettings):
    """Apertium: an APy server when `apy_url` is set (or the hub's own, `own_server`), else
    the `apertium` command."""

    apy_url: AnyHttpUrl | None = Field(default=None, description="e.g. http://127.0.0.1:2737")
    own_server: bool = Field(
        default=False, description="with no apy_url: start an APy server of the hub's own "
        "(apertium-apy) on a loopback port at the first translation; about 20 ms a text instead "
        "of 250 ms, for 30-300 MB of memory per direction in use (docs/deploy.md)")
    server_command: str = Field(default="apertium-apy", description="the APy program")
    command: str = Field(default="apertium", description="the apertium program")
    data_dir: str | None = Field(default=None, description="apertium -d: where the pairs live")
    routes: dict[str, list[str]] = Field(
        default_factory=dict,
        description='routes of your own, e.g. "fr-en" = ["fr", "ca", "en"]; by default the '
                    "best measured route whose pairs are installed (providers/routes.toml)",
    )

    @field_validator("routes")
    @classmethod
    def _routes_go_where_they_say(cls, routes: dict[str, list[str]]) -> dict[str, list[str]]:
        for direction, languages in routes.items():
            ends = direction.split("-")
            if (len(ends) != 2 or len(languages) < 2
                    or [languages[0], languages[-1]] != ends):
                raise ValueError(
                    f'"{direction}" = {languages}: a route names its direction as "fr-en" and '
                    'lists the languages from the first to the last, e.g. ["fr", "ca", "en"]'
                )
        return routes


class LibreTranslateSettings(ProviderSettings):
    url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:5000"))
    api_key: Credential | None = None


class DeepLSettings(ProviderSettings):
    auth_key: Credential = Field(description="DeepL API key; keys ending in :fx are Free keys")
    url: AnyHttpUrl | None = Field(
        default=None, description="default: api-free.deepl.com for :fx keys, else api.deepl.com"
    )
    formality: Literal["default", "prefer_more", "prefer_less"] = "prefer_less"
    context: str | None = Field(
        default="Chat message in an international network of cities",
        description="helps DeepL choose words; not billed",
    )


class GoogleSettings(ProviderSettings):
    api_key: Credential = Field(description="Cloud Translation API key (basic edition, v2)")
    url: AnyHttpUrl = Field(default=AnyHttpUrl("https://translation.googleapis.com"))


class AzureSettings(ProviderSettings):
    key: Credential = Field(description="Ocp-Apim-Subscription-Key of the Translator resource")
    region: str | None = Field(default=None, description="resource region, for regional keys")
    url: AnyHttpUrl = Field(default=AnyHttpUrl("https://api.cognitive.microsofttranslator.com"))


class LLMSettings(ProviderSettings):
    """A model behind an OpenAI-compatible chat-completions API: Ollama, vLLM, llama.cpp's
    server, LM Studio, OpenAI, Mistral."""

    url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:11434/v1"),
        description="the API's base, up to /v1 (requests go to {url}/chat/completions); "
                    "Ollama's by default",
    )
    model: str = Field(min_length=1, description='the model\'s name there, e.g. "qwen2.5:7b"')
    api_key: Credential | None = Field(
        default=None, description="sent as a Bearer token; local servers need none"
    )
    instructions: str | None = Field(
        default=None, description='added to the prompt, e.g. "Write European Portuguese."'
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: PositiveInt | None = Field(
        default=None, description="a cap on each answer; a translation cut by it is refused"
    )
    concurrency: PositiveInt = Field(default=4, description="requests in flight at once")
    timeout_seconds: PositiveFloat = Field(
        default=60.0, description="models are slower than translation engines"
    )


BUILT_IN = ("apertium", "libretranslate", "deepl", "google", "azure", "llm")


class TranslationSettings(BaseModel):
    """Which providers to try, in order, what they may spend, and what is never translated."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    providers: list[str] = Field(
        default_factory=lambda: ["apertium"], description="tried in this order"
    )
    glossary: list[str] = Field(
        default_factory=list,
        description="terms never translated (organisation, programme and city names)",
    )
    glossary_path: Path | None = Field(
        default=None,
        description="a glossary file of the network's own (the format of "
                    "hub/translate/glossary.toml): terms rendered a chosen way, names kept",
    )
    default_glossary: bool = Field(
        default=True,
        description="apply the shipped glossary of municipal cooperation "
                    "(hub/translate/glossary.toml); an own file's terms replace its terms",
    )
    min_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="below this detection confidence the endpoint's language is assumed",
    )
    apertium: ApertiumSettings = Field(default_factory=ApertiumSettings)
    libretranslate: LibreTranslateSettings = Field(default_factory=LibreTranslateSettings)
    deepl: DeepLSettings | None = None
    google: GoogleSettings | None = None
    azure: AzureSettings | None = None
    llm: LLMSettings | None = None
    # Tables of providers from other plugins, validated by their own settings model; they
    # may hold secrets as plain values until then, so they are never shown or dumped.
    other: dict[str, dict[str, Any]] = Field(default_factory=dict, repr=False, exclude=True)

    def for_a_few_texts(self) -> TranslationSettings:
        """These settings for a command that translates a text or two and ends (`passerelle
        translate`, a search's query): Apertium's command, never a server of its own, which
        would take longer to start than the texts take to translate."""
        return self.model_copy(update={"apertium": self.apertium.model_copy(
            update={"own_server": False})})

    def load_glossary(self) -> Glossary:
        """The glossary in force: shipped, the admin's file, the names never translated."""
        return load(self.glossary, self.glossary_path, default=self.default_glossary)

    @property
    def glossary_version(self) -> str:
        """Changes whenever the glossary does, so cached translations made without a term
        are not served once it is protected."""
        return self.load_glossary().version

    def provider_settings(self, name: str, model: type[ProviderSettings]) -> ProviderSettings:
        """The settings of provider `name`, or ConfigError saying which table to fill."""
        if name in BUILT_IN:
            value = getattr(self, name)
            if value is None:
                raise ConfigError(
                    f'translation provider "{name}" is listed in [translation].providers but '
                    f"[translation.{name}] is missing; add it with its key (see "
                    f"config/passerelle.example.toml) or remove \"{name}\" from the list"
                )
            if not isinstance(value, model):
                raise ConfigError(f'translation provider "{name}" expects {model.__name__}')
            return value
        try:
            return model.model_validate(self.other.get(name, {}))
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            raise ConfigError(
                f"[translation.other.{name}] is not valid ({fields}); fix these keys"
            ) from None
