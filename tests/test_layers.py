"""Imports run one way: the command line on top, then the app, then the agent and the needle
tests, then retrieval and longctx. No package imports one above it (lazy imports included)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# what each package may import of ours
ALLOWED = {
    "longdoc": {"ui", "agent", "niah", "retrieval", "longctx"},
    "ui": {"agent", "niah", "retrieval", "longctx"},
    "niah": {"agent", "retrieval", "longctx"},
    "agent": {"retrieval", "longctx"},
    "retrieval": set(),
    "longctx": set(),
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_those_below_it(package):
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imported_packages(path) - ALLOWED[package] - {package}
    }
    assert not wrong, sorted(wrong)
