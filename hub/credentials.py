"""Secret settings that cannot be set to something that guards nothing.

An HMAC with an empty key is still an HMAC: a blank Slack signing secret would let anyone sign
a webhook, and a blank admin token would open the event API. So every secret setting is one of
two types here, refused at load when blank or implausibly short, naming the setting and the fix:

- `DoorSecret` guards a way into the hub (signs or ends webhook URLs, opens the admin API):
  at least `DOOR_MIN_CHARS`, long enough not to be guessed.
- `Credential` is what a platform or provider issued to the hub (tokens, client secrets, API
  keys): never blank, and not so short that it cannot be a real one.

Surrounding white space is dropped: a secret pasted with a newline would otherwise never match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

from pydantic import AfterValidator, BaseModel, SecretStr

DOOR_MIN_CHARS = 16
CREDENTIAL_MIN_CHARS = 8
GENERATE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def plausible(minimum: int, *, chosen_by_admin: bool) -> Callable[[SecretStr], SecretStr]:
    """A validator refusing a secret that is blank or shorter than `minimum` characters."""
    fix = (f"generate one with `{GENERATE}` (or paste the platform's value)" if chosen_by_admin
           else "paste the whole value the platform or provider shows (see the setting's "
                "description in config/passerelle.example.toml)")

    def check(value: SecretStr) -> SecretStr:
        text = value.get_secret_value().strip()
        if not text:
            raise ValueError(f"is blank, which would turn off what this secret guards; {fix}")
        if len(text) < minimum:
            raise ValueError(f"is {len(text)} characters long, too short to be a real secret "
                             f"(at least {minimum}); {fix}")
        return SecretStr(text)

    return check


DoorSecret = Annotated[SecretStr, AfterValidator(plausible(DOOR_MIN_CHARS, chosen_by_admin=True))]
Credential = Annotated[SecretStr,
                       AfterValidator(plausible(CREDENTIAL_MIN_CHARS, chosen_by_admin=False))]


def _store_key(value: SecretStr) -> SecretStr:
    from cryptography.fernet import Fernet  # only where keys are configured

    try:
        Fernet(value.get_secret_value())
    except ValueError:
        raise ValueError("is not a store key (32 bytes in URL-safe base64: 44 characters); "
                         "make one with `passerelle store new-key`") from None
    return value


StoreKey = Annotated[DoorSecret, AfterValidator(_store_key)]


def secret_settings(model: type[BaseModel]) -> tuple[str, ...]:
    """The names of `model`'s secret settings, in their order: those an admin must keep out
    of the file (the console says where each goes, never what it is)."""
    return tuple(name for name, field in model.model_fields.items()
                 if _is_secret(field.annotation))


def _is_secret(annotation: Any) -> bool:
    """SecretStr itself, or within an Annotated or a union (`Credential | None`)."""
    if annotation is SecretStr:
        return True
    if get_origin(annotation) is Annotated:
        return _is_secret(get_args(annotation)[0])
    return any(_is_secret(arg) for arg in get_args(annotation))
