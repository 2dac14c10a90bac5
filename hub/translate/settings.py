"""Settings of the translation chain (the `[translation]` table)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TranslationSettings(BaseModel):
    """Which providers to try, in order, and what they may spend."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    providers: list[str] = Field(
        default_factory=lambda: ["apertium"], description="tried in this order"
    )
