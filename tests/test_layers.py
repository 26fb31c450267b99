"""The house's shape: core/ in layers that import only downwards, no cycles, few hidden imports,
a listed public surface for the pages, and no test hooks in production code."""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import core.api

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core"
#: module prefix -> layer; a module imports only from its own layer or below, never above
LAYERS = [
    ("core.config", 0), ("core.errors", 0), ("core.logs", 0), ("core.proc", 0), ("core.i18n", 0),
    ("core.db", 1), ("core.storage", 1), ("core.media", 1),
    ("core.analysis", 2),
    ("core.pipeline", 3), ("core.jobs", 3), ("core.accounts", 3),
    ("core.runtime", 4), ("core.ops", 4),
    ("core.api", 5), ("core.http", 5), ("core.web", 5), ("core.cli", 5), ("core.__main__", 5),
]


def module_name(p: Path) -> str:
    parts = list(p.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in CORE.rglob("*.py")}


def layer(mod: str) -> int | None:
    for prefix, n in LAYERS:
        if mod == prefix or mod.startswith(prefix + "."):
            return n
    return None


def resolve(name: str) -> str | None:
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(mod: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported core module, line, inside a function) for every import statement of ``mod``."""
    pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    out: list[tuple[str, int, bool]] = []

    def walk(node: ast.AST, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if isinstance(child, ast.Import):
                    names = [a.name for a in child.names]
                else:
                    base = child.module or ""
                    if child.level:
                        anchor = pkg.split(".")[: len(pkg.split(".")) - child.level + 1]
                        base = ".".join(anchor + ([child.module] if child.module else []))
                    names = [f"{base}.{a.name}" for a in child.names] + [base]
                found = {r for r in map(resolve, names) if r and r != mod and not mod.startswith(r + ".")}
                out.extend((r, child.lineno, in_func) for r in sorted(found))
            walk(child, in_func or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    walk(ast.parse(path.read_text()), False)
    return out


GRAPH = {m: imports(m, p) for m, p in MODULES.items()}


def test_every_core_module_has_a_layer():
    assert [m for m in MODULES if m != "core" and layer(m) is None] == []


def upward_imports(graph: dict[str, list[tuple[str, int, bool]]]) -> list[str]:
    return [f"{m} (L{layer(m)}) imports {r} (L{layer(r)}) at line {line}"
            for m, edges in graph.items() if m != "core" for r, line, _ in edges if (layer(r) or 0) > (layer(m) or 0)]


def test_no_module_imports_from_a_layer_above_it():
    assert upward_imports(GRAPH) == []


def cycles_of(graph: dict[str, list[tuple[str, int, bool]]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w, _, _ in graph.get(v, []):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while (w := stack.pop()) != v:
                on.discard(w)
                comp.append(w)
            on.discard(v)
            if comp:
                cycles.append(sorted(comp + [v]))

    for v in graph:
        if v not in index:
            strong(v)
    return cycles


def test_no_import_cycles():
    assert cycles_of(GRAPH) == []


def test_no_core_import_hides_inside_a_function():
    inner = [f"{MODULES[m].relative_to(ROOT)}:{line} imports {r}" for m, edges in GRAPH.items() for r, line, f in edges if f]
    assert inner == []


def test_the_layer_checks_can_fail(tmp_path: Path):
    """The same checks see an upward import, a hidden import and a cycle when there is one."""
    fake = tmp_path / "fake.py"
    fake.write_text("import core.jobs\n\ndef f():\n    from core.api import admin\n")
    edges = imports("core.analysis.fake", fake)
    assert ("core.api.admin", 4, True) in edges and ("core.jobs", 1, False) in edges
    graph = {**GRAPH, "core.analysis.fake": edges, "core.jobs": [*GRAPH["core.jobs"], ("core.analysis.fake", 1, False)]}
    assert any("core.analysis.fake (L2) imports core.api.admin (L5)" in u for u in upward_imports(graph))
    assert any("core.analysis.fake" in c and "core.jobs" in c for c in cycles_of(graph))


def test_api_all_lists_exactly_its_public_names():
    public = {n for n in dir(core.api) if (not n.startswith("_") or n == "_")  # _(): gettext's own name
              and getattr(getattr(core.api, n), "__module__", "core.api").startswith("core")
              and not (isinstance(getattr(core.api, n), type(core)) and n != "charts")}
    assert set(core.api.__all__) == public
    for sub in ("uploads", "results", "coach", "admin", "auth", "vocab"):
        mod = importlib.import_module(f"core.api.{sub}")
        missing = set(mod.__all__) - set(core.api.__all__)
        assert not missing, (sub, missing)


def test_pages_use_only_listed_api_names():
    used = set()
    for page in list((ROOT / "pages").glob("*.py")) + list((ROOT / "ui").glob("*.py")):
        used |= set(re.findall(r"\bapi\.([A-Za-z_]\w*)", page.read_text()))
    assert used and used <= set(core.api.__all__), used - set(core.api.__all__)


def test_pages_folder_holds_only_pages():
    names = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
    assert names == ["account.py", "admin.py", "compare.py", "results.py", "upload.py"]


def test_production_code_has_no_test_hooks():
    offenders = [str(p.relative_to(ROOT)) for p in CORE.rglob("*.py") if "PYTEST_CURRENT_TEST" in p.read_text()]
    assert offenders == []


def test_no_optional_import_chains():
    """An ImportError must never silently drop commands, routes or scheduled tasks."""
    offenders = [str(p.relative_to(ROOT)) for p in CORE.rglob("*.py") if "except ImportError" in p.read_text()]
    assert offenders == []
