"""The design's one-way arrows (DESIGN.md), checked on the source, and the house style."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def modules(folder: str) -> dict[Path, set[str]]:
    """Every module each file under ``folder`` imports, by its full dotted name (``from a import b`` adds ``a``
    and ``a.b``), at any depth of the file (imports inside functions count)."""
    out = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        out[path] = names
    return out


def imports(folder: str) -> dict[Path, set[str]]:
    """The top-level packages each file under ``folder`` imports."""
    return {path: {name.split(".")[0] for name in names} for path, names in modules(folder).items()}


def test_classifier_imports_nothing_from_bot():
    for path, names in imports("classifier").items():
        assert "bot" not in names, path


def test_only_adapters_import_platform_sdks():
    """Only bot/adapters/slack/ imports slack_bolt or slack_sdk; only bot/adapters/discord/ imports discord."""
    for path, names in imports("bot").items():
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith("bot/adapters/slack/"):
            assert not names & {"slack_bolt", "slack_sdk"}, rel
        if not rel.startswith("bot/adapters/discord/"):
            assert "discord" not in names, rel


def test_each_platform_adapter_is_a_package():
    adapters = ROOT / "bot" / "adapters"
    assert sorted(p.name for p in adapters.iterdir() if p.suffix == ".py") == ["__init__.py", "console.py"]
    kinds = {p.stem for p in (adapters / "slack" / "listeners").glob("*.py")}
    assert {"commands", "events", "shortcuts", "views", "actions"} <= kinds
    for kind in ("commands", "events", "shortcuts", "views", "actions"):
        tree = ast.parse((adapters / "slack" / "listeners" / f"{kind}.py").read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.FunctionDef) and n.name == "register" for n in tree.body), kind
    assert {p.stem for p in (adapters / "discord").glob("*.py")} >= {
        *("client", "commands", "components", "notifier", "render")
    }


def test_adapters_import_neither_sqlalchemy_nor_the_ledger():
    """Adapters speak to the coach in plain types (bot.types); the database stays behind it."""
    for path, names in modules("bot/adapters").items():
        rel = path.relative_to(ROOT).as_posix()
        assert not {n for n in names if n.split(".")[0] in ("sqlalchemy", "alembic")}, rel
        assert not {n for n in names if n == "bot.ledger" or n.startswith("bot.ledger.")}, rel
        assert "bot.reminders" not in names, rel


def test_library_code_does_not_print():
    for folder in ("classifier", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in ("cli.py", "console.py") or "adapters/console" in path.as_posix():
                continue
            calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]
            assert not any(isinstance(c.func, ast.Name) and c.func.id == "print" for c in calls), path


def test_ruff_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is part of the dev extras: pip install -e '.[dev]'"
    r = subprocess.run([ruff, "check", "--no-cache", str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


#: Methods that implement a framework's hook (discord.py, gunicorn, logging, SQLAlchemy, a Notifier): their
#: contract is documented where it is declared.
HOOKS = {
    *("from_custom_id", "callback", "on_submit", "on_error", "setup_hook", "process_bind_param"),
    *("process_result_value", "format", "filter", "is_set", "close", "run", "send", "send_digest", "delivered"),
    *("load", "load_config", "setup"),
}


def test_public_functions_and_classes_say_what_they_do():
    missing = []
    for path in (ROOT / "bot").rglob("*.py"):
        if "migrations" in path.parts:
            continue

        def walk(body, cls="", path=path):
            for node in body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    if node.name.startswith("_") or (cls and node.name in HOOKS):
                        continue
                    if ast.get_docstring(node) is None:
                        missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {cls}{node.name}")
                    if isinstance(node, ast.ClassDef):
                        walk(node.body, f"{node.name}.", path)

        walk(ast.parse(path.read_text(encoding="utf-8")).body)
    assert missing == []


def test_no_module_passes_about_450_lines():
    for folder in ("bot", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            lines = path.read_text(encoding="utf-8").count("\n")
            assert lines <= 460, f"{path.relative_to(ROOT)} has {lines} lines: split it by job"
