"""Where each of a bridge's settings comes from: the file, an environment variable, or the
default, as hub/settings.py reads them (the environment wins over the file).

What the environment gave is what pydantic-settings itself makes of it
(`environment_contribution`), not a reading of our own: where a table's JSON and a variable of
one of its keys are both set, the JSON wins, and so it says here. Otherwise pure: the file's
parsed TOML and the environment come in, nothing is read. A hub whose
settings were built in code (the demo, tests) has no file to compare with: every setting is
then said to be set in code, never guessed from what looks likely.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_settings import EnvSettingsSource

from hub.settings import BridgeSettings, EndpointSettings, HubSettings

ENV_PREFIX = "HUB_BRIDGES"
FILE, ENVIRONMENT, DEFAULT, CODE = "file", "environment", "default", "code"


@dataclass(frozen=True, slots=True)
class Origin:
    """`source` is file, environment, default or code; `detail` the file's path or the
    variable's name."""

    source: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Setting:
    key: str  # as written in the file: "translate", "endpoints[1].language"
    value: Any
    origin: Origin


@dataclass(frozen=True, slots=True)
class Sources:
    """What the settings were loaded from. `file` None with `data` None: unknown (built in
    code); `file` None with `data` {}: no file, the environment and the defaults."""

    file: Path | None
    data: Mapping[str, Any] | None
    environ: Mapping[str, str]
    contributed: Mapping[str, Any]  # the settings the environment gives, as loaded

    @property
    def known(self) -> bool:
        return self.data is not None


def environment_contribution() -> dict[str, Any]:
    """What this process's environment gives the settings, read as HubSettings reads it."""
    config = HubSettings.model_config
    source = EnvSettingsSource(HubSettings, case_sensitive=config.get("case_sensitive"),
                               env_prefix=config.get("env_prefix"),
                               env_nested_delimiter=config.get("env_nested_delimiter"))
    return source()


def bridge_settings(name: str, bridge: BridgeSettings, sources: Sources) -> list[Setting]:
    """Every setting of bridge `name`, with where its value comes from."""
    found = [Setting(key, getattr(bridge, key), _origin(name, (key,), getattr(bridge, key),
                                                        BridgeSettings, sources))
             for key in ("translate", "show_original")]
    listed = _origin(name, ("endpoints",), bridge.endpoints, BridgeSettings, sources)
    for index, endpoint in enumerate(bridge.endpoints):
        table = _endpoint_table(name, index, listed, sources)
        for key in EndpointSettings.model_fields:
            value = getattr(endpoint, key)
            found.append(Setting(f"endpoints[{index}].{key}", value,
                                 _endpoint_origin(listed, table, key, value, sources)))
    return found


def _origin(name: str, path: tuple[str, ...], value: Any, model: type[BridgeSettings],
            sources: Sources) -> Origin:
    if not sources.known:
        return Origin(CODE)
    if _lookup(sources.contributed, ("bridges", name, *path)) is not _MISSING:
        return Origin(ENVIRONMENT, _variable(name, path, sources.environ))
    if _lookup(sources.data, ("bridges", name, *path)) is not _MISSING:
        return Origin(FILE, str(sources.file) if sources.file else None)
    if _is_default(model, path[0], value):
        return Origin(DEFAULT)
    return Origin(CODE)


def _endpoint_table(name: str, index: int, listed: Origin, sources: Sources
                    ) -> Mapping[str, Any]:
    """The endpoint's table as its source wrote it (the file's, or the variable's JSON)."""
    if listed.source == FILE:
        endpoints = _lookup(sources.data, ("bridges", name, "endpoints"))
    elif listed.source == ENVIRONMENT:
        endpoints = _lookup(sources.contributed, ("bridges", name, "endpoints"))
    else:
        return {}
    table = endpoints[index] if isinstance(endpoints, list) and index < len(endpoints) else {}
    return table if isinstance(table, dict) else {}


def _endpoint_origin(listed: Origin, table: Mapping[str, Any], key: str, value: Any,
                     sources: Sources) -> Origin:
    if not sources.known or listed.source == CODE:
        return Origin(CODE)
    if key in table:
        return listed
    model_field = EndpointSettings.model_fields[key]
    if model_field.is_required() or _field_default(EndpointSettings, key) != value:
        return Origin(CODE)
    return Origin(DEFAULT)


def _variable(name: str, path: tuple[str, ...], environ: Mapping[str, str]) -> str | None:
    """The environment variable that gives `path` of bridge `name`: a table's JSON holding it
    (which wins, as in pydantic-settings), else its own. Names match whatever their case."""
    by_lower = {variable.lower(): variable for variable in environ}
    spelled = [ENV_PREFIX, name, *path]
    for depth in range(1, len(spelled) + 1):
        variable = by_lower.get("__".join(spelled[:depth]).lower())
        if variable is None:
            continue
        if depth == len(spelled):
            return variable
        if _from_json(environ[variable], spelled[depth:]) is not _MISSING:
            return variable
    return None


class _Missing:
    pass


_MISSING: Any = _Missing()


def _from_json(text: str, path: list[str]) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return _MISSING
    return _lookup(value, tuple(path))


def _lookup(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return _MISSING
        match = next((key for key in data if str(key).lower() == part.lower()), None)
        if match is None:
            return _MISSING
        data = data[match]
    return data


def _field_default(model: type[BridgeSettings] | type[EndpointSettings], key: str) -> Any:
    return model.model_fields[key].get_default(call_default_factory=True)


def _is_default(model: type[BridgeSettings], key: str, value: Any) -> bool:
    return bool(_field_default(model, key) == value)
