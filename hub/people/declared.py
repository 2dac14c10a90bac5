"""The people file: what admins say of the network's members, over what the platforms say.

```toml
[people.hugo]
name = "Hugo Bernard"
city = "Lyon"
emails = ["hugo.bernard@lyon.example"]
phones = ["+33 6 12 34 56 78"]
identities = ["network-slack:U0HUGO"]   # matched by hand, where no address says so
tags = ["mobility", "open data"]
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.errors import ConfigError
from hub.people.model import normal_email, normal_phone, normal_tag


class DeclaredPerson(BaseModel):
    """One `[people.<id>]` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="how they are named on every platform")
    city: str | None = None
    organisation: str | None = None
    role: str | None = None
    languages: list[str] = Field(default_factory=list, description="BCP-47, best first")
    timezone: str | None = Field(default=None, description='IANA ("Europe/Lisbon")')
    tags: list[str] = Field(default_factory=list, description="expertise: what they know")
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list, description="international numbers")
    identities: list[str] = Field(default_factory=list,
                                  description='"connection:native_id", matched by hand')
    reach_when_mentioned: bool = Field(
        default=True, description="a mention reaches them even where they muted its place")
    notify: list[str] = Field(default_factory=list,
                              description="expertise groups whose posts they are told of")

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return [_required(normal_email(v), v, "an e-mail address") for v in value]

    @field_validator("phones")
    @classmethod
    def _phones(cls, value: list[str]) -> list[str]:
        return [_required(normal_phone(v), v, "an international phone number") for v in value]

    @field_validator("identities")
    @classmethod
    def _identities(cls, value: list[str]) -> list[str]:
        for text in value:
            connection, _, native_id = text.partition(":")
            if not connection or not native_id:
                raise ValueError(f'{text!r} is not "connection:native_id"')
        return value

    @field_validator("tags", "notify")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return [normal_tag(v) for v in value if normal_tag(v)]


def _required(normal: str | None, given: str, what: str) -> str:
    if normal is None:
        raise ValueError(f"{given!r} is not {what}")
    return normal


def read_people_file(path: Path | None) -> dict[str, DeclaredPerson]:
    """The people the file declares, by id; none without a file. A file that cannot be read
    or says something wrong is a `ConfigError` naming the file, the person and the field."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"people file {path}: not found — create it or unset "
                          "[people] file") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"people file {path}: {exc}") from exc
    unknown = set(data) - {"people"}
    if unknown:
        raise ConfigError(f"people file {path}: unknown table(s) {', '.join(sorted(unknown))}; "
                          "each person is a [people.<id>] table")
    people: dict[str, DeclaredPerson] = {}
    for person_id, entry in (data.get("people") or {}).items():
        try:
            people[person_id] = DeclaredPerson.model_validate(entry)
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: "
                              f"{e['msg'].removeprefix('Value error, ')}"
                              for e in exc.errors())
            raise ConfigError(f"people file {path}: [people.{person_id}] {where}") from exc
    return people
