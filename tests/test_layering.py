"""The import arrows point one way: ui → ticket → api → model; the simulator never sees the
client; domain and API code never import Qt; widgets never import an HTTP library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ct_ticket"
QT = ("PySide6", "shiboken6", "qasync")
HTTP = ("httpx", "websockets", "ct_ticket.api.client", "ct_ticket.api.stream")


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(*relative: str) -> list[Path]:
    found: list[Path] = []
    for name in relative:
        target = PACKAGE / name
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return found


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PACKAGE)} imports {name}" for path in paths
            for name in sorted(imports(path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


NO_QT = ["model.py", "instruments.py", "events.py", "ticket.py", "rails.py", "feed.py",
         "credentials.py", "logs.py", "paths.py", "sounds.py", "api", "sim"]


@pytest.mark.parametrize("name", NO_QT)
def test_domain_api_and_simulator_code_import_no_qt(name: str) -> None:
    assert offending(files(name), QT) == []


def test_the_model_imports_neither_the_api_nor_the_ui() -> None:
    assert offending(files("model.py", "instruments.py"),
                     ("ct_ticket.api", "ct_ticket.ui", "ct_ticket.ticket", "httpx")) == []


def test_the_api_never_imports_the_ticket_or_the_ui() -> None:
    assert offending(files("api"), ("ct_ticket.ticket", "ct_ticket.ui", "ct_ticket.feed")) == []


def test_the_simulator_never_imports_the_client() -> None:
    assert offending(files("sim"), ("ct_ticket.api", "ct_ticket.ticket", "ct_ticket.ui")) == []


def test_widgets_build_no_http_requests() -> None:
    widgets = [p for p in files("ui") if p.name != "token_session.py"]
    assert offending(widgets, HTTP) == []


def test_the_checks_see_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import httpx\n    from PySide6.QtCore import Qt\n")
    assert {"httpx", "PySide6.QtCore"} <= imports(sample)
