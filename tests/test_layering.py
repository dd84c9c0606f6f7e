"""The house's import rules: every file belongs to a part, no part imports one it must never
import, domain and API code import no Qt, and widgets import no HTTP library.

PARTS and NEVER are the architecture's drawing (the README's "Architecture"), checked against
every import in ct_ticket/, at the top of a file or inside a function, with no exemptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ct_ticket"
QT = ("PySide6", "shiboken6", "qasync")
HTTP = ("httpx", "h11", "websockets", "ct_ticket.api")

# Each part is a set of files and folders under ct_ticket/.
PARTS: dict[str, tuple[str, ...]] = {
    "App": ("app.py", "__main__.py", "selftest.py", "startup.py", "event_loop.py"),
    "UI": ("ui/",),
    "Feed": ("feed.py",),
    # The token session sits with the ticket: behaviour without widgets that the UI drives.
    "Ticket": ("ticket.py", "rails.py", "events.py", "calls.py", "outcomes.py", "tracking.py",
               "order_edits.py", "wording.py", "session.py", "protection.py", "fanout.py",
               "group_review.py"),
    "Settings": ("settings.py",),
    "Credentials": ("credentials.py",),
    "API": ("api/",),
    "Model": ("model/",),
    "Base": ("__init__.py", "logs.py", "paths.py", "sounds.py", "timing.py"),
    "Sim": ("sim/",),
}

# --- account groups in the window: the send's review and the groups kept in the settings -----
PARTS["Ticket"] += ("group_sends.py", "group_brackets.py")
PARTS["Settings"] += ("group_store.py",)

# (importer, imported, why): imports that must not exist.
NEVER: tuple[tuple[str, str, str], ...] = (
    ("Model", "UI", "the model knows no screen"),
    ("Model", "API", "the model knows no network"),
    ("API", "UI", "the client knows no screen"),
    ("Sim", "API", "the simulator must not share the client's bugs"),
    ("Sim", "Model", "nor the model's"),
    ("Ticket", "UI", "behaviour is testable without a window"),
    ("UI", "API", "widgets reach the client only through ticket or session"),
    ("Settings", "Ticket", "settings store values; the rules live in the ticket"),
)


def module_name(path: Path, root: Path) -> str:
    """`ct_ticket.ui.window` for root/ui/window.py (a package's __init__ is the package)."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module a file imports, at the top or inside functions. `from a import b` counts
    as both `a` and `a.b` (b may be a module); relative imports are resolved."""
    names: set[str] = set()
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def part_of_file(path: Path, root: Path = PACKAGE) -> str | None:
    relative = path.relative_to(root).as_posix()
    for part, members in PARTS.items():
        for member in members:
            if relative == member or (member.endswith("/") and relative.startswith(member)):
                return part
    return None


def part_of_module(name: str, root_name: str = PACKAGE.name) -> str | None:
    """The part a dotted module name belongs to; None outside the package."""
    if name == root_name:
        return "Base"  # the package itself: its __init__ holds the version only
    if not name.startswith(root_name + "."):
        return None
    first, _, rest = name[len(root_name) + 1:].partition(".")
    for part, members in PARTS.items():
        for member in members:
            if member.endswith("/") and first == member[:-1]:
                return part
            if not rest and member == first + ".py":
                return part
    return None


def files(*relative: str, root: Path = PACKAGE) -> list[Path]:
    found: list[Path] = []
    for name in relative:
        target = root / name
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return found


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PACKAGE)} imports {name}" for path in paths
            for name in sorted(imports(path))
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def broken_nevers(root: Path = PACKAGE) -> list[str]:
    """Every import that breaks a rule of NEVER, as "file imports module (Part → Part: why)"."""
    never = {(importer, imported): why for importer, imported, why in NEVER}
    found = []
    for path in sorted(root.rglob("*.py")):
        importer = part_of_file(path, root)
        for name in sorted(imports(path, root)):
            imported = part_of_module(name, root.name)
            why = never.get((importer or "", imported or ""))
            if why is not None:
                found.append(f"{path.relative_to(root)} imports {name} "
                             f"({importer} → {imported}: {why})")
    return found


def test_every_file_belongs_to_a_part() -> None:
    assert [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
            if part_of_file(p) is None] == []


def test_no_part_imports_one_it_must_never_import() -> None:
    assert broken_nevers() == []


NO_QT = [
    "model",
    "events.py",
    "ticket.py",
    "rails.py",
    "calls.py",
    "outcomes.py",
    "tracking.py",
    "order_edits.py",
    "protection.py",
    "wording.py",
    "fanout.py",
    "group_review.py",
    "feed.py",
    "session.py",
    "credentials.py",
    "logs.py",
    "paths.py",
    "sounds.py",
    "timing.py",
    "api",
    "sim",
]

# --- account groups in the window ------------------------------------------------------------
NO_QT += ["group_sends.py", "group_brackets.py", "group_store.py"]


@pytest.mark.parametrize("name", NO_QT)
def test_domain_api_and_simulator_code_import_no_qt(name: str) -> None:
    assert offending(files(name), QT) == []


def test_the_model_imports_nothing_but_itself_and_the_standard_library() -> None:
    outside = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in files("model")
        for name in sorted(imports(path))
        if name.startswith("ct_ticket") and part_of_module(name) != "Model"
    ]
    assert outside == []
    assert offending(files("model"), ("httpx", "h11", "websockets", *QT)) == []


def test_widgets_build_no_http_requests() -> None:
    assert offending(files("ui"), HTTP) == []


def test_the_checks_see_imports_inside_functions(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import httpx\n    from PySide6.QtCore import Qt\n")
    assert {"httpx", "PySide6.QtCore"} <= imports(sample, tmp_path)


def fake_package(tmp_path: Path, files_and_code: dict[str, str]) -> Path:
    root = tmp_path / "ct_ticket"
    for name, code in {"__init__.py": "", **files_and_code}.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code)
    return root


def test_a_broken_arrow_is_caught_whichever_way_it_is_written(tmp_path: Path) -> None:
    root = fake_package(
        tmp_path,
        {
            "ui/__init__.py": "",
            "ui/panel.py": "from ct_ticket.api.client import CrossTradeClient\n",
            "ui/other.py": "def late():\n    from ct_ticket import api\n",
            "ui/relative.py": "from ..api import wire\n",
            "model/__init__.py": "",
            "model/orders.py": "import ct_ticket.ui.window\n",
            "settings.py": "from ct_ticket.rails import check_limits\n",
            "sim/__init__.py": "",
            "sim/routes.py": "from ct_ticket.model import Side\n",
            "api/__init__.py": "",
            "api/wire.py": "from ct_ticket.model import Side\n",  # allowed: API → Model
        },
    )
    found = broken_nevers(root)
    assert [line.split(" (")[0] for line in found] == [
        "model/orders.py imports ct_ticket.ui.window",
        "settings.py imports ct_ticket.rails",
        "sim/routes.py imports ct_ticket.model",
        "sim/routes.py imports ct_ticket.model.Side",
        "ui/other.py imports ct_ticket.api",
        "ui/panel.py imports ct_ticket.api.client",
        "ui/panel.py imports ct_ticket.api.client.CrossTradeClient",
        "ui/relative.py imports ct_ticket.api",
        "ui/relative.py imports ct_ticket.api.wire",
    ]
    assert "(UI → API: widgets reach the client only through ticket or session)" in found[-1]


# --- room to the account's limits (issue 15): its modules are the ticket's behaviour ---------
PARTS["Ticket"] += ("rooms.py", "reviews.py")


def test_the_room_arithmetic_stays_in_the_model() -> None:
    """The room, the risk and the sizes are pure model code: no Qt, no client."""
    assert offending(files("model/room.py"), QT + HTTP) == []
