"""The rules that hold the layout together (docs/development.md).

models/ reads bottom-up: base < store | rules | content < services < startup, and the dashboard sits on top. A
lower layer never imports a higher one, models/ never imports Streamlit, and no two modules anywhere in models/
or dashboard/ import each other, directly or round a longer circle.
"""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path

import grimp
from importlinter import cli as import_linter

REPO_ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan's algorithm, iteratively)."""
    edges = {m: sorted(d for d in graph.find_modules_directly_imported_by(m) if d in graph.modules)
             for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            for j in range(i, len(edges[node])):
                nxt = edges[node][j]
                if nxt not in index:
                    work += [(node, j + 1), (nxt, 0)]
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d"), ("p.d", "p.e")]:
        graph.add_import(importer=a, imported=b)
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_no_import_cycle_in_models_or_dashboard():
    graph = grimp.build_graph("models", "dashboard", cache_dir=None)
    assert len(graph.modules) > 50  # the whole tree was read, not an empty package
    assert _cycles(graph) == []


def test_import_linter_contracts_are_kept(capsys):
    """The layers contract and "models/ never imports Streamlit" in pyproject.toml ([tool.importlinter])."""
    cwd = os.getcwd()
    # import-linter configures logging with dictConfig, which disables every logger that already exists (Waypoint's
    # own among them) for the rest of the run: later tests that read the "waypoint" log saw nothing.
    loggers = [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg.name: lg.disabled for lg in loggers}
    os.chdir(REPO_ROOT)
    try:
        code = import_linter.lint_imports(no_cache=True, no_logo=True)
    finally:
        os.chdir(cwd)
        for lg in loggers:
            lg.disabled = disabled[lg.name]
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 kept, 0 broken" in out


def test_migration_scripts_use_only_the_store_and_base():
    """Alembic's scripts are not a package, so import-linter cannot see them; they are checked here instead."""
    scripts = list((REPO_ROOT / "models" / "store" / "migrations").rglob("*.py"))
    assert len(scripts) >= 6
    wrong = [f"{p.name}: {name}" for p in scripts for name in _imports(p)
             if name.split(".")[0] == "models" and name.split(".")[1] not in ("base", "store")]
    assert wrong == []


def test_models_never_import_streamlit():
    offenders = [f"{path.name}: {name}" for path in (REPO_ROOT / "models").rglob("*.py")
                 for name in _imports(path) if name.split(".")[0] == "streamlit"]
    assert offenders == []
    assert "streamlit" not in "".join(p.read_text() for p in (REPO_ROOT / "models").rglob("*.py")).lower()


def test_models_is_layered_folders_not_a_flat_list():
    top = sorted(p.name for p in (REPO_ROOT / "models").iterdir() if p.suffix == ".py" or p.is_dir())
    assert [p for p in top if p != "__pycache__"] == [
        "__init__.py", "base", "content", "rules", "services", "startup.py", "store"]


def test_page_folder_is_not_streamlits_legacy_pages_dir():
    assert not (REPO_ROOT / "dashboard" / "pages").exists()
