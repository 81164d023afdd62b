"""The domain layer stays pure: standard library (and edc.domain / edc.definitions) imports only, no clock reads."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import edc.domain

DOMAIN = Path(edc.domain.__file__).parent
MODULES = sorted(DOMAIN.rglob("*.py"))
ALLOWED_PREFIXES = ("edc.domain", "edc.definitions")
FORBIDDEN_CALLS = {"now", "today", "utcnow", "time", "open", "random"}


def _imports(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(DOMAIN)))
def test_imports_are_standard_library_or_domain(path: Path) -> None:
    for name in _imports(ast.parse(path.read_text())):
        top = name.split(".")[0]
        assert top in sys.stdlib_module_names or name.startswith(ALLOWED_PREFIXES), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(DOMAIN)))
def test_no_clock_or_io_calls(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(DOMAIN)))
def test_every_module_and_function_is_documented(path: Path) -> None:
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{path.name} has no module docstring"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            assert ast.get_docstring(node), f"{path.name}: {node.name} has no docstring"
