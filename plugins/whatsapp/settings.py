"""Settings of a WhatsApp Cloud API connection (one business phone number)."""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from hub.connector import ConnectionSettings
from hub.credentials import Credential, DoorSecret

#: What a template parameter may quote from the item being delivered.
TEMPLATE_FIELDS = frozenset({"author", "preview", "title", "circle", "platform", "when"})
_CIRCLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class TemplateSettings(BaseModel):
    """The approved message template sent to members whose 24-hour window is closed.

    `parameters` fill the template's body variables: a list for positional templates
    (`{{1}}`, `{{2}}`), a table for named ones (`{{first_name}}`). Each value may quote
    `{author}`, `{preview}` (the first line of the item), `{title}`, `{circle}`, `{platform}`,
    `{when}` (a calendar event's time, in the endpoint's language and zone; empty otherwise).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="template name as approved in WhatsApp Manager")
    language: str = Field(default="en", min_length=2, description="template language code")
    parameters: list[str] | dict[str, str] = Field(
        default_factory=lambda: ["{author}", "{preview}"],
        description="body parameters; may quote {author} {preview} {title} {circle} {platform} "
        "{when}",
    )

    @model_validator(mode="after")
    def _known_fields(self) -> TemplateSettings:
        values = self.parameters.values() if isinstance(self.parameters, dict) else self.parameters
        for value in values:
            for _, field, _, _ in string.Formatter().parse(value):
                if field is not None and field not in TEMPLATE_FIELDS:
                    known = ", ".join("{" + name + "}" for name in sorted(TEMPLATE_FIELDS))
                    raise ValueError(
                        f"template parameter {value!r} quotes {{{field}}}, which does not "
                        f"exist; use {known}"
                    )
        return self


class CircleSettings(BaseModel):
    """A circle: the opted-in members who follow a bridge through the business number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    members: list[str] = Field(
        default_factory=list,
        description="members enrolled by the admin: phone numbers in international format "
        "(digits, e.g. 351912345678) or business-scoped user ids (e.g. PT.1234567)",
    )
    open: bool = Field(
        default=False,
        description="anyone may join by sending the opt-in keyword followed by the circle's name",
    )

    @field_validator("members")
    @classmethod
    def _normalise_members(cls, members: list[str]) -> list[str]:
        return list(dict.fromkeys(member_key(member) for member in members))


def member_key(text: str) -> str:
    """The identity a member is known by: phone digits (E.164 without `+`) or a BSUID."""
    text = text.strip()
    if "." in text:  # a business-scoped user id such as US.13491208655302741918
        return text
    digits = re.sub(r"[\s()+-]", "", text)
    if not digits.isdigit():
        raise ValueError(
            f"circle member {text!r} is neither a phone number in international format "
            "(e.g. +351 912 345 678) nor a business-scoped user id (e.g. PT.1234567)"
        )
    return digits


class WhatsAppSettings(ConnectionSettings):
    """One WhatsApp Business phone number on the Cloud API.

    Secrets: `access_token` (a system-user token with whatsapp_business_messaging), `app_secret`
    (signs webhooks) and `verify_token` (answers the subscription handshake).
    """

    type: Literal["whatsapp"] = "whatsapp"
    phone_number_id: str | None = Field(
        default=None,
        description="the business number's id (WhatsApp Manager → API Setup); required to send",
    )
    access_token: Credential = Field(description="system-user access token")
    app_secret: DoorSecret = Field(description="the Meta app's secret, which signs webhooks")
    verify_token: DoorSecret = Field(description="any string; also typed in the app's webhook page")
    api_version: str = Field(default="v25.0", pattern=r"^v\d+\.\d+$", description="Graph API")
    circles: dict[str, CircleSettings] = Field(
        default_factory=dict, description="circle name → members; endpoints `<conn>/circle/<name>`"
    )
    opt_out_keywords: list[str] = Field(
        default_factory=lambda: ["STOP"], description="a member sending one of these leaves"
    )
    opt_in_keywords: list[str] = Field(
        default_factory=lambda: ["START"], description="a member sending one of these comes back"
    )
    template: TemplateSettings | None = Field(
        default=None, description="sent instead of free text outside the 24-hour window"
    )
    media_hosts: list[str] = Field(
        default_factory=lambda: ["lookaside.fbsbx.com"],
        description="hosts media URLs may point at (the bearer token goes only there)",
    )
    max_media_bytes: PositiveInt = Field(
        default=100 * 1024 * 1024, description="largest media file downloaded or uploaded"
    )
    status_wait_seconds: PositiveFloat = Field(
        default=20.0,
        description="after a lost answer, how long a retry waits for WhatsApp's status report "
        "of the message before sending it again",
    )

    @model_validator(mode="after")
    def _check_circles_and_keywords(self) -> WhatsAppSettings:
        for name in self.circles:
            if not _CIRCLE_NAME.match(name):
                raise ValueError(
                    f"circle name {name!r} must be letters, digits, '.', '_' or '-' "
                    "(it appears in endpoint addresses and in join keywords)"
                )
        out = {k.strip().casefold() for k in self.opt_out_keywords}
        into = {k.strip().casefold() for k in self.opt_in_keywords}
        if "" in out or "" in into or not out or not into:
            raise ValueError("opt_out_keywords and opt_in_keywords need non-empty words")
        if out & into:
            raise ValueError(
                f"keywords {sorted(out & into)} are both opt-in and opt-out; pick different words"
            )
        return self

    @property
    def opt_out_words(self) -> frozenset[str]:
        return frozenset(k.strip().casefold() for k in self.opt_out_keywords)

    @property
    def opt_in_words(self) -> frozenset[str]:
        return frozenset(k.strip().casefold() for k in self.opt_in_keywords)
