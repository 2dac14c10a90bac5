"""The plugin manager and what plugins register.

Built-in connectors and providers come through the entry-point group `hub`, exactly like a
third-party package's, so nothing in the core knows a platform by name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from hub import hookspecs
from hub.errors import StartupError

if TYPE_CHECKING:
    from hub.connector import Connector
    from hub.translate.provider import Translator

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "hub"
T = TypeVar("T")


def make_plugin_manager(
    *,
    allow: Iterable[str] | None = None,
    block: Iterable[str] = (),
    extra: Mapping[str, object] | None = None,
) -> pluggy.PluginManager:
    """A fresh manager: entry-point plugins (filtered by allow/block lists) plus `extra` ones.

    `extra` maps a plugin name to a module or object with hook implementations; tests and
    embedding applications use it to add connectors without installing a package.
    """
    allowed = None if allow is None else set(allow)
    blocked = set(block)
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        if ep.name in blocked or (allowed is not None and ep.name not in allowed):
            log.debug("plugin %s skipped by the allow/block lists", ep.name)
            continue
        if pm.has_plugin(ep.name):
            continue  # the same distribution seen twice on sys.path
        try:
            plugin = ep.load()
        except Exception as exc:
            raise StartupError(
                f'plugin "{ep.name}" ({ep.value}) cannot be loaded: {exc}; '
                f"reinstall it or add it to [plugins].block"
            ) from exc
        pm.register(plugin, name=ep.name)
    for name, plugin in (extra or {}).items():
        pm.register(plugin, name=name)
    return pm


@dataclass(frozen=True)
class Registry:
    """Every connector and translator class the plugins provide, by name."""

    connectors: Mapping[str, type[Connector]]
    translators: Mapping[str, type[Translator]]
    providers: Mapping[str, str]  # "connector:slack" -> plugin name, for messages

    @classmethod
    def collect(cls, pm: pluggy.PluginManager) -> Registry:
        providers: dict[str, str] = {}
        connectors = _collect(pm, "hub_register_connectors", "connector", providers)
        translators = _collect(pm, "hub_register_translators", "translator", providers)
        return cls(connectors=connectors, translators=translators, providers=providers)


def _collect(
    pm: pluggy.PluginManager, hook_name: str, what: str, providers: dict[str, str]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    hook = getattr(pm.hook, hook_name)
    for impl in hook.get_hookimpls():
        for item in impl.function() or []:
            name = item.name
            key = f"{what}:{name}"
            if name in found:
                raise StartupError(
                    f'{what} "{name}" is provided by both plugin "{providers[key]}" and plugin '
                    f'"{impl.plugin_name}"; block one of them in [plugins].block'
                )
            found[name] = item
            providers[key] = impl.plugin_name
    return found
