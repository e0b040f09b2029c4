"""The app is built on Textual's public API: no import from a private Textual module, and no
write to a private attribute of Textual's own (DataTable's `_data`, `_row_locations`, caches…).

A private name the app gives its own state (`self._generation`) is fine; one Textual also uses
is not, because writing it changes Textual's bookkeeping behind its back. Textual's names are
read from the installed (pinned) package, so a bump that starts using one of ours shows here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import textual

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("core", "widgets", "modals", "tabs", "screens", "tui", "cli")
# Being rebuilt on public API by the footer's owner (issue 16, item 4): it imports FooterKey.
NOT_YET_PUBLIC: set[str] = set()


def app_modules() -> list[Path]:
    return sorted(path for package in APP_PACKAGES for path in (ROOT / package).rglob("*.py"))


def written_private_names(tree: ast.AST) -> set[str]:
    """Names `_x` (not dunders) assigned as attributes anywhere in `tree`: `obj._x = …`,
    `obj._x += …`, `obj._x[k] = …`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Subscript):
                    part = part.value
                if (
                    isinstance(part, ast.Attribute)
                    and part.attr.startswith("_")
                    and not part.attr.startswith("__")
                ):
                    names.add(part.attr)
    return names


def textual_private_attributes() -> set[str]:
    names: set[str] = set()
    for path in Path(textual.__file__).parent.rglob("*.py"):
        names |= written_private_names(ast.parse(path.read_text(encoding="utf-8")))
    return names


def test_no_app_module_imports_a_private_textual_module() -> None:
    offenders = []
    for path in app_modules():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "textual" and any(p.startswith("_") for p in parts[1:]):
                    offenders.append(f"{relative}: {module}")
    unexpected = [o for o in offenders if o.split(":")[0] not in NOT_YET_PUBLIC]
    assert unexpected == []


def test_no_app_module_writes_a_private_attribute_textual_uses() -> None:
    textual_names = textual_private_attributes()
    assert {"_data", "_row_locations", "_line_cache"} <= textual_names, "the scan reads Textual"
    offenders = {
        path.relative_to(ROOT).as_posix(): sorted(clash)
        for path in app_modules()
        if (clash := written_private_names(ast.parse(path.read_text(encoding="utf-8"))))
        & textual_names
    }
    offenders = {
        path: [n for n in names if n in textual_names] for path, names in offenders.items()
    }
    # The driver's output stream, replaced so a dead terminal ends the app (tui/hangup.py
    # says why no public way exists).
    assert offenders == {"tui/hangup.py": ["_file"]}
