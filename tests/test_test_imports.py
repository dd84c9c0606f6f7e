"""Test helpers live in conftest files (as fixtures) or plain helper modules: no test module
imports another test module or a conftest (which one `import conftest` finds depends on
sys.path, and importing a test module runs its collection side effects twice)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def forbidden_imports(source: str) -> list[str]:
    """The test modules and conftests that `source` imports."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [name for name in names
                  if any(part == "conftest" or part.startswith("test_")
                         for part in name.split("."))]
    return found


def test_the_check_sees_both_kinds_of_forbidden_import() -> None:
    assert forbidden_imports("from test_window import open_window\nimport conftest\n") == [
        "test_window", "conftest"]
    assert forbidden_imports("from faultserver import FaultServer\nimport pytest\n") == []


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    offenders = {str(path.relative_to(TESTS)): names
                 for path in sorted(TESTS.rglob("*.py"))
                 if (names := forbidden_imports(path.read_text(encoding="utf-8")))}
    assert offenders == {}
