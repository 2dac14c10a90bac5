"""Every connector folder keeps the fixed file roles, so a reader knows where to look."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).parents[2] / "plugins"
FOLDERS = sorted(p for p in PLUGINS.iterdir() if p.is_dir() and (p / "plugin.py").exists())
ROLES = ["__init__.py", "plugin.py", "connector.py", "client.py", "mapping.py", "settings.py",
         "README.md"]


def test_the_four_platforms_are_there() -> None:
    assert [f.name for f in FOLDERS] == ["basecamp", "slack", "whatsapp", "zoom"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_fixed_file_roles(folder: Path) -> None:
    assert [role for role in ROLES if not (folder / role).exists()] == []


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_plugin_py_holds_hook_implementations_only(folder: Path) -> None:
    tree = ast.parse((folder / "plugin.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [d.id if isinstance(d, ast.Name) else getattr(d, "attr", "")
                     for d in node.decorator_list]
            assert "hookimpl" in names, f"{folder.name}/plugin.py: {node.name} is no hook"
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports for annotations
            assert ast.unparse(node.test) == "TYPE_CHECKING", f"{folder.name}/plugin.py"
        else:
            assert isinstance(node, ast.Import | ast.ImportFrom | ast.Expr), (
                f"{folder.name}/plugin.py line {node.lineno}: only imports and hooks belong here")


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_client_and_mapping_stay_away_from_the_core_machinery(folder: Path) -> None:
    for role in ("client.py", "mapping.py"):
        tree = ast.parse((folder / role).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                     for alias in node.names}
        forbidden = {m for m in imported
                     if m.split(".")[:2] in (["hub", "store"], ["hub", "router"],
                                             ["hub", "delivery"], ["hub", "app"])}
        assert forbidden == set(), f"{folder.name}/{role} imports {forbidden}"
